package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
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

// seedRun runs "iamd bench seed" and returns its stdout and stderr.
func seedRun(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	err := benchSeed(context.Background(), args, out, errOut)
	return out.String(), errOut.String(), err
}

// TestBenchSeed seeds an empty store (which gets an account), starts the
// server on it, continues the seed while it runs, and then signs as seeded
// users through the AWS SDK: a session with a code from a seeded device,
// and the reader's authorised read.
func TestBenchSeed(t *testing.T) {
	t.Setenv("IAMD_MASTER_KEY", "")
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dir := t.TempDir()
			args := storeArgs(t, e, dir)
			manifest := filepath.Join(dir, "bench-manifest.json")

			out, errOut, err := seedRun(t, append(args, "--users", "30", "--batch", "7")...)
			if err != nil {
				t.Fatalf("seed --users 30: %v\n%s", err, errOut)
			}
			if !strings.Contains(out, "account_id") || !strings.Contains(out, "seed: 30 users in ") ||
				!strings.HasSuffix(out, "manifest "+manifest+"\n") {
				t.Errorf("seed --users 30 printed:\n%s", out)
			}
			if fi, err := os.Stat(manifest); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("manifest: %v, %v, want mode 0600", fi, err)
			}
			first, err := readManifest(manifest)
			if err != nil {
				t.Fatal(err)
			}

			d := startServe(t, args...)

			// Continued while the server runs: the account's generation
			// tells its cache.
			out, errOut, err = seedRun(t, append(args, "--users", "55", "--batch", "10")...)
			if err != nil {
				t.Fatalf("seed --users 55: %v\n%s", err, errOut)
			}
			if !strings.Contains(out, "seed: 55 users (25 new) in ") || strings.Contains(out, "account_id") {
				t.Errorf("seed --users 55 printed:\n%s", out)
			}
			if out, _, err := seedRun(t, append(args, "--users", "40")...); err != nil || !strings.Contains(out, "nothing to do") {
				t.Errorf("seed --users 40 after 55 = %v:\n%s", err, out)
			}
			m, err := readManifest(manifest)
			if err != nil {
				t.Fatal(err)
			}
			if m.Users != 55 || m.AccountID != first.AccountID || m.Seed != first.Seed || m.Reader != first.Reader {
				t.Errorf("manifest after the second run = %+v, want 55 users and the first run's account, seed and reader %+v", m, first)
			}

			sf := storeFlags{dataDir: dir, databaseURL: args[3]}
			st, _, err := sf.open(context.Background(), newLogger(io.Discard))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			u54 := m.user(54)
			if u, err := st.UserByName(ctx, m.AccountID, u54.Name); err != nil || u.ID != u54.UserID {
				t.Errorf("UserByName(%s) = %+v, %v, want id %s", u54.Name, u, err, u54.UserID)
			}
			k, owner, err := st.AccessKey(ctx, u54.Key.AccessKeyID)
			if err != nil || k.Secret != u54.Key.SecretAccessKey || owner.Name != u54.Name {
				t.Errorf("AccessKey(%s) = %+v, %+v, %v, want the derived secret of %s", u54.Key.AccessKeyID, k, owner, err, u54.Name)
			}
			if _, err := st.UserByName(ctx, m.AccountID, benchUserName(55)); err == nil {
				t.Errorf("%s exists: seeded past --users", benchUserName(55))
			}
			st.Close()

			// A session as user 7 with a code of its seeded device.
			u7 := m.user(7)
			_, sts7 := clients(d.url, u7.Key.AccessKeyID, u7.Key.SecretAccessKey, "")
			sess, err := sts7.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(u7.Serial),
				TokenCode: aws.String(otp.TOTP(u7.MFASecret, time.Now(), otp.Params{})), DurationSeconds: aws.Int32(900)})
			if err != nil {
				t.Fatalf("GetSessionToken as %s with its device's code: %v", u7.Name, err)
			}
			_, stsSess := clients(d.url, *sess.Credentials.AccessKeyId, *sess.Credentials.SecretAccessKey, *sess.Credentials.SessionToken)
			if id, err := stsSess.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{}); err != nil || !strings.HasSuffix(*id.Arn, ":user/"+u7.Name) {
				t.Errorf("GetCallerIdentity with the MFA session = %v, %v, want %s", id, err, u7.Name)
			}
			// User 54 was seeded while the server ran.
			_, sts54 := clients(d.url, u54.Key.AccessKeyID, u54.Key.SecretAccessKey, "")
			if id, err := sts54.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{}); err != nil || !strings.HasSuffix(*id.Arn, ":user/"+u54.Name) {
				t.Errorf("GetCallerIdentity as %s = %v, %v", u54.Name, id, err)
			}

			// The reader lists user 7's device, and is allowed nothing else.
			iamR, _ := clients(d.url, m.Reader.AccessKeyID, m.Reader.SecretAccessKey, "")
			devs, err := iamR.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{UserName: aws.String(u7.Name)})
			if err != nil {
				t.Fatalf("ListMFADevices(%s) as the reader: %v", u7.Name, err)
			}
			if len(devs.MFADevices) != 1 || *devs.MFADevices[0].SerialNumber != u7.Serial {
				t.Errorf("ListMFADevices(%s) = %d devices, want %s", u7.Name, len(devs.MFADevices), u7.Serial)
			}
			if _, err := iamR.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String(u54.Name)}); err != nil {
				t.Errorf("GetUser(%s) as the reader: %v", u54.Name, err)
			}
			var ae smithy.APIError
			if _, err := iamR.ListUsers(ctx, &awsiam.ListUsersInput{}); !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
				t.Errorf("ListUsers as the reader = %v, want AccessDenied", err)
			}

			// A batch committed after the manifest was last written: the
			// next run continues after it.
			m.Users = 48
			if err := saveManifest(manifest, m); err != nil {
				t.Fatal(err)
			}
			out, errOut, err = seedRun(t, append(args, "--users", "60")...)
			if err != nil || !strings.Contains(errOut, "beyond the manifest's 48: continuing after them") ||
				!strings.Contains(out, "seed: 60 users (5 new)") {
				t.Errorf("seed --users 60 with a manifest of 48 = %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
			}
			if m, err := readManifest(manifest); err != nil || m.Users != 60 {
				t.Errorf("manifest = %+v, %v, want 60 users", m, err)
			}

			// Refused: a manifest of another account, and bad sizes.
			other := *m
			other.AccountID = "999999999999"
			otherPath := filepath.Join(t.TempDir(), "other.json")
			if err := saveManifest(otherPath, &other); err != nil {
				t.Fatal(err)
			}
			if _, _, err := seedRun(t, append(args, "--users", "70", "--manifest", otherPath)...); err == nil ||
				!strings.Contains(err.Error(), "manifest of account 999999999999") {
				t.Errorf("seed with another account's manifest = %v", err)
			}
			for _, n := range []string{"0", "2000001"} {
				if _, _, err := seedRun(t, append(args, "--users", n)...); err == nil {
					t.Errorf("seed --users %s = nil, want an error", n)
				}
			}
		})
	}
}

func TestSeedProgress(t *testing.T) {
	if got, want := seedProgressLine(250000, 1000000, 0, 6*time.Second),
		"seed: 250000/1000000 users (25%), 41,667 users/s, eta 18s"; got != want {
		t.Errorf("seedProgressLine = %q, want %q", got, want)
	}
	// Not a terminal: a line every 5 s, none at the end (stdout has it).
	var b bytes.Buffer
	t0 := time.Unix(1_000_000, 0)
	p := newSeedProgress(&b, 100, 1100, t0)
	for i, at := range []time.Duration{time.Second, 4 * time.Second, 6 * time.Second, 8 * time.Second, 12 * time.Second} {
		p.update(100+(i+1)*200, t0.Add(at))
	}
	p.done()
	want := "seed: 700/1100 users (63%), 100 users/s, eta 4s\n"
	if b.String() != want {
		t.Errorf("progress lines:\n%s\nwant:\n%s", b.String(), want)
	}
}
