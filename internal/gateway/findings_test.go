package gateway_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// Regression tests for findings 3 and 7 of the security review (issue 9).

func stsTags(kv ...string) []ststypes.Tag {
	var tags []ststypes.Tag
	for i := 0; i < len(kv); i += 2 {
		tags = append(tags, ststypes.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return tags
}

// TestTransitiveSessionTagsSurviveChaining (finding 3): a transitive
// session tag passes to every session assumed with the credentials of the
// session that has it, so a Deny on aws:PrincipalTag cannot be escaped by
// chaining; it overrides the next role's tag of that key, stays transitive
// for the next hop, and cannot be set again down the chain. A tag not set
// as transitive stays behind.
func TestTransitiveSessionTagsSurviveChaining(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		akid, secret := e.user(ctx, root, "chainer")
		const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},
			"Action":["sts:AssumeRole","sts:TagSession"]}]}`
		const perms = `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","iam:ListUsers","iam:ListRoles"],"Resource":"*"},
			{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/restricted":"true"}}},
			{"Effect":"Deny","Action":"iam:ListRoles","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]}`
		arns := map[string]*string{}
		for _, name := range []string{"first", "second", "third"} {
			in := &awsiam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}
			if name == "second" {
				// A role tag of the same key: the inherited session tag wins.
				in.Tags = []types.Tag{{Key: aws.String("restricted"), Value: aws.String("false")}}
			}
			out, err := root.CreateRole(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			arns[name] = out.Role.Arn
			if _, err := root.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("p"),
				PolicyDocument: aws.String(perms)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("chainer"), PolicyName: aws.String("p"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"*"}]}`)}); err != nil {
			t.Fatal(err)
		}
		type session struct {
			iam *awsiam.Client
			sts *awssts.Client
		}
		assume := func(c *awssts.Client, role, name string, tags []ststypes.Tag, transitive ...string) (session, error) {
			out, err := c.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: arns[role], RoleSessionName: aws.String(name),
				Tags: tags, TransitiveTagKeys: transitive})
			if err != nil {
				return session{}, err
			}
			cr := out.Credentials
			return session{e.iam(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken), e.sts(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)}, nil
		}
		must := func(s session, err error) session {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		listUsers := func(what string, s session, allowed bool) {
			t.Helper()
			_, err := s.iam.ListUsers(ctx, &awsiam.ListUsersInput{})
			if allowed {
				if err != nil {
					t.Fatalf("%s: ListUsers = %v, want allowed", what, err)
				}
				return
			}
			wantAPIError(t, what+": ListUsers", err, "AccessDenied", 403, "")
		}

		first := must(assume(e.sts(akid, secret, ""), "first", "s1", stsTags("restricted", "true", "team", "blue"), "restricted"))
		listUsers("first session, restricted=true", first, false)
		_, err := first.iam.ListRoles(ctx, &awsiam.ListRolesInput{})
		wantAPIError(t, "first session, team=blue: ListRoles", err, "AccessDenied", 403, "")

		second := must(assume(first.sts, "second", "s2", nil))
		listUsers("second session, restricted=true inherited over the role's restricted=false", second, false)
		if _, err := second.iam.ListRoles(ctx, &awsiam.ListRolesInput{}); err != nil {
			t.Fatalf("second session: team was not transitive, yet ListRoles = %v", err)
		}
		third := must(assume(second.sts, "third", "s3", nil))
		listUsers("third session, restricted=true inherited twice", third, false)

		const conflict = "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session."
		_, err = assume(first.sts, "second", "s4", stsTags("RESTRICTED", "false"))
		wantAPIError(t, "chained AssumeRole overriding a transitive tag", err, "InvalidParameterValue", 400, conflict)
		_, err = assume(second.sts, "third", "s5", stsTags("restricted", "false"), "restricted")
		wantAPIError(t, "AssumeRole overriding a tag inherited two hops back", err, "InvalidParameterValue", 400, conflict)

		// A new tag down the chain is fine and does not displace the
		// inherited one.
		extra := must(assume(first.sts, "second", "s6", stsTags("team", "red")))
		listUsers("second session with a new tag", extra, false)
		if _, err := extra.iam.ListRoles(ctx, &awsiam.ListRolesInput{}); err != nil {
			t.Fatalf("second session tagged team=red: ListRoles = %v", err)
		}
	})
}

// TestUntagAndDeviceTagConditionKeys (finding 7): UntagUser, UntagRole and
// UntagMFADevice set aws:TagKeys to the keys removed, so a tag can be
// protected from removal; TagMFADevice and CreateVirtualMFADevice with Tags
// set aws:RequestTag/* and aws:TagKeys.
func TestUntagAndDeviceTagConditionKeys(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		akid, secret := e.user(ctx, root, "tagger")
		if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("tagger"), PolicyName: aws.String("p"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Action":["iam:TagUser","iam:UntagUser","iam:UntagRole","iam:TagMFADevice","iam:UntagMFADevice","iam:CreateVirtualMFADevice"],"Resource":"*"},
				{"Effect":"Deny","Action":["iam:UntagUser","iam:UntagRole","iam:UntagMFADevice"],"Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["owner"]}}},
				{"Effect":"Deny","Action":["iam:UntagUser","iam:UntagRole","iam:UntagMFADevice"],"Resource":"*","Condition":{"Null":{"aws:RequestTag/note":"false"}}},
				{"Effect":"Deny","Action":"iam:TagMFADevice","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/owner":"mallory"}}},
				{"Effect":"Deny","Action":"iam:CreateVirtualMFADevice","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["owner"]}}}]}`)}); err != nil {
			t.Fatal(err)
		}
		tagger := e.iam(akid, secret, "")
		owned := []types.Tag{{Key: aws.String("owner"), Value: aws.String("alice")}, {Key: aws.String("note"), Value: aws.String("x")}}

		if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("vip"), Tags: owned}); err != nil {
			t.Fatal(err)
		}
		_, err := tagger.UntagUser(ctx, &awsiam.UntagUserInput{UserName: aws.String("vip"), TagKeys: []string{"note", "owner"}})
		wantAPIError(t, "UntagUser removing owner", err, "AccessDenied", 403, "")
		if _, err := tagger.UntagUser(ctx, &awsiam.UntagUserInput{UserName: aws.String("vip"), TagKeys: []string{"note"}}); err != nil {
			t.Fatalf("UntagUser removing note: %v", err)
		}

		// UntagRole too; and an Untag* request carries aws:TagKeys alone,
		// no aws:RequestTag (the Null guard above would refuse "note").
		if _, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("vip"), Tags: owned,
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
			t.Fatal(err)
		}
		_, err = tagger.UntagRole(ctx, &awsiam.UntagRoleInput{RoleName: aws.String("vip"), TagKeys: []string{"owner"}})
		wantAPIError(t, "UntagRole removing owner", err, "AccessDenied", 403, "")
		if _, err := tagger.UntagRole(ctx, &awsiam.UntagRoleInput{RoleName: aws.String("vip"), TagKeys: []string{"note"}}); err != nil {
			t.Fatalf("UntagRole removing note: %v", err)
		}

		dev, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("shared"), Tags: owned})
		if err != nil {
			t.Fatal(err)
		}
		serial := dev.VirtualMFADevice.SerialNumber
		_, err = tagger.UntagMFADevice(ctx, &awsiam.UntagMFADeviceInput{SerialNumber: serial, TagKeys: []string{"owner"}})
		wantAPIError(t, "UntagMFADevice removing owner", err, "AccessDenied", 403, "")
		if _, err := tagger.UntagMFADevice(ctx, &awsiam.UntagMFADeviceInput{SerialNumber: serial, TagKeys: []string{"note"}}); err != nil {
			t.Fatalf("UntagMFADevice removing note: %v", err)
		}
		_, err = tagger.TagMFADevice(ctx, &awsiam.TagMFADeviceInput{SerialNumber: serial,
			Tags: []types.Tag{{Key: aws.String("owner"), Value: aws.String("mallory")}}})
		wantAPIError(t, "TagMFADevice owner=mallory", err, "AccessDenied", 403, "")
		if _, err := tagger.TagMFADevice(ctx, &awsiam.TagMFADeviceInput{SerialNumber: serial,
			Tags: []types.Tag{{Key: aws.String("color"), Value: aws.String("red")}}}); err != nil {
			t.Fatalf("TagMFADevice color=red: %v", err)
		}

		for _, tt := range []struct {
			name    string
			tags    []types.Tag
			allowed bool
		}{
			{"mallory", []types.Tag{{Key: aws.String("owner"), Value: aws.String("mallory")}}, false}, // iam:TagMFADevice's aws:RequestTag
			{"alice", []types.Tag{{Key: aws.String("owner"), Value: aws.String("alice")}}, false},     // iam:CreateVirtualMFADevice's aws:TagKeys
			{"red", []types.Tag{{Key: aws.String("color"), Value: aws.String("red")}}, true},
			{"plain", nil, true},
		} {
			_, err := tagger.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(tt.name), Tags: tt.tags})
			switch {
			case !tt.allowed:
				wantAPIError(t, "CreateVirtualMFADevice "+tt.name, err, "AccessDenied", 403, "")
			case err != nil:
				t.Fatalf("CreateVirtualMFADevice %s: %v", tt.name, err)
			}
		}
	})
}
