package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/iam"
)

// keyView is one access key in a list.
type keyView struct {
	ID       string
	Status   string
	Created  string
	LastUsed string
	// Toggle is the status the key's button sets.
	Toggle string
}

// keysSection is the access keys of one user: the caller's own (User
// empty) or, on a user page, that user's.
type keysSection struct {
	User           string
	Keys           []keyView
	Denied         *denied
	LastUsedDenied *denied
	CreateDenied   *denied
	// NoCreate hides Create access key when Denied names its action too.
	NoCreate bool
}

// keysOf lists the keys of userName ("" for the caller) as the caller
// (iam:ListAccessKeys, iam:GetAccessKeyLastUsed) and asks whether it may
// create one (iam:CreateAccessKey on arn, the user's ARN).
func (s *Server) keysOf(r *http.Request, c *caller, userName, arn string) (*keysSection, error) {
	ctx := requestContext(r)
	sec := &keysSection{User: userName}
	keys, _, err := s.iam.ListAccessKeys(ctx, c.principal, userName)
	if sec.Denied = deniedBy(err, "iam:ListAccessKeys", c); sec.Denied == nil && err != nil {
		return nil, err
	}
	for _, k := range keys {
		kv := keyView{ID: k.ID, Status: k.Status, Created: formatDate(k.CreatedAt), LastUsed: "Never", Toggle: iam.KeyInactive}
		if k.Status == iam.KeyInactive {
			kv.Toggle = iam.KeyActive
		}
		if sec.LastUsedDenied == nil {
			lu, err := s.iam.GetAccessKeyLastUsed(ctx, c.principal, k.ID)
			switch {
			case awserr.Code(err) == awserr.AccessDenied:
				sec.LastUsedDenied = deniedBy(err, "iam:GetAccessKeyLastUsed", c)
			case err != nil && awserr.Code(err) != awserr.NoSuchEntity:
				return nil, err
			case err == nil && !lu.Use.At.IsZero():
				kv.LastUsed = formatDate(lu.Use.At)
				if lu.Use.Service != "" {
					kv.LastUsed += " (" + lu.Use.Service + ")"
				}
			}
		}
		if sec.LastUsedDenied != nil {
			kv.LastUsed = "—"
		}
		sec.Keys = append(sec.Keys, kv)
	}
	err = s.iam.Authorize(ctx, c.principal, "iam:CreateAccessKey", arn)
	if sec.CreateDenied = deniedBy(err, "iam:CreateAccessKey", c); sec.CreateDenied == nil && err != nil {
		return nil, err
	}
	// Refused both, the section says so once.
	if sec.Denied != nil && sec.CreateDenied != nil {
		sec.Denied.Action += " and iam:CreateAccessKey"
		sec.CreateDenied, sec.NoCreate = nil, true
	}
	return sec, nil
}

// keysBack is the page a key form returns to: the caller's credentials,
// or the user page it was sent from.
func keysBack(userName, query string) string {
	if userName == "" {
		return "/console/security-credentials?" + query
	}
	return "/console/users/" + url.PathEscape(userName) + "?" + query
}

// keyCreatedData is the page that shows a new key's secret, once.
type keyCreatedData struct {
	User   string
	ID     string
	Secret string
	Back   string
}

// createKey is iam:CreateAccessKey as the caller. The secret is on this
// response only: it is not stored in the clear and no later page shows it.
func (s *Server) createKey(w http.ResponseWriter, r *http.Request, c *caller) {
	userName := strings.TrimSpace(r.PostFormValue("user"))
	k, _, err := s.iam.CreateAccessKey(requestContext(r), c.principal, userName)
	s.recordCall(r, c.principal, "CreateAccessKey", map[string]any{"userName": userName}, err)
	switch code := awserr.Code(err); {
	case err == nil:
	case code == awserr.AccessDenied:
		s.render(w, r, http.StatusForbidden, "message", &view{Title: "Create access key", Identity: c.identity(),
			Data: deniedBy(err, "iam:CreateAccessKey", c)})
		return
	case code == awserr.LimitExceeded:
		http.Redirect(w, r, keysBack(userName, "keylimit=1"), http.StatusSeeOther)
		return
	case code == awserr.NoSuchEntity:
		http.Redirect(w, r, "/console/users", http.StatusSeeOther)
		return
	default:
		s.internalError(w, r, "create access key", err)
		return
	}
	s.log.Info("console: access key created", "account", c.user.AccountID, "by", c.user.ARN(), "user", userName, "key", k.ID)
	s.render(w, r, http.StatusOK, "key_created", &view{Title: "Access key created", Identity: c.identity(),
		Notice: "The access key is created. This is the only time its secret access key can be viewed.",
		Data:   &keyCreatedData{User: userName, ID: k.ID, Secret: k.Secret, Back: keysBack(userName, "")}})
}

// updateKey is iam:UpdateAccessKey (Active or Inactive) as the caller.
func (s *Server) updateKey(w http.ResponseWriter, r *http.Request, c *caller) {
	userName := strings.TrimSpace(r.PostFormValue("user"))
	status := r.PostFormValue("status")
	if status != iam.KeyActive && status != iam.KeyInactive {
		http.Redirect(w, r, keysBack(userName, ""), http.StatusSeeOther)
		return
	}
	err := s.iam.UpdateAccessKey(requestContext(r), c.principal, userName, r.PostFormValue("id"), status)
	s.recordCall(r, c.principal, "UpdateAccessKey", map[string]any{"userName": userName, "accessKeyId": r.PostFormValue("id"), "status": status}, err)
	s.keyDone(w, r, c, userName, err, "iam:UpdateAccessKey", "key"+strings.ToLower(status)+"=1")
}

// deleteKey is iam:DeleteAccessKey as the caller.
func (s *Server) deleteKey(w http.ResponseWriter, r *http.Request, c *caller) {
	userName := strings.TrimSpace(r.PostFormValue("user"))
	err := s.iam.DeleteAccessKey(requestContext(r), c.principal, userName, r.PostFormValue("id"))
	s.recordCall(r, c.principal, "DeleteAccessKey", map[string]any{"userName": userName, "accessKeyId": r.PostFormValue("id")}, err)
	s.keyDone(w, r, c, userName, err, "iam:DeleteAccessKey", "keydeleted=1")
}

// keyDone answers a key form: back to its page, or the action it lacks.
func (s *Server) keyDone(w http.ResponseWriter, r *http.Request, c *caller, userName string, err error, action, query string) {
	switch code := awserr.Code(err); {
	case err == nil:
		http.Redirect(w, r, keysBack(userName, query), http.StatusSeeOther)
	case code == awserr.AccessDenied:
		s.render(w, r, http.StatusForbidden, "message", &view{Title: "Access keys", Identity: c.identity(), Data: deniedBy(err, action, c)})
	case code == awserr.NoSuchEntity:
		http.Redirect(w, r, keysBack(userName, ""), http.StatusSeeOther)
	default:
		s.internalError(w, r, "access key", err)
	}
}

// keyNotice is the notice a key form's redirect asks for.
func keyNotice(q url.Values) string {
	switch {
	case q.Get("keyinactive") != "":
		return "The access key is deactivated."
	case q.Get("keyactive") != "":
		return "The access key is activated."
	case q.Get("keydeleted") != "":
		return "The access key is deleted."
	case q.Get("keylimit") != "":
		return "The user has as many access keys as the account's quota allows. Delete one first."
	}
	return ""
}
