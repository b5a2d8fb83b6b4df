package sigv4

import (
	"strconv"
	"strings"
	"time"
)

// algorithm is the only signing algorithm accepted. SigV4a
// (AWS4-ECDSA-P256-SHA256) and SigV2 are rejected: IAM and STS clients all
// speak plain SigV4.
const algorithm = "AWS4-HMAC-SHA256"

// terminator closes every credential scope.
const terminator = "aws4_request"

// ParseAuthorization parses the value of a SigV4 Authorization header:
//
//	AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=<hex>
//
// It returns the credential scope, the signed header names in the order
// given and the signature as sent. Parameters may come in any order and
// spaces around them are ignored; a parameter given twice, an unknown one, a
// malformed scope or another algorithm is an IncompleteSignature error.
func ParseAuthorization(value string) (Credential, []string, string, error) {
	value = strings.Trim(value, " \t")
	alg, params, _ := strings.Cut(value, " ")
	if alg != algorithm {
		return Credential{}, nil, "", malformed("Unsupported algorithm in the Authorization header: only " + algorithm + " is accepted.")
	}
	var cred, headers, sig string
	var haveCred, haveHeaders, haveSig bool
	for part := range strings.SplitSeq(params, ",") {
		part = strings.Trim(part, " \t")
		if part == "" {
			continue // tolerate "a, , b" and a trailing comma; nothing is lost
		}
		key, val, ok := strings.Cut(part, "=")
		if !ok {
			return Credential{}, nil, "", malformed("Authorization header parameters must have the form Name=Value.")
		}
		key = strings.Trim(key, " \t")
		val = strings.Trim(val, " \t")
		var dst *string
		var seen *bool
		switch key {
		case "Credential":
			dst, seen = &cred, &haveCred
		case "SignedHeaders":
			dst, seen = &headers, &haveHeaders
		case "Signature":
			dst, seen = &sig, &haveSig
		default:
			return Credential{}, nil, "", malformed("Authorization header has an unknown parameter; expected Credential, SignedHeaders and Signature.")
		}
		if *seen {
			// Two values would leave us guessing which one the client meant.
			return Credential{}, nil, "", malformed("Authorization header repeats the '" + key + "' parameter.")
		}
		*dst, *seen = val, true
	}
	var missing []string
	for _, p := range []struct {
		name string
		val  string
	}{{"Credential", cred}, {"SignedHeaders", headers}, {"Signature", sig}} {
		if p.val == "" {
			missing = append(missing, "Authorization header requires '"+p.name+"' parameter.")
		}
	}
	if missing != nil {
		return Credential{}, nil, "", malformed(strings.Join(missing, " "))
	}
	c, err := parseCredential(cred)
	if err != nil {
		return Credential{}, nil, "", err
	}
	names, err := parseSignedHeaders(headers)
	if err != nil {
		return Credential{}, nil, "", err
	}
	if !visible(sig) {
		return Credential{}, nil, "", malformed("Authorization header has a malformed 'Signature' parameter.")
	}
	return c, names, sig, nil
}

// parseCredential splits AKID/YYYYMMDD/region/service/aws4_request.
func parseCredential(s string) (Credential, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 5 {
		return Credential{}, malformed("Credential must have the form <AccessKeyId>/<YYYYMMDD>/<Region>/<Service>/" + terminator + ".")
	}
	for _, p := range parts {
		// Scope parts go into the string to sign between newlines; control
		// characters or spaces there could make two scopes read alike.
		if !visible(p) {
			return Credential{}, malformed("Credential must have the form <AccessKeyId>/<YYYYMMDD>/<Region>/<Service>/" + terminator + ".")
		}
	}
	if parts[4] != terminator {
		return Credential{}, malformed("Credential should be scoped with a valid terminator: '" + terminator + "'.")
	}
	if _, err := time.Parse("20060102", parts[1]); err != nil || len(parts[1]) != 8 {
		return Credential{}, malformed("Credential date must be in the form YYYYMMDD.")
	}
	return Credential{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}, nil
}

// MaxSignedHeaders is how many headers a request may sign. The SDKs sign
// a handful (host, x-amz-date, x-amz-security-token, content-type,
// x-amz-content-sha256, a few x-amz-* more); the cap keeps a request that
// lists thousands from costing CPU before its signature is checked.
const MaxSignedHeaders = 256

// parseSignedHeaders splits "host;x-amz-date". Names are kept as sent: they
// appear verbatim in the canonical request the client signed. More than
// MaxSignedHeaders names are refused as malformed before they are split.
func parseSignedHeaders(s string) ([]string, error) {
	if strings.Count(s, ";") >= MaxSignedHeaders {
		return nil, malformed("SignedHeaders lists more than " + strconv.Itoa(MaxSignedHeaders) + " headers.")
	}
	names := strings.Split(s, ";")
	for _, n := range names {
		if !isToken(n) {
			return nil, malformed("SignedHeaders must be a ';'-separated list of header names.")
		}
	}
	return names, nil
}

// visible reports whether s is non-empty printable ASCII without spaces.
func visible(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// isToken reports whether s is a non-empty HTTP token (RFC 9110 tchar), the
// only characters a header name may hold. Refusing others keeps newlines,
// colons and separators out of the canonical request.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
