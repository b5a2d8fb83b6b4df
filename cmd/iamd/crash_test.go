package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/internal/otp"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/storetest"
)

// TestMain lets the test binary play "iamd" in a child process, so a test
// can kill -9 a real server: with IAMD_TEST_CHILD set it runs iamd with the
// arguments in IAMD_TEST_CHILD_ARGS (JSON) instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("IAMD_TEST_CHILD") == "1" {
		var args []string
		if err := json.Unmarshal([]byte(os.Getenv("IAMD_TEST_CHILD_ARGS")), &args); err != nil {
			fmt.Fprintln(os.Stderr, "IAMD_TEST_CHILD_ARGS:", err)
			os.Exit(2)
		}
		if err := run(context.Background(), args, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "iamd:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is "iamd serve" in another process.
type child struct {
	cmd *exec.Cmd
	url string
}

// startChild runs "iamd serve" in a child process and waits until it
// listens.
func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	b, _ := json.Marshal(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "IAMD_TEST_CHILD=1", "IAMD_TEST_CHILD_ARGS="+string(b))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				urls <- line.URL
			}
		}
	}()
	select {
	case u := <-urls:
		return &child{cmd: cmd, url: u}
	case <-time.After(30 * time.Second):
		t.Fatal("child iamd did not start")
	}
	return nil
}

// TestKillNineKeepsAcknowledgedWrites kills a server with SIGKILL while it
// creates users, enables devices and accepts MFA codes, restarts it on the
// same store, and checks that every acknowledged write is there, that no
// code it accepted is accepted again, and that the store is intact.
func TestKillNineKeepsAcknowledgedWrites(t *testing.T) {
	setRootEnv(t)
	t.Setenv("IAMD_MASTER_KEY", "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=")
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dir := t.TempDir()
			args := storeArgs(t, e, dir)
			c := startChild(t, args...)
			ctx := context.Background()
			root, _ := clients(c.url, testRootKey, testRootSecret, "")

			// Users with keys and enabled devices, whose codes the load
			// spends.
			type signer struct {
				sts         *awssts.Client
				key, secret string
				serial      string
				seed        []byte
			}
			var signers []signer
			now := otp.Step(time.Now(), otp.Params{})
			for i := range 6 {
				name := fmt.Sprintf("mfa%d", i)
				if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
					t.Fatal(err)
				}
				key, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(name)})
				if err != nil {
					t.Fatal(err)
				}
				dev, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(name)})
				if err != nil {
					t.Fatal(err)
				}
				seed, _ := otp.DecodeSecret(string(dev.VirtualMFADevice.Base32StringSeed))
				code := func(step int64) *string { return aws.String(otp.CodeAt(seed, step, otp.Params{})) }
				if _, err := root.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String(name), SerialNumber: dev.VirtualMFADevice.SerialNumber,
					AuthenticationCode1: code(now - 3), AuthenticationCode2: code(now - 2)}); err != nil {
					t.Fatal(err)
				}
				_, s := clients(c.url, *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "")
				signers = append(signers, signer{s, *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, *dev.VirtualMFADevice.SerialNumber, seed})
			}

			var mu sync.Mutex
			var users []string // acknowledged CreateUser
			var enabled []string
			type used struct {
				s    signer
				code string
			}
			var codes []used
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for w := range 3 {
				wg.Go(func() {
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						name := fmt.Sprintf("load-%d-%d", w, i)
						if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name),
							Tags: []iamtypes.Tag{{Key: aws.String("w"), Value: aws.String("x")}}}); err == nil {
							mu.Lock()
							users = append(users, name)
							mu.Unlock()
						} else {
							return // the server is gone
						}
						if i%5 == 0 {
							dev, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(name)})
							if err != nil {
								return
							}
							seed, _ := otp.DecodeSecret(string(dev.VirtualMFADevice.Base32StringSeed))
							st := otp.Step(time.Now(), otp.Params{})
							if _, err := root.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String(name), SerialNumber: dev.VirtualMFADevice.SerialNumber,
								AuthenticationCode1: aws.String(otp.CodeAt(seed, st-1, otp.Params{})), AuthenticationCode2: aws.String(otp.CodeAt(seed, st, otp.Params{}))}); err == nil {
								mu.Lock()
								enabled = append(enabled, name)
								mu.Unlock()
							}
						}
					}
				})
			}
			for _, s := range signers {
				wg.Go(func() {
					code := otp.CodeAt(s.seed, otp.Step(time.Now(), otp.Params{}), otp.Params{})
					if _, err := s.sts.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(s.serial), TokenCode: aws.String(code)}); err == nil {
						mu.Lock()
						codes = append(codes, used{s, code})
						mu.Unlock()
					}
				})
			}
			time.Sleep(1500 * time.Millisecond)
			if err := c.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no flush
				t.Fatal(err)
			}
			c.cmd.Wait()
			close(stop)
			wg.Wait()
			if len(users) == 0 || len(codes) == 0 {
				t.Fatalf("the load acknowledged %d users and %d codes before the kill; nothing to check", len(users), len(codes))
			}

			c = startChild(t, args...)
			root, _ = clients(c.url, testRootKey, testRootSecret, "")
			for _, name := range users {
				u, err := root.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String(name)})
				if err != nil {
					t.Errorf("acknowledged user %s after kill -9: %v", name, err)
					continue
				}
				if len(u.User.Tags) != 1 {
					t.Errorf("user %s has %d tags after kill -9, want 1 (half-written?)", name, len(u.User.Tags))
				}
			}
			for _, name := range enabled {
				ds, err := root.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{UserName: aws.String(name)})
				if err != nil || len(ds.MFADevices) != 1 {
					t.Errorf("acknowledged enable of %s after kill -9: %+v, %v", name, ds, err)
				}
			}
			for _, u := range codes {
				_, s := clients(c.url, u.s.key, u.s.secret, "")
				_, err := s.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(u.s.serial), TokenCode: aws.String(u.code)})
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
					t.Errorf("code accepted before kill -9 replayed after restart: %v, want AccessDenied", err)
				}
			}
			if err := c.cmd.Process.Signal(os.Interrupt); err == nil {
				c.cmd.Wait()
			}
			integrityCheck(t, args[3], dir)
			t.Logf("%d users, %d enables, %d codes acknowledged before kill -9; all present, codes refused again", len(users), len(enabled), len(codes))
		})
	}
}

// integrityCheck checks a stopped server's store: SQLite's own integrity
// check, and on both engines that nothing refers to what is not there.
func integrityCheck(t *testing.T, databaseURL, dir string) {
	t.Helper()
	var db *sql.DB
	var err error
	if databaseURL != "" {
		db, err = sql.Open("pgx", databaseURL)
	} else {
		db, err = sql.Open("sqlite", "file:"+filepath.Join(dir, store.SQLiteFileName))
		if err == nil {
			var res string
			if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
				t.Errorf("PRAGMA integrity_check = %q, %v", res, err)
			}
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for what, q := range map[string]string{
		"access keys of missing users": `SELECT COUNT(*) FROM access_keys k WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = k.user_id)`,
		"devices of missing users":     `SELECT COUNT(*) FROM mfa_devices d WHERE d.user_id <> '' AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = d.user_id)`,
		"users of missing accounts":    `SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = u.account_id)`,
	} {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Errorf("%s: %v", what, err)
		} else if n != 0 {
			t.Errorf("%s: %d", what, n)
		}
	}
}
