package iam

import (
	"context"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"time"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/mfa"
	"github.com/iamd/iamd/internal/otp"
	"github.com/iamd/iamd/internal/qrpng"
)

// seedBytes is the size of a virtual device's seed: 40 bytes, 64 base32
// characters, as AWS issues them.
const seedBytes = 40

// NewVirtualMFADevice is what CreateVirtualMFADevice returns: the only time
// the seed leaves iamd.
type NewVirtualMFADevice struct {
	Serial           string
	Base32StringSeed string
	QRCodePNG        []byte
}

// VirtualSerial returns a virtual device's serial number, which is its ARN.
func VirtualSerial(accountID, path, name string) string {
	return "arn:aws:iam::" + accountID + ":mfa" + path + name
}

// CreateVirtualMFADevice creates an unassigned virtual device with a fresh
// seed and returns the seed as Base32 and as a QR code of its otpauth URI.
func (s *Service) CreateVirtualMFADevice(ctx context.Context, p *authz.Principal, path, name string) (*NewVirtualMFADevice, error) {
	return s.createVirtualMFADevice(ctx, p, path, name, nil)
}

// createVirtualMFADevice creates the device and its tags in one write.
func (s *Service) createVirtualMFADevice(ctx context.Context, p *authz.Principal, path, name string, tags []Tag) (*NewVirtualMFADevice, error) {
	if path == "" {
		path = "/"
	}
	serial := VirtualSerial(p.AccountID, path, name)
	if err := s.authz.Authorize(ctx, p, "iam:CreateVirtualMFADevice", serial); err != nil {
		return nil, err
	}
	// AWS caps assigned plus unassigned virtual devices at the user quota.
	max, err := s.quota(ctx, p.AccountID, QuotaUsers)
	if err != nil {
		return nil, err
	}
	acct, err := s.store.Account(ctx, p.AccountID)
	if err != nil {
		return nil, internal("account", err)
	}
	secret, err := otp.NewSecret(s.rand, seedBytes)
	if err != nil {
		return nil, internal("new seed", err)
	}
	label := acct.ID
	if acct.Alias != "" {
		label = acct.Alias
	}
	uri := otp.KeyURI{Type: "totp", Issuer: s.cfg.Issuer, Account: name + "@" + label, Secret: secret}.String()
	png, err := qrpng.Encode(uri, 0)
	if err != nil {
		return nil, internal("qr code", err)
	}
	d := &MFADevice{Serial: serial, AccountID: p.AccountID, Kind: DeviceVirtual, Path: path, Name: name, Secret: secret,
		Digits: 6, Period: 30, CreatedAt: s.clock.Now().UTC().Truncate(time.Second), Tags: tags}
	switch err := s.store.CreateMFADevice(ctx, d, max); {
	case errors.Is(err, ErrExists):
		return nil, awserr.New(awserr.EntityAlreadyExists, "MFADevice entity at the same path and name already exists.")
	case errors.Is(err, ErrLimit):
		return nil, limitExceeded("VirtualMFADevicesPerAccount", max)
	case err != nil:
		return nil, internal("create device", err)
	}
	s.log.Info("virtual MFA device created", "account", p.AccountID, "serial", serial, "by", p.ARN())
	return &NewVirtualMFADevice{Serial: serial, Base32StringSeed: otp.EncodeSecret(secret), QRCodePNG: png}, nil
}

var errInvalidCode = awserr.New(awserr.InvalidAuthenticationCode, "Authentication code for device is not valid.")

func noSuchDevice(serial string) error {
	return awserr.New(awserr.NoSuchEntity, "MFA device with serial number %s does not exist.", serial)
}

// device loads a device of the caller's account.
func (s *Service) device(ctx context.Context, p *authz.Principal, serial string) (*MFADevice, error) {
	d, err := s.store.MFADevice(ctx, p.AccountID, serial)
	if errors.Is(err, ErrNotFound) {
		return nil, noSuchDevice(serial)
	}
	if err != nil {
		return nil, internal("device", err)
	}
	return d, nil
}

// otpDevice is what the mfa verifier needs of a device.
func (d *MFADevice) otpDevice() *mfa.Device {
	return &mfa.Device{AccountID: d.AccountID, Serial: d.Serial, UserID: d.UserID, OTPType: d.OTPType, Hash: d.Hash,
		Digits: d.Digits, Period: d.Period, Time0: d.Time0, Secret: d.Secret, LastStep: d.LastStep, DriftSteps: d.DriftSteps,
		BlockedUntil: d.BlockedUntil}
}

