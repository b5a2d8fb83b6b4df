package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/quotas"
)

// rootPrincipal is the account's root user, for checks through the
// domains.
func (e *env) rootPrincipal() *authz.Principal {
	e.t.Helper()
	u, err := e.svc.ConsoleUser(context.Background(), accountID, accountID)
	if err != nil {
		e.t.Fatal(err)
	}
	return &authz.Principal{AccountID: accountID, User: u.Identity()}
}

// TestQuotaRequest: root sees the account's quotas and files an increase
// request through the console, which is the quotas domain's request (the
// API's history lists it) and leaves a Service Quotas audit event; a
// second one for the same quota and a value below the current one are
// refused with the domain's words.
func TestQuotaRequest(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		b := e.browser()
		b.signInRoot()
		p := b.get("/console/quotas")
		if p.status != http.StatusOK {
			t.Fatalf("quotas page: status %d", p.status)
		}
		p.mustContain(t, "quotas page", `href="/console/quotas"`, "Request quota increase", "Users per account", "L-F55AF5E4",
			"MFA devices per user", "iamd-MFADevicesPerUser", "No increase requests.")
		p = b.post("/console/quotas", url.Values{"code": {"L-F55AF5E4"}, "desired": {"6000"}})
		if p.url != "/console/quotas" || p.status != http.StatusOK {
			t.Fatalf("request: landed on %s (%d)", p.url, p.status)
		}
		p.mustContain(t, "after the request", "Your request is filed", "PENDING", "6000")
		reqs, _, err := e.qs.ListRequestedServiceQuotaChangeHistory(context.Background(), e.rootPrincipal(), quotas.HistoryQuery{})
		if err != nil || len(reqs) != 1 || reqs[0].DesiredValue != 6000 || reqs[0].Status != quotas.StatusPending ||
			reqs[0].Requester != "arn:aws:iam::123456789012:root" {
			t.Fatalf("requests in the domain = %+v, %v; want one PENDING for 6000 by root", reqs, err)
		}
		p = b.post("/console/quotas", url.Values{"code": {"L-F55AF5E4"}, "desired": {"7000"}})
		if p.status != http.StatusBadRequest {
			t.Errorf("a second open request: status %d, want 400", p.status)
		}
		p.mustContain(t, "a second open request", "An open request to increase quota L-F55AF5E4 exists already")
		p = b.post("/console/quotas", url.Values{"code": {"L-F4A5425F"}, "desired": {"10"}})
		p.mustContain(t, "below the current value", "DesiredValue must be greater than the current value")
		for _, bad := range []url.Values{{"code": {"L-NOPE"}, "desired": {"10"}}, {"code": {"L-F4A5425F"}, "desired": {"1.5"}},
			{"code": {"L-F4A5425F"}, "desired": {"-3"}}} {
			if p := b.post("/console/quotas", bad); p.status != http.StatusBadRequest {
				t.Errorf("POST %v: status %d, want 400", bad, p.status)
			}
		}

		if err := e.audit.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		var events []audit.Event
		e.st.ExportEvents(context.Background(), time.Time{}, func(ev audit.Event) error {
			if ev.EventSource == "servicequotas.amazonaws.com" && ev.EventName == "RequestServiceQuotaIncrease" {
				events = append(events, ev)
			}
			return nil
		})
		if len(events) < 2 || events[0].ErrorCode != "" || events[0].RequestParameters["quotaCode"] != "L-F55AF5E4" {
			t.Errorf("RequestServiceQuotaIncrease events = %+v, want the request and the refusals", events)
		}
	})
}

// TestQuotasNotAuthorised: an identity without Service Quotas permissions
// sees each section as not authorised with the action it lacks, learns
// nothing of the account's requests, and its request is refused by the
// domain; one allowed only to request sees the form and can file.
func TestQuotasNotAuthorised(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("bob", alicePassword, "")
		e.user("rita", alicePassword, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"servicequotas:RequestServiceQuotaIncrease","Resource":"*"}]}`)
		if _, err := e.qs.RequestServiceQuotaIncrease(context.Background(), e.rootPrincipal(), quotas.ServiceCode, "L-FE177D64", 1500); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
		b := e.browser()
		b.signIn("bob", alicePassword)
		p := b.get("/console/quotas")
		if p.status != http.StatusOK {
			t.Errorf("bob's quotas page: status %d, want 200 with Not authorised", p.status)
		}
		p.mustContain(t, "bob's quotas page", "Not authorised", "servicequotas:ListServiceQuotas",
			"servicequotas:ListRequestedServiceQuotaChangeHistory", "servicequotas:RequestServiceQuotaIncrease")
		for _, leak := range []string{"1500", "PENDING", `href="/console/quotas"`, `href="/console/users"`} {
			if strings.Contains(p.body, leak) {
				t.Errorf("bob's quotas page shows %q", leak)
			}
		}
		p = b.post("/console/quotas", url.Values{"code": {"L-F55AF5E4"}, "desired": {"6000"}})
		if p.status != http.StatusForbidden {
			t.Errorf("bob's request: status %d, want 403", p.status)
		}
		p.mustContain(t, "bob's request", "Not authorised", "servicequotas:RequestServiceQuotaIncrease")

		b = e.browser()
		b.signIn("rita", alicePassword)
		p = b.get("/console/quotas")
		p.mustContain(t, "rita's quotas page", `href="/console/quotas"`, "Request increase", "Users per account", "servicequotas:ListServiceQuotas")
		p = b.post("/console/quotas", url.Values{"code": {"L-F55AF5E4"}, "desired": {"6000"}})
		p.mustContain(t, "rita's request", "Your request is filed")
		reqs, _, err := e.qs.ListRequestedServiceQuotaChangeHistory(context.Background(), e.rootPrincipal(), quotas.HistoryQuery{})
		if err != nil || len(reqs) != 2 || reqs[0].Requester != "arn:aws:iam::123456789012:user/rita" {
			t.Errorf("requests = %+v, %v; want rita's and root's", reqs, err)
		}
	})
}
