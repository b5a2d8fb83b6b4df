package iam_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/iamd/iamd/internal/authz"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/iam"
)

const (
	acct     = "123456789012"
	adminARN = "arn:aws:iam::aws:policy/AdministratorAccess"
	readARN  = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
)

// allowDoc is a valid identity policy allowing one action.
func allowDoc(action string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"*"}]}`
}

func (fx *fixture) managed(t *testing.T, name, doc string) *iam.ManagedPolicy {
	t.Helper()
	p, err := fx.svc.CreatePolicy(context.Background(), fx.root, "", name, doc, "")
	if err != nil {
		t.Fatalf("CreatePolicy(%s): %v", name, err)
	}
	return p
}

func (fx *fixture) group(t *testing.T, name string) *iam.Group {
	t.Helper()
	g, err := fx.svc.CreateGroup(context.Background(), fx.root, "/", name)
	if err != nil {
		t.Fatalf("CreateGroup(%s): %v", name, err)
	}
	return g
}

// roleRow creates a role through the store, so these tests do not depend
// on role CRUD.
func (fx *fixture) roleRow(t *testing.T, name string) *iam.Role {
	t.Helper()
	r := &iam.Role{AccountID: acct, ID: "AROA" + fmt.Sprintf("%017d", len(name)) + name, Name: name, Path: "/",
		AssumeRolePolicy: `{"Version":"2012-10-17","Statement":[]}`, MaxSessionDuration: 3600, CreatedAt: start}
	if err := fx.st.CreateRole(context.Background(), r, 1000); err != nil {
		t.Fatal(err)
	}
	return r
}

func mustOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestManagedPolicyVersions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		p, err := fx.svc.CreatePolicy(ctx, fx.root, "/team/", "Read", allowDoc("iam:Get*"), "reads")
		mustOK(t, "CreatePolicy", err)
		if p.ARN != "arn:aws:iam::123456789012:policy/team/Read" || len(p.ID) != 21 || p.ID[:4] != "ANPA" ||
			p.DefaultVersion != "v1" || p.AWSManaged() {
			t.Fatalf("CreatePolicy = %+v", p)
		}
		_, err = fx.svc.CreatePolicy(ctx, fx.root, "/", "READ", allowDoc("iam:Get*"), "")
		wantCode(t, "CreatePolicy(same name, other case and path)", err, awserr.EntityAlreadyExists)
		_, err = fx.svc.CreatePolicy(ctx, fx.root, "/", "Bad", `{"Statement":[]}`, "")
		wantCode(t, "CreatePolicy(malformed)", err, awserr.MalformedPolicyDocument)

		for i := 2; i <= 5; i++ {
			fx.clock.Advance(1e9)
			v, err := fx.svc.CreatePolicyVersion(ctx, fx.root, p.ARN, allowDoc(fmt.Sprintf("iam:Get%d", i)), i == 3)
			mustOK(t, "CreatePolicyVersion", err)
			if want := fmt.Sprintf("v%d", i); v.VersionID != want || v.IsDefault != (i == 3) {
				t.Fatalf("CreatePolicyVersion %d = %+v, want %s", i, v, want)
			}
		}
		_, err = fx.svc.CreatePolicyVersion(ctx, fx.root, p.ARN, allowDoc("iam:Get6"), false)
		wantCode(t, "sixth version", err, awserr.LimitExceeded)
		if msg := err.(*awserr.Error).Message; msg != "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version." {
			t.Errorf("sixth version message = %q", msg)
		}

		got, err := fx.svc.GetPolicy(ctx, fx.root, p.ARN)
		mustOK(t, "GetPolicy", err)
		if got.DefaultVersion != "v3" || got.Description != "reads" || !got.UpdatedAt.Equal(start.Add(4e9).Truncate(1e9)) {
			t.Errorf("GetPolicy = %+v, want default v3 updated at the fifth version", got)
		}
		var ids []string
		marker := ""
		for {
			vs, next, err := fx.svc.ListPolicyVersions(ctx, fx.root, p.ARN, marker, 2)
			mustOK(t, "ListPolicyVersions", err)
			for _, v := range vs {
				id := v.VersionID
				if v.IsDefault {
					id += "*"
				}
				ids = append(ids, id)
			}
			if marker = next; marker == "" {
				break
			}
		}
		if diff := cmp.Diff([]string{"v5", "v4", "v3*", "v2", "v1"}, ids); diff != "" {
			t.Errorf("ListPolicyVersions (-want +got):\n%s", diff)
		}
		wantCode(t, "DeletePolicyVersion(default)", fx.svc.DeletePolicyVersion(ctx, fx.root, p.ARN, "v3"), awserr.DeleteConflict)
		wantCode(t, "SetDefaultPolicyVersion(v9)", fx.svc.SetDefaultPolicyVersion(ctx, fx.root, p.ARN, "v9"), awserr.NoSuchEntity)
		mustOK(t, "SetDefaultPolicyVersion", fx.svc.SetDefaultPolicyVersion(ctx, fx.root, p.ARN, "v5"))
		mustOK(t, "DeletePolicyVersion(v3)", fx.svc.DeletePolicyVersion(ctx, fx.root, p.ARN, "v3"))
		_, err = fx.svc.GetPolicyVersion(ctx, fx.root, p.ARN, "v3")
		wantCode(t, "GetPolicyVersion(deleted)", err, awserr.NoSuchEntity)
		v5, err := fx.svc.GetPolicyVersion(ctx, fx.root, p.ARN, "v5")
		if err != nil || v5.Document != allowDoc("iam:Get5") || !v5.IsDefault {
			t.Fatalf("GetPolicyVersion(v5) = %+v, %v", v5, err)
		}
		// A sixth version fits again, numbered after the highest ever made.
		v6, err := fx.svc.CreatePolicyVersion(ctx, fx.root, p.ARN, allowDoc("iam:Get6"), false)
		if err != nil || v6.VersionID != "v6" {
			t.Fatalf("CreatePolicyVersion after a delete = %+v, %v; want v6", v6, err)
		}

		err = fx.svc.DeletePolicy(ctx, fx.root, p.ARN)
		wantCode(t, "DeletePolicy with versions", err, awserr.DeleteConflict)
		for _, v := range []string{"v1", "v2", "v4", "v6"} {
			mustOK(t, "DeletePolicyVersion", fx.svc.DeletePolicyVersion(ctx, fx.root, p.ARN, v))
		}
		fx.user(t, "alice")
		mustOK(t, "AttachPolicy", fx.svc.AttachPolicy(ctx, fx.root, iam.EntityUser, "alice", p.ARN))
		err = fx.svc.DeletePolicy(ctx, fx.root, p.ARN)
		wantCode(t, "DeletePolicy attached", err, awserr.DeleteConflict)
		if msg := err.(*awserr.Error).Message; msg != "Cannot delete a policy attached to entities." {
			t.Errorf("DeletePolicy attached message = %q", msg)
		}
		mustOK(t, "DetachPolicy", fx.svc.DetachPolicy(ctx, fx.root, iam.EntityUser, "alice", p.ARN))
		wantCode(t, "DetachPolicy twice", fx.svc.DetachPolicy(ctx, fx.root, iam.EntityUser, "alice", p.ARN), awserr.NoSuchEntity)
		mustOK(t, "DeletePolicy", fx.svc.DeletePolicy(ctx, fx.root, p.ARN))
		_, err = fx.svc.GetPolicy(ctx, fx.root, p.ARN)
		wantCode(t, "GetPolicy(deleted)", err, awserr.NoSuchEntity)
		_, err = fx.svc.GetPolicy(ctx, fx.root, "not-an-arn-at-all-really")
		wantCode(t, "GetPolicy(bad ARN)", err, awserr.InvalidInput)
		_, err = fx.svc.GetPolicy(ctx, fx.root, "arn:aws:iam::999999999999:policy/Read")
		wantCode(t, "GetPolicy(other account)", err, awserr.NoSuchEntity)
	})
}

func TestAWSManagedPolicies(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		local := fx.managed(t, "Local", allowDoc("iam:ListUsers"))
		names := func(f iam.PolicyFilter) []string {
			t.Helper()
			ps, next, err := fx.svc.ListPolicies(ctx, fx.root, f, "", 0)
			if err != nil || next != "" {
				t.Fatalf("ListPolicies(%+v) = %v, %q", f, err, next)
			}
			var out []string
			for _, p := range ps {
				out = append(out, p.Name)
			}
			return out
		}
		aws := []string{"AdministratorAccess", "IAMFullAccess", "IAMReadOnlyAccess", "IAMUserChangePassword"}
		if diff := cmp.Diff(aws, names(iam.PolicyFilter{Scope: iam.ScopeAWS})); diff != "" {
			t.Errorf("Scope=AWS (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"Local"}, names(iam.PolicyFilter{Scope: iam.ScopeLocal})); diff != "" {
			t.Errorf("Scope=Local (-want +got):\n%s", diff)
		}
		if got := names(iam.PolicyFilter{}); len(got) != 5 || got[4] != "Local" {
			t.Errorf("Scope=All = %v", got)
		}

		fx.user(t, "alice")
		mustOK(t, "attach AdministratorAccess", fx.svc.AttachPolicy(ctx, fx.root, iam.EntityUser, "alice", adminARN))
		mustOK(t, "attach again", fx.svc.AttachPolicy(ctx, fx.root, iam.EntityUser, "alice", adminARN))
		p, err := fx.svc.GetPolicy(ctx, fx.root, adminARN)
		if err != nil || p.AttachmentCount != 1 || !p.AWSManaged() || p.ID != "ANPAIWMBCKSKIEE64ZLYK" {
			t.Fatalf("GetPolicy(AdministratorAccess) = %+v, %v", p, err)
		}
		if diff := cmp.Diff([]string{"AdministratorAccess"}, names(iam.PolicyFilter{OnlyAttached: true})); diff != "" {
			t.Errorf("OnlyAttached (-want +got):\n%s", diff)
		}
		if got := names(iam.PolicyFilter{UsageFilter: iam.UsageBoundary}); len(got) != 0 {
			t.Errorf("PolicyUsageFilter=PermissionsBoundary = %v, want none", got)
		}
		v, err := fx.svc.GetPolicyVersion(ctx, fx.root, readARN, "v1")
		if err != nil || !v.IsDefault || v.Document == "" {
			t.Fatalf("GetPolicyVersion(IAMReadOnlyAccess, v1) = %+v, %v", v, err)
		}

		wantCode(t, "DeletePolicy(AWS managed)", fx.svc.DeletePolicy(ctx, fx.root, adminARN), awserr.AccessDenied)
		_, err = fx.svc.CreatePolicyVersion(ctx, fx.root, adminARN, allowDoc("iam:*"), true)
		wantCode(t, "CreatePolicyVersion(AWS managed)", err, awserr.AccessDenied)
		wantCode(t, "SetDefaultPolicyVersion(AWS managed)", fx.svc.SetDefaultPolicyVersion(ctx, fx.root, adminARN, "v1"), awserr.AccessDenied)
		wantCode(t, "DeletePolicyVersion(AWS managed)", fx.svc.DeletePolicyVersion(ctx, fx.root, adminARN, "v1"), awserr.AccessDenied)
		err = fx.svc.AttachPolicy(ctx, fx.root, iam.EntityUser, "alice", "arn:aws:iam::aws:policy/NoSuchPolicy")
		wantCode(t, "attach unknown AWS policy", err, awserr.NoSuchEntity)

		// Attachments in another account do not count here.
		if _, err := fx.svc.CreateAccount(ctx, iam.NewAccount{ID: "210987654321", Email: "other@example.com"}); err != nil {
			t.Fatal(err)
		}
		otherRoot, _ := fx.st.UserByID(ctx, "210987654321", "210987654321")
		other := &authz.Principal{AccountID: "210987654321", User: otherRoot.Identity()}
		p, err = fx.svc.GetPolicy(ctx, other, adminARN)
		if err != nil || p.AttachmentCount != 0 {
			t.Fatalf("GetPolicy from another account = %+v, %v; want 0 attachments", p, err)
		}
		_, err = fx.svc.GetPolicy(ctx, other, local.ARN)
		wantCode(t, "GetPolicy(another account's policy)", err, awserr.NoSuchEntity)
		err = fx.svc.AttachPolicy(ctx, fx.root, iam.EntityUser, "alice", local.ARN)
		mustOK(t, "attach local", err)
	})
}

func TestGroupsAndMembership(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		g := fx.group(t, "Admins")
		if g.ARN() != "arn:aws:iam::123456789012:group/Admins" || len(g.ID) != 21 || g.ID[:4] != "AGPA" {
			t.Fatalf("CreateGroup = %+v", g)
		}
		_, err := fx.svc.CreateGroup(ctx, fx.root, "/", "admins")
		wantCode(t, "CreateGroup(same name)", err, awserr.EntityAlreadyExists)
		for _, n := range []string{"carol", "alice", "bob"} {
			fx.user(t, n)
			mustOK(t, "AddUserToGroup", fx.svc.AddUserToGroup(ctx, fx.root, "admins", n))
		}
		mustOK(t, "AddUserToGroup again", fx.svc.AddUserToGroup(ctx, fx.root, "Admins", "alice"))
		wantCode(t, "AddUserToGroup(nobody)", fx.svc.AddUserToGroup(ctx, fx.root, "Admins", "nobody"), awserr.NoSuchEntity)
		wantCode(t, "AddUserToGroup(no group)", fx.svc.AddUserToGroup(ctx, fx.root, "nope", "alice"), awserr.NoSuchEntity)

		var members []string
		marker := ""
		for {
			got, users, next, err := fx.svc.GetGroup(ctx, fx.root, "admins", marker, 2)
			mustOK(t, "GetGroup", err)
			if got.Name != "Admins" {
				t.Fatalf("GetGroup name = %s", got.Name)
			}
			for _, u := range users {
				members = append(members, u.Name)
			}
			if marker = next; marker == "" {
				break
			}
		}
		if diff := cmp.Diff([]string{"alice", "bob", "carol"}, members); diff != "" {
			t.Errorf("GetGroup users (-want +got):\n%s", diff)
		}

		fx.group(t, "devs")
		mustOK(t, "AddUserToGroup(devs)", fx.svc.AddUserToGroup(ctx, fx.root, "devs", "alice"))
		gs, _, err := fx.svc.ListGroupsForUser(ctx, fx.root, "alice", "", 0)
		if err != nil || len(gs) != 2 || gs[0].Name != "Admins" || gs[1].Name != "devs" {
			t.Fatalf("ListGroupsForUser(alice) = %+v, %v", gs, err)
		}
		if err := fx.st.SetQuota(ctx, acct, iam.QuotaGroupsPerUser, 2); err != nil {
			t.Fatal(err)
		}
		fx.group(t, "ops")
		wantCode(t, "third group over GroupsPerUser", fx.svc.AddUserToGroup(ctx, fx.root, "ops", "alice"), awserr.LimitExceeded)

		mustOK(t, "UpdateGroup", fx.svc.UpdateGroup(ctx, fx.root, "devs", "Developers", "/eng/"))
		wantCode(t, "UpdateGroup to a taken name", fx.svc.UpdateGroup(ctx, fx.root, "Developers", "ADMINS", ""), awserr.EntityAlreadyExists)
		groups, _, err := fx.svc.ListGroups(ctx, fx.root, "/eng/", "", 0)
		if err != nil || len(groups) != 1 || groups[0].Name != "Developers" || groups[0].ARN() != "arn:aws:iam::123456789012:group/eng/Developers" {
			t.Fatalf("ListGroups(/eng/) = %+v, %v", groups, err)
		}

		// DeleteGroup refuses while members, inline or attached policies remain.
		err = fx.svc.DeleteGroup(ctx, fx.root, "Developers")
		wantCode(t, "DeleteGroup with a member", err, awserr.DeleteConflict)
		if msg := err.(*awserr.Error).Message; msg != "Cannot delete entity, must remove users from group first." {
			t.Errorf("message = %q", msg)
		}
		mustOK(t, "RemoveUserFromGroup", fx.svc.RemoveUserFromGroup(ctx, fx.root, "Developers", "alice"))
		wantCode(t, "RemoveUserFromGroup twice", fx.svc.RemoveUserFromGroup(ctx, fx.root, "Developers", "alice"), awserr.NoSuchEntity)
		mustOK(t, "PutGroupPolicy", fx.svc.PutInlinePolicy(ctx, fx.root, iam.EntityGroup, "Developers", "p", allowDoc("iam:*")))
		err = fx.svc.DeleteGroup(ctx, fx.root, "Developers")
		wantCode(t, "DeleteGroup with an inline policy", err, awserr.DeleteConflict)
		if msg := err.(*awserr.Error).Message; msg != "Cannot delete entity, must delete policies first." {
			t.Errorf("message = %q", msg)
		}
		mustOK(t, "DeleteGroupPolicy", fx.svc.DeleteInlinePolicy(ctx, fx.root, iam.EntityGroup, "Developers", "p"))
		mustOK(t, "AttachGroupPolicy", fx.svc.AttachPolicy(ctx, fx.root, iam.EntityGroup, "Developers", readARN))
		err = fx.svc.DeleteGroup(ctx, fx.root, "Developers")
		wantCode(t, "DeleteGroup with an attached policy", err, awserr.DeleteConflict)
		if msg := err.(*awserr.Error).Message; msg != "Cannot delete entity, must detach all policies first." {
			t.Errorf("message = %q", msg)
		}
		mustOK(t, "DetachGroupPolicy", fx.svc.DetachPolicy(ctx, fx.root, iam.EntityGroup, "Developers", readARN))
		mustOK(t, "DeleteGroup", fx.svc.DeleteGroup(ctx, fx.root, "developers"))
		_, _, _, err = fx.svc.GetGroup(ctx, fx.root, "Developers", "", 0)
		wantCode(t, "GetGroup(deleted)", err, awserr.NoSuchEntity)

		if err := fx.st.SetQuota(ctx, acct, iam.QuotaGroups, 2); err != nil {
			t.Fatal(err)
		}
		_, err = fx.svc.CreateGroup(ctx, fx.root, "/", "third")
		wantCode(t, "CreateGroup over GroupsQuota", err, awserr.LimitExceeded)
		usage, err := fx.st.PolicyUsage(ctx, acct)
		if err != nil || usage.Groups != 2 {
			t.Errorf("PolicyUsage = %+v, %v; want 2 groups", usage, err)
		}
	})
}

func TestInlinePolicies(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		fx.user(t, "Alice")
		fx.group(t, "devs")
		fx.roleRow(t, "deployer")
		for _, e := range []struct {
			kind iam.EntityKind
			name string
		}{{iam.EntityUser, "alice"}, {iam.EntityGroup, "devs"}, {iam.EntityRole, "deployer"}} {
			t.Run(string(e.kind), func(t *testing.T) {
				mustOK(t, "put b", fx.svc.PutInlinePolicy(ctx, fx.root, e.kind, e.name, "b", allowDoc("iam:Get*")))
				mustOK(t, "put a", fx.svc.PutInlinePolicy(ctx, fx.root, e.kind, e.name, "a", allowDoc("iam:List*")))
				mustOK(t, "replace b", fx.svc.PutInlinePolicy(ctx, fx.root, e.kind, e.name, "b", allowDoc("iam:*")))
				ent, doc, err := fx.svc.GetInlinePolicy(ctx, fx.root, e.kind, e.name, "b")
				if err != nil || doc != allowDoc("iam:*") || (e.kind == iam.EntityUser && ent.Name != "Alice") {
					t.Fatalf("GetInlinePolicy = %+v, %q, %v", ent, doc, err)
				}
				names, next, err := fx.svc.ListInlinePolicies(ctx, fx.root, e.kind, e.name, "", 1)
				if err != nil || len(names) != 1 || names[0] != "a" || next == "" {
					t.Fatalf("ListInlinePolicies page 1 = %v, %q, %v", names, next, err)
				}
				names, next, err = fx.svc.ListInlinePolicies(ctx, fx.root, e.kind, e.name, next, 1)
				if err != nil || len(names) != 1 || names[0] != "b" || next != "" {
					t.Fatalf("ListInlinePolicies page 2 = %v, %q, %v", names, next, err)
				}
				err = fx.svc.PutInlinePolicy(ctx, fx.root, e.kind, e.name, "bad", `{"Version":"2012-10-17","Statement":{"Effect":"Allow"}}`)
				wantCode(t, "put malformed", err, awserr.MalformedPolicyDocument)
				err = fx.svc.PutInlinePolicy(ctx, fx.root, e.kind, "nobody", "x", allowDoc("iam:*"))
				wantCode(t, "put on a missing entity", err, awserr.NoSuchEntity)
				mustOK(t, "delete a", fx.svc.DeleteInlinePolicy(ctx, fx.root, e.kind, e.name, "a"))
				wantCode(t, "delete a twice", fx.svc.DeleteInlinePolicy(ctx, fx.root, e.kind, e.name, "a"), awserr.NoSuchEntity)
				_, _, err = fx.svc.GetInlinePolicy(ctx, fx.root, e.kind, e.name, "a")
				wantCode(t, "get deleted", err, awserr.NoSuchEntity)
			})
		}

		// The user's inline documents count together against 2048 (here 150).
		if err := fx.st.SetQuota(ctx, acct, iam.QuotaUserPolicySize, 150); err != nil {
			t.Fatal(err)
		}
		doc := allowDoc("iam:GetUser") // 95 characters; "b" holds 89
		err := fx.svc.PutInlinePolicy(ctx, fx.root, iam.EntityUser, "alice", "c", doc)
		wantCode(t, "inline over the aggregate size", err, awserr.LimitExceeded)
		if msg := err.(*awserr.Error).Message; msg != "Maximum policy size of 150 bytes exceeded for user Alice" {
			t.Errorf("message = %q", msg)
		}
		mustOK(t, "replacing b with a same-size document", fx.svc.PutInlinePolicy(ctx, fx.root, iam.EntityUser, "alice", "b", doc))
	})
}

func TestAttachedPoliciesAndQuota(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		fx.user(t, "alice")
		fx.group(t, "devs")
		fx.roleRow(t, "deployer")
		p := fx.managed(t, "Zed", allowDoc("iam:ListUsers"))
		for _, e := range []struct {
			kind iam.EntityKind
			name string
		}{{iam.EntityUser, "alice"}, {iam.EntityGroup, "devs"}, {iam.EntityRole, "deployer"}} {
			mustOK(t, "attach", fx.svc.AttachPolicy(ctx, fx.root, e.kind, e.name, p.ARN))
			mustOK(t, "attach AWS", fx.svc.AttachPolicy(ctx, fx.root, e.kind, e.name, readARN))
			aps, _, err := fx.svc.ListAttachedPolicies(ctx, fx.root, e.kind, e.name, "", "", 0)
			want := []iam.AttachedPolicy{{Name: "IAMReadOnlyAccess", ARN: readARN}, {Name: "Zed", ARN: p.ARN}}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, aps); diff != "" {
				t.Errorf("ListAttachedPolicies(%s) (-want +got):\n%s", e.kind, diff)
			}
		}
		wantCode(t, "attach to missing role", fx.svc.AttachPolicy(ctx, fx.root, iam.EntityRole, "nope", p.ARN), awserr.NoSuchEntity)
		wantCode(t, "attach bad ARN", fx.svc.AttachPolicy(ctx, fx.root, iam.EntityUser, "alice", "arn:aws:s3:::bucket/key"), awserr.InvalidInput)

		got, _ := fx.svc.GetPolicy(ctx, fx.root, p.ARN)
		if got.AttachmentCount != 3 {
			t.Errorf("AttachmentCount = %d, want 3", got.AttachmentCount)
		}
		var all []iam.PolicyEntity
		marker := ""
		for {
			es, next, err := fx.svc.ListEntitiesForPolicy(ctx, fx.root, p.ARN, "", "", "", marker, 1)
			mustOK(t, "ListEntitiesForPolicy", err)
			all = append(all, es...)
			if marker = next; marker == "" {
				break
			}
		}
		if len(all) != 3 || all[0].Kind != iam.EntityGroup || all[1].Kind != iam.EntityRole || all[2].Name != "alice" {
			t.Errorf("ListEntitiesForPolicy = %+v", all)
		}
		roles, _, err := fx.svc.ListEntitiesForPolicy(ctx, fx.root, p.ARN, iam.EntityFilterRole, "", "", "", 0)
		if err != nil || len(roles) != 1 || roles[0].Name != "deployer" {
			t.Errorf("ListEntitiesForPolicy(Role) = %+v, %v", roles, err)
		}

		if err := fx.st.SetQuota(ctx, acct, iam.QuotaAttachedPoliciesPerUser, 2); err != nil {
			t.Fatal(err)
		}
		err = fx.svc.AttachPolicy(ctx, fx.root, iam.EntityUser, "alice", adminARN)
		wantCode(t, "third attachment over quota", err, awserr.LimitExceeded)
		if msg := err.(*awserr.Error).Message; msg != "Cannot exceed quota for PoliciesPerUser: 2" {
			t.Errorf("message = %q", msg)
		}
		mustOK(t, "attaching an attached policy again", fx.svc.AttachPolicy(ctx, fx.root, iam.EntityUser, "alice", p.ARN))
	})
}

// TestAttachQuotaConcurrent attaches ten policies to one user at once under
// a quota of three: exactly three attachments are made.
func TestAttachQuotaConcurrent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		fx.user(t, "alice")
		if err := fx.st.SetQuota(ctx, acct, iam.QuotaAttachedPoliciesPerUser, 3); err != nil {
			t.Fatal(err)
		}
		var arns []string
		for i := range 10 {
			arns = append(arns, fx.managed(t, fmt.Sprintf("p%d", i), allowDoc("iam:ListUsers")).ARN)
		}
		var wg sync.WaitGroup
		errs := make([]error, len(arns))
		for i, arn := range arns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = fx.svc.AttachPolicy(ctx, fx.root, iam.EntityUser, "alice", arn)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch awserr.Code(err) {
			case "":
				if err != nil {
					t.Fatalf("AttachPolicy: %v", err)
				}
				ok++
			case awserr.LimitExceeded:
			default:
				t.Fatalf("AttachPolicy: %v", err)
			}
		}
		aps, _, err := fx.svc.ListAttachedPolicies(ctx, fx.root, iam.EntityUser, "alice", "", "", 0)
		if ok != 3 || err != nil || len(aps) != 3 {
			t.Fatalf("successes = %d, attached = %d (%v); want 3 and 3", ok, len(aps), err)
		}
	})
}

func TestDeleteUserPolicyConflicts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		fx.user(t, "alice")
		fx.group(t, "devs")
		steps := []struct {
			what        string
			add, remove func() error
		}{
			{"inline policy",
				func() error {
					return fx.svc.PutInlinePolicy(ctx, fx.root, iam.EntityUser, "alice", "p", allowDoc("iam:*"))
				},
				func() error { return fx.svc.DeleteInlinePolicy(ctx, fx.root, iam.EntityUser, "alice", "p") }},
			{"attached policy",
				func() error { return fx.svc.AttachPolicy(ctx, fx.root, iam.EntityUser, "alice", adminARN) },
				func() error { return fx.svc.DetachPolicy(ctx, fx.root, iam.EntityUser, "alice", adminARN) }},
			{"group membership",
				func() error { return fx.svc.AddUserToGroup(ctx, fx.root, "devs", "alice") },
				func() error { return fx.svc.RemoveUserFromGroup(ctx, fx.root, "devs", "alice") }},
		}
		for _, s := range steps {
			mustOK(t, "add "+s.what, s.add())
			wantCode(t, "DeleteUser with "+s.what, fx.svc.DeleteUser(ctx, fx.root, "alice"), awserr.DeleteConflict)
			mustOK(t, "remove "+s.what, s.remove())
		}
		mustOK(t, "DeleteUser", fx.svc.DeleteUser(ctx, fx.root, "alice"))
	})
}

func TestIdentityPolicies(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		alice := fx.user(t, "alice")
		fx.user(t, "bob")
		fx.group(t, "devs")
		fx.group(t, "ops")
		role := fx.roleRow(t, "deployer")
		shared := fx.managed(t, "Shared", allowDoc("iam:GetUser"))
		mustOK(t, "new default", func() error {
			_, err := fx.svc.CreatePolicyVersion(ctx, fx.root, shared.ARN, allowDoc("iam:GetGroup"), true)
			return err
		}())
		steps := []error{
			fx.svc.PutInlinePolicy(ctx, fx.root, iam.EntityUser, "alice", "mine", allowDoc("iam:ListUsers")),
			fx.svc.AttachPolicy(ctx, fx.root, iam.EntityUser, "alice", shared.ARN),
			fx.svc.AddUserToGroup(ctx, fx.root, "devs", "alice"),
			fx.svc.PutInlinePolicy(ctx, fx.root, iam.EntityGroup, "devs", "team", allowDoc("iam:ListGroups")),
			fx.svc.AttachPolicy(ctx, fx.root, iam.EntityGroup, "devs", shared.ARN),
			fx.svc.AttachPolicy(ctx, fx.root, iam.EntityGroup, "devs", readARN),
			// Not alice's: bob's policies, and a group she is not in.
			fx.svc.PutInlinePolicy(ctx, fx.root, iam.EntityUser, "bob", "his", allowDoc("iam:*")),
			fx.svc.AttachPolicy(ctx, fx.root, iam.EntityGroup, "ops", adminARN),
			fx.svc.PutInlinePolicy(ctx, fx.root, iam.EntityRole, "deployer", "deploy", allowDoc("iam:PassRole")),
			fx.svc.AttachPolicy(ctx, fx.root, iam.EntityRole, "deployer", adminARN),
		}
		for i, err := range steps {
			mustOK(t, fmt.Sprintf("step %d", i), err)
		}
		v1, err := fx.svc.GetPolicyVersion(ctx, fx.root, readARN, "v1")
		mustOK(t, "IAMReadOnlyAccess", err)
		got, err := fx.st.IdentityPolicies(ctx, acct, alice.ID)
		mustOK(t, "IdentityPolicies", err)
		want := []iam.PolicyDocument{
			{ID: "user/alice/inline/mine", Document: allowDoc("iam:ListUsers")},
			{ID: shared.ARN, Document: allowDoc("iam:GetGroup")},
			{ID: "group/devs/inline/team", Document: allowDoc("iam:ListGroups")},
			{ID: readARN, Document: v1.Document},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("IdentityPolicies(alice) (-want +got):\n%s", diff)
		}

		got, err = fx.st.RolePolicies(ctx, acct, role.ID)
		mustOK(t, "RolePolicies", err)
		if len(got) != 2 || got[0].ID != "role/deployer/inline/deploy" || got[1].ID != adminARN {
			t.Errorf("RolePolicies = %+v", got)
		}

		got, err = fx.st.ManagedPolicyDocuments(ctx, acct, []string{readARN, shared.ARN})
		if err != nil || len(got) != 2 || got[0].ID != readARN || got[1].Document != allowDoc("iam:GetGroup") {
			t.Errorf("ManagedPolicyDocuments = %+v, %v", got, err)
		}
		_, err = fx.st.ManagedPolicyDocuments(ctx, acct, []string{readARN, "arn:aws:iam::123456789012:policy/Nope"})
		var nf *iam.PolicyNotFoundError
		if !errors.As(err, &nf) || !errors.Is(err, iam.ErrNotFound) || nf.ARN != "arn:aws:iam::123456789012:policy/Nope" {
			t.Errorf("ManagedPolicyDocuments(unknown) = %v, want PolicyNotFoundError", err)
		}
		usage, err := fx.st.PolicyUsage(ctx, acct)
		if err != nil || usage.Groups != 2 || usage.Policies != 1 || usage.PolicyVersionsInUse != 5 {
			t.Errorf("PolicyUsage = %+v, %v", usage, err)
		}
	})
}