// EnableMFADevice assigns a device to a user after checking two
// consecutive codes from it.
func (s *Service) EnableMFADevice(ctx context.Context, p *authz.Principal, userName, serial, code1, code2 string) error {
	u, err := s.authorizedUser(ctx, p, userName, "iam:EnableMFADevice")
	if err != nil {
		return err
	}
	d, err := s.device(ctx, p, serial)
	if err != nil {
		return err
	}
	if d.Assigned() {
		return awserr.New(awserr.EntityAlreadyExists, "MFA Device is already in use.")
	}
	max, err := s.quota(ctx, p.AccountID, QuotaMFADevicesPerUser)
	if err != nil {
		return err
	}
	max = min(max, MaxMFADevicesPerUser)
	if n, err := s.countDevices(ctx, p.AccountID, u.ID); err != nil {
		return err
	} else if n >= max {
		return limitExceeded("MFADevicesPerUser", max)
	}
	step, drift, ok := s.mfa.CheckPair(ctx, d.otpDevice(), p.UserID(), code1, code2)
	if !ok {
		return errInvalidCode
	}
	switch err := s.store.EnableMFADevice(ctx, p.AccountID, serial, u.ID, step, drift, s.clock.Now(), max); {
	case errors.Is(err, ErrExists):
		return awserr.New(awserr.EntityAlreadyExists, "MFA Device is already in use.")
	case errors.Is(err, ErrLimit):
		return limitExceeded("MFADevicesPerUser", max)
	case errors.Is(err, ErrStale):
		return errInvalidCode
	case errors.Is(err, ErrNotFound):
		return noSuchDevice(serial)
	case err != nil:
		return internal("enable device", err)
	}
	s.log.Info("MFA device enabled", "account", p.AccountID, "serial", serial, "user", u.ARN(), "drift_steps", drift, "by", p.ARN())
	return nil
}

func (s *Service) countDevices(ctx context.Context, accountID, userID string) (int, error) {
	n, err := s.store.CountMFADevices(ctx, accountID, userID)
	if err != nil {
		return 0, internal("count devices", err)
	}
	return n, nil
}

// ResyncMFADevice re-learns an enabled device's drift from two consecutive
// codes.
func (s *Service) ResyncMFADevice(ctx context.Context, p *authz.Principal, userName, serial, code1, code2 string) error {
	u, err := s.authorizedUser(ctx, p, userName, "iam:ResyncMFADevice")
	if err != nil {
		return err
	}
	d, err := s.device(ctx, p, serial)
	if err != nil {
		return err
	}
	if d.UserID != u.ID {
		return noSuchDevice(serial)
	}
	step, drift, ok := s.mfa.CheckPair(ctx, d.otpDevice(), "", code1, code2)
	if !ok {
		return errInvalidCode
	}
	if err := s.store.AcceptMFACode(ctx, p.AccountID, serial, u.ID, step, drift, s.clock.Now()); err != nil {
		if errors.Is(err, ErrStale) {
			return errInvalidCode
		}
		return internal("resync device", err)
	}
	s.log.Info("MFA device resynchronised", "account", p.AccountID, "serial", serial, "drift_steps", drift, "by", p.ARN())
	return nil
}

// DeactivateMFADevice unassigns a device from a user (the caller when
// userName is empty); a virtual device becomes free for another identity.
func (s *Service) DeactivateMFADevice(ctx context.Context, p *authz.Principal, userName, serial string) error {
	u, err := s.authorizedUser(ctx, p, userName, "iam:DeactivateMFADevice")
	if err != nil {
		return err
	}
	switch err := s.store.DeactivateMFADevice(ctx, p.AccountID, serial, u.ID); {
	case errors.Is(err, ErrNotFound):
		return noSuchDevice(serial)
	case err != nil:
		return internal("deactivate device", err)
	}
	s.log.Info("MFA device deactivated", "account", p.AccountID, "serial", serial, "user", u.ARN(), "by", p.ARN())
	return nil
}

