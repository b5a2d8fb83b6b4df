package gateway_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestConditionKeysTheReferenceLists closes the class of review finding 2:
// keys the Service Authorization Reference lists for an action reach the
// caller's own policies — the role's tags and AssumeRole's
// sts:RoleSessionName for sts:AssumeRole, servicequotas:service for the
// quota actions — and a CreatePolicy whose Tags iamd would not keep is
// refused instead of leaving aws:RequestTag without them.
func TestConditionKeysTheReferenceLists(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		s := aws.String
		akid, secret := e.user(ctx, root, "bob")
		mustDo(t, func() error {
			_, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: s("bob"), PolicyName: s("guarded"),
				PolicyDocument: s(`{"Version":"2012-10-17","Statement":[
					{"Effect":"Allow","Action":["sts:AssumeRole","servicequotas:*","iam:CreatePolicy"],"Resource":"*"},
					{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/protected":"true"}}},
					{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*","Condition":{"StringNotEquals":{"sts:RoleSessionName":"${aws:username}"}}},
					{"Effect":"Deny","Action":"servicequotas:RequestServiceQuotaIncrease","Resource":"*","Condition":{"StringEquals":{"servicequotas:service":"iam"}}}]}`)})
			return err
		})
		trust := s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)
		for _, r := range []struct {
			name string
			tags []types.Tag
		}{{"vault", []types.Tag{{Key: s("protected"), Value: s("true")}}}, {"plain", nil}} {
			mustDo(t, func() error {
				_, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s(r.name), AssumeRolePolicyDocument: trust, Tags: r.tags})
				return err
			})
		}
		bob := e.sts(akid, secret, "")
		arn := func(n string) *string { return s("arn:aws:iam::" + accountID + ":role/" + n) }
		_, err := bob.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: arn("vault"), RoleSessionName: s("bob")})
		wantAPIError(t, "AssumeRole of a protected role", err, "AccessDenied", 403, "")
		_, err = bob.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: arn("plain"), RoleSessionName: s("not-bob")})
		wantAPIError(t, "AssumeRole with another session name", err, "AccessDenied", 403, "")
		if _, err := bob.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: arn("plain"), RoleSessionName: s("bob")}); err != nil {
			t.Errorf("AssumeRole(plain, bob) = %v, want allowed", err)
		}
		r := e.sq(t, aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, "RequestServiceQuotaIncrease",
			map[string]any{"ServiceCode": "iam", "QuotaCode": "L-F55AF5E4", "DesiredValue": 6000})
		wantSQError(t, "RequestServiceQuotaIncrease under a servicequotas:service Deny", r, "AccessDeniedException", 400, "")
		if r := e.sq(t, aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, "ListServices", map[string]any{}); r.status != 200 {
			t.Errorf("ListServices = %d %s, want allowed", r.status, r.raw)
		}
		_, err = e.iam(akid, secret, "").CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: s("p"),
			PolicyDocument: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`),
			Tags:           []types.Tag{{Key: s("team"), Value: s("a")}}})
		wantAPIError(t, "CreatePolicy with Tags", err, "InvalidInput", 400, "")
	})
}
