package gateway_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestResourceTagsOnEveryAction is the regression test of review finding 1:
// a Deny on aws:ResourceTag/protected must hold for every action on a
// tagged user, role or MFA device, not only for GetUser.
func TestResourceTagsOnEveryAction(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		s := aws.String
		id, secret := e.user(ctx, root, "delegate")
		mustDo(t, func() error {
			_, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: s("delegate"), PolicyName: s("guarded"),
				PolicyDocument: s(`{"Version":"2012-10-17","Statement":[
					{"Effect":"Allow","Action":"*","Resource":"*"},
					{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/protected":"true"}}}]}`)})
			return err
		})
		protected := []types.Tag{{Key: s("protected"), Value: s("true")}}
		trust := s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)
		for _, name := range []string{"vip", "plain"} {
			var tags []types.Tag
			if name == "vip" {
				tags = protected
			}
			mustDo(t, func() error {
				_, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: s(name), Tags: tags})
				return err
			})
			mustDo(t, func() error {
				_, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s(name), AssumeRolePolicyDocument: trust, Tags: tags})
				return err
			})
			mustDo(t, func() error {
				_, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: s(name), Tags: tags})
				return err
			})
		}
		c := e.iam(id, secret, "")
		admin := s("arn:aws:iam::aws:policy/AdministratorAccess")
		doc := s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
		serial := func(n string) *string { return s("arn:aws:iam::" + accountID + ":mfa/" + n) }
		actions := []struct {
			name string
			call func(n string) error
		}{
			{"PutUserPolicy", func(n string) error {
				_, err := c.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: s(n), PolicyName: s("p"), PolicyDocument: doc})
				return err
			}},
			{"ListUserPolicies", func(n string) error {
				_, err := c.ListUserPolicies(ctx, &awsiam.ListUserPoliciesInput{UserName: s(n)})
				return err
			}},
			{"AttachUserPolicy", func(n string) error {
				_, err := c.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: s(n), PolicyArn: admin})
				return err
			}},
			{"ListAttachedUserPolicies", func(n string) error {
				_, err := c.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: s(n)})
				return err
			}},
			{"PutRolePolicy", func(n string) error {
				_, err := c.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: s(n), PolicyName: s("p"), PolicyDocument: doc})
				return err
			}},
			{"AttachRolePolicy", func(n string) error {
				_, err := c.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: s(n), PolicyArn: admin})
				return err
			}},
			{"DetachRolePolicy", func(n string) error {
				_, err := c.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: s(n), PolicyArn: admin})
				return err
			}},
			{"ListRolePolicies", func(n string) error {
				_, err := c.ListRolePolicies(ctx, &awsiam.ListRolePoliciesInput{RoleName: s(n)})
				return err
			}},
			{"ListMFADeviceTags", func(n string) error {
				_, err := c.ListMFADeviceTags(ctx, &awsiam.ListMFADeviceTagsInput{SerialNumber: serial(n)})
				return err
			}},
			{"TagMFADevice", func(n string) error {
				_, err := c.TagMFADevice(ctx, &awsiam.TagMFADeviceInput{SerialNumber: serial(n), Tags: []types.Tag{{Key: s("x"), Value: s("y")}}})
				return err
			}},
			{"DeleteVirtualMFADevice", func(n string) error {
				_, err := c.DeleteVirtualMFADevice(ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: serial(n)})
				return err
			}},
		}
		for _, a := range actions {
			t.Run(a.name, func(t *testing.T) {
				deniedMessage(t, a.name+"(vip)", a.call("vip"))
				if err := a.call("plain"); err != nil {
					t.Errorf("%s(plain) = %v, want allowed", a.name, err)
				}
			})
		}
	})
}

// TestPolicyARNConditionKey is the regression test of review finding 2: a
// guard on iam:PolicyARN must stop a delegate attaching AdministratorAccess
// (to itself or anyone) while other policies may still be attached.
func TestPolicyARNConditionKey(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		s := aws.String
		id, secret := e.user(ctx, root, "delegate")
		mustDo(t, func() error {
			_, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: s("delegate"), PolicyName: s("guarded"),
				PolicyDocument: s(`{"Version":"2012-10-17","Statement":[
					{"Effect":"Allow","Action":"iam:*","Resource":"*"},
					{"Effect":"Deny","Action":["iam:AttachUserPolicy","iam:AttachRolePolicy","iam:AttachGroupPolicy"],"Resource":"*",
					 "Condition":{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/AdministratorAccess"}}}]}`)})
			return err
		})
		mustDo(t, func() error { _, err := root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: s("g")}); return err })
		c := e.iam(id, secret, "")
		admin := s("arn:aws:iam::aws:policy/AdministratorAccess")
		readOnly := s("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
		_, err := c.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: s("delegate"), PolicyArn: admin})
		deniedMessage(t, "AttachUserPolicy(self, AdministratorAccess)", err)
		_, err = c.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: s("g"), PolicyArn: admin})
		deniedMessage(t, "AttachGroupPolicy(g, AdministratorAccess)", err)
		if _, err := c.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: s("delegate"), PolicyArn: readOnly}); err != nil {
			t.Errorf("AttachUserPolicy(self, IAMReadOnlyAccess) = %v, want allowed", err)
		}
		out, err := root.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: s("delegate")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.AttachedPolicies) != 1 || *out.AttachedPolicies[0].PolicyArn != *readOnly {
			t.Errorf("attached = %v, want only IAMReadOnlyAccess", out.AttachedPolicies)
		}
	})
}
