package console

import (
	"net/http"
	"strings"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/iam"
)

// deviceActionData is the data of the Remove and Resync pages: the device
// and, after a refusal, what the identity lacks.
type deviceActionData struct {
	Serial string
	Denied *denied
}

// ownDevice finds one of the caller's devices by serial, as the caller
// (iam:ListMFADevices); nil when the caller has none of that serial.
func (s *Server) ownDevice(r *http.Request, c *caller, serial string) (*iam.MFADevice, error) {
	ds, _, _, err := s.iam.ListMFADevices(requestContext(r), c.principal, "", "", 100)
	if err != nil {
		return nil, err
	}
	for i := range ds {
		if ds[i].Serial == serial {
			return &ds[i], nil
		}
	}
	return nil, nil
}

// devicePage shows the Remove or Resync page of one of the caller's
// devices, or sends the browser back to its credentials when there is no
// such device.
func (s *Server) devicePage(page, title string) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		serial := r.FormValue("serial")
		d, err := s.ownDevice(r, c, serial)
		data := &deviceActionData{Serial: serial, Denied: deniedBy(err, "iam:ListMFADevices", c)}
		switch {
		case data.Denied != nil:
		case err != nil:
			s.internalError(w, r, "list devices", err)
			return
		case d == nil:
			http.Redirect(w, r, "/console/security-credentials", http.StatusSeeOther)
			return
		}
		s.render(w, r, http.StatusOK, page, &view{Title: title, Identity: c.identity(), Data: data})
	}
}

// remove deactivates one of the caller's devices and, for a virtual one,
// deletes it when the caller may, so its name is free again. AWS's
// self-service policy grants no iam:DeleteVirtualMFADevice, so a refusal
// there leaves an unassigned device and is not an error.
func (s *Server) remove(w http.ResponseWriter, r *http.Request, c *caller) {
	ctx := requestContext(r)
	serial := r.PostFormValue("serial")
	d, err := s.ownDevice(r, c, serial)
	data := &deviceActionData{Serial: serial, Denied: deniedBy(err, "iam:ListMFADevices", c)}
	if data.Denied == nil && err != nil {
		s.internalError(w, r, "list devices", err)
		return
	}
	if data.Denied == nil && d == nil {
		http.Redirect(w, r, "/console/security-credentials", http.StatusSeeOther)
		return
	}
	if data.Denied == nil {
		err = s.iam.DeactivateMFADevice(ctx, c.principal, "", serial)
		s.recordCall(r, c.principal, "DeactivateMFADevice", map[string]any{"serialNumber": serial}, err)
		data.Denied = deniedBy(err, "iam:DeactivateMFADevice", c)
		if data.Denied == nil && err != nil {
			s.internalError(w, r, "deactivate device", err)
			return
		}
	}
	if data.Denied != nil {
		s.render(w, r, http.StatusForbidden, "mfa_remove", &view{Title: "Remove MFA device", Identity: c.identity(), Data: data})
		return
	}
	if d.Kind == iam.DeviceVirtual {
		if err := s.iam.DeleteVirtualMFADevice(ctx, c.principal, serial); err != nil && awserr.Code(err) != awserr.AccessDenied {
			s.log.Error("console: delete deactivated virtual device", "serial", serial, "err", err)
		}
	}
	s.log.Info("console: MFA device removed", "account", c.user.AccountID, "user", c.user.ARN(), "serial", serial)
	http.Redirect(w, r, "/console/security-credentials?removed=1", http.StatusSeeOther)
}

// resync re-learns the drift of one of the caller's devices from two
// consecutive codes (iam:ResyncMFADevice).
func (s *Server) resync(w http.ResponseWriter, r *http.Request, c *caller) {
	serial := r.PostFormValue("serial")
	code1, code2 := strings.TrimSpace(r.PostFormValue("code1")), strings.TrimSpace(r.PostFormValue("code2"))
	data := &deviceActionData{Serial: serial}
	again := func(status int, msg string) {
		s.render(w, r, status, "mfa_resync", &view{Title: "Resynchronise MFA device", Identity: c.identity(), Error: msg, Data: data})
	}
	const badCodes = "The codes are not valid. Enter two consecutive codes from the device: one, then the next one it shows."
	if !sixDigits.MatchString(code1) || !sixDigits.MatchString(code2) {
		again(http.StatusBadRequest, badCodes)
		return
	}
	err := s.iam.ResyncMFADevice(requestContext(r), c.principal, "", serial, code1, code2)
	s.recordCall(r, c.principal, "ResyncMFADevice", map[string]any{"serialNumber": serial}, err)
	switch code := awserr.Code(err); {
	case err == nil:
		http.Redirect(w, r, "/console/security-credentials?resynced=1", http.StatusSeeOther)
	case code == awserr.AccessDenied:
		data.Denied = deniedBy(err, "iam:ResyncMFADevice", c)
		again(http.StatusForbidden, "")
	case code == awserr.InvalidAuthenticationCode:
		again(http.StatusBadRequest, badCodes)
	case code == awserr.NoSuchEntity:
		http.Redirect(w, r, "/console/security-credentials", http.StatusSeeOther)
	default:
		s.internalError(w, r, "resync device", err)
	}
}
