package gateway_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/iamd/iamd/internal/audit"
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
	accountID  = "123456789012"
	rootKeyID  = "AKIAROOTTESTKEY00001"
	rootSecret = "rootsecretrootsecretrootsecretrootsecret"
)

type env struct {
	t     testing.TB
	url   string
	clock *clock.Fake
	st    *store.Store
	svc   *iam.Service
	srv   *gateway.Server
}

// newEnv starts an iamd HTTP server on a fresh store. The fake clock starts
// at the real time, so the SDK's signatures are within the allowed skew.
func newEnv(t *testing.T, e storetest.Engine) *env { return newEnvTB(t, e) }

func newEnvTB(t testing.TB, e storetest.Engine) *env { return newEnvWith(t, e, nil) }

// newEnvWith is newEnv with an authoriser of the test's own; nil means the
// real policy authoriser.
func newEnvWith(t testing.TB, e storetest.Engine, authz authz.Authorizer) *env {
	t.Helper()
	st := e.Open(t)
	clk := clock.NewFake(time.Now())
	// The domain and the policy decision read through a cache, as in
	// iamd serve.
	cache := store.NewCache(st, store.CacheOptions{})
	if authz == nil {
		authz = iam.NewDecider(cache, clk)
	}
	svc := iam.New(cache, iam.Options{Clock: clk, Authorizer: authz})
	if _, err := svc.CreateAccount(context.Background(), iam.NewAccount{ID: accountID, Email: "root@example.com",
		RootAccessKeyID: rootKeyID, RootSecretAccessKey: rootSecret}); err != nil {
		t.Fatal(err)
	}
	gw := newGateway(t, st, svc, nil)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return &env{t: t, url: srv.URL, clock: clk, st: st, svc: svc, srv: gw}
}

func forEachEngine(t *testing.T, f func(t *testing.T, e *env)) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { f(t, newEnv(t, eng)) })
	}
}

func (e *env) config(id, secret, token string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, token),
		BaseEndpoint: aws.String(e.url),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

func (e *env) iam(id, secret, token string) *awsiam.Client {
	return awsiam.NewFromConfig(e.config(id, secret, token))
}

func (e *env) sts(id, secret, token string) *awssts.Client {
	return awssts.NewFromConfig(e.config(id, secret, token))
}

// wantAPIError checks an SDK error's AWS code, HTTP status and, when
// given, message.
func wantAPIError(t *testing.T, what string, err error, code string, status int, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: error = %v, want API error %s", what, err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("%s: code = %s (%s), want %s", what, ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != status {
		t.Errorf("%s: HTTP status = %d, want %d", what, re.HTTPStatusCode(), status)
	}
	if msg != "" && ae.ErrorMessage() != msg {
		t.Errorf("%s: message = %q, want %q", what, ae.ErrorMessage(), msg)
	}
}

// user creates an IAM user with an access key and returns its clients'
// credentials.
func (e *env) user(ctx context.Context, root *awsiam.Client, name string) (id, secret string) {
	e.t.Helper()
	if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		e.t.Fatal(err)
	}
	out, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		e.t.Fatal(err)
	}
	return *out.AccessKey.AccessKeyId, *out.AccessKey.SecretAccessKey
}

// device creates and enables a virtual device for a user and returns its
// serial and seed.
func (e *env) device(ctx context.Context, root *awsiam.Client, user, name string) (string, []byte) {
	e.t.Helper()
	out, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(name)})
	if err != nil {
		e.t.Fatal(err)
	}
	seed, err := otp.DecodeSecret(string(out.VirtualMFADevice.Base32StringSeed))
	if err != nil {
		e.t.Fatal(err)
	}
	serial := *out.VirtualMFADevice.SerialNumber
	if _, err := root.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String(user), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(e.code(seed, -1)), AuthenticationCode2: aws.String(e.code(seed, 0))}); err != nil {
		e.t.Fatal(err)
	}
	return serial, seed
}

// code is the TOTP code at a step offset from the fake clock's.
func (e *env) code(seed []byte, offset int64) string {
	return otp.CodeAt(seed, otp.Step(e.clock.Now(), otp.Params{})+offset, otp.Params{})
}

