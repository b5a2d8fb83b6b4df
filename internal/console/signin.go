package console

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/iam"
)

// Sign-in refusals. None says which of the account, the user name, the
// email and the password was wrong, nor that an attempt was throttled; a
// wrong, replayed or throttled code gets the one code message.
const (
	msgBadPassword = "Your authentication information is incorrect. Please try again."
	msgBadCode     = "The MFA code is not valid. Wait for your device to show a new code, then try again."
)

// signInForm is the IAM user sign-in page's data.
type signInForm struct {
	Account  string
	UserName string
}

// rootSignInForm is the root sign-in page's data.
type rootSignInForm struct {
	Email string
}

// mfaForm is the MFA prompt's data: the devices to choose from when
// there are several.
type mfaForm struct {
	Name    string
	Devices []deviceView
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	if _, ok, _ := s.session(w, r); ok {
		http.Redirect(w, r, "/console/security-credentials", http.StatusSeeOther)
		return
	}
	v := &view{Title: "Sign in", Data: &signInForm{Account: r.URL.Query().Get("account")}}
	if r.URL.Query().Get("signedout") != "" {
		v.Notice = "You have signed out."
	}
	s.render(w, r, http.StatusOK, "signin", v)
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	form := &signInForm{Account: strings.TrimSpace(r.PostFormValue("account")), UserName: strings.TrimSpace(r.PostFormValue("username"))}
	u, err := s.iam.SignInUser(requestContext(r), form.Account, form.UserName, r.PostFormValue("password"), clientAddr(r))
	if errors.Is(err, iam.ErrSignInFailed) {
		s.recordLogin(r, nil, form.Account, loginFailure, false)
		s.render(w, r, http.StatusUnauthorized, "signin", &view{Title: "Sign in", Error: msgBadPassword, Data: form})
		return
	}
	if err != nil {
		s.internalError(w, r, "sign in", err)
		return
	}
	s.afterPassword(w, r, u)
}

func (s *Server) rootSignInPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signin_root", &view{Title: "Root user sign in", Data: &rootSignInForm{}})
}

func (s *Server) rootSignIn(w http.ResponseWriter, r *http.Request) {
	form := &rootSignInForm{Email: strings.TrimSpace(r.PostFormValue("email"))}
	u, err := s.iam.SignInRoot(requestContext(r), form.Email, r.PostFormValue("password"), clientAddr(r))
	if errors.Is(err, iam.ErrSignInFailed) {
		s.recordLogin(r, nil, "", loginFailure, false)
		s.render(w, r, http.StatusUnauthorized, "signin_root", &view{Title: "Root user sign in", Error: msgBadPassword, Data: form})
		return
	}
	if err != nil {
		s.internalError(w, r, "root sign in", err)
		return
	}
	s.afterPassword(w, r, u)
}

// afterPassword ends any earlier session of the browser and signs u in,
// or asks for a code first when u has an MFA device.
func (s *Server) afterPassword(w http.ResponseWriter, r *http.Request, u *iam.User) {
	s.endSession(r)
	devices, err := s.iam.SignInDevices(r.Context(), u)
	if err != nil {
		s.internalError(w, r, "sign-in devices", err)
		return
	}
	pending := len(devices) > 0
	if err := s.startSession(w, r, u, pending, time.Time{}); err != nil {
		s.internalError(w, r, "start session", err)
		return
	}
	if pending {
		http.Redirect(w, r, "/console/signin/mfa", http.StatusSeeOther)
		return
	}
	s.recordLogin(r, u, "", loginSuccess, false)
	s.passwordUsed(r, u)
	s.log.Info("console sign-in", "account", u.AccountID, "user", u.ARN(), "mfa", false, "client", clientAddr(r))
	http.Redirect(w, r, "/console/security-credentials", http.StatusSeeOther)
}

// pending returns the browser's session waiting for its code and the user
// and devices behind it; ok is false when there is none.
func (s *Server) pending(r *http.Request) (cs *iam.ConsoleSession, u *iam.User, devices []iam.MFADevice, ok bool, err error) {
	cs, err = s.loadSession(r)
	if err != nil || cs == nil || !cs.MFAPending {
		return nil, nil, nil, false, err
	}
	u, err = s.iam.ConsoleUser(r.Context(), cs.AccountID, cs.UserID)
	if errors.Is(err, iam.ErrNotFound) {
		return nil, nil, nil, false, s.sessions.DeleteConsoleSession(r.Context(), cs.ID)
	}
	if err != nil {
		return nil, nil, nil, false, err
	}
	devices, err = s.iam.SignInDevices(r.Context(), u)
	if err != nil || len(devices) == 0 {
		return nil, nil, nil, false, err
	}
	return cs, u, devices, true, nil
}

