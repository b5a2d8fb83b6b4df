package console

import (
	"context"
	"net/http"
	"strings"

	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/iam"
)

// ConsoleLogin event results.
const (
	loginSuccess = "Success"
	loginFailure = "Failure"
)

// recordLogin writes the ConsoleLogin event of a sign-in: its result and
// additionalEventData.MFAUsed, as CloudTrail records console sign-ins. u is
// nil when the password step failed; the name typed is then hidden (it may
// be a password typed in the wrong field), and the event belongs to the
// account typed when that is an account id.
func (s *Server) recordLogin(r *http.Request, u *iam.User, typedAccount, result string, mfaUsed bool) {
	if s.audit == nil {
		return
	}
	e := audit.Event{
		EventSource:     "signin.amazonaws.com",
		EventName:       "ConsoleLogin",
		EventType:       audit.TypeConsoleSignIn,
		AWSRegion:       "us-east-1",
		SourceIPAddress: clientAddr(r),
		UserAgent:       r.UserAgent(),
		RequestID:       r.Header.Get("X-Request-Id"),
		ResponseElements: map[string]any{
			"ConsoleLogin": result,
		},
		AdditionalEventData: map[string]any{"MFAUsed": yesNo(mfaUsed), "LoginTo": "/console/security-credentials", "MobileVersion": "No"},
	}
	if result == loginFailure {
		e.ErrorMessage = "Failed authentication"
	}
	switch {
	case u == nil:
		e.UserIdentity = audit.UserIdentity{Type: "IAMUser", UserName: "HIDDEN_DUE_TO_SECURITY_REASONS"}
		if len(typedAccount) == 12 && strings.Trim(typedAccount, "0123456789") == "" {
			e.UserIdentity.AccountID = typedAccount
		}
	case u.Root:
		e.UserIdentity = audit.UserIdentity{Type: "Root", PrincipalID: u.ID, ARN: u.ARN(), AccountID: u.AccountID}
	default:
		e.UserIdentity = audit.UserIdentity{Type: "IAMUser", PrincipalID: u.ID, ARN: u.ARN(), AccountID: u.AccountID, UserName: u.Name}
	}
	e.RecipientAccountID = e.UserIdentity.AccountID
	// A sign-in is a write to the console's sessions: stored before the
	// answer, like every write's event.
	if err := s.audit.Record(context.WithoutCancel(r.Context()), e, result == loginSuccess); err != nil {
		s.log.Error("write audit event", "event", "ConsoleLogin", "err", err)
	}
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}
