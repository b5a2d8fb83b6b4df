package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/internal/otp"
	"github.com/iamd/iamd/internal/store/storetest"
)

// syncBuffer is a log sink the server goroutine writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// daemon is a running "iamd serve".
type daemon struct {
	url  string
	logs *syncBuffer
	stop func() error
}

// startServe runs "iamd serve" in-process with args and waits until it
// listens.
func startServe(t *testing.T, args ...string) *daemon {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), io.Discard, logs)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(logs.String()))
		for sc.Scan() {
			var line struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				d := &daemon{url: line.URL, logs: logs}
				var once sync.Once
				var err error
				d.stop = func() error {
					once.Do(func() { cancel(); err = <-done })
					return err
				}
				t.Cleanup(func() { d.stop() })
				return d
			}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("iamd serve exited: %v\n%s", err, logs)
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("iamd serve did not start:\n%s", logs)
	return nil
}

func clients(url, id, secret, token string) (*awsiam.Client, *awssts.Client) {
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, token),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} }}
	return awsiam.NewFromConfig(cfg), awssts.NewFromConfig(cfg)
}

const (
	testRootKey    = "AKIAFIRSTSTARTKEY001"
	testRootSecret = "S3cr3tR00tKeyForTheFirstStartTest+abcdef"
)

// storeArgs returns serve's store flags for a fresh store on an engine.
func storeArgs(t *testing.T, e storetest.Engine, dataDir string) []string {
	cfg := e.Config(t, dataDir)
	return []string{"--data-dir", dataDir, "--database-url", cfg.DatabaseURL}
}

func setRootEnv(t *testing.T) {
	t.Setenv("IAMD_ACCOUNT_ID", "210987654321")
	t.Setenv("IAMD_ROOT_EMAIL", "ops@example.com")
	t.Setenv("IAMD_ROOT_PASSWORD", "Root-Passw0rd!")
	t.Setenv("IAMD_ROOT_ACCESS_KEY_ID", testRootKey)
	t.Setenv("IAMD_ROOT_SECRET_ACCESS_KEY", testRootSecret)
	t.Setenv("IAMD_MASTER_KEY", "")
}

// TestSecretsNotInDataDir drives a real server, then searches every file
// in its data dir for the device seed and the secret access key in every
// encoding they could leak in.
func TestSecretsNotInDataDir(t *testing.T) {
	setRootEnv(t)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dir := t.TempDir()
			d := startServe(t, storeArgs(t, e, dir)...)
			ctx := context.Background()
			root, _ := clients(d.url, testRootKey, testRootSecret, "")
			if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
				t.Fatal(err)
			}
			key, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
			if err != nil {
				t.Fatal(err)
			}
			dev, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("phone")})
			if err != nil {
				t.Fatal(err)
			}
			b32 := string(dev.VirtualMFADevice.Base32StringSeed)
			seed, _ := otp.DecodeSecret(b32)
			if err := d.stop(); err != nil {
				t.Fatalf("graceful stop: %v", err)
			}
			secret := *key.AccessKey.SecretAccessKey
			secretRaw, _ := base64.StdEncoding.DecodeString(secret)
			needles := map[string][]byte{
				"seed base32":           []byte(b32),
				"seed base32 lower":     []byte(strings.ToLower(b32)),
				"seed raw":              seed,
				"seed hex":              []byte(hex.EncodeToString(seed)),
				"seed base64":           []byte(base64.StdEncoding.EncodeToString(seed)),
				"seed base32 in base64": []byte(base64.StdEncoding.EncodeToString([]byte(b32))),
				"secret key":            []byte(secret),
				"secret key raw":        secretRaw,
				"secret key hex":        []byte(hex.EncodeToString([]byte(secret))),
				"root secret key":       []byte(testRootSecret),
				"root password":         []byte("Root-Passw0rd!"),
			}
			files := 0
			filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
				if err != nil || de.IsDir() {
					return err
				}
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				files++
				for what, n := range needles {
					if bytes.Contains(b, n) {
						t.Errorf("%s contains the %s", path, what)
					}
				}
				return nil
			})
			if files == 0 {
				t.Fatal("the data dir has no files")
			}
			// Stopping writes every buffered log line.
			if err := d.stop(); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(d.logs.String(), secret) || strings.Contains(d.logs.String(), b32) {
				t.Error("the log contains a secret")
			}
			if _, err := os.Stat(filepath.Join(dir, rootCredentialsFile)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("root-credentials.json written although nothing was generated: %v", err)
			}
		})
	}
}

