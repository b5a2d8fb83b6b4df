package console

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"regexp"
	"strings"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/iam"
)

// deviceView is one MFA device in a list.
type deviceView struct {
	Type   string // "Virtual" or "Hardware"
	Serial string
	Date   string // when it was assigned
}

func deviceViews(ds []iam.MFADevice) []deviceView {
	out := make([]deviceView, 0, len(ds))
	for _, d := range ds {
		t := "Virtual"
		if d.Kind == iam.DeviceHardware {
			t = "Hardware"
		}
		at := d.EnabledAt
		if at.IsZero() {
			at = d.CreatedAt
		}
		out = append(out, deviceView{Type: t, Serial: d.Serial, Date: formatDate(at)})
	}
	return out
}

// denied is a section the identity may not use: the action it lacks, and
// whether signing in with MFA might be what is missing.
type denied struct {
	Action  string
	WithMFA bool
}

// deniedBy returns the denied section when err is an AccessDenied for
// action, else nil.
func deniedBy(err error, action string, c *caller) *denied {
	if awserr.Code(err) != awserr.AccessDenied {
		return nil
	}
	return &denied{Action: action, WithMFA: !c.principal.Session.MFA()}
}

// credentialsData is the "My security credentials" page's data.
type credentialsData struct {
	Devices       []deviceView
	DevicesDenied *denied
	AssignDenied  *denied
	RootReminder  bool
}

func (s *Server) credentialsPage(w http.ResponseWriter, r *http.Request, c *caller) {
	ctx := requestContext(r)
	data := &credentialsData{}
	ds, _, _, err := s.iam.ListMFADevices(ctx, c.principal, "", "", 100)
	if data.DevicesDenied = deniedBy(err, "iam:ListMFADevices", c); data.DevicesDenied == nil && err != nil {
		s.internalError(w, r, "list devices", err)
		return
	}
	data.Devices = deviceViews(ds)
	data.RootReminder = c.user.Root && err == nil && len(ds) == 0
	if data.AssignDenied, err = s.assignAllowed(r, c, defaultDeviceName(c)); err != nil {
		s.internalError(w, r, "authorise", err)
		return
	}
	v := &view{Title: "My security credentials", Identity: c.identity(), Data: data}
	switch q := r.URL.Query(); {
	case q.Get("assigned") != "":
		v.Notice = "Your MFA device is assigned. You will be asked for a code from it at your next sign-in."
	case q.Get("removed") != "":
		v.Notice = "The MFA device is removed."
	case q.Get("resynced") != "":
		v.Notice = "The MFA device is resynchronised."
	}
	s.render(w, r, http.StatusOK, "credentials", v)
}

