package iam

import (
	"context"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/policy"
)

// PasswordPolicy is an account's password policy for IAM users (it never
// applies to the root user). The zero value of a field is AWS's default.
type PasswordPolicy struct {
	// MinimumPasswordLength is 6 to 128; 0 means the default, 6.
	MinimumPasswordLength      int
	RequireSymbols             bool
	RequireNumbers             bool
	RequireUppercaseCharacters bool
	RequireLowercaseCharacters bool
	// AllowUsersToChangePassword lets every IAM user call ChangePassword
	// on itself and GetAccountPasswordPolicy without a policy allowing it.
	AllowUsersToChangePassword bool
	// MaxPasswordAge is in days, 1 to 1095; 0 means passwords never expire.
	MaxPasswordAge int
	// PasswordReusePrevention is how many of a user's latest passwords
	// (the current one included) a new one may not repeat, 1 to 24; 0: no
	// rule.
	PasswordReusePrevention int
	// HardExpiry keeps users whose password expired from choosing a new
	// one at console sign-in; an administrator must reset it.
	HardExpiry bool
}

// Password policy bounds (UpdateAccountPasswordPolicy's model constraints).
const (
	DefaultMinimumPasswordLength = 6
	MaxMinimumPasswordLength     = 128
	MaxMaxPasswordAge            = 1095
	MaxPasswordReusePrevention   = 24
)

// ExpirePasswords tells whether passwords expire (MaxPasswordAge set), as
// GetAccountPasswordPolicy reports it.
func (pp *PasswordPolicy) ExpirePasswords() bool { return pp.MaxPasswordAge > 0 }

func (pp *PasswordPolicy) minLength() int {
	if pp.MinimumPasswordLength == 0 {
		return DefaultMinimumPasswordLength
	}
	return pp.MinimumPasswordLength
}

// Check applies the policy's composition rules to a password and returns
// a PasswordPolicyViolation naming the first rule it breaks. Letters and
// digits are those of ASCII, as AWS counts them; symbols are
// ! @ # $ % ^ & * ( ) _ + - = [ ] { } | '.
func (pp *PasswordPolicy) Check(password string) error {
	if n := len([]rune(password)); n < pp.minLength() {
		return awserr.New(awserr.PasswordPolicyViolation, "Password should have a minimum length of %d", pp.minLength())
	} else if n > MaxMinimumPasswordLength {
		return awserr.New(awserr.PasswordPolicyViolation, "Password should have a maximum length of %d", MaxMinimumPasswordLength)
	}
	var upper, lower, digit, symbol bool
	for _, r := range password {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune(passwordSymbols, r):
			symbol = true
		}
	}
	switch {
	case pp.RequireUppercaseCharacters && !upper:
		return awserr.New(awserr.PasswordPolicyViolation, "Password should have at least one uppercase letter")
	case pp.RequireLowercaseCharacters && !lower:
		return awserr.New(awserr.PasswordPolicyViolation, "Password should have at least one lowercase letter")
	case pp.RequireNumbers && !digit:
		return awserr.New(awserr.PasswordPolicyViolation, "Password should have at least one number")
	case pp.RequireSymbols && !symbol:
		return awserr.New(awserr.PasswordPolicyViolation, "Password should have at least one symbol")
	}
	return nil
}

// validate checks the policy's bounds (the wire decoder checks them too;
// this guards other callers, such as the console).
func (pp *PasswordPolicy) validate() error {
	bad := func(field string, v, lo, hi int) error {
		return awserr.New(awserr.ValidationError, "1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: "+
			"Member must have value between %d and %d", v, field, lo, hi)
	}
	switch n := pp.MinimumPasswordLength; {
	case n != 0 && (n < DefaultMinimumPasswordLength || n > MaxMinimumPasswordLength):
		return bad("minimumPasswordLength", n, DefaultMinimumPasswordLength, MaxMinimumPasswordLength)
	case pp.MaxPasswordAge < 0 || pp.MaxPasswordAge > MaxMaxPasswordAge:
		return bad("maxPasswordAge", pp.MaxPasswordAge, 1, MaxMaxPasswordAge)
	case pp.PasswordReusePrevention < 0 || pp.PasswordReusePrevention > MaxPasswordReusePrevention:
		return bad("passwordReusePrevention", pp.PasswordReusePrevention, 1, MaxPasswordReusePrevention)
	}
	return nil
}

