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
	Keys          *keysSection
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
	// A user who may enable but not create virtual devices can still
	// assign a hardware token.
	if data.AssignDenied, _, err = s.assignAllowed(r, c, "", defaultDeviceName(c, "")); err != nil {
		s.internalError(w, r, "authorise", err)
		return
	}
	if data.Keys, err = s.keysOf(r, c, "", c.user.ARN()); err != nil {
		s.internalError(w, r, "access keys", err)
		return
	}
	v := &view{Title: "My security credentials", Identity: c.identity(), Data: data, Notice: keyNotice(r.URL.Query())}
	switch q := r.URL.Query(); {
	case q.Get("assigned") != "":
		v.Notice = "Your MFA device is assigned. You will be asked for a code from it at your next sign-in."
	case q.Get("removed") != "":
		v.Notice = "The MFA device is removed."
	case q.Get("resynced") != "":
		v.Notice = "The MFA device is resynchronised."
	case q.Get("password") != "":
		v.Notice = "Your password is changed."
	}
	s.render(w, r, http.StatusOK, "credentials", v)
}

// assignAllowed asks authz, as the API would, whether the caller may
// enable a device for itself, or for the user userName names
// (iam:EnableMFADevice, any kind), and create a virtual device of that
// name (iam:CreateVirtualMFADevice). enable is set when no device can be
// assigned at all; virtual when only the virtual kind is refused.
func (s *Server) assignAllowed(r *http.Request, c *caller, userName, name string) (enable, virtual *denied, err error) {
	ctx := requestContext(r)
	arn := c.user.ARN()
	if userName != "" {
		arn = userARN(c.user.AccountID, userName)
	}
	err = s.iam.Authorize(ctx, c.principal, "iam:EnableMFADevice", arn)
	if enable = deniedBy(err, "iam:EnableMFADevice", c); enable == nil && err != nil {
		return nil, nil, err
	}
	err = s.iam.Authorize(ctx, c.principal, "iam:CreateVirtualMFADevice", iam.VirtualSerial(c.user.AccountID, "/", name))
	if virtual = deniedBy(err, "iam:CreateVirtualMFADevice", c); virtual == nil && err != nil {
		return nil, nil, err
	}
	return enable, virtual, nil
}

// defaultDeviceName is the assign form's prefilled name: the name of the
// user the device is for ("root" for root, whose name is not a valid
// device name).
func defaultDeviceName(c *caller, userName string) string {
	if userName != "" {
		return userName
	}
	if c.user.Root {
		return "root"
	}
	return c.user.Name
}

