package pskc

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors that callers can test for with errors.Is. An *Error from
// Parse or ParseCSV wraps at most one of them, or two for a MAC mismatch
// (ErrIntegrity and ErrWrongKey).
var (
	// ErrWrongKey means a value did not decrypt or verify: bad CBC padding,
	// a key-wrap integrity failure, a ValueMAC mismatch or a key of the
	// wrong length. Usually the pre-shared key or the password is wrong;
	// otherwise the file is corrupt.
	ErrWrongKey = errors.New("wrong key or corrupt data")

	// ErrIntegrity means a ValueMAC did not match. It always comes together
	// with ErrWrongKey.
	ErrIntegrity = errors.New("integrity check failed")

	// ErrNeedKey means the container holds encrypted values but Options
	// lacks the pre-shared key or password to decrypt them.
	ErrNeedKey = errors.New("decryption key required")

	// ErrUnsupported means the container uses an algorithm or feature this
	// package does not implement (Camellia, asymmetric key transport, OCRA,
	// YubiKey OTP, a newer PSKC version, ...).
	ErrUnsupported = errors.New("unsupported")
)

// Error is the error Parse and ParseCSV return. It says where the problem is
// (line, element, key) and wraps the cause.
type Error struct {
	// Line is the 1-based line of the input at fault, 0 if unknown.
	Line int
	// Element is the path of the PSKC element at fault below KeyContainer,
	// e.g. "KeyPackage/Key/Data/Secret"; empty for the document as a whole
	// and for CSV input.
	Element string
	// KeyID is the Key Id attribute of the key at fault, if known.
	KeyID string
	// Serial is the device serial number of the key at fault, if known.
	Serial string
	// Err is the cause.
	Err error
}

// Error formats the location and the cause on one line. It never contains
// secret material.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("pskc: ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	switch {
	case e.KeyID != "" && e.Serial != "" && e.KeyID != e.Serial:
		fmt.Fprintf(&b, "key %q (serial %q): ", e.KeyID, e.Serial)
	case e.Serial != "":
		fmt.Fprintf(&b, "serial %q: ", e.Serial)
	case e.KeyID != "":
		fmt.Fprintf(&b, "key %q: ", e.KeyID)
	}
	if e.Element != "" {
		b.WriteString(e.Element)
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause, so that errors.Is finds the sentinels.
func (e *Error) Unwrap() error { return e.Err }
