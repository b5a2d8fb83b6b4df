package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/gateway"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
)

// What test mode creates on start and on every reset. The admin's key is
// the one moto's server mode signs with, so suites written for moto work
// unchanged.
const (
	testAccountID    = "123456789012"
	testRootEmail    = "root@example.com"
	testAdminName    = "test-admin"
	testAdminKeyID   = "FOOBARKEY"
	testAdminSecret  = "FOOBARSECRET"
	testAdminPolicy  = "arn:aws:iam::aws:policy/AdministratorAccess"
	testModeWarning  = "TEST MODE: every entity of every account is wiped on start and on POST /moto-api/reset or /_iamd/reset, and /_iamd/clock moves the clock; never serve real users with it"
	testModeEnvValue = "IAMD_TEST_MODE"
)

var rootKeyPattern = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)

// envBool reads a boolean environment variable: 1, true, yes or on.
func envBool(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// requireLoopback refuses a listen address that is not loopback: test
// mode's reset and clock paths are unsigned.
func requireLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--test-mode: listen address %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		host = "every interface"
	}
	return fmt.Errorf("--test-mode serves unsigned reset and clock paths, so it listens on loopback only (127.0.0.1, ::1, localhost), not on %s", host)
}

// testMode is test mode's state: the clock tests move and the root
// credentials every reset re-creates (from IAMD_ROOT_*, or generated once
// at start and written to the data dir).
type testMode struct {
	st           *store.Store
	clk          *clock.Settable
	log          *slog.Logger
	rootKeyID    string
	rootSecret   string
	rootPassword string
	rootHash     string
}

// newTestMode reads the root credentials from the environment, generating
// what is missing, and refuses a store that holds a real server's data.
func newTestMode(ctx context.Context, st *store.Store, clk *clock.Settable, dataDir string, log *slog.Logger) (*testMode, error) {
	ok, err := st.WipeableForTest(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New("--test-mode wipes the store, and this one holds accounts that test mode did not create: give it a data dir or database of its own")
	}
	tm := &testMode{st: st, clk: clk, log: log,
		rootKeyID: os.Getenv("IAMD_ROOT_ACCESS_KEY_ID"), rootSecret: os.Getenv("IAMD_ROOT_SECRET_ACCESS_KEY"), rootPassword: os.Getenv("IAMD_ROOT_PASSWORD")}
	if id := os.Getenv("IAMD_ACCOUNT_ID"); id != "" && id != testAccountID {
		log.Warn("test mode: IAMD_ACCOUNT_ID is ignored; the test account is "+testAccountID, "IAMD_ACCOUNT_ID", id)
	}
	generated := map[string]string{}
	if tm.rootKeyID == "" {
		if tm.rootKeyID, err = iam.NewID(rand.Reader, "AKIA", 16); err != nil {
			return nil, err
		}
		generated["access_key_id"] = tm.rootKeyID
	} else if !rootKeyPattern.MatchString(tm.rootKeyID) {
		return nil, fmt.Errorf("IAMD_ROOT_ACCESS_KEY_ID %q must be 16 to 128 upper-case letters and digits", tm.rootKeyID)
	}
	if tm.rootSecret == "" {
		if tm.rootSecret, err = iam.NewSecretAccessKey(rand.Reader); err != nil {
			return nil, err
		}
		generated["secret_access_key"] = tm.rootSecret
	}
	if tm.rootPassword == "" {
		if tm.rootPassword, err = iam.NewSecretAccessKey(rand.Reader); err != nil {
			return nil, err
		}
		tm.rootPassword = "Pw-" + tm.rootPassword
		generated["root_password"] = tm.rootPassword
	}
	if tm.rootHash, err = iam.HashPassword(rand.Reader, tm.rootPassword); err != nil {
		return nil, err
	}
	if len(generated) > 0 {
		generated["account_id"] = testAccountID
		generated["root_email"] = testRootEmail
		b, _ := json.MarshalIndent(generated, "", "  ")
		path := filepath.Join(dataDir, rootCredentialsFile)
		if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		log.Info("test mode: generated root credentials, the same after every reset, are in a file readable only by you", "path", path)
	}
	return tm, nil
}

// reset wipes the store and creates the test account, in one transaction.
func (tm *testMode) reset(ctx context.Context) error {
	now := tm.clk.Now().UTC().Truncate(time.Second)
	adminID, err := iam.NewID(rand.Reader, "AIDA", 17)
	if err != nil {
		return err
	}
	seed := store.TestSeed{
		Account: iam.Account{ID: testAccountID, Email: testRootEmail, CreatedAt: now},
		Users: []iam.User{
			{AccountID: testAccountID, ID: testAccountID, Name: iam.RootUserName, Path: "/", Root: true, CreatedAt: now},
			{AccountID: testAccountID, ID: adminID, Name: testAdminName, Path: "/", CreatedAt: now},
		},
		Passwords: map[string]string{testAccountID: tm.rootHash},
		Keys: []iam.AccessKey{
			{ID: tm.rootKeyID, AccountID: testAccountID, UserID: testAccountID, Secret: tm.rootSecret, Status: iam.KeyActive, CreatedAt: now},
			{ID: testAdminKeyID, AccountID: testAccountID, UserID: adminID, Secret: testAdminSecret, Status: iam.KeyActive, CreatedAt: now},
		},
		Attachments: []store.TestAttachment{{UserID: adminID, PolicyARN: testAdminPolicy}},
	}
	if err := tm.st.ResetForTest(ctx, seed); err != nil {
		return err
	}
	tm.log.Warn(testModeWarning, "account", testAccountID, "user", testAdminName, "access_key_id", testAdminKeyID,
		"root_access_key_id", tm.rootKeyID, "clock", tm.clk.Now().UTC().Format(time.RFC3339))
	return nil
}

// door returns the gateway's test-mode door over this state; nil (no door)
// without test mode.
func (tm *testMode) door() *gateway.TestMode {
	if tm == nil {
		return nil
	}
	return gateway.NewTestMode(tm.reset, tm.clk)
}
