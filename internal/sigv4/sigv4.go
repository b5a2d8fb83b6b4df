// Package sigv4 verifies AWS Signature Version 4 signatures on requests
// arriving at iamd, as IAM and STS do: the Authorization header form and the
// presigned-URL (query string) form, HMAC-SHA256 only.
//
// The server copies what SigV4 covers out of its *http.Request into a
// Request, calls Parse to learn which access key signed it, looks up that
// key's secret and calls Verify. iamd routes each request by the service in
// its scope and accepts any region, as the global IAM and STS endpoints do;
// CheckScope is for a front door that must pin one. Parse fails only on unsigned (ErrNotSigned) or malformed
// (IncompleteSignature) requests, before any key lookup; Verify fails with
// SignatureDoesNotMatch or RequestExpired. Code maps any of these errors to
// its AWS error code.
//
// The package does not import net/http so that it stays a pure function of
// its inputs, testable against the published vectors byte for byte.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Request is the part of an HTTP request that SigV4 covers. A server fills it
// from *http.Request:
//
//	sigv4.Request{
//		Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
//		Host: r.Host, Header: r.Header, PayloadHash: hex(sha256(body)),
//	}
type Request struct {
	// Method is the HTTP method, e.g. "POST".
	Method string
	// Path is the request-target path as sent, still percent-encoded
	// (r.URL.EscapedPath()); the canonical URI encodes it once more.
	Path string
	// RawQuery is the query string as sent, without the '?'.
	RawQuery string
	// Host is the Host the client addressed (r.Host), which http.Request
	// keeps out of Header.
	Host string
	// Header holds the request headers. Names may be in any case; an
	// http.Header converts to it directly.
	Header map[string][]string
	// PayloadHash is the lower-case hex SHA-256 of the body, computed by the
	// caller from the bytes it will act on (the hash of "" for no body).
	PayloadHash string
}

// Credential is the credential scope a request was signed with.
type Credential struct {
	// AccessKeyID names the key; the server looks its secret up with it.
	AccessKeyID string
	// Date is the scope date, YYYYMMDD.
	Date string
	// Region is the signing region, e.g. "us-east-1".
	Region string
	// Service is the signing name, e.g. "iam" or "sts".
	Service string
}

// Signed is a parsed request whose signature has not been verified yet.
// It keeps a reference to the Request's Header map, which must not change
// before Verify.
type Signed struct {
	// Credential is the credential scope from the Authorization header or
	// X-Amz-Credential.
	Credential Credential
	// SignedHeaders are the header names the client signed, as listed.
	SignedHeaders []string
	// Signature is the signature as sent.
	Signature string
	// Time is the signing time: X-Amz-Date (header, or query parameter), or
	// else the Date header.
	Time time.Time
	// Expires is X-Amz-Expires of a presigned request, 0 when absent or not
	// presigned.
	Expires time.Duration
	// Presigned is set when the signature came in the query string.
	Presigned bool
	// SessionToken is X-Amz-Security-Token (header or query parameter), ""
	// if none. Verify does not check it: the caller must match it to the
	// temporary credentials of Credential.AccessKeyID.
	SessionToken string

	req     Request
	query   []param
	amzDate string // the timestamp as it goes into the string to sign
	// contentSHA is X-Amz-Content-Sha256 when the client sent one.
	contentSHA string
	// tokenInQuery is set when X-Amz-Security-Token is a query parameter,
	// the one case where Verify retries without it (see canonicalRequest).
	tokenInQuery bool
	// keepPath turns off path normalisation, as S3 and aws-c-auth's
	// "normalize": false vectors need. IAM and STS never set it.
	keepPath bool
	// opts are the service's payload options (SetPayload).
	opts Options
	// signingKey is set by a successful Verify, for Body: the chunk
	// signatures of an aws-chunked body are chained from Signature (the
	// seed signature) with it.
	signingKey []byte
}

// The two ways the signing time is written.
const (
	amzDateLayout  = "20060102T150405Z"
	httpDateLayout = "Mon, 02 Jan 2006 15:04:05 GMT" // http.TimeFormat
)

const (
	// maxSkew is how far the signing time may be from the server's clock.
	maxSkew = 15 * time.Minute
	// maxExpires is the longest X-Amz-Expires AWS accepts: the signing key
	// is only valid for seven days.
	maxExpires = 7 * 24 * 60 * 60
	// unsignedPayload in X-Amz-Content-Sha256 opts the body out of signing.
	unsignedPayload = UnsignedPayload
)

