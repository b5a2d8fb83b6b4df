package console

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/iam"
)

// userNamePattern is IAM's userNameType.
var userNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// userRow is one line of the users list.
type userRow struct {
	Name    string
	Created string
	// MFA is exactly "Virtual", "Hardware" or "Not enabled"; "—" when the
	// caller may not list the user's devices.
	MFA      string
	Password string
}

// usersData is the users list's data.
type usersData struct {
	Users        []userRow
	Denied       *denied
	MFADenied    *denied
	CreateDenied *denied
	NewName      string
}

// mfaColumn is a user's MFA column: the kind of its first device.
func mfaColumn(ds []iam.MFADevice) string {
	if len(ds) == 0 {
		return "Not enabled"
	}
	if ds[0].Kind == iam.DeviceHardware {
		return "Hardware"
	}
	return "Virtual"
}

// userARN is the ARN authorisation is asked about for a user the caller
// names (path "/", as the console creates them); the domain's own check,
// on the user as stored, is the one that decides.
func userARN(accountID, name string) string { return "arn:aws:iam::" + accountID + ":user/" + name }

// usersList builds the users list as the caller: iam:ListUsers, then
// iam:ListMFADevices per user.
func (s *Server) usersList(r *http.Request, c *caller) (*usersData, error) {
	ctx := requestContext(r)
	data := &usersData{}
	us, _, err := s.iam.ListUsers(ctx, c.principal, "", "", 1000)
	if data.Denied = deniedBy(err, "iam:ListUsers", c); data.Denied == nil && err != nil {
		return nil, err
	}
	for _, u := range us {
		row := userRow{Name: u.Name, Created: formatDate(u.CreatedAt), MFA: "—", Password: formatDate(u.PasswordLastUsed)}
		if u.PasswordLastUsed.IsZero() {
			row.Password = "Never"
		}
		if data.MFADenied == nil {
			ds, _, _, err := s.iam.ListMFADevices(ctx, c.principal, u.Name, "", 100)
			switch {
			case awserr.Code(err) == awserr.AccessDenied:
				data.MFADenied = deniedBy(err, "iam:ListMFADevices", c)
			case err != nil && awserr.Code(err) != awserr.NoSuchEntity:
				return nil, err
			case err == nil:
				row.MFA = mfaColumn(ds)
			}
		}
		data.Users = append(data.Users, row)
	}
	err = s.iam.Authorize(ctx, c.principal, "iam:CreateUser", userARN(c.user.AccountID, "*"))
	if data.CreateDenied = deniedBy(err, "iam:CreateUser", c); data.CreateDenied == nil && err != nil {
		return nil, err
	}
	return data, nil
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, c *caller) {
	data, err := s.usersList(r, c)
	if err != nil {
		s.internalError(w, r, "users", err)
		return
	}
	v := &view{Title: "Users", Identity: c.identity(), Data: data}
	if q := r.URL.Query(); userNamePattern.MatchString(q.Get("deleted")) {
		// Only a user name is echoed: a notice is trusted text.
		v.Notice = "The user " + q.Get("deleted") + " is deleted."
	}
	s.render(w, r, http.StatusOK, "users", v)
}

// createUser is iam:CreateUser as the caller, at path "/".
func (s *Server) createUser(w http.ResponseWriter, r *http.Request, c *caller) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	again := func(status int, msg string, d *denied) {
		data, err := s.usersList(r, c)
		if err != nil {
			s.internalError(w, r, "users", err)
			return
		}
		data.NewName = name
		if d != nil {
			data.CreateDenied = d
		}
		s.render(w, r, status, "users", &view{Title: "Users", Identity: c.identity(), Error: msg, Data: data})
	}
	if !userNamePattern.MatchString(name) {
		again(http.StatusBadRequest, "A user name is 1 to 64 letters, digits and the characters + = , . @ _ -.", nil)
		return
	}
	_, err := s.iam.CreateUser(requestContext(r), c.principal, "/", name)
	s.recordCall(r, c.principal, "CreateUser", map[string]any{"userName": name}, err)
	switch code := awserr.Code(err); {
	case err == nil:
		s.log.Info("console: user created", "account", c.user.AccountID, "by", c.user.ARN(), "user", name)
		http.Redirect(w, r, "/console/users/"+url.PathEscape(name)+"?created=1", http.StatusSeeOther)
	case code == awserr.AccessDenied:
		again(http.StatusForbidden, "", deniedBy(err, "iam:CreateUser", c))
	case code == awserr.EntityAlreadyExists:
		again(http.StatusConflict, "A user named "+name+" exists already.", nil)
	case code == awserr.LimitExceeded:
		again(http.StatusConflict, "The account has as many users as its quota allows.", nil)
	default:
		s.internalError(w, r, "create user", err)
	}
}

