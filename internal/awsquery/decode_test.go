package awsquery

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/awserr"
)

// dump turns Params into plain values for comparison: scalars are strings,
// lists []any, structures map[string]any, maps map[string]any of strings.
func dump(p Params) map[string]any {
	out := map[string]any{}
	for _, f := range p.fields {
		out[f.name] = dumpValue(f.v)
	}
	return out
}

func dumpValue(v value) any {
	switch v.kind {
	case kindList:
		l := []any{}
		for _, e := range v.list {
			l = append(l, dumpValue(e))
		}
		return l
	case kindStructure:
		return dump(v.params)
	case kindMap:
		m := map[string]any{}
		for _, e := range v.entries {
			m[e.key] = dumpValue(e.v)
		}
		return m
	}
	return v.text
}

func mustParse(t testing.TB, raw string) url.Values {
	t.Helper()
	form, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("url.ParseQuery(%q) = %v", raw, err)
	}
	return form
}

const (
	iamPrefix = "Version=2010-05-08&Action="
	stsPrefix = "Version=2011-06-15&Action="
)

func validation(violations ...string) *awserr.Error {
	return validationError(violations)
}

// tags returns n Tags.member.N parameters with keys kN and values vN.
func tags(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "&Tags.member.%d.Key=k%d&Tags.member.%d.Value=v%d", i, i, i, i)
	}
	return b.String()
}

