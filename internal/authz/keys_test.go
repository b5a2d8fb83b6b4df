package authz

import (
	"testing"

	"github.com/iamd/iamd/internal/policy"
)

func TestKeyUseFor(t *testing.T) {
	for _, tt := range []struct {
		action, key string
		use         KeyUse
		always      bool
	}{
		{"iam:AttachUserPolicy", "iam:PolicyARN", KeySupplied, true},
		{"iam:GetUser", "aws:ResourceTag/team", KeySupplied, false},
		{"iam:GetUser", "IAM:ResourceTag/Team", KeySupplied, false},
		{"iam:CreateUser", "aws:RequestTag/${TagKey}", KeySupplied, false},
		{"sts:AssumeRole", "sts:RoleSessionName", KeySupplied, true},
		{"sts:AssumeRoleWithSAML", "sts:RoleSessionName", KeyAbsent, false},
		{"iam:EnableMFADevice", "iam:FIDO-certification", KeyAbsent, false},
		{"iam:CreateUser", "iam:PermissionsBoundary", KeyAbsent, false},
		{"iam:GetUser", "aws:SourceVpc", KeySupplied, false},
		{"iam:GetUser", "iam:SomethingNew", KeyUnknown, false},
	} {
		use, always := KeyUseFor(tt.action, tt.key)
		if use != tt.use || always != tt.always {
			t.Errorf("KeyUseFor(%s, %s) = %v, %v; want %v, %v", tt.action, tt.key, use, always, tt.use, tt.always)
		}
	}
}

// TestCheckConditionKeys checks the refusal with a rule set that marks a
// key unsupported (the real rules mark none today).
func TestCheckConditionKeys(t *testing.T) {
	rules := append([]keyRule{{key: "iam:PolicyARN", actions: "iam:Detach*", use: KeyUnsupported}}, keyRules...)
	served := []string{"iam:AttachUserPolicy", "iam:DetachUserPolicy", "iam:GetUser"}
	for _, tt := range []struct {
		name, doc           string
		wantKey, wantAction string
	}{
		{"unsupported key on a matching action", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*",
			"Condition":{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/AdministratorAccess"}}}]}`, "iam:PolicyARN", "iam:DetachUserPolicy"},
		{"same key, only actions where it is supplied", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:Attach*","Resource":"*",
			"Condition":{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/AdministratorAccess"}}}]}`, "", ""},
		{"no conditions", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, "", ""},
	} {
		d, err := policy.Parse(tt.doc, policy.IdentityPolicy)
		if err != nil {
			t.Fatal(err)
		}
		key, action := checkConditionKeysIn(rules, d, served)
		if key != tt.wantKey || action != tt.wantAction {
			t.Errorf("%s: checkConditionKeys = %q, %q; want %q, %q", tt.name, key, action, tt.wantKey, tt.wantAction)
		}
	}
}
