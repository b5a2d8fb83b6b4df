package otp

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Key URI types.
const (
	TypeTOTP = "totp"
	TypeHOTP = "hotp"
)

// MaxURIPeriod is the longest period ParseKeyURI accepts. Authenticator apps
// use 30 or 60 s; a longer period than a day is a mistake, and an unbounded
// one would overflow time.Duration.
const MaxURIPeriod = 24 * time.Hour

// KeyURI is an otpauth:// provisioning URI in the Google Authenticator "Key
// Uri Format", the text of the QR code a user scans to add a device.
type KeyURI struct {
	// Type is TypeTOTP or TypeHOTP; empty means TypeTOTP.
	Type string
	// Issuer names the provider, "Amazon Web Services" for AWS; it may be
	// empty. It must not contain a colon.
	Issuer string
	// Account names the user's key; AWS uses "<device>@<account>". It must
	// not contain a colon when Issuer is empty.
	Account string
	// Secret is the shared key.
	Secret []byte
	// Params are the token parameters; defaults are left out of String.
	Params Params
	// Counter is the initial HOTP counter; it is unused for TOTP.
	Counter uint64
}

// String returns the URI. The label is the escaped issuer, a colon and the
// escaped account (the account alone without issuer), keeping '@' literal
// and writing spaces as %20. The query holds secret, issuer, and then
// algorithm, digits and period when they differ from the defaults, and
// counter for HOTP. For an AWS device this is exactly
//
//	otpauth://totp/Amazon%20Web%20Services:<device>@<account>?secret=<BASE32>&issuer=Amazon%20Web%20Services
func (k KeyURI) String() string {
	typ := k.Type
	if typ == "" {
		typ = TypeTOTP
	}
	var b strings.Builder
	b.WriteString("otpauth://")
	b.WriteString(typ)
	b.WriteByte('/')
	if k.Issuer != "" {
		b.WriteString(escapeLabel(k.Issuer))
		b.WriteByte(':')
	}
	b.WriteString(escapeLabel(k.Account))
	b.WriteString("?secret=")
	b.WriteString(EncodeSecret(k.Secret))
	if k.Issuer != "" {
		b.WriteString("&issuer=")
		b.WriteString(escapeQuery(k.Issuer))
	}
	p := k.Params.Normalized()
	if p.Algorithm != DefaultAlgorithm {
		b.WriteString("&algorithm=")
		b.WriteString(escapeQuery(string(p.Algorithm)))
	}
	if p.Digits != DefaultDigits {
		b.WriteString("&digits=")
		b.WriteString(strconv.Itoa(p.Digits))
	}
	if p.Period != DefaultPeriod {
		b.WriteString("&period=")
		b.WriteString(strconv.FormatInt(int64(p.Period/time.Second), 10))
	}
	if typ == TypeHOTP {
		b.WriteString("&counter=")
		b.WriteString(strconv.FormatUint(k.Counter, 10))
	}
	return b.String()
}

// escapeLabel escapes one part of the label as a path segment, which keeps
// '@' literal and writes spaces as %20. It also escapes '+', which decoders
// built for forms (Java's URLDecoder among them) would read as a space.
func escapeLabel(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), "+", "%2B")
}

