package gateway_test

import (
	"context"
	"github.com/iamd/iamd/internal/authz"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/gateway"
	"github.com/iamd/iamd/internal/policy/actions"
	"github.com/iamd/iamd/internal/store/storetest"
)

// recordingAuthorizer allows everything and remembers what was asked, and
// which condition keys the request context held.
type recordingAuthorizer struct {
	mu    sync.Mutex
	asked map[string][]string        // action → resources
	keys  map[string]map[string]bool // action → lower-case keys seen
}

func (a *recordingAuthorizer) Authorize(ctx context.Context, p *authz.Principal, action, resource string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.asked[action] = append(a.asked[action], resource)
	if a.keys == nil {
		a.keys = map[string]map[string]bool{}
	}
	if a.keys[action] == nil {
		a.keys[action] = map[string]bool{}
	}
	for _, k := range authz.RequestContext(ctx, p, time.Now()).Keys() {
		a.keys[action][strings.ToLower(k)] = true
	}
	return nil
}

// patternRegexp turns a Service Authorization Reference ARN pattern into a
// regexp: the partition is aws, the account 12 digits (or "aws" for AWS
// managed policies), and every other variable one or more characters.
func patternRegexp(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for p != "" {
		i := strings.Index(p, "${")
		if i < 0 {
			b.WriteString(regexp.QuoteMeta(p))
			break
		}
		b.WriteString(regexp.QuoteMeta(p[:i]))
		j := strings.Index(p[i:], "}")
		switch name := p[i+2 : i+j]; name {
		case "Partition":
			b.WriteString("aws")
		case "Account":
			b.WriteString("([0-9]{12}|aws)")
		default:
			b.WriteString(".+")
		}
		p = p[i+j+1:]
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// TestResourcesMatchServiceAuthorizationReference drives every served
// operation and checks that each authorisation names a resource of a type
// the Service Authorization Reference gives for the action, or "*" for
// actions without resource-level permissions.
func TestResourcesMatchServiceAuthorizationReference(t *testing.T) {
	rec := &recordingAuthorizer{asked: map[string][]string{}}
	e := newEnvWith(t, storetest.Engines(t)[0], rec)
	ctx := context.Background()
	root := e.iam(rootKeyID, rootSecret, "")
	s := aws.String
	doc := s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)
	trust := s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)
	must := func(what string, _ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	akid, secret := e.user(ctx, root, "alice")
	serial, seed := e.device(ctx, root, "alice", "phone")
	o1, err := root.ListUsers(ctx, &awsiam.ListUsersInput{})
	must("ListUsers", o1, err)
	o2, err := root.GetUser(ctx, &awsiam.GetUserInput{UserName: s("alice")})
	must("GetUser", o2, err)
	o3, err := root.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{UserName: s("alice")})
	must("ListAccessKeys", o3, err)
	o4, err := root.UpdateAccessKey(ctx, &awsiam.UpdateAccessKeyInput{UserName: s("alice"), AccessKeyId: s(akid), Status: "Active"})
	must("UpdateAccessKey", o4, err)
	o5, err := root.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: s("alice"), Password: s("Correct-Horse-1")})
	must("CreateLoginProfile", o5, err)
	o6, err := root.GetLoginProfile(ctx, &awsiam.GetLoginProfileInput{UserName: s("alice")})
	must("GetLoginProfile", o6, err)
	o7, err := root.UpdateLoginProfile(ctx, &awsiam.UpdateLoginProfileInput{UserName: s("alice"), PasswordResetRequired: aws.Bool(true)})
	must("UpdateLoginProfile", o7, err)
	o8, err := root.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{UserName: s("alice")})
	must("ListMFADevices", o8, err)
	o9, err := root.ListVirtualMFADevices(ctx, &awsiam.ListVirtualMFADevicesInput{})
	must("ListVirtualMFADevices", o9, err)
	o10, err := root.ResyncMFADevice(ctx, &awsiam.ResyncMFADeviceInput{UserName: s("alice"), SerialNumber: s(serial),
		AuthenticationCode1: s(e.code(seed, 1)), AuthenticationCode2: s(e.code(seed, 2))})
	must("ResyncMFADevice", o10, err)
	o11, err := root.GetAccountSummary(ctx, &awsiam.GetAccountSummaryInput{})
	must("GetAccountSummary", o11, err)
	o12, err := root.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: s("p"), PolicyDocument: doc})
	must("CreatePolicy", o12, err)
	parn := o12.Policy.Arn
	o13, err := root.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: parn, PolicyDocument: doc})
	must("CreatePolicyVersion", o13, err)
	o13b, err := root.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: parn})
	must("GetPolicy", o13b, err)
	o14, err := root.ListPolicyVersions(ctx, &awsiam.ListPolicyVersionsInput{PolicyArn: parn})
	must("ListPolicyVersions", o14, err)
	o15, err := root.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: parn, VersionId: s("v2")})
	must("GetPolicyVersion", o15, err)
	o16, err := root.SetDefaultPolicyVersion(ctx, &awsiam.SetDefaultPolicyVersionInput{PolicyArn: parn, VersionId: s("v2")})
	must("SetDefaultPolicyVersion", o16, err)
	o17, err := root.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: parn, VersionId: s("v1")})
	must("DeletePolicyVersion", o17, err)
	o18, err := root.ListPolicies(ctx, &awsiam.ListPoliciesInput{})
	must("ListPolicies", o18, err)
	o19, err := root.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: s("alice"), PolicyArn: parn})
	must("AttachUserPolicy", o19, err)
	o20, err := root.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: s("alice")})
	must("ListAttachedUserPolicies", o20, err)
	o21, err := root.ListEntitiesForPolicy(ctx, &awsiam.ListEntitiesForPolicyInput{PolicyArn: parn})
	must("ListEntitiesForPolicy", o21, err)
	o22, err := root.DetachUserPolicy(ctx, &awsiam.DetachUserPolicyInput{UserName: s("alice"), PolicyArn: parn})
	must("DetachUserPolicy", o22, err)
	o23, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: s("alice"), PolicyName: s("inline"), PolicyDocument: doc})
	must("PutUserPolicy", o23, err)
	o24, err := root.GetUserPolicy(ctx, &awsiam.GetUserPolicyInput{UserName: s("alice"), PolicyName: s("inline")})
	must("GetUserPolicy", o24, err)
	o25, err := root.ListUserPolicies(ctx, &awsiam.ListUserPoliciesInput{UserName: s("alice")})
	must("ListUserPolicies", o25, err)
	o26, err := root.DeleteUserPolicy(ctx, &awsiam.DeleteUserPolicyInput{UserName: s("alice"), PolicyName: s("inline")})
	must("DeleteUserPolicy", o26, err)
	o27, err := root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: s("g")})
	must("CreateGroup", o27, err)
	o28, err := root.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: s("g"), UserName: s("alice")})
	must("AddUserToGroup", o28, err)
	o29, err := root.GetGroup(ctx, &awsiam.GetGroupInput{GroupName: s("g")})
	must("GetGroup", o29, err)
	o30, err := root.ListGroups(ctx, &awsiam.ListGroupsInput{})
	must("ListGroups", o30, err)
	o31, err := root.ListGroupsForUser(ctx, &awsiam.ListGroupsForUserInput{UserName: s("alice")})
	must("ListGroupsForUser", o31, err)
	o32, err := root.PutGroupPolicy(ctx, &awsiam.PutGroupPolicyInput{GroupName: s("g"), PolicyName: s("gi"), PolicyDocument: doc})
	must("PutGroupPolicy", o32, err)
	o33, err := root.GetGroupPolicy(ctx, &awsiam.GetGroupPolicyInput{GroupName: s("g"), PolicyName: s("gi")})
	must("GetGroupPolicy", o33, err)
	o34, err := root.ListGroupPolicies(ctx, &awsiam.ListGroupPoliciesInput{GroupName: s("g")})
	must("ListGroupPolicies", o34, err)
	o35, err := root.DeleteGroupPolicy(ctx, &awsiam.DeleteGroupPolicyInput{GroupName: s("g"), PolicyName: s("gi")})
	must("DeleteGroupPolicy", o35, err)
	o36, err := root.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: s("g"), PolicyArn: parn})
	must("AttachGroupPolicy", o36, err)
	o37, err := root.ListAttachedGroupPolicies(ctx, &awsiam.ListAttachedGroupPoliciesInput{GroupName: s("g")})
	must("ListAttachedGroupPolicies", o37, err)
	o38, err := root.DetachGroupPolicy(ctx, &awsiam.DetachGroupPolicyInput{GroupName: s("g"), PolicyArn: parn})
	must("DetachGroupPolicy", o38, err)
	o39, err := root.RemoveUserFromGroup(ctx, &awsiam.RemoveUserFromGroupInput{GroupName: s("g"), UserName: s("alice")})
	must("RemoveUserFromGroup", o39, err)
	o40, err := root.UpdateGroup(ctx, &awsiam.UpdateGroupInput{GroupName: s("g"), NewGroupName: s("g2")})
	must("UpdateGroup", o40, err)
	o41, err := root.DeleteGroup(ctx, &awsiam.DeleteGroupInput{GroupName: s("g2")})
	must("DeleteGroup", o41, err)
	o42, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s("r"), AssumeRolePolicyDocument: trust})
	must("CreateRole", o42, err)
	o43, err := root.GetRole(ctx, &awsiam.GetRoleInput{RoleName: s("r")})
	must("GetRole", o43, err)
	o44, err := root.ListRoles(ctx, &awsiam.ListRolesInput{})
	must("ListRoles", o44, err)
	o45, err := root.UpdateRole(ctx, &awsiam.UpdateRoleInput{RoleName: s("r"), MaxSessionDuration: aws.Int32(7200)})
	must("UpdateRole", o45, err)
	o45b, err := root.UpdateRoleDescription(ctx, &awsiam.UpdateRoleDescriptionInput{RoleName: s("r"), Description: s("d")})
	must("UpdateRoleDescription", o45b, err)
	o46, err := root.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: s("r"), PolicyDocument: trust})
	must("UpdateAssumeRolePolicy", o46, err)
	o47, err := root.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: s("r"), PolicyName: s("ri"), PolicyDocument: doc})
	must("PutRolePolicy", o47, err)
	o48, err := root.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: s("r"), PolicyName: s("ri")})
	must("GetRolePolicy", o48, err)
	o49, err := root.ListRolePolicies(ctx, &awsiam.ListRolePoliciesInput{RoleName: s("r")})
	must("ListRolePolicies", o49, err)
	o50, err := root.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: s("r"), PolicyName: s("ri")})
	must("DeleteRolePolicy", o50, err)
	o51, err := root.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: s("r"), PolicyArn: parn})
	must("AttachRolePolicy", o51, err)
	o52, err := root.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: s("r")})
	must("ListAttachedRolePolicies", o52, err)
	o53, err := root.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: s("r"), PolicyArn: parn})
	must("DetachRolePolicy", o53, err)
	o54, err := root.TagRole(ctx, &awsiam.TagRoleInput{RoleName: s("r"), Tags: []types.Tag{{Key: s("team"), Value: s("ops")}}})
	must("TagRole", o54, err)
	o54b, err := root.ListRoleTags(ctx, &awsiam.ListRoleTagsInput{RoleName: s("r")})
	must("ListRoleTags", o54b, err)
	o54c, err := root.UntagRole(ctx, &awsiam.UntagRoleInput{RoleName: s("r"), TagKeys: []string{"team"}})
	must("UntagRole", o54c, err)
	o55, err := root.SimulatePrincipalPolicy(ctx, &awsiam.SimulatePrincipalPolicyInput{PolicySourceArn: s("arn:aws:iam::123456789012:user/alice"),
		ActionNames: []string{"iam:GetUser"}})
	must("SimulatePrincipalPolicy", o55, err)
	o56, err := root.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{*doc}, ActionNames: []string{"iam:GetUser"}})
	must("SimulateCustomPolicy", o56, err)
	_, aliceSTS := e.iam(akid, secret, ""), e.sts(akid, secret, "")
	o57, err := aliceSTS.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: o42.Role.Arn, RoleSessionName: s("s1")})
	must("AssumeRole", o57, err)
	o58, err := root.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: s("r")})
	must("DeleteRole", o58, err)
	o59, err := root.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: parn})
	must("DeletePolicy", o59, err)
	// Account governance.
	g1, err := root.UpdateAccountPasswordPolicy(ctx, &awsiam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(8)})
	must("UpdateAccountPasswordPolicy", g1, err)
	g2, err := root.GetAccountPasswordPolicy(ctx, &awsiam.GetAccountPasswordPolicyInput{})
	must("GetAccountPasswordPolicy", g2, err)
	g3, err := e.iam(akid, secret, "").ChangePassword(ctx, &awsiam.ChangePasswordInput{OldPassword: s("Correct-Horse-1"), NewPassword: s("Correct-Horse-2")})
	must("ChangePassword", g3, err)
	g4, err := root.DeleteAccountPasswordPolicy(ctx, &awsiam.DeleteAccountPasswordPolicyInput{})
	must("DeleteAccountPasswordPolicy", g4, err)
	g5, err := root.TagUser(ctx, &awsiam.TagUserInput{UserName: s("alice"), Tags: []types.Tag{{Key: s("team"), Value: s("ops")}}})
	must("TagUser", g5, err)
	g6, err := root.ListUserTags(ctx, &awsiam.ListUserTagsInput{UserName: s("alice")})
	must("ListUserTags", g6, err)
	g7, err := root.UntagUser(ctx, &awsiam.UntagUserInput{UserName: s("alice"), TagKeys: []string{"team"}})
	must("UntagUser", g7, err)
	g8, err := root.UpdateUser(ctx, &awsiam.UpdateUserInput{UserName: s("alice"), NewUserName: s("alice2")})
	must("UpdateUser", g8, err)
	g9, err := root.UpdateUser(ctx, &awsiam.UpdateUserInput{UserName: s("alice2"), NewUserName: s("alice")})
	must("UpdateUser back", g9, err)
	g10, err := root.TagMFADevice(ctx, &awsiam.TagMFADeviceInput{SerialNumber: s(serial), Tags: []types.Tag{{Key: s("team"), Value: s("ops")}}})
	must("TagMFADevice", g10, err)
	g11, err := root.ListMFADeviceTags(ctx, &awsiam.ListMFADeviceTagsInput{SerialNumber: s(serial)})
	must("ListMFADeviceTags", g11, err)
	g12, err := root.UntagMFADevice(ctx, &awsiam.UntagMFADeviceInput{SerialNumber: s(serial), TagKeys: []string{"team"}})
	must("UntagMFADevice", g12, err)
	g13, err := root.GetAccessKeyLastUsed(ctx, &awsiam.GetAccessKeyLastUsedInput{AccessKeyId: s(akid)})
	must("GetAccessKeyLastUsed", g13, err)
	g14, err := root.GenerateCredentialReport(ctx, &awsiam.GenerateCredentialReportInput{})
	must("GenerateCredentialReport", g14, err)
	g15, err := root.GetCredentialReport(ctx, &awsiam.GetCredentialReportInput{})
	must("GetCredentialReport", g15, err)
	g16, err := root.CreateAccountAlias(ctx, &awsiam.CreateAccountAliasInput{AccountAlias: s("example-corp")})
	must("CreateAccountAlias", g16, err)
	g17, err := root.ListAccountAliases(ctx, &awsiam.ListAccountAliasesInput{})
	must("ListAccountAliases", g17, err)
	g18, err := root.DeleteAccountAlias(ctx, &awsiam.DeleteAccountAliasInput{AccountAlias: s("example-corp")})
	must("DeleteAccountAlias", g18, err)
	g19, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: s("tagged"), Tags: []types.Tag{{Key: s("team"), Value: s("ops")}}})
	must("CreateUser with tags", g19, err)
	g20, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: s("tagged"),
		Tags: []types.Tag{{Key: s("team"), Value: s("ops")}}})
	must("CreateVirtualMFADevice with tags", g20, err)

	// Service Quotas (AWS JSON 1.1).
	sqQuota := map[string]any{"ServiceCode": "iam", "QuotaCode": "L-F55AF5E4"}
	for _, c := range []struct {
		op   string
		body any
	}{
		{"ListServices", map[string]any{}},
		{"ListServiceQuotas", map[string]any{"ServiceCode": "iam"}},
		{"GetServiceQuota", sqQuota},
		{"ListAWSDefaultServiceQuotas", map[string]any{"ServiceCode": "iam"}},
		{"GetAWSDefaultServiceQuota", sqQuota},
		{"RequestServiceQuotaIncrease", map[string]any{"ServiceCode": "iam", "QuotaCode": "L-F55AF5E4", "DesiredValue": 6000}},
		{"ListRequestedServiceQuotaChangeHistory", map[string]any{"ServiceCode": "iam"}},
		{"ListRequestedServiceQuotaChangeHistoryByQuota", sqQuota},
	} {
		if r := e.sq(t, rootCreds, c.op, c.body); r.status != 200 {
			t.Fatalf("%s = %d %s", c.op, r.status, r.raw)
		}
	}
	hist := e.sq(t, rootCreds, "ListRequestedServiceQuotaChangeHistory", map[string]any{"ServiceCode": "iam"})
	reqID, _ := hist.path("RequestedQuotas", 0, "Id").(string)
	if r := e.sq(t, rootCreds, "GetRequestedServiceQuotaChange", map[string]any{"RequestId": reqID}); r.status != 200 {
		t.Fatalf("GetRequestedServiceQuotaChange(%q) = %d %s", reqID, r.status, r.raw)
	}

	if status, got := e.lookupEvents(t, rootCreds, map[string]any{}); status != 200 {
		t.Fatalf("LookupEvents = %d %v", status, got)
	}

	o60, err := root.DeactivateMFADevice(ctx, &awsiam.DeactivateMFADeviceInput{UserName: s("alice"), SerialNumber: s(serial)})
	must("DeactivateMFADevice", o60, err)
	o61, err := root.DeleteVirtualMFADevice(ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: s(serial)})
	must("DeleteVirtualMFADevice", o61, err)
	o62, err := root.DeleteLoginProfile(ctx, &awsiam.DeleteLoginProfileInput{UserName: s("alice")})
	must("DeleteLoginProfile", o62, err)
	o63, err := root.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: s("alice"), AccessKeyId: s(akid)})
	must("DeleteAccessKey", o63, err)
	o64, err := root.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: s("alice")})
	must("DeleteUser", o64, err)

	// Every operation the server serves must have been driven above and
	// authorised as its own action, or be listed here with the reason it
	// is not.
	notAuthorised := map[string]string{
		"sts:GetCallerIdentity": "AWS answers it for any valid credentials; no policy can deny it",
		"sts:GetSessionToken":   "AWS authorises it by credential kind only (no IAM policy applies)",
	}
	for _, op := range gateway.ServedOperations(e.srv) {
		_, asked := rec.asked[op]
		why, exempt := notAuthorised[op]
		switch {
		case !asked && !exempt:
			t.Errorf("%s is served but the test never saw it authorised: drive it above (or list why it is not authorised)", op)
		case asked && exempt:
			t.Errorf("%s is listed as not authorised (%s) but was authorised", op, why)
		}
	}
	// Every condition key the reference lists for a served action is
	// classified (supplied, absent by design, or refused at write), and
	// one iamd sets in every request of the action was there.
	for _, op := range gateway.ServedOperations(e.srv) {
		a, ok := actions.Lookup(op)
		if !ok {
			continue // reported below
		}
		keys := append([]string(nil), a.ConditionKeys...)
		for _, rt := range a.Resources {
			keys = append(keys, rt.ConditionKeys...)
		}
		for _, k := range keys {
			use, always := authz.KeyUseFor(op, k)
			switch {
			case use == authz.KeyUnknown:
				t.Errorf("%s: condition key %s is not classified in internal/authz/keys.go", op, k)
			case always && !rec.keys[op][strings.ToLower(k)] && rec.asked[op] != nil:
				t.Errorf("%s: condition key %s is set in every request, but the request context lacked it", op, k)
			}
		}
	}
	for action, resources := range rec.asked {
		a, ok := actions.Lookup(action)
		if !ok {
			t.Errorf("%s is not in the Service Authorization Reference", action)
			continue
		}
		for _, r := range resources {
			if len(a.Resources) == 0 {
				if r != "*" {
					t.Errorf("%s has no resource-level permissions but was authorised on %s, want *", action, r)
				}
				continue
			}
			matched := false
			for _, rt := range a.Resources {
				if patternRegexp(rt.ARNPattern).MatchString(r) {
					matched = true
				}
			}
			if !matched && !(r == "*" && !a.Resources[0].Required) {
				t.Errorf("%s was authorised on %s, which matches none of its resource types %v", action, r, a.Resources)
			}
		}
	}
}
