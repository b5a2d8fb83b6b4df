package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The parameters shared by both published suites (testdata/README.md).
const (
	suiteAKID   = "AKIDEXAMPLE"
	suiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testdataDir = "../../testdata/sigv4"
)

var suiteTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

// parseRaw reads a raw HTTP/1.1 request the way a server would hand it to
// us: the request target split into path and query as sent, header names
// canonicalised (as net/http does), Host taken out of the headers, folded
// header lines joined with a space, and the body hashed. The suites' files
// may lack a trailing newline and get-space has a space inside the request
// target, so the target is everything between the first and last space.
func parseRaw(t testing.TB, data string) Request {
	t.Helper()
	lines := strings.Split(data, "\n")
	method, rest, ok := strings.Cut(strings.TrimSuffix(lines[0], "\r"), " ")
	last := strings.LastIndexByte(rest, ' ')
	if !ok || last < 0 {
		t.Fatalf("bad request line %q", lines[0])
	}
	target := rest[:last]
	r := Request{Method: method, Header: map[string][]string{}}
	for _, scheme := range []string{"http://", "https://"} {
		if after, ok := strings.CutPrefix(target, scheme); ok {
			// Absolute form: the authority is the host.
			host, path, _ := strings.Cut(after, "/")
			r.Host, target = host, "/"+path
		}
	}
	r.Path, r.RawQuery, _ = strings.Cut(target, "?")

	var lastName string
	i := 1
	for ; i < len(lines); i++ {
		line := strings.TrimSuffix(lines[i], "\r")
		if line == "" {
			i++
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			// obs-fold: RFC 9112 says to replace it with a space.
			vs := r.Header[lastName]
			vs[len(vs)-1] += " " + strings.TrimSpace(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("bad header line %q", line)
		}
		name = textproto.CanonicalMIMEHeaderKey(name)
		value = strings.Trim(value, " \t")
		if name == "Host" {
			r.Host = value
			continue
		}
		r.Header[name] = append(r.Header[name], value)
		lastName = name
	}
	body := ""
	if i < len(lines) {
		body = strings.Join(lines[i:], "\n")
	}
	r.PayloadHash = sha256Hex(body)
	return r
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lowerKeys returns h with every name lower-cased, as a hand-built map
// might have it, to show lookups do not depend on net/http's spelling.
func lowerKeys(h map[string][]string) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, v := range h {
		out[strings.ToLower(k)] = v
	}
	return out
}

// flipSignature changes the last hex digit of the signature in s.
func flipSignature(s, sig string) string {
	last := sig[len(sig)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return strings.Replace(s, sig, sig[:len(sig)-1]+string(repl), 1)
}

func kindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// aws4Cases lists the case folders of aws4_testsuite (those holding a .req).
func aws4Cases(t *testing.T) []string {
	t.Helper()
	root := filepath.Join(testdataDir, "aws4_testsuite")
	var cases []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".req") {
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			cases = append(cases, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

func TestAWS4TestSuite(t *testing.T) {
	cases := aws4Cases(t)
	if len(cases) != 34 {
		t.Errorf("found %d aws4_testsuite cases, want 34", len(cases))
	}
	for _, name := range cases {
		t.Run(name, func(t *testing.T) {
			base := filepath.Join(testdataDir, "aws4_testsuite", name, filepath.Base(name))
			sreq := readFile(t, base+".sreq")
			wantCreq := readFile(t, base+".creq")
			wantSTS := readFile(t, base+".sts")
			authz := readFile(t, base+".authz")

			r := parseRaw(t, sreq)
			// The .authz is the reference: upstream's get-vanilla-with-session-token
			// .sreq carries get-vanilla's signature, which no verifier can accept,
			// and its .req lacks the token header, so the .sreq headers are
			// combined with the .authz value.
			if got := r.Header["Authorization"]; !cmp.Equal(got, []string{authz}) && name != "get-vanilla-with-session-token" {
				t.Errorf(".sreq Authorization = %q, want the .authz value %q", got, authz)
			}
			r.Header["Authorization"] = []string{authz}
			for _, variant := range []struct {
				name   string
				header map[string][]string
			}{{"canonical-keys", r.Header}, {"lower-keys", lowerKeys(r.Header)}} {
				r := r
				r.Header = variant.header
				s, err := Parse(r)
				if err != nil {
					t.Fatalf("%s: Parse() = %v", variant.name, err)
				}
				if diff := cmp.Diff(wantCreq, s.CanonicalRequest()); diff != "" {
					t.Errorf("%s: CanonicalRequest() mismatch (-want +got):\n%s", variant.name, diff)
				}
				if diff := cmp.Diff(wantSTS, s.StringToSign()); diff != "" {
					t.Errorf("%s: StringToSign() mismatch (-want +got):\n%s", variant.name, diff)
				}
				if err := s.Verify(suiteSecret, suiteTime); err != nil {
					t.Errorf("%s: Verify(%q) = %v, want nil", variant.name, suiteSecret, err)
				}
			}

			_, _, sig, err := ParseAuthorization(authz)
			if err != nil {
				t.Fatalf("ParseAuthorization(%q) = %v", authz, err)
			}
			bad := r
			bad.Header = map[string][]string{}
			for k, v := range r.Header {
				bad.Header[k] = v
			}
			bad.Header["Authorization"] = []string{flipSignature(authz, sig)}
			s, err := Parse(bad)
			if err != nil {
				t.Fatalf("Parse(flipped) = %v", err)
			}
			if err := s.Verify(suiteSecret, suiteTime); kindOf(err) != Mismatch || Code(err) != "SignatureDoesNotMatch" {
				t.Errorf("Verify(flipped signature) = %v, want SignatureDoesNotMatch", err)
			}
		})
	}
}

// signingContext is an aws-c-auth context.json.
type signingContext struct {
	Credentials struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		Token           string `json:"token"`
	} `json:"credentials"`
	Expiration       int64     `json:"expiration_in_seconds"`
	Normalize        bool      `json:"normalize"`
	Region           string    `json:"region"`
	Service          string    `json:"service"`
	SignBody         bool      `json:"sign_body"`
	Timestamp        time.Time `json:"timestamp"`
	OmitSessionToken bool      `json:"omit_session_token"`
}

func TestAWSSigningTestSuite(t *testing.T) {
	root := filepath.Join(testdataDir, "aws-signing-test-suite", "v4")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 38 {
		t.Errorf("found %d aws-signing-test-suite v4 cases, want 38", len(entries))
	}
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		var ctx signingContext
		if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "context.json"))), &ctx); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		for _, variant := range []string{"header", "query"} {
			t.Run(e.Name()+"/"+variant, func(t *testing.T) {
				file := func(suffix string) string { return readFile(t, filepath.Join(dir, variant+"-"+suffix)) }
				r := parseRaw(t, file("signed-request.txt"))
				s, err := Parse(r)
				if err != nil {
					t.Fatalf("Parse() = %v", err)
				}
				if s.Presigned != (variant == "query") {
					t.Errorf("Presigned = %v, want %v", s.Presigned, variant == "query")
				}
				// S3-style vectors: the client did not normalise, so neither may we.
				s.SetPayload(r.PayloadHash, Options{S3Path: !ctx.Normalize})
				// aws-c-auth adds an omitted token to the URL after signing.
				omitToken := variant == "query" && ctx.OmitSessionToken

				creq := s.canonicalRequest(omitToken)
				if diff := cmp.Diff(file("canonical-request.txt"), creq); diff != "" {
					t.Errorf("canonical request mismatch (-want +got):\n%s", diff)
				}
				sts := s.stringToSign(creq)
				if diff := cmp.Diff(file("string-to-sign.txt"), sts); diff != "" {
					t.Errorf("string to sign mismatch (-want +got):\n%s", diff)
				}
				key := SigningKey(ctx.Credentials.SecretAccessKey, ctx.Timestamp.Format("20060102"), ctx.Region, ctx.Service)
				wantSig := file("signature.txt")
				if got := hex.EncodeToString(hmacSHA256(key, sts)); got != wantSig {
					t.Errorf("signature = %s, want %s", got, wantSig)
				}
				if s.Signature != wantSig {
					t.Errorf("Signature = %s, want %s", s.Signature, wantSig)
				}
				want := Credential{AccessKeyID: ctx.Credentials.AccessKeyID, Date: "20150830", Region: ctx.Region, Service: ctx.Service}
				if diff := cmp.Diff(want, s.Credential); diff != "" {
					t.Errorf("Credential mismatch (-want +got):\n%s", diff)
				}
				if s.SessionToken != ctx.Credentials.Token {
					t.Errorf("SessionToken = %q, want %q", s.SessionToken, ctx.Credentials.Token)
				}

				secret := ctx.Credentials.SecretAccessKey
				if err := s.Verify(secret, ctx.Timestamp); err != nil {
					t.Errorf("Verify(%q) at %v = %v, want nil", secret, ctx.Timestamp, err)
				}
				if variant == "header" {
					return
				}
				expiry := ctx.Timestamp.Add(time.Duration(ctx.Expiration) * time.Second)
				if s.Expires != time.Duration(ctx.Expiration)*time.Second {
					t.Errorf("Expires = %v, want %ds", s.Expires, ctx.Expiration)
				}
				if err := s.Verify(secret, expiry); err != nil {
					t.Errorf("Verify(%q) at expiry %v = %v, want nil", secret, expiry, err)
				}
				err = s.Verify(secret, expiry.Add(time.Second))
				if kindOf(err) != Expired || Code(err) != "RequestExpired" {
					t.Errorf("Verify(%q) after expiry = %v, want RequestExpired", secret, err)
				}
			})
		}
	}
}

