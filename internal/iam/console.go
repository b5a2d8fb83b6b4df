package iam

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/authz"
)

// ErrSignInFailed is the one answer to a console sign-in that does not
// pass the password step: an unknown account, user or email, a user
// without a login profile, a wrong password, or a throttled user or
// client address. The console never tells them apart.
var ErrSignInFailed = errors.New("iam: sign-in failed")

// ConsoleSession is a browser session of the console, kept in the store so
// that any node can serve it. ID is the store's key: the SHA-256 of the
// cookie's token, so a read of the table gives no usable cookie.
type ConsoleSession struct {
	ID        string
	AccountID string
	UserID    string
	// MFAPending is set between the password and the MFA code: such a
	// session only lets its holder enter a code.
	MFAPending bool
	// MFAAuthenticatedAt is when the sign-in's MFA code was checked; zero
	// when the identity signed in without MFA.
	MFAAuthenticatedAt time.Time
	CreatedAt          time.Time
	LastSeen           time.Time
}

// ConsoleSessionStore keeps console sessions. ConsoleSession returns
// ErrNotFound for an unknown id.
type ConsoleSessionStore interface {
	CreateConsoleSession(ctx context.Context, s *ConsoleSession) error
	ConsoleSession(ctx context.Context, id string) (*ConsoleSession, error)
	TouchConsoleSession(ctx context.Context, id string, lastSeen time.Time) error
	DeleteConsoleSession(ctx context.Context, id string) error
	// DeleteExpiredConsoleSessions removes the sessions last seen before
	// idleBefore, created before createdBefore, or waiting for their MFA
	// code since before pendingBefore, and returns how many.
	DeleteExpiredConsoleSessions(ctx context.Context, idleBefore, createdBefore, pendingBefore time.Time) (int64, error)
}

// dummyHash is checked when there is no password to check, so that an
// unknown user costs the same time as a wrong password.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// addrThrottleAccount is the throttles' account for client addresses,
// which belong to no account.
const addrThrottleAccount = "*"

// SignInUser checks an IAM user's console password. accountIDOrAlias is
// the 12-digit account id or the account's alias; clientAddr is the
// browser's address, throttled like the user. Any failure is
// ErrSignInFailed (store errors aside).
func (s *Service) SignInUser(ctx context.Context, accountIDOrAlias, userName, password, clientAddr string) (*User, error) {
	acct, err := s.accountByIDOrAlias(ctx, strings.TrimSpace(accountIDOrAlias))
	if err != nil {
		return nil, err
	}
	var u *User
	if acct != nil && userName != "" {
		u, err = s.store.UserByName(ctx, acct.ID, userName)
		if errors.Is(err, ErrNotFound) || err == nil && u.Root {
			u, err = nil, nil
		}
		if err != nil {
			return nil, internal("find user", err)
		}
	}
	return s.checkPassword(ctx, u, password, clientAddr)
}

// SignInRoot checks a root user's console password, found by the
// account's email address (case-insensitively).
func (s *Service) SignInRoot(ctx context.Context, email, password, clientAddr string) (*User, error) {
	accts, err := s.store.Accounts(ctx)
	if err != nil {
		return nil, internal("accounts", err)
	}
	var u *User
	email = strings.TrimSpace(email)
	for _, a := range accts {
		if email != "" && strings.EqualFold(a.Email, email) {
			if u, err = s.store.UserByID(ctx, a.ID, a.ID); err != nil && !errors.Is(err, ErrNotFound) {
				return nil, internal("find root", err)
			}
			break
		}
	}
	if u != nil && !u.Root {
		u = nil
	}
	return s.checkPassword(ctx, u, password, clientAddr)
}

// accountByIDOrAlias finds an account; nil when there is none.
func (s *Service) accountByIDOrAlias(ctx context.Context, idOrAlias string) (*Account, error) {
	if idOrAlias == "" {
		return nil, nil
	}
	accts, err := s.store.Accounts(ctx)
	if err != nil {
		return nil, internal("accounts", err)
	}
	for i := range accts {
		if accts[i].ID == idOrAlias || accts[i].Alias != "" && accts[i].Alias == strings.ToLower(idOrAlias) {
			return &accts[i], nil
		}
	}
	return nil, nil
}

