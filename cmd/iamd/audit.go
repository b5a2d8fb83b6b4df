package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/iamd/iamd/internal/audit"
)

const auditUsage = `usage:
  iamd audit export [--data-dir D] [--database-url U] [--since RFC3339|DURATION] [--account ID]
Writes the audit trail as JSON Lines (one CloudTrail record a line) to standard output, oldest first.
--since is a time (2026-12-01T00:00:00Z) or a duration back from now (24h); default: everything kept.`

// auditCmd runs "iamd audit export".
func auditCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "export" {
		return errors.New(auditUsage)
	}
	fs := flag.NewFlagSet("audit export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	since := fs.String("since", "", "first event time: RFC 3339, or a duration back from now such as 24h")
	account := fs.String("account", "", "only this account's events")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New(auditUsage)
	}
	from, err := parseSince(*since, time.Now())
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, _, err := sf.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	w := bufio.NewWriter(stdout)
	enc := json.NewEncoder(w)
	n := 0
	err = st.ExportEvents(ctx, from, func(e audit.Event) error {
		if *account != "" && e.RecipientAccountID != *account {
			return nil
		}
		n++
		return enc.Encode(e)
	})
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exported %d events\n", n)
	return nil
}

// parseSince reads --since: empty for the beginning, an RFC 3339 time, or
// a duration before now.
func parseSince(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since %q is neither an RFC 3339 time nor a duration such as 24h", v)
}

// envDuration reads a duration from the environment, def when unset.
func envDuration(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not a positive duration such as 2160h", name, v)
	}
	return d, nil
}