// docsExample is one entry of aws-docs-examples.json.
type docsExample struct {
	Name             string `json:"name"`
	AccessKeyID      string `json:"access_key_id"`
	Secret           string `json:"secret_access_key"`
	Date             string `json:"date"`
	Region           string `json:"region"`
	Service          string `json:"service"`
	AmzDate          string `json:"amz_date"`
	Request          string `json:"request"`
	CanonicalRequest string `json:"canonical_request"`
	CreqSHA256       string `json:"canonical_request_sha256"`
	StringToSign     string `json:"string_to_sign"`
	KDate            string `json:"kDate_hex"`
	KSigning         string `json:"kSigning_hex"`
	SigningKey       string `json:"signing_key_hex"`
	Signature        string `json:"signature"`
	Authorization    string `json:"authorization"`
	PresignedURL     string `json:"presigned_url"`
}

func loadDocsExamples(t *testing.T) map[string]docsExample {
	t.Helper()
	var doc struct {
		Examples []docsExample `json:"examples"`
	}
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(testdataDir, "aws-docs-examples.json"))), &doc); err != nil {
		t.Fatal(err)
	}
	m := map[string]docsExample{}
	for _, e := range doc.Examples {
		m[e.Name] = e
	}
	return m
}

func TestDocsSigningKey(t *testing.T) {
	examples := loadDocsExamples(t)
	e := examples["signing-key-derivation"]
	if got := hex.EncodeToString(SigningKey(e.Secret, e.Date, e.Region, e.Service)); got != e.KSigning {
		t.Errorf("SigningKey(%q, %q, %q, %q) = %s, want %s", "<secret>", e.Date, e.Region, e.Service, got, e.KSigning)
	}
	// The other examples give the key for their own scope.
	for _, name := range []string{"iam-listusers-header-auth", "s3-get-object-header-auth", "s3-presigned-url-get"} {
		e := examples[name]
		if got := hex.EncodeToString(SigningKey(e.Secret, e.AmzDate[:8], e.Region, e.Service)); got != e.SigningKey {
			t.Errorf("%s: SigningKey() = %s, want %s", name, got, e.SigningKey)
		}
		// Canonical request -> string to sign -> signature, independent of parsing.
		if got := sha256Hex(e.CanonicalRequest); got != e.CreqSHA256 {
			t.Errorf("%s: sha256(canonical request) = %s, want %s", name, got, e.CreqSHA256)
		}
		s := &Signed{Credential: Credential{Date: e.AmzDate[:8], Region: e.Region, Service: e.Service}, amzDate: e.AmzDate}
		if got := s.stringToSign(e.CanonicalRequest); got != e.StringToSign {
			t.Errorf("%s: stringToSign() = %q, want %q", name, got, e.StringToSign)
		}
		if got := hex.EncodeToString(hmacSHA256(SigningKey(e.Secret, e.AmzDate[:8], e.Region, e.Service), e.StringToSign)); got != e.Signature {
			t.Errorf("%s: signature = %s, want %s", name, got, e.Signature)
		}
	}
}