// deviceNamePattern is VirtualMFADeviceName's constraint in IAM's model.
var deviceNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,226}$`)

// assignData is the assign wizard's first step: the device's kind and
// name (virtual) or serial number (hardware).
type assignData struct {
	// User is the user the device is for; empty for the caller itself.
	User   string
	Kind   string // "virtual" or "hardware"
	Name   string
	Serial string
	// Denied is set when no device can be assigned; VirtualDenied when
	// only a virtual one cannot.
	Denied        *denied
	VirtualDenied *denied
	// Inventory is the account's unassigned hardware tokens, offered when
	// an administrator assigns a device to another user and may list the
	// account's devices; empty: the serial is typed.
	Inventory []string
}

// inventory returns the unassigned hardware tokens the assign form offers
// for the user userName names: none for the caller's own device (its
// token is the one in its hand, whose serial it types) or when the caller
// may not list the account's devices.
func (s *Server) inventory(r *http.Request, c *caller, userName string) ([]string, error) {
	if userName == "" {
		return nil, nil
	}
	serials, err := s.iam.UnassignedHardwareTokens(requestContext(r), c.principal)
	if awserr.Code(err) == awserr.AccessDenied {
		return nil, nil
	}
	return serials, err
}

// assignCodesData is the wizard's second step. QR and Seed are set only
// on the page that follows the device's creation: the seed is shown once.
type assignCodesData struct {
	User     string
	Name     string
	Serial   string
	Hardware bool
	QR       template.URL
	Seed     string
	Denied   *denied
}

func (s *Server) assignPage(w http.ResponseWriter, r *http.Request, c *caller) {
	user := strings.TrimSpace(r.URL.Query().Get("user"))
	enable, virtual, err := s.assignAllowed(r, c, user, defaultDeviceName(c, user))
	if err != nil {
		s.internalError(w, r, "authorise", err)
		return
	}
	data := &assignData{User: user, Kind: "virtual", Name: defaultDeviceName(c, user), Denied: enable, VirtualDenied: virtual}
	if virtual != nil {
		data.Kind = "hardware"
	}
	if enable == nil {
		if data.Inventory, err = s.inventory(r, c, user); err != nil {
			s.internalError(w, r, "hardware inventory", err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "assign", &view{Title: "Assign MFA device", Identity: c.identity(), Data: data})
}

// hardwareSerialPattern is IAM's serialNumberType.
var hardwareSerialPattern = regexp.MustCompile(`^[\w+=/:,.@-]{9,256}$`)

func (s *Server) assign(w http.ResponseWriter, r *http.Request, c *caller) {
	data := &assignData{User: strings.TrimSpace(r.PostFormValue("user")), Kind: r.PostFormValue("kind"), Name: strings.TrimSpace(r.PostFormValue("name")),
		Serial: strings.TrimSpace(r.PostFormValue("serial"))}
	again := func(status int, msg string) {
		var err error
		if data.Inventory, err = s.inventory(r, c, data.User); err != nil {
			s.internalError(w, r, "hardware inventory", err)
			return
		}
		s.render(w, r, status, "assign", &view{Title: "Assign MFA device", Identity: c.identity(), Error: msg, Data: data})
	}
	if data.Kind == "hardware" {
		// A hardware token exists already, in the operator's inventory:
		// there is nothing to create, only two codes to check.
		if !hardwareSerialPattern.MatchString(data.Serial) {
			again(http.StatusBadRequest, "Enter the serial number printed on the back of the token.")
			return
		}
		s.render(w, r, http.StatusOK, "assign_codes", &view{Title: "Assign MFA device", Identity: c.identity(),
			Data: &assignCodesData{User: data.User, Serial: data.Serial, Hardware: true}})
		return
	}
	data.Kind = "virtual"
	name := data.Name
	if !deviceNamePattern.MatchString(name) {
		again(http.StatusBadRequest, "A device name is 1 to 226 letters, digits and the characters + = , . @ _ -.")
		return
	}
	dev, err := s.iam.CreateVirtualMFADevice(requestContext(r), c.principal, "/", name)
	s.recordCall(r, c.principal, "CreateVirtualMFADevice", map[string]any{"virtualMFADeviceName": name}, err)
	switch code := awserr.Code(err); {
	case err == nil:
	case code == awserr.AccessDenied:
		data.VirtualDenied = deniedBy(err, "iam:CreateVirtualMFADevice", c)
		again(http.StatusForbidden, "")
		return
	case code == awserr.EntityAlreadyExists:
		again(http.StatusConflict, "A device named "+name+" exists already. Choose another name.")
		return
	case code == awserr.LimitExceeded:
		again(http.StatusConflict, "The account has as many virtual MFA devices as its quota allows.")
		return
	default:
		s.internalError(w, r, "create device", err)
		return
	}
	s.render(w, r, http.StatusOK, "assign_codes", &view{Title: "Assign MFA device", Identity: c.identity(), Data: &assignCodesData{
		User: data.User, Name: name, Serial: dev.Serial, Seed: dev.Base32StringSeed,
		QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(dev.QRCodePNG))}})
}

// sixDigits is the form of a code the API accepts.
var sixDigits = regexp.MustCompile(`^[0-9]{6}$`)

func (s *Server) enable(w http.ResponseWriter, r *http.Request, c *caller) {
	serial := r.PostFormValue("serial")
	code1, code2 := strings.TrimSpace(r.PostFormValue("code1")), strings.TrimSpace(r.PostFormValue("code2"))
	data := &assignCodesData{User: strings.TrimSpace(r.PostFormValue("user")), Serial: serial, Name: r.PostFormValue("name"),
		Hardware: r.PostFormValue("hardware") != ""}
	again := func(status int, msg string) {
		s.render(w, r, status, "assign_codes", &view{Title: "Assign MFA device", Identity: c.identity(), Error: msg, Data: data})
	}
	const badCodes = "The codes are not valid. Enter two consecutive codes from your device: one, then the next one it shows."
	if !sixDigits.MatchString(code1) || !sixDigits.MatchString(code2) {
		again(http.StatusBadRequest, "Each MFA code is six digits. "+badCodes[len("The codes are not valid. "):])
		return
	}
	err := s.iam.EnableMFADevice(requestContext(r), c.principal, data.User, serial, code1, code2)
	s.recordCall(r, c.principal, "EnableMFADevice", map[string]any{"userName": data.User, "serialNumber": serial}, err)
	switch code := awserr.Code(err); {
	case err == nil:
		http.Redirect(w, r, keysBack(data.User, "assigned=1"), http.StatusSeeOther)
	case code == awserr.AccessDenied:
		data.Denied = deniedBy(err, "iam:EnableMFADevice", c)
		again(http.StatusForbidden, "")
	case code == awserr.InvalidAuthenticationCode:
		again(http.StatusBadRequest, badCodes)
	case code == awserr.EntityAlreadyExists:
		again(http.StatusConflict, "This device is in use already.")
	case code == awserr.LimitExceeded:
		again(http.StatusConflict, "You have as many MFA devices as the account's quota allows.")
	case code == awserr.NoSuchEntity && data.Hardware:
		again(http.StatusNotFound, "There is no token with this serial number in the account's inventory. Check the number on the token.")
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
