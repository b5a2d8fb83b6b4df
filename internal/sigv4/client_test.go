package sigv4

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testAKID    = "AKIAIOSFODNN7EXAMPLE"
	testSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testToken   = "IQoJb3JpZ2luX2VjEXAMPLE//+token=="
	listUsers   = "Action=ListUsers&Version=2010-05-08"
	contentType = "application/x-www-form-urlencoded; charset=utf-8"
)

var signTime = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// sdkRequest describes a request for aws-sdk-go-v2's signer to sign.
type sdkRequest struct {
	token   string
	presign bool
	// expires is put in X-Amz-Expires before presigning; 0 leaves it out.
	expires time.Duration
	at      time.Time
}

// sign has aws-sdk-go-v2 sign (or presign) a ListUsers POST aimed at url and
// returns the request ready to send.
func (o sdkRequest) sign(t testing.TB, url string) *http.Request {
	t.Helper()
	ctx := context.Background()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(listUsers))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if o.expires > 0 {
		q := req.URL.Query()
		q.Set("X-Amz-Expires", strconv.Itoa(int(o.expires/time.Second)))
		req.URL.RawQuery = q.Encode()
	}
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret, SessionToken: o.token}
	signer := v4.NewSigner()
	if !o.presign {
		if err := signer.SignHTTP(ctx, creds, req, sha256Hex(listUsers), "iam", "us-east-1", o.at); err != nil {
			t.Fatal(err)
		}
		return req
	}
	signed, headers, err := signer.PresignHTTP(ctx, creds, req, sha256Hex(listUsers), "iam", "us-east-1", o.at)
	if err != nil {
		t.Fatal(err)
	}
	out, err := http.NewRequestWithContext(ctx, http.MethodPost, signed, strings.NewReader(listUsers))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		if k != "Host" { // net/http sends Host from the URL
			out.Header[k] = v
		}
	}
	return out
}

// received is what a server saw of one request.
type received struct {
	req  Request
	body string
}

// fromHTTP is the conversion the iamd server does.
func fromHTTP(r *http.Request, body []byte) Request {
	return Request{
		Method:      r.Method,
		Path:        r.URL.EscapedPath(),
		RawQuery:    r.URL.RawQuery,
		Host:        r.Host,
		Header:      r.Header,
		PayloadHash: sha256Hex(string(body)),
	}
}