// mfaView is the MFA prompt for a user and its devices.
func mfaView(u *iam.User, devices []iam.MFADevice, msg string) *view {
	form := &mfaForm{Name: u.Name}
	if u.Root {
		form.Name = "root user"
	}
	if len(devices) > 1 {
		form.Devices = deviceViews(devices)
	}
	return &view{Title: "Multi-factor authentication", Error: msg, Data: form}
}

func (s *Server) mfaPage(w http.ResponseWriter, r *http.Request) {
	_, u, devices, ok, err := s.pending(r)
	if err != nil {
		s.internalError(w, r, "pending session", err)
		return
	}
	if !ok {
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "signin_mfa", mfaView(u, devices, ""))
}

func (s *Server) mfaSignIn(w http.ResponseWriter, r *http.Request) {
	cs, u, devices, ok, err := s.pending(r)
	if err != nil {
		s.internalError(w, r, "pending session", err)
		return
	}
	if !ok {
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
		return
	}
	serial := devices[0].Serial
	if len(devices) > 1 {
		serial = r.PostFormValue("serial")
	}
	at, err := s.iam.VerifySignInCode(requestContext(r), u.Identity(), serial, strings.TrimSpace(r.PostFormValue("code")))
	if errors.Is(err, iam.ErrMFAInvalidCode) || errors.Is(err, iam.ErrMFANotAssociated) {
		s.recordLogin(r, u, "", loginFailure, true)
		s.log.Warn("console MFA code refused", "account", u.AccountID, "user", u.ARN(), "serial", serial, "client", clientAddr(r))
		s.render(w, r, http.StatusUnauthorized, "signin_mfa", mfaView(u, devices, msgBadCode))
		return
	}
	if err != nil {
		s.internalError(w, r, "verify code", err)
		return
	}
	if err := s.sessions.DeleteConsoleSession(r.Context(), cs.ID); err != nil {
		s.internalError(w, r, "end pending session", err)
		return
	}
	if err := s.startSession(w, r, u, false, at); err != nil {
		s.internalError(w, r, "start session", err)
		return
	}
	s.recordLogin(r, u, "", loginSuccess, true)
	s.passwordUsed(r, u)
	s.log.Info("console sign-in", "account", u.AccountID, "user", u.ARN(), "mfa", true, "serial", serial, "client", clientAddr(r))
	http.Redirect(w, r, "/console/security-credentials", http.StatusSeeOther)
}

// endSession deletes the browser's session, if any, from the store.
func (s *Server) endSession(r *http.Request) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return
	}
	if err := s.sessions.DeleteConsoleSession(r.Context(), storeID(c.Value)); err != nil {
		s.log.Error("console: end session", "err", err)
	}
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	s.endSession(r)
	clearCookie(w, r)
	http.Redirect(w, r, "/console/signin?signedout=1", http.StatusSeeOther)
}

// passwordUsed records that u's password signed in (PasswordLastUsed, as
// AWS records console sign-ins); a failure is logged, the sign-in stands.
func (s *Server) passwordUsed(r *http.Request, u *iam.User) {
	if err := s.sessions.RecordPasswordUsed(context.WithoutCancel(r.Context()), u.AccountID, u.ID, s.clock.Now().UTC()); err != nil {
		s.log.Error("console: record password last used", "account", u.AccountID, "user", u.ARN(), "err", err)
	}
}

// endOtherSessions ends the console sessions of the user userID except
// keepID's ("" ends them all), after its password changed or was removed.
func (s *Server) endOtherSessions(r *http.Request, accountID, userID, keepID string) {
	n, err := s.sessions.DeleteUserConsoleSessions(context.WithoutCancel(r.Context()), accountID, userID, keepID)
	if err != nil {
		s.log.Error("console: end the sessions of a user whose password changed", "account", accountID, "user_id", userID, "err", err)
		return
	}
	if n > 0 {
		s.log.Info("console: sessions ended after a password change", "account", accountID, "user_id", userID, "count", n)
	}
}