func TestVirtualMFAWalkthrough(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		who, err := e.sts(rootKeyID, rootSecret, "").GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
		if err != nil || *who.Arn != "arn:aws:iam::123456789012:root" || *who.Account != accountID {
			t.Fatalf("GetCallerIdentity(root) = %+v, %v", who, err)
		}
		akid, secret := e.user(ctx, root, "alice")

		dev, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("alice-phone")})
		if err != nil {
			t.Fatal(err)
		}
		serial := *dev.VirtualMFADevice.SerialNumber
		if serial != "arn:aws:iam::123456789012:mfa/alice-phone" {
			t.Errorf("SerialNumber = %s", serial)
		}
		b32 := string(dev.VirtualMFADevice.Base32StringSeed)
		if len(b32) != 64 || strings.Trim(b32, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
			t.Errorf("Base32StringSeed = %q, want 64 base32 characters", b32)
		}
		// The QR code reads back as the otpauth URI of the same seed.
		img, err := png.Decode(bytes.NewReader(dev.VirtualMFADevice.QRCodePNG))
		if err != nil {
			t.Fatalf("QRCodePNG is not a PNG: %v", err)
		}
		bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
		res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
		if err != nil {
			t.Fatalf("QR code does not decode: %v", err)
		}
		wantURI := "otpauth://totp/Amazon%20Web%20Services:alice-phone@123456789012?secret=" + b32 + "&issuer=Amazon%20Web%20Services"
		if res.GetText() != wantURI {
			t.Errorf("QR code = %s, want %s", res.GetText(), wantURI)
		}
		seed, _ := otp.DecodeSecret(b32)

		_, err = root.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: aws.String(serial),
			AuthenticationCode1: aws.String(e.code(seed, 0)), AuthenticationCode2: aws.String(e.code(seed, 0))})
		wantAPIError(t, "EnableMFADevice(same code twice)", err, "InvalidAuthenticationCode", 403, "Authentication code for device is not valid.")
		if _, err := root.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: aws.String(serial),
			AuthenticationCode1: aws.String(e.code(seed, -1)), AuthenticationCode2: aws.String(e.code(seed, 0))}); err != nil {
			t.Fatal(err)
		}
		list, err := root.ListVirtualMFADevices(ctx, &awsiam.ListVirtualMFADevicesInput{})
		if err != nil || len(list.VirtualMFADevices) != 1 {
			t.Fatalf("ListVirtualMFADevices = %+v, %v", list, err)
		}
		if v := list.VirtualMFADevices[0]; v.Base32StringSeed != nil || v.QRCodePNG != nil || v.User == nil || *v.User.UserName != "alice" || v.EnableDate == nil {
			t.Errorf("ListVirtualMFADevices entry = %+v, want alice's device without seed", v)
		}

		// Long-term keys of a user without policies: IAM refused.
		_, err = e.iam(akid, secret, "").ListUsers(ctx, &awsiam.ListUsersInput{})
		wantAPIError(t, "ListUsers as alice", err, "AccessDenied", 403, "")

		// Sign in with MFA: the device's next code.
		e.clock.Advance(30 * time.Second)
		code := e.code(seed, 0)
		aliceSTS := e.sts(akid, secret, "")
		tok, err := aliceSTS.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(code)})
		if err != nil {
			t.Fatalf("GetSessionToken with MFA: %v", err)
		}
		c := tok.Credentials
		if !strings.HasPrefix(*c.AccessKeyId, "ASIA") || *c.SessionToken == "" {
			t.Errorf("credentials = %+v", c)
		}
		if d := c.Expiration.Sub(e.clock.Now()); d < 43199*time.Second || d > 43201*time.Second {
			t.Errorf("default session duration = %v, want 12h", d)
		}
		who, err = e.sts(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
		if err != nil || *who.Arn != "arn:aws:iam::123456789012:user/alice" || !strings.HasPrefix(*who.UserId, "AIDA") {
			t.Fatalf("GetCallerIdentity(session) = %+v, %v", who, err)
		}
		// MFA session: IAM is reached (and denied by policy, not by token).
		_, err = e.iam(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).ListUsers(ctx, &awsiam.ListUsersInput{})
		wantAPIError(t, "ListUsers with MFA session", err, "AccessDenied", 403, "")
		_, err = e.sts(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).GetSessionToken(ctx, &awssts.GetSessionTokenInput{})
		wantAPIError(t, "GetSessionToken with session credentials", err, "AccessDenied", 403, "Cannot call GetSessionToken with session credentials")

		// The same code again: refused.
		_, err = aliceSTS.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(code)})
		wantAPIError(t, "GetSessionToken(replayed code)", err, "AccessDenied", 403, "MultiFactorAuthentication failed with invalid MFA one time pass code.")
		_, err = aliceSTS.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(serial)})
		wantAPIError(t, "GetSessionToken(serial only)", err, "AccessDenied", 403,
			"MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.")
		_, err = aliceSTS.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String("12345")})
		wantAPIError(t, "GetSessionToken(5 digits)", err, "ValidationError", 400, "")

		// Without MFA: the session may not call IAM at all.
		noMFA, err := aliceSTS.GetSessionToken(ctx, &awssts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
		if err != nil {
			t.Fatal(err)
		}
		nc := noMFA.Credentials
		_, err = e.iam(*nc.AccessKeyId, *nc.SecretAccessKey, *nc.SessionToken).GetUser(ctx, &awsiam.GetUserInput{})
		wantAPIError(t, "GetUser with MFA-less session", err, "InvalidClientTokenId", 403, "")

		// Root sessions are capped at one hour.
		rootTok, err := e.sts(rootKeyID, rootSecret, "").GetSessionToken(ctx, &awssts.GetSessionTokenInput{DurationSeconds: aws.Int32(7200)})
		if err != nil {
			t.Fatal(err)
		}
		if d := rootTok.Credentials.Expiration.Sub(e.clock.Now()); d > 3601*time.Second {
			t.Errorf("root session duration = %v, want at most 1h", d)
		}

		_, err = root.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")})
		wantAPIError(t, "DeleteUser with device and key", err, "DeleteConflict", 409, "")
		_, err = root.DeleteVirtualMFADevice(ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
		wantAPIError(t, "DeleteVirtualMFADevice(assigned)", err, "DeleteConflict", 409, "")
		if _, err := root.DeactivateMFADevice(ctx, &awsiam.DeactivateMFADeviceInput{UserName: aws.String("alice"), SerialNumber: aws.String(serial)}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.DeleteVirtualMFADevice(ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)}); err != nil {
			t.Fatal(err)
		}
		sum, err := root.GetAccountSummary(ctx, &awsiam.GetAccountSummaryInput{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.SummaryMap["Users"] != 1 || sum.SummaryMap["MFADevices"] != 0 || sum.SummaryMap["MFADevicesPerUserQuota"] != 1 || sum.SummaryMap["UsersQuota"] != 5000 {
			t.Errorf("SummaryMap = %v", sum.SummaryMap)
		}
	})
}

