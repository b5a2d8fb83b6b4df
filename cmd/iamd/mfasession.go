package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"gopkg.in/ini.v1"
)

const mfaSessionUsage = `usage:
  iamd mfa-session --profile P [--serial ARN] [--code 123456] [--duration 43200] [--endpoint URL] [--credential-process]
Turns an MFA code into temporary credentials with STS GetSessionToken, using profile P's long-term keys
(AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE and the profile's mfa_serial and endpoint_url are honoured).
Without --credential-process the credentials are written to profile P-mfa of the credentials file; with it,
they are printed as credential_process JSON and cached until 5 minutes before they expire.
Works against AWS and iamd alike.`

// mfaSessionOptions are mfa-session's flags.
type mfaSessionOptions struct {
	profile, serial, code, endpoint string
	duration                        time.Duration
	credentialProcess               bool
}

// processCredentials is the credential_process output (Version 1).
type processCredentials struct {
	Version         int
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// mfaSession runs "iamd mfa-session".
func mfaSession(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mfa-session", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o mfaSessionOptions
	fs.StringVar(&o.profile, "profile", os.Getenv("AWS_PROFILE"), "profile with the long-term keys [AWS_PROFILE]")
	fs.StringVar(&o.serial, "serial", "", "MFA device serial (ARN); default: the profile's mfa_serial")
	fs.StringVar(&o.code, "code", "", "the 6-digit code; asked for on the terminal when absent")
	secs := fs.Int("duration", 43200, "session lifetime in seconds (900 to 129600; root at most 3600)")
	fs.StringVar(&o.endpoint, "endpoint", "", "STS endpoint URL; default: the profile's endpoint_url, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, then AWS")
	fs.BoolVar(&o.credentialProcess, "credential-process", false, "print credential_process JSON (cached) instead of writing profile P-mfa")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.profile == "" || fs.NArg() != 0 {
		return errors.New(mfaSessionUsage)
	}
	o.duration = time.Duration(*secs) * time.Second
	credsFile, configFile := sharedFiles()
	prof, err := config.LoadSharedConfigProfile(ctx, o.profile, func(lo *config.LoadSharedConfigOptions) {
		lo.CredentialsFiles = []string{credsFile}
		lo.ConfigFiles = []string{configFile}
	})
	if err != nil {
		return fmt.Errorf("profile %s: %w", o.profile, err)
	}
	if !prof.Credentials.HasKeys() {
		return fmt.Errorf("profile %s has no aws_access_key_id and aws_secret_access_key", o.profile)
	}
	if prof.Credentials.SessionToken != "" {
		return fmt.Errorf("profile %s holds temporary credentials; GetSessionToken needs the long-term keys", o.profile)
	}
	if o.serial == "" {
		o.serial = prof.MFASerial
	}
	if o.serial == "" {
		return fmt.Errorf("no MFA device: pass --serial or set mfa_serial in profile %s", o.profile)
	}
	cachePath := ""
	if o.credentialProcess {
		cachePath = sessionCachePath(o.profile, o.serial)
		if c, ok := cachedSession(cachePath, time.Now()); cachePath != "" && ok {
			return json.NewEncoder(stdout).Encode(c)
		}
	}
	if o.code == "" {
		if o.code, err = askCode(stdin, stderr, o.serial); err != nil {
			return err
		}
	}
	creds, err := getSessionToken(ctx, prof, o)
	if err != nil {
		return err
	}
	if o.credentialProcess {
		if cachePath == "" {
			fmt.Fprintln(stderr, "iamd mfa-session: no user cache dir; the session is not cached")
		} else if err := writeFileAtomic(cachePath, mustJSON(creds), 0o600); err != nil {
			fmt.Fprintln(stderr, "iamd mfa-session: could not cache the session:", err)
		}
		return json.NewEncoder(stdout).Encode(creds)
	}
	target := o.profile + "-mfa"
	if err := writeProfile(credsFile, target, creds); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote temporary credentials to profile %s in %s; they expire at %s\n",
		target, credsFile, creds.Expiration.Format(time.RFC3339))
	return nil
}

