package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/otp"
	"github.com/iamd/iamd/internal/store/storetest"
)

const (
	rfcPSK      = "12345678901234567890123456789012"
	pskcTestdir = "../../testdata/pskc/"
)

// cli runs an iamd subcommand and returns its output.
func cli(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestHardwareCommands(t *testing.T) {
	setRootEnv(t)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dir := t.TempDir()
			sargs := storeArgs(t, e, dir)
			d := startServe(t, sargs...)
			with := func(args ...string) []string {
				return append(append(args[:2:2], sargs...), args[2:]...)
			}
			mustImport := func(want string, args ...string) {
				t.Helper()
				out, errOut, err := cli(t, with(args...)...)
				if err != nil {
					t.Fatalf("iamd %v: %v\n%s", args, err, errOut)
				}
				if strings.TrimSpace(out) != want {
					t.Fatalf("iamd %v printed %q, want %q", args, out, want)
				}
			}
			refuse := func(wantMsg string, args ...string) {
				t.Helper()
				_, _, err := cli(t, with(args...)...)
				if err == nil || !strings.Contains(err.Error(), wantMsg) {
					t.Fatalf("iamd %v = %v, want an error containing %q", args, err, wantMsg)
				}
			}
			// PBKDF2 (RFC 6030 Figure 7): a wrong password imports nothing.
			refuse("nothing imported", "hardware", "import", "--password", "wrong", pskcTestdir+"figure7.pskcxml")
			mustImport("987654321", "hardware", "import", "--password", "qwerty", pskcTestdir+"figure7.pskcxml")
			// PSK (Figure 6): same serial, so nothing is imported.
			refuse("987654321", "hardware", "import", "--psk", rfcPSK, pskcTestdir+"figure6.pskcxml")
			refuse("nothing imported", "hardware", "import", "--psk", "00"+rfcPSK[2:], pskcTestdir+"totp-60.pskcxml")
			refuse("nothing imported", "hardware", "import", "--psk", rfcPSK, pskcTestdir+"bad-mac.pskcxml")
			mustImport("TOTP60-000001", "hardware", "import", "--psk", rfcPSK, pskcTestdir+"totp-60.pskcxml")
			mustImport("TOTP30-000001\nTOTP30-000002", "hardware", "import", pskcTestdir+"totp-30.pskcxml")
			csv := filepath.Join(dir, "tokens.csv")
			os.WriteFile(csv, []byte("# serial,base32 secret,digits,period\nGAKT00000001,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,6,30\n"), 0o600)
			mustImport("GAKT00000001", "hardware", "import", csv)
			os.WriteFile(csv, []byte("GAKT00000002,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\nGAKT00000003,not base32!\n"), 0o600)
			refuse("line 2", "hardware", "import", csv)

			out, _, err := cli(t, with("hardware", "list")...)
			if err != nil {
				t.Fatal(err)
			}
			for _, serial := range []string{"987654321", "TOTP60-000001", "TOTP30-000001", "TOTP30-000002", "GAKT00000001"} {
				if !strings.Contains(out, serial) {
					t.Errorf("hardware list lacks %s:\n%s", serial, out)
				}
			}
			if strings.Contains(out, "GAKT00000002") {
				t.Errorf("a failed CSV import left GAKT00000002 behind:\n%s", out)
			}

			// The running server uses an imported token at once.
			ctx := context.Background()
			root, _ := clients(d.url, testRootKey, testRootSecret, "")
			if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
				t.Fatal(err)
			}
			key, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
			if err != nil {
				t.Fatal(err)
			}
			secret := []byte("12345678901234567891")
			now := otp.Step(time.Now(), otp.Params{})
			code := func(s int64) *string { return aws.String(otp.CodeAt(secret, s, otp.Params{})) }
			if _, err := root.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("alice"),
				SerialNumber: aws.String("TOTP30-000001"), AuthenticationCode1: code(now - 2), AuthenticationCode2: code(now - 1)}); err != nil {
				t.Fatalf("enable the imported token: %v", err)
			}
			_, alice := clients(d.url, *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "")
			if _, err := alice.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String("TOTP30-000001"), TokenCode: code(now)}); err != nil {
				t.Fatalf("sign in with the imported token: %v", err)
			}
			out, _, _ = cli(t, with("hardware", "list")...)
			if !strings.Contains(out, "arn:aws:iam::210987654321:user/alice") {
				t.Errorf("hardware list does not show alice on TOTP30-000001:\n%s", out)
			}
			refuse("deactivate it first", "hardware", "remove", "TOTP30-000001")
			if _, _, err := cli(t, with("hardware", "remove", "TOTP30-000002")...); err != nil {
				t.Fatalf("remove an unassigned token: %v", err)
			}
			refuse("no hardware token", "hardware", "remove", "TOTP30-000002")
		})
	}
}

