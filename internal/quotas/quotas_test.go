package quotas_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/iamd/iamd/internal/authz"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/quotas"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/storetest"
)

const (
	acct  = "123456789012"
	other = "210987654321"
)

var start = time.Date(2026, 3, 1, 12, 0, 15, 0, time.UTC)

type fixture struct {
	st    *store.Store
	iam   *iam.Service
	clock *clock.Fake
	root  *authz.Principal
	ids   int
}

// newService returns a quotas service over the fixture's store, with
// request ids req-0001, req-0002, … so that tests can name them.
func (fx *fixture) newService(cfg quotas.Config) *quotas.Service {
	var mu sync.Mutex
	return quotas.New(fx.st, fx.iam, quotas.Options{Clock: fx.clock, Config: cfg, NewID: func() string {
		mu.Lock()
		defer mu.Unlock()
		fx.ids++
		return fmt.Sprintf("req-%04d", fx.ids)
	}})
}

func newFixture(t *testing.T, e storetest.Engine) *fixture {
	t.Helper()
	st := e.Open(t)
	clk := clock.NewFake(start)
	svc := iam.New(st, iam.Options{Clock: clk})
	ctx := context.Background()
	for _, id := range []string{acct, other} {
		if _, err := svc.CreateAccount(ctx, iam.NewAccount{ID: id, Email: id + "@example.com"}); err != nil {
			t.Fatal(err)
		}
	}
	root, err := st.UserByID(ctx, acct, acct)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, iam: svc, clock: clk, root: &authz.Principal{AccountID: acct, User: root.Identity()}}
}

func forEachEngine(t *testing.T, f func(t *testing.T, fx *fixture)) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { f(t, newFixture(t, e)) })
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := awserr.Code(err); got != code {
		t.Fatalf("%s: error = %v, want code %q", what, err, code)
	}
}

func (fx *fixture) applied(t *testing.T, q *quotas.Service, account, key string) int {
	t.Helper()
	lines, err := q.Report(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if l.Key == key {
			return l.Value.Value
		}
	}
	t.Fatalf("Report(%s) has no %s", account, key)
	return 0
}

func TestRequestAndApprove(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		q := fx.newService(quotas.Config{})
		r, err := q.RequestServiceQuotaIncrease(ctx, fx.root, "iam", "L-F55AF5E4", 6000)
		if err != nil {
			t.Fatal(err)
		}
		want := &quotas.Request{ID: "req-0001", AccountID: acct, QuotaKey: "UsersQuota", DesiredValue: 6000,
			Status: quotas.StatusPending, Requester: "arn:aws:iam::123456789012:root", CreatedAt: start, UpdatedAt: start}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Fatalf("RequestServiceQuotaIncrease (-want +got):\n%s", diff)
		}
		if got := fx.applied(t, q, acct, "UsersQuota"); got != 5000 {
			t.Errorf("UsersQuota while pending = %d, want 5000", got)
		}
		_, err = q.RequestServiceQuotaIncrease(ctx, fx.root, "iam", "L-F55AF5E4", 7000)
		wantCode(t, "a second open request for the quota", err, quotas.CodeResourceAlreadyExists)

		fx.clock.Advance(time.Minute)
		got, err := q.Approve(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != quotas.StatusApproved || !got.UpdatedAt.Equal(start.Add(time.Minute)) {
			t.Errorf("Approve = %+v, want APPROVED at %v", got, start.Add(time.Minute))
		}
		if got := fx.applied(t, q, acct, "UsersQuota"); got != 6000 {
			t.Errorf("UsersQuota after approval = %d, want 6000", got)
		}
		summary, err := fx.iam.GetAccountSummary(ctx, fx.root)
		if err != nil || summary["UsersQuota"] != 6000 {
			t.Errorf("GetAccountSummary UsersQuota = %d, %v, want 6000", summary["UsersQuota"], err)
		}
		if fx.applied(t, q, other, "UsersQuota") != 5000 {
			t.Errorf("the other account's UsersQuota changed")
		}
		if _, err := q.Approve(ctx, r.ID); err == nil || !strings.Contains(err.Error(), "is APPROVED already") {
			t.Errorf("Approve(again) = %v, want an error saying it is APPROVED already", err)
		}
		if _, err := q.Deny(ctx, r.ID); err == nil {
			t.Errorf("Deny(approved request) = nil, want an error")
		}
		if _, err := q.Approve(ctx, "no-such-request"); err == nil || !strings.Contains(err.Error(), "no quota request") {
			t.Errorf("Approve(unknown) = %v", err)
		}

		// Once decided, the quota can be asked for again; a denial
		// changes nothing.
		r2, err := q.RequestServiceQuotaIncrease(ctx, fx.root, "iam", "L-F55AF5E4", 7000)
		if err != nil {
			t.Fatal(err)
		}
		if d, err := q.Deny(ctx, r2.ID); err != nil || d.Status != quotas.StatusDenied {
			t.Fatalf("Deny = %+v, %v", d, err)
		}
		if got := fx.applied(t, q, acct, "UsersQuota"); got != 6000 {
			t.Errorf("UsersQuota after a denial = %d, want 6000", got)
		}
	})
}

