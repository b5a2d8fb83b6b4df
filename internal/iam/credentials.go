package iam

import (
	"context"
	"errors"
	"time"

	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/awserr"
)

// CreateAccessKey creates a long-term key for the named user, or the caller.
// The secret is in the result and never returned again.
func (s *Service) CreateAccessKey(ctx context.Context, p *authz.Principal, userName string) (*AccessKey, *User, error) {
	u, err := s.authorizedUser(ctx, p, userName, "iam:CreateAccessKey")
	if err != nil {
		return nil, nil, err
	}
	max, err := s.quota(ctx, p.AccountID, QuotaAccessKeysPerUser)
	if err != nil {
		return nil, nil, err
	}
	k, err := s.NewAccessKey(p.AccountID, u.ID)
	if err != nil {
		return nil, nil, err
	}
	switch err := s.store.CreateAccessKey(ctx, k, max); {
	case errors.Is(err, ErrLimit):
		return nil, nil, limitExceeded("AccessKeysPerUser", max)
	case err != nil:
		return nil, nil, internal("create access key", err)
	}
	s.log.Info("access key created", "account", p.AccountID, "user", u.Name, "key", k.ID, "by", p.ARN())
	return k, u, nil
}

// NewAccessKey makes (but does not store) an active key for a user.
func (s *Service) NewAccessKey(accountID, userID string) (*AccessKey, error) {
	id, err := NewID(s.rand, "AKIA", 16)
	if err != nil {
		return nil, internal("new key id", err)
	}
	secret, err := NewSecretAccessKey(s.rand)
	if err != nil {
		return nil, internal("new secret", err)
	}
	return &AccessKey{ID: id, AccountID: accountID, UserID: userID, Secret: secret, Status: KeyActive,
		CreatedAt: s.clock.Now().UTC().Truncate(1e9)}, nil
}

// ListAccessKeys lists a user's keys (without secrets).
func (s *Service) ListAccessKeys(ctx context.Context, p *authz.Principal, userName string) ([]AccessKey, *User, error) {
	u, err := s.authorizedUser(ctx, p, userName, "iam:ListAccessKeys")
	if err != nil {
		return nil, nil, err
	}
	keys, err := s.store.ListAccessKeys(ctx, p.AccountID, u.ID)
	if err != nil {
		return nil, nil, internal("list access keys", err)
	}
	for i := range keys {
		keys[i].Secret = ""
	}
	return keys, u, nil
}

func noSuchKey(id string) error {
	return awserr.New(awserr.NoSuchEntity, "The Access Key with id %s cannot be found.", id)
}

// UpdateAccessKey makes a key Active or Inactive.
func (s *Service) UpdateAccessKey(ctx context.Context, p *authz.Principal, userName, keyID, status string) error {
	u, err := s.authorizedUser(ctx, p, userName, "iam:UpdateAccessKey")
	if err != nil {
		return err
	}
	switch err := s.store.UpdateAccessKey(ctx, p.AccountID, u.ID, keyID, status); {
	case errors.Is(err, ErrNotFound):
		return noSuchKey(keyID)
	case err != nil:
		return internal("update access key", err)
	}
	s.log.Info("access key updated", "account", p.AccountID, "user", u.Name, "key", keyID, "status", status, "by", p.ARN())
	return nil
}

// DeleteAccessKey deletes a key.
func (s *Service) DeleteAccessKey(ctx context.Context, p *authz.Principal, userName, keyID string) error {
	u, err := s.authorizedUser(ctx, p, userName, "iam:DeleteAccessKey")
	if err != nil {
		return err
	}
	switch err := s.store.DeleteAccessKey(ctx, p.AccountID, u.ID, keyID); {
	case errors.Is(err, ErrNotFound):
		return noSuchKey(keyID)
	case err != nil:
		return internal("delete access key", err)
	}
	s.log.Info("access key deleted", "account", p.AccountID, "user", u.Name, "key", keyID, "by", p.ARN())
	return nil
}

func noLoginProfile(name string) error {
	return awserr.New(awserr.NoSuchEntity, "Login Profile for User %s cannot be found.", name)
}

// CreateLoginProfile gives a user a console password.
func (s *Service) CreateLoginProfile(ctx context.Context, p *authz.Principal, userName, password string, resetRequired bool) (*LoginProfile, *User, error) {
	u, err := s.authorizedUser(ctx, p, userName, "iam:CreateLoginProfile")
	if err != nil {
		return nil, nil, err
	}
	hash, err := s.checkAndHash(ctx, p.AccountID, password)
	if err != nil {
		return nil, nil, err
	}
	lp := &LoginProfile{UserID: u.ID, PasswordHash: hash, PasswordResetRequired: resetRequired, CreatedAt: s.clock.Now().UTC().Truncate(1e9)}
	switch err := s.store.CreateLoginProfile(ctx, p.AccountID, lp); {
	case errors.Is(err, ErrExists):
		return nil, nil, awserr.New(awserr.EntityAlreadyExists, "Login Profile for user %s already exists.", u.Name)
	case err != nil:
		return nil, nil, internal("create login profile", err)
	}
	s.log.Info("login profile created", "account", p.AccountID, "user", u.Name, "by", p.ARN())
	return lp, u, nil
}

