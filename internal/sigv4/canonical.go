package sigv4

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
)

// param is one query parameter, percent-decoded the way url.ParseQuery
// decodes it.
type param struct {
	key, value string
}

// parseQuery splits a raw query string into decoded parameters, in the order
// sent. It decodes exactly as url.ParseQuery does ('+' is a space, empty
// segments are skipped) because the server reads the Action and its
// arguments with url.ParseQuery: two raw queries that canonicalise alike must
// also mean the same thing to the server, or a captured signature could be
// replayed over different parameters. A segment that does not decode is kept
// raw and reported, so Parse can still tell an unsigned request apart.
func parseQuery(raw string) ([]param, error) {
	if raw == "" {
		return nil, nil
	}
	var (
		params []param
		bad    bool
	)
	for seg := range strings.SplitSeq(raw, "&") {
		if seg == "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			bad = true
			dk, dv = k, v
		}
		params = append(params, param{dk, dv})
	}
	if bad {
		return params, malformed("The query string contains an invalid percent-encoding.")
	}
	return params, nil
}

// queryValues returns every value of the parameter named key.
func queryValues(params []param, key string) []string {
	var vs []string
	for _, p := range params {
		if p.key == key {
			vs = append(vs, p.value)
		}
	}
	return vs
}

// headerValues returns the values of the header name, matched without
// regard to case. When a hand-built map holds the same name in several
// spellings, their values are concatenated in sorted-key order so the result
// does not depend on map iteration order.
func headerValues(h map[string][]string, name string) []string {
	var (
		first string
		found bool
		more  []string
	)
	for k := range h {
		if !strings.EqualFold(k, name) {
			continue
		}
		if !found {
			first, found = k, true
			continue
		}
		more = append(more, k)
	}
	if !found {
		return nil
	}
	if more == nil {
		return h[first]
	}
	keys := append(more, first)
	slices.Sort(keys)
	var vs []string
	for _, k := range keys {
		vs = append(vs, h[k]...)
	}
	return vs
}

// canonicalRequest builds the canonical request of AWS's SigV4 process:
//
//	Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n PayloadHash
//
// With omitToken, X-Amz-Security-Token is left out of the canonical query:
// some signers (aws-c-auth with omit_session_token, the IoT WebSocket
// clients) add the token to a presigned URL after signing it.
func (s *Signed) canonicalRequest(omitToken bool) string {
	b := make([]byte, 0, 512)
	b = append(b, s.req.Method...)
	b = append(b, '\n')
	b = s.appendURI(b)
	b = append(b, '\n')
	b = s.appendQuery(b, omitToken)
	b = append(b, '\n')
	b = s.appendHeaders(b)
	b = append(b, '\n')
	for i, n := range s.SignedHeaders {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, n...)
	}
	b = append(b, '\n')
	b = append(b, s.payloadHash()...)
	return string(b)
}

// payloadHash is the last line of the canonical request: the signed
// X-Amz-Content-Sha256 value when the client sent one (it may be
// UNSIGNED-PAYLOAD), else the hash of the body the caller computed.
func (s *Signed) payloadHash() string {
	if s.contentSHA != "" {
		return s.contentSHA
	}
	return s.req.PayloadHash
}

// appendURI appends the canonical URI. IAM and STS, like every AWS service
// but S3, normalise the path (drop "." and empty segments, resolve "..") and
// then URI-encode the path as sent once more, so "%20" on the wire becomes
// "%2520": the SDKs sign the escaped path, not the decoded one.
//
// S3 (keepPath, from Options.S3Path) does neither: its SDKs sign the
// escaped path they send, so the canonical URI is that path byte for byte.
// A byte that should have been escaped but came raw (the aws-c-auth
// vectors send "/example space/") is encoded once, which makes the result
// the same whether the caller passes the escaped or the decoded path; it
// also keeps the canonical form a function of the decoded key, so two
// requests that sign alike name the same object.
func (s *Signed) appendURI(b []byte) []byte {
	path := s.req.Path
	if s.keepPath {
		if path == "" {
			return append(b, '/')
		}
		return appendS3Path(b, path)
	}
	path = normalizePath(path)
	if path == "" {
		return append(b, '/')
	}
	return appendEncoded(b, path, true)
}

// appendS3Path appends p with its %XX triplets as sent and every other byte
// outside the unreserved set and '/' percent-encoded (see appendURI).
func appendS3Path(b []byte, p string) []byte {
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]) {
			b = append(b, p[i:i+3]...)
			i += 2
			continue
		}
		b = appendEncoded(b, p[i:i+1], true)
	}
	return b
}

// normalizePath removes dot segments (RFC 3986 section 5.2.4) and empty
// segments, which AWS also drops, keeping a trailing slash when the path
// had one and still names something below the root.
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	if !needsNormalizing(p) {
		return p
	}
	var segs []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, seg)
		}
	}
	var sb strings.Builder
	if p[0] == '/' {
		sb.WriteByte('/')
	}
	sb.WriteString(strings.Join(segs, "/"))
	if p[len(p)-1] == '/' && len(segs) > 0 {
		sb.WriteByte('/')
	}
	return sb.String()
}