func TestRequestRefusals(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		q := fx.newService(quotas.Config{})
		if _, _, err := q.Set(ctx, acct, "GroupsQuota", 50); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name, service, code string
			desired             float64
			want                string
		}{
			{"unknown service", "ec2", "L-1216C47A", 10, quotas.CodeNoSuchResource},
			{"unknown quota", "iam", "L-00000000", 10, quotas.CodeNoSuchResource},
			{"not above the default", "iam", "L-F55AF5E4", 5000, quotas.CodeIllegalArgument},
			{"not above a lowered value", "iam", "L-F4A5425F", 50, quotas.CodeIllegalArgument},
			{"below the current value", "iam", "L-F4A5425F", 20, quotas.CodeIllegalArgument},
			{"not a whole number", "iam", "L-F55AF5E4", 6000.5, quotas.CodeIllegalArgument},
			{"above the model's maximum", "iam", "L-F55AF5E4", 2e10, quotas.CodeIllegalArgument},
			{"above AWS's MFA limit", "iam", "iamd-MFADevicesPerUser", 9, quotas.CodeIllegalArgument},
		}
		for _, tt := range tests {
			_, err := q.RequestServiceQuotaIncrease(ctx, fx.root, tt.service, tt.code, tt.desired)
			wantCode(t, tt.name, err, tt.want)
		}
		// Raising a lowered quota back is an increase.
		if _, err := q.RequestServiceQuotaIncrease(ctx, fx.root, "iam", "L-F4A5425F", 51); err != nil {
			t.Errorf("request above a lowered value: %v", err)
		}
		if _, err := q.RequestServiceQuotaIncrease(ctx, fx.root, "iam", "iamd-MFADevicesPerUser", 8); err != nil {
			t.Errorf("request for 8 MFA devices: %v", err)
		}
		reqs, _, err := q.ListRequestedServiceQuotaChangeHistory(ctx, fx.root, quotas.HistoryQuery{})
		if err != nil || len(reqs) != 2 {
			t.Errorf("history after refusals = %d requests, %v; want only the 2 accepted", len(reqs), err)
		}
	})
}

func TestAutoApprove(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		q := fx.newService(quotas.Config{AutoApproveMax: 400})
		r, err := q.RequestServiceQuotaIncrease(ctx, fx.root, "iam", "L-F4A5425F", 400)
		if err != nil || r.Status != quotas.StatusApproved {
			t.Fatalf("request within the ceiling = %+v, %v, want APPROVED", r, err)
		}
		if got := fx.applied(t, q, acct, "GroupsQuota"); got != 400 {
			t.Errorf("GroupsQuota = %d, want 400 at once", got)
		}
		r, err = q.RequestServiceQuotaIncrease(ctx, fx.root, "iam", "L-F4A5425F", 401)
		if err != nil || r.Status != quotas.StatusPending {
			t.Fatalf("request above the ceiling = %+v, %v, want PENDING", r, err)
		}
		if got := fx.applied(t, q, acct, "GroupsQuota"); got != 400 {
			t.Errorf("GroupsQuota = %d, want 400 until approved", got)
		}
		// Without a ceiling nothing is approved at once.
		r, err = fx.newService(quotas.Config{}).RequestServiceQuotaIncrease(ctx, fx.root, "iam", "iamd-MFADevicesPerUser", 2)
		if err != nil || r.Status != quotas.StatusPending {
			t.Fatalf("request without a ceiling = %+v, %v, want PENDING", r, err)
		}
	})
}

