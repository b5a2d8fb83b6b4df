package gateway_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/iamd/iamd/internal/store/storetest"
)

// TestUnsignedPayloadRefused: a header-signed request that leaves its body
// out of the signature could be replayed with another action in the body.
func TestUnsignedPayloadRefused(t *testing.T) {
	e := newEnv(t, storetest.Engines(t)[0])
	form := "Action=CreateUser&Version=2010-05-08&UserName=injected"
	req, _ := http.NewRequest(http.MethodPost, e.url+"/", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	creds := aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, "UNSIGNED-PAYLOAD", "iam", "us-east-1", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(b), "SignatureDoesNotMatch") {
		t.Fatalf("UNSIGNED-PAYLOAD request = %d %s, want 403 SignatureDoesNotMatch", resp.StatusCode, b)
	}
	if _, err := e.iam(rootKeyID, rootSecret, "").GetUser(context.Background(), &awsiam.GetUserInput{UserName: aws.String("injected")}); err == nil {
		t.Fatal("the unsigned body created a user")
	}
}

// TestAssumeRoleNameCaseCannotDodgeDeny: role names are looked up ignoring
// case, but policies are evaluated on the role's own ARN.
func TestAssumeRoleNameCaseCannotDodgeDeny(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		akid, secret := e.user(ctx, root, "eve")
		if _, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("admin"), AssumeRolePolicyDocument: aws.String(
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("eve"), PolicyName: aws.String("p"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"},
				{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/admin"}]}`)}); err != nil {
			t.Fatal(err)
		}
		for _, arn := range []string{"arn:aws:iam::123456789012:role/admin", "arn:aws:iam::123456789012:role/ADMIN", "arn:aws:iam::123456789012:role/Admin"} {
			_, err := e.sts(akid, secret, "").AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1")})
			wantAPIError(t, "AssumeRole "+arn, err, "AccessDenied", 403, "")
		}
	})
}

// TestAllowUsersToChangePasswordKeepsExplicitDeny: the account's grant
// lifts an implicit deny only.
func TestAllowUsersToChangePasswordKeepsExplicitDeny(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		akid, secret := e.user(ctx, root, "pat")
		if _, err := root.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("pat"), Password: aws.String("Old-Passw0rd!")}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.UpdateAccountPasswordPolicy(ctx, &awsiam.UpdateAccountPasswordPolicyInput{AllowUsersToChangePassword: true}); err != nil {
			t.Fatal(err)
		}
		pat := e.iam(akid, secret, "")
		if _, err := pat.ChangePassword(ctx, &awsiam.ChangePasswordInput{OldPassword: aws.String("Old-Passw0rd!"), NewPassword: aws.String("New-Passw0rd!")}); err != nil {
			t.Fatalf("ChangePassword granted by the account policy: %v", err)
		}
		if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("pat"), PolicyName: aws.String("deny"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ChangePassword","Resource":"*"}]}`)}); err != nil {
			t.Fatal(err)
		}
		_, err := pat.ChangePassword(ctx, &awsiam.ChangePasswordInput{OldPassword: aws.String("New-Passw0rd!"), NewPassword: aws.String("Newer-Passw0rd!")})
		wantAPIError(t, "ChangePassword under an explicit Deny", err, "AccessDenied", 403, "")
	})
}

// TestSessionTagsAndTrustContext: session tags reach aws:PrincipalTag, and
// the trust policy sees the request's source address.
func TestSessionTagsAndTrustContext(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		akid, secret := e.user(ctx, root, "tess")
		mkRole := func(name, extra string) *string {
			out, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},
				  "Action":["sts:AssumeRole","sts:TagSession"]}` + extra + `]}`)})
			if err != nil {
				t.Fatal(err)
			}
			return out.Role.Arn
		}
		blue := mkRole("blue", "")
		local := mkRole("local", `,{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}`)
		if _, err := root.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("blue"), PolicyName: aws.String("p"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*",
				"Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]}`)}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("tess"), PolicyName: aws.String("p"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"*"}]}`)}); err != nil {
			t.Fatal(err)
		}
		tess := e.sts(akid, secret, "")
		session := func(tag string) *awsiam.Client {
			out, err := tess.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: blue, RoleSessionName: aws.String("s-" + tag),
				Tags: []ststypes.Tag{{Key: aws.String("team"), Value: aws.String(tag)}}})
			if err != nil {
				t.Fatal(err)
			}
			c := out.Credentials
			return e.iam(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
		}
		if _, err := session("blue").ListUsers(ctx, &awsiam.ListUsersInput{}); err != nil {
			t.Fatalf("ListUsers in a session tagged team=blue: %v", err)
		}
		_, err := session("red").ListUsers(ctx, &awsiam.ListUsersInput{})
		wantAPIError(t, "ListUsers in a session tagged team=red", err, "AccessDenied", 403, "")
		_, err = tess.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: local, RoleSessionName: aws.String("s1")})
		wantAPIError(t, "AssumeRole from 127.0.0.1 under a trust Deny on aws:SourceIp", err, "AccessDenied", 403, "")
		_, err = tess.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: blue, RoleSessionName: aws.String("s2"),
			PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::123456789012:policy/Nope")}}})
		wantAPIError(t, "AssumeRole with a session policy that does not exist", err, "NoSuchEntity", 404, "")
	})
}

// TestTagConditionKeys: aws:ResourceTag and aws:RequestTag reach the
// policy context.
func TestTagConditionKeys(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		akid, secret := e.user(ctx, root, "ops")
		if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("p"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Action":["iam:CreateUser","iam:TagUser","iam:DeleteUser"],"Resource":"*"},
				{"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/protected":"true"}}},
				{"Effect":"Deny","Action":["iam:CreateUser","iam:TagUser"],"Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["protected"]}}}]}`)}); err != nil {
			t.Fatal(err)
		}
		ops := e.iam(akid, secret, "")
		if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("vip"),
			Tags: []types.Tag{{Key: aws.String("protected"), Value: aws.String("true")}}}); err != nil {
			t.Fatal(err)
		}
		_, err := ops.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("vip")})
		wantAPIError(t, "DeleteUser of a protected user", err, "AccessDenied", 403, "")
		_, err = ops.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("sneaky"),
			Tags: []types.Tag{{Key: aws.String("protected"), Value: aws.String("true")}}})
		wantAPIError(t, "CreateUser setting the protected tag", err, "AccessDenied", 403, "")
		if _, err := ops.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("plain")}); err != nil {
			t.Fatalf("CreateUser without tags: %v", err)
		}
		if _, err := ops.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("plain")}); err != nil {
			t.Fatalf("DeleteUser of an untagged user: %v", err)
		}
	})
}
