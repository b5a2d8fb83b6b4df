// Package console is iamd's web console: the gateway's second door, with
// HTML forms and a session cookie where the API has SigV4. It signs users
// and root in with a password and an MFA code, keeps the session in the
// store, and lets the signed-in identity manage its own MFA devices. Every
// action goes through the same iam domain methods as the API, as the
// signed-in principal, so authz decides what the console may do, and every
// code through the same single-use mfa verifier, so a code used here is
// refused by STS and the other way round.
//
// Pages are server-rendered html/template, work without JavaScript and
// carry a Content-Security-Policy that allows no script at all. Every
// state-changing form is protected from cross-site requests by
// net/http's CrossOriginProtection (Sec-Fetch-Site and Origin).
package console

import (
	"context"
	"crypto/rand"
	"embed"
	"github.com/iamd/iamd/internal/audit"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/quotas"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// maxFormBytes bounds a request body: the console's forms are a few
// short fields.
const maxFormBytes = 64 << 10

// Config tunes the console. Every field works at its zero value.
type Config struct {
	// Lifetime is how long a session lasts from sign-in, however busy.
	// Default 12 hours, as AWS's console.
	Lifetime time.Duration
	// IdleTimeout ends a session not used for this long. Default 1 hour.
	IdleTimeout time.Duration
	// MFATimeout is how long after the password the MFA code may be
	// entered. Default 5 minutes.
	MFATimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.Lifetime <= 0 {
		c.Lifetime = 12 * time.Hour
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = time.Hour
	}
	if c.MFATimeout <= 0 {
		c.MFATimeout = 5 * time.Minute
	}
	return c
}

// SessionStore keeps the console's sessions, ends a user's sessions when
// its password changes, and records when a password was last used to
// sign in; internal/store implements it.
type SessionStore interface {
	iam.ConsoleSessionStore
	// DeleteUserConsoleSessions ends a user's sessions except keepID's
	// ("" keeps none) and returns how many.
	DeleteUserConsoleSessions(ctx context.Context, accountID, userID, keepID string) (int64, error)
	// RecordPasswordUsed sets the user's PasswordLastUsed (never back).
	RecordPasswordUsed(ctx context.Context, accountID, userID string, at time.Time) error
}

// Options wires a console. IAM and Sessions are required; a nil Clock is
// the IAM service's, a nil Rand crypto/rand, a nil Logger discards.
type Options struct {
	IAM      *iam.Service
	Sessions SessionStore
	Clock    clock.Clock
	Rand     io.Reader
	Logger   *slog.Logger
	Config   Config
	// Audit records a ConsoleLogin event per sign-in; nil records none.
	Audit *audit.Recorder
	// Quotas is the Service Quotas domain the quotas page files increase
	// requests with; nil serves no quotas page.
	Quotas *quotas.Service
}

// Server serves the console under /console.
type Server struct {
	iam      *iam.Service
	sessions SessionStore
	clock    clock.Clock
	rand     io.Reader
	log      *slog.Logger
	cfg      Config
	pages    map[string]*template.Template
	handler  http.Handler
	audit    *audit.Recorder
	quotas   *quotas.Service
}

// New returns the console's handler.
func New(o Options) *Server {
	s := &Server{iam: o.IAM, sessions: o.Sessions, clock: o.Clock, rand: o.Rand, log: o.Logger, cfg: o.Config.withDefaults(), audit: o.Audit, quotas: o.Quotas}
	if s.clock == nil {
		s.clock = o.IAM.Clock()
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.pages = parsePages()

	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", staticFiles(http.FileServerFS(static))))
	mux.HandleFunc("GET /console/{$}", s.home)
	mux.HandleFunc("GET /console", s.home)
	mux.HandleFunc("GET /console/signin", s.signInPage)
	mux.HandleFunc("POST /console/signin", s.signIn)
	mux.HandleFunc("GET /console/signin/root", s.rootSignInPage)
	mux.HandleFunc("POST /console/signin/root", s.rootSignIn)
	mux.HandleFunc("GET /console/signin/mfa", s.mfaPage)
	mux.HandleFunc("POST /console/signin/mfa", s.mfaSignIn)
	mux.HandleFunc("POST /console/signout", s.signOut)
	mux.HandleFunc("GET /console/security-credentials", s.signedIn(s.credentialsPage))
	mux.HandleFunc("GET /console/mfa/assign", s.signedIn(s.assignPage))
	mux.HandleFunc("POST /console/mfa/assign", s.signedIn(s.assign))
	mux.HandleFunc("POST /console/mfa/enable", s.signedIn(s.enable))
	mux.HandleFunc("GET /console/mfa/remove", s.signedIn(s.devicePage("mfa_remove", "Remove MFA device")))
	mux.HandleFunc("POST /console/mfa/remove", s.signedIn(s.remove))
	mux.HandleFunc("GET /console/mfa/resync", s.signedIn(s.devicePage("mfa_resync", "Resynchronise MFA device")))
	mux.HandleFunc("POST /console/mfa/resync", s.signedIn(s.resync))
	mux.HandleFunc("GET /console/change-password", s.signedIn(s.changePasswordPage))
	mux.HandleFunc("POST /console/change-password", s.signedIn(s.changePassword))
	mux.HandleFunc("POST /console/access-keys/create", s.signedIn(s.createKey))
	mux.HandleFunc("POST /console/access-keys/update", s.signedIn(s.updateKey))
	mux.HandleFunc("POST /console/access-keys/delete", s.signedIn(s.deleteKey))
	mux.HandleFunc("GET /console/users", s.signedIn(s.usersPage))
	mux.HandleFunc("POST /console/users", s.signedIn(s.createUser))
	mux.HandleFunc("GET /console/users/{name}", validName(s.signedIn(s.userPage)))
	mux.HandleFunc("POST /console/users/{name}/delete", validName(s.signedIn(s.deleteUser)))
	mux.HandleFunc("POST /console/users/{name}/login-profile", validName(s.signedIn(s.loginProfile)))
	mux.HandleFunc("POST /console/users/{name}/mfa/remove", validName(s.signedIn(s.removeUserDevice)))
	mux.HandleFunc("GET /console/account-alias", s.signedIn(s.aliasPage))
	mux.HandleFunc("POST /console/account-alias", s.signedIn(s.accountAlias))
	mux.HandleFunc("GET /console/password-policy", s.signedIn(s.passwordPolicyPage))
	mux.HandleFunc("POST /console/password-policy", s.signedIn(s.passwordPolicy))
	mux.HandleFunc("GET /console/quotas", s.signedIn(s.quotasPage))
	mux.HandleFunc("POST /console/quotas", s.signedIn(s.requestQuota))
	mux.HandleFunc("/console/", s.notFound)

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOrigin))
	s.handler = cop.Handler(mux)
	return s
}

// ServeHTTP serves one console request with the console's security
// headers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	s.handler.ServeHTTP(w, r)
}

// staticFiles lets browsers keep the stylesheet for a day.
func staticFiles(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

// crossOrigin answers a state-changing request from another site.
func (s *Server) crossOrigin(w http.ResponseWriter, r *http.Request) {
	s.log.Warn("console: cross-origin request refused", "method", r.Method, "path", r.URL.Path,
		"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	s.render(w, r, http.StatusForbidden, "message", &view{Title: "Request refused",
		Error: "This form was sent from another site, so it was refused. Open the console and try again."})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "message", &view{Title: "Page not found", Error: "There is no such page in the console."})
}

// home sends a browser to its security credentials when it is signed in,
// else to the sign-in page.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if _, ok, _ := s.session(w, r); ok {
		http.Redirect(w, r, "/console/security-credentials", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
}

// validName answers 404 for a user page whose name is not a valid IAM user
// name, before anything is looked up or echoed.
func validName(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !userNamePattern.MatchString(r.PathValue("name")) {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}
}
