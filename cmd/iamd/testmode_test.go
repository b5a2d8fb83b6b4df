package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/internal/otp"
	"github.com/iamd/iamd/internal/store/storetest"
)

// testClockNow reads the test clock.
func testClockNow(t *testing.T, url string) time.Time {
	t.Helper()
	return clockCall(t, url, http.MethodGet, "")
}

func clockCall(t *testing.T, url, method, body string) time.Time {
	t.Helper()
	req, _ := http.NewRequest(method, url+"/_iamd/clock", strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s /_iamd/clock %s = %d %s", method, body, resp.StatusCode, b)
	}
	var out struct{ Now string }
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	now, err := time.Parse(time.RFC3339Nano, out.Now)
	if err != nil {
		t.Fatal(err)
	}
	return now
}

func post(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TestServeTestMode runs iamd serve --test-mode on every engine: the test
// account and its keys exist from the start, an MFA flow advances the
// clock instead of sleeping (codes still checked and single-use), a reset
// wipes what the test made and re-creates the account, and a restart in
// test mode resets the store again.
func TestServeTestMode(t *testing.T) {
	setRootEnv(t)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			args := append([]string{"--test-mode"}, storeArgs(t, e, dir)...)
			d := startServe(t, args...)
			if n := strings.Count(d.logs.String(), "TEST MODE"); n != 1 {
				t.Errorf("start logged %d test-mode warnings, want 1", n)
			}
			admin, adminSTS := clients(d.url, "FOOBARKEY", "FOOBARSECRET", "")
			root, rootSTS := clients(d.url, testRootKey, testRootSecret, "")
			id, err := adminSTS.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatal(err)
			}
			if *id.Arn != "arn:aws:iam::123456789012:user/test-admin" {
				t.Fatalf("FOOBARKEY is %s", *id.Arn)
			}
			if id, err := rootSTS.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{}); err != nil || *id.Arn != "arn:aws:iam::123456789012:root" {
				t.Fatalf("root key from IAMD_ROOT_*: %v %v", id, err)
			}
			att, err := admin.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: aws.String("test-admin")})
			if err != nil || len(att.AttachedPolicies) != 1 || *att.AttachedPolicies[0].PolicyName != "AdministratorAccess" {
				t.Fatalf("test-admin's policies: %v %v", att, err)
			}

			// An MFA flow on the test clock.
			if _, err := admin.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
				t.Fatal(err)
			}
			key, err := admin.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
			if err != nil {
				t.Fatal(err)
			}
			dev, err := admin.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("alice")})
			if err != nil {
				t.Fatal(err)
			}
			seed, _ := otp.DecodeSecret(string(dev.VirtualMFADevice.Base32StringSeed))
			serial := dev.VirtualMFADevice.SerialNumber
			now := testClockNow(t, d.url)
			if _, err := admin.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: serial,
				AuthenticationCode1: aws.String(otp.TOTP(seed, now.Add(-30*time.Second), otp.Params{})),
				AuthenticationCode2: aws.String(otp.TOTP(seed, now, otp.Params{}))}); err != nil {
				t.Fatal(err)
			}
			_, aliceSTS := clients(d.url, *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "")
			// The current step's code was used to enable: refused. The test
			// asks for the next step instead of sleeping.
			if _, err := aliceSTS.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: serial,
				TokenCode: aws.String(otp.TOTP(seed, now, otp.Params{}))}); apiCode(err) != "AccessDenied" {
				t.Fatalf("a used code: %v", err)
			}
			next := clockCall(t, d.url, http.MethodPost, `{"advance_seconds": 30}`)
			if next.Sub(now) < 30*time.Second {
				t.Fatalf("clock at %v after advancing from %v", next, now)
			}
			code := otp.TOTP(seed, next, otp.Params{})
			if _, err := aliceSTS.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: serial, TokenCode: &code}); err != nil {
				t.Fatalf("the next step's code after advancing the clock: %v", err)
			}
			if _, err := aliceSTS.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: serial, TokenCode: &code}); apiCode(err) != "AccessDenied" {
				t.Fatalf("the same code twice: %v", err)
			}
			wrong := "000000"
			if wrong == code {
				wrong = "111111"
			}
			if _, err := aliceSTS.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: serial, TokenCode: &wrong}); apiCode(err) != "AccessDenied" {
				t.Fatalf("a wrong code: %v", err)
			}

			// Reset by moto's path, then by iamd's.
			for i, p := range []string{"/moto-api/reset", "/_iamd/reset"} {
				if code := post(t, d.url+p); code != 200 {
					t.Fatalf("POST %s = %d", p, code)
				}
				if _, err := admin.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("alice")}); apiCode(err) != "NoSuchEntity" {
					t.Fatalf("after %s: alice: %v", p, err)
				}
				if _, err := aliceSTS.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
					t.Fatalf("after %s: alice's key: %v", p, err)
				}
				if _, err := root.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("test-admin")}); err != nil {
					t.Fatalf("after %s: test-admin: %v", p, err)
				}
				if n := strings.Count(d.logs.String(), "TEST MODE"); n != 2+i {
					t.Errorf("after %s: %d test-mode warnings, want %d", p, n, 2+i)
				}
			}
			if after := testClockNow(t, d.url); after.Before(next) {
				t.Errorf("a reset moved the clock back: %v before %v", after, next)
			}
			if _, err := admin.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
				t.Fatal(err)
			}
			if err := d.stop(); err != nil {
				t.Fatal(err)
			}
			// A restart in test mode wipes again.
			d = startServe(t, args...)
			admin, _ = clients(d.url, "FOOBARKEY", "FOOBARSECRET", "")
			if _, err := admin.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("bob")}); apiCode(err) != "NoSuchEntity" {
				t.Fatalf("after a restart: bob: %v", err)
			}
		})
	}
}

