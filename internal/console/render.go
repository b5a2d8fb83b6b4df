package console

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"
	"time"
)

// pageNames are the console's pages; each is templates/NAME.html,
// rendered inside templates/layout.html.
var pageNames = []string{"signin", "signin_root", "signin_mfa", "credentials", "assign", "assign_codes", "mfa_remove", "mfa_resync", "message", "change_password", "key_created", "users", "user", "quotas", "account_alias", "password_policy"}

// view is what every page gets: the layout's fields and the page's own
// Data.
type view struct {
	Title string
	// Identity is the signed-in identity shown in the header; nil on the
	// sign-in pages.
	Identity *identityView
	// Error and Notice are shown above the page's content.
	Error  string
	Notice string
	Data   any
}

// identityView is the header's account of who is signed in.
type identityView struct {
	Name      string
	AccountID string
	ARN       string
	Root      bool
	MFA       bool
	Nav       navLinks
}

// navLinks are the header's links to the sections the identity may use
// (My security credentials is always there).
type navLinks struct {
	Users, Alias, PasswordPolicy, Quotas bool
	// Current is the section of the page shown ("credentials", "users",
	// "alias", "policy", "quotas"), marked in the links.
	Current string
}

// formatDate is how pages show a time.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func parsePages() map[string]*template.Template {
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		pages[name] = template.Must(template.New("layout.html").ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/"+name+".html"))
	}
	return pages
}

// render writes a page. Pages are never cached: one of them shows a seed,
// and every one shows who is signed in.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.log.Error("console: render", "page", name, "err", err)
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// clientAddr is the TCP peer's address: a proxy's X-Forwarded-For is not
// trusted, as at the API.
func clientAddr(r *http.Request) string {
	addr := r.RemoteAddr
	if i := strings.LastIndexByte(addr, ':'); i > 0 {
		addr = strings.Trim(addr[:i], "[]")
	}
	return addr
}