func TestApproveNeverLowers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		q := fx.newService(quotas.Config{})
		r, err := q.RequestServiceQuotaIncrease(ctx, fx.root, "iam", "L-FE177D64", 1200)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := q.Set(ctx, acct, "RolesQuota", 2000); err != nil {
			t.Fatal(err)
		}
		if _, err := q.Approve(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		if got := fx.applied(t, q, acct, "RolesQuota"); got != 2000 {
			t.Errorf("RolesQuota = %d, want 2000 (approving 1200 must not lower it)", got)
		}
	})
}

func TestSet(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		q := fx.newService(quotas.Config{})
		tests := []struct {
			name, quota string
			value       int
			wantErr     string
			want        int
		}{
			{"by key", "UsersQuota", 3, "", 3},
			{"by code", "L-F55AF5E4", 4, "", 4},
			{"zero", "RolesQuota", 0, "", 0},
			{"MFA devices up to 8", "MFADevicesPerUserQuota", 8, "", 8},
			{"MFA devices above 8", "MFADevicesPerUserQuota", 9, "cannot exceed 8", 8},
			{"negative", "UsersQuota", -1, "must be from 0", 4},
			{"unknown quota", "UsersQuotaX", 1, "no quota", 0},
		}
		for _, tt := range tests {
			_, after, err := q.Set(ctx, acct, tt.quota, tt.value)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Set(%s, %d) = %v, want error containing %q", tt.quota, tt.value, err, tt.wantErr)
				}
			} else if err != nil || after.Value != tt.want {
				t.Errorf("Set(%s, %d) = %d, %v, want %d", tt.quota, tt.value, after.Value, err, tt.want)
			}
		}
		if _, _, err := q.Set(ctx, "999999999999", "UsersQuota", 1); err == nil || !strings.Contains(err.Error(), "no account") {
			t.Errorf("Set(unknown account) = %v", err)
		}
		if _, err := q.Report(ctx, "999999999999"); err == nil {
			t.Errorf("Report(unknown account) = nil error")
		}
	})
}

// TestReportUsage checks that Report's usage and values are
// GetAccountSummary's numbers, also when a quota is below usage.
func TestReportUsage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		q := fx.newService(quotas.Config{})
		for _, n := range []string{"a", "b", "c"} {
			if _, err := fx.iam.CreateUser(ctx, fx.root, "/", n); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := q.Set(ctx, acct, "UsersQuota", 2); err != nil {
			t.Fatal(err)
		}
		_, err := fx.iam.CreateUser(ctx, fx.root, "/", "d")
		wantCode(t, "CreateUser above a lowered quota", err, awserr.LimitExceeded)
		if err.Error() != "LimitExceeded: Cannot exceed quota for UsersPerAccount: 2" {
			t.Errorf("CreateUser error = %q", err)
		}
		lines, err := q.Report(ctx, acct)
		if err != nil {
			t.Fatal(err)
		}
		summary, err := fx.iam.GetAccountSummary(ctx, fx.root)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			if l.Value.Value != summary[l.Key] {
				t.Errorf("%s: Report %d, GetAccountSummary %d", l.Key, l.Value.Value, summary[l.Key])
			}
			if l.HasUsage && l.Usage != summary[l.UsageKey] {
				t.Errorf("%s usage: Report %d, GetAccountSummary %d", l.Key, l.Usage, summary[l.UsageKey])
			}
			if l.Key == "UsersQuota" && (l.Usage != 3 || l.Value.Value != 2 || !l.Set) {
				t.Errorf("UsersQuota line = %+v, want usage 3 over a set quota 2", l)
			}
		}
	})
}

