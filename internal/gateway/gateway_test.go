package gateway_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamd/iamd/internal/store/storetest"
)

// send signs body for service with the given payload hash (the body's
// hash, or UNSIGNED-PAYLOAD) and returns the status, the body and the
// response's content type.
func (e *env) send(t *testing.T, service, contentType, target, body, payloadHash string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.url+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if payloadHash == "UNSIGNED-PAYLOAD" {
		req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	}
	creds := aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, payloadHash, service, "us-east-1", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Content-Type")
}

// TestRouteBodyPolicy checks that the route is chosen from the credential
// scope before the body is read, so each route's limits and payload rules
// apply and its errors come in its own protocol.
func TestRouteBodyPolicy(t *testing.T) {
	e := newEnv(t, storetest.Engines(t)[0])
	const form = "application/x-www-form-urlencoded; charset=utf-8"
	const json = "application/x-amz-json-1.1"
	const sqTarget = "ServiceQuotasV20190624.ListServices"
	big := "Action=ListUsers&Version=2010-05-08&PathPrefix=/" + strings.Repeat("a", 1<<20)
	bigJSON := `{"NextToken":"` + strings.Repeat("a", 1<<20) + `"}`
	listUsers := "Action=ListUsers&Version=2010-05-08"
	tests := []struct {
		name, service, ct, target, body, hash string
		status                                int
		wantCT                                string
		want                                  []string
	}{
		{"query body too large", "iam", form, "", big, sha256Hex(big), 400, "text/xml",
			[]string{`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">`, "<Code>InvalidParameterValue</Code>", "larger than 1048576 bytes"}},
		{"sts body too large in the STS namespace", "sts", form, "", big, sha256Hex(big), 400, "text/xml",
			[]string{`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`}},
		{"json body too large in JSON", "servicequotas", json, sqTarget, bigJSON, sha256Hex(bigJSON), 400, json,
			[]string{`"__type":"InvalidParameterValue"`, "larger than 1048576 bytes"}},
		{"query refuses UNSIGNED-PAYLOAD with a body", "iam", form, "", listUsers, "UNSIGNED-PAYLOAD", 403, "text/xml",
			[]string{"<Code>SignatureDoesNotMatch</Code>", "UNSIGNED-PAYLOAD is not accepted"}},
		{"json refuses UNSIGNED-PAYLOAD with a body", "servicequotas", json, sqTarget, "{}", "UNSIGNED-PAYLOAD", 400, json,
			[]string{`"__type":"InvalidSignatureException"`}},
		{"query signed payload", "iam", form, "", listUsers, sha256Hex(listUsers), 200, "text/xml", []string{"<ListUsersResponse"}},
		{"json signed payload", "servicequotas", json, sqTarget, "{}", sha256Hex("{}"), 200, json, []string{`"ServiceCode":"iam"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, ct := e.send(t, tt.service, tt.ct, tt.target, tt.body, tt.hash)
			if status != tt.status || ct != tt.wantCT {
				t.Errorf("status, content type = %d, %q, want %d, %q (%.300s)", status, ct, tt.status, tt.wantCT, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body %.300s\nwant it to contain %s", body, w)
				}
			}
		})
	}
}
