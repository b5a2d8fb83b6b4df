package iam

import (
	"context"
	"errors"
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