// loginProfileView is a user's console password, as its page shows it.
type loginProfileView struct {
	Exists        bool
	Created       string
	ResetRequired bool
	Denied        *denied
}

// userData is a user page's data.
type userData struct {
	Name          string
	ARN           string
	Created       string
	Denied        *denied
	Devices       []deviceView
	DevicesDenied *denied
	AssignDenied  *denied
	Keys          *keysSection
	Login         *loginProfileView
	DeleteDenied  *denied
}

func (s *Server) userPage(w http.ResponseWriter, r *http.Request, c *caller) {
	s.renderUser(w, r, c, http.StatusOK, "")
}

// renderUser shows a user page, every section asked of iam as the caller.
func (s *Server) renderUser(w http.ResponseWriter, r *http.Request, c *caller, status int, msg string) {
	ctx := requestContext(r)
	name := r.PathValue("name")
	data := &userData{Name: name}
	v := &view{Title: "User " + name, Identity: c.identity(), Error: msg, Data: data, Notice: userNotice(r.URL.Query())}
	u, err := s.iam.GetUser(ctx, c.principal, name)
	switch code := awserr.Code(err); {
	case err == nil:
	case code == awserr.AccessDenied:
		data.Denied = deniedBy(err, "iam:GetUser", c)
		s.render(w, r, http.StatusForbidden, "user", v)
		return
	case code == awserr.NoSuchEntity:
		s.render(w, r, http.StatusNotFound, "message", &view{Title: "No such user", Identity: c.identity(),
			Error: "There is no user named " + name + " in the account."})
		return
	default:
		s.internalError(w, r, "get user", err)
		return
	}
	data.ARN, data.Created = u.ARN(), formatDate(u.CreatedAt)

	ds, _, _, err := s.iam.ListMFADevices(ctx, c.principal, name, "", 100)
	if data.DevicesDenied = deniedBy(err, "iam:ListMFADevices", c); data.DevicesDenied == nil && err != nil {
		s.internalError(w, r, "list devices", err)
		return
	}
	data.Devices = deviceViews(ds)
	err = s.iam.Authorize(ctx, c.principal, "iam:EnableMFADevice", u.ARN())
	if data.AssignDenied = deniedBy(err, "iam:EnableMFADevice", c); data.AssignDenied == nil && err != nil {
		s.internalError(w, r, "authorise", err)
		return
	}
	if data.Keys, err = s.keysOf(r, c, name, u.ARN()); err != nil {
		s.internalError(w, r, "access keys", err)
		return
	}
	data.Login = &loginProfileView{}
	lp, _, err := s.iam.GetLoginProfile(ctx, c.principal, name)
	switch code := awserr.Code(err); {
	case err == nil:
		data.Login.Exists, data.Login.Created, data.Login.ResetRequired = true, formatDate(lp.CreatedAt), lp.PasswordResetRequired
	case code == awserr.NoSuchEntity:
	case code == awserr.AccessDenied:
		data.Login.Denied = deniedBy(err, "iam:GetLoginProfile", c)
	default:
		s.internalError(w, r, "login profile", err)
		return
	}
	err = s.iam.Authorize(ctx, c.principal, "iam:DeleteUser", u.ARN())
	if data.DeleteDenied = deniedBy(err, "iam:DeleteUser", c); data.DeleteDenied == nil && err != nil {
		s.internalError(w, r, "authorise", err)
		return
	}
	s.render(w, r, status, "user", v)
}

// userNotice is the notice a user page's redirect asks for.
func userNotice(q url.Values) string {
	switch {
	case q.Get("created") != "":
		return "The user is created. Give it a console password or an access key below."
	case q.Get("assigned") != "":
		return "The MFA device is assigned to the user."
	case q.Get("removed") != "":
		return "The MFA device is removed from the user."
	case q.Get("login") == "created" || q.Get("login") == "updated" || q.Get("login") == "deleted":
		// Fixed words only: a notice is trusted text.
		return "The console password is " + q.Get("login") + "."
	}
	return keyNotice(q)
}

// userDone answers a user page's form: back to the page with a notice,
// or the page again saying what the caller lacks.
func (s *Server) userDone(w http.ResponseWriter, r *http.Request, c *caller, err error, action, query string) {
	name := r.PathValue("name")
	var ae *awserr.Error
	switch code := awserr.Code(err); {
	case err == nil:
		http.Redirect(w, r, "/console/users/"+url.PathEscape(name)+"?"+query, http.StatusSeeOther)
	case code == awserr.AccessDenied:
		s.render(w, r, http.StatusForbidden, "message", &view{Title: "User " + name, Identity: c.identity(), Data: deniedBy(err, action, c)})
	case errors.As(err, &ae) && code != awserr.ServiceFailure:
		s.renderUser(w, r, c, http.StatusBadRequest, strings.TrimSuffix(ae.Message, ".")+".")
	default:
		s.internalError(w, r, "user", err)
	}
}

