package gateway_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
)

// selfServiceMFA is AWS's "manage your own MFA device, nothing else until
// you sign in with MFA" policy (reference §8.3).
const selfServiceMFA = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "AllowViewAccountInfo", "Effect": "Allow", "Action": "iam:ListVirtualMFADevices", "Resource": "*"},
    {"Sid": "AllowManageOwnVirtualMFADevice", "Effect": "Allow", "Action": "iam:CreateVirtualMFADevice", "Resource": "arn:aws:iam::*:mfa/*"},
    {"Sid": "AllowManageOwnUserMFA", "Effect": "Allow",
     "Action": ["iam:DeactivateMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices", "iam:ResyncMFADevice"],
     "Resource": "arn:aws:iam::*:user/${aws:username}"},
    {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
     "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
                   "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"],
     "Resource": "*",
     "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
  ]
}`

// mfaSession signs in with the device's next code and returns clients
// for the MFA session.
func (e *env) mfaSession(ctx context.Context, akid, secret, serial string, seed []byte) (*awsiam.Client, *awssts.Client) {
	e.t.Helper()
	e.clock.Advance(30 * time.Second)
	out, err := e.sts(akid, secret, "").GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(e.code(seed, 0))})
	if err != nil {
		e.t.Fatalf("GetSessionToken with MFA: %v", err)
	}
	c := out.Credentials
	return e.iam(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken), e.sts(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
}

func TestMFAConditionedPolicies(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		akid, secret := e.user(ctx, root, "alice")
		serial, seed := e.device(ctx, root, "alice", "phone")
		alice := e.iam(akid, secret, "")

		_, err := alice.ListUsers(ctx, &awsiam.ListUsersInput{})
		wantAPIError(t, "ListUsers without policy", err, "AccessDenied", 403,
			"User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListUsers on resource: * because no identity-based policy allows the iam:ListUsers action")

		pol, err := root.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("ReadWithMFA"), PolicyDocument: aws.String(`{
			"Version": "2012-10-17",
			"Statement": [{"Effect": "Allow", "Action": ["iam:ListUsers", "iam:GetAccountSummary"], "Resource": "*",
			               "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}`)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := root.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: pol.Policy.Arn}); err != nil {
			t.Fatal(err)
		}
		_, err = alice.ListUsers(ctx, &awsiam.ListUsersInput{})
		wantAPIError(t, "ListUsers with long-term keys", err, "AccessDenied", 403, "")
		mfaIAM, _ := e.mfaSession(ctx, akid, secret, serial, seed)
		users, err := mfaIAM.ListUsers(ctx, &awsiam.ListUsersInput{})
		if err != nil || len(users.Users) != 1 {
			t.Fatalf("ListUsers with an MFA session = %v, %v; want alice", users, err)
		}

		// The MFA must be recent: a new default version limits its age to
		// 5 minutes.
		if _, err := root.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: pol.Policy.Arn, SetAsDefault: true,
			PolicyDocument: aws.String(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
				"Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "300"}}}]}`)}); err != nil {
			t.Fatal(err)
		}
		if _, err := mfaIAM.ListUsers(ctx, &awsiam.ListUsersInput{}); err != nil {
			t.Fatalf("ListUsers with a fresh MFA session: %v", err)
		}
		_, err = alice.ListUsers(ctx, &awsiam.ListUsersInput{})
		wantAPIError(t, "ListUsers with long-term keys (age absent)", err, "AccessDenied", 403, "")
		e.clock.Advance(6 * time.Minute)
		_, err = mfaIAM.ListUsers(ctx, &awsiam.ListUsersInput{})
		wantAPIError(t, "ListUsers with a 6-minute-old MFA", err, "AccessDenied", 403, "")

		// A policy change applies to the very next request.
		if _, err := root.DetachUserPolicy(ctx, &awsiam.DetachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: pol.Policy.Arn}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"),
			PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}); err != nil {
			t.Fatal(err)
		}
		if _, err := alice.ListUsers(ctx, &awsiam.ListUsersInput{}); err != nil {
			t.Fatalf("ListUsers right after attaching IAMReadOnlyAccess: %v", err)
		}
		_, err = alice.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("mallory")})
		wantAPIError(t, "CreateUser with read-only access", err, "AccessDenied", 403, "")
	})
}

