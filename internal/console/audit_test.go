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

// TestConsoleWritesAreAudited: an IAM write made through the console
// leaves the same kind of event as one made through the API, and a
// password never appears in it.
func TestConsoleWritesAreAudited(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		b := e.browser()
		b.signInRoot()
		b.post("/console/users", url.Values{"name": {"dave"}})
		b.post("/console/users/dave/login-profile", url.Values{"op": {"create"}, "password": {"Console-Secret-77!"}, "reset": {"1"}})
		if err := e.audit.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		e.st.ExportEvents(context.Background(), time.Time{}, func(ev audit.Event) error {
			if ev.EventSource == "iam.amazonaws.com" && ev.UserIdentity.Type == "Root" {
				names[ev.EventName] = true
			}
			if rp, ok := ev.RequestParameters["password"]; ok && rp != "HIDDEN_DUE_TO_SECURITY_REASONS" {
				t.Errorf("%s holds the password", ev.EventName)
			}
			return nil
		})
		if !names["CreateUser"] || !names["CreateLoginProfile"] {
			t.Errorf("console writes in the trail: %v, want CreateUser and CreateLoginProfile", names)
		}
	})
}