// needsNormalizing reports whether p has an empty, "." or ".." segment; the
// common "/" and "/x/y" paths then skip the allocation of splitting.
func needsNormalizing(p string) bool {
	if p[0] != '/' {
		return true
	}
	for seg := range strings.SplitSeq(p[1:], "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return strings.Contains(p, "//")
}

// appendQuery appends the canonical query string: every parameter except
// X-Amz-Signature (which only a presigned request has: Parse refuses it next
// to an Authorization header), each key and value AWS-encoded, sorted by
// encoded key and then encoded value.
func (s *Signed) appendQuery(b []byte, omitToken bool) []byte {
	type kv struct{ k, v string }
	pairs := make([]kv, 0, len(s.query))
	for _, p := range s.query {
		if p.key == "X-Amz-Signature" || (omitToken && p.key == "X-Amz-Security-Token") {
			continue
		}
		pairs = append(pairs, kv{encode(p.key), encode(p.value)})
	}
	slices.SortFunc(pairs, func(x, y kv) int {
		return cmp.Or(strings.Compare(x.k, y.k), strings.Compare(x.v, y.v))
	})
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.k...)
		b = append(b, '=')
		b = append(b, p.v...)
	}
	return b
}

// appendHeaders appends one "name:value\n" line per signed header, in the
// order the client listed them. Values are trimmed, runs of spaces inside
// collapsed, and repeated headers joined with "," in the order received.
// The header map is read once (signedHeaderValues), so the cost is linear
// in the headers sent and signed: looking each signed name up by a scan of
// the map made thousands of signed headers cost seconds of CPU before the
// signature was checked.
func (s *Signed) appendHeaders(b []byte) []byte {
	values := s.signedHeaderValues()
	for _, name := range s.SignedHeaders {
		b = append(b, name...)
		b = append(b, ':')
		if strings.EqualFold(name, "host") {
			b = appendTrimmed(b, s.host())
		} else {
			for i, v := range values[asciiLower(name)] {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendTrimmed(b, v)
			}
		}
		b = append(b, '\n')
	}
	return b
}

// signedHeaderValues returns the values of every signed header, keyed by
// the lower-cased name, in one pass over the header map. Like headerValues,
// it matches names without regard to case and concatenates the values of a
// name held in several spellings in sorted-key order. Names are folded as
// ASCII only: signed names are HTTP tokens, and Unicode folding would let
// "\u017f" match "s".
func (s *Signed) signedHeaderValues() map[string][]string {
	spellings := make(map[string][]string, len(s.SignedHeaders))
	for _, n := range s.SignedHeaders {
		spellings[asciiLower(n)] = nil
	}
	for k := range s.req.Header {
		lk := asciiLower(k)
		if ks, ok := spellings[lk]; ok {
			spellings[lk] = append(ks, k)
		}
	}
	values := make(map[string][]string, len(spellings))
	for lk, ks := range spellings {
		switch len(ks) {
		case 0:
		case 1:
			values[lk] = s.req.Header[ks[0]]
		default:
			slices.Sort(ks)
			var vs []string
			for _, k := range ks {
				vs = append(vs, s.req.Header[k]...)
			}
			values[lk] = vs
		}
	}
	return values
}

// asciiLower lower-cases the ASCII letters of s, without allocating when
// it has none in upper case.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// host is the Host the client addressed: Request.Host as the server saw it,
// or a Host header when a hand-built Request carries one there instead.
func (s *Signed) host() string {
	if s.req.Host != "" {
		return s.req.Host
	}
	if vs := headerValues(s.req.Header, "host"); len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// appendTrimmed appends v without leading and trailing blanks and with each
// run of spaces inside collapsed to one.
func appendTrimmed(b []byte, v string) []byte {
	v = strings.Trim(v, " \t")
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b = append(b, c)
	}
	return b
}

// encode returns s URI-encoded the AWS way (see appendEncoded), without
// allocating when nothing needs escaping.
func encode(s string) string {
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			return string(appendEncoded(make([]byte, 0, len(s)+16), s, false))
		}
	}
	return s
}

// appendEncoded appends s with every byte outside A-Z a-z 0-9 - _ . ~ written
// as %XX in upper case, and '/' kept when keepSlash is set. This is stricter
// than url.QueryEscape ('+' for space) and url.PathEscape (keeps sub-delims),
// which is why neither is used.
func appendEncoded(b []byte, s string, keepSlash bool) []byte {
	const hexUpper = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (keepSlash && c == '/') {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexUpper[c>>4], hexUpper[c&15])
	}
	return b
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// stringToSign builds AWS4-HMAC-SHA256 \n amzDate \n scope \n hex(sha256(creq)).
func (s *Signed) stringToSign(creq string) string {
	sum := sha256.Sum256([]byte(creq))
	b := make([]byte, 0, len(algorithm)+1+len(s.amzDate)+1+64+1+64)
	b = append(b, algorithm...)
	b = append(b, '\n')
	b = append(b, s.amzDate...)
	b = append(b, '\n')
	b = s.appendScope(b)
	b = append(b, '\n')
	b = hex.AppendEncode(b, sum[:])
	return string(b)
}

func (s *Signed) appendScope(b []byte) []byte {
	c := s.Credential
	b = append(b, c.Date...)
	b = append(b, '/')
	b = append(b, c.Region...)
	b = append(b, '/')
	b = append(b, c.Service...)
	b = append(b, '/')
	return append(b, terminator...)
}

// CanonicalRequest returns the canonical request Verify signs, with every
// query parameter but X-Amz-Signature. It holds no secret, so the server may
// log it at debug level when a client's signature does not match.
func (s *Signed) CanonicalRequest() string { return s.canonicalRequest(false) }

// StringToSign returns the string to sign for CanonicalRequest. Like it, it
// holds no secret and is meant for debugging signature mismatches.
func (s *Signed) StringToSign() string { return s.stringToSign(s.canonicalRequest(false)) }

// SigningKey derives the SigV4 signing key,
// HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"),
// where date is YYYYMMDD.
func SigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, terminator)
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
