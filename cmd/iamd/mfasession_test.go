package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"gopkg.in/ini.v1"

	"github.com/iamd/iamd/internal/otp"
	"github.com/iamd/iamd/internal/store/storetest"
)

// TestMFASession drives "iamd mfa-session" against a real server: a wrong
// code writes nothing; a right one writes profile dev-mfa (mode kept,
// other profiles untouched) whose credentials carry MFA; with
// --credential-process the JSON is printed and then served from the cache
// without a code.
func TestMFASession(t *testing.T) {
	setRootEnv(t)
	e := storetest.Engines(t)[0]
	dir := t.TempDir()
	d := startServe(t, storeArgs(t, e, dir)...)
	ctx := context.Background()
	root, _ := clients(d.url, testRootKey, testRootSecret, "")
	root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("dev")})
	key, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := otp.DecodeSecret(string(dev.VirtualMFADevice.Base32StringSeed))
	serial := *dev.VirtualMFADevice.SerialNumber
	now := otp.Step(time.Now(), otp.Params{})
	code := func(step int64) string { return otp.CodeAt(seed, step, otp.Params{}) }
	if _, err := root.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("dev"), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(code(now - 3)), AuthenticationCode2: aws.String(code(now - 2))}); err != nil {
		t.Fatal(err)
	}

	if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("mfa-only"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListMFADevices","Resource":"*",
			"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	credsFile := filepath.Join(home, "credentials")
	configFile := filepath.Join(home, "config")
	original := "[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other-secret\n\n[dev]\naws_access_key_id = " +
		*key.AccessKey.AccessKeyId + "\naws_secret_access_key = " + *key.AccessKey.SecretAccessKey + "\n"
	if err := os.WriteFile(credsFile, []byte(original), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(configFile, []byte("[profile dev]\nmfa_serial = "+serial+"\nendpoint_url = "+d.url+"\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credsFile)
	t.Setenv("AWS_CONFIG_FILE", configFile)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, "cache"))
	t.Setenv("HOME", home)

	mfa := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := mfaSession(ctx, args, strings.NewReader(""), &out, &errOut)
		return out.String(), err
	}
	wrong := "000000"
	if wrong == code(now) {
		wrong = "111111"
	}
	if _, err := mfa("--profile", "dev", "--code", wrong); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("mfa-session with a wrong code = %v, want AccessDenied", err)
	}
	if b, _ := os.ReadFile(credsFile); string(b) != original {
		t.Fatalf("a wrong code changed the credentials file:\n%s", b)
	}
	if _, err := mfa("--profile", "dev", "--code", code(now), "--duration", "3600"); err != nil {
		t.Fatalf("mfa-session: %v", err)
	}
	st, err := os.Stat(credsFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}
	f, err := ini.Load(credsFile)
	if err != nil {
		t.Fatal(err)
	}
	if f.Section("other").Key("aws_secret_access_key").String() != "other-secret" || f.Section("dev").Key("aws_access_key_id").String() != *key.AccessKey.AccessKeyId {
		t.Errorf("other profiles changed:\n%v", f)
	}
	s := f.Section("dev-mfa")
	_, stsMFA := clients(d.url, s.Key("aws_access_key_id").String(), s.Key("aws_secret_access_key").String(), s.Key("aws_session_token").String())
	if _, err := stsMFA.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("the dev-mfa credentials do not work: %v", err)
	}
	iamMFA, _ := clients(d.url, s.Key("aws_access_key_id").String(), s.Key("aws_secret_access_key").String(), s.Key("aws_session_token").String())
	if _, err := iamMFA.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{}); err != nil {
		t.Errorf("ListMFADevices under an MFA-only policy with the dev-mfa session: %v", err)
	}

	// credential_process: a fresh code once, then the cache.
	out, err := mfa("--profile", "dev", "--code", code(now+1), "--credential-process")
	if err != nil {
		t.Fatalf("--credential-process: %v", err)
	}
	var pc processCredentials
	if err := json.Unmarshal([]byte(out), &pc); err != nil || pc.Version != 1 || !strings.HasPrefix(pc.AccessKeyID, "ASIA") || pc.SessionToken == "" {
		t.Fatalf("--credential-process printed %s (%v)", out, err)
	}
	again, err := mfa("--profile", "dev", "--credential-process")
	if err != nil || again != out {
		t.Errorf("the second --credential-process did not come from the cache: %v\n%s\n%s", err, again, out)
	}
}