func TestSelfServiceMFAThroughGroup(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		pol, err := root.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("SelfManageMFA"), PolicyDocument: aws.String(selfServiceMFA)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("mfa-users")}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("mfa-users"), PolicyArn: pol.Policy.Arn}); err != nil {
			t.Fatal(err)
		}
		akid, secret := e.user(ctx, root, "carol")
		e.user(ctx, root, "dave")
		for _, u := range []string{"carol", "dave"} {
			if _, err := root.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("mfa-users"), UserName: aws.String(u)}); err != nil {
				t.Fatal(err)
			}
		}
		carol := e.iam(akid, secret, "")
		dev, err := carol.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("carol-phone")})
		if err != nil {
			t.Fatalf("carol creates her device: %v", err)
		}
		serial := *dev.VirtualMFADevice.SerialNumber
		seed := mustSeed(t, string(dev.VirtualMFADevice.Base32StringSeed))
		other, err := carol.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("for-dave")})
		if err != nil {
			t.Fatal(err)
		}
		otherSeed := mustSeed(t, string(other.VirtualMFADevice.Base32StringSeed))
		_, err = carol.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("dave"), SerialNumber: other.VirtualMFADevice.SerialNumber,
			AuthenticationCode1: aws.String(e.code(otherSeed, -1)), AuthenticationCode2: aws.String(e.code(otherSeed, 0))})
		wantAPIError(t, "carol enables a device for dave", err, "AccessDenied", 403, "")
		if _, err := carol.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("carol"), SerialNumber: aws.String(serial),
			AuthenticationCode1: aws.String(e.code(seed, -1)), AuthenticationCode2: aws.String(e.code(seed, 0))}); err != nil {
			t.Fatalf("carol enables her own device: %v", err)
		}
		if _, err := carol.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{UserName: aws.String("carol")}); err != nil {
			t.Fatalf("carol lists her devices: %v", err)
		}
		_, err = carol.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{UserName: aws.String("dave")})
		wantAPIError(t, "carol lists dave's devices", err, "AccessDenied", 403, "")
		_, err = carol.ListUsers(ctx, &awsiam.ListUsersInput{})
		wantAPIError(t, "carol lists users without MFA", err, "AccessDenied", 403,
			"User: arn:aws:iam::123456789012:user/carol is not authorized to perform: iam:ListUsers on resource: * with an explicit deny in an identity-based policy")
		_, err = carol.DeactivateMFADevice(ctx, &awsiam.DeactivateMFADeviceInput{UserName: aws.String("carol"), SerialNumber: aws.String(serial)})
		wantAPIError(t, "carol deactivates without MFA", err, "AccessDenied", 403, "")

		mfaIAM, _ := e.mfaSession(ctx, akid, secret, serial, seed)
		if _, err := mfaIAM.DeactivateMFADevice(ctx, &awsiam.DeactivateMFADeviceInput{UserName: aws.String("carol"), SerialNumber: aws.String(serial)}); err != nil {
			t.Fatalf("carol deactivates with MFA: %v", err)
		}
		_, err = mfaIAM.DeleteVirtualMFADevice(ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
		wantAPIError(t, "carol deletes a device (not granted)", err, "AccessDenied", 403, "")

		decision := func(action, resource string, ctxEntries ...types.ContextEntry) string {
			t.Helper()
			sim, err := root.SimulatePrincipalPolicy(ctx, &awsiam.SimulatePrincipalPolicyInput{
				PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/carol"),
				ActionNames:     []string{action}, ResourceArns: []string{resource}, ContextEntries: ctxEntries,
			})
			if err != nil || len(sim.EvaluationResults) != 1 {
				t.Fatalf("SimulatePrincipalPolicy(%s) = %+v, %v", action, sim, err)
			}
			return string(sim.EvaluationResults[0].EvalDecision)
		}
		mfa := func(v string) types.ContextEntry {
			return types.ContextEntry{ContextKeyName: aws.String("aws:MultiFactorAuthPresent"), ContextKeyValues: []string{v}, ContextKeyType: "boolean"}
		}
		for _, tt := range []struct {
			action, resource string
			entries          []types.ContextEntry
			want             string
		}{
			{"iam:ListUsers", "*", nil, "explicitDeny"},
			{"iam:ListUsers", "*", []types.ContextEntry{mfa("false")}, "explicitDeny"},
			{"iam:ListUsers", "*", []types.ContextEntry{mfa("true")}, "implicitDeny"},
			{"iam:CreateVirtualMFADevice", "arn:aws:iam::123456789012:mfa/carol-phone", nil, "allowed"},
			{"iam:EnableMFADevice", "arn:aws:iam::123456789012:user/carol", nil, "allowed"},
			{"iam:EnableMFADevice", "arn:aws:iam::123456789012:user/dave", nil, "implicitDeny"},
		} {
			if got := decision(tt.action, tt.resource, tt.entries...); got != tt.want {
				t.Errorf("SimulatePrincipalPolicy(carol, %s, %s, %v) = %s, want %s", tt.action, tt.resource, tt.entries, got, tt.want)
			}
		}
	})
}