func TestDecode(t *testing.T) {
	iam, sts := IAM(), STS()
	var tagEcho []string
	for i := 1; i <= 51; i++ {
		tagEcho = append(tagEcho, fmt.Sprintf("{Key:k%d Value:v%d}", i, i))
	}
	tests := []struct {
		name       string
		svc        *Service
		form       string
		wantAction string
		want       map[string]any
		wantErr    *awserr.Error
	}{
		{
			name:       "ListVirtualMFADevices with filter and page size",
			svc:        iam,
			form:       iamPrefix + "ListVirtualMFADevices&AssignmentStatus=Assigned&MaxItems=10",
			wantAction: "ListVirtualMFADevices",
			want:       map[string]any{"AssignmentStatus": "Assigned", "MaxItems": "10"},
		},
		{
			name:       "operation without input",
			svc:        iam,
			form:       iamPrefix + "GetAccountSummary&Anything=goes",
			wantAction: "GetAccountSummary",
			want:       map[string]any{},
		},
		{
			name:       "EnableMFADevice",
			svc:        iam,
			form:       iamPrefix + "EnableMFADevice&UserName=alice&SerialNumber=arn:aws:iam::123456789012:mfa/alice&AuthenticationCode1=123456&AuthenticationCode2=654321",
			wantAction: "EnableMFADevice",
			want: map[string]any{
				"UserName": "alice", "SerialNumber": "arn:aws:iam::123456789012:mfa/alice",
				"AuthenticationCode1": "123456", "AuthenticationCode2": "654321",
			},
		},
		{
			name:       "unknown and signature parameters are ignored",
			svc:        iam,
			form:       iamPrefix + "GetUser&UserName=bob&Foo=bar&X-Amz-Signature=abc&UserName.extra=1",
			wantAction: "GetUser",
			want:       map[string]any{"UserName": "bob"},
		},
		{
			name:       "repeated parameter: first value counts",
			svc:        iam,
			form:       iamPrefix + "GetUser&UserName=bob&UserName=eve",
			wantAction: "GetUser",
			want:       map[string]any{"UserName": "bob"},
		},
		{
			name:       "tags ordered by position, gaps accepted",
			svc:        iam,
			form:       iamPrefix + "CreateUser&UserName=carol&Tags.member.3.Key=c&Tags.member.3.Value=3&Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.01.Key=ignored",
			wantAction: "CreateUser",
			want: map[string]any{"UserName": "carol", "Tags": []any{
				map[string]any{"Key": "a", "Value": "1"},
				map[string]any{"Key": "c", "Value": "3"},
			}},
		},
		{
			name:       "50 tags are allowed",
			svc:        iam,
			form:       iamPrefix + "TagMFADevice&SerialNumber=arn:aws:iam::123456789012:mfa/d" + tags(50),
			wantAction: "TagMFADevice",
			want: func() map[string]any {
				var l []any
				for i := 1; i <= 50; i++ {
					l = append(l, map[string]any{"Key": fmt.Sprintf("k%d", i), "Value": fmt.Sprintf("v%d", i)})
				}
				return map[string]any{"SerialNumber": "arn:aws:iam::123456789012:mfa/d", "Tags": l}
			}(),
		},
		{
			name:       "empty required list sent as Name=",
			svc:        iam,
			form:       iamPrefix + "UntagUser&UserName=dave&TagKeys=",
			wantAction: "UntagUser",
			want:       map[string]any{"UserName": "dave", "TagKeys": []any{}},
		},
		{
			name:       "list of strings",
			svc:        iam,
			form:       iamPrefix + "UntagUser&UserName=dave&TagKeys.member.2=b&TagKeys.member.1=a",
			wantAction: "UntagUser",
			want:       map[string]any{"UserName": "dave", "TagKeys": []any{"a", "b"}},
		},
		{
			name:       "booleans and bounded integers",
			svc:        iam,
			form:       iamPrefix + "UpdateAccountPasswordPolicy&MinimumPasswordLength=14&RequireSymbols=true&HardExpiry=false",
			wantAction: "UpdateAccountPasswordPolicy",
			want:       map[string]any{"MinimumPasswordLength": "14", "RequireSymbols": "true", "HardExpiry": "false"},
		},
		{
			name:       "account alias without double hyphen",
			svc:        iam,
			form:       iamPrefix + "CreateAccountAlias&AccountAlias=my-alias",
			wantAction: "CreateAccountAlias",
			want:       map[string]any{"AccountAlias": "my-alias"},
		},
		{
			name:       "STS lower-case member name and nested structure",
			svc:        sts,
			form:       stsPrefix + "AssumeRoot&TargetPrincipal=123456789012&TaskPolicyArn.arn=arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials&DurationSeconds=900",
			wantAction: "AssumeRoot",
			want: map[string]any{
				"TargetPrincipal": "123456789012",
				"TaskPolicyArn":   map[string]any{"arn": "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"},
				"DurationSeconds": "900",
			},
		},
		{
			name:       "STS GetSessionToken with MFA",
			svc:        sts,
			form:       stsPrefix + "GetSessionToken&DurationSeconds=3600&SerialNumber=arn:aws:iam::123456789012:mfa/alice&TokenCode=123456",
			wantAction: "GetSessionToken",
			want:       map[string]any{"DurationSeconds": "3600", "SerialNumber": "arn:aws:iam::123456789012:mfa/alice", "TokenCode": "123456"},
		},
		{
			name:    "missing Action",
			svc:     iam,
			form:    "Version=2010-05-08&UserName=bob",
			wantErr: &awserr.Error{Code: "MissingAction", Message: "Missing Action"},
		},
		{
			name:    "missing Version",
			svc:     iam,
			form:    "Action=GetUser",
			wantErr: &awserr.Error{Code: "MissingParameter", Message: "The request must contain the parameter Version"},
		},
		{
			name:    "unknown Action",
			svc:     iam,
			form:    iamPrefix + "GetCallerIdentity",
			wantErr: &awserr.Error{Code: "InvalidAction", Message: "Could not find operation GetCallerIdentity for version 2010-05-08"},
		},
		{
			name:    "wrong Version",
			svc:     sts,
			form:    "Version=2010-05-08&Action=GetCallerIdentity",
			wantErr: &awserr.Error{Code: "InvalidAction", Message: "Could not find operation GetCallerIdentity for version 2010-05-08"},
		},
		{
			name: "EnableMFADevice with a 5-digit code",
			svc:  iam,
			form: iamPrefix + "EnableMFADevice&UserName=alice&SerialNumber=arn:aws:iam::123456789012:mfa/alice&AuthenticationCode1=12345&AuthenticationCode2=654321",
			wantErr: &awserr.Error{Code: "ValidationError", Message: "1 validation error detected: " +
				"Value at 'authenticationCode1' failed to satisfy constraint: Member must have length greater than or equal to 6"},
		},
		{
			name: "several errors at once",
			svc:  iam,
			form: iamPrefix + "EnableMFADevice&UserName=bad%20name!&AuthenticationCode1=12a&AuthenticationCode2=1234567",
			wantErr: validation(
				`Value 'bad name!' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`,
				"Value null at 'serialNumber' failed to satisfy constraint: Member must not be null",
				"Value at 'authenticationCode1' failed to satisfy constraint: Member must have length greater than or equal to 6",
				`Value at 'authenticationCode1' failed to satisfy constraint: Member must satisfy regular expression pattern: [\d]+`,
				"Value at 'authenticationCode2' failed to satisfy constraint: Member must have length less than or equal to 6",
			),
		},
		{
			name:    "missing required member",
			svc:     iam,
			form:    iamPrefix + "DeleteUser",
			wantErr: validation("Value null at 'userName' failed to satisfy constraint: Member must not be null"),
		},
		{
			name:    "pattern failure on UserName",
			svc:     iam,
			form:    iamPrefix + "CreateUser&UserName=bad+name!",
			wantErr: validation(`Value 'bad name!' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`),
		},
		{
			name: "empty string fails length and pattern",
			svc:  iam,
			form: iamPrefix + "CreateUser&UserName=",
			wantErr: validation(
				"Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1",
				`Value '' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`,
			),
		},
		{
			name:    "MaxItems 0",
			svc:     iam,
			form:    iamPrefix + "ListVirtualMFADevices&MaxItems=0",
			wantErr: validation("Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"),
		},
		{
			name:    "MaxItems 1001",
			svc:     iam,
			form:    iamPrefix + "ListMFADevices&MaxItems=1001",
			wantErr: validation("Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"),
		},
		{
			name:    "non-numeric integer",
			svc:     iam,
			form:    iamPrefix + "ListMFADevices&MaxItems=ten",
			wantErr: validation("Value 'ten' at 'maxItems' failed to satisfy constraint: Member must be an integer"),
		},
		{
			name:    "integer beyond 32 bits",
			svc:     iam,
			form:    iamPrefix + "ListMFADevices&MaxItems=4294967297",
			wantErr: validation("Value '4294967297' at 'maxItems' failed to satisfy constraint: Member must be an integer"),
		},
		{
			name:    "enum",
			svc:     iam,
			form:    iamPrefix + "ListVirtualMFADevices&AssignmentStatus=assigned",
			wantErr: validation("Value 'assigned' at 'assignmentStatus' failed to satisfy constraint: Member must satisfy enum value set: [Assigned, Unassigned, Any]"),
		},
		{
			name:    "boolean other than true or false",
			svc:     iam,
			form:    iamPrefix + "UpdateAccountPasswordPolicy&RequireSymbols=yes",
			wantErr: validation("Value 'yes' at 'requireSymbols' failed to satisfy constraint: Member must be true or false"),
		},
		{
			name:    "51 tags",
			svc:     iam,
			form:    iamPrefix + "CreateUser&UserName=erin" + tags(51),
			wantErr: validation("Value '[" + strings.Join(tagEcho, ", ") + "]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"),
		},
		{
			name: "nested tag members",
			svc:  iam,
			form: iamPrefix + "TagUser&UserName=frank&Tags.member.1.Key=a%23b&Tags.member.1.Value=ok&Tags.member.2.Key=c",
			wantErr: validation(
				`Value 'a#b' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`,
				"Value null at 'tags.2.member.value' failed to satisfy constraint: Member must not be null",
			),
		},
		{
			name:    "list of strings element",
			svc:     iam,
			form:    iamPrefix + "UntagUser&UserName=dave&TagKeys.member.1=",
			wantErr: validation("Value '' at 'tagKeys.1.member' failed to satisfy constraint: Member must have length greater than or equal to 1", `Value '' at 'tagKeys.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`),
		},
		{
			name: "passwords are masked",
			svc:  iam,
			form: iamPrefix + "ChangePassword&OldPassword=&NewPassword=" + strings.Repeat("hunter2", 20),
			wantErr: validation(
				"Value at 'oldPassword' failed to satisfy constraint: Member must have length greater than or equal to 1",
				"Value at 'oldPassword' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
				"Value at 'newPassword' failed to satisfy constraint: Member must have length less than or equal to 128",
			),
		},
		{
			name:    "STS token code is masked",
			svc:     sts,
			form:    stsPrefix + "GetSessionToken&TokenCode=12345x&DurationSeconds=899",
			wantErr: validation("Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", `Value at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\d]*`),
		},
		{
			name:    "STS policy ARN in a list of structures",
			svc:     sts,
			form:    stsPrefix + "AssumeRole&RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=sess&PolicyArns.member.1.arn=x",
			wantErr: validation("Value 'x' at 'policyArns.1.member.arn' failed to satisfy constraint: Member must have length greater than or equal to 20"),
		},
		{
			name:    "account alias with double hyphen",
			svc:     iam,
			form:    iamPrefix + "CreateAccountAlias&AccountAlias=my--alias",
			wantErr: validation("Value 'my--alias' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.svc.Decode(mustParse(t, tt.form))
			if tt.wantErr != nil {
				var ae *awserr.Error
				if !errors.As(err, &ae) {
					t.Fatalf("Decode(%q) = %v, %v, want error %v", tt.form, got, err, tt.wantErr)
				}
				if diff := cmp.Diff(tt.wantErr, ae); diff != "" {
					t.Errorf("Decode(%q) error mismatch (-want +got):\n%s", tt.form, diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode(%q) = %v, want success", tt.form, err)
			}
			if got.Action != tt.wantAction {
				t.Errorf("Decode(%q).Action = %q, want %q", tt.form, got.Action, tt.wantAction)
			}
			if diff := cmp.Diff(tt.want, dump(got.Params)); diff != "" {
				t.Errorf("Decode(%q).Params mismatch (-want +got):\n%s", tt.form, diff)
			}
		})
	}
}

func TestDecodeMasksSecrets(t *testing.T) {
	const secret = "s3cr3t-Pa55"
	tests := []struct {
		name string
		svc  *Service
		form string
	}{
		{"CreateLoginProfile", IAM(), iamPrefix + "CreateLoginProfile&Password=" + secret + "%00&UserName=bad%20name"},
		{"UpdateLoginProfile", IAM(), iamPrefix + "UpdateLoginProfile&Password=" + strings.Repeat(secret, 20)},
		{"ResyncMFADevice", IAM(), iamPrefix + "ResyncMFADevice&AuthenticationCode1=" + secret + "&AuthenticationCode2=" + secret},
		{"AssumeRoleWithSAML", STS(), stsPrefix + "AssumeRoleWithSAML&SAMLAssertion=" + secret + "&PrincipalArn=x&RoleArn=y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.svc.Decode(mustParse(t, tt.form))
			if err == nil || awserr.Code(err) != awserr.ValidationError {
				t.Fatalf("Decode(%q) = %v, want a ValidationError", tt.form, err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("Decode(%q) = %v, which echoes the secret", tt.form, err)
			}
		})
	}
}

func TestParamsAccessors(t *testing.T) {
	req, err := IAM().Decode(mustParse(t, iamPrefix+"CreateUser&UserName=gina&Path=/eng/&Tags.member.1.Key=team&Tags.member.1.Value=blue"))
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	p := req.Params
	type view struct {
		UserName, Missing   string
		HasPath, HasMissing bool
		Tags                []map[string]any
		TagsAsStrings       []string
		NotAList            []Params
	}
	var tagViews []map[string]any
	for _, tp := range p.StructList("Tags") {
		tagViews = append(tagViews, map[string]any{"Key": tp.String("Key"), "Value": tp.String("Value")})
	}
	got := view{
		UserName: p.String("UserName"), Missing: p.String("PermissionsBoundary"),
		HasPath: p.Has("Path"), HasMissing: p.Has("PermissionsBoundary"),
		Tags: tagViews, TagsAsStrings: p.StringList("Tags"), NotAList: p.StructList("UserName"),
	}
	want := view{
		UserName: "gina", HasPath: true,
		Tags:          []map[string]any{{"Key": "team", "Value": "blue"}},
		TagsAsStrings: []string{},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("accessors mismatch (-want +got):\n%s", diff)
	}

	req, err = IAM().Decode(mustParse(t, iamPrefix+"UpdateAccountPasswordPolicy&MinimumPasswordLength=14&RequireSymbols=true&HardExpiry=false"))
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	p = req.Params
	type scalars struct {
		Min                    int64
		MinOK                  bool
		Symbols, SymbolsOK     bool
		Hard, HardOK           bool
		Numbers, NumbersOK     bool
		AgeOK, SymbolsAsIntOK  bool
		MissingStruct, Present bool
	}
	var s scalars
	s.Min, s.MinOK = p.Int("MinimumPasswordLength")
	s.Symbols, s.SymbolsOK = p.Bool("RequireSymbols")
	s.Hard, s.HardOK = p.Bool("HardExpiry")
	s.Numbers, s.NumbersOK = p.Bool("RequireNumbers")
	_, s.AgeOK = p.Int("MaxPasswordAge")
	_, s.SymbolsAsIntOK = p.Int("RequireSymbols")
	_, s.MissingStruct = p.Struct("RequireSymbols")
	s.Present = p.StringMap("RequireSymbols") == nil
	if diff := cmp.Diff(scalars{Min: 14, MinOK: true, Symbols: true, SymbolsOK: true, HardOK: true, Present: true}, s); diff != "" {
		t.Errorf("scalar accessors mismatch (-want +got):\n%s", diff)
	}

	var zero Params
	if zero.Has("X") || zero.String("X") != "" || zero.StringList("X") != nil || zero.StructList("X") != nil {
		t.Errorf("zero Params is not empty")
	}
}

// TestDecodeMap covers Name.entry.N.key/value, which no IAM or STS input
// uses today, with a model made up for the test.
func TestDecodeMap(t *testing.T) {
	svc := newService(&model{
		name: "test", version: "2020-01-01", namespace: "urn:test",
		operations: []operation{{name: "Put", input: 0}},
		shapes: []shape{
			{name: "PutRequest", kind: kindStructure, members: []member{{name: "Attributes", shape: 1, required: true}}},
			{name: "attributeMap", kind: kindMap, key: 2, member: 3, hasMax: true, max: 2},
			{name: "attributeKey", kind: kindString, hasMin: true, min: 1, pattern: `[a-z]+`},
			{name: "attributeValue", kind: kindString},
		},
	})
	tests := []struct {
		form    string
		want    map[string]string
		wantErr *awserr.Error
	}{
		{
			form: "Version=2020-01-01&Action=Put&Attributes.entry.2.key=b&Attributes.entry.2.value=2&Attributes.entry.1.key=a&Attributes.entry.1.value=1",
			want: map[string]string{"a": "1", "b": "2"},
		},
		{
			form: "Version=2020-01-01&Action=Put&Attributes.entry.1.key=A&Attributes.entry.1.value=1&Attributes.entry.2.key=b&Attributes.entry.3.key=c&Attributes.entry.3.value=3&Attributes.entry.4.key=d&Attributes.entry.4.value=4",
			wantErr: validation(
				"Value 'map[A:1 c:3 d:4]' at 'attributes' failed to satisfy constraint: Member must have length less than or equal to 2",
				"Value 'A' at 'attributes.1.entry.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+",
				"Value null at 'attributes.2.entry.value' failed to satisfy constraint: Member must not be null",
			),
		},
		{
			form:    "Version=2020-01-01&Action=Put",
			wantErr: validation("Value null at 'attributes' failed to satisfy constraint: Member must not be null"),
		},
	}
	for _, tt := range tests {
		got, err := svc.Decode(mustParse(t, tt.form))
		if tt.wantErr != nil {
			if diff := cmp.Diff(error(tt.wantErr), err); diff != "" {
				t.Errorf("Decode(%q) error mismatch (-want +got):\n%s", tt.form, diff)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Decode(%q) = %v, want success", tt.form, err)
		}
		if diff := cmp.Diff(tt.want, got.Params.StringMap("Attributes")); diff != "" {
			t.Errorf("Decode(%q) StringMap mismatch (-want +got):\n%s", tt.form, diff)
		}
	}
}

func TestParamsFormattingMasksSecrets(t *testing.T) {
	req, err := IAM().Decode(mustParse(t, iamPrefix+"EnableMFADevice&UserName=alice&SerialNumber=GAHT12345678&AuthenticationCode1=123456&AuthenticationCode2=654321"))
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	const want = "{UserName:alice SerialNumber:GAHT12345678 AuthenticationCode1:*** AuthenticationCode2:***}"
	for _, verb := range []string{"%v", "%+v", "%s"} {
		if got := fmt.Sprintf(verb, req.Params); got != want {
			t.Errorf("Sprintf(%q, Params) = %q, want %q", verb, got, want)
		}
	}
	if got, want := fmt.Sprintf("%+v", *req), "{Action:EnableMFADevice Params:"+want+"}"; got != want {
		t.Errorf("Sprintf(%%+v, Request) = %q, want %q", got, want)
	}

	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})).Info("req", "params", req.Params)
	const wantLog = "level=INFO msg=req params.UserName=alice params.SerialNumber=GAHT12345678 params.AuthenticationCode1=*** params.AuthenticationCode2=***\n"
	if got := buf.String(); got != wantLog {
		t.Errorf("slog output = %q, want %q", got, wantLog)
	}
}