// Parse extracts the SigV4 parameters from r, either from its Authorization
// header or from the X-Amz-* query parameters of a presigned URL. It returns
// ErrNotSigned when r carries neither, and an IncompleteSignature error when
// they are malformed, incomplete, both present, or the signed headers leave
// out host.
func Parse(r Request) (*Signed, error) {
	auth := headerValues(r.Header, "authorization")
	query, qerr := parseQuery(r.RawQuery)
	presigned := false
	for _, p := range query {
		switch p.key {
		case "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature":
			presigned = true
		}
	}
	switch {
	case len(auth) == 0 && !presigned:
		return nil, ErrNotSigned
	case len(auth) > 0 && presigned:
		return nil, malformed("Only one authentication mechanism is allowed: the Authorization header or the X-Amz-* query parameters, not both.")
	case len(auth) > 1:
		return nil, malformed("The Authorization header is given more than once.")
	case qerr != nil:
		return nil, qerr
	}

	s := &Signed{req: r, query: query, Presigned: presigned}
	var err error
	if presigned {
		err = s.parseQueryAuth()
	} else {
		err = s.parseHeaderAuth(auth[0])
	}
	if err != nil {
		return nil, err
	}
	if !signsHost(s.SignedHeaders) {
		return nil, malformed("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if s.SessionToken, err = single(r.Header, query, "X-Amz-Security-Token"); err != nil {
		return nil, err
	}
	s.tokenInQuery = len(queryValues(query, "X-Amz-Security-Token")) > 0
	if s.contentSHA, err = single(r.Header, query, "X-Amz-Content-Sha256"); err != nil {
		return nil, err
	}
	return s, nil
}

// parseHeaderAuth reads the Authorization header and the signing time.
func (s *Signed) parseHeaderAuth(auth string) error {
	var err error
	s.Credential, s.SignedHeaders, s.Signature, err = ParseAuthorization(auth)
	if err != nil {
		return err
	}
	// AWS looks for X-Amz-Date first (header, then query parameter) and
	// falls back to Date.
	if v := headerValues(s.req.Header, "x-amz-date"); len(v) > 0 {
		if len(v) > 1 {
			return malformed("The X-Amz-Date header is given more than once.")
		}
		return s.setAmzDate(v[0])
	}
	if v := queryValues(s.query, "X-Amz-Date"); len(v) > 0 {
		if len(v) > 1 {
			return malformed("The X-Amz-Date parameter is given more than once.")
		}
		return s.setAmzDate(v[0])
	}
	v := headerValues(s.req.Header, "date")
	if len(v) == 0 {
		return malformed("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(v) > 1 {
		return malformed("The Date header is given more than once.")
	}
	t, err := time.Parse(httpDateLayout, strings.TrimSpace(v[0]))
	if err != nil {
		// The Date header may also carry the ISO 8601 basic form.
		return s.setAmzDate(strings.TrimSpace(v[0]))
	}
	s.Time = t.UTC()
	s.amzDate = s.Time.Format(amzDateLayout)
	return nil
}

// parseQueryAuth reads the X-Amz-* parameters of a presigned URL.
func (s *Signed) parseQueryAuth() error {
	names := []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders"}
	var vals [5]string
	var missing []string
	for i, n := range names {
		vs := queryValues(s.query, n)
		switch {
		case len(vs) > 1:
			return malformed("The " + n + " parameter is given more than once.")
		case len(vs) == 0 || vs[0] == "":
			missing = append(missing, "'"+n+"'")
		default:
			vals[i] = vs[0]
		}
	}
	if missing != nil {
		return malformed("AWS query-string parameters must include " + strings.Join(missing, ", ") + ". Re-examine the query-string parameters.")
	}
	if vals[0] != algorithm {
		return malformed("Unsupported X-Amz-Algorithm: only " + algorithm + " is accepted.")
	}
	var err error
	if s.Credential, err = parseCredential(vals[1]); err != nil {
		return err
	}
	if !visible(vals[2]) {
		return malformed("The X-Amz-Signature parameter is malformed.")
	}
	s.Signature = vals[2]
	if err := s.setAmzDate(vals[3]); err != nil {
		return err
	}
	if s.SignedHeaders, err = parseSignedHeaders(vals[4]); err != nil {
		return err
	}
	switch vs := queryValues(s.query, "X-Amz-Expires"); len(vs) {
	case 0:
		// Absent: the request is held to the same 15 minutes as a
		// header-signed one (STS presigned URLs work this way).
	case 1:
		n, err := strconv.Atoi(vs[0])
		if err != nil || n < 1 || n > maxExpires || vs[0][0] == '+' {
			return malformed("X-Amz-Expires must be a whole number of seconds from 1 to 604800 (one week).")
		}
		s.Expires = time.Duration(n) * time.Second
	default:
		return malformed("The X-Amz-Expires parameter is given more than once.")
	}
	return nil
}

// setAmzDate parses an ISO 8601 basic timestamp. Only the exact form is
// accepted, since it goes verbatim into the string to sign.
func (s *Signed) setAmzDate(v string) error {
	t, err := time.Parse(amzDateLayout, v)
	if err != nil || t.Format(amzDateLayout) != v {
		return malformed("X-Amz-Date must be in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z'.")
	}
	s.Time, s.amzDate = t, v
	return nil
}

// single returns the one value of an X-Amz-* field that may come as a
// header or a query parameter. Two different values are refused rather
// than guessed between.
func single(h map[string][]string, query []param, name string) (string, error) {
	// A fresh slice: appending to headerValues' result could write into the
	// caller's Header map.
	var vs []string
	vs = append(vs, headerValues(h, name)...)
	vs = append(vs, queryValues(query, name)...)
	for _, v := range vs[min(1, len(vs)):] {
		if v != vs[0] {
			return "", malformed(name + " is given more than once with different values.")
		}
	}
	if len(vs) == 0 {
		return "", nil
	}
	return vs[0], nil
}

func signsHost(names []string) bool {
	for _, n := range names {
		if strings.EqualFold(n, "host") {
			return true
		}
	}
	return false
}

// emptyPayloadHash is the hex SHA-256 of an empty body.
const emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Verify checks the signature with the secret access key of
// s.Credential.AccessKeyID, at the server time now. It fails with
// SignatureDoesNotMatch when the scope date is not the date of X-Amz-Date,
// when the time is more than 15 minutes from now, when a signed
// X-Amz-Content-Sha256 is not the payload hash given to SetPayload, when it
// names a payload mode the Options do not accept, or when the signature
// differs; and with RequestExpired when a presigned URL is used after
// X-Amz-Date + X-Amz-Expires. With Options.Streaming, an
// X-Amz-Content-Sha256 that is no payload mode and no hash fails with
// InvalidArgument and SigV4a's streaming modes with NotImplemented. It does not check the scope's region and
// service (see CheckScope) nor the session token. Once it succeeds, Body
// reads the payload.
func (s *Signed) Verify(secretAccessKey string, now time.Time) error {
	s.signingKey = nil
	if s.req.PayloadHash == "" {
		// A programming error in the caller, not the client's fault: no *Error,
		// so Code returns "" and the server answers InternalFailure.
		return errors.New("sigv4: Request.PayloadHash is empty")
	}
	if want := s.amzDate[:8]; s.Credential.Date != want {
		return mismatch(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			s.Credential.Date, want, s.amzDate))
	}
	if err := s.checkTime(now.UTC()); err != nil {
		return err
	}
	if err := s.checkPayload(); err != nil {
		return err
	}
	key := SigningKey(secretAccessKey, s.Credential.Date, s.Credential.Region, s.Credential.Service)
	// The token is a credential the caller checks against the access key in
	// any case, so accepting it unsigned gives nothing away; a header token
	// may be unsigned too (post-sts-header-after).
	if s.matches(key, false) || s.Presigned && s.tokenInQuery && s.matches(key, true) {
		// Body checks chunk signatures with the key, chained from the
		// request's signature, so the caller never handles the secret again.
		s.signingKey = key
		return nil
	}
	return mismatch(msgMismatch)
}

// matches computes the signature over the canonical request and compares it
// with the one sent, in constant time.
func (s *Signed) matches(key []byte, omitToken bool) bool {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s.stringToSign(s.canonicalRequest(omitToken))))
	var sum [64]byte
	got := hex.AppendEncode(sum[:0], m.Sum(nil))
	return hmac.Equal(got, []byte(s.Signature))
}

