package sigv4

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"
)

// botocoreScript has botocore (the signer behind the AWS CLI and boto3) sign
// a ListUsers POST in the header and the presigned form, with and without a
// session token, and prints each request as JSON.
const botocoreScript = `
import json, sys
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

akid, secret, token, body = sys.argv[1:5]
out = []
for name, tok, presign in [("header", None, False), ("header-token", token, False),
                           ("presigned", None, True), ("presigned-token", token, True)]:
    creds = Credentials(akid, secret, tok)
    # A dict, as botocore's Query serializer hands it over: presigning moves
    # it into the query string, header signing form-encodes it.
    data = dict(kv.split("=", 1) for kv in body.split("&"))
    req = AWSRequest(method="POST", url="https://iam.amazonaws.com/", data=data,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    if presign:
        SigV4QueryAuth(creds, "iam", "us-east-1", expires=900).add_auth(req)
    else:
        SigV4Auth(creds, "iam", "us-east-1").add_auth(req)
    p = req.prepare()
    b = p.body or b""
    if isinstance(b, bytes):
        b = b.decode()
    out.append({"name": name, "method": p.method, "url": p.url,
                "headers": {k: v.decode() if isinstance(v, bytes) else v for k, v in p.headers.items()},
                "body": b, "token": tok or ""})
print(json.dumps(out))
`

// TestBotocore checks requests signed by botocore. It runs only with
// IAMD_TEST_BOTOCORE=1; under CI=true a missing python3 or botocore is then
// a failure rather than a skip, so CI cannot pass by accident.
func TestBotocore(t *testing.T) {
	if os.Getenv("IAMD_TEST_BOTOCORE") != "1" {
		t.Skip("set IAMD_TEST_BOTOCORE=1 to check botocore-signed requests")
	}
	unavailable := t.Skipf
	if os.Getenv("CI") == "true" {
		unavailable = t.Fatalf
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		unavailable("python3 not found: %v", err)
		return
	}
	out, err := exec.Command(python, "-c", botocoreScript, testAKID, testSecret, testToken, listUsers).Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		unavailable("botocore signing failed (is botocore installed?): %v\n%s", err, stderr)
		return
	}
	now := time.Now()
	var cases []struct {
		Name    string            `json:"name"`
		Method  string            `json:"method"`
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
		Token   string            `json:"token"`
	}
	if err := json.Unmarshal(out, &cases); err != nil {
		t.Fatalf("decoding botocore output %q: %v", out, err)
	}
	if len(cases) != 4 {
		t.Fatalf("botocore produced %d requests, want 4", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			u, err := url.Parse(c.URL)
			if err != nil {
				t.Fatal(err)
			}
			r := Request{
				Method: c.Method, Path: u.EscapedPath(), RawQuery: u.RawQuery, Host: u.Host,
				Header: map[string][]string{}, PayloadHash: sha256Hex(c.Body),
			}
			for k, v := range c.Headers {
				r.Header[k] = []string{v}
			}
			s, err := Parse(r)
			if err != nil {
				t.Fatalf("Parse(%s %s) = %v", c.Method, c.URL, err)
			}
			if s.SessionToken != c.Token {
				t.Errorf("SessionToken = %q, want %q", s.SessionToken, c.Token)
			}
			if err := s.Verify(testSecret, now); err != nil {
				t.Errorf("Verify(%q) = %v, want nil\ncanonical request:\n%s", testSecret, err, s.CanonicalRequest())
			}
			if err := s.Verify(testSecret+"x", now); Code(err) != "SignatureDoesNotMatch" {
				t.Errorf("Verify(wrong secret) = %v, want SignatureDoesNotMatch", err)
			}
			if err := s.Verify(testSecret, now.Add(time.Hour)); err == nil {
				t.Errorf("Verify(%q) an hour later = nil, want an error", testSecret)
			}
		})
	}
}