func TestAssumeRoleRequiringMFA(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		akid, secret := e.user(ctx, root, "bob")
		serial, seed := e.device(ctx, root, "bob", "bob-phone")
		role, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("admin-mfa"), AssumeRolePolicyDocument: aws.String(`{
			"Version": "2012-10-17",
			"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole",
			               "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}`)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := root.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("admin-mfa"),
			PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}); err != nil {
			t.Fatal(err)
		}
		bobSTS := e.sts(akid, secret, "")
		in := &awssts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("ops")}
		_, err = bobSTS.AssumeRole(ctx, in)
		wantAPIError(t, "AssumeRole without an identity policy", err, "AccessDenied", 403, "")
		if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("assume"),
			PolicyDocument: aws.String(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "` + *role.Role.Arn + `"}]}`)}); err != nil {
			t.Fatal(err)
		}
		_, err = bobSTS.AssumeRole(ctx, in)
		wantAPIError(t, "AssumeRole without MFA", err, "AccessDenied", 403, "")

		e.clock.Advance(30 * time.Second)
		in.SerialNumber, in.TokenCode = aws.String(serial), aws.String(e.code(seed, 0))
		out, err := bobSTS.AssumeRole(ctx, in)
		if err != nil {
			t.Fatalf("AssumeRole with MFA: %v", err)
		}
		c := out.Credentials
		who, err := e.sts(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
		if err != nil || *who.Arn != "arn:aws:sts::123456789012:assumed-role/admin-mfa/ops" || !strings.HasPrefix(*who.UserId, "AROA") {
			t.Fatalf("GetCallerIdentity(role session) = %+v, %v", who, err)
		}
		roleIAM := e.iam(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
		if _, err := roleIAM.ListUsers(ctx, &awsiam.ListUsersInput{}); err != nil {
			t.Fatalf("ListUsers in the role session: %v", err)
		}
		_, err = roleIAM.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("x")})
		wantAPIError(t, "CreateUser in a read-only role session", err, "AccessDenied", 403, "")
		_, err = bobSTS.AssumeRole(ctx, in)
		wantAPIError(t, "AssumeRole replaying the code", err, "AccessDenied", 403, "MultiFactorAuthentication failed with invalid MFA one time pass code.")

		// From an MFA session no new code is needed.
		_, mfaSTS := e.mfaSession(ctx, akid, secret, serial, seed)
		if _, err := mfaSTS.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("ops2")}); err != nil {
			t.Fatalf("AssumeRole from an MFA session: %v", err)
		}
	})
}
