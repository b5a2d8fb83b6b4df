package otp

import (
	"encoding/base32"
	"errors"
	"fmt"
	"io"
)

// MinSecretBytes is the shortest secret NewSecret makes: RFC 4226 requires
// 128 bits. AWS virtual MFA secrets are 40 bytes (64 base32 characters).
const MinSecretBytes = 16

// b32 returns RFC 4648 base32 without padding, the form of otpauth secrets
// and of the AWS Base32StringSeed. It is a function, not a package variable,
// so that nothing at package level can be changed.
func b32() *base32.Encoding {
	return base32.StdEncoding.WithPadding(base32.NoPadding)
}

// NewSecret returns n bytes read from r, which is crypto/rand.Reader in
// production and a fixed reader in tests. n must be at least MinSecretBytes.
func NewSecret(r io.Reader, n int) ([]byte, error) {
	if n < MinSecretBytes {
		return nil, fmt.Errorf("otp: secret of %d bytes, want at least %d", n, MinSecretBytes)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("otp: reading secret: %w", err)
	}
	return b, nil
}

// EncodeSecret returns b in RFC 4648 base32, upper case, without padding.
func EncodeSecret(b []byte) string {
	return b32().EncodeToString(b)
}

// DecodeSecret decodes a base32 secret as people and apps write it: upper or
// lower case, with or without trailing padding, with spaces (or tabs and
// line breaks) between groups. It fails for an empty or invalid secret.
func DecodeSecret(s string) ([]byte, error) {
	buf := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		case 'a' <= c && c <= 'z':
			// Only ASCII is folded: strings.ToUpper would turn U+017F
			// (long s) into a valid 'S'.
			buf = append(buf, c-'a'+'A')
		default:
			buf = append(buf, c)
		}
	}
	n := len(buf)
	for n > 0 && buf[n-1] == '=' {
		n--
	}
	buf = buf[:n]
	if len(buf) == 0 {
		return nil, errors.New("otp: empty secret")
	}
	// A final group of 1, 3 or 6 characters encodes no whole byte; Go's
	// unpadded decoder drops it silently, which would shorten the secret.
	switch len(buf) % 8 {
	case 1, 3, 6:
		return nil, fmt.Errorf("otp: invalid base32 secret: %d characters cannot end a base32 text", len(buf))
	}
	b, err := b32().DecodeString(string(buf))
	if err != nil {
		return nil, fmt.Errorf("otp: invalid base32 secret: %w", err)
	}
	if len(b) == 0 {
		return nil, errors.New("otp: empty secret")
	}
	return b, nil
}
