// Package mfa checks one-time codes from MFA devices: TOTP (RFC 6238) and
// HOTP (RFC 4226) codes, the device clock's drift, throttling of failures,
// and single-use consumption. Every door that takes a code — IAM's
// EnableMFADevice and ResyncMFADevice, STS's GetSessionToken and
// AssumeRole, the console's sign-in, S3's x-amz-mfa header — goes through
// one Verifier, so a code used at one door is refused at every other.
//
// A device's state lives in the store (last used step, drift, failures,
// blocked-until), and every change to it is one conditional write, so any
// number of nodes agree and a restart changes nothing. The domain that owns
// the device decides whom it serves; this package only checks codes.
package mfa

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/otp"
)

// OTP types of a device.
const (
	TOTP = "totp"
	HOTP = "hotp"
)

// HOTP look-ahead windows: how many counter values past the last used one
// a code may be.
const (
	hotpSignInLookAhead = 10
	hotpEnableLookAhead = 100
)

// HOTPEnableLookAhead is how far past the last used counter enabling and
// resynchronising search; a token whose counter cannot advance that far
// cannot be used.
const HOTPEnableLookAhead = hotpEnableLookAhead

// Errors of the Verifier and the Store.
var (
	// ErrInvalidCode means the code was wrong, already used, malformed, or
	// the device is throttled: one answer for all, as AWS gives.
	ErrInvalidCode = errors.New("mfa: invalid MFA code")
	// ErrStale is a Store's answer when a step is at or before the
	// device's last used one (a replay, or a concurrent request that won),
	// the device is blocked, or it no longer serves the identity.
	ErrStale = errors.New("mfa: code step already used")
)

// Device is what checking a code needs to know about a device. Secret is
// the plaintext seed.
type Device struct {
	AccountID string
	Serial    string
	// UserID is the identity the device serves; "" when unassigned.
	UserID string
	// OTPType is TOTP or HOTP; Hash the HMAC hash ("SHA1", "SHA256",
	// "SHA512", "" for SHA1); Digits the code length; Period the TOTP step
	// in seconds; Time0 the TOTP epoch T0 in Unix seconds.
	OTPType string
	Hash    string
	Digits  int
	Period  int
	Time0   int64
	Secret  []byte
	// LastStep is the highest time step (TOTP) or counter value (HOTP)
	// accepted so far; DriftSteps the device clock's learned offset.
	LastStep   int64
	DriftSteps int64
	// BlockedUntil is when a throttled device accepts attempts again.
	BlockedUntil time.Time
}

// Store is the device state the Verifier reads and writes. Each method is
// one atomic statement.
type Store interface {
	// AcceptMFACode records step as used and drift as learned, and clears
	// the failures, only if the device serves userID, step is after its
	// last used step and it is not blocked at now: of concurrent calls with
	// one step exactly one succeeds. Else ErrStale.
	AcceptMFACode(ctx context.Context, accountID, serial, userID string, step, drift int64, now time.Time) error
	// RecordMFAFailure adds one failure to the device and, from the
	// threshold on, blocks it until now + backoff(failures). It returns
	// the new count.
	RecordMFAFailure(ctx context.Context, accountID, serial string, now time.Time, backoff func(failures int) time.Duration) (int, error)
	// Throttle, RecordThrottleFailure and ResetThrottle keep failure
	// counters of a caller rather than a device (subject names the caller
	// and what it tried).
	Throttle(ctx context.Context, accountID, subject string) (time.Time, error)
	RecordThrottleFailure(ctx context.Context, accountID, subject string, now time.Time, backoff func(failures int) time.Duration) (int, error)
	ResetThrottle(ctx context.Context, accountID, subject string) error
}