func TestHistory(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		q := fx.newService(quotas.Config{})
		for i, code := range []string{"L-F55AF5E4", "L-F4A5425F", "L-FE177D64", "iamd-AccessKeysPerUser"} {
			fx.clock.Advance(time.Second)
			if _, err := q.RequestServiceQuotaIncrease(ctx, fx.root, "iam", code, float64(6000+i)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := q.Deny(ctx, "req-0002"); err != nil {
			t.Fatal(err)
		}
		otherRoot := &authz.Principal{AccountID: other, User: &authz.Identity{AccountID: other, ID: other, Root: true, Name: iam.RootUserName, Path: "/"}}
		if _, err := q.RequestServiceQuotaIncrease(ctx, otherRoot, "iam", "L-F55AF5E4", 9000); err != nil {
			t.Fatal(err)
		}
		ids := func(reqs []quotas.Request) []string {
			var out []string
			for _, r := range reqs {
				out = append(out, r.ID)
			}
			return out
		}
		tests := []struct {
			name string
			q    quotas.HistoryQuery
			want []string
		}{
			{"all, newest first", quotas.HistoryQuery{}, []string{"req-0004", "req-0003", "req-0002", "req-0001"}},
			{"service iam", quotas.HistoryQuery{ServiceCode: "iam"}, []string{"req-0004", "req-0003", "req-0002", "req-0001"}},
			{"pending", quotas.HistoryQuery{Status: "PENDING"}, []string{"req-0004", "req-0003", "req-0001"}},
			{"denied", quotas.HistoryQuery{Status: "DENIED"}, []string{"req-0002"}},
			{"by quota", quotas.HistoryQuery{ServiceCode: "iam", QuotaCode: "L-FE177D64"}, []string{"req-0003"}},
		}
		for _, tt := range tests {
			reqs, next, err := q.ListRequestedServiceQuotaChangeHistory(ctx, fx.root, tt.q)
			if err != nil || next != "" {
				t.Fatalf("%s: next %q, err %v", tt.name, next, err)
			}
			if diff := cmp.Diff(tt.want, ids(reqs)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
		}
		// Pages of one.
		var got []string
		page := quotas.Page{Max: 1}
		for i := 0; i < 10; i++ {
			reqs, next, err := q.ListRequestedServiceQuotaChangeHistory(ctx, fx.root, quotas.HistoryQuery{Page: page})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(reqs)...)
			if next == "" {
				break
			}
			page.Token = next
		}
		if diff := cmp.Diff([]string{"req-0004", "req-0003", "req-0002", "req-0001"}, got); diff != "" {
			t.Errorf("paged history (-want +got):\n%s", diff)
		}
		_, _, err := q.ListRequestedServiceQuotaChangeHistory(ctx, fx.root, quotas.HistoryQuery{Page: quotas.Page{Token: "bm9wZQ=="}})
		wantCode(t, "a token iamd did not make", err, quotas.CodeInvalidPaginationToken)
		_, _, err = q.ListRequestedServiceQuotaChangeHistory(ctx, fx.root, quotas.HistoryQuery{Status: "WAITING"})
		wantCode(t, "an unknown status", err, quotas.CodeIllegalArgument)
		_, _, err = q.ListRequestedServiceQuotaChangeHistory(ctx, fx.root, quotas.HistoryQuery{ServiceCode: "ec2"})
		wantCode(t, "another service", err, quotas.CodeNoSuchResource)

		// Another account's request is not found; the operator sees all.
		_, err = q.GetRequestedServiceQuotaChange(ctx, fx.root, "req-0005")
		wantCode(t, "another account's request", err, quotas.CodeNoSuchResource)
		all, err := q.Requests(ctx, quotas.RequestFilter{})
		if err != nil || len(all) != 5 {
			t.Errorf("operator Requests = %d, %v, want 5", len(all), err)
		}
		pending, err := q.Requests(ctx, quotas.RequestFilter{AccountID: other, Status: quotas.StatusPending})
		if err != nil || len(pending) != 1 || pending[0].ID != "req-0005" {
			t.Errorf("operator Requests(other, PENDING) = %+v, %v", pending, err)
		}
	})
}