func TestAccountCommands(t *testing.T) {
	setRootEnv(t)
	dir := t.TempDir()
	d := startServe(t, "--data-dir", dir, "--database-url", "")
	base := []string{"--data-dir", dir, "--database-url", ""}
	out, errOut, err := cli(t, append(append([]string{"account", "create"}, base...), "--id", "333333333333", "--email", "b@example.com")...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "account_id        333333333333") || !strings.Contains(out, "secret_access_key ") ||
		!strings.Contains(errOut, "shown only once") {
		t.Errorf("account create printed:\n%s\n%s", out, errOut)
	}
	if _, _, err := cli(t, append(append([]string{"account", "create"}, base...), "--id", "333333333333")...); err == nil {
		t.Error("creating an account with a taken id succeeded")
	}
	out, _, err = cli(t, append([]string{"account", "list"}, base...)...)
	if err != nil || !strings.Contains(out, "333333333333") || !strings.Contains(out, "210987654321") {
		t.Fatalf("account list = %q, %v", out, err)
	}
	// With two accounts, commands must be told which.
	if _, _, err := cli(t, append([]string{"hardware", "list"}, base...)...); err == nil || !strings.Contains(err.Error(), "--account") {
		t.Errorf("hardware list with two accounts and no --account = %v", err)
	}

	// Root MFA for the first account; the server accepts its code at once.
	out, errOut, err = cli(t, append(append([]string{"account", "root-mfa"}, base...), "210987654321")...)
	if err != nil {
		t.Fatalf("root-mfa: %v\n%s", err, errOut)
	}
	if !strings.Contains(errOut, "root MFA device created by an operator") {
		t.Errorf("root-mfa was not logged:\n%s", errOut)
	}
	var serial, seed string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "serial_number" {
			serial = f[1]
		}
		if len(f) == 2 && f[0] == "base32_string_seed" {
			seed = f[1]
		}
	}
	secret, err := otp.DecodeSecret(seed)
	if err != nil || !strings.HasPrefix(serial, "arn:aws:iam::210987654321:mfa/") {
		t.Fatalf("root-mfa printed %q", out)
	}
	if _, _, err := cli(t, append(append([]string{"account", "root-mfa"}, base...), "210987654321")...); err == nil {
		t.Error("a second root device under the limit of 1 was created")
	}
	ctx := context.Background()
	root, rootSTS := clients(d.url, testRootKey, testRootSecret, "")
	if _, err := rootSTS.GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(serial),
		TokenCode: aws.String(otp.TOTP(secret, time.Now(), otp.Params{}))}); err != nil {
		t.Fatalf("root signs in with the new device: %v", err)
	}
	sum, err := root.GetAccountSummary(ctx, &awsiam.GetAccountSummaryInput{})
	if err != nil || sum.SummaryMap["AccountMFAEnabled"] != 1 {
		t.Fatalf("AccountMFAEnabled = %v, %v", sum.SummaryMap["AccountMFAEnabled"], err)
	}
	if _, errOut, err := cli(t, append(append([]string{"account", "root-mfa"}, base...), "--deactivate", serial, "210987654321")...); err != nil {
		t.Fatalf("root-mfa --deactivate: %v %s", err, errOut)
	}
	sum, _ = root.GetAccountSummary(ctx, &awsiam.GetAccountSummaryInput{})
	if sum.SummaryMap["AccountMFAEnabled"] != 0 {
		t.Errorf("AccountMFAEnabled after deactivation = %d", sum.SummaryMap["AccountMFAEnabled"])
	}
}