func TestLowerFirst(t *testing.T) {
	tests := []struct{ in, want string }{
		{"UserName", "userName"},
		{"SAMLAssertion", "sAMLAssertion"},
		{"arn", "arn"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := lowerFirst(tt.in); got != tt.want {
			t.Errorf("lowerFirst(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	svc := IAM()
	form := mustParse(b, iamPrefix+"EnableMFADevice&UserName=alice&SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Falice&AuthenticationCode1=123456&AuthenticationCode2=654321")
	if _, err := svc.Decode(form); err != nil {
		b.Fatalf("Decode = %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Decode(form); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		iamPrefix + "EnableMFADevice&UserName=alice&SerialNumber=arn:aws:iam::123456789012:mfa/alice&AuthenticationCode1=123456&AuthenticationCode2=654321",
		iamPrefix + "CreateUser&UserName=bob" + tags(3),
		iamPrefix + "ListVirtualMFADevices&AssignmentStatus=Any&MaxItems=1001",
		iamPrefix + "SimulateCustomPolicy&PolicyInputList.member.1=%7B%7D&ActionNames.member.1=iam:GetUser&ContextEntries.member.1.ContextKeyName=aws:MultiFactorAuthPresent&ContextEntries.member.1.ContextKeyType=boolean&ContextEntries.member.1.ContextKeyValues.member.1=true",
		iamPrefix + "UntagUser&UserName=x&TagKeys=",
		iamPrefix + "CreateAccountAlias&AccountAlias=a--b",
		"Action=&Version=",
		"Tags.member.1.Key.member.2=%ff",
	} {
		f.Add(seed)
	}
	svc := IAM()
	f.Fuzz(func(t *testing.T, body string) {
		form, _ := url.ParseQuery(body) // a partly malformed body still yields a form
		req, err := svc.Decode(form)
		if err != nil {
			if _, ok := err.(*awserr.Error); !ok {
				t.Fatalf("Decode(%q) error %T %v, want *awserr.Error", body, err, err)
			}
			if req != nil {
				t.Fatalf("Decode(%q) = %v and error %v", body, req, err)
			}
			return
		}
		if _, ok := svc.operation(req.Action); !ok {
			t.Fatalf("Decode(%q).Action = %q, not an operation", body, req.Action)
		}
		_ = fmt.Sprint(req.Params)
	})
}
