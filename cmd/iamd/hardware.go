package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/pskc"
)

// hardware runs "iamd hardware import|list|remove".
func hardware(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: iamd hardware import|list|remove [flags]")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("hardware "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	accountID := fs.String("account", "", "the account (default: the only one)")
	log := newLogger(stderr)
	switch sub {
	case "import":
		psk := fs.String("psk", "", "pre-shared key of an encrypted PSKC file, in hex")
		password := fs.String("password", "", "password of a PBKDF2-encrypted PSKC file")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("usage: iamd hardware import [--data-dir D] [--database-url U] [--account ID] [--psk HEX | --password P] FILE")
		}
		keys, err := readTokens(fs.Arg(0), *psk, *password)
		if err != nil {
			return err
		}
		svc, st, acct, err := sf.serviceFor(ctx, log, *accountID)
		if err != nil {
			return err
		}
		defer st.Close()
		tokens := make([]iam.HardwareToken, 0, len(keys))
		for _, k := range keys {
			tokens = append(tokens, iam.HardwareToken{Serial: k.Serial, Secret: k.Secret, OTPType: k.Algorithm, Digits: k.Digits,
				Period: k.TimeStep, Hash: k.Hash, Time0: k.Time0, Counter: k.Counter})
		}
		if err := svc.ImportHardwareTokens(ctx, acct, tokens); err != nil {
			return fmt.Errorf("nothing imported: %w", err)
		}
		for _, k := range keys {
			fmt.Fprintln(stdout, k.Serial)
		}
		fmt.Fprintf(stderr, "imported %d token(s) into account %s\n", len(keys), acct)
		return nil
	case "list":
		if err := fs.Parse(args); err != nil {
			return err
		}
		svc, st, acct, err := sf.serviceFor(ctx, log, *accountID)
		if err != nil {
			return err
		}
		defer st.Close()
		tokens, err := svc.ListHardwareTokens(ctx, acct)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SERIAL\tTYPE\tDIGITS\tSTATUS\tASSIGNED TO")
		for _, t := range tokens {
			status, who := "Unassigned", "-"
			if t.User != nil {
				status, who = "Assigned", t.User.ARN()
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", t.Device.Serial, t.Device.OTPType, t.Device.Digits, status, who)
		}
		return tw.Flush()
	case "remove":
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("usage: iamd hardware remove [--data-dir D] [--database-url U] [--account ID] SERIAL")
		}
		svc, st, acct, err := sf.serviceFor(ctx, log, *accountID)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := svc.RemoveHardwareToken(ctx, acct, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed %s\n", fs.Arg(0))
		return nil
	}
	return fmt.Errorf("unknown command: hardware %s", sub)
}

// readTokens reads a PSKC (XML) or CSV seed file; the format is told by its
// first non-blank character.
func readTokens(path, pskHex, password string) ([]pskc.Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	first := ""
	if line, _, _ := bufio.NewReader(bytes.NewReader(bytes.TrimSpace(b))).ReadLine(); len(line) > 0 {
		first = string(line[:1])
	}
	if first != "<" {
		if pskHex != "" || password != "" {
			return nil, errors.New("--psk and --password are for PSKC files; " + path + " is CSV")
		}
		keys, err := pskc.ParseCSV(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: nothing imported: %w", path, err)
		}
		return keys, nil
	}
	var opts pskc.Options
	if pskHex != "" {
		if opts.PSK, err = hex.DecodeString(strings.TrimSpace(pskHex)); err != nil {
			return nil, fmt.Errorf("--psk: %w", err)
		}
	}
	opts.Password = password
	keys, err := pskc.Parse(bytes.NewReader(b), opts)
	if err != nil {
		return nil, fmt.Errorf("%s: nothing imported: %w", path, err)
	}
	return keys, nil
}
