// Package gotestmain_test is the Go example of docs/testing-with-iamd.md:
// a TestMain that starts iamd in test mode, a reset between tests and an
// MFA test that advances iamd's clock instead of sleeping.
package gotestmain_test

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// endpoint is iamd's URL, set by TestMain.
var endpoint string

// TestMain starts iamd --test-mode on a free loopback port with a data dir
// of its own, runs the tests and stops it. IAMD_BIN names the binary; else
// it is built from the module.
func TestMain(m *testing.M) {
	os.Exit(runWithIamd(m))
}

func runWithIamd(m *testing.M) int {
	dir, err := os.MkdirTemp("", "iamd-test-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	bin := os.Getenv("IAMD_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "iamd")
		build := exec.Command("go", "build", "-o", bin, "github.com/iamd/iamd/cmd/iamd")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			panic(err)
		}
	}
	cmd := exec.Command(bin, "serve", "--test-mode", "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")} // no IAMD_* of the caller's: SQLite in the data dir
	logs, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	// The log line {"msg":"listening","url":...} says where it listens.
	sc := bufio.NewScanner(logs)
	for endpoint == "" && sc.Scan() {
		var line struct{ Msg, URL string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
			endpoint = line.URL
		}
	}
	if endpoint == "" {
		panic("iamd did not start")
	}
	go func() {
		for sc.Scan() { // keep draining the log
		}
	}()
	return m.Run()
}

// reset gives the test a fresh account: POST /moto-api/reset (or
// /_iamd/reset).
func reset(t *testing.T) {
	t.Helper()
	resp, err := http.Post(endpoint+"/moto-api/reset", "application/json", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("reset: %v %v", resp, err)
	}
	resp.Body.Close()
}

// advance moves iamd's clock forward and returns its new time.
func advance(t *testing.T, seconds int) time.Time {
	t.Helper()
	body := fmt.Sprintf(`{"advance_seconds": %d}`, seconds)
	resp, err := http.Post(endpoint+"/_iamd/clock", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("advance: %v %v", resp, err)
	}
	defer resp.Body.Close()
	var out struct {
		Now string `json:"now"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	now, err := time.Parse(time.RFC3339Nano, out.Now)
	if err != nil {
		t.Fatal(err)
	}
	return now
}

// config signs with the test admin's key (the one moto's server mode uses).
func config() aws.Config {
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("FOOBARKEY", "FOOBARSECRET", "")}
}

// totp is RFC 6238's code of a Base32 seed at t (SHA-1, 6 digits, 30 s).
func totp(seed []byte, t time.Time) string {
	key, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(string(seed), "="))
	mac := hmac.New(sha1.New, key)
	binary.Write(mac, binary.BigEndian, uint64(t.Unix()/30))
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[off:])&0x7fffffff)%1000000)
}

func TestCreateUser(t *testing.T) {
	reset(t)
	ctx := context.Background()
	c := iam.NewFromConfig(config())
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
}

func TestCreateUserAgain(t *testing.T) {
	reset(t) // alice of the test before is gone
	ctx := context.Background()
	c := iam.NewFromConfig(config())
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
}

func TestMFASessionWithoutSleeping(t *testing.T) {
	reset(t)
	ctx := context.Background()
	admin := iam.NewFromConfig(config())
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := admin.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	seed, serial := dev.VirtualMFADevice.Base32StringSeed, dev.VirtualMFADevice.SerialNumber
	now := advance(t, 0) // the clock's time; two consecutive codes enable
	if _, err := admin.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("bob"), SerialNumber: serial,
		AuthenticationCode1: aws.String(totp(seed, now.Add(-30*time.Second))), AuthenticationCode2: aws.String(totp(seed, now))}); err != nil {
		t.Fatal(err)
	}
	bobCfg := config()
	bobCfg.Credentials = credentials.NewStaticCredentialsProvider(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "")
	bob := sts.NewFromConfig(bobCfg)
	// Both codes are used now: instead of sleeping to the next step, ask
	// for it.
	next := advance(t, 30)
	if _, err := bob.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: serial, TokenCode: aws.String(totp(seed, next))}); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: serial, TokenCode: aws.String(totp(seed, next))}); err == nil {
		t.Fatal("a code was accepted twice")
	}
}
