package awsquery

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

// TestTypedResult renders generated outputs. Where a case of TestWriteResult
// renders the same result from a tagged struct, it shares its golden file:
// the typed path must write the same bytes.
func TestTypedResult(t *testing.T) {
	created := time.Date(2024, 5, 1, 12, 34, 56, 789_000_000, time.FixedZone("CEST", 2*3600))
	enabled := time.Date(2024, 5, 2, 8, 0, 0, 0, time.UTC)
	alice := &User{
		Path: "/", UserName: "alice", UserId: "AIDACKCEVSQ6C2EXAMPLE",
		Arn: "arn:aws:iam::123456789012:user/alice", CreateDate: created,
	}
	tests := []struct {
		name   string
		svc    *Service
		action string
		result Output
	}{
		{
			name: "create_virtual_mfa_device", svc: IAM(), action: "CreateVirtualMFADevice",
			result: &CreateVirtualMFADeviceOutput{VirtualMFADevice: VirtualMFADevice{
				SerialNumber:     "arn:aws:iam::123456789012:mfa/alice",
				Base32StringSeed: SecretBlob("JBSWY3DPEHPK3PXP"),
				QRCodePNG:        SecretBlob("\x89PNG\r\n\x1a\n"),
				Tags:             []Tag{{Key: "team", Value: "a&b <c>"}},
			}},
		},
		{
			name: "list_virtual_mfa_devices", svc: IAM(), action: "ListVirtualMFADevices",
			result: &ListVirtualMFADevicesOutput{
				VirtualMFADevices: []VirtualMFADevice{
					{SerialNumber: "arn:aws:iam::123456789012:mfa/alice", User: alice, EnableDate: enabled},
					{SerialNumber: "arn:aws:iam::123456789012:mfa/spare"},
				},
				IsTruncated: ptr(true),
				Marker:      ptr("next page"),
			},
		},
		{
			// A required list that is nil is written empty; an optional
			// boolean must be set to be written.
			name: "list_virtual_mfa_devices_empty", svc: IAM(), action: "ListVirtualMFADevices",
			result: &ListVirtualMFADevicesOutput{IsTruncated: ptr(false)},
		},
		{
			name: "get_mfa_device", svc: IAM(), action: "GetMFADevice",
			result: &GetMFADeviceOutput{
				UserName: "alice", SerialNumber: "arn:aws:iam::123456789012:u2f/user/alice/key-ABC", EnableDate: enabled,
				Certifications: map[string]string{"FIDO": "L1"},
			},
		},
		{
			name: "enable_mfa_device", svc: IAM(), action: "EnableMFADevice",
			result: &EnableMFADeviceOutput{},
		},
		{
			name: "typed_nil_result", svc: IAM(), action: "DeactivateMFADevice",
			result: (*DeactivateMFADeviceOutput)(nil),
		},
		{
			name: "sts_get_session_token", svc: STS(), action: "GetSessionToken",
			result: &GetSessionTokenOutput{Credentials: &Credentials{
				AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "token",
				Expiration: enabled.Add(12 * time.Hour),
			}},
		},
		{
			// Map entries are written in key order.
			name: "typed_get_account_summary", svc: IAM(), action: "GetAccountSummary",
			result: &GetAccountSummaryOutput{SummaryMap: map[string]int{"Users": 3, "UsersQuota": 5000, "MFADevices": 2}},
		},
		{
			// Optional members: a nil pointer, "" of a string that cannot be
			// empty and a zero time are left out; a set pointer is written
			// even when it points at a zero value; a required string that may
			// be empty (Tag.Value) is written empty.
			name: "typed_optional_members", svc: IAM(), action: "GetRole",
			result: &GetRoleOutput{Role: Role{
				Path: "/", RoleName: "r", RoleId: "AROAEXAMPLE", Arn: "arn:aws:iam::123456789012:role/r", CreateDate: created,
				Description: ptr(""), Tags: []Tag{{Key: "k", Value: ""}},
				RoleLastUsed: &RoleLastUsed{Region: ptr("eu-west-1")},
			}},
		},
		{
			// An output without members still writes its result wrapper.
			name: "typed_empty_result", svc: IAM(), action: "UpdateRole",
			result: &UpdateRoleOutput{},
		},
		{
			// The output of another operation is a bug: an internal failure.
			name: "typed_wrong_output", svc: IAM(), action: "GetUser",
			result: &GetRoleOutput{},
		},
		{
			name: "typed_wrong_service", svc: STS(), action: "GetCallerIdentity",
			result: &GetUserOutput{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteResult(rec, tt.svc, tt.action, "8f0e6c34-0000-4000-8000-000000000001", tt.result)
			checkWellFormed(t, rec.Body.Bytes())
			golden(t, "result_"+tt.name, renderResponse(rec))
		})
	}
}