// Config tunes a Verifier. Every field works at its zero value.
type Config struct {
	// EnableWindow is how far from the server's clock a pair of codes
	// (enable, resync) is searched for. Default 10 minutes.
	EnableWindow time.Duration
	// SignInSkewSteps is how many time steps either side of the server's
	// time, and of the device's drift-corrected time, a sign-in code may
	// be. Default 1.
	SignInSkewSteps int
	// ThrottleAfter is the number of consecutive failures after which a
	// device (or caller) refuses attempts for a while. Default 5.
	ThrottleAfter int
	// ThrottleMax caps the doubling delay. Default 15 minutes.
	ThrottleMax time.Duration
}

func (c Config) withDefaults() Config {
	if c.EnableWindow <= 0 {
		c.EnableWindow = 10 * time.Minute
	}
	if c.SignInSkewSteps <= 0 {
		c.SignInSkewSteps = 1
	}
	if c.ThrottleAfter <= 0 {
		c.ThrottleAfter = 5
	}
	if c.ThrottleMax <= 0 {
		c.ThrottleMax = 15 * time.Minute
	}
	return c
}

// Verifier checks and consumes codes.
type Verifier struct {
	store Store
	clock clock.Clock
	log   *slog.Logger
	cfg   Config
}

// New returns a Verifier over store. A nil clock is the real one; a nil
// logger discards.
func New(store Store, clk clock.Clock, log *slog.Logger, cfg Config) *Verifier {
	if clk == nil {
		clk = clock.Real{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Verifier{store: store, clock: clk, log: log, cfg: cfg.withDefaults()}
}

func params(d *Device) otp.Params {
	return otp.Params{Algorithm: otp.Algorithm(d.Hash), Digits: d.Digits, Period: time.Duration(d.Period) * time.Second}
}

// step is the device's TOTP time step at t, counted from its T0.
func step(d *Device, t time.Time) int64 {
	return otp.Step(t.Add(-time.Duration(d.Time0)*time.Second), params(d))
}

// Backoff is the throttling delay after a given number of consecutive
// failures: none below the threshold, then 1 s doubling up to the cap.
func (v *Verifier) Backoff(failures int) time.Duration {
	n := failures - v.cfg.ThrottleAfter
	if n < 0 {
		return 0
	}
	if n > 30 {
		return v.cfg.ThrottleMax
	}
	return min(time.Second<<n, v.cfg.ThrottleMax)
}

// fail records a failed check on a device and logs the refusal. The code
// is never logged.
func (v *Verifier) fail(ctx context.Context, d *Device, reason string, now time.Time) {
	n, err := v.store.RecordMFAFailure(ctx, d.AccountID, d.Serial, now, v.Backoff)
	if err != nil {
		v.log.Error("record MFA failure", "account", d.AccountID, "serial", d.Serial, "err", err)
		return
	}
	v.log.Warn("MFA code refused", "account", d.AccountID, "serial", d.Serial, "reason", reason, "failures", n,
		"blocked_for", v.Backoff(n))
}

// CheckPair verifies two codes for consecutive steps near the server's
// clock (TOTP) or ahead of the last used counter (HOTP), as enabling and
// resynchronising a device need. It returns the second code's step and the
// device's drift; it writes nothing but failures, and the caller records
// the step in the same write that enables or resyncs the device.
//
// Failures are counted on the device, except when caller is set (enabling
// an unassigned device): such a device serves nobody yet, so its failures
// are charged to the caller, and nobody can keep another identity's new
// device blocked by sending wrong codes for it.
func (v *Verifier) CheckPair(ctx context.Context, d *Device, caller, code1, code2 string) (step2, drift int64, ok bool) {
	now := v.clock.Now()
	fail := func(reason string) { v.fail(ctx, d, reason, now) }
	if caller != "" {
		subject := "enable-mfa:" + caller
		fail = func(reason string) {
			n, err := v.store.RecordThrottleFailure(ctx, d.AccountID, subject, now, v.Backoff)
			if err != nil {
				v.log.Error("record MFA failure", "account", d.AccountID, "caller", caller, "err", err)
				return
			}
			v.log.Warn("MFA code refused", "account", d.AccountID, "serial", d.Serial, "caller", caller, "reason", reason,
				"failures", n, "blocked_for", v.Backoff(n))
		}
		until, err := v.store.Throttle(ctx, d.AccountID, subject)
		if err != nil {
			v.log.Error("read throttle", "account", d.AccountID, "caller", caller, "err", err)
			return 0, 0, false
		}
		if now.Before(until) {
			fail("throttled")
			return 0, 0, false
		}
		defer func() {
			if ok {
				v.store.ResetThrottle(ctx, d.AccountID, subject)
			}
		}()
	} else if now.Before(d.BlockedUntil) {
		fail("throttled")
		return 0, 0, false
	}
	pp := params(d)
	var cur int64
	var found bool
	if d.OTPType == HOTP {
		// Counters have no clock: search ahead of the last used one.
		cur = d.LastStep
		step2, found = otp.FindConsecutive(d.Secret, code1, code2, d.LastStep+1, d.LastStep+hotpEnableLookAhead, pp)
	} else {
		cur = step(d, now)
		w := int64(v.cfg.EnableWindow / pp.Normalized().Period)
		step2, found = otp.FindConsecutive(d.Secret, code1, code2, cur-w, cur+w, pp)
	}
	if !found {
		fail("wrong codes")
		return 0, 0, false
	}
	// Both codes must be fresh: the first one's step too must come after
	// the last used step, or a code already spent would count again.
	if step2-1 <= d.LastStep {
		v.log.Warn("MFA code refused", "account", d.AccountID, "serial", d.Serial, "reason", "codes already used")
		return 0, 0, false
	}
	if d.OTPType == HOTP {
		return step2, 0, true
	}
	return step2, step2 - cur, true
}

// matchSignIn finds the fresh step (TOTP) or counter (HOTP) a sign-in code
// belongs to. replay tells that the code matched only used ones. cur is
// the server's step, from which drift is measured (the last counter for
// HOTP, which has no drift).
func (v *Verifier) matchSignIn(d *Device, code string, now time.Time) (best, cur int64, found, replay bool) {
	pp := params(d)
	if d.OTPType == HOTP {
		if m := otp.MatchSteps(d.Secret, code, d.LastStep+1, d.LastStep+hotpSignInLookAhead, pp); len(m) > 0 {
			return m[0], m[0], true, false
		}
		used := otp.MatchSteps(d.Secret, code, max(d.LastStep-hotpSignInLookAhead, 0), d.LastStep, pp)
		return 0, 0, false, len(used) > 0
	}
	cur = step(d, now)
	k := int64(v.cfg.SignInSkewSteps)
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

// Verify checks a sign-in code from a device that serves d.UserID and
// consumes it: one conditional write, so of concurrent requests with one
// code exactly one is accepted. It returns when the code was checked, or
// ErrInvalidCode (wrong, used, malformed or throttled).
func (v *Verifier) Verify(ctx context.Context, d *Device, code string) (time.Time, error) {
	now := v.clock.Now()
	if now.Before(d.BlockedUntil) {
		v.fail(ctx, d, "throttled", now)
		return time.Time{}, ErrInvalidCode
	}
	if !otp.ValidCode(code, params(d)) {
		v.fail(ctx, d, "malformed code", now)
		return time.Time{}, ErrInvalidCode
	}
	best, cur, found, replay := v.matchSignIn(d, code, now)
	if !found {
		if replay {
			// A used code tells a guesser nothing new, so it is refused
			// without counting towards throttling.
			v.log.Warn("MFA code refused", "account", d.AccountID, "serial", d.Serial, "reason", "code already used")
		} else {
			v.fail(ctx, d, "wrong code", now)
		}
		return time.Time{}, ErrInvalidCode
	}
	if err := v.store.AcceptMFACode(ctx, d.AccountID, d.Serial, d.UserID, best, best-cur, now); err != nil {
		if errors.Is(err, ErrStale) {
			v.log.Warn("MFA code refused", "account", d.AccountID, "serial", d.Serial, "reason", "code already used")
			return time.Time{}, ErrInvalidCode
		}
		return time.Time{}, err
	}
	return now, nil
}