// escapeQuery escapes a query value with %20 for spaces, as authenticator
// apps expect, rather than the form encoding's '+'.
func escapeQuery(s string) string {
	// QueryEscape has already turned every literal '+' into %2B.
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// ParseKeyURI parses an otpauth:// URI. The issuer comes from the issuer
// parameter or, without one, from the label prefix before the first colon
// (literal or %3A); spaces before the account are dropped. Missing
// algorithm, digits and period take the defaults, and the result's Params
// are always normalized.
//
// It rejects other schemes, types other than totp and hotp, a missing or
// invalid base32 secret, an empty account, a colon in the issuer or the
// account, hotp without counter, digits outside 6 to 8, a period that is not
// 1 s to MaxURIPeriod, unknown algorithms and repeated parameters. Unknown
// parameters (such as image) are ignored.
func ParseKeyURI(s string) (KeyURI, error) {
	u, err := url.Parse(s)
	if err != nil {
		return KeyURI{}, fmt.Errorf("otp: key URI: %w", err)
	}
	if u.Scheme != "otpauth" {
		return KeyURI{}, fmt.Errorf("otp: key URI scheme %q, want otpauth", u.Scheme)
	}
	if u.Opaque != "" || u.User != nil {
		return KeyURI{}, errors.New("otp: key URI is not of the form otpauth://TYPE/LABEL?PARAMETERS")
	}
	var k KeyURI
	switch typ := strings.ToLower(u.Host); typ {
	case TypeTOTP, TypeHOTP:
		k.Type = typ
	default:
		return KeyURI{}, fmt.Errorf("otp: key URI type %q, want totp or hotp", u.Host)
	}

	label := strings.TrimPrefix(u.Path, "/")
	labelIssuer, account, hasIssuer := strings.Cut(label, ":")
	if !hasIssuer {
		labelIssuer, account = "", label
	}
	k.Account = strings.TrimLeft(account, " ")
	if k.Account == "" {
		return KeyURI{}, errors.New("otp: key URI has no account name")
	}
	if strings.Contains(k.Account, ":") {
		return KeyURI{}, fmt.Errorf("otp: key URI account %q contains a colon", k.Account)
	}

	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return KeyURI{}, fmt.Errorf("otp: key URI query: %w", err)
	}
	get := func(name string) (string, bool, error) {
		v, ok := q[name]
		if !ok {
			return "", false, nil
		}
		if len(v) != 1 {
			return "", false, fmt.Errorf("otp: key URI repeats parameter %s", name)
		}
		return v[0], true, nil
	}

	secret, ok, err := get("secret")
	if err != nil {
		return KeyURI{}, err
	}
	if !ok {
		return KeyURI{}, errors.New("otp: key URI has no secret")
	}
	if k.Secret, err = DecodeSecret(secret); err != nil {
		return KeyURI{}, err
	}

	issuer, _, err := get("issuer")
	if err != nil {
		return KeyURI{}, err
	}
	k.Issuer = issuer
	if k.Issuer == "" {
		k.Issuer = labelIssuer
	}
	if strings.Contains(k.Issuer, ":") {
		return KeyURI{}, fmt.Errorf("otp: key URI issuer %q contains a colon", k.Issuer)
	}

	if v, ok, err := get("algorithm"); err != nil {
		return KeyURI{}, err
	} else if ok {
		k.Params.Algorithm = Algorithm(strings.ToUpper(v))
		if k.Params.hash() == nil {
			return KeyURI{}, fmt.Errorf("otp: key URI algorithm %q, want SHA1, SHA256 or SHA512", v)
		}
	}
	if v, ok, err := get("digits"); err != nil {
		return KeyURI{}, err
	} else if ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 6 || n > 8 {
			return KeyURI{}, fmt.Errorf("otp: key URI digits %q, want 6 to 8", v)
		}
		k.Params.Digits = n
	}
	if v, ok, err := get("period"); err != nil {
		return KeyURI{}, err
	} else if ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > int64(MaxURIPeriod/time.Second) {
			return KeyURI{}, fmt.Errorf("otp: key URI period %q, want 1 to %d seconds", v, int64(MaxURIPeriod/time.Second))
		}
		k.Params.Period = time.Duration(n) * time.Second
	}
	k.Params = k.Params.Normalized()

	if k.Type == TypeHOTP {
		v, ok, err := get("counter")
		if err != nil {
			return KeyURI{}, err
		}
		if !ok {
			return KeyURI{}, errors.New("otp: hotp key URI has no counter")
		}
		if k.Counter, err = strconv.ParseUint(v, 10, 64); err != nil {
			return KeyURI{}, fmt.Errorf("otp: key URI counter %q: %w", v, err)
		}
	}
	return k, nil
}
