package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/iam"
)

// changePasswordData is the change-password page's data: the rules a new
// password must meet, and whether the change is forced at sign-in.
type changePasswordData struct {
	Forced bool
	Rules  []string
	Denied *denied
}

// passwordRules describes the account's password policy (or AWS's
// default rules when it has none) as the page lists it.
func passwordRules(pp *iam.PasswordPolicy) []string {
	if pp == nil {
		return []string{"At least 8 and at most 128 characters",
			"At least three of: uppercase letters, lowercase letters, numbers, symbols",
			"Not the account's id or email address"}
	}
	n := pp.MinimumPasswordLength
	if n == 0 {
		n = iam.DefaultMinimumPasswordLength
	}
	rules := []string{"At least " + strconv.Itoa(n) + " characters"}
	if pp.RequireUppercaseCharacters {
		rules = append(rules, "At least one uppercase letter (A–Z)")
	}
	if pp.RequireLowercaseCharacters {
		rules = append(rules, "At least one lowercase letter (a–z)")
	}
	if pp.RequireNumbers {
		rules = append(rules, "At least one number (0–9)")
	}
	if pp.RequireSymbols {
		rules = append(rules, "At least one symbol: ! @ # $ % ^ & * ( ) _ + - = [ ] { } | '")
	}
	if pp.PasswordReusePrevention > 0 {
		rules = append(rules, "Not one of your last "+strconv.Itoa(pp.PasswordReusePrevention)+" passwords")
	}
	if pp.MaxPasswordAge > 0 {
		rules = append(rules, "Expires after "+strconv.Itoa(pp.MaxPasswordAge)+" days")
	}
	return rules
}

func (s *Server) changePasswordView(w http.ResponseWriter, r *http.Request, c *caller, status int, msg string, d *denied) {
	pp, err := s.iam.SignInPasswordPolicy(r.Context(), c.user.AccountID)
	if err != nil {
		s.internalError(w, r, "password policy", err)
		return
	}
	v := &view{Title: "Change password", Identity: c.identity(), Error: msg,
		Data: &changePasswordData{Forced: c.resetRequired, Rules: passwordRules(pp), Denied: d}}
	if c.resetRequired && msg == "" {
		v.Notice = "Your administrator requires you to choose a new password before you continue."
	}
	s.render(w, r, status, "change_password", v)
}

func (s *Server) changePasswordPage(w http.ResponseWriter, r *http.Request, c *caller) {
	if c.user.Root {
		http.Redirect(w, r, "/console/security-credentials", http.StatusSeeOther)
		return
	}
	s.changePasswordView(w, r, c, http.StatusOK, "", nil)
}

// changePassword is iam:ChangePassword as the signed-in user: the domain
// checks the old password, the policy and reuse, and clears the reset
// flag, after which the session is a full one.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, c *caller) {
	if c.user.Root {
		http.Redirect(w, r, "/console/security-credentials", http.StatusSeeOther)
		return
	}
	oldPassword, newPassword := r.PostFormValue("old"), r.PostFormValue("new")
	if newPassword != r.PostFormValue("confirm") {
		s.changePasswordView(w, r, c, http.StatusBadRequest, "The new passwords do not match.", nil)
		return
	}
	err := s.iam.ChangePassword(iam.WithConsoleSession(requestContext(r), c.session.ID), c.principal, oldPassword, newPassword)
	s.recordCall(r, c.principal, "ChangePassword", map[string]any{"oldPassword": "HIDDEN_DUE_TO_SECURITY_REASONS", "newPassword": "HIDDEN_DUE_TO_SECURITY_REASONS"}, err)
	switch code := awserr.Code(err); {
	case err == nil:
		s.log.Info("console: password changed", "account", c.user.AccountID, "user", c.user.ARN(), "forced", c.resetRequired)
		// The old password's other sessions end; this one goes on.
		s.endOtherSessions(r, c.user.AccountID, c.user.ID, c.session.ID)
		http.Redirect(w, r, "/console/security-credentials?password=1", http.StatusSeeOther)
	case code == awserr.AccessDenied:
		s.changePasswordView(w, r, c, http.StatusForbidden, "", deniedBy(err, "iam:ChangePassword", c))
	case code == awserr.InvalidInput:
		s.changePasswordView(w, r, c, http.StatusBadRequest, "The old password is incorrect.", nil)
	case code == awserr.PasswordPolicyViolation, code == awserr.LimitExceeded:
		msg := "The new password does not meet the account's password policy."
		var ae *awserr.Error
		if errors.As(err, &ae) {
			msg = strings.TrimSuffix(ae.Message, ".") + "."
		}
		s.changePasswordView(w, r, c, http.StatusBadRequest, msg, nil)
	default:
		s.internalError(w, r, "change password", err)
	}
}
