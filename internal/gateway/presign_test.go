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

// TestPresignedGet sends a presigned GET (X-Amz-Credential in the query
// string) with the Query parameters in the URL, as a browser or curl would.
func TestPresignedGet(t *testing.T) {
	e := newEnv(t, storetest.Engines(t)[0])
	creds := aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}
	for _, tt := range []struct {
		name, service, query string
		secret               string
		status               int
		want                 string
	}{
		{"sts", "sts", "Action=GetCallerIdentity&Version=2011-06-15", rootSecret, 200, "<Arn>arn:aws:iam::123456789012:root</Arn>"},
		{"iam", "iam", "Action=GetAccountSummary&Version=2010-05-08", rootSecret, 200, "<key>UsersQuota</key>"},
		{"wrong secret", "iam", "Action=ListUsers&Version=2010-05-08", "x" + rootSecret[1:], 403, "<Code>SignatureDoesNotMatch</Code>"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, e.url+"/?"+tt.query, nil)
			c := creds
			c.SecretAccessKey = tt.secret
			signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), c, req, sha256Hex(""), tt.service, "eu-west-1", e.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Get(signed)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.want) {
				t.Errorf("GET %s = %d %s, want %d with %s", tt.query, resp.StatusCode, b, tt.status, tt.want)
			}
		})
	}
}
