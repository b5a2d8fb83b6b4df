package quotas

import (
	"context"
	"errors"
	"fmt"
	"github.com/iamd/iamd/internal/authz"
	"time"

	"github.com/iamd/iamd/internal/iam"
)

// These are the operator's operations ("iamd quota"): they act on any
// account without a principal or a policy check, and return plain errors
// worded for a terminal.

// Line is a quota of an account with what it limits.
type Line struct {
	Value
	// Usage is the account's count of what the quota limits, for quotas on
	// the account as a whole (HasUsage); per-entity quotas have none.
	Usage    int
	HasUsage bool
}

// Report returns every quota of an account with its applied value and,
// from GetAccountSummary (the numbers IAM enforces), the usage.
func (s *Service) Report(ctx context.Context, accountID string) ([]Line, error) {
	if err := s.account(ctx, accountID); err != nil {
		return nil, err
	}
	values, err := s.applied(ctx, accountID)
	if err != nil {
		return nil, err
	}
	summary, err := s.iam.GetAccountSummary(ctx, rootPrincipal(accountID))
	if err != nil {
		return nil, fmt.Errorf("account summary of %s: %w", accountID, err)
	}
	out := make([]Line, 0, len(values))
	for _, v := range values {
		l := Line{Value: v}
		if v.UsageKey != "" {
			l.Usage, l.HasUsage = summary[v.UsageKey], true
		}
		out = append(out, l)
	}
	return out, nil
}

// rootPrincipal is the account's root user, as whom the operator reads the
// account summary (root's own calls need no policy).
func rootPrincipal(accountID string) *authz.Principal {
	return &authz.Principal{AccountID: accountID,
		User: &authz.Identity{AccountID: accountID, ID: accountID, Name: iam.RootUserName, Path: "/", Root: true}}
}

func (s *Service) account(ctx context.Context, accountID string) error {
	_, err := s.store.Account(ctx, accountID)
	if errors.Is(err, iam.ErrNotFound) {
		return fmt.Errorf("no account %s", accountID)
	}
	return err
}

// Set sets a quota of an account, named by its GetAccountSummary key or
// its code, and returns the value before and after. Any value from 0 up is
// allowed, also below the account's usage: what exists stays, and new
// entities are refused until usage falls below it. Only a quota's hard
// maximum (8 MFA devices per user) is refused.
func (s *Service) Set(ctx context.Context, accountID, name string, value int) (before, after Value, err error) {
	q, ok := Lookup(name)
	if !ok {
		return before, after, fmt.Errorf("no quota %q: name one by its GetAccountSummary key (such as UsersQuota) or its code (iamd quota list shows both)", name)
	}
	if value < 0 || value > MaxValue {
		return before, after, fmt.Errorf("%s must be from 0 to %d, not %d", q.Key, int64(MaxValue), value)
	}
	if q.Max > 0 && value > q.Max {
		return before, after, fmt.Errorf("%s cannot exceed %d (AWS's limit), not %d", q.Key, q.Max, value)
	}
	if err := s.account(ctx, accountID); err != nil {
		return before, after, err
	}
	b, err := s.value(ctx, accountID, q)
	if err != nil {
		return before, after, err
	}
	if err := s.store.SetQuota(ctx, accountID, q.Key, value); err != nil {
		return before, after, fmt.Errorf("set %s of %s: %w", q.Key, accountID, err)
	}
	a, err := s.value(ctx, accountID, q)
	if err != nil {
		return before, after, err
	}
	s.log.Info("quota set by the operator", "account", accountID, "quota", q.Key, "code", q.Code, "from", b.Value, "to", a.Value)
	return *b, *a, nil
}

// Requests lists requests of every account (or f.AccountID's) newest
// first.
func (s *Service) Requests(ctx context.Context, f RequestFilter) ([]Request, error) {
	if f.Status != "" && !validStatus(f.Status) {
		return nil, fmt.Errorf("status %q is not one of %v", f.Status, Statuses())
	}
	var out []Request
	page := Page{Max: 1000}
	for {
		reqs, next, err := s.store.ListQuotaRequests(ctx, f, page)
		if err != nil {
			return nil, fmt.Errorf("list quota requests: %w", err)
		}
		out = append(out, reqs...)
		if next == "" {
			return out, nil
		}
		page.Token = next
	}
}

// Approve approves an open request and raises its quota to the desired
// value (a quota set higher meanwhile stays as it is).
func (s *Service) Approve(ctx context.Context, id string) (*Request, error) {
	return s.resolve(ctx, id, StatusApproved)
}

// Deny denies an open request; the quota stays as it is.
func (s *Service) Deny(ctx context.Context, id string) (*Request, error) {
	return s.resolve(ctx, id, StatusDenied)
}

func (s *Service) resolve(ctx context.Context, id, status string) (*Request, error) {
	r, err := s.store.ResolveQuotaRequest(ctx, id, status, s.clock.Now().UTC().Truncate(time.Millisecond))
	switch {
	case errors.Is(err, iam.ErrNotFound):
		return nil, fmt.Errorf("no quota request %s", id)
	case errors.Is(err, iam.ErrStale):
		cur, err := s.store.QuotaRequest(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("quota request %s is no longer open", id)
		}
		return nil, fmt.Errorf("quota request %s is %s already", id, cur.Status)
	case err != nil:
		return nil, fmt.Errorf("decide quota request %s: %w", id, err)
	}
	s.log.Info("quota request decided by the operator", "request", id, "account", r.AccountID, "quota", r.QuotaKey,
		"desired", r.DesiredValue, "status", r.Status)
	return r, nil
}
