package console

import (
	"context"
	"errors"
	"github.com/iamd/iamd/internal/audit"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/gateway"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/otp"
	"github.com/iamd/iamd/internal/quotas"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/storetest"
	"github.com/iamd/iamd/internal/sts"
)

const (
	accountID     = "123456789012"
	rootEmail     = "root@example.com"
	rootPassword  = "Root-Passw0rd-Example"
	rootKeyID     = "AKIAROOTTESTKEY00001"
	rootSecret    = "rootsecretrootsecretrootsecretrootsecret"
	alicePassword = "Alice-Passw0rd-Example"
)

// selfManageMFA is the IAM User Guide's "manage only your own MFA, nothing
// else until MFA" policy (reference §8.3).
const selfManageMFA = `{"Version":"2012-10-17","Statement":[
 {"Sid":"AllowViewAccountInfo","Effect":"Allow","Action":"iam:ListVirtualMFADevices","Resource":"*"},
 {"Sid":"AllowManageOwnVirtualMFADevice","Effect":"Allow","Action":"iam:CreateVirtualMFADevice","Resource":"arn:aws:iam::*:mfa/*"},
 {"Sid":"AllowManageOwnUserMFA","Effect":"Allow","Action":["iam:DeactivateMFADevice","iam:EnableMFADevice","iam:GetUser","iam:ListMFADevices","iam:ResyncMFADevice"],
  "Resource":"arn:aws:iam::*:user/${aws:username}"},
 {"Sid":"DenyAllExceptListedIfNoMFA","Effect":"Deny","NotAction":["iam:CreateVirtualMFADevice","iam:EnableMFADevice","iam:GetUser","iam:ListMFADevices",
  "iam:ListVirtualMFADevices","iam:ResyncMFADevice","sts:GetSessionToken"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}`

// env is iamd's gateway with the console on a fresh store, as iamd serve
// wires it, behind an HTTP test server.
type env struct {
	t     testing.TB
	url   string
	clock *clock.Fake
	st    *store.Store
	svc   *iam.Service
	con   *Server
	audit *audit.Recorder
	qs    *quotas.Service
	root  *awsiam.Client
}

// newEnv starts the gateway and console. The fake clock starts at the real
// time, so the SDK's signatures are within the allowed skew.
func newEnv(t testing.TB, e storetest.Engine) *env {
	t.Helper()
	st := e.Open(t)
	clk := clock.NewFake(time.Now())
	svc := iam.New(st, iam.Options{Clock: clk})
	if _, err := svc.CreateAccount(context.Background(), iam.NewAccount{ID: accountID, Email: rootEmail, RootPassword: rootPassword,
		RootAccessKeyID: rootKeyID, RootSecretAccessKey: rootSecret}); err != nil {
		t.Fatal(err)
	}
	rec := audit.NewRecorder(st, audit.Options{Clock: clk})
	t.Cleanup(func() { rec.Close() })
	qs := quotas.New(st, svc, quotas.Options{Clock: clk})
	con := New(Options{IAM: svc, Sessions: st, Audit: rec, Quotas: qs})
	gw := gateway.New(gateway.Deps{IAM: svc, STS: sts.New(svc, storetest.Sealer(t), nil), Store: st, Quotas: qs, Console: con, Audit: rec, AuditStore: st})
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	en := &env{t: t, url: srv.URL, clock: clk, st: st, svc: svc, con: con, audit: rec, qs: qs}
	en.root = awsiam.NewFromConfig(en.config(rootKeyID, rootSecret))
	return en
}

func forEachEngine(t *testing.T, f func(t *testing.T, e *env)) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { f(t, newEnv(t, eng)) })
	}
}

func (e *env) config(id, secret string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, ""),
		BaseEndpoint: aws.String(e.url),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// user creates an IAM user with a console password, an access key and,
// when policy is not empty, an inline policy; it returns the key.
func (e *env) user(name, password, policy string) (id, secret string) {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.root.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String(name), Password: aws.String(password)}); err != nil {
		e.t.Fatal(err)
	}
	if policy != "" {
		if _, err := e.root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"),
			PolicyDocument: aws.String(policy)}); err != nil {
			e.t.Fatal(err)
		}
	}
	k, err := e.root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		e.t.Fatal(err)
	}
	return *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey
}

// device creates and enables a virtual device through the API for a user
// and returns its serial and seed.
func (e *env) device(user, name string) (string, []byte) {
	e.t.Helper()
	ctx := context.Background()
	out, err := e.root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(name)})
	if err != nil {
		e.t.Fatal(err)
	}
	seed, err := otp.DecodeSecret(string(out.VirtualMFADevice.Base32StringSeed))
	if err != nil {
		e.t.Fatal(err)
	}
	serial := *out.VirtualMFADevice.SerialNumber
	in := &awsiam.EnableMFADeviceInput{UserName: aws.String(user), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(e.code(seed, -1)), AuthenticationCode2: aws.String(e.code(seed, 0))}
	if _, err := e.root.EnableMFADevice(ctx, in); err != nil {
		e.t.Fatal(err)
	}
	return serial, seed
}

// code is the TOTP code at a step offset from the fake clock's.
func (e *env) code(seed []byte, offset int64) string {
	return otp.CodeAt(seed, otp.Step(e.clock.Now(), otp.Params{})+offset, otp.Params{})
}

// nextStep moves the fake clock to the next TOTP step, so that codes of
// the steps before are used already.
func (e *env) nextStep() { e.clock.Advance(30 * time.Second) }

// browser is an HTTP client with its own cookies, like one browser.
type browser struct {
	t      testing.TB
	e      *env
	client *http.Client
	// header is added to every request (Sec-Fetch-Site, Origin).
	header http.Header
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, client: &http.Client{Jar: jar}, header: http.Header{}}
}

// page is a response: its final URL, status and body.
type page struct {
	url    string
	status int
	body   string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	for k, v := range b.header {
		req.Header[k] = v
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{url: resp.Request.URL.Path, status: resp.StatusCode, body: string(body)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.url+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.e.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signIn signs an IAM user in with its password.
func (b *browser) signIn(user, password string) page {
	b.t.Helper()
	return b.post("/console/signin", url.Values{"account": {accountID}, "username": {user}, "password": {password}})
}

// mustContain fails unless the page holds every string.
func (p page) mustContain(t testing.TB, what string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(p.body, w) {
			t.Fatalf("%s: page %s (%d) lacks %q:\n%s", what, p.url, p.status, w, p.body)
		}
	}
}

// stsRefusesCode checks that GetSessionToken refuses a code as used.
func (e *env) stsRefusesCode(t testing.TB, keyID, secret, serial, code string) {
	t.Helper()
	_, err := awssts.NewFromConfig(e.config(keyID, secret)).GetSessionToken(context.Background(), &awssts.GetSessionTokenInput{
		SerialNumber: aws.String(serial), TokenCode: aws.String(code)})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" || ae.ErrorMessage() != "MultiFactorAuthentication failed with invalid MFA one time pass code." {
		t.Fatalf("GetSessionToken(code used at the console) = %v, want AccessDenied invalid MFA one time pass code", err)
	}
	t.Logf("STS GetSessionToken (aws-sdk-go-v2) SerialNumber=%s TokenCode=%s: %s: %s", serial, code, ae.ErrorCode(), ae.ErrorMessage())
}

// seedPattern finds a Base32 seed in a page.
var seedPattern = regexp.MustCompile(`[A-Z2-7]{64}`)
