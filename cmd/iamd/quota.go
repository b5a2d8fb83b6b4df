package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/quotas"
	"github.com/iamd/iamd/internal/store"
)

const quotaUsage = `usage:
  iamd quota list     [--data-dir D] [--database-url U] ACCOUNT
  iamd quota set      [--data-dir D] [--database-url U] ACCOUNT NAME VALUE
  iamd quota requests [--data-dir D] [--database-url U] [--account ID] [--status PENDING|ALL|…]
  iamd quota approve  [--data-dir D] [--database-url U] REQUEST_ID
  iamd quota deny     [--data-dir D] [--database-url U] REQUEST_ID
NAME is a GetAccountSummary quota key (UsersQuota, MFADevicesPerUserQuota, …) or a quota code.`

// quotaService opens the store and returns the quotas service over it.
func (f *storeFlags) quotaService(ctx context.Context, log *slog.Logger) (*quotas.Service, *store.Store, error) {
	st, _, err := f.open(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	return quotas.New(st, iam.New(st, iam.Options{Logger: log}), quotas.Options{Logger: log}), st, nil
}

// parseAutoApproveMax reads --quota-auto-approve-max: a whole number from
// 0 (no request is approved without the operator).
func parseAutoApproveMax(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("--quota-auto-approve-max (IAMD_QUOTA_AUTO_APPROVE_MAX) must be a whole number from 0, not %q", v)
	}
	return n, nil
}

// servingQuotas is the quotas service "iamd serve" answers the Service
// Quotas API with.
func servingQuotas(st *store.Store, iamSvc *iam.Service, log *slog.Logger, autoApproveMax int) *quotas.Service {
	if autoApproveMax > 0 {
		log.Info("quota increase requests up to a value are approved without the operator", "quota_auto_approve_max", autoApproveMax)
	}
	return quotas.New(st, iamSvc, quotas.Options{Clock: iamSvc.Clock(), Logger: log, Config: quotas.Config{AutoApproveMax: autoApproveMax}})
}

// quota runs "iamd quota list|set|requests|approve|deny". Servers read
// quotas from the store on every request, so a change applies to the next
// request on every node.
func quota(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(quotaUsage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("quota "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	// Operator commands log to stderr only what goes wrong.
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var account, status *string
	nargs := map[string]int{"list": 1, "set": 3, "requests": 0, "approve": 1, "deny": 1}
	want, ok := nargs[sub]
	if !ok {
		return fmt.Errorf("unknown command: quota %s\n%s", sub, quotaUsage)
	}
	if sub == "requests" {
		account = fs.String("account", "", "only this account's requests")
		status = fs.String("status", quotas.StatusPending, "only requests with this status; ALL for every status")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != want {
		return fmt.Errorf("quota %s takes %d argument(s), got %d\n%s", sub, want, fs.NArg(), quotaUsage)
	}
	svc, st, err := sf.quotaService(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "list":
		return quotaList(ctx, svc, fs.Arg(0), stdout)
	case "set":
		v, err := strconv.Atoi(fs.Arg(2))
		if err != nil {
			return fmt.Errorf("VALUE %q is not a whole number", fs.Arg(2))
		}
		before, after, err := svc.Set(ctx, fs.Arg(0), fs.Arg(1), v)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s (%s) of account %s: %d -> %d\n", after.Key, after.Code, after.AccountID, before.Value, after.Value)
		if after.UsageKey != "" {
			lines, err := svc.Report(ctx, after.AccountID)
			if err != nil {
				return err
			}
			for _, l := range lines {
				if l.Key == after.Key && l.Usage > after.Value {
					fmt.Fprintf(stdout, "usage %d is above the new quota %d: what exists stays; new ones are refused until usage is below the quota\n",
						l.Usage, after.Value)
				}
			}
		}
		return nil
	case "requests":
		only := strings.ToUpper(*status)
		if only == "ALL" {
			only = ""
		}
		reqs, err := svc.Requests(ctx, quotas.RequestFilter{AccountID: *account, Status: only})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "REQUEST\tACCOUNT\tQUOTA\tCODE\tDESIRED\tSTATUS\tCREATED\tREQUESTER")
		for _, r := range reqs {
			q := r.Quota()
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.ID, r.AccountID, q.Key, q.Code, r.DesiredValue, r.Status,
				r.CreatedAt.Format(time.RFC3339), r.Requester)
		}
		return tw.Flush()
	case "approve", "deny":
		decide := svc.Approve
		if sub == "deny" {
			decide = svc.Deny
		}
		r, err := decide(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		q := r.Quota()
		if r.Status == quotas.StatusApproved {
			lines, err := svc.Report(ctx, r.AccountID)
			if err != nil {
				return err
			}
			now := r.DesiredValue
			for _, l := range lines {
				if l.Key == q.Key {
					now = l.Value.Value
				}
			}
			fmt.Fprintf(stdout, "approved %s: %s (%s) of account %s is now %d\n", r.ID, q.Key, q.Code, r.AccountID, now)
			return nil
		}
		fmt.Fprintf(stdout, "denied %s: %s (%s) of account %s stays as it is (%d was asked)\n", r.ID, q.Key, q.Code, r.AccountID, r.DesiredValue)
		return nil
	}
	return nil
}

// quotaList prints every quota of an account: value, default, usage.
func quotaList(ctx context.Context, svc *quotas.Service, account string, stdout io.Writer) error {
	lines, err := svc.Report(ctx, account)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCODE\tVALUE\tDEFAULT\tUSAGE\tQUOTA NAME")
	for _, l := range lines {
		usage := "-"
		if l.HasUsage {
			usage = strconv.Itoa(l.Usage)
		}
		value := strconv.Itoa(l.Value.Value)
		if l.Set {
			value += " (set)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", l.Key, l.Code, value, l.Default(), usage, l.Name)
	}
	return tw.Flush()
}