func noPasswordPolicy(accountID string) error {
	return awserr.New(awserr.NoSuchEntity, "The Password Policy with domain name %s cannot be found.", accountID)
}

// passwordPolicy returns the account's policy, nil when it has none.
func (s *Service) passwordPolicy(ctx context.Context, accountID string) (*PasswordPolicy, error) {
	pp, err := s.store.PasswordPolicy(ctx, accountID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, internal("password policy", err)
	}
	return pp, nil
}

// usersMayChangePassword tells whether the account's policy lets p, an IAM
// user, manage its own password without an identity policy allowing it.
func usersMayChangePassword(p *authz.Principal, pp *PasswordPolicy) bool {
	return pp != nil && pp.AllowUsersToChangePassword && p.Role == nil && p.User != nil && !p.User.Root
}

// GetAccountPasswordPolicy returns the account's password policy, or
// NoSuchEntity when it has none. An IAM user may read it without a policy
// allowing it when the policy has AllowUsersToChangePassword.
func (s *Service) GetAccountPasswordPolicy(ctx context.Context, p *authz.Principal) (*PasswordPolicy, error) {
	pp, err := s.passwordPolicy(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeGranted(ctx, p, "iam:GetAccountPasswordPolicy", "*", usersMayChangePassword(p, pp)); err != nil {
		return nil, err
	}
	if pp == nil {
		return nil, noPasswordPolicy(p.AccountID)
	}
	return pp, nil
}

// UpdateAccountPasswordPolicy sets the account's password policy. It
// replaces the whole policy: a zero field takes its default, as omitting
// a parameter does on AWS. Composition rules apply to passwords set from
// now on; expiry applies at once.
func (s *Service) UpdateAccountPasswordPolicy(ctx context.Context, p *authz.Principal, pp PasswordPolicy) error {
	if err := s.authz.Authorize(ctx, p, "iam:UpdateAccountPasswordPolicy", "*"); err != nil {
		return err
	}
	if err := pp.validate(); err != nil {
		return err
	}
	pp.MinimumPasswordLength = pp.minLength()
	if err := s.store.PutPasswordPolicy(ctx, p.AccountID, &pp); err != nil {
		return internal("put password policy", err)
	}
	s.log.Info("password policy updated", "account", p.AccountID, "by", p.ARN())
	return nil
}

// DeleteAccountPasswordPolicy removes the account's password policy; AWS's
// default rules apply again.
func (s *Service) DeleteAccountPasswordPolicy(ctx context.Context, p *authz.Principal) error {
	if err := s.authz.Authorize(ctx, p, "iam:DeleteAccountPasswordPolicy", "*"); err != nil {
		return err
	}
	switch err := s.store.DeletePasswordPolicy(ctx, p.AccountID); {
	case errors.Is(err, ErrNotFound):
		return awserr.New(awserr.NoSuchEntity, "The account policy with name PasswordPolicy cannot be found.")
	case err != nil:
		return internal("delete password policy", err)
	}
	s.log.Info("password policy deleted", "account", p.AccountID, "by", p.ARN())
	return nil
}

// checkNewPassword applies the account's password policy to a new IAM
// user password, or AWS's default rules when the account has none, and
// returns the policy (nil when none).
func (s *Service) checkNewPassword(ctx context.Context, acct *Account, password string) (*PasswordPolicy, error) {
	pp, err := s.passwordPolicy(ctx, acct.ID)
	if err != nil {
		return nil, err
	}
	if pp == nil {
		return nil, CheckDefaultPasswordPolicy(password, acct)
	}
	return pp, pp.Check(password)
}

// replacePassword sets a new password for a user with a login profile
// (UpdateLoginProfile, ChangePassword): it applies the password rules and
// the policy's reuse prevention, then stores the hash with lp's reset flag,
// keeping as much history as the policy needs.
func (s *Service) replacePassword(ctx context.Context, u *authz.Identity, lp *LoginProfile, password string) error {
	acct, err := s.store.Account(ctx, u.AccountID)
	if err != nil {
		return internal("account", err)
	}
	pp, err := s.checkNewPassword(ctx, acct, password)
	if err != nil {
		return err
	}
	keep := 0
	if pp != nil && pp.PasswordReusePrevention > 0 {
		keep = pp.PasswordReusePrevention - 1
		previous, err := s.store.PasswordHistory(ctx, u.AccountID, u.ID, keep)
		if err != nil {
			return internal("password history", err)
		}
		for _, h := range append([]string{lp.PasswordHash}, previous...) {
			same, err := CheckPasswordContext(ctx, h, password)
			if err != nil {
				return internal("check password history", err)
			}
			if same {
				return awserr.New(awserr.PasswordPolicyViolation, "Password should not be one of your last %d passwords", pp.PasswordReusePrevention)
			}
		}
	}
	hash, err := HashPasswordContext(ctx, s.rand, password)
	if err != nil {
		return internal("hash password", err)
	}
	switch err := s.store.SetPassword(ctx, u.AccountID, u.ID, hash, lp.PasswordResetRequired, s.clock.Now().UTC().Truncate(time.Second), keep); {
	case errors.Is(err, ErrNotFound):
		return noLoginProfile(u.Name)
	case err != nil:
		return internal("set password", err)
	}
	lp.PasswordHash = hash
	return nil
}

// authorizeChangePassword lets an IAM user change its own password when
// the account's policy has AllowUsersToChangePassword, and asks the
// authoriser otherwise.
func (s *Service) authorizeChangePassword(ctx context.Context, p *authz.Principal) error {
	pp, err := s.passwordPolicy(ctx, p.AccountID)
	if err != nil {
		return err
	}
	return s.authorizeGranted(ctx, p, "iam:ChangePassword", p.ARN(), usersMayChangePassword(p, pp))
}

// authorizeGranted authorises an action that the account grants anyway
// when granted is true (AllowUsersToChangePassword): the grant turns an
// implicit deny into an allow, but an explicit Deny still wins.
func (s *Service) authorizeGranted(ctx context.Context, p *authz.Principal, action, resource string, granted bool) error {
	if !granted {
		return s.authz.Authorize(ctx, p, action, resource)
	}
	d, ok := s.authz.(interface {
		Decide(ctx context.Context, p *authz.Principal, action, resource string) (policy.Result, error)
	})
	if !ok {
		return nil
	}
	res, err := d.Decide(ctx, p, action, resource)
	if err != nil {
		return err
	}
	if res.Decision == policy.ExplicitDeny {
		return authz.AccessDenied(p, action, resource, res)
	}
	return nil
}

// PasswordExpired tells whether an IAM user's password is older than the
// account policy's MaxPasswordAge. It is false for the root user, for
// users without a password and when passwords do not expire.
func (s *Service) PasswordExpired(ctx context.Context, u *authz.Identity) (bool, error) {
	if u.Root {
		return false, nil
	}
	pp, err := s.passwordPolicy(ctx, u.AccountID)
	if err != nil || pp == nil || !pp.ExpirePasswords() {
		return false, err
	}
	changed, err := s.store.PasswordChangedAt(ctx, u.AccountID, u.ID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, internal("password changed at", err)
	}
	return !s.clock.Now().Before(passwordExpiry(changed, pp)), nil
}

// passwordExpiry is when a password set at changed expires under pp.
func passwordExpiry(changed time.Time, pp *PasswordPolicy) time.Time {
	return changed.Add(time.Duration(pp.MaxPasswordAge) * 24 * time.Hour)
}
