package iam

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/mfa"
	"io"
	"log/slog"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/clock"
)

// Config tunes the service. Every field works at its zero value.
type Config struct {
	// Issuer is the issuer in virtual devices' otpauth URIs. Default
	// "Amazon Web Services", as AWS writes it.
	Issuer string
	// MFA tunes code checks (enable window, sign-in skew, throttling);
	// see mfa.Config for its defaults.
	MFA mfa.Config
}

func (c Config) withDefaults() Config {
	if c.Issuer == "" {
		c.Issuer = "Amazon Web Services"
	}
	return c
}

// Service carries out IAM operations for authenticated principals.
type Service struct {
	store Store
	mfa   *mfa.Verifier
	clock clock.Clock
	rand  io.Reader
	authz authz.Authorizer
	log   *slog.Logger
	cfg   Config
	// consoleSessions ends console sessions after a password change; nil
	// when there is no console.
	consoleSessions ConsoleSessionEnder
}

// Options wires a Service. Zero fields get defaults: the real clock,
// crypto/rand, authz's policy Decider over the store and a discarding
// logger.
type Options struct {
	Clock      clock.Clock
	Rand       io.Reader
	Authorizer authz.Authorizer
	Logger     *slog.Logger
	Config     Config
	// ConsoleSessions, when set, ends a user's console sessions when its
	// password is changed or removed, through any door (nil: no console,
	// nothing to end).
	ConsoleSessions ConsoleSessionEnder
}

// ConsoleSessionEnder ends a user's console sessions but keepID's ("" ends
// them all); the store implements it.
type ConsoleSessionEnder interface {
	DeleteUserConsoleSessions(ctx context.Context, accountID, userID, keepID string) (int64, error)
}

// New returns a Service over store.
func New(store Store, o Options) *Service {
	s := &Service{store: store, clock: o.Clock, rand: o.Rand, authz: o.Authorizer, log: o.Logger, cfg: o.Config.withDefaults(),
		consoleSessions: o.ConsoleSessions}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.authz == nil {
		s.authz = NewDecider(store, s.clock)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.mfa = mfa.New(store, s.clock, s.log, s.cfg.MFA)
	return s
}

// Clock returns the service's clock.
func (s *Service) Clock() clock.Clock { return s.clock }

// internal wraps an unexpected store error. Its text goes to the log only;
// the wire layer turns it into ServiceFailure.
func internal(op string, err error) error {
	return fmt.Errorf("iam %s: %w", op, err)
}

// notFoundUser is AWS's message for a missing user.
func notFoundUser(name string) error {
	return awserr.New(awserr.NoSuchEntity, "The user with name %s cannot be found.", name)
}

// quota returns an account's quota value: the stored one or the default.
func (s *Service) quota(ctx context.Context, accountID, name string) (int, error) {
	q, err := s.store.Quotas(ctx, accountID)
	if err != nil {
		return 0, internal("quotas", err)
	}
	if v, ok := q[name]; ok {
		return v, nil
	}
	v, _ := DefaultQuota(name)
	return v, nil
}

func limitExceeded(quota string, n int) error {
	return awserr.New(awserr.LimitExceeded, "Cannot exceed quota for %s: %d", quota, n)
}

func markerError(err error) error {
	if errors.Is(err, ErrInvalidMarker) {
		return awserr.New(awserr.InvalidInput, "Invalid Marker.")
	}
	return err
}

// page normalises pagination input (MaxItems default 100).
func page(marker string, maxItems int) Page {
	if maxItems <= 0 {
		maxItems = 100
	}
	return Page{Marker: marker, MaxItems: maxItems}
}
