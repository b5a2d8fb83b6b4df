// Package auth turns a SigV4-signed request into a principal: it finds the
// signing key (a long-term key in the store, or temporary credentials in a
// sealed session token), verifies the signature, and returns who signed and
// with which MFA context.
package auth

import (
	"context"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/sigv4"
	"github.com/iamd/iamd/internal/sts"
)

// Store is what authentication reads: long-term keys with their owners,
// and the users and roles behind session tokens.
type Store interface {
	// AccessKey finds a key in any account, with its owner; iam.ErrNotFound
	// when there is none.
	AccessKey(ctx context.Context, id string) (*iam.AccessKey, *iam.User, error)
	UserByID(ctx context.Context, accountID, id string) (*iam.User, error)
	RoleByID(ctx context.Context, accountID, id string) (*iam.Role, error)
}

// Authenticator verifies signed requests.
type Authenticator struct {
	Store Store
	STS   *sts.Service
	Clock clock.Clock
	// LastUsed, when set, is told of every request a long-term access key
	// authenticates (GetAccessKeyLastUsed, credential reports). It must not
	// write to the store per call; iam.UsageRecorder batches.
	LastUsed interface {
		Record(keyID, service, region string, at time.Time)
	}
}

// ErrInvalidToken is AWS's answer to an unknown, inactive or malformed
// credential, and to temporary credentials used where they may not be.
var ErrInvalidToken = authz.ErrInvalidToken

// Authenticate verifies a parsed signed request and returns its principal.
// Errors are awserr errors with AWS's codes and messages.
func (a *Authenticator) Authenticate(ctx context.Context, s *sigv4.Signed) (*authz.Principal, error) {
	now := a.Clock.Now()
	akid := s.Credential.AccessKeyID
	var (
		secret  string
		p       *authz.Principal
		expired bool
	)
	if strings.HasPrefix(akid, "ASIA") {
		if s.SessionToken == "" {
			return nil, ErrInvalidToken
		}
		c, err := a.STS.OpenToken(s.SessionToken, akid)
		switch {
		case errors.Is(err, sts.ErrExpiredToken):
			expired = true
		case err != nil:
			return nil, ErrInvalidToken
		}
		secret = a.STS.SecretFor(akid)
		if p, err = a.sessionPrincipal(ctx, c); err != nil {
			return nil, err
		}
	} else {
		k, u, err := a.Store.AccessKey(ctx, akid)
		if errors.Is(err, iam.ErrNotFound) {
			return nil, ErrInvalidToken
		}
		if err != nil {
			return nil, err
		}
		if k.Status != iam.KeyActive {
			return nil, ErrInvalidToken
		}
		if s.SessionToken != "" {
			// A long-term key never comes with a token.
			return nil, ErrInvalidToken
		}
		secret = k.Secret
		p = &authz.Principal{AccountID: u.AccountID, User: u.Identity()}
	}
	if err := s.Verify(secret, now); err != nil {
		return nil, signatureError(err)
	}
	if expired {
		return nil, awserr.New(awserr.ExpiredToken, "The security token included in the request is expired")
	}
	p.AccessKeyID = akid
	if a.LastUsed != nil && p.Session == nil {
		a.LastUsed.Record(akid, s.Credential.Service, s.Credential.Region, now)
	}
	return p, nil
}

// sessionPrincipal loads the identity behind a session token: the user of a
// GetSessionToken session, or the role of a role session. A token whose user
// or role is gone no longer authenticates; a role deleted and created again
// under the same name has a new id, so its old sessions stay dead.
func (a *Authenticator) sessionPrincipal(ctx context.Context, c *sts.Claims) (*authz.Principal, error) {
	session := &authz.Session{IssuedAt: c.IssuedAt, Expiration: c.Expiration, MFAAuthenticatedAt: c.MFAAt,
		SessionPolicyARNs: c.PolicyARNs, SourceIdentity: c.SourceIdentity, TransitiveTagKeys: c.TransitiveTagKeys}
	for _, t := range c.Tags {
		session.Tags = append(session.Tags, iam.Tag{Key: t[0], Value: t[1]})
	}
	if len(c.Policy) > 0 {
		session.SessionPolicies = []string{string(c.Policy)}
	}
	if c.RoleID != "" {
		r, err := a.Store.RoleByID(ctx, c.AccountID, c.RoleID)
		if errors.Is(err, iam.ErrNotFound) {
			return nil, ErrInvalidToken
		}
		if err != nil {
			return nil, err
		}
		return &authz.Principal{AccountID: c.AccountID, Role: r.Identity(), RoleSessionName: c.RoleSessionName, Session: session}, nil
	}
	u, err := a.Store.UserByID(ctx, c.AccountID, c.UserID)
	if errors.Is(err, iam.ErrNotFound) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, err
	}
	return &authz.Principal{AccountID: u.AccountID, User: u.Identity(), Session: session}, nil
}

// signatureError maps a sigv4 error to AWS's code with its message.
func signatureError(err error) error {
	var se *sigv4.Error
	msg := err.Error()
	if errors.As(err, &se) {
		msg = se.Msg
	}
	code := sigv4.Code(err)
	if code == "" {
		code = awserr.IncompleteSignature
	}
	return awserr.New(code, "%s", msg)
}

// SignatureError maps an error from sigv4.Parse to an awserr error.
func SignatureError(err error) error { return signatureError(err) }
