package gateway_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/store/storetest"
)

// TestTrustPinsPrincipalIDs is the regression test of review finding 9: a
// trust policy naming a user by ARN trusts that user, not a user deleted
// and created again under the same name; GetRole then shows the old
// user's unique id where the ARN was, as AWS does, and an update pins the
// new user.
func TestTrustPinsPrincipalIDs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		s := aws.String
		bobARN := "arn:aws:iam::" + accountID + ":user/bob"
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + bobARN + `"},"Action":"sts:AssumeRole"}]}`
		allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
		newBob := func() (*awssts.Client, string) {
			t.Helper()
			akid, secret := e.user(ctx, root, "bob")
			mustDo(t, func() error {
				_, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: s("bob"), PolicyName: s("assume"), PolicyDocument: s(allow)})
				return err
			})
			u, err := root.GetUser(ctx, &awsiam.GetUserInput{UserName: s("bob")})
			if err != nil {
				t.Fatal(err)
			}
			return e.sts(akid, secret, ""), *u.User.UserId
		}
		bob1, bob1ID := newBob()
		role, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s("ops"), AssumeRolePolicyDocument: s(trust)})
		if err != nil {
			t.Fatal(err)
		}
		in := &awssts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: s("ops-session")}
		if _, err := bob1.AssumeRole(ctx, in); err != nil {
			t.Fatalf("AssumeRole as the trusted bob: %v", err)
		}

		// Delete bob and create him again: same ARN, another principal.
		keys, err := root.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{UserName: s("bob")})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys.AccessKeyMetadata {
			mustDo(t, func() error {
				_, err := root.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: s("bob"), AccessKeyId: k.AccessKeyId})
				return err
			})
		}
		mustDo(t, func() error {
			_, err := root.DeleteUserPolicy(ctx, &awsiam.DeleteUserPolicyInput{UserName: s("bob"), PolicyName: s("assume")})
			return err
		})
		mustDo(t, func() error { _, err := root.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: s("bob")}); return err })
		bob2, bob2ID := newBob()
		if bob2ID == bob1ID {
			t.Fatalf("recreated bob has the old id %s", bob1ID)
		}
		_, err = bob2.AssumeRole(ctx, in)
		wantAPIError(t, "AssumeRole as a recreated bob", err, "AccessDenied", 403, "")

		got, err := root.GetRole(ctx, &awsiam.GetRoleInput{RoleName: s("ops")})
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := url.QueryUnescape(*got.Role.AssumeRolePolicyDocument)
		if !strings.Contains(doc, `"`+bob1ID+`"`) || strings.Contains(doc, bobARN) {
			t.Errorf("GetRole trust policy = %s, want the deleted bob's id %s in place of %s", doc, bob1ID, bobARN)
		}

		// Writing the policy again trusts the bob who exists now.
		mustDo(t, func() error {
			_, err := root.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: s("ops"), PolicyDocument: s(trust)})
			return err
		})
		if _, err := bob2.AssumeRole(ctx, in); err != nil {
			t.Fatalf("AssumeRole as bob after the trust policy names him again: %v", err)
		}
		// A policy that shows a deleted principal's id can be written back.
		mustDo(t, func() error {
			_, err := root.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: s("ops"), PolicyDocument: s(doc)})
			return err
		})
		_, err = bob2.AssumeRole(ctx, in)
		wantAPIError(t, "AssumeRole under a policy naming only the old id", err, "AccessDenied", 403, "")
	})
}

// TestTrustPinsSurviveEscapesAndConditions: the pins hold when the stored
// document escapes the ARN ("user\/bob"), and only Principal entries are
// rewritten (a Condition naming the ARN keeps it, so a recreated bob does
// not slip through a StringNotEquals guard).
func TestTrustPinsSurviveEscapesAndConditions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		s := aws.String
		allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
		newBob := func() *awssts.Client {
			t.Helper()
			akid, secret := e.user(ctx, root, "bob")
			mustDo(t, func() error {
				_, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: s("bob"), PolicyName: s("assume"), PolicyDocument: s(allow)})
				return err
			})
			return e.sts(akid, secret, "")
		}
		deleteBob := func() {
			t.Helper()
			keys, _ := root.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{UserName: s("bob")})
			for _, k := range keys.AccessKeyMetadata {
				root.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: s("bob"), AccessKeyId: k.AccessKeyId})
			}
			root.DeleteUserPolicy(ctx, &awsiam.DeleteUserPolicyInput{UserName: s("bob"), PolicyName: s("assume")})
			mustDo(t, func() error { _, err := root.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: s("bob")}); return err })
		}
		bob := newBob()
		escaped := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountID + `:user\/bob"},"Action":"sts:AssumeRole"}]}`
		guarded := `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountID + `:root"},"Action":"sts:AssumeRole",
			 "Condition":{"StringNotEquals":{"aws:PrincipalArn":"arn:aws:iam::` + accountID + `:user/bob"}}},
			{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::` + accountID + `:user/bob"},"Action":"sts:TagSession"}]}`
		for name, doc := range map[string]string{"escaped": escaped, "guarded": guarded} {
			mustDo(t, func() error {
				_, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s(name), AssumeRolePolicyDocument: s(doc)})
				return err
			})
		}
		role := func(n string) *awssts.AssumeRoleInput {
			return &awssts.AssumeRoleInput{RoleArn: s("arn:aws:iam::" + accountID + ":role/" + n), RoleSessionName: s("s-" + n)}
		}
		if _, err := bob.AssumeRole(ctx, role("escaped")); err != nil {
			t.Fatalf("the trusted bob, escaped ARN: %v", err)
		}
		_, err := bob.AssumeRole(ctx, role("guarded"))
		wantAPIError(t, "bob under the StringNotEquals guard", err, "AccessDenied", 403, "")
		deleteBob()
		bob = newBob()
		_, err = bob.AssumeRole(ctx, role("escaped"))
		wantAPIError(t, "a recreated bob, escaped ARN", err, "AccessDenied", 403, "")
		_, err = bob.AssumeRole(ctx, role("guarded"))
		wantAPIError(t, "a recreated bob under the guard", err, "AccessDenied", 403, "")
	})
}

// TestTrustPolicyNamesExistingPrincipals: as on AWS, a trust policy may not
// name a user or role that does not exist (whoever created it later would
// be trusted).
func TestTrustPolicyNamesExistingPrincipals(t *testing.T) {
	e := newEnv(t, storetest.Engines(t)[0])
	root := e.iam(rootKeyID, rootSecret, "")
	_, err := root.CreateRole(context.Background(), &awsiam.CreateRoleInput{RoleName: aws.String("r"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountID + `:user/nobody"},"Action":"sts:AssumeRole"}]}`)})
	wantAPIError(t, "CreateRole trusting a missing user", err, "MalformedPolicyDocument", 400, `Invalid principal in policy: "AWS":"arn:aws:iam::`+accountID+`:user/nobody"`)
}