// sharedFiles are the shared credentials and config files, as the SDKs and
// the aws CLI find them.
func sharedFiles() (credsFile, configFile string) {
	credsFile, configFile = os.Getenv("AWS_SHARED_CREDENTIALS_FILE"), os.Getenv("AWS_CONFIG_FILE")
	if credsFile == "" {
		credsFile = config.DefaultSharedCredentialsFilename()
	}
	if configFile == "" {
		configFile = config.DefaultSharedConfigFilename()
	}
	return credsFile, configFile
}

var codePattern = regexp.MustCompile(`^[0-9]{6}$`)

// askCode asks for the code on the terminal (or, without one, on stdin and
// stderr: the aws CLI runs a credential_process with its own terminal).
func askCode(stdin io.Reader, stderr io.Writer, serial string) (string, error) {
	in, out := stdin, stderr
	if tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err == nil {
		defer tty.Close()
		in, out = tty, tty
	}
	fmt.Fprintf(out, "MFA code for %s: ", serial)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no MFA code given: pass --code or type it on the terminal")
	}
	code := strings.TrimSpace(line)
	if !codePattern.MatchString(code) {
		return "", errors.New("an MFA code is six digits")
	}
	return code, nil
}

// getSessionToken calls STS with the profile's long-term keys.
func getSessionToken(ctx context.Context, prof config.SharedConfig, o mfaSessionOptions) (*processCredentials, error) {
	region := prof.Region
	if region == "" {
		region = "us-east-1"
	}
	endpoint := o.endpoint
	for _, v := range []string{prof.BaseEndpoint, os.Getenv("AWS_ENDPOINT_URL_STS"), os.Getenv("AWS_ENDPOINT_URL")} {
		if endpoint == "" {
			endpoint = v
		}
	}
	cfg := aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider(
		prof.Credentials.AccessKeyID, prof.Credentials.SecretAccessKey, "")}
	if endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	out, err := sts.NewFromConfig(cfg).GetSessionToken(ctx, &sts.GetSessionTokenInput{
		DurationSeconds: aws.Int32(int32(o.duration / time.Second)), SerialNumber: aws.String(o.serial), TokenCode: aws.String(o.code)})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return nil, fmt.Errorf("GetSessionToken: %s: %s", ae.ErrorCode(), ae.ErrorMessage())
		}
		return nil, fmt.Errorf("GetSessionToken: %w", err)
	}
	c := out.Credentials
	return &processCredentials{Version: 1, AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken: aws.ToString(c.SessionToken), Expiration: aws.ToTime(c.Expiration).UTC()}, nil
}

// writeProfile writes the credentials to a profile of the credentials
// file, keeping every other profile and the file's mode (0600 for a new
// file), and replacing the file in one rename so no reader sees half.
func writeProfile(path, profile string, c *processCredentials) error {
	f := ini.Empty()
	mode := os.FileMode(0o600)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
		if mode&0o077 != 0 {
			fmt.Fprintf(os.Stderr, "iamd mfa-session: %s is readable by others (mode %o); consider chmod 600\n", path, mode)
		}
		if f, err = ini.Load(path); err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	sec := f.Section(profile)
	for k, v := range map[string]string{"aws_access_key_id": c.AccessKeyID, "aws_secret_access_key": c.SecretAccessKey,
		"aws_session_token": c.SessionToken, "expiration": c.Expiration.Format(time.RFC3339)} {
		sec.Key(k).SetValue(v)
	}
	var b strings.Builder
	if _, err := f.WriteTo(&b); err != nil {
		return err
	}
	return writeFileAtomic(path, []byte(b.String()), mode)
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it over path.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// sessionCachePath is where --credential-process keeps a profile's session.
// It is "" when the user has no cache dir: a shared directory such as /tmp
// would let another user plant credentials, so nothing is cached then.
func sessionCachePath(profile, serial string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	name := regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(profile+"_"+serial, "_")
	return filepath.Join(dir, "iamd", "mfa-session", name+".json")
}

// cachedSession returns a cached session that is good for five more
// minutes.
func cachedSession(path string, now time.Time) (*processCredentials, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	var c processCredentials
	if json.Unmarshal(b, &c) != nil || c.Version != 1 || c.AccessKeyID == "" || !now.Add(5*time.Minute).Before(c.Expiration) {
		return nil, false
	}
	return &c, true
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
