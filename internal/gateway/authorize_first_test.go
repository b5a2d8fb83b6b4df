package gateway_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

// TestAuthorizeBeforeLookup checks that a caller without permission gets
// the same AccessDenied for an entity that exists and one that does not
// (users, roles, groups, policies and MFA devices), so a refusal tells
// nothing about what exists; and that an allowed caller still learns
// NoSuchEntity.
func TestAuthorizeBeforeLookup(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		s := aws.String
		id, secret := e.user(ctx, root, "caller")
		if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: s("caller"), PolicyName: s("little"),
			PolicyDocument: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)}); err != nil {
			t.Fatal(err)
		}
		// The entities that exist live under paths, so a refusal that
		// showed the stored ARN would give them away.
		mustDo(t, func() error {
			_, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: s("alice"), Path: s("/staff/"),
				Tags: []types.Tag{{Key: s("team"), Value: s("a")}}})
			return err
		})
		mustDo(t, func() error {
			_, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s("ops"), Path: s("/svc/"),
				AssumeRolePolicyDocument: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)})
			return err
		})
		mustDo(t, func() error {
			_, err := root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: s("devs"), Path: s("/eng/")})
			return err
		})
		mustDo(t, func() error {
			_, err := root.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: s("pol"),
				PolicyDocument: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)})
			return err
		})
		mustDo(t, func() error {
			_, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: s("dev1"),
				Tags: []types.Tag{{Key: s("k"), Value: s("v")}}})
			return err
		})
		caller := e.iam(id, secret, "")
		pre := "arn:aws:iam::" + accountID + ":"
		// Each call is made on an entity that exists and on one that does
		// not; the names differ only in "exists"/"absent".
		calls := []struct {
			name string
			call func(c *awsiam.Client, n string) error
		}{
			{"GetUser", func(c *awsiam.Client, n string) error {
				_, err := c.GetUser(ctx, &awsiam.GetUserInput{UserName: s(n)})
				return err
			}},
			{"DeleteUser", func(c *awsiam.Client, n string) error {
				_, err := c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: s(n)})
				return err
			}},
			{"ListAccessKeys", func(c *awsiam.Client, n string) error {
				_, err := c.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{UserName: s(n)})
				return err
			}},
			{"ListMFADevices", func(c *awsiam.Client, n string) error {
				_, err := c.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{UserName: s(n)})
				return err
			}},
			{"ListUserTags", func(c *awsiam.Client, n string) error {
				_, err := c.ListUserTags(ctx, &awsiam.ListUserTagsInput{UserName: s(n)})
				return err
			}},
			{"PutUserPolicy", func(c *awsiam.Client, n string) error {
				_, err := c.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: s(n), PolicyName: s("x"),
					PolicyDocument: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
				return err
			}},
			{"ListGroupsForUser", func(c *awsiam.Client, n string) error {
				_, err := c.ListGroupsForUser(ctx, &awsiam.ListGroupsForUserInput{UserName: s(n)})
				return err
			}},
			{"GetRole", func(c *awsiam.Client, n string) error {
				_, err := c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: s(n)})
				return err
			}},
			{"ListAttachedRolePolicies", func(c *awsiam.Client, n string) error {
				_, err := c.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: s(n)})
				return err
			}},
			{"GetGroup", func(c *awsiam.Client, n string) error {
				_, err := c.GetGroup(ctx, &awsiam.GetGroupInput{GroupName: s(n)})
				return err
			}},
			{"GetPolicy", func(c *awsiam.Client, n string) error {
				_, err := c.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: s(pre + "policy/" + n)})
				return err
			}},
			{"ListMFADeviceTags", func(c *awsiam.Client, n string) error {
				_, err := c.ListMFADeviceTags(ctx, &awsiam.ListMFADeviceTagsInput{SerialNumber: s(pre + "mfa/" + n)})
				return err
			}},
			{"DeleteVirtualMFADevice", func(c *awsiam.Client, n string) error {
				_, err := c.DeleteVirtualMFADevice(ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: s(pre + "mfa/" + n)})
				return err
			}},
		}
		exists := map[string]string{"GetRole": "ops", "ListAttachedRolePolicies": "ops", "GetGroup": "devs", "GetPolicy": "pol",
			"ListMFADeviceTags": "dev1", "DeleteVirtualMFADevice": "dev1"}
		for _, c := range calls {
			t.Run(c.name, func(t *testing.T) {
				present := exists[c.name]
				if present == "" {
					present = "alice"
				}
				absent := present + "-absent"
				errPresent := c.call(caller, present)
				errAbsent := c.call(caller, absent)
				msgPresent := deniedMessage(t, c.name+"("+present+")", errPresent)
				msgAbsent := deniedMessage(t, c.name+"("+absent+")", errAbsent)
				if got := strings.ReplaceAll(msgPresent, "/"+present+" ", "/"+absent+" "); got != msgAbsent {
					t.Errorf("refusals differ:\n existing: %s\n missing:  %s", msgPresent, msgAbsent)
				}
				// Root may do anything, so it learns that the entity is missing.
				var ae smithy.APIError
				if err := c.call(root, absent); !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchEntity" {
					t.Errorf("root %s(%s) = %v, want NoSuchEntity", c.name, absent, err)
				}
			})
		}
	})
}

func deniedMessage(t *testing.T, what string, err error) string {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("%s = %v, want AccessDenied", what, err)
	}
	return ae.ErrorMessage()
}

func mustDo(t *testing.T, f func() error) {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
}