// TestTestModeRefusals: test mode listens on loopback only, and does not
// wipe a store that a real server used.
func TestTestModeRefusals(t *testing.T) {
	setRootEnv(t)
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:0", "example.com:0"} {
		err := run(context.Background(), []string{"serve", "--test-mode", "--addr", addr, "--data-dir", t.TempDir()}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("--test-mode --addr %s: %v, want a loopback refusal", addr, err)
		}
	}
	t.Setenv("IAMD_TEST_MODE", "1")
	if err := run(context.Background(), []string{"serve", "--addr", "0.0.0.0:0", "--data-dir", t.TempDir()}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("IAMD_TEST_MODE=1 --addr 0.0.0.0:0: %v, want a loopback refusal", err)
	}
	t.Setenv("IAMD_TEST_MODE", "")
	dir := t.TempDir()
	d := startServe(t, "--data-dir", dir)
	if code := post(t, d.url+"/moto-api/reset"); code != 404 {
		t.Errorf("POST /moto-api/reset without test mode = %d, want 404", code)
	}
	resp, err := http.Get(d.url + "/_iamd/clock")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("GET /_iamd/clock without test mode = %d, want 404", resp.StatusCode)
	}
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"serve", "--test-mode", "--addr", "127.0.0.1:0", "--data-dir", dir}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "did not create") {
		t.Errorf("--test-mode on a real server's store: %v, want a refusal", err)
	}
}

// TestTestModeResetIsAtomic resets while clients list users, on every
// engine: each list holds the users of before the reset or none of them,
// never part.
func TestTestModeResetIsAtomic(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			d := startServe(t, append([]string{"--test-mode"}, storeArgs(t, e, t.TempDir())...)...)
			admin, _ := clients(d.url, "FOOBARKEY", "FOOBARSECRET", "")
			const users = 20
			for round := 0; round < 3; round++ {
				for i := 0; i < users; i++ {
					if _, err := admin.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(fmt.Sprintf("u%02d", i))}); err != nil {
						t.Fatal(err)
					}
				}
				stop := make(chan struct{})
				errs := make(chan error, 4)
				seen := make(chan int, 10000)
				for w := 0; w < 4; w++ {
					go func() {
						for {
							select {
							case <-stop:
								errs <- nil
								return
							default:
							}
							out, err := admin.ListUsers(ctx, &awsiam.ListUsersInput{})
							if err != nil {
								errs <- err
								return
							}
							seen <- len(out.Users)
						}
					}()
				}
				time.Sleep(50 * time.Millisecond)
				if code := post(t, d.url+"/moto-api/reset"); code != 200 {
					t.Fatalf("reset = %d", code)
				}
				time.Sleep(50 * time.Millisecond)
				close(stop)
				for w := 0; w < 4; w++ {
					if err := <-errs; err != nil {
						t.Fatalf("ListUsers during a reset: %v", err)
					}
				}
				close(seen)
				counts := map[int]int{}
				for n := range seen {
					counts[n]++
				}
				for n := range counts {
					if n != users+1 && n != 1 {
						t.Fatalf("round %d: a list of %d users: half a reset (counts %v)", round, n, counts)
					}
				}
				if counts[1] == 0 {
					t.Fatalf("round %d: no list after the reset (counts %v)", round, counts)
				}
			}
		})
	}
}

// TestTestModeStoreStaysTestMode: a store test mode reset is refused by a
// server started without test mode (it holds the published FOOBARKEY), and
// a marked store that gains another account is no longer wiped.
func TestTestModeStoreStaysTestMode(t *testing.T) {
	setRootEnv(t)
	dir := t.TempDir()
	d := startServe(t, "--test-mode", "--data-dir", dir)
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "FOOBARKEY") {
		t.Fatalf("serve without --test-mode on a test-mode store: %v, want a refusal", err)
	}
	if err := run(context.Background(), []string{"account", "create", "--data-dir", dir, "--id", "210987654321", "--email", "real@example.com"},
		io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"serve", "--test-mode", "--addr", "127.0.0.1:0", "--data-dir", dir}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "did not create") {
		t.Errorf("--test-mode on a marked store with a real account: %v, want a refusal", err)
	}
}
