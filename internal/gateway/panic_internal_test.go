package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"github.com/iamd/iamd/internal/authz"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamd/iamd/internal/awsquery"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store/storetest"
	"github.com/iamd/iamd/internal/sts"
)

// TestPanicRecovery checks that a handler that panics gives the client the
// route's internal failure with the request id, logs the detail (not to
// the client), and leaves the server serving.
func TestPanicRecovery(t *testing.T) {
	st := storetest.Engines(t)[0].Open(t)
	svc := iam.New(st, iam.Options{})
	if _, err := svc.CreateAccount(context.Background(), iam.NewAccount{ID: "123456789012", Email: "root@example.com",
		RootAccessKeyID: "AKIAROOTTESTKEY00001", RootSecretAccessKey: "rootsecretrootsecretrootsecretrootsecret"}); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s := New(Deps{IAM: svc, STS: sts.New(svc, storetest.Sealer(t), nil), Store: st, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	iamRoute := s.routes["iam"]
	a := &api{proto: awsquery.IAM(), handlers: s.iamHandlers()}
	a.handlers["ListUsers"] = func(context.Context, *authz.Principal, awsquery.Params) (any, error) {
		panic("secret detail of a bug")
	}
	s.routes["iam"] = s.queryRoute(a)
	if iamRoute == s.routes["iam"] {
		t.Fatal("route not replaced")
	}
	srv := httptest.NewServer(s)
	defer srv.Close()

	call := func(form string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		creds := aws.Credentials{AccessKeyID: "AKIAROOTTESTKEY00001", SecretAccessKey: "rootsecretrootsecretrootsecretrootsecret"}
		h := sha256.Sum256([]byte(form))
		sum := hex.EncodeToString(h[:])
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, sum, "iam", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := call("Action=ListUsers&Version=2010-05-08")
	if status != http.StatusInternalServerError || !strings.Contains(body, "<Code>ServiceFailure</Code>") || !strings.Contains(body, "request id ") {
		t.Errorf("panicking handler = %d %s, want 500 ServiceFailure with the request id", status, body)
	}
	if strings.Contains(body, "secret detail") {
		t.Errorf("the panic's detail reached the client: %s", body)
	}
	if !strings.Contains(logs.String(), "secret detail of a bug") || !strings.Contains(logs.String(), "panic serving request") {
		t.Errorf("log lacks the panic: %s", logs.String())
	}
	if status, body := call("Action=GetAccountSummary&Version=2010-05-08"); status != http.StatusOK {
		t.Errorf("after the panic: GetAccountSummary = %d %s, want 200", status, body)
	}
}