// DeleteVirtualMFADevice deletes an unassigned virtual device.
func (s *Service) DeleteVirtualMFADevice(ctx context.Context, p *authz.Principal, serial string) error {
	if err := s.authorizeDevice(ctx, p, serial, "iam:DeleteVirtualMFADevice"); err != nil {
		return err
	}
	err := s.store.DeleteMFADevice(ctx, p.AccountID, serial)
	var conflict *ConflictError
	switch {
	case errors.As(err, &conflict):
		return awserr.New(awserr.DeleteConflict, "MFA Device is in use, deactivate it before deleting it.")
	case errors.Is(err, ErrNotFound):
		return awserr.New(awserr.NoSuchEntity, "VirtualMFADevice with serial number %s doesn't exist.", serial)
	case err != nil:
		return internal("delete device", err)
	}
	s.log.Info("virtual MFA device deleted", "account", p.AccountID, "serial", serial, "by", p.ARN())
	return nil
}

// ListMFADevices lists the devices serving a user (the caller when
// userName is empty).
func (s *Service) ListMFADevices(ctx context.Context, p *authz.Principal, userName, marker string, maxItems int) ([]MFADevice, *User, string, error) {
	u, err := s.authorizedUser(ctx, p, userName, "iam:ListMFADevices")
	if err != nil {
		return nil, nil, "", err
	}
	ds, next, err := s.store.MFADeviceList(ctx, p.AccountID, u.ID, page(marker, maxItems))
	if err != nil {
		return nil, nil, "", markerError(err)
	}
	return ds, u, next, nil
}

// Assignment filters for ListVirtualMFADevices.
const (
	AssignmentAny        = "Any"
	AssignmentAssigned   = "Assigned"
	AssignmentUnassigned = "Unassigned"
)

// ListVirtualMFADevices lists the account's virtual devices.
func (s *Service) ListVirtualMFADevices(ctx context.Context, p *authz.Principal, status, marker string, maxItems int) ([]DeviceWithUser, string, error) {
	if err := s.authz.Authorize(ctx, p, "iam:ListVirtualMFADevices", "*"); err != nil {
		return nil, "", err
	}
	var assigned *bool
	switch status {
	case AssignmentAssigned:
		t := true
		assigned = &t
	case AssignmentUnassigned:
		f := false
		assigned = &f
	}
	ds, next, err := s.store.ListVirtualMFADevices(ctx, p.AccountID, assigned, page(marker, maxItems))
	if err != nil {
		return nil, "", markerError(err)
	}
	for i := range ds {
		ds[i].Device.Secret = nil
	}
	return ds, next, nil
}

// Sign-in code failures. The STS layer words them as AWS does.
var (
	// ErrMFANotAssociated means the serial is not a device serving the
	// caller.
	ErrMFANotAssociated = errors.New("iam: MFA device not associated with the identity")
	// ErrMFAInvalidCode means the code was wrong, already used, or the
	// device is throttled.
	ErrMFAInvalidCode = mfa.ErrInvalidCode
)

// VerifySignInCode checks a code from one of the user's devices for sign-in
// (GetSessionToken, AssumeRole, the console, S3's x-amz-mfa) and consumes
// it through the one mfa verifier. It returns when the code was checked.
func (s *Service) VerifySignInCode(ctx context.Context, u *authz.Identity, serial, code string) (time.Time, error) {
	d, err := s.store.MFADevice(ctx, u.AccountID, serial)
	if errors.Is(err, ErrNotFound) {
		s.log.Warn("MFA code refused", "account", u.AccountID, "serial", serial, "reason", "no such device")
		return time.Time{}, ErrMFANotAssociated
	}
	if err != nil {
		return time.Time{}, internal("device", err)
	}
	if d.UserID != u.ID {
		s.log.Warn("MFA code refused", "account", u.AccountID, "serial", serial, "reason", "device not assigned to caller")
		return time.Time{}, ErrMFANotAssociated
	}
	at, err := s.mfa.Verify(ctx, d.otpDevice(), code)
	if err != nil && !errors.Is(err, mfa.ErrInvalidCode) {
		return time.Time{}, internal("accept code", err)
	}
	return at, err
}

// CheckOwnCode checks and consumes a code from one of id's own MFA devices
// for another door (S3's x-amz-mfa): nil when accepted, mfa.ErrInvalidCode
// for every refusal — no such device, another identity's, a wrong,
// replayed or throttled code — so the door cannot tell them apart, and
// any other error when the store fails. It is the same single-use check
// as sign-in and GetSessionToken.
func (s *Service) CheckOwnCode(ctx context.Context, id *authz.Identity, serial, code string) error {
	_, err := s.VerifySignInCode(ctx, id, serial, code)
	if errors.Is(err, ErrMFANotAssociated) {
		return mfa.ErrInvalidCode
	}
	return err
}
