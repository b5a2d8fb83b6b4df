package gateway_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store/storetest"
)

const (
	polAdminARN = "arn:aws:iam::aws:policy/AdministratorAccess"
	polReadARN  = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
	// polDoc is indented and holds a "+", so a wrong URL encoding (+ for a
	// space, or a bare +) would not decode back to it.
	polDoc = `{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "arn:aws:iam::*:user/a+b"}]
}`
)

func polAllow(action string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"*"}]}`
}

// polDecode decodes a document as IAM returns it, the way botocore does
// (percent-decoding only, + stays +).
func polDecode(t *testing.T, doc *string) string {
	t.Helper()
	if doc == nil {
		t.Fatal("no document")
	}
	if strings.ContainsAny(*doc, " +{\"") {
		t.Errorf("document %q is not URL-encoded per RFC 3986", *doc)
	}
	s, err := url.PathUnescape(*doc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestManagedPoliciesOverHTTP(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		created, err := root.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("Reader"), Path: aws.String("/team/"),
			PolicyDocument: aws.String(polDoc), Description: aws.String("reads users")})
		if err != nil {
			t.Fatal(err)
		}
		p := created.Policy
		arn := "arn:aws:iam::123456789012:policy/team/Reader"
		if *p.Arn != arn || !strings.HasPrefix(*p.PolicyId, "ANPA") || *p.DefaultVersionId != "v1" || !p.IsAttachable ||
			*p.AttachmentCount != 0 || *p.Path != "/team/" || *p.Description != "reads users" || p.CreateDate == nil || p.UpdateDate == nil {
			t.Errorf("CreatePolicy = %+v", p)
		}
		_, err = root.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("reader"), PolicyDocument: aws.String(polDoc)})
		wantAPIError(t, "CreatePolicy(duplicate)", err, "EntityAlreadyExists", 409,
			"A policy called reader already exists. Duplicate names are not allowed.")
		_, err = root.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("Bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17"}`)})
		wantAPIError(t, "CreatePolicy(malformed)", err, "MalformedPolicyDocument", 400, "")

		v1, err := root.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
		if err != nil {
			t.Fatal(err)
		}
		if got := polDecode(t, v1.PolicyVersion.Document); got != polDoc || !v1.PolicyVersion.IsDefaultVersion {
			t.Errorf("GetPolicyVersion(v1) document = %q, want %q", got, polDoc)
		}
		for i := 2; i <= 5; i++ {
			out, err := root.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: aws.String(arn),
				PolicyDocument: aws.String(polAllow("iam:List*")), SetAsDefault: i == 4})
			if err != nil {
				t.Fatal(err)
			}
			if v := out.PolicyVersion; v.Document != nil || v.IsDefaultVersion != (i == 4) || v.CreateDate == nil {
				t.Errorf("CreatePolicyVersion = %+v", v)
			}
		}
		_, err = root.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(polAllow("iam:*"))})
		wantAPIError(t, "sixth version", err, "LimitExceeded", 409,
			"A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
		_, err = root.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v4")})
		wantAPIError(t, "delete default version", err, "DeleteConflict", 409, "Cannot delete the default version of a policy.")
		if _, err := root.SetDefaultPolicyVersion(ctx, &awsiam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")}); err != nil {
			t.Fatal(err)
		}
		vs, err := root.ListPolicyVersions(ctx, &awsiam.ListPolicyVersionsInput{PolicyArn: aws.String(arn), MaxItems: aws.Int32(3)})
		if err != nil || !vs.IsTruncated || len(vs.Versions) != 3 || *vs.Versions[0].VersionId != "v5" || vs.Versions[0].Document != nil {
			t.Fatalf("ListPolicyVersions page 1 = %+v, %v", vs, err)
		}
		vs, err = root.ListPolicyVersions(ctx, &awsiam.ListPolicyVersionsInput{PolicyArn: aws.String(arn), Marker: vs.Marker})
		if err != nil || vs.IsTruncated || len(vs.Versions) != 2 || *vs.Versions[0].VersionId != "v2" || !vs.Versions[0].IsDefaultVersion {
			t.Fatalf("ListPolicyVersions page 2 = %+v, %v", vs, err)
		}
		_, err = root.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(arn)})
		wantAPIError(t, "DeletePolicy with versions", err, "DeleteConflict", 409, "")
		got, err := root.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(arn)})
		if err != nil || *got.Policy.DefaultVersionId != "v2" || got.Policy.UpdateDate.Before(*got.Policy.CreateDate) {
			t.Fatalf("GetPolicy = %+v, %v", got, err)
		}

		list, err := root.ListPolicies(ctx, &awsiam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws})
		if err != nil || len(list.Policies) != 4 || list.IsTruncated || *list.Policies[0].Arn != polAdminARN {
			t.Fatalf("ListPolicies(AWS) = %+v, %v", list, err)
		}
		list, err = root.ListPolicies(ctx, &awsiam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal, PathPrefix: aws.String("/team/")})
		if err != nil || len(list.Policies) != 1 || *list.Policies[0].PolicyName != "Reader" || list.Policies[0].Description != nil {
			t.Fatalf("ListPolicies(Local) = %+v, %v", list, err)
		}
		all, err := root.ListPolicies(ctx, &awsiam.ListPoliciesInput{MaxItems: aws.Int32(3)})
		if err != nil || len(all.Policies) != 3 || !all.IsTruncated {
			t.Fatalf("ListPolicies page 1 = %+v, %v", all, err)
		}
		all, err = root.ListPolicies(ctx, &awsiam.ListPoliciesInput{Marker: all.Marker})
		if err != nil || len(all.Policies) != 2 || all.IsTruncated || *all.Policies[1].PolicyName != "Reader" {
			t.Fatalf("ListPolicies page 2 = %+v, %v", all, err)
		}

		admin, err := root.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: aws.String(polAdminARN), VersionId: aws.String("v1")})
		if err != nil || !strings.Contains(polDecode(t, admin.PolicyVersion.Document), `"Action": "*"`) {
			t.Fatalf("GetPolicyVersion(AdministratorAccess) = %+v, %v", admin, err)
		}
		_, err = root.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(polAdminARN)})
		wantAPIError(t, "DeletePolicy(AWS managed)", err, "AccessDenied", 403, "")
		_, err = root.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::123456789012:policy/Nope")})
		wantAPIError(t, "GetPolicy(unknown)", err, "NoSuchEntity", 404, "Policy arn:aws:iam::123456789012:policy/Nope was not found.")
		_, err = root.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String("arn:aws:s3:::some-bucket-name")})
		wantAPIError(t, "GetPolicy(not a policy ARN)", err, "InvalidInput", 400, "ARN arn:aws:s3:::some-bucket-name is not valid.")

		for _, v := range []string{"v1", "v3", "v4", "v5"} {
			if _, err := root.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(v)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := root.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestGroupsAndPolicyAttachmentsOverHTTP(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		root := e.iam(rootKeyID, rootSecret, "")
		for _, n := range []string{"alice", "bob"} {
			if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(n)}); err != nil {
				t.Fatal(err)
			}
		}
		g, err := root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("devs"), Path: aws.String("/eng/")})
		if err != nil || *g.Group.Arn != "arn:aws:iam::123456789012:group/eng/devs" || !strings.HasPrefix(*g.Group.GroupId, "AGPA") {
			t.Fatalf("CreateGroup = %+v, %v", g, err)
		}
		_, err = root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("DEVS")})
		wantAPIError(t, "CreateGroup(duplicate)", err, "EntityAlreadyExists", 409, "Group with name DEVS already exists.")
		for _, n := range []string{"bob", "alice"} {
			if _, err := root.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String(n)}); err != nil {
				t.Fatal(err)
			}
		}
		gg, err := root.GetGroup(ctx, &awsiam.GetGroupInput{GroupName: aws.String("devs"), MaxItems: aws.Int32(1)})
		if err != nil || len(gg.Users) != 1 || *gg.Users[0].UserName != "alice" || !gg.IsTruncated || *gg.Group.GroupName != "devs" {
			t.Fatalf("GetGroup = %+v, %v", gg, err)
		}
		gfu, err := root.ListGroupsForUser(ctx, &awsiam.ListGroupsForUserInput{UserName: aws.String("bob")})
		if err != nil || len(gfu.Groups) != 1 || *gfu.Groups[0].Path != "/eng/" {
			t.Fatalf("ListGroupsForUser = %+v, %v", gfu, err)
		}
		_, err = root.DeleteGroup(ctx, &awsiam.DeleteGroupInput{GroupName: aws.String("devs")})
		wantAPIError(t, "DeleteGroup with members", err, "DeleteConflict", 409, "Cannot delete entity, must remove users from group first.")
		_, err = root.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("bob")})
		wantAPIError(t, "DeleteUser in a group", err, "DeleteConflict", 409, "")
		if _, err := root.RemoveUserFromGroup(ctx, &awsiam.RemoveUserFromGroupInput{GroupName: aws.String("devs"), UserName: aws.String("bob")}); err != nil {
			t.Fatal(err)
		}
		_, err = root.RemoveUserFromGroup(ctx, &awsiam.RemoveUserFromGroupInput{GroupName: aws.String("devs"), UserName: aws.String("bob")})
		wantAPIError(t, "RemoveUserFromGroup(not a member)", err, "NoSuchEntity", 404, "")
		if _, err := root.UpdateGroup(ctx, &awsiam.UpdateGroupInput{GroupName: aws.String("devs"), NewGroupName: aws.String("developers")}); err != nil {
			t.Fatal(err)
		}
		groups, err := root.ListGroups(ctx, &awsiam.ListGroupsInput{})
		if err != nil || len(groups.Groups) != 1 || *groups.Groups[0].Arn != "arn:aws:iam::123456789012:group/eng/developers" {
			t.Fatalf("ListGroups = %+v, %v", groups, err)
		}

		// Inline policies, for users, groups and roles.
		if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("mine"),
			PolicyDocument: aws.String(polDoc)}); err != nil {
			t.Fatal(err)
		}
		up, err := root.GetUserPolicy(ctx, &awsiam.GetUserPolicyInput{UserName: aws.String("ALICE"), PolicyName: aws.String("mine")})
		if err != nil || *up.UserName != "alice" || *up.PolicyName != "mine" || polDecode(t, up.PolicyDocument) != polDoc {
			t.Fatalf("GetUserPolicy = %+v, %v", up, err)
		}
		_, err = root.GetUserPolicy(ctx, &awsiam.GetUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("other")})
		wantAPIError(t, "GetUserPolicy(missing)", err, "NoSuchEntity", 404, "The user policy with name other cannot be found.")
		_, err = root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("bad"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*"}]}`)})
		wantAPIError(t, "PutUserPolicy(malformed)", err, "MalformedPolicyDocument", 400, "")
		ups, err := root.ListUserPolicies(ctx, &awsiam.ListUserPoliciesInput{UserName: aws.String("alice")})
		if err != nil || len(ups.PolicyNames) != 1 || ups.PolicyNames[0] != "mine" || ups.IsTruncated {
			t.Fatalf("ListUserPolicies = %+v, %v", ups, err)
		}
		if _, err := root.PutGroupPolicy(ctx, &awsiam.PutGroupPolicyInput{GroupName: aws.String("developers"), PolicyName: aws.String("team"),
			PolicyDocument: aws.String(polAllow("iam:ListUsers"))}); err != nil {
			t.Fatal(err)
		}
		gp, err := root.GetGroupPolicy(ctx, &awsiam.GetGroupPolicyInput{GroupName: aws.String("developers"), PolicyName: aws.String("team")})
		if err != nil || *gp.GroupName != "developers" || polDecode(t, gp.PolicyDocument) != polAllow("iam:ListUsers") {
			t.Fatalf("GetGroupPolicy = %+v, %v", gp, err)
		}

		if err := e.st.CreateRole(ctx, &iam.Role{AccountID: accountID, ID: "AROAPOLICYTESTROLE001", Name: "deployer", Path: "/",
			AssumeRolePolicy: "{}", MaxSessionDuration: 3600, CreatedAt: time.Now()}, 1000); err != nil {
			t.Fatal(err)
		}
		if _, err := root.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("deploy"),
			PolicyDocument: aws.String(polAllow("iam:PassRole"))}); err != nil {
			t.Fatal(err)
		}
		rp, err := root.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("deploy")})
		if err != nil || *rp.RoleName != "deployer" || polDecode(t, rp.PolicyDocument) != polAllow("iam:PassRole") {
			t.Fatalf("GetRolePolicy = %+v, %v", rp, err)
		}
		rps, err := root.ListRolePolicies(ctx, &awsiam.ListRolePoliciesInput{RoleName: aws.String("deployer")})
		if err != nil || len(rps.PolicyNames) != 1 {
			t.Fatalf("ListRolePolicies = %+v, %v", rps, err)
		}
		_, err = root.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("nope"), PolicyName: aws.String("deploy")})
		wantAPIError(t, "GetRolePolicy(no role)", err, "NoSuchEntity", 404, "The role with name nope cannot be found.")

		// Attached policies.
		if _, err := root.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(polReadARN)}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("developers"), PolicyArn: aws.String(polReadARN)}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("deployer"), PolicyArn: aws.String(polReadARN)}); err != nil {
			t.Fatal(err)
		}
		_, err = root.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"),
			PolicyArn: aws.String("arn:aws:iam::123456789012:policy/Nope")})
		wantAPIError(t, "AttachUserPolicy(unknown)", err, "NoSuchEntity", 404,
			"Policy arn:aws:iam::123456789012:policy/Nope does not exist or is not attachable.")
		aps, err := root.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: aws.String("alice")})
		if err != nil || len(aps.AttachedPolicies) != 1 || *aps.AttachedPolicies[0].PolicyName != "IAMReadOnlyAccess" {
			t.Fatalf("ListAttachedUserPolicies = %+v, %v", aps, err)
		}
		arps, err := root.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("deployer")})
		if err != nil || len(arps.AttachedPolicies) != 1 || *arps.AttachedPolicies[0].PolicyArn != polReadARN {
			t.Fatalf("ListAttachedRolePolicies = %+v, %v", arps, err)
		}
		ents, err := root.ListEntitiesForPolicy(ctx, &awsiam.ListEntitiesForPolicyInput{PolicyArn: aws.String(polReadARN)})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, g := range ents.PolicyGroups {
			names = append(names, "group:"+*g.GroupName)
		}
		for _, u := range ents.PolicyUsers {
			names = append(names, "user:"+*u.UserName)
		}
		for _, r := range ents.PolicyRoles {
			names = append(names, "role:"+*r.RoleName+":"+*r.RoleId)
		}
		if diff := cmp.Diff([]string{"group:developers", "user:alice", "role:deployer:AROAPOLICYTESTROLE001"}, names); diff != "" {
			t.Errorf("ListEntitiesForPolicy (-want +got):\n%s", diff)
		}
		onlyRoles, err := root.ListEntitiesForPolicy(ctx, &awsiam.ListEntitiesForPolicyInput{PolicyArn: aws.String(polReadARN),
			EntityFilter: iamtypes.EntityTypeRole})
		if err != nil || len(onlyRoles.PolicyRoles) != 1 || len(onlyRoles.PolicyUsers) != 0 || len(onlyRoles.PolicyGroups) != 0 {
			t.Fatalf("ListEntitiesForPolicy(Role) = %+v, %v", onlyRoles, err)
		}
		pol, err := root.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(polReadARN)})
		if err != nil || *pol.Policy.AttachmentCount != 3 {
			t.Fatalf("GetPolicy(IAMReadOnlyAccess) = %+v, %v", pol, err)
		}

		if err := e.st.SetQuota(ctx, accountID, iam.QuotaAttachedPoliciesPerUser, 1); err != nil {
			t.Fatal(err)
		}
		_, err = root.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(polAdminARN)})
		wantAPIError(t, "AttachUserPolicy over quota", err, "LimitExceeded", 409, "Cannot exceed quota for PoliciesPerUser: 1")

		_, err = root.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")})
		wantAPIError(t, "DeleteUser with policies", err, "DeleteConflict", 409, "")
		_, err = root.DeleteGroup(ctx, &awsiam.DeleteGroupInput{GroupName: aws.String("developers")})
		wantAPIError(t, "DeleteGroup with members", err, "DeleteConflict", 409, "")

		// Take everything apart again.
		steps := []func() error{
			func() error {
				_, err := root.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String("deployer"), PolicyArn: aws.String(polReadARN)})
				return err
			},
			func() error {
				_, err := root.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("deploy")})
				return err
			},
			func() error {
				_, err := root.DetachGroupPolicy(ctx, &awsiam.DetachGroupPolicyInput{GroupName: aws.String("developers"), PolicyArn: aws.String(polReadARN)})
				return err
			},
			func() error {
				_, err := root.DeleteGroupPolicy(ctx, &awsiam.DeleteGroupPolicyInput{GroupName: aws.String("developers"), PolicyName: aws.String("team")})
				return err
			},
			func() error {
				_, err := root.RemoveUserFromGroup(ctx, &awsiam.RemoveUserFromGroupInput{GroupName: aws.String("developers"), UserName: aws.String("alice")})
				return err
			},
			func() error {
				_, err := root.DeleteGroup(ctx, &awsiam.DeleteGroupInput{GroupName: aws.String("developers")})
				return err
			},
			func() error {
				_, err := root.DetachUserPolicy(ctx, &awsiam.DetachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(polReadARN)})
				return err
			},
			func() error {
				_, err := root.DeleteUserPolicy(ctx, &awsiam.DeleteUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("mine")})
				return err
			},
			func() error {
				_, err := root.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")})
				return err
			},
		}
		for i, step := range steps {
			if err := step(); err != nil {
				t.Fatalf("clean-up step %d: %v", i, err)
			}
		}
		_, err = root.DetachUserPolicy(ctx, &awsiam.DetachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: aws.String(polReadARN)})
		wantAPIError(t, "DetachUserPolicy(not attached)", err, "NoSuchEntity", 404, "Policy "+polReadARN+" was not found.")
	})
}

