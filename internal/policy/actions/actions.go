// Package actions says, for every IAM and STS action, which resource types
// it is authorised against, with their ARN patterns, its access level and
// the condition keys it supports — the AWS Service Authorization Reference
// as a Go table.
//
// The server uses it to build the Resource of a policy.Request: an action
// whose Resources is empty (iam:ListUsers, iam:ListVirtualMFADevices,
// sts:GetCallerIdentity, …) has no resource-level permissions and is
// authorised against "*"; otherwise the required resource type's ARN
// pattern, filled in, is the ARN to check (iam:CreateVirtualMFADevice on
// arn:${Partition}:iam::${Account}:mfa/${MfaTokenIdWithPath},
// iam:EnableMFADevice on the user).
//
// The table is generated from the JSON in internal/gen/data (MIT licence,
// see LICENSE.txt there) and is a switch, not a map, so that it is not
// mutable package state and every Lookup returns its own copy.
package actions

import "strings"

//go:generate go run ./internal/gen -data internal/gen/data -out zz_actions.go

// Action is one action of the Service Authorization Reference.
type Action struct {
	// Name is the canonical "service:Name", such as
	// "iam:CreateVirtualMFADevice".
	Name string
	// AccessLevel is AWS's classification: "List", "Read", "Write",
	// "Tagging", or "Permissions management, Write" for actions that change
	// permissions.
	AccessLevel string
	// Resources are the resource types the action is authorised against,
	// in the reference's order. Empty means the action supports no
	// resource-level permissions: policies must grant it on "*".
	Resources []ResourceType
	// ConditionKeys are the request condition keys the action supports,
	// templated as in the reference ("aws:RequestTag/${TagKey}").
	ConditionKeys []string
}

// ResourceType is a resource type an action is authorised against.
type ResourceType struct {
	// Name is the reference's name, such as "user" or "mfa".
	Name string
	// Required says whether the action always involves this resource type;
	// an optional one applies only when the request names such a resource.
	Required bool
	// ARNPattern is the templated ARN, such as
	// "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}".
	ARNPattern string
	// ConditionKeys are the keys the resource type itself carries, such as
	// "aws:ResourceTag/${TagKey}".
	ConditionKeys []string
}

// Lookup returns the action named "service:Name", ignoring case.
func Lookup(action string) (Action, bool) {
	return lookup(strings.ToLower(action))
}

// Names returns the canonical names of all actions, sorted.
func Names() []string {
	return names()
}
