package iam

import (
	"context"
	"errors"
	"fmt"
	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/mfa"
	"math"
	"regexp"
	"time"

	"github.com/iamd/iamd/internal/otp"
)

// serialPattern is AWS's serialNumberType.
var serialPattern = regexp.MustCompile(`^[\w+=/:,.@-]+$`)

// HardwareToken is an OATH token from a vendor's seed file.
type HardwareToken struct {
	Serial  string
	Secret  []byte
	OTPType string // OTPTypeTOTP or OTPTypeHOTP
	Digits  int
	Period  int    // TOTP seconds; 0 means 30
	Hash    string // "SHA1" (default), "SHA256", "SHA512"
	Time0   int64  // TOTP T0, Unix seconds
	Counter uint64 // HOTP: the counter of the next code
}

// ImportHardwareTokens adds tokens to an account's inventory, all or none.
// Only tokens in the inventory can be enabled. It is an operator action
// (the hardware import command), not an AWS operation.
func (s *Service) ImportHardwareTokens(ctx context.Context, accountID string, tokens []HardwareToken) error {
	if _, err := s.store.Account(ctx, accountID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("no account %s", accountID)
		}
		return err
	}
	now := s.clock.Now().UTC().Truncate(time.Second)
	devices := make([]MFADevice, 0, len(tokens))
	seen := map[string]bool{}
	for _, t := range tokens {
		if seen[t.Serial] {
			return &DuplicateSerialError{Serial: t.Serial}
		}
		seen[t.Serial] = true
		if len(t.Serial) < 9 || len(t.Serial) > 256 || !serialPattern.MatchString(t.Serial) {
			return fmt.Errorf("token %q: a serial number must be 9 to 256 characters of letters, digits and +=/:,.@_- "+
				"(AWS's serialNumberType) to be usable through the IAM API", t.Serial)
		}
		if t.OTPType != OTPTypeTOTP && t.OTPType != OTPTypeHOTP {
			return fmt.Errorf("token %s: type %q, want totp or hotp", t.Serial, t.OTPType)
		}
		if t.Period == 0 {
			t.Period = 30
		}
		if t.Hash == "" {
			t.Hash = "SHA1"
		}
		if err := (otp.Params{Algorithm: otp.Algorithm(t.Hash), Digits: t.Digits, Period: time.Duration(t.Period) * time.Second}).Validate(); err != nil {
			return fmt.Errorf("token %s: %w", t.Serial, err)
		}
		if len(t.Secret) == 0 {
			return fmt.Errorf("token %s: empty secret", t.Serial)
		}
		if t.OTPType == OTPTypeHOTP && t.Counter > math.MaxInt64-mfa.HOTPEnableLookAhead {
			return fmt.Errorf("token %s: counter %d is too large to advance", t.Serial, t.Counter)
		}
		d := MFADevice{Serial: t.Serial, AccountID: accountID, Kind: DeviceHardware, Secret: t.Secret, Digits: t.Digits,
			Period: t.Period, OTPType: t.OTPType, Hash: t.Hash, Time0: t.Time0, CreatedAt: now}
		if t.OTPType == OTPTypeHOTP {
			// LastStep is the last used counter, so the next code's counter
			// is the first one accepted.
			d.LastStep = int64(t.Counter) - 1
		}
		devices = append(devices, d)
	}
	if err := s.store.ImportHardwareTokens(ctx, accountID, devices); err != nil {
		return err
	}
	for _, d := range devices {
		s.log.Info("hardware token imported", "account", accountID, "serial", d.Serial, "type", d.OTPType, "digits", d.Digits)
		if d.Digits != 6 {
			// AWS's IAM and STS APIs carry six-digit codes only.
			s.log.Warn("hardware token has more than 6 digits: its codes cannot pass through the IAM and STS APIs",
				"account", accountID, "serial", d.Serial, "digits", d.Digits)
		}
	}
	return nil
}

