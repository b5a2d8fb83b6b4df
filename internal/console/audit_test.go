package console

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/audit"
)

// TestConsoleLoginEvents checks the ConsoleLogin events of sign-ins: a
// wrong password (the name typed hidden), a sign-in with MFA after a wrong
// code, and their MFAUsed.
func TestConsoleLoginEvents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("alice", alicePassword, selfManageMFA)
		_, seed := e.device("alice", "alice")
		e.nextStep()
		b := e.browser()
		b.signIn("alice", "not-the-password-1")
		b.signIn("alice", alicePassword)
		b.post("/console/signin/mfa", url.Values{"code": {"000000"}})
		b.post("/console/signin/mfa", url.Values{"code": {e.code(seed, 0)}})
		if err := e.audit.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		var logins []audit.Event
		e.st.ExportEvents(context.Background(), time.Time{}, func(ev audit.Event) error {
			if ev.EventName == "ConsoleLogin" {
				logins = append(logins, ev)
			}
			return nil
		})
		type row struct{ result, mfa, user string }
		var got []row
		for _, ev := range logins {
			got = append(got, row{ev.ResponseElements["ConsoleLogin"].(string), ev.AdditionalEventData["MFAUsed"].(string), ev.UserIdentity.UserName})
			if ev.EventSource != "signin.amazonaws.com" || ev.EventType != audit.TypeConsoleSignIn || ev.RequestID == "" {
				t.Errorf("event = %+v", ev)
			}
		}
		want := []row{{"Failure", "No", "HIDDEN_DUE_TO_SECURITY_REASONS"}, {"Failure", "Yes", "alice"}, {"Success", "Yes", "alice"}}
		if len(got) != len(want) {
			t.Fatalf("ConsoleLogin events = %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
			}
		}
	})
}
