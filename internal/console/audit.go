package console

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/awserr"

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

// recordCall writes the audit event of an IAM call the console made for
// the signed-in principal, as the gateway does for the API: every write
// and every refusal, stored before the answer when it succeeded. params
// never hold a secret (passwords and codes are left out by the callers).
func (s *Server) recordCall(r *http.Request, p *authz.Principal, action string, params map[string]any, err error) {
	s.recordCallAt(r, p, "iam.amazonaws.com", action, params, err)
}

// recordCallAt is recordCall for a service other than IAM, named by its
// CloudTrail event source.
func (s *Server) recordCallAt(r *http.Request, p *authz.Principal, source, action string, params map[string]any, err error) {
	if s.audit == nil {
		return
	}
	e := audit.Event{
		EventSource: source, EventName: action, AWSRegion: "us-east-1",
		SourceIPAddress: clientAddr(r), UserAgent: r.UserAgent(), RequestID: r.Header.Get("X-Request-Id"),
		RequestParameters: params, AdditionalEventData: map[string]any{"via": "console"},
		UserIdentity: audit.UserIdentity{PrincipalID: p.UserID(), ARN: p.ARN(), AccountID: p.AccountID},
	}
	for _, k := range []string{"userName", "serialNumber", "accessKeyId"} {
		if v, ok := params[k].(string); ok && v != "" {
			e.Resources = append(e.Resources, audit.Resource{Name: v})
		}
	}
	e.UserIdentity.Type, e.UserIdentity.UserName = "IAMUser", p.User.Name
	if p.IsRoot() {
		e.UserIdentity.Type, e.UserIdentity.UserName = "Root", ""
	}
	if p.Session != nil {
		mfa := "false"
		if p.Session.MFA() {
			mfa = "true"
		}
		e.UserIdentity.SessionContext = &audit.SessionContext{Attributes: audit.SessionAttrs{
			CreationDate: p.Session.IssuedAt.UTC().Truncate(time.Second), MFAAuthenticated: mfa}}
	}
	e.RecipientAccountID = p.AccountID
	if err != nil {
		var ae *awserr.Error
		if errors.As(err, &ae) {
			e.ErrorCode, e.ErrorMessage = ae.Code, ae.Message
		} else {
			e.ErrorCode, e.ErrorMessage = awserr.ServiceFailure, "internal error"
		}
	}
	if werr := s.audit.Record(context.WithoutCancel(r.Context()), e, err == nil); werr != nil {
		s.log.Error("write audit event", "event", action, "err", werr)
	}
}
