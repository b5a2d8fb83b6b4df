package iam

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"unicode"

	"golang.org/x/crypto/argon2"

	"github.com/iamd/iamd/internal/awserr"
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// argon2Slots caps argon2id computations process-wide at one per CPU:
// each takes argonMemory (19 MiB) and tens of milliseconds of a core, and
// one password change may run 1 + PasswordReusePrevention of them, so
// without a cap concurrent requests could exhaust memory and starve every
// other request of CPU. Every HashPassword and CheckPassword takes a slot
// for its computation, whoever calls it.
var argon2Slots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

// argon2Requests admits request paths that run a sequence of computations
// (ChangePassword, UpdateLoginProfile, CreateLoginProfile), as many at a
// time as there are slots, and is where such a request waits as long as
// its context allows (withArgon2Admission). It is separate from
// argon2Slots so that holding it never keeps a computation from a slot.
var argon2Requests = make(chan struct{}, cap(argon2Slots))

// argon2IDKey is argon2.IDKey, a variable so that tests can observe how
// many computations run at once.
var argon2IDKey = argon2.IDKey

// acquire takes a place in sem, waiting as long as ctx allows.
func acquire(ctx context.Context, sem chan struct{}) error {
	if err := ctx.Err(); err != nil {
		return internal("wait for a password hashing slot", err)
	}
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return internal("wait for a password hashing slot", ctx.Err())
	}
	if err := ctx.Err(); err != nil { // the place and the end came together
		<-sem
		return internal("wait for a password hashing slot", err)
	}
	return nil
}

// withArgon2Admission runs f, a request's sequence of password
// computations, once the request is admitted: a request waits here, as long
// as its context allows, rather than inside code that hashes without a
// context (the password history check).
func withArgon2Admission(ctx context.Context, f func() error) error {
	if err := acquire(ctx, argon2Requests); err != nil {
		return err
	}
	defer func() { <-argon2Requests }()
	return f()
}

// idKey computes argon2id in one of argon2Slots.
func idKey(ctx context.Context, password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) ([]byte, error) {
	if err := acquire(ctx, argon2Slots); err != nil {
		return nil, err
	}
	defer func() { <-argon2Slots }()
	return argon2IDKey(password, salt, time, memory, threads, keyLen), nil
}

// HashPassword returns an argon2id hash in the PHC string format, waiting
// for a slot however long it takes; request paths use HashPasswordContext.
func HashPassword(r io.Reader, password string) (string, error) {
	return HashPasswordContext(context.Background(), r, password)
}

// HashPasswordContext is HashPassword waiting for a slot only as long as
// ctx allows.
func HashPasswordContext(ctx context.Context, r io.Reader, password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := io.ReadFull(r, salt); err != nil {
		return "", err
	}
	key, err := idKey(ctx, []byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a HashPassword hash,
// waiting for a slot however long it takes; request paths use
// CheckPasswordContext.
func CheckPassword(hash, password string) (bool, error) {
	return CheckPasswordContext(context.Background(), hash, password)
}

// CheckPasswordContext is CheckPassword waiting for a slot only as long as
// ctx allows.
func CheckPasswordContext(ctx context.Context, hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("iam: unknown password hash format")
	}
	var version int
	var mem, t uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil {
		return false, err
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &threads); err != nil {
		return false, err
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, err
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil {
		return false, err
	}
	got, err := idKey(ctx, []byte(password), salt, t, mem, threads, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// passwordSymbols are the symbols AWS's password rules count.
const passwordSymbols = "!@#$%^&*()_+-=[]{}|'"

// CheckDefaultPasswordPolicy applies AWS's default rules for IAM user
// passwords, used while an account has no password policy of its own: 8 to
// 128 characters, at least three of upper case, lower case, digits and
// symbols, and not the account's id or email.
func CheckDefaultPasswordPolicy(password string, acct *Account) error {
	n := len([]rune(password))
	if n < 8 {
		return awserr.New(awserr.PasswordPolicyViolation, "Password should have a minimum length of 8")
	}
	if n > 128 {
		return awserr.New(awserr.PasswordPolicyViolation, "Password should have a maximum length of 128")
	}
	var upper, lower, digit, symbol int
	for _, r := range password {
		switch {
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsDigit(r):
			digit = 1
		case strings.ContainsRune(passwordSymbols, r):
			symbol = 1
		}
	}
	if upper+lower+digit+symbol < 3 {
		return &awserr.Error{Code: awserr.PasswordPolicyViolation, Message: "Password should include at least three of the following: " +
			"uppercase letters, lowercase letters, numbers and symbols (" + passwordSymbols + ")"}
	}
	if acct != nil && (strings.EqualFold(password, acct.ID) || strings.EqualFold(password, acct.Email)) {
		return awserr.New(awserr.PasswordPolicyViolation, "Password should not be the account's id or email address")
	}
	return nil
}