func TestDocsIAMListUsers(t *testing.T) {
	e := loadDocsExamples(t)["iam-listusers-header-auth"]
	r := parseRaw(t, e.Request)
	r.Header["Authorization"] = []string{e.Authorization}
	s, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	if diff := cmp.Diff(e.CanonicalRequest, s.CanonicalRequest()); diff != "" {
		t.Errorf("CanonicalRequest() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(e.StringToSign, s.StringToSign()); diff != "" {
		t.Errorf("StringToSign() mismatch (-want +got):\n%s", diff)
	}
	now := s.Time.Add(3 * time.Minute)
	if err := s.Verify(e.Secret, now); err != nil {
		t.Errorf("Verify(%q) = %v, want nil", e.Secret, err)
	}
	if err := s.CheckScope("us-east-1", "iam"); err != nil {
		t.Errorf("CheckScope(us-east-1, iam) = %v, want nil", err)
	}
}

// TestDocsS3Presigned checks the S3 presigned URL example end to end. S3
// neither normalises paths nor hashes the body of a presigned request; the
// caller says so with Options.S3Path and PayloadHash "UNSIGNED-PAYLOAD".
func TestDocsS3Presigned(t *testing.T) {
	e := loadDocsExamples(t)["s3-presigned-url-get"]
	r := parseRaw(t, "GET "+e.PresignedURL+" HTTP/1.1\n\n")
	r.PayloadHash = unsignedPayload
	s, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	s.SetPayload(r.PayloadHash, Options{S3Path: true})
	if diff := cmp.Diff(e.CanonicalRequest, s.CanonicalRequest()); diff != "" {
		t.Errorf("CanonicalRequest() mismatch (-want +got):\n%s", diff)
	}
	if err := s.Verify(e.Secret, s.Time.Add(23*time.Hour)); err != nil {
		t.Errorf("Verify(%q) = %v, want nil", e.Secret, err)
	}
	if err := s.Verify(e.Secret, s.Time.Add(25*time.Hour)); kindOf(err) != Expired {
		t.Errorf("Verify(%q) a day later = %v, want RequestExpired", e.Secret, err)
	}
}
