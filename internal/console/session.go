package console

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/quotas"
)

// cookieName is the console's one cookie: the token of a session that is
// signed in, or that waits for its MFA code.
const cookieName = "iamd_console"

// tokenBytes is the size of a session token: 32 random bytes, hex in the
// cookie.
const tokenBytes = 32

// storeID is the store's key for a token: its SHA-256, so the sessions
// table holds no usable cookie.
func storeID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// startSession stores a new session for u and sets its cookie. A new
// token at every step (password, then code) leaves nothing for a token
// planted before sign-in to ride on.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *iam.User, pending bool, mfaAt time.Time) error {
	b := make([]byte, tokenBytes)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return err
	}
	token := hex.EncodeToString(b)
	now := s.clock.Now().UTC()
	cs := &iam.ConsoleSession{ID: storeID(token), AccountID: u.AccountID, UserID: u.ID, MFAPending: pending,
		MFAAuthenticatedAt: mfaAt, CreatedAt: now, LastSeen: now}
	if err := s.sessions.CreateConsoleSession(r.Context(), cs); err != nil {
		return err
	}
	// Each sign-in sweeps the sessions nobody can use any more, so
	// abandoned ones do not pile up.
	if n, err := s.sessions.DeleteExpiredConsoleSessions(r.Context(), now.Add(-s.cfg.IdleTimeout), now.Add(-s.cfg.Lifetime),
		now.Add(-s.cfg.MFATimeout)); err != nil {
		s.log.Error("console: delete expired sessions", "err", err)
	} else if n > 0 {
		s.log.Info("console: expired sessions deleted", "count", n)
	}
	life := s.cfg.Lifetime
	if pending {
		life = s.cfg.MFATimeout
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/console", MaxAge: int(life / time.Second),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	return nil
}