// TestTypedTextEscaping checks that text is escaped exactly as encoding/xml
// escapes a string field, which the tagged results used.
func TestTypedTextEscaping(t *testing.T) {
	for _, s := range []string{
		"", "plain", `a&b<c>d"e'f`, "tab\tnew\nline\rcr", "ünïcødé ✓", "\x00\x1f\ufffe bad", "]]>", "%7B%22Version%22%3A%20%222012%22%7D",
	} {
		var typed bytes.Buffer
		(&xmlWriter{b: &typed}).text("V", s)
		var tagged bytes.Buffer
		enc := xml.NewEncoder(&tagged)
		if err := enc.Encode(struct {
			XMLName xml.Name `xml:"V"`
			S       string   `xml:",chardata"`
		}{S: s}); err != nil {
			t.Fatal(err)
		}
		if typed.String() != tagged.String() {
			t.Errorf("text(%q) = %s, want %s", s, typed.String(), tagged.String())
		}
	}
}

func TestDecodeInput(t *testing.T) {
	iam, sts := IAM(), STS()
	tests := []struct {
		name string
		svc  *Service
		form string
		want Input
	}{
		{
			name: "scalars and tags", svc: iam,
			form: iamPrefix + "CreateUser&UserName=alice&Path=/eng/" + tags(2),
			want: &CreateUserInput{UserName: "alice", Path: "/eng/", Tags: []Tag{{Key: "k1", Value: "v1"}, {Key: "k2", Value: "v2"}}},
		},
		{
			name: "absent optional members stay zero", svc: iam,
			form: iamPrefix + "ListUsers",
			want: &ListUsersInput{},
		},
		{
			name: "integer whose zero cannot be sent is a value", svc: iam,
			form: iamPrefix + "ListUsers&MaxItems=7&Marker=m&PathPrefix=/a/",
			want: &ListUsersInput{MaxItems: 7, Marker: "m", PathPrefix: "/a/"},
		},
		{
			name: "optional string that may be empty, sent empty", svc: iam,
			form: iamPrefix + "UpdateRole&RoleName=r&Description=",
			want: &UpdateRoleInput{RoleName: "r", Description: ptr("")},
		},
		{
			name: "optional string that may be empty, absent", svc: iam,
			form: iamPrefix + "UpdateRole&RoleName=r&MaxSessionDuration=3600",
			want: &UpdateRoleInput{RoleName: "r", MaxSessionDuration: 3600},
		},
		{
			name: "optional booleans and secrets", svc: iam,
			form: iamPrefix + "UpdateLoginProfile&UserName=u&Password=hunter2hunter2&PasswordResetRequired=false",
			want: &UpdateLoginProfileInput{UserName: "u", Password: "hunter2hunter2", PasswordResetRequired: ptr(false)},
		},
		{
			name: "booleans and integers", svc: iam,
			form: iamPrefix + "UpdateAccountPasswordPolicy&MinimumPasswordLength=12&RequireSymbols=true&HardExpiry=false&MaxPasswordAge=90",
			want: &UpdateAccountPasswordPolicyInput{MinimumPasswordLength: 12, RequireSymbols: ptr(true), HardExpiry: ptr(false), MaxPasswordAge: 90},
		},
		{
			name: "empty list sent as Name=", svc: iam,
			form: iamPrefix + "UntagRole&RoleName=r&TagKeys=",
			want: &UntagRoleInput{RoleName: "r", TagKeys: []string{}},
		},
		{
			name: "string list in wire order with gaps", svc: iam,
			form: iamPrefix + "UntagRole&RoleName=r&TagKeys.member.3=c&TagKeys.member.1=a",
			want: &UntagRoleInput{RoleName: "r", TagKeys: []string{"a", "c"}},
		},
		{
			name: "list of structures with a nested list", svc: iam,
			form: iamPrefix + "SimulateCustomPolicy&PolicyInputList.member.1=%7B%7D&ActionNames.member.1=s3:GetObject" +
				"&ContextEntries.member.1.ContextKeyName=aws:username&ContextEntries.member.1.ContextKeyType=string" +
				"&ContextEntries.member.1.ContextKeyValues.member.1=alice&ContextEntries.member.1.ContextKeyValues.member.2=bob",
			want: &SimulateCustomPolicyInput{
				PolicyInputList: []string{"{}"}, ActionNames: []string{"s3:GetObject"},
				ContextEntries: []ContextEntry{{ContextKeyName: "aws:username", ContextKeyType: "string", ContextKeyValues: []string{"alice", "bob"}}},
			},
		},
		{
			name: "lower-case member name", svc: sts,
			form: stsPrefix + "AssumeRole&RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=s1&DurationSeconds=900" +
				"&PolicyArns.member.1.arn=arn:aws:iam::aws:policy/ReadOnlyAccess&SerialNumber=arn:aws:iam::123456789012:mfa/u&TokenCode=123456",
			want: &AssumeRoleInput{
				RoleArn: "arn:aws:iam::123456789012:role/r", RoleSessionName: "s1", DurationSeconds: 900,
				PolicyArns:   []PolicyDescriptorType{{Arn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
				SerialNumber: "arn:aws:iam::123456789012:mfa/u", TokenCode: "123456",
			},
		},
		{
			name: "operation without input", svc: iam,
			form: iamPrefix + "GetAccountSummary&Ignored=1",
			want: &GetAccountSummaryInput{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := tt.svc.Decode(mustParse(t, tt.form))
			if err != nil {
				t.Fatalf("Decode(%q) = %v", tt.form, err)
			}
			if svc, action := OperationOf(tt.want); svc != tt.svc.Name() || action != req.Action {
				t.Fatalf("OperationOf(%T) = %s %s, want %s %s", tt.want, svc, action, tt.svc.Name(), req.Action)
			}
			got := newLike(tt.want)
			DecodeInput(got, req.Params)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeInput(%q) mismatch (-want +got):\n%s", tt.form, diff)
			}
		})
	}
}

// newLike returns a new zero value of the type in points to.
func newLike(in Input) Input {
	switch in.(type) {
	case *CreateUserInput:
		return new(CreateUserInput)
	case *ListUsersInput:
		return new(ListUsersInput)
	case *UpdateRoleInput:
		return new(UpdateRoleInput)
	case *UpdateLoginProfileInput:
		return new(UpdateLoginProfileInput)
	case *UpdateAccountPasswordPolicyInput:
		return new(UpdateAccountPasswordPolicyInput)
	case *UntagRoleInput:
		return new(UntagRoleInput)
	case *SimulateCustomPolicyInput:
		return new(SimulateCustomPolicyInput)
	case *AssumeRoleInput:
		return new(AssumeRoleInput)
	case *GetAccountSummaryInput:
		return new(GetAccountSummaryInput)
	}
	panic(fmt.Sprintf("newLike: add %T", in))
}

// TestTypedSecretsMasked formats and logs inputs and outputs carrying
// secrets every way a handler might, and looks for the values.
func TestTypedSecretsMasked(t *testing.T) {
	const secret = "s3cr3t-VALUE"
	values := []any{
		&CreateLoginProfileInput{UserName: "alice", Password: secret},
		&ChangePasswordInput{OldPassword: secret, NewPassword: secret},
		&EnableMFADeviceInput{UserName: "alice", SerialNumber: "arn:aws:iam::123456789012:mfa/alice", AuthenticationCode1: secret, AuthenticationCode2: secret},
		&GetSessionTokenInput{TokenCode: secret},
		&CreateAccessKeyOutput{AccessKey: AccessKey{UserName: "alice", AccessKeyId: "AKIAEXAMPLE", SecretAccessKey: secret}},
		&GetSessionTokenOutput{Credentials: &Credentials{AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: secret, SessionToken: secret}},
		&CreateVirtualMFADeviceOutput{VirtualMFADevice: VirtualMFADevice{Base32StringSeed: SecretBlob(secret), QRCodePNG: SecretBlob(secret)}},
	}
	for _, v := range values {
		var logged bytes.Buffer
		slog.New(slog.NewJSONHandler(&logged, nil)).Info("req", "in", v)
		slog.New(slog.NewTextHandler(&logged, nil)).Info("req", "in", v)
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%T) = %v", v, err)
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			if got := fmt.Sprintf(verb, v); strings.Contains(got, secret) || strings.Contains(got, fmt.Sprintf("%x", secret)) {
				t.Errorf("Sprintf(%q, %T) = %s, shows the secret", verb, v, got)
			}
		}
		if strings.Contains(logged.String(), secret) {
			t.Errorf("slog of %T = %s, shows the secret", v, logged.String())
		}
		if strings.Contains(string(j), secret) {
			t.Errorf("json.Marshal(%T) = %s, shows the secret", v, j)
		}
	}
	// The value is still there for the code that needs it.
	in := &CreateLoginProfileInput{Password: secret}
	if string(in.Password) != secret {
		t.Errorf("string(Password) = %q, want %q", string(in.Password), secret)
	}
}