// checkPassword is the password step for a user found (nil when none),
// with the throttles of the user and of the client address. A throttled
// attempt counts as a failure and gets the same answer, unchecked.
func (s *Service) checkPassword(ctx context.Context, u *User, password, clientAddr string) (*User, error) {
	now := s.clock.Now()
	addrSubject := "console-password-addr:" + clientAddr
	blocked := false
	if until, err := s.store.Throttle(ctx, addrThrottleAccount, addrSubject); err != nil {
		return nil, internal("throttle", err)
	} else if now.Before(until) {
		blocked = true
	}
	var userSubject string
	if u != nil {
		userSubject = "console-password:" + u.ID
		if until, err := s.store.Throttle(ctx, u.AccountID, userSubject); err != nil {
			return nil, internal("throttle", err)
		} else if now.Before(until) {
			blocked = true
		}
	}
	hash := dummyHash
	if u != nil && !blocked {
		switch lp, err := s.store.LoginProfile(ctx, u.AccountID, u.ID); {
		case err == nil:
			hash = lp.PasswordHash
		case !errors.Is(err, ErrNotFound):
			return nil, internal("login profile", err)
		}
	}
	// One argon2id computation, in one of the process's slots, waiting
	// only as long as the request allows.
	ok, err := CheckPasswordContext(ctx, hash, password)
	if err != nil {
		return nil, internal("check password", err)
	}
	if ok && hash != dummyHash && !blocked {
		if err := s.store.ResetThrottle(ctx, u.AccountID, userSubject); err != nil {
			return nil, internal("reset throttle", err)
		}
		if err := s.store.ResetThrottle(ctx, addrThrottleAccount, addrSubject); err != nil {
			return nil, internal("reset throttle", err)
		}
		s.log.Info("console password accepted", "account", u.AccountID, "user", u.ARN(), "client", clientAddr)
		return u, nil
	}
	n, err := s.store.RecordThrottleFailure(ctx, addrThrottleAccount, addrSubject, now, s.mfa.Backoff)
	if err != nil {
		return nil, internal("record failure", err)
	}
	attrs := []any{"client", clientAddr, "client_failures", n, "throttled", blocked}
	if u != nil {
		n, err := s.store.RecordThrottleFailure(ctx, u.AccountID, userSubject, now, s.mfa.Backoff)
		if err != nil {
			return nil, internal("record failure", err)
		}
		attrs = append(attrs, "account", u.AccountID, "user", u.ARN(), "user_failures", n)
	}
	s.log.Warn("console sign-in refused", attrs...)
	return nil, ErrSignInFailed
}

// SignInDevices lists the MFA devices that serve a user signing in
// (without their seeds), whatever the user's policies: the sign-in's
// second step needs them before there is a principal to authorise.
func (s *Service) SignInDevices(ctx context.Context, u *User) ([]MFADevice, error) {
	ds, _, err := s.store.ListMFADevices(ctx, u.AccountID, u.ID, page("", MaxMFADevicesPerUser))
	if err != nil {
		return nil, internal("list devices", err)
	}
	for i := range ds {
		ds[i].Secret = nil
	}
	return ds, nil
}

// ConsoleUser reads a console session's user afresh, so a deleted user's
// session ends and changed tags apply. ErrNotFound when it is gone.
func (s *Service) ConsoleUser(ctx context.Context, accountID, userID string) (*User, error) {
	u, err := s.store.UserByID(ctx, accountID, userID)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, internal("find user", err)
	}
	return u, nil
}

// Authorize tells whether p may take action on resource, by the same
// decision every operation asks: the console uses it to show a section as
// "not authorised" before the identity tries it.
func (s *Service) Authorize(ctx context.Context, p *authz.Principal, action, resource string) error {
	return s.authz.Authorize(ctx, p, action, resource)
}
