package iam

import (
	"context"
	"errors"
	"time"

	"github.com/iamd/iamd/internal/awserr"
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
func (s *Service) CreateVirtualMFADevice(ctx context.Context, p *Principal, path, name string) (*NewVirtualMFADevice, error) {
	return s.createVirtualMFADevice(ctx, p, path, name, nil)
}

// createVirtualMFADevice creates the device and its tags in one write.
func (s *Service) createVirtualMFADevice(ctx context.Context, p *Principal, path, name string, tags []Tag) (*NewVirtualMFADevice, error) {
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

func params(d *MFADevice) otp.Params {
	return otp.Params{Algorithm: otp.Algorithm(d.Hash), Digits: d.Digits, Period: time.Duration(d.Period) * time.Second}
}

// HOTP look-ahead windows: how many counter values past the last used one
// a code may be.
const (
	hotpSignInLookAhead = 10
	hotpEnableLookAhead = 100
)

// totpStep is the device's TOTP time step at t, counted from its T0.
func totpStep(d *MFADevice, t time.Time) int64 {
	return otp.Step(t.Add(-time.Duration(d.Time0)*time.Second), params(d))
}

var errInvalidCode = awserr.New(awserr.InvalidAuthenticationCode, "Authentication code for device is not valid.")

func noSuchDevice(serial string) error {
	return awserr.New(awserr.NoSuchEntity, "MFA device with serial number %s does not exist.", serial)
}

// device loads a device of the caller's account.
func (s *Service) device(ctx context.Context, p *Principal, serial string) (*MFADevice, error) {
	d, err := s.store.MFADevice(ctx, p.AccountID, serial)
	if errors.Is(err, ErrNotFound) {
		return nil, noSuchDevice(serial)
	}
	if err != nil {
		return nil, internal("device", err)
	}
	return d, nil
}

// backoff is the throttling delay after a given number of consecutive
// failures: none below the threshold, then 1 s doubling up to the cap.
func (s *Service) backoff(failures int) time.Duration {
	n := failures - s.cfg.ThrottleAfter
	if n < 0 {
		return 0
	}
	if n > 30 {
		return s.cfg.ThrottleMax
	}
	return min(time.Second<<n, s.cfg.ThrottleMax)
}

// fail records a failed code check on a device and logs the refusal.
func (s *Service) fail(ctx context.Context, d *MFADevice, reason string, now time.Time) {
	n, err := s.store.RecordMFAFailure(ctx, d.AccountID, d.Serial, now, s.backoff)
	if err != nil {
		s.log.Error("record MFA failure", "account", d.AccountID, "serial", d.Serial, "err", err)
		return
	}
	s.log.Warn("MFA code refused", "account", d.AccountID, "serial", d.Serial, "reason", reason, "failures", n,
		"blocked_for", s.backoff(n))
}

// checkPair verifies two codes for consecutive steps near the server's
// clock (enable and resync). It returns the second code's step and the
// device's drift.
//
// Failures are counted on the device, except while enabling an unassigned
// device (caller is then the caller's id): such a device serves nobody
// yet, so its failures are charged to the caller, and nobody can keep
// another identity's new device blocked by sending wrong codes for it.
func (s *Service) checkPair(ctx context.Context, d *MFADevice, caller, code1, code2 string) (step, drift int64, ok bool) {
	now := s.clock.Now()
	fail := func(reason string) { s.fail(ctx, d, reason, now) }
	if caller != "" {
		subject := "enable-mfa:" + caller
		fail = func(reason string) {
			n, err := s.store.RecordThrottleFailure(ctx, d.AccountID, subject, now, s.backoff)
			if err != nil {
				s.log.Error("record MFA failure", "account", d.AccountID, "caller", caller, "err", err)
				return
			}
			s.log.Warn("MFA code refused", "account", d.AccountID, "serial", d.Serial, "caller", caller, "reason", reason,
				"failures", n, "blocked_for", s.backoff(n))
		}
		until, err := s.store.Throttle(ctx, d.AccountID, subject)
		if err != nil {
			s.log.Error("read throttle", "account", d.AccountID, "caller", caller, "err", err)
			return 0, 0, false
		}
		if now.Before(until) {
			fail("throttled")
			return 0, 0, false
		}
		defer func() {
			if ok {
				s.store.ResetThrottle(ctx, d.AccountID, subject)
			}
		}()
	} else if now.Before(d.BlockedUntil) {
		fail("throttled")
		return 0, 0, false
	}
	pp := params(d)
	var cur, step2 int64
	var found bool
	if d.OTPType == OTPTypeHOTP {
		// Counters have no clock: search ahead of the last used one.
		cur = d.LastStep
		step2, found = otp.FindConsecutive(d.Secret, code1, code2, d.LastStep+1, d.LastStep+hotpEnableLookAhead, pp)
	} else {
		cur = totpStep(d, now)
		w := int64(s.cfg.EnableWindow / pp.Normalized().Period)
		step2, found = otp.FindConsecutive(d.Secret, code1, code2, cur-w, cur+w, pp)
	}
	if !found {
		fail("wrong codes")
		return 0, 0, false
	}
	// Both codes must be fresh: the first one's step too must come after
	// the last used step, or a code already spent would count again.
	if step2-1 <= d.LastStep {
		s.log.Warn("MFA code refused", "account", d.AccountID, "serial", d.Serial, "reason", "codes already used")
		return 0, 0, false
	}
	if d.OTPType == OTPTypeHOTP {
		return step2, 0, true
	}
	return step2, step2 - cur, true
}

// EnableMFADevice assigns a device to a user after checking two
// consecutive codes from it.
func (s *Service) EnableMFADevice(ctx context.Context, p *Principal, userName, serial, code1, code2 string) error {
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
	step, drift, ok := s.checkPair(ctx, d, p.UserID(), code1, code2)
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
func (s *Service) ResyncMFADevice(ctx context.Context, p *Principal, userName, serial, code1, code2 string) error {
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
	step, drift, ok := s.checkPair(ctx, d, "", code1, code2)
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
func (s *Service) DeactivateMFADevice(ctx context.Context, p *Principal, userName, serial string) error {
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
func (s *Service) DeleteVirtualMFADevice(ctx context.Context, p *Principal, serial string) error {
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
func (s *Service) ListMFADevices(ctx context.Context, p *Principal, userName, marker string, maxItems int) ([]MFADevice, *User, string, error) {
	u, err := s.authorizedUser(ctx, p, userName, "iam:ListMFADevices")
	if err != nil {
		return nil, nil, "", err
	}
	ds, next, err := s.store.ListMFADevices(ctx, p.AccountID, u.ID, page(marker, maxItems))
	if err != nil {
		return nil, nil, "", markerError(err)
	}
	for i := range ds {
		ds[i].Secret = nil
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
func (s *Service) ListVirtualMFADevices(ctx context.Context, p *Principal, status, marker string, maxItems int) ([]DeviceWithUser, string, error) {
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
	ErrMFAInvalidCode = errors.New("iam: invalid MFA code")
)

// matchSignIn finds the fresh step (TOTP) or counter (HOTP) a sign-in code
// belongs to. replay tells that the code matched only used ones. cur is
// the server's step, from which drift is measured (the last counter for
// HOTP, which has no drift).
func (s *Service) matchSignIn(d *MFADevice, code string, now time.Time) (best, cur int64, found, replay bool) {
	pp := params(d)
	if d.OTPType == OTPTypeHOTP {
		if m := otp.MatchSteps(d.Secret, code, d.LastStep+1, d.LastStep+hotpSignInLookAhead, pp); len(m) > 0 {
			return m[0], m[0], true, false
		}
		used := otp.MatchSteps(d.Secret, code, max(d.LastStep-hotpSignInLookAhead, 0), d.LastStep, pp)
		return 0, 0, false, len(used) > 0
	}
	cur = totpStep(d, now)
	k := int64(s.cfg.SignInSkewSteps)
	// Accept near the server's time and near the device's drift-corrected
	// time; the highest fresh match wins.
	for _, center := range []int64{cur, cur + d.DriftSteps} {
		for _, st := range otp.MatchSteps(d.Secret, code, center-k, center+k, pp) {
			if st <= d.LastStep {
				replay = true
				continue
			}
			if !found || st > best {
				best, found = st, true
			}
		}
	}
	return best, cur, found, replay
}

// VerifySignInCode checks a code from one of the user's devices for sign-in
// (GetSessionToken and AssumeRole; the console later) and consumes it. It
// returns when the code was checked.
func (s *Service) VerifySignInCode(ctx context.Context, u *User, serial, code string) (time.Time, error) {
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
	now := s.clock.Now()
	if now.Before(d.BlockedUntil) {
		s.fail(ctx, d, "throttled", now)
		return time.Time{}, ErrMFAInvalidCode
	}
	pp := params(d)
	if !otp.ValidCode(code, pp) {
		s.fail(ctx, d, "malformed code", now)
		return time.Time{}, ErrMFAInvalidCode
	}
	best, cur, found, replay := s.matchSignIn(d, code, now)
	if !found {
		if replay {
			// A used code tells a guesser nothing new, so it is refused
			// without counting towards throttling.
			s.log.Warn("MFA code refused", "account", u.AccountID, "serial", serial, "reason", "code already used")
		} else {
			s.fail(ctx, d, "wrong code", now)
		}
		return time.Time{}, ErrMFAInvalidCode
	}
	if err := s.store.AcceptMFACode(ctx, u.AccountID, serial, u.ID, best, best-cur, now); err != nil {
		if errors.Is(err, ErrStale) {
			s.log.Warn("MFA code refused", "account", u.AccountID, "serial", serial, "reason", "code already used")
			return time.Time{}, ErrMFAInvalidCode
		}
		return time.Time{}, internal("accept code", err)
	}
	return now, nil
}