// loginProfile creates, updates or deletes a user's console password
// (iam:CreateLoginProfile, iam:UpdateLoginProfile, iam:DeleteLoginProfile).
func (s *Server) loginProfile(w http.ResponseWriter, r *http.Request, c *caller) {
	ctx := iam.WithConsoleSession(requestContext(r), c.session.ID)
	name := r.PathValue("name")
	password := r.PostFormValue("password")
	reset := r.PostFormValue("reset") != ""
	switch r.PostFormValue("op") {
	case "create":
		_, _, err := s.iam.CreateLoginProfile(ctx, c.principal, name, password, reset)
		s.recordCall(r, c.principal, "CreateLoginProfile", map[string]any{"userName": name, "password": "HIDDEN_DUE_TO_SECURITY_REASONS", "passwordResetRequired": reset}, err)
		s.userDone(w, r, c, err, "iam:CreateLoginProfile", "login=created")
	case "update":
		var pw *string
		if password != "" {
			pw = &password
		}
		err := s.iam.UpdateLoginProfile(ctx, c.principal, name, pw, &reset)
		s.recordCall(r, c.principal, "UpdateLoginProfile", map[string]any{"userName": name, "password": "HIDDEN_DUE_TO_SECURITY_REASONS", "passwordResetRequired": reset}, err)
		if err == nil && pw != nil {
			s.endSessionsOf(r, c, name)
		}
		s.userDone(w, r, c, err, "iam:UpdateLoginProfile", "login=updated")
	case "delete":
		err := s.iam.DeleteLoginProfile(ctx, c.principal, name)
		s.recordCall(r, c.principal, "DeleteLoginProfile", map[string]any{"userName": name}, err)
		if err == nil {
			s.endSessionsOf(r, c, name)
		}
		s.userDone(w, r, c, err, "iam:DeleteLoginProfile", "login=deleted")
	default:
		http.Redirect(w, r, "/console/users/"+url.PathEscape(name), http.StatusSeeOther)
	}
}

// endSessionsOf ends the console sessions of the user name names after
// the caller changed or removed its password: whoever signed in with the
// old one is signed out. The caller's own session stays when the user is
// itself.
func (s *Server) endSessionsOf(r *http.Request, c *caller, name string) {
	u, err := s.iam.ConsoleUserNamed(r.Context(), c.user.AccountID, name)
	if err != nil {
		if !errors.Is(err, iam.ErrNotFound) {
			s.log.Error("console: find a user whose password changed", "account", c.user.AccountID, "user", name, "err", err)
		}
		return
	}
	keep := ""
	if u.ID == c.user.ID {
		keep = c.session.ID
	}
	s.endOtherSessions(r, u.AccountID, u.ID, keep)
}

// removeUserDevice deactivates one of a user's devices
// (iam:DeactivateMFADevice) and deletes a virtual one when the caller may.
func (s *Server) removeUserDevice(w http.ResponseWriter, r *http.Request, c *caller) {
	ctx := requestContext(r)
	name, serial := r.PathValue("name"), r.PostFormValue("serial")
	err := s.iam.DeactivateMFADevice(ctx, c.principal, name, serial)
	s.recordCall(r, c.principal, "DeactivateMFADevice", map[string]any{"userName": name, "serialNumber": serial}, err)
	if err == nil && strings.Contains(serial, ":mfa/") {
		if err := s.iam.DeleteVirtualMFADevice(ctx, c.principal, serial); err != nil && awserr.Code(err) != awserr.AccessDenied {
			s.log.Error("console: delete deactivated virtual device", "serial", serial, "err", err)
		}
	}
	s.userDone(w, r, c, err, "iam:DeactivateMFADevice", "removed=1")
}

// deleteUser is iam:DeleteUser as the caller. A user that still has keys,
// devices, a password or policies is not deleted: the page says what is
// left, as the API's DeleteConflict does.
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, c *caller) {
	name := r.PathValue("name")
	err := s.iam.DeleteUser(requestContext(r), c.principal, name)
	s.recordCall(r, c.principal, "DeleteUser", map[string]any{"userName": name}, err)
	if err == nil {
		s.log.Info("console: user deleted", "account", c.user.AccountID, "by", c.user.ARN(), "user", name)
		http.Redirect(w, r, "/console/users?deleted="+url.QueryEscape(name), http.StatusSeeOther)
		return
	}
	s.userDone(w, r, c, err, "iam:DeleteUser", "")
}
