package gateway_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/internal/iam"
)

// TestAssumeRoleHidesRolesFromCallersNotAdmitted (finding 6 of issue 9): to
// a caller the trust policy does not admit, an existing role answers
// AssumeRole exactly as a missing one does — whatever the PolicyArns
// (existing or made up) or the DurationSeconds (within or beyond the role's
// MaxSessionDuration) — so neither the role nor the policies of its account
// can be probed. The caller's identity policy allows sts:AssumeRole on
// everything, so only the trust policy refuses.
func TestAssumeRoleHidesRolesFromCallersNotAdmitted(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := aws.String
		const otherID, otherKey, otherSecret = "210987654321", "AKIAOTHERACCOUNTKEY2", "otherotherotherotherotherotherotherother"
		if _, err := e.svc.CreateAccount(ctx, iam.NewAccount{ID: otherID, Email: "other@example.com",
			RootAccessKeyID: otherKey, RootSecretAccessKey: otherSecret}); err != nil {
			t.Fatal(err)
		}
		rootA := e.iam(rootKeyID, rootSecret, "")
		rootB := e.iam(otherKey, otherSecret, "")
		const mayAssume = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}}`
		grant := func(root *awsiam.Client, user string) {
			t.Helper()
			if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: s(user), PolicyName: s("assume"),
				PolicyDocument: s(mayAssume)}); err != nil {
				t.Fatal(err)
			}
		}
		aliceID, aliceSecret := e.user(ctx, rootA, "alice") // admitted by the trust policy
		grant(rootA, "alice")
		eveID, eveSecret := e.user(ctx, rootA, "eve") // same account, not admitted
		grant(rootA, "eve")
		malloryID, mallorySecret := e.user(ctx, rootB, "mallory") // other account
		grant(rootB, "mallory")
		if _, err := rootA.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s("target"),
			AssumeRolePolicyDocument: s(`{"Version":"2012-10-17","Statement":{"Effect":"Allow",` +
				`"Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}}`)}); err != nil {
			t.Fatal(err)
		}
		realPolicy, err := rootA.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: s("real"),
			PolicyDocument: s(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}}`)})
		if err != nil {
			t.Fatal(err)
		}

		const existing = "arn:aws:iam::123456789012:role/target"
		const missing = "arn:aws:iam::123456789012:role/no-such-role"
		const bogusPolicy = "arn:aws:iam::123456789012:policy/made-up"
		type attempt struct {
			name string
			in   func(role string) *awssts.AssumeRoleInput
		}
		attempts := []attempt{
			{"plain", func(role string) *awssts.AssumeRoleInput {
				return &awssts.AssumeRoleInput{RoleArn: s(role), RoleSessionName: s("probe")}
			}},
			{"made-up PolicyArns", func(role string) *awssts.AssumeRoleInput {
				return &awssts.AssumeRoleInput{RoleArn: s(role), RoleSessionName: s("probe"),
					PolicyArns: policyARNs(bogusPolicy)}
			}},
			{"existing PolicyArns", func(role string) *awssts.AssumeRoleInput {
				return &awssts.AssumeRoleInput{RoleArn: s(role), RoleSessionName: s("probe"),
					PolicyArns: policyARNs(*realPolicy.Policy.Arn)}
			}},
			{"DurationSeconds beyond MaxSessionDuration", func(role string) *awssts.AssumeRoleInput {
				return &awssts.AssumeRoleInput{RoleArn: s(role), RoleSessionName: s("probe"), DurationSeconds: aws.Int32(43200)}
			}},
			{"both", func(role string) *awssts.AssumeRoleInput {
				return &awssts.AssumeRoleInput{RoleArn: s(role), RoleSessionName: s("probe"), DurationSeconds: aws.Int32(7200),
					PolicyArns: policyARNs(bogusPolicy)}
			}},
		}
		for _, caller := range []struct {
			name, id, secret, arn string
		}{
			{"other account's user", malloryID, mallorySecret, "arn:aws:iam::210987654321:user/mallory"},
			{"same account's user the trust does not name", eveID, eveSecret, "arn:aws:iam::123456789012:user/eve"},
		} {
			c := e.sts(caller.id, caller.secret, "")
			var reference string
			for _, a := range attempts {
				for _, role := range []string{existing, missing} {
					_, err := c.AssumeRole(ctx, a.in(role))
					what := caller.name + ", " + a.name + ", " + role
					want := "User: " + caller.arn + " is not authorized to perform: sts:AssumeRole on resource: " + role
					wantAPIError(t, what, err, "AccessDenied", 403, want)
					var ae smithy.APIError
					if errors.As(err, &ae) {
						got := strings.ReplaceAll(ae.ErrorMessage(), role, "<role>")
						if reference == "" {
							reference = got
						} else if got != reference {
							t.Errorf("%s: message %q differs from %q", what, got, reference)
						}
					}
				}
			}
		}

		// The admitted caller still learns what is wrong with its request.
		alice := e.sts(aliceID, aliceSecret, "")
		_, err = alice.AssumeRole(ctx, attempts[1].in(existing))
		wantAPIError(t, "admitted, made-up PolicyArns", err, "NoSuchEntity", 404, "")
		_, err = alice.AssumeRole(ctx, attempts[3].in(existing))
		wantAPIError(t, "admitted, DurationSeconds too long", err, "ValidationError", 400,
			"The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
		if _, err := alice.AssumeRole(ctx, attempts[2].in(existing)); err != nil {
			t.Fatalf("admitted, existing PolicyArns: %v", err)
		}
	})
}

func policyARNs(arns ...string) []ststypes.PolicyDescriptorType {
	out := make([]ststypes.PolicyDescriptorType, len(arns))
	for i, a := range arns {
		out[i] = ststypes.PolicyDescriptorType{Arn: aws.String(a)}
	}
	return out
}
