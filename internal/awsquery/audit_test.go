package awsquery

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAuditMap(t *testing.T) {
	form, _ := url.ParseQuery("Action=ChangePassword&Version=2010-05-08&OldPassword=Secret-Old1&NewPassword=Secret-New1")
	req, err := IAM().Decode(form)
	if err != nil {
		t.Fatal(err)
	}
	got := req.Params.AuditMap()
	want := map[string]any{"oldPassword": Hidden, "newPassword": Hidden}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AuditMap(ChangePassword) (-want +got):\n%s", diff)
	}
	form, _ = url.ParseQuery("Action=CreateUser&Version=2010-05-08&UserName=bob&Tags.member.1.Key=team&Tags.member.1.Value=a")
	if req, err = IAM().Decode(form); err != nil {
		t.Fatal(err)
	}
	want = map[string]any{"userName": "bob", "tags": []any{map[string]any{"key": "team", "value": "a"}}}
	if diff := cmp.Diff(want, req.Params.AuditMap()); diff != "" {
		t.Errorf("AuditMap(CreateUser) (-want +got):\n%s", diff)
	}
	form, _ = url.ParseQuery("Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900&SerialNumber=arn:aws:iam::123456789012:mfa/bob&TokenCode=123456")
	if req, err = STS().Decode(form); err != nil {
		t.Fatal(err)
	}
	want = map[string]any{"durationSeconds": int64(900), "serialNumber": "arn:aws:iam::123456789012:mfa/bob", "tokenCode": Hidden}
	if diff := cmp.Diff(want, req.Params.AuditMap()); diff != "" {
		t.Errorf("AuditMap(GetSessionToken) (-want +got):\n%s", diff)
	}
}