// TestRestartKeepsState enables a device, signs in, restarts the server and
// checks that the device, its used code and the key all survive.
func TestRestartKeepsState(t *testing.T) {
	setRootEnv(t)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dir := t.TempDir()
			args := storeArgs(t, e, dir)
			d := startServe(t, args...)
			ctx := context.Background()
			root, _ := clients(d.url, testRootKey, testRootSecret, "")
			root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")})
			key, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
			if err != nil {
				t.Fatal(err)
			}
			dev, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("phone")})
			if err != nil {
				t.Fatal(err)
			}
			seed, _ := otp.DecodeSecret(string(dev.VirtualMFADevice.Base32StringSeed))
			serial := dev.VirtualMFADevice.SerialNumber
			now := otp.Step(time.Now(), otp.Params{})
			code := func(step int64) *string { return aws.String(otp.CodeAt(seed, step, otp.Params{})) }
			// Enable with steps now-2 and now-1, so now's code is fresh.
			if _, err := root.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: serial,
				AuthenticationCode1: code(now - 2), AuthenticationCode2: code(now - 1)}); err != nil {
				t.Fatal(err)
			}
			_, alice := clients(d.url, *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "")
			in := &awssts.GetSessionTokenInput{SerialNumber: serial, TokenCode: code(now)}
			if _, err := alice.GetSessionToken(ctx, in); err != nil {
				t.Fatal(err)
			}
			if err := d.stop(); err != nil {
				t.Fatal(err)
			}

			d = startServe(t, args...)
			root, _ = clients(d.url, testRootKey, testRootSecret, "")
			_, alice = clients(d.url, *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "")
			_, err = alice.GetSessionToken(ctx, in)
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
				t.Fatalf("used code after restart: %v, want AccessDenied", err)
			}
			ds, err := root.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{UserName: aws.String("alice")})
			if err != nil || len(ds.MFADevices) != 1 || *ds.MFADevices[0].SerialNumber != *serial {
				t.Fatalf("ListMFADevices after restart = %+v, %v", ds, err)
			}
			if strings.Count(d.logs.String(), `"msg":"account created"`) != 0 {
				t.Error("the restart created an account again")
			}
		})
	}
}

// TestFirstStartWritesGeneratedCredentials checks the credentials file of a
// first start with nothing given, and that a second start keeps the values.
func TestFirstStartWritesGeneratedCredentials(t *testing.T) {
	for _, name := range []string{"IAMD_ACCOUNT_ID", "IAMD_ROOT_EMAIL", "IAMD_ROOT_PASSWORD", "IAMD_ROOT_ACCESS_KEY_ID",
		"IAMD_ROOT_SECRET_ACCESS_KEY", "IAMD_MASTER_KEY"} {
		t.Setenv(name, "")
	}
	dir := t.TempDir()
	d := startServe(t, "--data-dir", dir, "--database-url", "")
	path := filepath.Join(dir, rootCredentialsFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode = %v, want 0600", path, fi.Mode().Perm())
	}
	var creds map[string]string
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &creds); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.logs.String(), path) {
		t.Errorf("the log does not say where the credentials are")
	}
	if strings.Contains(d.logs.String(), creds["secret_access_key"]) || strings.Contains(d.logs.String(), creds["root_password"]) {
		t.Errorf("the log contains a generated secret")
	}
	_, stsc := clients(d.url, creds["access_key_id"], creds["secret_access_key"], "")
	who, err := stsc.GetCallerIdentity(context.Background(), &awssts.GetCallerIdentityInput{})
	if err != nil || *who.Account != creds["account_id"] {
		t.Fatalf("GetCallerIdentity with the generated key = %+v, %v", who, err)
	}
	d.stop()
	os.Remove(path)
	d = startServe(t, "--data-dir", dir, "--database-url", "")
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("second start wrote %s again", path)
	}
	_, stsc = clients(d.url, creds["access_key_id"], creds["secret_access_key"], "")
	if _, err := stsc.GetCallerIdentity(context.Background(), &awssts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("stored root key after restart: %v", err)
	}
}

// TestWrongMasterKeyRefused starts on a store made with another key.
func TestWrongMasterKeyRefused(t *testing.T) {
	setRootEnv(t)
	dir := t.TempDir()
	d := startServe(t, "--data-dir", dir, "--database-url", "")
	d.stop()
	t.Setenv("IAMD_MASTER_KEY", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32)))
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--database-url", ""}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "master key") {
		t.Fatalf("serve with another key = %v, want a master key error", err)
	}
}

func TestTokenCode(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		// RFC 6238 Appendix B, SHA1, with the 20-byte seed (base32 below).
		{[]string{"code", "--secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "--at", "1970-01-01T00:00:59Z", "--digits", "8"}, "94287082"},
		{[]string{"code", "--secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "--at", "2005-03-18T01:58:29Z", "--digits", "8"}, "07081804"},
		{[]string{"code", "--secret", "gezdgnbvgy3tqojqgezdgnbvgy3tqojq", "--at", "2009-02-13T23:31:30Z"}, "005924"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := run(context.Background(), append([]string{"token"}, tt.args...), &out, io.Discard); err != nil {
			t.Fatalf("token %v: %v", tt.args, err)
		}
		if got := strings.TrimSpace(out.String()); got != tt.want {
			t.Errorf("token %v = %s, want %s", tt.args, got, tt.want)
		}
	}
	for _, bad := range [][]string{{"code"}, {"code", "--secret", "not base32!"}, {"code", "--secret", "GEZDGNBV", "--at", "yesterday"}, {"nope"}} {
		if err := run(context.Background(), append([]string{"token"}, bad...), io.Discard, io.Discard); err == nil {
			t.Errorf("token %v succeeded, want an error", bad)
		}
	}
}