// capture starts a loopback HTTP server that records each request as a
// Request, so the tests check what really arrives over the wire (Host with
// port, Content-Length, User-Agent and Accept-Encoding added by the
// transport) rather than the client-side *http.Request.
func capture(t *testing.T) (*httptest.Server, <-chan received) {
	t.Helper()
	ch := make(chan received, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ch <- received{fromHTTP(r, body), string(body)}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

func send(t *testing.T, srv *httptest.Server, ch <-chan received, req *http.Request) received {
	t.Helper()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return <-ch
}

func TestSDKSignedRequests(t *testing.T) {
	srv, ch := capture(t)
	tests := []struct {
		name   string
		sign   sdkRequest
		tamper func(*http.Request) // applied after signing
		secret string
		now    time.Time
		want   Kind // 0 for success
	}{
		{name: "header", sign: sdkRequest{at: signTime}, secret: testSecret, now: signTime},
		{name: "header with session token", sign: sdkRequest{token: testToken, at: signTime}, secret: testSecret, now: signTime},
		{name: "presigned", sign: sdkRequest{presign: true, expires: 15 * time.Minute, at: signTime}, secret: testSecret, now: signTime},
		{name: "presigned with session token", sign: sdkRequest{presign: true, token: testToken, expires: 15 * time.Minute, at: signTime}, secret: testSecret, now: signTime.Add(10 * time.Minute)},
		{name: "presigned without X-Amz-Expires", sign: sdkRequest{presign: true, at: signTime}, secret: testSecret, now: signTime.Add(14 * time.Minute)},
		{name: "header wrong secret", sign: sdkRequest{at: signTime}, secret: testSecret + "x", now: signTime, want: Mismatch},
		{name: "presigned wrong secret", sign: sdkRequest{presign: true, expires: time.Hour, at: signTime}, secret: "x" + testSecret, now: signTime, want: Mismatch},
		{
			name: "header body altered", sign: sdkRequest{at: signTime}, secret: testSecret, now: signTime, want: Mismatch,
			// Same length, so only the payload hash can tell.
			tamper: func(r *http.Request) {
				r.Body = io.NopCloser(strings.NewReader(strings.Replace(listUsers, "ListUsers", "ListRoles", 1)))
			},
		},
		{
			name: "presigned body altered", sign: sdkRequest{presign: true, expires: time.Hour, at: signTime}, secret: testSecret, now: signTime, want: Mismatch,
			tamper: func(r *http.Request) {
				r.Body = io.NopCloser(strings.NewReader(strings.Replace(listUsers, "ListUsers", "ListRoles", 1)))
			},
		},
		{
			name: "header query added", sign: sdkRequest{at: signTime}, secret: testSecret, now: signTime, want: Mismatch,
			tamper: func(r *http.Request) { r.URL.RawQuery = "Action=DeleteUser" },
		},
		{
			name: "signed header changed", sign: sdkRequest{at: signTime}, secret: testSecret, now: signTime, want: Mismatch,
			tamper: func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") },
		},
		{
			name: "session token swapped", sign: sdkRequest{token: testToken, at: signTime}, secret: testSecret, now: signTime, want: Mismatch,
			tamper: func(r *http.Request) { r.Header.Set("X-Amz-Security-Token", testToken+"x") },
		},
		{
			name: "unsigned header added", sign: sdkRequest{at: signTime}, secret: testSecret, now: signTime,
			tamper: func(r *http.Request) { r.Header.Set("X-Forwarded-For", "192.0.2.1") },
		},
		{name: "clock 14 min ahead", sign: sdkRequest{at: signTime}, secret: testSecret, now: signTime.Add(14 * time.Minute)},
		{name: "clock 14 min behind", sign: sdkRequest{at: signTime}, secret: testSecret, now: signTime.Add(-14 * time.Minute)},
		{name: "clock 16 min ahead", sign: sdkRequest{at: signTime}, secret: testSecret, now: signTime.Add(16 * time.Minute), want: Skewed},
		{name: "clock 16 min behind", sign: sdkRequest{at: signTime}, secret: testSecret, now: signTime.Add(-16 * time.Minute), want: Skewed},
		{name: "presigned 16 min early", sign: sdkRequest{presign: true, expires: time.Hour, at: signTime}, secret: testSecret, now: signTime.Add(-16 * time.Minute), want: Skewed},
		{name: "presigned expired", sign: sdkRequest{presign: true, expires: 15 * time.Minute, at: signTime}, secret: testSecret, now: signTime.Add(15*time.Minute + time.Second), want: Expired},
		{name: "presigned without X-Amz-Expires after 16 min", sign: sdkRequest{presign: true, at: signTime}, secret: testSecret, now: signTime.Add(16 * time.Minute), want: Skewed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.sign.sign(t, srv.URL+"/")
			if tt.tamper != nil {
				tt.tamper(req)
			}
			got := send(t, srv, ch, req)
			s, err := Parse(got.req)
			if err != nil {
				t.Fatalf("Parse() = %v", err)
			}
			if s.Presigned != tt.sign.presign {
				t.Errorf("Presigned = %v, want %v", s.Presigned, tt.sign.presign)
			}
			if want := req.Header.Get("X-Amz-Security-Token") + req.URL.Query().Get("X-Amz-Security-Token"); s.SessionToken != want {
				t.Errorf("SessionToken = %q, want %q", s.SessionToken, want)
			}
			if s.Credential.AccessKeyID != testAKID || !s.Time.Equal(signTime) {
				t.Errorf("Credential, Time = %+v, %v; want %s, %v", s.Credential, s.Time, testAKID, signTime)
			}
			err = s.Verify(tt.secret, tt.now)
			if kindOf(err) != tt.want || (tt.want == 0) != (err == nil) {
				t.Fatalf("Verify(%q) = %v, want kind %v", tt.secret, err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("Verify(%q) error %q reveals the secret", tt.secret, err)
			}
		})
	}
}

// TestVerifyErrorsHideSignature checks that no error message carries the
// signature the server computed, which would turn a mismatch into an oracle.
func TestVerifyErrorsHideSignature(t *testing.T) {
	e := loadDocsExamples(t)["iam-listusers-header-auth"]
	r := parseRaw(t, e.Request)
	r.Header["Authorization"] = []string{flipSignature(e.Authorization, e.Signature)}
	s, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	err = s.Verify(e.Secret, s.Time)
	if Code(err) != "SignatureDoesNotMatch" {
		t.Fatalf("Verify(%q) = %v, want SignatureDoesNotMatch", e.Secret, err)
	}
	for _, secret := range []string{e.Signature, e.Secret, e.SigningKey} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("Verify() error %q contains %q", err, secret)
		}
	}
	if want := "SignatureDoesNotMatch: " + msgMismatch; err.Error() != want {
		t.Errorf("Verify() error = %q, want %q", err, want)
	}
}

// BenchmarkVerify measures Parse and Verify of a typical IAM call: an SDK
// signed ListUsers POST with a session token. Nothing is cached between
// iterations, so each pays the signing-key derivation.
func BenchmarkVerify(b *testing.B) {
	req := sdkRequest{token: testToken, at: signTime}.sign(b, "https://iam.amazonaws.com/")
	req.Header.Set("Content-Length", strconv.Itoa(len(listUsers)))
	req.Header.Set("User-Agent", "aws-sdk-go-v2/1.48.0 os/linux lang/go#1.26 md/GOOS#linux md/GOARCH#amd64 api/iam#1.65.0")
	req.Header.Set("Accept-Encoding", "gzip")
	r := fromHTTP(req, []byte(listUsers))
	b.ReportAllocs()
	for b.Loop() {
		s, err := Parse(r)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Verify(testSecret, signTime); err != nil {
			b.Fatal(err)
		}
	}
}
