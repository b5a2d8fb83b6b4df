package iam_test

import (
	"context"
	"fmt"
	"github.com/iamd/iamd/internal/authz"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/iam"
)

const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
	`"Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

func TestParseRoleARN(t *testing.T) {
	tests := []struct {
		arn                 string
		account, path, name string
		ok                  bool
	}{
		{"arn:aws:iam::123456789012:role/admin", "123456789012", "/", "admin", true},
		{"arn:aws:iam::123456789012:role/ops/eu/admin", "123456789012", "/ops/eu/", "admin", true},
		{"arn:aws:iam::123456789012:user/admin", "", "", "", false},
		{"arn:aws:iam::12345678901:role/admin", "", "", "", false},
		{"arn:aws:iam::123456789012:role/", "", "", "", false},
		{"arn:aws:sts::123456789012:assumed-role/admin/s", "", "", "", false},
		{"admin", "", "", "", false},
	}
	for _, tt := range tests {
		a, p, n, ok := iam.ParseRoleARN(tt.arn)
		if a != tt.account || p != tt.path || n != tt.name || ok != tt.ok {
			t.Errorf("ParseRoleARN(%q) = %q, %q, %q, %v, want %q, %q, %q, %v", tt.arn, a, p, n, ok, tt.account, tt.path, tt.name, tt.ok)
		}
	}
}

func TestRoleLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		r, err := fx.svc.CreateRole(ctx, fx.root, iam.CreateRoleInput{Path: "/ops/", RoleName: "Admin",
			AssumeRolePolicyDocument: trustAccount, Description: "admins", Tags: []iam.Tag{{Key: "team", Value: "a"}, {Key: "Env", Value: "prod"}}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(r.ID, "AROA") || len(r.ID) != 21 || r.ARN() != "arn:aws:iam::123456789012:role/ops/Admin" ||
			r.MaxSessionDuration != 3600 {
			t.Errorf("CreateRole = %+v", r)
		}
		_, err = fx.svc.CreateRole(ctx, fx.root, iam.CreateRoleInput{RoleName: "admin", AssumeRolePolicyDocument: trustAccount})
		wantCode(t, "CreateRole(same name, other case)", err, awserr.EntityAlreadyExists)

		got, err := fx.svc.GetRole(ctx, fx.root, "ADMIN")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]iam.Tag{{Key: "Env", Value: "prod"}, {Key: "team", Value: "a"}}, got.Tags); diff != "" {
			t.Errorf("GetRole tags (-want +got):\n%s", diff)
		}
		if got.AssumeRolePolicy != trustAccount || got.Description != "admins" || got.Path != "/ops/" {
			t.Errorf("GetRole = %+v", got)
		}

		d, m := "", 7200
		if err := fx.svc.UpdateRole(ctx, fx.root, "Admin", &d, &m); err != nil {
			t.Fatal(err)
		}
		if got, _ := fx.svc.GetRole(ctx, fx.root, "Admin"); got.Description != "" || got.MaxSessionDuration != 7200 {
			t.Errorf("after UpdateRole: %+v", got)
		}
		bad := 100
		wantCode(t, "UpdateRole(100 s)", fx.svc.UpdateRole(ctx, fx.root, "Admin", nil, &bad), awserr.ValidationError)
		wantCode(t, "UpdateRole(missing)", fx.svc.UpdateRole(ctx, fx.root, "nobody", nil, &m), awserr.NoSuchEntity)

		// Trust policies: validated as trust policies, bounded in size.
		wantCode(t, "UpdateAssumeRolePolicy(identity policy)", fx.svc.UpdateAssumeRolePolicy(ctx, fx.root, "Admin",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`), awserr.MalformedPolicyDocument)
		wantCode(t, "UpdateAssumeRolePolicy(not JSON)", fx.svc.UpdateAssumeRolePolicy(ctx, fx.root, "Admin", "{"), awserr.MalformedPolicyDocument)
		big := `{"Version":"2012-10-17","Statement":[{"Sid":"` + strings.Repeat("A", 2000) + `","Effect":"Allow",` +
			`"Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
		err = fx.svc.UpdateAssumeRolePolicy(ctx, fx.root, "Admin", big)
		wantCode(t, "UpdateAssumeRolePolicy(too big)", err, awserr.LimitExceeded)
		if msg := err.(*awserr.Error).Message; msg != "Cannot exceed quota for ACLSizePerRole: 2048" {
			t.Errorf("size message = %q", msg)
		}
		// White space does not count.
		spaced := strings.ReplaceAll(trustAccount, ",", ","+strings.Repeat(" ", 500))
		if err := fx.svc.UpdateAssumeRolePolicy(ctx, fx.root, "Admin", spaced); err != nil {
			t.Errorf("UpdateAssumeRolePolicy(spaced) = %v", err)
		}

		// Tags: keys are case-insensitive; a new spelling replaces the old.
		if err := fx.svc.TagRole(ctx, fx.root, "Admin", []iam.Tag{{Key: "TEAM", Value: "b"}, {Key: "cost", Value: "1"}}); err != nil {
			t.Fatal(err)
		}
		tags, next, err := fx.svc.ListRoleTags(ctx, fx.root, "Admin", "", 2)
		if err != nil || next == "" {
			t.Fatalf("ListRoleTags page 1 = %v, %q, %v", tags, next, err)
		}
		rest, next2, err := fx.svc.ListRoleTags(ctx, fx.root, "Admin", next, 2)
		if err != nil || next2 != "" {
			t.Fatalf("ListRoleTags page 2 = %v, %q, %v", rest, next2, err)
		}
		if diff := cmp.Diff([]iam.Tag{{Key: "cost", Value: "1"}, {Key: "Env", Value: "prod"}, {Key: "TEAM", Value: "b"}}, append(tags, rest...)); diff != "" {
			t.Errorf("ListRoleTags (-want +got):\n%s", diff)
		}
		wantCode(t, "TagRole(duplicate keys)", fx.svc.TagRole(ctx, fx.root, "Admin", []iam.Tag{{Key: "k", Value: "1"}, {Key: "K", Value: "2"}}), awserr.InvalidInput)
		var many []iam.Tag
		for i := range 48 {
			many = append(many, iam.Tag{Key: fmt.Sprintf("k%02d", i), Value: "v"})
		}
		wantCode(t, "TagRole(51 tags in all)", fx.svc.TagRole(ctx, fx.root, "Admin", many), awserr.LimitExceeded)
		if got, _ := fx.svc.GetRole(ctx, fx.root, "Admin"); len(got.Tags) != 3 {
			t.Errorf("after refused TagRole: %d tags, want 3", len(got.Tags))
		}
		if err := fx.svc.UntagRole(ctx, fx.root, "Admin", []string{"team", "nope"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := fx.svc.GetRole(ctx, fx.root, "Admin"); len(got.Tags) != 2 {
			t.Errorf("after UntagRole: %v", got.Tags)
		}
		_, _, err = fx.svc.ListRoleTags(ctx, fx.root, "Admin", "%%%", 2)
		wantCode(t, "ListRoleTags(bad marker)", err, awserr.InvalidInput)

		// Listing by path, in pages.
		for _, n := range []string{"b", "c", "d"} {
			if _, err := fx.svc.CreateRole(ctx, fx.root, iam.CreateRoleInput{RoleName: n, AssumeRolePolicyDocument: trustAccount}); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		marker := ""
		for {
			roles, next, err := fx.svc.ListRoles(ctx, fx.root, "/", marker, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range roles {
				names = append(names, r.Name)
				if r.Tags != nil {
					t.Errorf("ListRoles returned tags for %s", r.Name)
				}
			}
			if next == "" {
				break
			}
			marker = next
		}
		if diff := cmp.Diff([]string{"Admin", "b", "c", "d"}, names); diff != "" {
			t.Errorf("ListRoles (-want +got):\n%s", diff)
		}
		ops, _, _ := fx.svc.ListRoles(ctx, fx.root, "/ops/", "", 0)
		if len(ops) != 1 || ops[0].Name != "Admin" {
			t.Errorf("ListRoles(/ops/) = %v", ops)
		}

		if err := fx.svc.DeleteRole(ctx, fx.root, "admin"); err != nil {
			t.Fatal(err)
		}
		_, err = fx.svc.GetRole(ctx, fx.root, "Admin")
		wantCode(t, "GetRole(deleted)", err, awserr.NoSuchEntity)
		wantCode(t, "DeleteRole(deleted)", fx.svc.DeleteRole(ctx, fx.root, "Admin"), awserr.NoSuchEntity)

		// A user without policies may do none of it.
		u := fx.user(t, "alice")
		_, err = fx.svc.GetRole(ctx, &authz.Principal{AccountID: u.AccountID, User: u.Identity()}, "b")
		wantCode(t, "GetRole as alice", err, awserr.AccessDenied)
	})
}

func TestCreateRoleValidation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		tests := []struct {
			name string
			in   iam.CreateRoleInput
			code string
		}{
			{"malformed trust policy", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: `{"Statement":[]}`}, awserr.MalformedPolicyDocument},
			{"trust without principal", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: `{"Version":"2012-10-17",` +
				`"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`}, awserr.MalformedPolicyDocument},
			{"duplicate tag keys", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustAccount,
				Tags: []iam.Tag{{Key: "a", Value: "1"}, {Key: "A", Value: "2"}}}, awserr.InvalidInput},
			{"session too long", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustAccount, MaxSessionDuration: 50000},
				awserr.ValidationError},
			{"permissions boundary", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustAccount,
				PermissionsBoundary: "arn:aws:iam::aws:policy/ReadOnlyAccess"}, awserr.InvalidInput},
		}
		for _, tt := range tests {
			_, err := fx.svc.CreateRole(ctx, fx.root, tt.in)
			wantCode(t, tt.name, err, tt.code)
		}
		roles, _, _ := fx.svc.ListRoles(ctx, fx.root, "", "", 0)
		if len(roles) != 0 {
			t.Errorf("refused CreateRole calls left roles: %v", roles)
		}
	})
}

// TestRolesQuotaConcurrent creates roles from many goroutines against a
// quota of 5: exactly 5 succeed, the rest get LimitExceeded.
func TestRolesQuotaConcurrent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		if err := fx.st.SetQuota(ctx, "123456789012", iam.QuotaRoles, 5); err != nil {
			t.Fatal(err)
		}
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			ok   int
			errs []error
		)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := fx.svc.CreateRole(ctx, fx.root, iam.CreateRoleInput{RoleName: fmt.Sprintf("r%d", i), AssumeRolePolicyDocument: trustAccount})
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					ok++
				} else {
					errs = append(errs, err)
				}
			}()
		}
		wg.Wait()
		if ok != 5 {
			t.Fatalf("created %d roles, want 5 (errors: %v)", ok, errs)
		}
		for _, err := range errs {
			wantCode(t, "CreateRole over quota", err, awserr.LimitExceeded)
			if msg := err.(*awserr.Error).Message; msg != "Cannot exceed quota for RolesPerAccount: 5" {
				t.Errorf("message = %q", msg)
			}
		}
	})
}
