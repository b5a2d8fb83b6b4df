package gateway_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamd/iamd/internal/store/storetest"
)

// TestDuplicateParametersAndUnsignedTarget is the regression test of
// review finding 8: a Query parameter given twice is refused (the
// signature covers both values, the operation would read one), and a JSON
// API request whose X-Amz-Target is not signed is refused (it names the
// operation).
func TestDuplicateParametersAndUnsignedTarget(t *testing.T) {
	e := newEnv(t, storetest.Engines(t)[0])
	creds := aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}
	for _, tt := range []struct {
		name, form string
		status     int
		want       string
	}{
		{"UserName twice", "Action=CreateUser&Version=2010-05-08&UserName=alice&UserName=mallory", 400, "<Code>InvalidQueryParameter</Code>"},
		{"Action twice", "Action=GetUser&Version=2010-05-08&Action=DeleteUser&UserName=alice", 400, "The parameter Action is given more than once."},
		{"numbered list members", "Action=CreateUser&Version=2010-05-08&UserName=carol&Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.2.Key=b&Tags.member.2.Value=2", 200, "<UserName>carol</UserName>"},
	} {
		status, body := e.signed(t, "iam", tt.form, creds, e.clock.Now())
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s, want %d with %s", tt.name, status, body, tt.status, tt.want)
		}
	}
	// A name in both the URL and the body is given twice too.
	req, _ := http.NewRequest(http.MethodPost, e.url+"/?UserName=mallory", strings.NewReader("Action=CreateUser&Version=2010-05-08&UserName=dave"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	body := "Action=CreateUser&Version=2010-05-08&UserName=dave"
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, sha256Hex(body), "iam", "us-east-1", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("UserName in the URL and the body: %d, want 400", resp.StatusCode)
	}

	// X-Amz-Target must be signed: sign first, then set it.
	for _, svc := range []struct{ service, target string }{
		{"servicequotas", "ServiceQuotasV20190624.ListServices"},
		{"cloudtrail", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"},
	} {
		req, _ := http.NewRequest(http.MethodPost, e.url+"/", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, sha256Hex("{}"), svc.service, "us-east-1", e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Target", svc.target)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-Errortype") != "IncompleteSignatureException" {
			t.Errorf("%s with an unsigned X-Amz-Target: %d %s, want 400 IncompleteSignatureException", svc.service, resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"))
		}
	}
}