// TestPolicyWireShapes pins the XML of results the SDK would parse even
// with members out of order.
func TestPolicyWireShapes(t *testing.T) {
	for _, eng := range storetest.Engines(t)[:1] {
		e := newEnv(t, eng)
		creds := aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}
		call := func(form string) string {
			t.Helper()
			status, body := e.signed(t, "iam", form+"&Version=2010-05-08", creds, e.clock.Now())
			if status != 200 {
				t.Fatalf("%s: %d %s", form, status, body)
			}
			return body
		}
		call("Action=CreateUser&UserName=alice")
		call("Action=PutUserPolicy&UserName=alice&PolicyName=p&PolicyDocument=" + url.QueryEscape(polAllow("iam:Get*")))
		body := call("Action=GetUserPolicy&UserName=alice&PolicyName=p")
		want := "<GetUserPolicyResult><UserName>alice</UserName><PolicyName>p</PolicyName><PolicyDocument>" +
			"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22iam%3AGet%2A%22%2C" +
			"%22Resource%22%3A%22%2A%22%7D%5D%7D</PolicyDocument></GetUserPolicyResult>"
		if !strings.Contains(body, want) {
			t.Errorf("GetUserPolicy body\n%s\nwant it to contain\n%s", body, want)
		}
		body = call("Action=ListUserPolicies&UserName=alice")
		if !strings.Contains(body, "<ListUserPoliciesResult><PolicyNames><member>p</member></PolicyNames><IsTruncated>false</IsTruncated></ListUserPoliciesResult>") {
			t.Errorf("ListUserPolicies body %s", body)
		}
		body = call("Action=ListAttachedUserPolicies&UserName=alice")
		if !strings.Contains(body, "<ListAttachedUserPoliciesResult><AttachedPolicies></AttachedPolicies><IsTruncated>false</IsTruncated>") {
			t.Errorf("ListAttachedUserPolicies body %s", body)
		}
		body = call("Action=GetPolicy&PolicyArn=" + url.QueryEscape(polAdminARN))
		for _, w := range []string{"<PolicyName>AdministratorAccess</PolicyName><PolicyId>ANPAIWMBCKSKIEE64ZLYK</PolicyId>" +
			"<Arn>arn:aws:iam::aws:policy/AdministratorAccess</Arn><Path>/</Path><DefaultVersionId>v1</DefaultVersionId>" +
			"<AttachmentCount>0</AttachmentCount><PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount>" +
			"<IsAttachable>true</IsAttachable><Description>", "<CreateDate>2015-02-06T18:39:46Z</CreateDate>"} {
			if !strings.Contains(body, w) {
				t.Errorf("GetPolicy body %s\nwant it to contain %s", body, w)
			}
		}
	}
}
