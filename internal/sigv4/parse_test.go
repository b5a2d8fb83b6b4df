package sigv4

import (
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const goodSig = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"

func TestParseAuthorization(t *testing.T) {
	iam := Credential{AccessKeyID: "AKIDEXAMPLE", Date: "20150830", Region: "us-east-1", Service: "iam"}
	tests := []struct {
		name    string
		value   string
		cred    Credential
		headers []string
		sig     string
		wantErr bool
	}{
		{
			name:  "good",
			value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" + goodSig,
			cred:  iam, headers: []string{"content-type", "host", "x-amz-date"}, sig: goodSig,
		},
		{
			name:  "no spaces after commas",
			value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request,SignedHeaders=host,Signature=" + goodSig,
			cred:  iam, headers: []string{"host"}, sig: goodSig,
		},
		{
			name:  "extra spaces",
			value: "  AWS4-HMAC-SHA256   Credential = AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request ,  SignedHeaders=host ,Signature=" + goodSig + "  ",
			cred:  iam, headers: []string{"host"}, sig: goodSig,
		},
		{
			name:  "parameters in another order",
			value: "AWS4-HMAC-SHA256 Signature=" + goodSig + ", SignedHeaders=host, Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request",
			cred:  iam, headers: []string{"host"}, sig: goodSig,
		},
		{
			name:  "trailing comma",
			value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=" + goodSig + ",",
			cred:  iam, headers: []string{"host"}, sig: goodSig,
		},
		{name: "missing Credential", value: "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=" + goodSig, wantErr: true},
		{name: "missing SignedHeaders", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, Signature=" + goodSig, wantErr: true},
		{name: "missing Signature", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=host", wantErr: true},
		{name: "empty Signature", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=", wantErr: true},
		{name: "algorithm only", value: "AWS4-HMAC-SHA256", wantErr: true},
		{name: "empty", value: "", wantErr: true},
		{name: "scope with four parts", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/aws4_request, SignedHeaders=host, Signature=" + goodSig, wantErr: true},
		{name: "scope with six parts", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/x/aws4_request, SignedHeaders=host, Signature=" + goodSig, wantErr: true},
		{name: "scope terminator aws4_requests", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_requests, SignedHeaders=host, Signature=" + goodSig, wantErr: true},
		{name: "scope date not a date", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20151330/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=" + goodSig, wantErr: true},
		{name: "scope date too short", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2015083/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=" + goodSig, wantErr: true},
		{name: "empty access key", value: "AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=" + goodSig, wantErr: true},
		{name: "empty region", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830//iam/aws4_request, SignedHeaders=host, Signature=" + goodSig, wantErr: true},
		{name: "newline in scope", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1\n/iam/aws4_request, SignedHeaders=host, Signature=" + goodSig, wantErr: true},
		{name: "empty signed header name", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=host;;x-amz-date, Signature=" + goodSig, wantErr: true},
		{name: "colon in signed header name", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=host:x, Signature=" + goodSig, wantErr: true},
		{name: "unknown algorithm", value: "AWS4-HMAC-SHA512 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=" + goodSig, wantErr: true},
		{name: "sigv4a", value: "AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20150830/iam/aws4_request, SignedHeaders=host, Signature=" + goodSig, wantErr: true},
		{name: "sigv2", value: "AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", wantErr: true},
		{name: "lower-case algorithm", value: "aws4-hmac-sha256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=" + goodSig, wantErr: true},
		{name: "repeated Signature", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=" + goodSig + ", Signature=" + goodSig, wantErr: true},
		{name: "unknown parameter", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=" + goodSig + ", Extra=1", wantErr: true},
		{name: "parameter without value", value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders, Signature=" + goodSig, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred, headers, sig, err := ParseAuthorization(tt.value)
			if tt.wantErr {
				if err == nil || Code(err) != "IncompleteSignature" {
					t.Errorf("ParseAuthorization(%q) = %v, want IncompleteSignature", tt.value, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAuthorization(%q) = %v, want nil", tt.value, err)
			}
			if diff := cmp.Diff(tt.cred, cred); diff != "" {
				t.Errorf("ParseAuthorization(%q) credential mismatch (-want +got):\n%s", tt.value, diff)
			}
			if diff := cmp.Diff(tt.headers, headers); diff != "" {
				t.Errorf("ParseAuthorization(%q) signed headers mismatch (-want +got):\n%s", tt.value, diff)
			}
			if sig != tt.sig {
				t.Errorf("ParseAuthorization(%q) signature = %q, want %q", tt.value, sig, tt.sig)
			}
		})
	}
}

// goodAuth is the IAM ListUsers example's Authorization header.
const goodAuth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" + goodSig

const goodPresign = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fiam%2Faws4_request" +
	"&X-Amz-Date=20150830T123600Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=" + goodSig

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		rawQuery string
		header   map[string][]string
		want     Kind // 0 for success
	}{
		{name: "header signed", header: map[string][]string{"Authorization": {goodAuth}, "X-Amz-Date": {"20150830T123600Z"}}},
		{name: "presigned", rawQuery: goodPresign},
		{name: "unsigned", rawQuery: "Action=AssumeRoleWithWebIdentity", want: NotSigned},
		{name: "unsigned with bad query", rawQuery: "Action=%zz", want: NotSigned},
		{name: "empty", want: NotSigned},
		{name: "both mechanisms", rawQuery: goodPresign, header: map[string][]string{"Authorization": {goodAuth}, "X-Amz-Date": {"20150830T123600Z"}}, want: Malformed},
		{name: "two Authorization headers", header: map[string][]string{"Authorization": {goodAuth, goodAuth}, "X-Amz-Date": {"20150830T123600Z"}}, want: Malformed},
		{name: "Authorization in two spellings", header: map[string][]string{"Authorization": {goodAuth}, "authorization": {goodAuth}, "X-Amz-Date": {"20150830T123600Z"}}, want: Malformed},
		{name: "no date", header: map[string][]string{"Authorization": {goodAuth}}, want: Malformed},
		{name: "bad X-Amz-Date", header: map[string][]string{"Authorization": {goodAuth}, "X-Amz-Date": {"2015-08-30T12:36:00Z"}}, want: Malformed},
		{name: "X-Amz-Date with fraction", header: map[string][]string{"Authorization": {goodAuth}, "X-Amz-Date": {"20150830T123600.5Z"}}, want: Malformed},
		{name: "two X-Amz-Date", header: map[string][]string{"Authorization": {goodAuth}, "X-Amz-Date": {"20150830T123600Z", "20150830T123600Z"}}, want: Malformed},
		{name: "X-Amz-Date in query", rawQuery: "X-Amz-Date=20150830T123600Z", header: map[string][]string{"Authorization": {goodAuth}}},
		{name: "Date header", header: map[string][]string{"Authorization": {goodAuth}, "Date": {"Sun, 30 Aug 2015 12:36:00 GMT"}}},
		{name: "Date header in ISO 8601", header: map[string][]string{"Authorization": {goodAuth}, "Date": {"20150830T123600Z"}}},
		{name: "bad Date header", header: map[string][]string{"Authorization": {goodAuth}, "Date": {"yesterday"}}, want: Malformed},
		{name: "host not signed", header: map[string][]string{"Authorization": {strings.Replace(goodAuth, "content-type;host;x-amz-date", "content-type;x-amz-date", 1)}, "X-Amz-Date": {"20150830T123600Z"}}, want: Malformed},
		{name: "bad query with Authorization", rawQuery: "a=%zz", header: map[string][]string{"Authorization": {goodAuth}, "X-Amz-Date": {"20150830T123600Z"}}, want: Malformed},
		{name: "two different session tokens", rawQuery: goodPresign + "&X-Amz-Security-Token=a", header: map[string][]string{"X-Amz-Security-Token": {"b"}}, want: Malformed},
		{name: "same session token twice", rawQuery: goodPresign + "&X-Amz-Security-Token=a", header: map[string][]string{"X-Amz-Security-Token": {"a"}}},
		{name: "two different content hashes", header: map[string][]string{"Authorization": {goodAuth}, "X-Amz-Date": {"20150830T123600Z"}, "X-Amz-Content-Sha256": {"a", "b"}}, want: Malformed},
		{name: "presigned missing signature", rawQuery: strings.Replace(goodPresign, "&X-Amz-Signature=", "&X-Amz-Nothing=", 1), want: Malformed},
		{name: "presigned missing credential", rawQuery: strings.Replace(goodPresign, "X-Amz-Credential=", "X-Amz-Nothing=", 1), want: Malformed},
		{name: "presigned only signature", rawQuery: "X-Amz-Signature=" + goodSig, want: Malformed},
		{name: "presigned missing date", rawQuery: strings.Replace(goodPresign, "X-Amz-Date=", "X-Amz-Nothing=", 1), want: Malformed},
		{name: "presigned other algorithm", rawQuery: strings.Replace(goodPresign, "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1), want: Malformed},
		{name: "presigned repeated signature", rawQuery: goodPresign + "&X-Amz-Signature=" + goodSig, want: Malformed},
		{name: "presigned bad scope", rawQuery: strings.Replace(goodPresign, "aws4_request", "aws5_request", 1), want: Malformed},
		{name: "presigned host not signed", rawQuery: strings.Replace(goodPresign, "X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=x-amz-date", 1), want: Malformed},
		{name: "presigned expires zero", rawQuery: strings.Replace(goodPresign, "X-Amz-Expires=900", "X-Amz-Expires=0", 1), want: Malformed},
		{name: "presigned expires negative", rawQuery: strings.Replace(goodPresign, "X-Amz-Expires=900", "X-Amz-Expires=-1", 1), want: Malformed},
		{name: "presigned expires over a week", rawQuery: strings.Replace(goodPresign, "X-Amz-Expires=900", "X-Amz-Expires=604801", 1), want: Malformed},
		{name: "presigned expires a week", rawQuery: strings.Replace(goodPresign, "X-Amz-Expires=900", "X-Amz-Expires=604800", 1)},
		{name: "presigned expires not a number", rawQuery: strings.Replace(goodPresign, "X-Amz-Expires=900", "X-Amz-Expires=15m", 1), want: Malformed},
		{name: "presigned expires twice", rawQuery: goodPresign + "&X-Amz-Expires=900", want: Malformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Request{Method: "POST", Path: "/", RawQuery: tt.rawQuery, Host: "iam.amazonaws.com", Header: tt.header, PayloadHash: sha256Hex("")}
			s, err := Parse(r)
			if kindOf(err) != tt.want || (tt.want == 0) != (err == nil) {
				t.Fatalf("Parse(%q, %q) = %v, want kind %v", tt.rawQuery, tt.header, err, tt.want)
			}
			if tt.want == NotSigned && !errors.Is(err, ErrNotSigned) {
				t.Errorf("Parse() = %v, want ErrNotSigned", err)
			}
			if err == nil && !s.Time.Equal(suiteTime) {
				t.Errorf("Parse() Time = %v, want %v", s.Time, suiteTime)
			}
		})
	}
}

func TestCode(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("other"), ""},
		{ErrNotSigned, "MissingAuthenticationToken"},
		{&Error{Kind: Malformed}, "IncompleteSignature"},
		{&Error{Kind: Mismatch}, "SignatureDoesNotMatch"},
		{&Error{Kind: Skewed}, "SignatureDoesNotMatch"},
		{&Error{Kind: Expired}, "RequestExpired"},
		{&Error{Kind: 99}, ""},
		{errors.Join(errors.New("wrapped"), &Error{Kind: Expired}), "RequestExpired"},
	}
	for _, tt := range tests {
		if got := Code(tt.err); got != tt.want {
			t.Errorf("Code(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestVerifyRules covers Verify's checks besides the signature itself, on
// the IAM ListUsers example (signature valid at 20150830T123600Z).
func TestVerifyRules(t *testing.T) {
	e := loadDocsExamples(t)["iam-listusers-header-auth"]
	base := parseRaw(t, e.Request)
	base.Header["Authorization"] = []string{e.Authorization}

	tests := []struct {
		name    string
		edit    func(r *Request)
		now     time.Time
		want    Kind
		wantMsg string
	}{
		{name: "valid", now: suiteTime},
		{name: "exactly 15 min later", now: suiteTime.Add(15 * time.Minute)},
		{
			name: "16 min later", now: suiteTime.Add(16 * time.Minute), want: Skewed,
			wantMsg: "SignatureDoesNotMatch: Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T125200Z - 15 min.)",
		},
		{
			name: "16 min earlier", now: suiteTime.Add(-16 * time.Minute), want: Skewed,
			wantMsg: "SignatureDoesNotMatch: Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T122000Z + 15 min.)",
		},
		{name: "now in another zone", now: suiteTime.In(time.FixedZone("X", 5*3600))},
		{
			name: "scope date differs from X-Amz-Date", now: suiteTime, want: Mismatch,
			edit: func(r *Request) {
				r.Header["Authorization"] = []string{strings.Replace(e.Authorization, "/20150830/", "/20150831/", 1)}
			},
			wantMsg: "SignatureDoesNotMatch: Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'.",
		},
		{
			name: "content hash header differs from body", now: suiteTime, want: Mismatch,
			edit: func(r *Request) { r.Header["X-Amz-Content-Sha256"] = []string{sha256Hex("other body")} },
		},
		{
			// Unsigned, but it says what the canonical request already said.
			name: "content hash header equal to body hash", now: suiteTime,
			edit: func(r *Request) { r.Header["X-Amz-Content-Sha256"] = []string{r.PayloadHash} },
		},
		{
			// Opting out of body signing after the fact changes the
			// canonical request's last line.
			name: "UNSIGNED-PAYLOAD added", now: suiteTime, want: Mismatch,
			edit: func(r *Request) { r.Header["X-Amz-Content-Sha256"] = []string{"UNSIGNED-PAYLOAD"} },
		},
		{
			name: "method changed", now: suiteTime, want: Mismatch,
			edit: func(r *Request) { r.Method = "POST" },
		},
		{
			name: "host changed", now: suiteTime, want: Mismatch,
			edit: func(r *Request) { r.Host = "iam.example.com" },
		},
		{
			name: "query reordered", now: suiteTime,
			edit: func(r *Request) { r.RawQuery = "Version=2010-05-08&Action=ListUsers" },
		},
		{
			name: "query re-encoded", now: suiteTime,
			edit: func(r *Request) { r.RawQuery = "%41ction=List%55sers&Version=2010-05-08" },
		},
		{
			name: "path with dot segments", now: suiteTime,
			edit: func(r *Request) { r.Path = "/a/./../" },
		},
		{
			name: "path changed", now: suiteTime, want: Mismatch,
			edit: func(r *Request) { r.Path = "/a" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			r.Header = map[string][]string{}
			for k, v := range base.Header {
				r.Header[k] = v
			}
			if tt.edit != nil {
				tt.edit(&r)
			}
			s, err := Parse(r)
			if err != nil {
				t.Fatalf("Parse() = %v", err)
			}
			err = s.Verify(e.Secret, tt.now)
			if kindOf(err) != tt.want || (tt.want == 0) != (err == nil) {
				t.Fatalf("Verify(%q) = %v, want kind %v", e.Secret, err, tt.want)
			}
			if tt.wantMsg != "" && err.Error() != tt.wantMsg {
				t.Errorf("Verify(%q) = %q, want %q", e.Secret, err, tt.wantMsg)
			}
		})
	}
}

func TestVerifyEmptyPayloadHash(t *testing.T) {
	e := loadDocsExamples(t)["iam-listusers-header-auth"]
	r := parseRaw(t, e.Request)
	r.Header["Authorization"] = []string{e.Authorization}
	r.PayloadHash = ""
	s, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	if err := s.Verify(e.Secret, suiteTime); err == nil || Code(err) != "" {
		t.Errorf("Verify() with empty PayloadHash = %v, want an internal (code-less) error", err)
	}
}

func TestCheckScope(t *testing.T) {
	s := &Signed{Credential: Credential{AccessKeyID: "AKID", Date: "20150830", Region: "eu-west-1", Service: "sts"}}
	tests := []struct {
		region, service string
		want            Kind
	}{
		{"eu-west-1", "sts", 0},
		{"", "sts", 0},
		{"us-east-1", "sts", Mismatch},
		{"eu-west-1", "iam", Mismatch},
		{"", "STS", Mismatch},
	}
	for _, tt := range tests {
		err := s.CheckScope(tt.region, tt.service)
		if kindOf(err) != tt.want || (tt.want == 0) != (err == nil) {
			t.Errorf("CheckScope(%q, %q) = %v, want kind %v", tt.region, tt.service, err, tt.want)
		}
	}
}

func TestNormalizePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"//", "/"},
		{"/a/b", "/a/b"},
		{"/a/b/", "/a/b/"},
		{"//a//b//", "/a/b/"},
		{"/./a", "/a"},
		{"/a/.", "/a"},
		{"/a/..", "/"},
		{"/a/b/../c", "/a/c"},
		{"/../../a", "/a"},
		{"/a/%2E%2E/b", "/a/%2E%2E/b"}, // encoded dots are names, not dot segments
		{"/a..b/.c", "/a..b/.c"},
	}
	for _, tt := range tests {
		if got := normalizePath(tt.in); got != tt.want {
			t.Errorf("normalizePath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEncode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"AZaz09-_.~", "AZaz09-_.~"},
		{"a b+c/d", "a%20b%2Bc%2Fd"},
		{"ሴ", "%E1%88%B4"},
		{"%", "%25"},
		{"=&;,", "%3D%26%3B%2C"},
	}
	for _, tt := range tests {
		if got := encode(tt.in); got != tt.want {
			t.Errorf("encode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCanonicalQuery pins decoding and sorting: '+' means a space (as
// url.ParseQuery reads it), keys sort by their encoded form, then values.
func TestCanonicalQuery(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"", ""},
		{"b=2&a=1", "a=1&b=2"},
		{"a=2&a=1&a=10", "a=1&a=10&a=2"},
		{"a+b=c+d", "a%20b=c%20d"},
		{"a%20b=c%2Bd", "a%20b=c%2Bd"},
		{"flag", "flag="},
		{"a=1&&b=2&", "a=1&b=2"},
		{"=v", "=v"},
		{"%e1%88%b4=1&P=2&~=3", "%E1%88%B4=1&P=2&~=3"},
		{"a=b=c", "a=b%3Dc"},
	}
	for _, tt := range tests {
		q, err := parseQuery(tt.raw)
		if err != nil {
			t.Errorf("parseQuery(%q) = %v", tt.raw, err)
			continue
		}
		s := &Signed{query: q}
		if got := string(s.appendQuery(nil, false)); got != tt.want {
			t.Errorf("canonical query of %q = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

// TestCanonicalHeaders pins value cleaning and header-name case handling.
func TestCanonicalHeaders(t *testing.T) {
	tests := []struct {
		name   string
		header map[string][]string
		signed []string
		want   string
	}{
		{"trim and collapse", map[string][]string{"X-A": {"  a   b  c "}}, []string{"x-a"}, "x-a:a b c\n"},
		{"tabs trimmed", map[string][]string{"X-A": {"\ta b\t"}}, []string{"x-a"}, "x-a:a b\n"},
		{"repeated values in order", map[string][]string{"X-A": {"2", "1", " 3"}}, []string{"x-a"}, "x-a:2,1,3\n"},
		{"lower-case map key", map[string][]string{"x-a": {"v"}}, []string{"x-a"}, "x-a:v\n"},
		{"two spellings sorted by key", map[string][]string{"x-a": {"2"}, "X-A": {"1"}}, []string{"x-a"}, "x-a:1,2\n"},
		{"absent header is empty", map[string][]string{}, []string{"x-a"}, "x-a:\n"},
		{"host from Request.Host", map[string][]string{"Host": {"ignored"}}, []string{"host"}, "host:iam.amazonaws.com\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Signed{req: Request{Host: "iam.amazonaws.com", Header: tt.header}, SignedHeaders: tt.signed}
			if got := string(s.appendHeaders(nil)); got != tt.want {
				t.Errorf("canonical headers of %q = %q, want %q", tt.header, got, tt.want)
			}
		})
	}
	s := &Signed{req: Request{Header: map[string][]string{"Host": {"h.example"}}}, SignedHeaders: []string{"host"}}
	if got, want := string(s.appendHeaders(nil)), "host:h.example\n"; got != want {
		t.Errorf("canonical headers with Host only in Header = %q, want %q", got, want)
	}
}

// TestVerifyDateHeader signs, by hand, a request dated only by a Date header
// and checks Verify turns it into the ISO 8601 form for the string to sign.
func TestVerifyDateHeader(t *testing.T) {
	const creq = "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\ndate:Sun, 30 Aug 2015 12:36:00 GMT\nhost:iam.amazonaws.com\n\ncontent-type;date;host\n" +
		"b6359072c78d70ebee1e81adcbab4f01bf2c23245fa365ef83fe8f1f955085e2"
	sts := "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n" + sha256Hex(creq)
	sig := hex.EncodeToString(hmacSHA256(SigningKey(suiteSecret, "20150830", "us-east-1", "iam"), sts))
	r := Request{
		Method: "POST", Path: "/", Host: "iam.amazonaws.com",
		Header: map[string][]string{
			"Content-Type":  {"application/x-www-form-urlencoded"},
			"Date":          {"Sun, 30 Aug 2015 12:36:00 GMT"},
			"Authorization": {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;date;host, Signature=" + sig},
		},
		PayloadHash: sha256Hex(listUsers),
	}
	s, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	if err := s.Verify(suiteSecret, suiteTime); err != nil {
		t.Errorf("Verify(%q) = %v, want nil\ncanonical request:\n%s", suiteSecret, err, s.CanonicalRequest())
	}
}

// TestVerifySignedBodyHashSwap takes aws-c-auth's request whose signed
// x-amz-content-sha256 covers the body, and swaps the body: the signature
// still matches its canonical request, so only the hash check can object.
func TestVerifySignedBodyHashSwap(t *testing.T) {
	dir := filepath.Join(testdataDir, "aws-signing-test-suite", "v4", "post-x-www-form-urlencoded")
	r := parseRaw(t, readFile(t, filepath.Join(dir, "header-signed-request.txt")))
	s, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	if err := s.Verify(suiteSecret, suiteTime); err != nil {
		t.Fatalf("Verify(%q) = %v, want nil", suiteSecret, err)
	}
	r.PayloadHash = sha256Hex("Param1=value2")
	if s, err = Parse(r); err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	want := "SignatureDoesNotMatch: The provided 'x-amz-content-sha256' header does not match what was computed."
	if err := s.Verify(suiteSecret, suiteTime); err == nil || err.Error() != want {
		t.Errorf("Verify(%q) with swapped body = %v, want %q", suiteSecret, err, want)
	}
}
