package awsquery

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/awserr"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Result shapes as a handler would declare them.
type (
	testTag struct {
		Key   string
		Value string
	}
	testUser struct {
		Path       string
		UserName   string
		UserId     string
		Arn        string
		CreateDate Time
		Tags       List[testTag] `xml:",omitempty"`
	}
	testVirtualMFADevice struct {
		SerialNumber     string
		Base32StringSeed Blob          `xml:",omitempty"`
		QRCodePNG        Blob          `xml:",omitempty"`
		User             *testUser     `xml:",omitempty"`
		EnableDate       Time          // omitted when zero
		Tags             List[testTag] `xml:",omitempty"`
	}
	createVirtualMFADeviceResult struct {
		VirtualMFADevice testVirtualMFADevice
	}
	listVirtualMFADevicesResult struct {
		XMLName           xml.Name `xml:"IgnoredName"`
		VirtualMFADevices List[testVirtualMFADevice]
		IsTruncated       bool
		Marker            string `xml:",omitempty"`
	}
	getAccountSummaryResult struct {
		SummaryMap Map[int]
	}
	getMFADeviceResult struct {
		UserName       string
		SerialNumber   string
		EnableDate     Time
		Certifications Map[string] `xml:",omitempty"`
	}
	testCredentials struct {
		AccessKeyId     string
		SecretAccessKey string
		SessionToken    string
		Expiration      Time
	}
	getSessionTokenResult struct {
		Credentials testCredentials
	}
)

// renderResponse writes status, headers and body in one stable text.
func renderResponse(rec *httptest.ResponseRecorder) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP %d\n", rec.Code)
	keys := make([]string, 0, len(rec.Header()))
	for k := range rec.Header() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(rec.Header()[k], ", "))
	}
	b.WriteString("\n")
	b.Write(rec.Body.Bytes())
	b.WriteString("\n")
	return b.Bytes()
}

// checkWellFormed parses body to its end.
func checkWellFormed(t *testing.T, body []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("response body is not well-formed XML: %v\n%s", err, body)
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", file, diff)
	}
}

