package actions

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// served lists every operation iamd serves; each must have an entry, or the
// server could not tell which ARN to authorise it against.
func served() []string {
	iam := strings.Fields(`CreateUser GetUser ListUsers DeleteUser CreateAccessKey ListAccessKeys
		UpdateAccessKey DeleteAccessKey CreateLoginProfile GetLoginProfile UpdateLoginProfile
		DeleteLoginProfile ChangePassword CreateVirtualMFADevice EnableMFADevice DeactivateMFADevice
		ResyncMFADevice DeleteVirtualMFADevice ListMFADevices ListVirtualMFADevices GetAccountSummary
		CreatePolicy GetPolicy DeletePolicy ListPolicies CreatePolicyVersion GetPolicyVersion
		ListPolicyVersions SetDefaultPolicyVersion DeletePolicyVersion ListEntitiesForPolicy
		PutUserPolicy GetUserPolicy DeleteUserPolicy ListUserPolicies AttachUserPolicy DetachUserPolicy
		ListAttachedUserPolicies CreateGroup GetGroup UpdateGroup DeleteGroup ListGroups AddUserToGroup
		RemoveUserFromGroup ListGroupsForUser PutGroupPolicy GetGroupPolicy DeleteGroupPolicy
		ListGroupPolicies AttachGroupPolicy DetachGroupPolicy ListAttachedGroupPolicies CreateRole
		GetRole UpdateRole DeleteRole ListRoles UpdateAssumeRolePolicy PutRolePolicy GetRolePolicy
		DeleteRolePolicy ListRolePolicies AttachRolePolicy DetachRolePolicy ListAttachedRolePolicies
		TagRole UntagRole SimulatePrincipalPolicy SimulateCustomPolicy`)
	var out []string
	for _, op := range iam {
		out = append(out, "iam:"+op)
	}
	return append(out, "sts:AssumeRole", "sts:GetSessionToken", "sts:GetCallerIdentity")
}

func TestServedOperations(t *testing.T) {
	for _, name := range served() {
		a, ok := Lookup(name)
		if !ok {
			t.Errorf("Lookup(%q) = _, false, want an entry", name)
			continue
		}
		if a.Name != name {
			t.Errorf("Lookup(%q).Name = %q, want %q", name, a.Name, name)
		}
		if a.AccessLevel == "" {
			t.Errorf("Lookup(%q).AccessLevel is empty", name)
		}
		for _, r := range a.Resources {
			if !strings.HasPrefix(r.ARNPattern, "arn:${Partition}:") {
				t.Errorf("Lookup(%q) resource %q pattern = %q, want an ARN template", name, r.Name, r.ARNPattern)
			}
		}
	}
}

func TestResourceTypes(t *testing.T) {
	tests := []struct {
		action string
		want   []ResourceType
	}{
		{"iam:CreateVirtualMFADevice", []ResourceType{{Name: "mfa", Required: true,
			ARNPattern: "arn:${Partition}:iam::${Account}:mfa/${MfaTokenIdWithPath}", ConditionKeys: []string{"aws:ResourceTag/${TagKey}"}}}},
		{"iam:EnableMFADevice", []ResourceType{{Name: "user", Required: true,
			ARNPattern: "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}", ConditionKeys: []string{"aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"}}}},
		{"sts:AssumeRole", []ResourceType{{Name: "role", Required: true,
			ARNPattern: "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}", ConditionKeys: []string{"aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"}}}},
		// The reference lists no resource type for these: they support no
		// resource-level permissions and are authorised against "*".
		{"iam:ListUsers", nil},
		{"iam:ListVirtualMFADevices", nil},
		{"iam:GetAccountSummary", nil},
		{"sts:GetSessionToken", nil},
		{"sts:GetCallerIdentity", nil},
		// Optional resource types: the MFA listing may name a user.
		{"iam:ListMFADevices", []ResourceType{{Name: "user", Required: false,
			ARNPattern: "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}", ConditionKeys: []string{"aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"}}}},
	}
	for _, tt := range tests {
		a, ok := Lookup(tt.action)
		if !ok {
			t.Fatalf("Lookup(%q) = _, false, want an entry", tt.action)
		}
		if diff := cmp.Diff(tt.want, a.Resources); diff != "" {
			t.Errorf("Lookup(%q).Resources mismatch (-want +got):\n%s", tt.action, diff)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"iam:CreateVirtualMFADevice", "iam:CreateVirtualMFADevice", true},
		{"IAM:createvirtualmfadevice", "iam:CreateVirtualMFADevice", true},
		{"STS:ASSUMEROLE", "sts:AssumeRole", true},
		{"iam:NoSuchAction", "", false},
		{"CreateUser", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		a, ok := Lookup(tt.in)
		if a.Name != tt.want || ok != tt.wantOK {
			t.Errorf("Lookup(%q) = %q, %v, want %q, %v", tt.in, a.Name, ok, tt.want, tt.wantOK)
		}
	}
	a, _ := Lookup("sts:AssumeRole")
	if !slices.Contains(a.ConditionKeys, "sts:ExternalId") {
		t.Errorf("Lookup(sts:AssumeRole).ConditionKeys = %v, want sts:ExternalId among them", a.ConditionKeys)
	}
	a, _ = Lookup("iam:CreatePolicy")
	if a.AccessLevel != "Permissions management, Write" {
		t.Errorf("Lookup(iam:CreatePolicy).AccessLevel = %q, want %q", a.AccessLevel, "Permissions management, Write")
	}
}

// TestLookupReturnsCopies guards the reason the table is a switch: a caller
// changing its result must not change the next caller's.
func TestLookupReturnsCopies(t *testing.T) {
	a, _ := Lookup("iam:EnableMFADevice")
	a.Resources[0].ARNPattern = "changed"
	a.ConditionKeys[0] = "changed"
	b, _ := Lookup("iam:EnableMFADevice")
	if b.Resources[0].ARNPattern == "changed" || b.ConditionKeys[0] == "changed" {
		t.Errorf("Lookup(iam:EnableMFADevice) after mutation = %+v, want the original", b)
	}
}

func TestNames(t *testing.T) {
	names := Names()
	if len(names) < 200 {
		t.Errorf("len(Names()) = %d, want all IAM and STS actions (over 200)", len(names))
	}
	if !slices.IsSorted(names) {
		t.Errorf("Names() is not sorted")
	}
	for _, n := range names {
		if a, ok := Lookup(n); !ok || a.Name != n {
			t.Errorf("Lookup(%q) = %q, %v, want itself", n, a.Name, ok)
		}
	}
}