func (s *Service) checkAndHash(ctx context.Context, accountID, password string) (string, error) {
	acct, err := s.store.Account(ctx, accountID)
	if err != nil {
		return "", internal("account", err)
	}
	if _, err := s.checkNewPassword(ctx, acct, password); err != nil {
		return "", err
	}
	hash, err := HashPasswordContext(ctx, s.rand, password)
	if err != nil {
		return "", internal("hash password", err)
	}
	return hash, nil
}

// GetLoginProfile returns a user's login profile (never the password).
func (s *Service) GetLoginProfile(ctx context.Context, p *authz.Principal, userName string) (*LoginProfile, *User, error) {
	u, err := s.authorizedUser(ctx, p, userName, "iam:GetLoginProfile")
	if err != nil {
		return nil, nil, err
	}
	lp, err := s.store.LoginProfile(ctx, p.AccountID, u.ID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, noLoginProfile(u.Name)
	}
	if err != nil {
		return nil, nil, internal("login profile", err)
	}
	return lp, u, nil
}

// UpdateLoginProfile changes a user's password and/or reset flag; nil
// leaves a field as it is.
func (s *Service) UpdateLoginProfile(ctx context.Context, p *authz.Principal, userName string, password *string, resetRequired *bool) error {
	u, err := s.authorizedUser(ctx, p, userName, "iam:UpdateLoginProfile")
	if err != nil {
		return err
	}
	lp, err := s.store.LoginProfile(ctx, p.AccountID, u.ID)
	if errors.Is(err, ErrNotFound) {
		return noLoginProfile(u.Name)
	}
	if err != nil {
		return internal("login profile", err)
	}
	if resetRequired != nil {
		lp.PasswordResetRequired = *resetRequired
	}
	if password != nil {
		// The account's password policy, reuse prevention included: up
		// to 1 + PasswordReusePrevention argon2id computations, admitted
		// as one request.
		if err := withArgon2Admission(ctx, func() error { return s.replacePassword(ctx, u.Identity(), lp, *password) }); err != nil {
			return err
		}
	} else if err := s.store.UpdateLoginProfile(ctx, p.AccountID, lp); err != nil {
		if errors.Is(err, ErrNotFound) {
			return noLoginProfile(u.Name)
		}
		return internal("update login profile", err)
	}
	if password != nil {
		s.endConsoleSessions(ctx, p, u.AccountID, u.ID, u.Name)
	}
	s.log.Info("login profile updated", "account", p.AccountID, "user", u.Name, "by", p.ARN())
	return nil
}

// DeleteLoginProfile removes a user's password.
func (s *Service) DeleteLoginProfile(ctx context.Context, p *authz.Principal, userName string) error {
	u, err := s.authorizedUser(ctx, p, userName, "iam:DeleteLoginProfile")
	if err != nil {
		return err
	}
	switch err := s.store.DeleteLoginProfile(ctx, p.AccountID, u.ID); {
	case errors.Is(err, ErrNotFound):
		return noLoginProfile(u.Name)
	case err != nil:
		return internal("delete login profile", err)
	}
	s.endConsoleSessions(ctx, p, u.AccountID, u.ID, u.Name)
	s.log.Info("login profile deleted", "account", p.AccountID, "user", u.Name, "by", p.ARN())
	return nil
}

type keptSessionKey struct{}

// WithConsoleSession returns ctx saying that the request comes from this
// console session: when the caller changes its own password, that session
// stays signed in and the user's others end.
func WithConsoleSession(ctx context.Context, sessionID string) context.Context {
	return context.WithValue(ctx, keptSessionKey{}, sessionID)
}

// endConsoleSessions ends the console sessions of u, whose password was
// just changed or removed by p, through whatever door: whoever signed in
// with the old password is signed out, except the console session of a
// caller changing its own. A failure is logged; the change stands.
func (s *Service) endConsoleSessions(ctx context.Context, p *authz.Principal, accountID, userID, name string) {
	if s.consoleSessions == nil {
		return
	}
	keep := ""
	if p.User != nil && p.User.ID == userID {
		keep, _ = ctx.Value(keptSessionKey{}).(string)
	}
	n, err := s.consoleSessions.DeleteUserConsoleSessions(context.WithoutCancel(ctx), accountID, userID, keep)
	if err != nil {
		s.log.Error("end the console sessions of a user whose password changed", "account", accountID, "user", name, "err", err)
		return
	}
	if n > 0 {
		s.log.Info("console sessions ended after a password change", "account", accountID, "user", name, "count", n)
	}
}