func TestWriteResult(t *testing.T) {
	created := time.Date(2024, 5, 1, 12, 34, 56, 789_000_000, time.FixedZone("CEST", 2*3600))
	enabled := time.Date(2024, 5, 2, 8, 0, 0, 0, time.UTC)
	alice := &testUser{
		Path: "/", UserName: "alice", UserId: "AIDACKCEVSQ6C2EXAMPLE",
		Arn: "arn:aws:iam::123456789012:user/alice", CreateDate: Time{created},
	}
	tests := []struct {
		name   string
		svc    *Service
		action string
		result any
	}{
		{
			name: "create_virtual_mfa_device", svc: IAM(), action: "CreateVirtualMFADevice",
			result: &createVirtualMFADeviceResult{VirtualMFADevice: testVirtualMFADevice{
				SerialNumber:     "arn:aws:iam::123456789012:mfa/alice",
				Base32StringSeed: Blob("JBSWY3DPEHPK3PXP"),
				QRCodePNG:        Blob("\x89PNG\r\n\x1a\n"),
				Tags:             List[testTag]{{Key: "team", Value: "a&b <c>"}},
			}},
		},
		{
			name: "list_virtual_mfa_devices", svc: IAM(), action: "ListVirtualMFADevices",
			result: listVirtualMFADevicesResult{
				VirtualMFADevices: List[testVirtualMFADevice]{
					{SerialNumber: "arn:aws:iam::123456789012:mfa/alice", User: alice, EnableDate: Time{enabled}},
					{SerialNumber: "arn:aws:iam::123456789012:mfa/spare"},
				},
				IsTruncated: true,
				Marker:      "next page",
			},
		},
		{
			name: "list_virtual_mfa_devices_empty", svc: IAM(), action: "ListVirtualMFADevices",
			result: &listVirtualMFADevicesResult{},
		},
		{
			name: "get_account_summary", svc: IAM(), action: "GetAccountSummary",
			result: &getAccountSummaryResult{SummaryMap: Map[int]{{"Users", 3}, {"UsersQuota", 5000}, {"MFADevices", 2}}},
		},
		{
			name: "get_mfa_device", svc: IAM(), action: "GetMFADevice",
			result: &getMFADeviceResult{
				UserName: "alice", SerialNumber: "arn:aws:iam::123456789012:u2f/user/alice/key-ABC", EnableDate: Time{enabled},
				Certifications: Map[string]{{"FIDO", "L1"}},
			},
		},
		{
			name: "enable_mfa_device", svc: IAM(), action: "EnableMFADevice",
			result: nil,
		},
		{
			name: "typed_nil_result", svc: IAM(), action: "DeactivateMFADevice",
			result: (*struct{})(nil),
		},
		{
			name: "sts_get_session_token", svc: STS(), action: "GetSessionToken",
			result: getSessionTokenResult{Credentials: testCredentials{
				AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "token",
				Expiration: Time{enabled.Add(12 * time.Hour)},
			}},
		},
		{
			name: "unknown_action", svc: IAM(), action: "GetCallerIdentity",
			result: &getSessionTokenResult{},
		},
		{
			name: "unencodable_result", svc: IAM(), action: "GetUser",
			result: struct{ C chan int }{C: make(chan int)},
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

func TestWriteError(t *testing.T) {
	tests := []struct {
		name string
		svc  *Service
		err  error
	}{
		{"iam_validation", IAM(), validationError([]string{"Value null at 'userName' failed to satisfy constraint: Member must not be null"})},
		{"iam_invalid_code", IAM(), awserr.New(awserr.InvalidAuthenticationCode, "Authentication code for device is not valid.")},
		{"iam_wrapped_no_such_entity", IAM(), fmt.Errorf("store: %w", awserr.New(awserr.NoSuchEntity, "The user with name bob cannot be found."))},
		{"iam_escaped_message", IAM(), awserr.New(awserr.MalformedPolicyDocument, `Syntax error at "<Statement>" & after`)},
		{"iam_internal", IAM(), errors.New("database is locked: password=hunter2")},
		{"iam_empty_code", IAM(), &awserr.Error{Message: "no code"}},
		{"iam_unknown_code", IAM(), awserr.New("SomethingNew", "A code the table does not know.")},
		{"sts_access_denied", STS(), awserr.New(awserr.AccessDenied, "MultiFactorAuthentication failed with invalid MFA one time pass code.")},
		{"sts_internal", STS(), errors.New("boom")},
		{"sts_throttling", STS(), awserr.New(awserr.Throttling, "Rate exceeded")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, tt.svc, "8f0e6c34-0000-4000-8000-000000000002", tt.err)
			checkWellFormed(t, rec.Body.Bytes())
			if strings.Contains(rec.Body.String(), "hunter2") {
				t.Errorf("WriteError(%v) leaks the internal error's text:\n%s", tt.err, rec.Body)
			}
			golden(t, "error_"+tt.name, renderResponse(rec))
		})
	}
}

// TestListRendering pins how lists reach the client: a required list, even
// empty, keeps its wrapper element, and an empty optional list is left out.
// A `Name>member` tag always writes the wrapper, omitempty or not, which is
// why optional lists need List.
func TestListRendering(t *testing.T) {
	type user struct{ UserName string }
	tests := []struct {
		name string
		v    any
		want string
	}{
		{
			name: "path tag with members",
			v: struct {
				XMLName xml.Name `xml:"R"`
				Users   []user   `xml:"Users>member"`
			}{Users: []user{{"a"}, {"b"}}},
			want: "<R><Users><member><UserName>a</UserName></member><member><UserName>b</UserName></member></Users></R>",
		},
		{
			name: "path tag, empty: the wrapper stays",
			v: struct {
				XMLName xml.Name `xml:"R"`
				Users   []user   `xml:"Users>member"`
			}{},
			want: "<R><Users></Users></R>",
		},
		{
			name: "path tag with omitempty, empty: the wrapper cannot be dropped",
			v: struct {
				XMLName xml.Name `xml:"R"`
				Users   []user   `xml:"Users>member,omitempty"`
			}{},
			want: "<R><Users></Users></R>",
		},
		{
			name: "List with members",
			v: struct {
				XMLName xml.Name `xml:"R"`
				Users   List[user]
			}{Users: List[user]{{"a"}, {"b"}}},
			want: "<R><Users><member><UserName>a</UserName></member><member><UserName>b</UserName></member></Users></R>",
		},
		{
			name: "List, empty: the wrapper stays",
			v: struct {
				XMLName xml.Name `xml:"R"`
				Users   List[user]
			}{},
			want: "<R><Users></Users></R>",
		},
		{
			name: "optional List, empty",
			v: struct {
				XMLName xml.Name   `xml:"R"`
				Users   List[user] `xml:",omitempty"`
			}{},
			want: "<R></R>",
		},
		{
			name: "List of strings",
			v: struct {
				XMLName  xml.Name `xml:"R"`
				TagKeys  List[string]
				Renamed  List[string] `xml:"ClientIDList"`
				Optional List[string] `xml:",omitempty"`
			}{TagKeys: List[string]{"a<b", "c"}, Renamed: List[string]{"x"}},
			want: "<R><TagKeys><member>a&lt;b</member><member>c</member></TagKeys><ClientIDList><member>x</member></ClientIDList></R>",
		},
		{
			name: "Map, empty and optional",
			v: struct {
				XMLName  xml.Name `xml:"R"`
				Summary  Map[int]
				Optional Map[string] `xml:",omitempty"`
			}{},
			want: "<R><Summary></Summary></R>",
		},
		{
			name: "Time and Blob",
			v: struct {
				XMLName  xml.Name `xml:"R"`
				Created  Time
				Zero     Time
				Ptr      *Time
				Seed     Blob
				EmptyOpt Blob `xml:",omitempty"`
				Attr     Time `xml:"at,attr"`
			}{
				Created: Time{time.Date(2011, 7, 11, 19, 55, 29, 611_000_000, time.FixedZone("", -7*3600))},
				Seed:    Blob("hi"),
				Attr:    Time{time.Unix(0, 0)},
			},
			want: `<R at="1970-01-01T00:00:00Z"><Created>2011-07-12T02:55:29Z</Created><Seed>aGk=</Seed></R>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := xml.Marshal(tt.v)
			if err != nil {
				t.Fatalf("xml.Marshal(%s) = %v", tt.name, err)
			}
			if got := string(b); got != tt.want {
				t.Errorf("xml.Marshal(%s) = %s, want %s", tt.name, got, tt.want)
			}
		})
	}
}

// TestInternalFailureStatus checks that each service's internal failure
// code is a 500 Receiver error in awserr's table.
func TestInternalFailureStatus(t *testing.T) {
	for _, s := range []*Service{IAM(), STS()} {
		if status, sender := awserr.Status(s.internalFailureCode()); status != http.StatusInternalServerError || sender {
			t.Errorf("%s internal failure %s: Status = %d, %v, want 500, Receiver", s.Name(), s.internalFailureCode(), status, sender)
		}
	}
}
