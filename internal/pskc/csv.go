package pskc

import (
	"bufio"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxCSVPeriod bounds the CSV period: a time step of more than a day is a
// typo, not a token.
const maxCSVPeriod = 86400

// ParseCSV reads the simple inventory format, one TOTP token a line:
//
//	serial,base32 secret[,digits[,period]]
//
// Fields are trimmed; an empty digits or period field means the default (6
// digits, 30 seconds). Lines starting with '#' and blank lines are ignored;
// there is no header line. HOTP tokens cannot be expressed: every key is
// TOTP with SHA1. It is all or nothing: the first bad line fails the whole
// input with an *Error carrying its line number, and duplicate serials are
// an error. Errors never quote a secret.
func ParseCSV(r io.Reader) ([]Key, error) {
	sc := bufio.NewScanner(r)
	var keys []Key
	seen := map[string]int{} // serial → line
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff") // spreadsheet exports start with a BOM
		}
		text = strings.TrimSpace(text)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		k, err := parseCSVLine(text)
		if err != nil {
			err.Line = line
			return nil, err
		}
		if first, dup := seen[k.Serial]; dup {
			return nil, &Error{Line: line, Serial: k.Serial, Err: fmt.Errorf("duplicate serial (first at line %d)", first)}
		}
		seen[k.Serial] = line
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, &Error{Line: line + 1, Err: fmt.Errorf("reading CSV: %w", err)}
	}
	if len(keys) == 0 {
		return nil, &Error{Err: errors.New("the CSV holds no tokens")}
	}
	return keys, nil
}

// parseCSVLine parses one non-comment line; the caller sets the line number.
func parseCSVLine(text string) (Key, *Error) {
	fields := strings.Split(text, ",")
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	if len(fields) < 2 || len(fields) > 4 {
		return Key{}, &Error{Err: fmt.Errorf("%d fields, want serial,secret[,digits[,period]]", len(fields))}
	}
	k := Key{Serial: fields[0], Algorithm: TOTP, Digits: DefaultDigits, TimeStep: DefaultTimeStep, Hash: DefaultHash}
	if k.Serial == "" {
		return Key{}, &Error{Err: errors.New("empty serial")}
	}
	var err error
	if k.Secret, err = decodeBase32(fields[1]); err != nil {
		return Key{}, &Error{Serial: k.Serial, Err: err}
	}
	if len(fields) > 2 && fields[2] != "" {
		n, err := strconv.Atoi(fields[2])
		if err != nil || n < 6 || n > 10 {
			return Key{}, &Error{Serial: k.Serial, Err: fmt.Errorf("digits %q, want 6 to 10", short(fields[2]))}
		}
		k.Digits = n
	}
	if len(fields) > 3 && fields[3] != "" {
		n, err := strconv.Atoi(fields[3])
		if err != nil || n < 1 || n > maxCSVPeriod {
			return Key{}, &Error{Serial: k.Serial, Err: fmt.Errorf("period %q, want 1 to %d seconds", short(fields[3]), maxCSVPeriod)}
		}
		k.TimeStep = n
	}
	return k, nil
}

// decodeBase32 decodes an RFC 4648 base32 secret as people write it: either
// case, with or without padding, with spaces between groups. The error does
// not repeat the secret.
func decodeBase32(s string) ([]byte, error) {
	buf := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\t':
		case 'a' <= c && c <= 'z':
			buf = append(buf, c-'a'+'A') // ASCII only: no Unicode case folding
		default:
			buf = append(buf, c)
		}
	}
	for len(buf) > 0 && buf[len(buf)-1] == '=' {
		buf = buf[:len(buf)-1]
	}
	if len(buf) == 0 {
		return nil, errors.New("empty secret")
	}
	// Unpadded base32 ends in a group of 2, 4, 5 or 7 characters (or a full
	// 8). Go's decoder silently drops a trailing group of 1, 3 or 6, which
	// would import a truncated secret, so those lengths are refused here.
	switch len(buf) % 8 {
	case 1, 3, 6:
		return nil, fmt.Errorf("secret is not valid base32: %d characters is not a possible length", len(buf))
	}
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(string(buf))
	if err != nil {
		return nil, fmt.Errorf("secret is not valid base32: %w", err)
	}
	if len(b) == 0 {
		return nil, errors.New("empty secret")
	}
	return b, nil
}
