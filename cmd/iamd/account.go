package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
)

// service opens the store and returns the IAM service over it.
func (f *storeFlags) service(ctx context.Context, log *slog.Logger) (*iam.Service, *store.Store, error) {
	st, _, err := f.open(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	return iam.New(st, iam.Options{Logger: log}), st, nil
}

// serviceFor opens the store and resolves the account a command acts on
// (id, or the only account when id is empty). The caller closes the store.
func (f *storeFlags) serviceFor(ctx context.Context, log *slog.Logger, id string) (*iam.Service, *store.Store, string, error) {
	svc, st, err := f.service(ctx, log)
	if err != nil {
		return nil, nil, "", err
	}
	acct, err := resolveAccount(ctx, st, id)
	if err != nil {
		st.Close()
		return nil, nil, "", err
	}
	return svc, st, acct, nil
}

// resolveAccount returns id, or the only account when id is empty.
func resolveAccount(ctx context.Context, st *store.Store, id string) (string, error) {
	if id != "" {
		if _, err := st.Account(ctx, id); err != nil {
			if errors.Is(err, iam.ErrNotFound) {
				return "", fmt.Errorf("no account %s", id)
			}
			return "", err
		}
		return id, nil
	}
	accts, err := st.Accounts(ctx)
	if err != nil {
		return "", err
	}
	switch len(accts) {
	case 0:
		return "", errors.New("the store has no account yet: start the server once, or run iamd account create")
	case 1:
		return accts[0].ID, nil
	}
	return "", fmt.Errorf("the store has %d accounts: name one with --account", len(accts))
}

// account runs "iamd account create|list|root-mfa".
func account(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: iamd account create|list|root-mfa [flags]")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("account "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	log := newLogger(stderr)
	switch sub {
	case "create":
		id := fs.String("id", "", "the new account's id, 12 digits (default: generated)")
		email := fs.String("email", "", "the root user's email (default: generated)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("account create takes no arguments, got %q", fs.Args())
		}
		svc, st, err := sf.service(ctx, log)
		if err != nil {
			return err
		}
		defer st.Close()
		c, err := svc.CreateAccount(ctx, iam.NewAccount{ID: *id, Email: *email})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "account_id        %s\nroot_email        %s\nroot_password     %s\naccess_key_id     %s\nsecret_access_key %s\n",
			c.Account.ID, c.Account.Email, c.RootPassword, c.RootAccessKeyID, c.RootSecretAccessKey)
		fmt.Fprintln(stderr, "WARNING: these root credentials are shown only once. Store them safely now.")
		return nil
	case "list":
		if err := fs.Parse(args); err != nil {
			return err
		}
		_, st, err := sf.service(ctx, log)
		if err != nil {
			return err
		}
		defer st.Close()
		accts, err := st.Accounts(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACCOUNT\tROOT EMAIL\tALIAS\tCREATED")
		for _, a := range accts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.ID, a.Email, a.Alias, a.CreatedAt.Format("2006-01-02T15:04:05Z"))
		}
		return tw.Flush()
	case "root-mfa":
		deactivate := fs.String("deactivate", "", "remove this device `serial` from the root user instead of creating one")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("usage: iamd account root-mfa [--data-dir D] [--database-url U] [--deactivate SERIAL] ACCOUNT")
		}
		svc, st, acct, err := sf.serviceFor(ctx, log, fs.Arg(0))
		if err != nil {
			return err
		}
		defer st.Close()
		if *deactivate != "" {
			if err := svc.DeactivateRootMFADevice(ctx, acct, *deactivate); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "deactivated %s for the root user of %s\n", *deactivate, acct)
			return nil
		}
		d, err := svc.CreateRootMFADevice(ctx, acct)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "serial_number      %s\nbase32_string_seed %s\n", d.Serial, d.Base32StringSeed)
		fmt.Fprintln(stderr, "WARNING: the seed is shown only once. Add it to an authenticator now.")
		return nil
	}
	return fmt.Errorf("unknown command: account %s", sub)
}
