package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/iamd/iamd/internal/otp"
)

// token prints a TOTP code for a Base32 secret, for demos and tests.
func token(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "code" {
		return errors.New("usage: iamd token code --secret BASE32 [--at RFC3339] [--digits 6] [--period 30]")
	}
	fs := flag.NewFlagSet("token code", flag.ContinueOnError)
	fs.SetOutput(stderr)
	secret := fs.String("secret", "", "the token's secret in Base32 (required)")
	at := fs.String("at", "", "the time to compute the code for, RFC 3339 (default: now)")
	digits := fs.Int("digits", 6, "number of digits")
	period := fs.Int("period", 30, "time step in seconds")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *secret == "" {
		return errors.New("--secret is required")
	}
	key, err := otp.DecodeSecret(*secret)
	if err != nil {
		return fmt.Errorf("--secret: %w", err)
	}
	t := time.Now()
	if *at != "" {
		if t, err = time.Parse(time.RFC3339, *at); err != nil {
			return fmt.Errorf("--at: %w", err)
		}
	}
	p := otp.Params{Digits: *digits, Period: time.Duration(*period) * time.Second}
	if err := p.Validate(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, otp.TOTP(key, t, p))
	return nil
}
