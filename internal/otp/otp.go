// Package otp computes and checks one-time passwords: HOTP (RFC 4226), TOTP
// (RFC 6238), the step matching with clock drift that IAM virtual MFA needs,
// base32 secrets and otpauth:// key URIs.
//
// The package is pure: it has no clock, no random source and no state of its
// own. Callers pass the time, the random reader and the window of steps to
// search, and keep the replay state (the last accepted step) themselves,
// which is why matching returns steps rather than a bool.
package otp

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"hash"
	"math"
	"time"
)

// Algorithm names the HMAC hash function of a token, spelled as in otpauth
// URIs.
type Algorithm string

// The hash functions of RFC 6238. AWS virtual MFA devices use SHA1.
const (
	SHA1   Algorithm = "SHA1"
	SHA256 Algorithm = "SHA256"
	SHA512 Algorithm = "SHA512"
)

// Default parameters, those of an AWS virtual MFA device.
const (
	DefaultAlgorithm = SHA1
	DefaultDigits    = 6
	DefaultPeriod    = 30 * time.Second
)

// Bounds on Params.Digits. RFC 4226 asks for at least 6 digits, and the
// 31-bit truncated value has at most 10.
const (
	MinDigits = 6
	MaxDigits = 10
)

// Params describe a token. The zero value means SHA1, 6 digits, 30 s period
// (AWS virtual MFA).
type Params struct {
	// Algorithm is the HMAC hash; empty means SHA1.
	Algorithm Algorithm
	// Digits is the code length; 0 means 6.
	Digits int
	// Period is the TOTP time step, a whole number of seconds; 0 means 30 s.
	// HOTP ignores it.
	Period time.Duration
}

// Normalized returns p with its zero fields set to the defaults. It does not
// check the other fields; see Validate.
func (p Params) Normalized() Params {
	if p.Algorithm == "" {
		p.Algorithm = DefaultAlgorithm
	}
	if p.Digits == 0 {
		p.Digits = DefaultDigits
	}
	if p.Period == 0 {
		p.Period = DefaultPeriod
	}
	return p
}

// Validate reports whether the normalized p can compute codes: a known
// algorithm, MinDigits to MaxDigits digits and a period of one or more whole
// seconds.
func (p Params) Validate() error {
	p = p.Normalized()
	if p.hash() == nil {
		return fmt.Errorf("otp: unknown algorithm %q", p.Algorithm)
	}
	if p.Digits < MinDigits || p.Digits > MaxDigits {
		return fmt.Errorf("otp: %d digits, want %d to %d", p.Digits, MinDigits, MaxDigits)
	}
	if p.Period < time.Second || p.Period%time.Second != 0 {
		return fmt.Errorf("otp: period %v is not a positive whole number of seconds", p.Period)
	}
	return nil
}

func (p Params) hash() func() hash.Hash {
	switch p.Algorithm {
	case SHA1:
		return sha1.New
	case SHA256:
		return sha256.New
	case SHA512:
		return sha512.New
	}
	return nil
}

// mustNormalize normalizes and validates p. Invalid params are a programming
// error (stored params are validated when they are created), like an unknown
// hash given to crypto/hmac, so they panic rather than yield a code.
func (p Params) mustNormalize() Params {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return p.Normalized()
}

// generator computes codes for one secret, reusing the HMAC state and
// buffers across counters so that a window search allocates once.
type generator struct {
	mac    hash.Hash
	digits int
	mod    uint32
	msg    [8]byte
	sum    []byte
	code   [MaxDigits]byte
}

// newGenerator returns a generator for a normalized, valid p.
func newGenerator(secret []byte, p Params) *generator {
	mod := uint32(1)
	if p.Digits < MaxDigits {
		for range p.Digits {
			mod *= 10
		}
	} else {
		mod = 0 // every 31-bit value fits in 10 digits: no reduction
	}
	return &generator{
		mac:    hmac.New(p.hash(), secret),
		digits: p.Digits,
		mod:    mod,
		sum:    make([]byte, 0, sha512.Size),
	}
}

