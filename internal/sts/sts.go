// Package sts issues and opens temporary credentials. A session token is a
// sealed blob holding everything needed to authenticate it (account, user or
// role session, MFA time, expiry, session policies), and the temporary
// secret key is derived from the master key and the access key id, so
// issuing credentials writes nothing and any node sharing the master key can
// verify any token.
package sts

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"io"
	"log/slog"
	"time"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/seal"
)

// Session durations for GetSessionToken (reference §7.1).
const (
	MinDuration     = 900 * time.Second
	MaxDuration     = 129600 * time.Second
	DefaultDuration = 43200 * time.Second
	RootMaxDuration = 3600 * time.Second
)

// tokenVersion prefixes every token so the format can change later.
const tokenVersion = 1

// Credentials are temporary credentials.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// Claims are what a session token holds. Keys are short because the
// token travels with every request.
type Claims struct {
	AccessKeyID string `json:"k"`
	AccountID   string `json:"a"`
	// UserID is the user of a GetSessionToken session; empty for a role
	// session.
	UserID     string    `json:"u,omitempty"`
	IssuedAt   time.Time `json:"i"`
	Expiration time.Time `json:"e"`
	// MFAAt is when the MFA code was checked; zero without MFA.
	MFAAt time.Time `json:"m,omitzero"`

	// RoleID and RoleSessionName are set for a role session (AssumeRole);
	// AccountID is then the role's account.
	RoleID          string `json:"r,omitempty"`
	RoleSessionName string `json:"n,omitempty"`
	// SourceARN is the identity that assumed the role, for audit.
	SourceARN string `json:"s,omitempty"`
	// SourceIdentity is AssumeRole's SourceIdentity.
	SourceIdentity string `json:"si,omitempty"`
	// Policy is the session policy, compacted JSON; PolicyARNs are the
	// managed session policies.
	Policy     json.RawMessage `json:"p,omitempty"`
	PolicyARNs []string        `json:"pa,omitempty"`
	// Tags are the session tags as key, value pairs: those the session was
	// assumed with and those it inherited from the calling session.
	Tags [][2]string `json:"t,omitempty"`
	// TransitiveTagKeys are the keys of Tags that pass on to every session
	// assumed with this one's credentials (role chaining), compared
	// ignoring case.
	TransitiveTagKeys []string `json:"tt,omitempty"`
}

// Errors from OpenToken.
var (
	ErrInvalidToken = errors.New("sts: invalid session token")
	ErrExpiredToken = errors.New("sts: session token expired")
)

// Service carries out STS operations.
type Service struct {
	iam    *iam.Service
	sealer *seal.Sealer
	clock  clock.Clock
	rand   io.Reader
	log    *slog.Logger
}

// New returns an STS service. It uses the IAM service's clock.
func New(iamSvc *iam.Service, sealer *seal.Sealer, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{iam: iamSvc, sealer: sealer, clock: iamSvc.Clock(), rand: rand.Reader, log: log}
}

// SecretFor derives the secret key of a temporary access key id.
func (s *Service) SecretFor(accessKeyID string) string {
	return base64.StdEncoding.EncodeToString(s.sealer.Derive("sts secret", []byte(accessKeyID)))[:40]
}

// issue mints credentials for claims.
func (s *Service) issue(c Claims) (*Credentials, error) {
	id, err := iam.NewID(s.rand, "ASIA", 16)
	if err != nil {
		return nil, err
	}
	c.AccessKeyID = id
	body, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	sealed := s.sealer.Seal(body, "sts-session-token")
	token := base64.StdEncoding.EncodeToString(append([]byte{tokenVersion}, sealed...))
	return &Credentials{AccessKeyID: id, SecretAccessKey: s.SecretFor(id), SessionToken: token, Expiration: c.Expiration}, nil
}

// OpenToken opens a session token presented with accessKeyID.
func (s *Service) OpenToken(token, accessKeyID string) (*Claims, error) {
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil || len(raw) < 2 || raw[0] != tokenVersion {
		return nil, ErrInvalidToken
	}
	body, err := s.sealer.Open(raw[1:], "sts-session-token")
	if err != nil {
		return nil, ErrInvalidToken
	}
	var c Claims
	if err := json.Unmarshal(body, &c); err != nil || c.AccessKeyID != accessKeyID {
		return nil, ErrInvalidToken
	}
	if !s.clock.Now().Before(c.Expiration) {
		return &c, ErrExpiredToken
	}
	return &c, nil
}

// GetSessionToken issues temporary credentials for a long-term key's
// owner, with MFA context when serial and code are given and valid.
func (s *Service) GetSessionToken(ctx context.Context, p *authz.Principal, duration time.Duration, serial, code string) (*Credentials, error) {
	if p.Session != nil {
		return nil, awserr.New(awserr.AccessDenied, "Cannot call GetSessionToken with session credentials")
	}
	if duration == 0 {
		duration = DefaultDuration
	}
	if duration < MinDuration || duration > MaxDuration {
		return nil, awserr.New(awserr.ValidationError,
			"1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: "+
				"Member must have value between %d and %d", int(duration.Seconds()), int(MinDuration.Seconds()), int(MaxDuration.Seconds()))
	}
	if p.IsRoot() {
		duration = min(duration, RootMaxDuration)
	}
	if (serial == "") != (code == "") {
		return nil, awserr.New(awserr.AccessDenied, "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.")
	}
	now := s.clock.Now().UTC()
	c := Claims{AccountID: p.AccountID, UserID: p.User.ID, IssuedAt: now, Expiration: now.Add(duration).Truncate(time.Second)}
	if serial != "" {
		at, err := s.iam.VerifySignInCode(ctx, p.User, serial, code)
		if err != nil {
			return nil, mfaError(err)
		}
		c.MFAAt = at.UTC()
	}
	creds, err := s.issue(c)
	if err != nil {
		return nil, err
	}
	s.log.Info("session token issued", "account", p.AccountID, "principal", p.ARN(), "key", creds.AccessKeyID,
		"mfa", !c.MFAAt.IsZero(), "expires", c.Expiration)
	return creds, nil
}

// Identity is GetCallerIdentity's answer.
type Identity struct {
	UserID, Account, ARN string
}

// GetCallerIdentity tells the caller who it is. It needs no permission.
func (s *Service) GetCallerIdentity(_ context.Context, p *authz.Principal) *Identity {
	return &Identity{UserID: p.UserID(), Account: p.AccountID, ARN: p.ARN()}
}