// errPasswordAttempts answers a ChangePassword made while the user's wrong
// old passwords have it throttled. LimitExceeded is one of the errors the
// IAM API reference lists for ChangePassword (a 409, which SDKs do not
// retry on their own, unlike Throttling), and "attempt limit exceeded" is
// how AWS words a throttled password change (Cognito's ChangePassword). The
// old password is not checked while throttled, so the answer says nothing
// about it.
func errPasswordAttempts() error {
	return awserr.New(awserr.LimitExceeded, "Password change attempt limit exceeded, please try again later.")
}

// changePasswordSubject names the per-user throttle of wrong old passwords.
func changePasswordSubject(userID string) string { return "change-password:" + userID }

// passwordThrottled reports whether the user's wrong old passwords block
// ChangePassword at now.
func (s *Service) passwordThrottled(ctx context.Context, accountID, subject string, now time.Time) (bool, error) {
	until, err := s.store.Throttle(ctx, accountID, subject)
	if err != nil {
		return false, internal("read throttle", err)
	}
	return now.Before(until), nil
}

// passwordFailure counts a wrong (or throttled) old password with the MFA
// verifier's back-off: after 5 failures, 1 s doubling up to 15 minutes
// (mfa.Config). The password is never logged.
func (s *Service) passwordFailure(ctx context.Context, p *authz.Principal, subject, reason string, now time.Time) {
	n, err := s.store.RecordThrottleFailure(ctx, p.AccountID, subject, now, s.mfa.Backoff)
	if err != nil {
		s.log.Error("record password failure", "account", p.AccountID, "user", p.User.Name, "err", err)
		return
	}
	s.log.Warn("password change refused", "account", p.AccountID, "user", p.User.Name, "reason", reason,
		"failures", n, "blocked_for", s.mfa.Backoff(n))
}

// ChangePassword changes the calling IAM user's own password.
//
// Wrong old passwords are throttled per user like MFA codes; while
// throttled the old password is not checked at all (no argon2id either)
// and the answer is errPasswordAttempts. The argon2id work (the old
// password, the history, the new hash) is admitted as one request and
// each computation takes a process-wide slot (password.go).
func (s *Service) ChangePassword(ctx context.Context, p *authz.Principal, oldPassword, newPassword string) error {
	if p.User == nil || p.User.Root {
		return awserr.New(awserr.InvalidUserType, "Only IAM users can change their own password with this action.")
	}
	if err := s.authorizeChangePassword(ctx, p); err != nil {
		return err
	}
	lp, err := s.store.LoginProfile(ctx, p.AccountID, p.User.ID)
	if errors.Is(err, ErrNotFound) {
		return noLoginProfile(p.User.Name)
	}
	if err != nil {
		return internal("login profile", err)
	}
	subject := changePasswordSubject(p.User.ID)
	refuseIfThrottled := func() error {
		now := s.clock.Now()
		blocked, err := s.passwordThrottled(ctx, p.AccountID, subject, now)
		if err != nil {
			return err
		}
		if blocked {
			s.passwordFailure(ctx, p, subject, "throttled", now)
			return errPasswordAttempts()
		}
		return nil
	}
	// Refused before waiting to be admitted, and again once admitted: a
	// burst of attempts queued behind the others is stopped as soon as the
	// first failures are counted.
	if err := refuseIfThrottled(); err != nil {
		return err
	}
	return withArgon2Admission(ctx, func() error {
		if err := refuseIfThrottled(); err != nil {
			return err
		}
		ok, err := CheckPasswordContext(ctx, lp.PasswordHash, oldPassword)
		if err != nil {
			return internal("check password", err)
		}
		if !ok {
			s.passwordFailure(ctx, p, subject, "wrong old password", s.clock.Now())
			return awserr.New(awserr.InvalidInput, "The old password was incorrect.")
		}
		if err := s.store.ResetThrottle(ctx, p.AccountID, subject); err != nil {
			return internal("reset throttle", err)
		}
		lp.PasswordResetRequired = false
		if err := s.replacePassword(ctx, p.User, lp, newPassword); err != nil {
			return err
		}
		s.endConsoleSessions(ctx, p, p.AccountID, p.User.ID, p.User.Name)
		s.log.Info("password changed", "account", p.AccountID, "user", p.User.Name)
		return nil
	})
}