// at returns the code for counter. The slice aliases g and is overwritten by
// the next call.
func (g *generator) at(counter uint64) []byte {
	binary.BigEndian.PutUint64(g.msg[:], counter)
	g.mac.Reset()
	g.mac.Write(g.msg[:])
	g.sum = g.mac.Sum(g.sum[:0])
	// Dynamic truncation (RFC 4226 section 5.3); RFC 6238 applies it
	// unchanged to the longer SHA-2 digests.
	off := g.sum[len(g.sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(g.sum[off:off+4]) & 0x7fffffff
	if g.mod != 0 {
		v %= g.mod
	}
	for i := g.digits - 1; i >= 0; i-- {
		g.code[i] = byte('0' + v%10)
		v /= 10
	}
	return g.code[:g.digits]
}

// matches reports in constant time whether the code for counter is code,
// which must already have the right length.
func (g *generator) matches(counter uint64, code []byte) bool {
	return subtle.ConstantTimeCompare(g.at(counter), code) == 1
}

// HOTP returns the RFC 4226 code of secret for counter, zero-padded to
// p.Digits. It panics if p is invalid (see Params.Validate).
func HOTP(secret []byte, counter uint64, p Params) string {
	p = p.mustNormalize()
	return string(newGenerator(secret, p).at(counter))
}

// Step returns the RFC 6238 time step of t: the Unix time in seconds divided
// by the period, rounded down, with T0 = 0. It panics if p is invalid.
func Step(t time.Time, p Params) int64 {
	p = p.mustNormalize()
	sec, period := t.Unix(), int64(p.Period/time.Second)
	s := sec / period
	if sec%period != 0 && sec < 0 {
		s-- // floor, not truncation, before 1970
	}
	return s
}

// TOTP returns the RFC 6238 code of secret at time t. It panics if p is
// invalid.
func TOTP(secret []byte, t time.Time, p Params) string {
	return CodeAt(secret, Step(t, p), p)
}

// CodeAt returns the TOTP code of secret for a time step, which is the HOTP
// code with the step as counter. It panics if p is invalid.
func CodeAt(secret []byte, step int64, p Params) string {
	return HOTP(secret, uint64(step), p)
}

// ValidCode reports whether code has the right length and only ASCII digits.
// It is false for invalid params.
func ValidCode(code string, p Params) bool {
	if p.Validate() != nil {
		return false
	}
	if len(code) != p.Normalized().Digits {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// MatchSteps returns every step in [lo, hi] whose code equals code, in
// ascending order, or nil if none does. It computes and compares the code of
// every step in the window in constant time, so the time taken does not tell
// which step matched. More than one step matches only on a code collision,
// which the caller resolves with its replay state.
//
// hi-lo is bounded by the caller (a drift window of a few steps). MatchSteps
// returns nil for a malformed code (see ValidCode), invalid params or lo > hi.
func MatchSteps(secret []byte, code string, lo, hi int64, p Params) []int64 {
	if !ValidCode(code, p) || lo > hi {
		return nil
	}
	g := newGenerator(secret, p.Normalized())
	want := []byte(code)
	var steps []int64
	for s := lo; ; s++ {
		if g.matches(uint64(s), want) {
			steps = append(steps, s)
		}
		if s == hi {
			break
		}
	}
	return steps
}

// FindConsecutive finds a step t in [lo, hi] whose code is code1 and whose
// successor's code is code2, and returns t+1, the step of the second code, as
// resynchronising a device with two consecutive codes requires. If several
// steps qualify it returns the highest. ok is false if none does, for a
// malformed code, invalid params or lo > hi. Equal codes are checked like any
// others. Every comparison takes constant time and the whole window is
// always scanned.
func FindConsecutive(secret []byte, code1, code2 string, lo, hi int64, p Params) (step2 int64, ok bool) {
	if !ValidCode(code1, p) || !ValidCode(code2, p) || lo > hi {
		return 0, false
	}
	if hi == math.MaxInt64 {
		hi-- // t+1 must not overflow
		if lo > hi {
			return 0, false
		}
	}
	g := newGenerator(secret, p.Normalized())
	want1, want2 := []byte(code1), []byte(code2)
	prev := g.matches(uint64(lo), want1)
	for s := lo + 1; ; s++ {
		// Compare both codes at every step, so timing does not depend on
		// where (or whether) code1 matched.
		m1 := g.matches(uint64(s), want1)
		m2 := g.matches(uint64(s), want2)
		if prev && m2 {
			step2, ok = s, true
		}
		prev = m1
		if s == hi+1 {
			break
		}
	}
	return step2, ok
}