// TestConcurrentSameCode sends 50 GetSessionToken calls with one valid code
// at once: exactly one gets credentials.
func TestConcurrentSameCode(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		akid, secret := e.user(ctx, root, "alice")
		serial, seed := e.device(ctx, root, "alice", "phone")
		e.clock.Advance(30 * time.Second)
		code := e.code(seed, 0)
		client := e.sts(akid, secret, "")
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			successes int
			others    []error
		)
		gate := make(chan struct{})
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				_, err := client.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(code)})
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					successes++
				} else {
					others = append(others, err)
				}
			}()
		}
		close(gate)
		wg.Wait()
		if successes != 1 {
			t.Fatalf("successes = %d, want exactly 1", successes)
		}
		for _, err := range others {
			wantAPIError(t, "concurrent replay", err, "AccessDenied", 403, "MultiFactorAuthentication failed with invalid MFA one time pass code.")
		}
	})
}

func TestAuthenticationErrors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		akid, secret := e.user(ctx, root, "alice")

		_, err := e.iam("AKIANOSUCHKEY0000000", rootSecret, "").ListUsers(ctx, &awsiam.ListUsersInput{})
		wantAPIError(t, "unknown key", err, "InvalidClientTokenId", 403, "The security token included in the request is invalid.")
		_, err = e.iam(rootKeyID, "wrong"+rootSecret[5:], "").ListUsers(ctx, &awsiam.ListUsersInput{})
		wantAPIError(t, "wrong secret", err, "SignatureDoesNotMatch", 403, "")

		if _, err := root.UpdateAccessKey(ctx, &awsiam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(akid),
			Status: "Inactive"}); err != nil {
			t.Fatal(err)
		}
		_, err = e.sts(akid, secret, "").GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
		wantAPIError(t, "inactive key", err, "InvalidClientTokenId", 403, "")
		if _, err := root.UpdateAccessKey(ctx, &awsiam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(akid),
			Status: "Active"}); err != nil {
			t.Fatal(err)
		}

		tok, err := e.sts(akid, secret, "").GetSessionToken(ctx, &awssts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
		if err != nil {
			t.Fatal(err)
		}
		c := tok.Credentials
		raw, _ := base64.StdEncoding.DecodeString(*c.SessionToken)
		raw[len(raw)/2] ^= 1
		tampered := base64.StdEncoding.EncodeToString(raw)
		_, err = e.sts(*c.AccessKeyId, *c.SecretAccessKey, tampered).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
		wantAPIError(t, "tampered token", err, "InvalidClientTokenId", 403, "")
		_, err = e.sts(*c.AccessKeyId, *c.SecretAccessKey, "").GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
		wantAPIError(t, "temporary key without token", err, "InvalidClientTokenId", 403, "")

		// After expiry: ExpiredToken. The request is signed at the fake
		// clock's time, 16 minutes on, so only the token is stale.
		e.clock.Advance(16 * time.Minute)
		status, body := e.signed(t, "sts", "Action=GetCallerIdentity&Version=2011-06-15", aws.Credentials{
			AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}, e.clock.Now())
		if status != 403 || !strings.Contains(body, "<Code>ExpiredToken</Code>") {
			t.Errorf("expired token: %d %s", status, body)
		}
		// A request signed 16 minutes away from the server's clock.
		status, body = e.signed(t, "sts", "Action=GetCallerIdentity&Version=2011-06-15", aws.Credentials{
			AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}, e.clock.Now().Add(-16*time.Minute))
		if status != 403 || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") {
			t.Errorf("skewed request: %d %s", status, body)
		}
	})
}