// checkTime applies AWS's clock rules. The messages are AWS's own, which
// the AWS CLI prints and users search for.
func (s *Signed) checkTime(now time.Time) error {
	t := s.Time
	if t.After(now.Add(maxSkew)) {
		return &Error{Kind: Skewed, Msg: fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			s.amzDate, now.Add(maxSkew).Format(amzDateLayout), now.Format(amzDateLayout))}
	}
	if s.Presigned && s.Expires > 0 {
		if now.After(t.Add(s.Expires)) {
			return &Error{Kind: Expired, Msg: "Request has expired."}
		}
		return nil
	}
	if t.Before(now.Add(-maxSkew)) {
		return &Error{Kind: Skewed, Msg: fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			s.amzDate, now.Add(-maxSkew).Format(amzDateLayout), now.Format(amzDateLayout))}
	}
	return nil
}

// CheckScope checks the credential scope against the service the request
// reached and, unless region is "", the region it serves. IAM is global and
// signs for us-east-1; STS accepts every region, so it passes "".
func (s *Signed) CheckScope(region, service string) error {
	if s.Credential.Service != service {
		return mismatch("Credential should be scoped to correct service: '" + service + "'.")
	}
	if region != "" && s.Credential.Region != region {
		return mismatch("Credential should be scoped to a valid region.")
	}
	return nil
}