// TestConcurrentDecisions: of many concurrent approvals and denials of one
// request exactly one wins, on every engine and through separate stores.
func TestConcurrentDecisions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		q := fx.newService(quotas.Config{})
		r, err := q.RequestServiceQuotaIncrease(ctx, fx.root, "iam", "iamd-MFADevicesPerUser", 4)
		if err != nil {
			t.Fatal(err)
		}
		const n = 12
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%2 == 0 {
					_, errs[i] = q.Approve(ctx, r.ID)
				} else {
					_, errs[i] = q.Deny(ctx, r.ID)
				}
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
			} else if !strings.Contains(err.Error(), "already") {
				t.Errorf("a losing decision failed with %v, want 'already'", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d decisions succeeded, want exactly 1", won)
		}
		got, err := fx.st.QuotaRequest(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if got.Status == quotas.StatusApproved {
			want = 4
		}
		if v := fx.applied(t, q, acct, "MFADevicesPerUserQuota"); v != want {
			t.Errorf("MFADevicesPerUserQuota = %d after %s, want %d", v, got.Status, want)
		}
	})
}

// TestConcurrentRequests: of many concurrent requests for one quota exactly
// one is stored.
func TestConcurrentRequests(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		q := fx.newService(quotas.Config{})
		const n = 12
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = q.RequestServiceQuotaIncrease(ctx, fx.root, "iam", "L-F4A5425F", float64(301+i))
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case awserr.Code(err) != quotas.CodeResourceAlreadyExists:
				t.Errorf("a losing request failed with %v", err)
			}
		}
		reqs, err := q.Requests(ctx, quotas.RequestFilter{AccountID: acct})
		if won != 1 || err != nil || len(reqs) != 1 {
			t.Fatalf("%d requests succeeded and %d are stored (%v), want exactly 1", won, len(reqs), err)
		}
	})
}

func TestStoreErrors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		r := &quotas.Request{ID: "x1", AccountID: "999999999999", QuotaKey: "UsersQuota", DesiredValue: 1,
			Status: quotas.StatusPending, Requester: "arn", CreatedAt: start, UpdatedAt: start}
		if err := fx.st.CreateQuotaRequest(ctx, r); !errors.Is(err, iam.ErrNotFound) {
			t.Errorf("CreateQuotaRequest(no account) = %v, want ErrNotFound", err)
		}
		if _, err := fx.st.QuotaRequest(ctx, "x1"); !errors.Is(err, iam.ErrNotFound) {
			t.Errorf("QuotaRequest(unknown) = %v, want ErrNotFound", err)
		}
		if _, err := fx.st.ResolveQuotaRequest(ctx, "x1", quotas.StatusApproved, start); !errors.Is(err, iam.ErrNotFound) {
			t.Errorf("ResolveQuotaRequest(unknown) = %v, want ErrNotFound", err)
		}
		r.AccountID = acct
		if err := fx.st.CreateQuotaRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
		r2 := *r
		r2.ID = "x2"
		if err := fx.st.CreateQuotaRequest(ctx, &r2); !errors.Is(err, iam.ErrExists) {
			t.Errorf("CreateQuotaRequest(second open) = %v, want ErrExists", err)
		}
		if _, err := fx.st.ResolveQuotaRequest(ctx, "x1", quotas.StatusDenied, start); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.st.ResolveQuotaRequest(ctx, "x1", quotas.StatusApproved, start); !errors.Is(err, iam.ErrStale) {
			t.Errorf("ResolveQuotaRequest(decided) = %v, want ErrStale", err)
		}
		if err := fx.st.CreateQuotaRequest(ctx, &r2); err != nil {
			t.Errorf("CreateQuotaRequest after the first was decided = %v", err)
		}
	})
}