// ListHardwareTokens lists an account's hardware tokens and who uses them.
func (s *Service) ListHardwareTokens(ctx context.Context, accountID string) ([]DeviceWithUser, error) {
	return s.store.ListHardwareTokens(ctx, accountID)
}

// RemoveHardwareToken removes an unassigned token from the inventory.
func (s *Service) RemoveHardwareToken(ctx context.Context, accountID, serial string) error {
	err := s.store.DeleteHardwareToken(ctx, accountID, serial)
	var conflict *ConflictError
	switch {
	case errors.As(err, &conflict):
		return fmt.Errorf("token %s is enabled for an identity: deactivate it first", serial)
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("no hardware token %s in account %s", serial, accountID)
	case err != nil:
		return err
	}
	s.log.Info("hardware token removed", "account", accountID, "serial", serial)
	return nil
}

// RootMFADevice is a virtual device created for the root user by an
// operator, with its seed shown once.
type RootMFADevice struct {
	Serial           string
	Base32StringSeed string
}

// CreateRootMFADevice creates a virtual device and enables it for the
// account's root user without a code (AWS assigns root devices only in the
// console; this is the operator's and the recovery path). No code is used
// yet and the drift is 0. It is refused at the account's device limit.
func (s *Service) CreateRootMFADevice(ctx context.Context, accountID string) (*RootMFADevice, error) {
	root, err := s.store.UserByID(ctx, accountID, accountID)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("no account %s", accountID)
	}
	if err != nil {
		return nil, err
	}
	p := &authz.Principal{AccountID: accountID, User: root.Identity()}
	max, err := s.quota(ctx, accountID, QuotaMFADevicesPerUser)
	if err != nil {
		return nil, err
	}
	max = min(max, MaxMFADevicesPerUser)
	if n, err := s.countDevices(ctx, accountID, root.ID); err != nil {
		return nil, err
	} else if n >= max {
		return nil, fmt.Errorf("the root user already has %d MFA device(s), the account's limit (MFADevicesPerUserQuota)", n)
	}
	name := "root-account-mfa-device-" + s.clock.Now().UTC().Format("20060102T150405")
	d, err := s.CreateVirtualMFADevice(ctx, p, "/", name)
	if err != nil {
		return nil, err
	}
	// No code is used: the last used step is the one before now, which no
	// one can have seen, since the seed did not exist.
	prev := otp.Step(s.clock.Now(), otp.Params{}) - 1
	if err := s.store.EnableMFADevice(ctx, accountID, d.Serial, root.ID, prev, 0, s.clock.Now(), max); err != nil {
		// Leave nothing half-made.
		if derr := s.store.DeleteMFADevice(ctx, accountID, d.Serial); derr != nil {
			s.log.Error("delete root device after a failed enable", "account", accountID, "serial", d.Serial, "err", derr)
		}
		return nil, err
	}
	s.log.Warn("root MFA device created by an operator", "account", accountID, "serial", d.Serial)
	return &RootMFADevice{Serial: d.Serial, Base32StringSeed: d.Base32StringSeed}, nil
}

// DeactivateRootMFADevice removes a device from the account's root user
// (the lost-phone path); a virtual device is deleted too.
func (s *Service) DeactivateRootMFADevice(ctx context.Context, accountID, serial string) error {
	d, err := s.store.MFADevice(ctx, accountID, serial)
	if errors.Is(err, ErrNotFound) || (err == nil && d.UserID != accountID) {
		return fmt.Errorf("%s is not an MFA device of account %s's root user", serial, accountID)
	}
	if err != nil {
		return err
	}
	if err := s.store.DeactivateMFADevice(ctx, accountID, serial, accountID); err != nil {
		return err
	}
	if d.Kind == DeviceVirtual {
		if err := s.store.DeleteMFADevice(ctx, accountID, serial); err != nil {
			return err
		}
	}
	s.log.Warn("root MFA device deactivated by an operator", "account", accountID, "serial", serial)
	return nil
}