// signed sends a Query request signed with the SDK's signer at a chosen
// time and returns the status and body.
func (e *env) signed(t *testing.T, service, form string, creds aws.Credentials, at time.Time) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.url+"/", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256Hex(form)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, sum, service, "us-east-1", at); err != nil {
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

func TestWireErrors(t *testing.T) {
	for _, eng := range storetest.Engines(t)[:1] {
		e := newEnv(t, eng)
		creds := aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}
		tests := []struct {
			name, service, form string
			status              int
			want                []string
		}{
			{"validation message", "iam", "Action=EnableMFADevice&Version=2010-05-08&UserName=alice&SerialNumber=arn:aws:iam::123456789012:mfa/x" +
				"&AuthenticationCode1=12345&AuthenticationCode2=123456", 400,
				[]string{"<Type>Sender</Type>", "<Code>ValidationError</Code>", "1 validation error detected: Value at &#39;authenticationCode1&#39; failed to satisfy constraint: Member must have length greater than or equal to 6",
					`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">`}},
			{"unknown action", "iam", "Action=Nope&Version=2010-05-08", 400, []string{"<Code>InvalidAction</Code>"}},
			{"no such user", "iam", "Action=GetUser&Version=2010-05-08&UserName=nobody", 404,
				[]string{"<Code>NoSuchEntity</Code>", "The user with name nobody cannot be found."}},
			{"sts namespace", "sts", "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=10", 400,
				[]string{`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`, "<Code>ValidationError</Code>"}},
			{"summary", "iam", "Action=GetAccountSummary&Version=2010-05-08", 200,
				[]string{"<entry><key>MFADevicesPerUserQuota</key><value>1</value></entry>", "<RequestId>"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, body := e.signed(t, tt.service, tt.form, creds, e.clock.Now())
				if status != tt.status {
					t.Errorf("status = %d, want %d (%s)", status, tt.status, body)
				}
				for _, w := range tt.want {
					if !strings.Contains(body, w) {
						t.Errorf("body %s\nwant it to contain %s", body, w)
					}
				}
			})
		}

		resp, err := http.PostForm(e.url+"/", url.Values{"Action": {"ListUsers"}, "Version": {"2010-05-08"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 403 || !strings.Contains(string(b), "MissingAuthenticationToken") {
			t.Errorf("unsigned request: %d %s", resp.StatusCode, b)
		}
		resp, err = http.Get(e.url + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET /healthz = %d, want 200", resp.StatusCode)
		}
	}
}

// newGateway is the gateway over a test store, as cmd/iamd wires it, with
// the Service Quotas API at the default configuration or q.
func newGateway(t testing.TB, st *store.Store, svc *iam.Service, q *quotas.Service) *gateway.Server {
	if q == nil {
		q = quotas.New(st, svc, quotas.Options{Clock: svc.Clock()})
	}
	rec := audit.NewRecorder(st, audit.Options{Clock: svc.Clock()})
	t.Cleanup(func() { rec.Close() })
	// Keys and principals are read through a cache, as iamd serve reads
	// them: every test here also checks that a write is honoured at once.
	return gateway.New(gateway.Deps{IAM: svc, STS: sts.New(svc, storetest.Sealer(t), nil), Store: store.NewCache(st, store.CacheOptions{}),
		Quotas: q, Audit: rec, AuditStore: st})
}