// clearCookie removes the session cookie from the browser.
func clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/console", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// loadSession returns the browser's session, pending or not, when it is
// within its lifetime; an expired one is deleted. nil when there is none.
func (s *Server) loadSession(r *http.Request) (*iam.ConsoleSession, error) {
	c, err := r.Cookie(cookieName)
	if err != nil || len(c.Value) != 2*tokenBytes {
		return nil, nil
	}
	cs, err := s.sessions.ConsoleSession(r.Context(), storeID(c.Value))
	if errors.Is(err, iam.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	expired := now.After(cs.CreatedAt.Add(s.cfg.Lifetime)) || now.After(cs.LastSeen.Add(s.cfg.IdleTimeout))
	if cs.MFAPending {
		expired = now.After(cs.CreatedAt.Add(s.cfg.MFATimeout))
	}
	if expired {
		if err := s.sessions.DeleteConsoleSession(r.Context(), cs.ID); err != nil {
			return nil, err
		}
		return nil, nil
	}
	return cs, nil
}

// caller is a signed-in request's identity: the session, the user read
// afresh, and the principal every domain call is made as.
type caller struct {
	session   *iam.ConsoleSession
	user      *iam.User
	principal *authz.Principal
	// resetRequired is set while the user's login profile requires a new
	// password: the session is not a full one yet.
	resetRequired bool
	// nav is the header's links, asked of authz once per request.
	nav navLinks
}

// identity is the header's view of the caller.
func (c *caller) identity() *identityView {
	name := c.user.Name
	if c.user.Root {
		name = "root user"
	}
	return &identityView{Name: name, AccountID: c.user.AccountID, ARN: c.user.ARN(), Root: c.user.Root, MFA: c.principal.Session.MFA(), Nav: c.nav}
}

// session returns the caller of a signed-in (not pending) session and
// records its use; ok is false when the browser is not signed in.
func (s *Server) session(w http.ResponseWriter, r *http.Request) (*caller, bool, error) {
	cs, err := s.loadSession(r)
	if err != nil || cs == nil || cs.MFAPending {
		return nil, false, err
	}
	u, err := s.iam.ConsoleUser(r.Context(), cs.AccountID, cs.UserID)
	if errors.Is(err, iam.ErrNotFound) {
		// The user was deleted: its sessions end.
		return nil, false, s.sessions.DeleteConsoleSession(r.Context(), cs.ID)
	}
	if err != nil {
		return nil, false, err
	}
	now := s.clock.Now().UTC()
	if now.Sub(cs.LastSeen) >= min(time.Minute, s.cfg.IdleTimeout/10) {
		if err := s.sessions.TouchConsoleSession(r.Context(), cs.ID, now); err != nil {
			return nil, false, err
		}
	}
	p := &authz.Principal{AccountID: u.AccountID, User: u.Identity(), Session: &authz.Session{
		IssuedAt: cs.CreatedAt, Expiration: cs.CreatedAt.Add(s.cfg.Lifetime), MFAAuthenticatedAt: cs.MFAAuthenticatedAt}}
	return &caller{session: cs, user: u, principal: p}, true, nil
}

// signedIn serves a page to signed-in browsers and sends the others to
// the sign-in page.
func (s *Server) signedIn(h func(http.ResponseWriter, *http.Request, *caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok, err := s.session(w, r)
		if err != nil {
			s.internalError(w, r, "session", err)
			return
		}
		if !ok {
			// A browser between its password and its code is sent back to
			// the code.
			if cs, err := s.loadSession(r); err == nil && cs != nil && cs.MFAPending {
				http.Redirect(w, r, "/console/signin/mfa", http.StatusSeeOther)
				return
			}
			clearCookie(w, r)
			http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
			return
		}
		// A user whose login profile requires a new password may use
		// nothing else until it has chosen one.
		reset, err := s.iam.SignInPasswordResetRequired(r.Context(), c.user)
		if err != nil {
			s.internalError(w, r, "password reset required", err)
			return
		}
		if reset && !allowDuringReset[r.URL.Path] {
			http.Redirect(w, r, "/console/change-password", http.StatusSeeOther)
			return
		}
		c.resetRequired = reset
		if !reset {
			c.nav = s.navFor(r, c)
		}
		h(w, r, c)
	}
}

// allowDuringReset are the pages a session whose password must be changed
// may use.
var allowDuringReset = map[string]bool{"/console/change-password": true}

// requestContext carries what policy conditions may ask about the
// browser's request (aws:SourceIp, aws:SecureTransport, aws:UserAgent).
func requestContext(r *http.Request) context.Context {
	return authz.WithRequestInfo(r.Context(), authz.RequestInfo{SourceIP: clientAddr(r), UserAgent: r.UserAgent(), SecureTransport: r.TLS != nil})
}

// internalError logs an unexpected error and shows a page that says
// nothing of it.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.Error("console: "+what, "err", err, "path", r.URL.Path)
	s.render(w, r, http.StatusInternalServerError, "message", &view{Title: "Something went wrong",
		Error: "The console could not complete the request. Try again in a moment."})
}

// navFor asks authz, as each section's page will, which sections to link
// from the header: a link is shown when the identity may use at least
// part of the section.
func (s *Server) navFor(r *http.Request, c *caller) navLinks {
	ctx := requestContext(r)
	any := func(resource string, actions ...string) bool {
		for _, a := range actions {
			err := s.iam.Authorize(ctx, c.principal, a, resource)
			if err == nil {
				return true
			}
			if awserr.Code(err) != awserr.AccessDenied {
				s.log.Error("console: authorise a navigation link", "action", a, "err", err)
			}
		}
		return false
	}
	nav := navLinks{Users: any("*", "iam:ListUsers"),
		Alias:          any("*", "iam:ListAccountAliases", "iam:CreateAccountAlias"),
		PasswordPolicy: any("*", "iam:GetAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy")}
	for prefix, section := range map[string]string{"/console/security-credentials": "credentials", "/console/mfa/": "credentials",
		"/console/change-password": "credentials", "/console/users": "users", "/console/account-alias": "alias",
		"/console/password-policy": "policy", "/console/quotas": "quotas"} {
		if strings.HasPrefix(r.URL.Path, prefix) {
			nav.Current = section
		}
	}
	if strings.HasPrefix(r.URL.Path, "/console/mfa/") && r.FormValue("user") != "" {
		nav.Current = "users" // a device for another user, from its page
	}
	if s.quotas != nil {
		nav.Quotas = any(quotas.ARN(c.user.AccountID, "*"), actionListServiceQuotas, actionRequestQuotaChange)
	}
	return nav
}
