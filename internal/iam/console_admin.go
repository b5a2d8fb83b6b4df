package iam

import (
	"context"
	"errors"

	"github.com/iamd/iamd/internal/authz"
)

// SignInPasswordResetRequired tells whether u's login profile asks for a
// new password before the console session is a full one. The console
// needs it before the user has a principal allowed to read its own login
// profile; false for root and for a user without a login profile.
func (s *Service) SignInPasswordResetRequired(ctx context.Context, u *User) (bool, error) {
	if u.Root {
		return false, nil
	}
	lp, err := s.store.LoginProfile(ctx, u.AccountID, u.ID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, internal("login profile", err)
	}
	return lp.PasswordResetRequired, nil
}

// SignInPasswordPolicy returns the account's password policy, nil when it
// has none (AWS's default rules apply), whatever the caller's policies:
// the forced password change shows the rules a new password must meet,
// as AWS's console does, before the user may call
// GetAccountPasswordPolicy.
func (s *Service) SignInPasswordPolicy(ctx context.Context, accountID string) (*PasswordPolicy, error) {
	return s.passwordPolicy(ctx, accountID)
}

// UnassignedHardwareTokens lists the serial numbers of the account's
// hardware tokens that no identity uses, for the console's assign form to
// offer. AWS has no API that lists hardware tokens; the listing of the
// account's MFA devices, iam:ListVirtualMFADevices, is what authorises it.
// Only serials are returned, never a token's seed.
func (s *Service) UnassignedHardwareTokens(ctx context.Context, p *authz.Principal) ([]string, error) {
	if err := s.authz.Authorize(ctx, p, "iam:ListVirtualMFADevices", "*"); err != nil {
		return nil, err
	}
	ds, err := s.store.ListHardwareTokens(ctx, p.AccountID)
	if err != nil {
		return nil, internal("list hardware tokens", err)
	}
	out := []string{}
	for _, d := range ds {
		if d.User == nil && d.Device.UserID == "" {
			out = append(out, d.Device.Serial)
		}
	}
	return out, nil
}

// ConsoleUserNamed finds an IAM user of the account by name, whatever the
// caller's policies: the console ends a user's sessions after an
// authorised change or removal of its password, and needs its id.
// ErrNotFound when there is none.
func (s *Service) ConsoleUserNamed(ctx context.Context, accountID, name string) (*User, error) {
	u, err := s.store.UserByName(ctx, accountID, name)
	if errors.Is(err, ErrNotFound) || err == nil && u.Root {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, internal("find user", err)
	}
	return u, nil
}