// TestTypedSecretsRendered checks that masking is for logs only: a secret
// output member reaches the client.
func TestTypedSecretsRendered(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteResult(rec, IAM(), "CreateAccessKey", "id", &CreateAccessKeyOutput{AccessKey: AccessKey{
		UserName: "alice", AccessKeyId: "AKIAEXAMPLE", Status: "Active", SecretAccessKey: "wJalr/EXAMPLEKEY",
	}})
	want := "<AccessKey><UserName>alice</UserName><AccessKeyId>AKIAEXAMPLE</AccessKeyId><Status>Active</Status><SecretAccessKey>wJalr/EXAMPLEKEY</SecretAccessKey></AccessKey>"
	if !strings.Contains(rec.Body.String(), want) {
		t.Errorf("WriteResult(CreateAccessKey) = %s, want it to contain %s", rec.Body.String(), want)
	}
}

// TestGeneratedOpsMatchBotocore regenerates zz_ops.go from the local
// botocore and compares, like TestGeneratedModelMatchesBotocore.
func TestGeneratedOpsMatchBotocore(t *testing.T) {
	if os.Getenv("IAMD_TEST_BOTOCORE") != "1" {
		t.Skip("set IAMD_TEST_BOTOCORE=1 to compare zz_ops.go with the local botocore")
	}
	missing := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		missing("python3 with botocore is not available: %v", err)
	}
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		if goCmd, err = exec.LookPath("go"); err != nil {
			missing("the go command is not available: %v", err)
		}
	}
	dir := t.TempDir()
	cmd := exec.Command(goCmd, "run", "./internal/genmodel", "-botocore", strings.TrimSpace(string(out)),
		"-out", filepath.Join(dir, "zz_model.go"), "-errors-out", filepath.Join(dir, "zz_errors.go"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./internal/genmodel: %v\n%s", err, b)
	}
	want, err := os.ReadFile(filepath.Join(dir, "zz_ops.go"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("zz_ops.go")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(withoutSource(want), withoutSource(got)); diff != "" {
		t.Errorf("zz_ops.go differs from botocore; run go generate ./internal/awsquery (-botocore +committed):\n%s", diff)
	}
}