// assignAllowed asks authz, as the API would, whether the caller may
// create a virtual device of that name and enable it for itself.
func (s *Server) assignAllowed(r *http.Request, c *caller, name string) (*denied, error) {
	ctx := requestContext(r)
	checks := []struct{ action, resource string }{
		{"iam:CreateVirtualMFADevice", iam.VirtualSerial(c.user.AccountID, "/", name)},
		{"iam:EnableMFADevice", c.user.ARN()},
	}
	for _, ch := range checks {
		err := s.iam.Authorize(ctx, c.principal, ch.action, ch.resource)
		if d := deniedBy(err, ch.action, c); d != nil {
			return d, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// defaultDeviceName is the assign form's prefilled name: the user's
// name ("root" for root, whose name is not a valid device name).
func defaultDeviceName(c *caller) string {
	if c.user.Root {
		return "root"
	}
	return c.user.Name
}

// deviceNamePattern is VirtualMFADeviceName's constraint in IAM's model.
var deviceNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,226}$`)

// assignData is the assign wizard's first step: the device's name.
type assignData struct {
	Name   string
	Denied *denied
}

// assignCodesData is the wizard's second step. QR and Seed are set only
// on the page that follows the device's creation: the seed is shown once.
type assignCodesData struct {
	Name   string
	Serial string
	QR     template.URL
	Seed   string
	Denied *denied
}

func (s *Server) assignPage(w http.ResponseWriter, r *http.Request, c *caller) {
	d, err := s.assignAllowed(r, c, defaultDeviceName(c))
	if err != nil {
		s.internalError(w, r, "authorise", err)
		return
	}
	s.render(w, r, http.StatusOK, "assign", &view{Title: "Assign MFA device", Identity: c.identity(),
		Data: &assignData{Name: defaultDeviceName(c), Denied: d}})
}

func (s *Server) assign(w http.ResponseWriter, r *http.Request, c *caller) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	again := func(status int, msg string, d *denied) {
		s.render(w, r, status, "assign", &view{Title: "Assign MFA device", Identity: c.identity(), Error: msg,
			Data: &assignData{Name: name, Denied: d}})
	}
	if !deviceNamePattern.MatchString(name) {
		again(http.StatusBadRequest, "A device name is 1 to 226 letters, digits and the characters + = , . @ _ -.", nil)
		return
	}
	dev, err := s.iam.CreateVirtualMFADevice(requestContext(r), c.principal, "/", name)
	switch code := awserr.Code(err); {
	case err == nil:
	case code == awserr.AccessDenied:
		again(http.StatusForbidden, "", deniedBy(err, "iam:CreateVirtualMFADevice", c))
		return
	case code == awserr.EntityAlreadyExists:
		again(http.StatusConflict, "A device named "+name+" exists already. Choose another name.", nil)
		return
	case code == awserr.LimitExceeded:
		again(http.StatusConflict, "The account has as many virtual MFA devices as its quota allows.", nil)
		return
	default:
		s.internalError(w, r, "create device", err)
		return
	}
	s.render(w, r, http.StatusOK, "assign_codes", &view{Title: "Assign MFA device", Identity: c.identity(), Data: &assignCodesData{
		Name: name, Serial: dev.Serial, Seed: dev.Base32StringSeed,
		QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(dev.QRCodePNG))}})
}

// sixDigits is the form of a code the API accepts.
var sixDigits = regexp.MustCompile(`^[0-9]{6}$`)

func (s *Server) enable(w http.ResponseWriter, r *http.Request, c *caller) {
	serial := r.PostFormValue("serial")
	code1, code2 := strings.TrimSpace(r.PostFormValue("code1")), strings.TrimSpace(r.PostFormValue("code2"))
	data := &assignCodesData{Serial: serial, Name: r.PostFormValue("name")}
	again := func(status int, msg string) {
		s.render(w, r, status, "assign_codes", &view{Title: "Assign MFA device", Identity: c.identity(), Error: msg, Data: data})
	}
	const badCodes = "The codes are not valid. Enter two consecutive codes from your device: one, then the next one it shows."
	if !sixDigits.MatchString(code1) || !sixDigits.MatchString(code2) {
		again(http.StatusBadRequest, "Each MFA code is six digits. "+badCodes[len("The codes are not valid. "):])
		return
	}
	err := s.iam.EnableMFADevice(requestContext(r), c.principal, "", serial, code1, code2)
	switch code := awserr.Code(err); {
	case err == nil:
		http.Redirect(w, r, "/console/security-credentials?assigned=1", http.StatusSeeOther)
	case code == awserr.AccessDenied:
		data.Denied = deniedBy(err, "iam:EnableMFADevice", c)
		again(http.StatusForbidden, "")
	case code == awserr.InvalidAuthenticationCode:
		again(http.StatusBadRequest, badCodes)
	case code == awserr.EntityAlreadyExists:
		again(http.StatusConflict, "This device is in use already.")
	case code == awserr.LimitExceeded:
		again(http.StatusConflict, "You have as many MFA devices as the account's quota allows.")
	case code == awserr.NoSuchEntity:
		again(http.StatusNotFound, "There is no such device. Start again from Assign MFA device.")
	default:
		var ae *awserr.Error
		if errors.As(err, &ae) {
			again(http.StatusBadRequest, ae.Message)
			return
		}
		s.internalError(w, r, "enable device", err)
	}
}
