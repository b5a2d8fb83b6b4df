package iam_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/iamd/iamd/internal/authz"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/iam"
)

// userPrincipal is what authentication makes of an IAM user's long-term
// key: the user as the store has it, tags included.
func (fx *fixture) userPrincipal(t *testing.T, name string) *authz.Principal {
	t.Helper()
	u, err := fx.st.UserByName(context.Background(), acct, name)
	if err != nil {
		t.Fatal(err)
	}
	return &authz.Principal{AccountID: acct, User: u.Identity()}
}

func wantMessage(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	wantCode(t, what, err, code)
	var ae *awserr.Error
	if errors.As(err, &ae) && ae.Message != msg {
		t.Errorf("%s: message = %q, want %q", what, ae.Message, msg)
	}
}

func TestPasswordPolicyRoundTrip(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		_, err := fx.svc.GetAccountPasswordPolicy(ctx, fx.root)
		wantMessage(t, "GetAccountPasswordPolicy(none)", err, awserr.NoSuchEntity,
			"The Password Policy with domain name 123456789012 cannot be found.")
		wantCode(t, "DeleteAccountPasswordPolicy(none)", fx.svc.DeleteAccountPasswordPolicy(ctx, fx.root), awserr.NoSuchEntity)

		full := iam.PasswordPolicy{MinimumPasswordLength: 14, RequireSymbols: true, RequireNumbers: true,
			RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, AllowUsersToChangePassword: true,
			MaxPasswordAge: 90, PasswordReusePrevention: 24, HardExpiry: true}
		mustOK(t, "UpdateAccountPasswordPolicy", fx.svc.UpdateAccountPasswordPolicy(ctx, fx.root, full))
		got, err := fx.svc.GetAccountPasswordPolicy(ctx, fx.root)
		mustOK(t, "GetAccountPasswordPolicy", err)
		if diff := cmp.Diff(full, *got); diff != "" {
			t.Errorf("GetAccountPasswordPolicy mismatch (-want +got):\n%s", diff)
		}
		if !got.ExpirePasswords() {
			t.Errorf("ExpirePasswords() = false with MaxPasswordAge 90")
		}
		// A full replace: what is not given reverts to its default.
		mustOK(t, "UpdateAccountPasswordPolicy(empty)", fx.svc.UpdateAccountPasswordPolicy(ctx, fx.root, iam.PasswordPolicy{RequireNumbers: true}))
		got, err = fx.svc.GetAccountPasswordPolicy(ctx, fx.root)
		mustOK(t, "GetAccountPasswordPolicy", err)
		if want := (iam.PasswordPolicy{MinimumPasswordLength: 6, RequireNumbers: true}); *got != want || got.ExpirePasswords() {
			t.Errorf("after replace = %+v, want %+v", *got, want)
		}
		for _, bad := range []iam.PasswordPolicy{{MinimumPasswordLength: 5}, {MinimumPasswordLength: 129},
			{MaxPasswordAge: 1096}, {PasswordReusePrevention: 25}} {
			wantCode(t, fmt.Sprintf("UpdateAccountPasswordPolicy(%+v)", bad), fx.svc.UpdateAccountPasswordPolicy(ctx, fx.root, bad), awserr.ValidationError)
		}
		mustOK(t, "DeleteAccountPasswordPolicy", fx.svc.DeleteAccountPasswordPolicy(ctx, fx.root))
		_, err = fx.svc.GetAccountPasswordPolicy(ctx, fx.root)
		wantCode(t, "GetAccountPasswordPolicy after delete", err, awserr.NoSuchEntity)
	})
}

func TestPasswordPolicyRules(t *testing.T) {
	tests := []struct {
		name, password string
		policy         iam.PasswordPolicy
		want           string // "" when allowed
	}{
		{"default minimum 6", "abcde", iam.PasswordPolicy{}, "Password should have a minimum length of 6"},
		{"six is enough", "abcdef", iam.PasswordPolicy{}, ""},
		{"minimum 12", "Abcdefgh1!x", iam.PasswordPolicy{MinimumPasswordLength: 12}, "Password should have a minimum length of 12"},
		{"uppercase", "abcdefgh1!", iam.PasswordPolicy{RequireUppercaseCharacters: true}, "Password should have at least one uppercase letter"},
		{"lowercase", "ABCDEFGH1!", iam.PasswordPolicy{RequireLowercaseCharacters: true}, "Password should have at least one lowercase letter"},
		{"number", "Abcdefgh!!", iam.PasswordPolicy{RequireNumbers: true}, "Password should have at least one number"},
		{"symbol", "Abcdefgh12", iam.PasswordPolicy{RequireSymbols: true}, "Password should have at least one symbol"},
		{"symbol from AWS's set", "Abcdefgh1'", iam.PasswordPolicy{RequireSymbols: true}, ""},
		{"not an AWS symbol", "Abcdefgh1~", iam.PasswordPolicy{RequireSymbols: true}, "Password should have at least one symbol"},
		{"non-ASCII letter is not upper case", "Äbcdefgh1!", iam.PasswordPolicy{RequireUppercaseCharacters: true},
			"Password should have at least one uppercase letter"},
		{"everything", "Correct-Horse-9", iam.PasswordPolicy{MinimumPasswordLength: 14, RequireSymbols: true, RequireNumbers: true,
			RequireUppercaseCharacters: true, RequireLowercaseCharacters: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Check(tt.password)
			got := ""
			if err != nil {
				wantCode(t, "Check", err, awserr.PasswordPolicyViolation)
				got = err.Error()[len(awserr.PasswordPolicyViolation+": "):]
			}
			if got != tt.want {
				t.Errorf("Check(%q) = %q, want %q", tt.password, got, tt.want)
			}
		})
	}
}

func TestPasswordPolicyEnforced(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		fx.user(t, "alice")
		// Without a policy: AWS's default rules.
		_, _, err := fx.svc.CreateLoginProfile(ctx, fx.root, "alice", "Abc1!", false)
		wantMessage(t, "CreateLoginProfile(default rules)", err, awserr.PasswordPolicyViolation, "Password should have a minimum length of 8")

		mustOK(t, "UpdateAccountPasswordPolicy", fx.svc.UpdateAccountPasswordPolicy(ctx, fx.root, iam.PasswordPolicy{
			MinimumPasswordLength: 10, RequireUppercaseCharacters: true, RequireNumbers: true, PasswordReusePrevention: 3}))
		_, _, err = fx.svc.CreateLoginProfile(ctx, fx.root, "alice", "short1A", false)
		wantMessage(t, "CreateLoginProfile(short)", err, awserr.PasswordPolicyViolation, "Password should have a minimum length of 10")
		_, _, err = fx.svc.CreateLoginProfile(ctx, fx.root, "alice", "nouppercase1", false)
		wantMessage(t, "CreateLoginProfile(no upper)", err, awserr.PasswordPolicyViolation, "Password should have at least one uppercase letter")
		// The policy replaces the default rules: three character classes are
		// no longer needed.
		_, _, err = fx.svc.CreateLoginProfile(ctx, fx.root, "alice", "Password01", false)
		mustOK(t, "CreateLoginProfile(compliant)", err)

		set := func(pw string) error { return fx.svc.UpdateLoginProfile(ctx, fx.root, "alice", &pw, nil) }
		wantMessage(t, "UpdateLoginProfile(no number)", set("PasswordXY"), awserr.PasswordPolicyViolation, "Password should have at least one number")
		wantMessage(t, "UpdateLoginProfile(current)", set("Password01"), awserr.PasswordPolicyViolation,
			"Password should not be one of your last 3 passwords")
		mustOK(t, "UpdateLoginProfile(2)", set("Password02"))
		mustOK(t, "UpdateLoginProfile(3)", set("Password03"))
		wantCode(t, "UpdateLoginProfile(1 again, among the last 3)", set("Password01"), awserr.PasswordPolicyViolation)
		mustOK(t, "UpdateLoginProfile(4)", set("Password04"))
		// Password01 is now the 4th latest: allowed again.
		mustOK(t, "UpdateLoginProfile(1 after 3 others)", set("Password01"))

		// A user's password history goes when the user does.
		fx.user(t, "carol")
		_, _, err = fx.svc.CreateLoginProfile(ctx, fx.root, "carol", "Password01", false)
		mustOK(t, "CreateLoginProfile(carol)", err)
		pw := "Password02"
		mustOK(t, "UpdateLoginProfile(carol)", fx.svc.UpdateLoginProfile(ctx, fx.root, "carol", &pw, nil))
		mustOK(t, "DeleteLoginProfile(carol)", fx.svc.DeleteLoginProfile(ctx, fx.root, "carol"))
		mustOK(t, "DeleteUser(carol) with password history", fx.svc.DeleteUser(ctx, fx.root, "carol"))

		// ChangePassword: no identity policy, so only AllowUsersToChangePassword lets alice.
		alice := fx.userPrincipal(t, "alice")
		wantCode(t, "ChangePassword without permission", fx.svc.ChangePassword(ctx, alice, "Password01", "Password05"), awserr.AccessDenied)
		_, err = fx.svc.GetAccountPasswordPolicy(ctx, alice)
		wantCode(t, "GetAccountPasswordPolicy without permission", err, awserr.AccessDenied)
		mustOK(t, "UpdateAccountPasswordPolicy(allow)", fx.svc.UpdateAccountPasswordPolicy(ctx, fx.root, iam.PasswordPolicy{
			MinimumPasswordLength: 10, RequireUppercaseCharacters: true, RequireNumbers: true, PasswordReusePrevention: 3,
			AllowUsersToChangePassword: true, MaxPasswordAge: 30}))
		if _, err := fx.svc.GetAccountPasswordPolicy(ctx, alice); err != nil {
			t.Errorf("GetAccountPasswordPolicy as alice with AllowUsersToChangePassword: %v", err)
		}
		wantCode(t, "ChangePassword(reused)", fx.svc.ChangePassword(ctx, alice, "Password01", "Password04"), awserr.PasswordPolicyViolation)
		wantCode(t, "ChangePassword(too short)", fx.svc.ChangePassword(ctx, alice, "Password01", "Pass5"), awserr.PasswordPolicyViolation)
		wantCode(t, "ChangePassword(wrong old)", fx.svc.ChangePassword(ctx, alice, "Password99", "Password05"), awserr.InvalidInput)

		// Expiry: 30 days after the last change.
		u := alice.User
		fx.clock.Advance(29 * 24 * time.Hour)
		if exp, err := fx.svc.PasswordExpired(ctx, u); err != nil || exp {
			t.Errorf("PasswordExpired after 29 days = %v, %v; want false", exp, err)
		}
		fx.clock.Advance(2 * 24 * time.Hour)
		if exp, err := fx.svc.PasswordExpired(ctx, u); err != nil || !exp {
			t.Errorf("PasswordExpired after 31 days = %v, %v; want true", exp, err)
		}
		mustOK(t, "ChangePassword", fx.svc.ChangePassword(ctx, alice, "Password01", "Password05"))
		if exp, err := fx.svc.PasswordExpired(ctx, u); err != nil || exp {
			t.Errorf("PasswordExpired after a change = %v, %v; want false", exp, err)
		}
		if exp, err := fx.svc.PasswordExpired(ctx, fx.root.User); err != nil || exp {
			t.Errorf("PasswordExpired(root) = %v, %v; the policy never applies to root", exp, err)
		}

		// Back to the default rules once the policy is gone.
		mustOK(t, "DeleteAccountPasswordPolicy", fx.svc.DeleteAccountPasswordPolicy(ctx, fx.root))
		wantMessage(t, "UpdateLoginProfile(default rules)", set("alllowercase"), awserr.PasswordPolicyViolation,
			"Password should include at least three of the following: uppercase letters, lowercase letters, numbers and symbols (!@#$%^&*()_+-=[]{}|')")
		mustOK(t, "UpdateLoginProfile(reuse allowed without policy)", set("Password05"))
		wantCode(t, "ChangePassword without AllowUsersToChangePassword", fx.svc.ChangePassword(ctx, alice, "Password05", "Password06"), awserr.AccessDenied)
		if exp, err := fx.svc.PasswordExpired(ctx, u); err != nil || exp {
			t.Errorf("PasswordExpired without a policy = %v, %v; want false", exp, err)
		}
	})
}

func TestUserTags(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		_, err := fx.svc.CreateUser(ctx, fx.root, "/", "alice", iam.Tag{Key: "team", Value: "ops"}, iam.Tag{Key: "Cost", Value: "42"})
		mustOK(t, "CreateUser with tags", err)
		u, err := fx.svc.GetUser(ctx, fx.root, "alice")
		mustOK(t, "GetUser", err)
		want := []iam.Tag{{Key: "Cost", Value: "42"}, {Key: "team", Value: "ops"}}
		if diff := cmp.Diff(want, u.Tags); diff != "" {
			t.Errorf("GetUser tags (-want +got):\n%s", diff)
		}
		// Keys ignore case for users: Team replaces team.
		mustOK(t, "TagUser", fx.svc.TagUser(ctx, fx.root, "alice", []iam.Tag{{Key: "Team", Value: "sec"}, {Key: "env", Value: ""}}))
		tags, next, err := fx.svc.ListUserTags(ctx, fx.root, "alice", "", 0)
		mustOK(t, "ListUserTags", err)
		want = []iam.Tag{{Key: "Cost", Value: "42"}, {Key: "env", Value: ""}, {Key: "Team", Value: "sec"}}
		if diff := cmp.Diff(want, tags); diff != "" || next != "" {
			t.Errorf("ListUserTags (-want +got):\n%s next %q", diff, next)
		}
		var paged []iam.Tag
		for marker := ""; ; {
			page, next, err := fx.svc.ListUserTags(ctx, fx.root, "alice", marker, 2)
			mustOK(t, "ListUserTags page", err)
			paged = append(paged, page...)
			if next == "" {
				break
			}
			marker = next
		}
		if diff := cmp.Diff(want, paged); diff != "" {
			t.Errorf("ListUserTags by pages of 2 (-want +got):\n%s", diff)
		}
		_, _, err = fx.svc.ListUserTags(ctx, fx.root, "alice", "%%%", 2)
		wantCode(t, "ListUserTags(bad marker)", err, awserr.InvalidInput)

		wantCode(t, "TagUser(aws:)", fx.svc.TagUser(ctx, fx.root, "alice", []iam.Tag{{Key: "AWS:x", Value: "1"}}), awserr.InvalidInput)
		_, err = fx.svc.CreateUser(ctx, fx.root, "/", "bob", iam.Tag{Key: "aws:x", Value: "1"})
		wantCode(t, "CreateUser(aws: tag)", err, awserr.InvalidInput)
		if _, err := fx.svc.GetUser(ctx, fx.root, "bob"); awserr.Code(err) != awserr.NoSuchEntity {
			t.Errorf("GetUser(bob) after refused CreateUser = %v, want NoSuchEntity", err)
		}
		wantCode(t, "TagUser(duplicate keys)", fx.svc.TagUser(ctx, fx.root, "alice", []iam.Tag{{Key: "a", Value: "1"}, {Key: "A", Value: "2"}}),
			awserr.InvalidInput)
		var many []iam.Tag
		for i := range 48 {
			many = append(many, iam.Tag{Key: fmt.Sprintf("k%02d", i), Value: "v"})
		}
		wantCode(t, "TagUser(51 in all)", fx.svc.TagUser(ctx, fx.root, "alice", many), awserr.LimitExceeded)
		mustOK(t, "TagUser(50 in all)", fx.svc.TagUser(ctx, fx.root, "alice", many[:47]))
		wantCode(t, "TagUser(51 in one call)", fx.svc.TagUser(ctx, fx.root, "alice", append(many, iam.Tag{Key: "x", Value: ""},
			iam.Tag{Key: "y", Value: ""}, iam.Tag{Key: "z", Value: ""})), awserr.LimitExceeded)

		mustOK(t, "UntagUser", fx.svc.UntagUser(ctx, fx.root, "alice", append([]string{"TEAM", "cost", "absent"}, keysOf(many[:47])...)))
		tags, _, err = fx.svc.ListUserTags(ctx, fx.root, "alice", "", 0)
		if err != nil || len(tags) != 1 || tags[0].Key != "env" {
			t.Errorf("ListUserTags after untag = %v, %v; want env only", tags, err)
		}
		wantCode(t, "TagUser(nobody)", fx.svc.TagUser(ctx, fx.root, "nobody", []iam.Tag{{Key: "a"}}), awserr.NoSuchEntity)
		mustOK(t, "DeleteUser(tagged)", fx.svc.DeleteUser(ctx, fx.root, "alice"))
	})
}

func keysOf(tags []iam.Tag) []string {
	var out []string
	for _, t := range tags {
		out = append(out, t.Key)
	}
	return out
}

// TestPrincipalTags: an IAM user's tags are aws:PrincipalTag/<key> in its
// requests' policy context.
func TestPrincipalTags(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		_, err := fx.svc.CreateUser(ctx, fx.root, "/", "alice", iam.Tag{Key: "team", Value: "ops"})
		mustOK(t, "CreateUser", err)
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*",
			"Condition":{"StringEquals":{"aws:PrincipalTag/team":"ops"}}}]}`
		mustOK(t, "PutUserPolicy", fx.svc.PutInlinePolicy(ctx, fx.root, iam.EntityUser, "alice", "by-tag", doc))
		if _, _, err := fx.svc.ListUsers(ctx, fx.userPrincipal(t, "alice"), "", "", 0); err != nil {
			t.Errorf("ListUsers as alice tagged team=ops: %v", err)
		}
		mustOK(t, "TagUser", fx.svc.TagUser(ctx, fx.root, "alice", []iam.Tag{{Key: "team", Value: "dev"}}))
		_, _, err = fx.svc.ListUsers(ctx, fx.userPrincipal(t, "alice"), "", "", 0)
		wantCode(t, "ListUsers as alice tagged team=dev", err, awserr.AccessDenied)
	})
}

func TestUpdateUser(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		alice := fx.user(t, "alice")
		fx.user(t, "bob")
		serial, seed := fx.device(t, "alice-phone")
		fx.enable(t, "alice", serial, seed)
		key, _, err := fx.svc.CreateAccessKey(ctx, fx.root, "alice")
		mustOK(t, "CreateAccessKey", err)
		mustOK(t, "TagUser", fx.svc.TagUser(ctx, fx.root, "alice", []iam.Tag{{Key: "team", Value: "ops"}}))

		wantCode(t, "UpdateUser(to Bob)", fx.svc.UpdateUser(ctx, fx.root, "alice", "Bob", ""), awserr.EntityAlreadyExists)
		wantCode(t, "UpdateUser(nobody)", fx.svc.UpdateUser(ctx, fx.root, "nobody", "x", ""), awserr.NoSuchEntity)
		mustOK(t, "UpdateUser", fx.svc.UpdateUser(ctx, fx.root, "alice", "alicia", "/staff/"))
		_, err = fx.svc.GetUser(ctx, fx.root, "alice")
		wantCode(t, "GetUser(old name)", err, awserr.NoSuchEntity)
		u, err := fx.svc.GetUser(ctx, fx.root, "alicia")
		mustOK(t, "GetUser(new name)", err)
		if u.ID != alice.ID || u.Path != "/staff/" || u.ARN() != "arn:aws:iam::123456789012:user/staff/alicia" || len(u.Tags) != 1 {
			t.Errorf("GetUser(alicia) = %+v, want alice's id under /staff/ with her tag", u)
		}
		ds, _, _, err := fx.svc.ListMFADevices(ctx, fx.root, "alicia", "", 0)
		if err != nil || len(ds) != 1 || ds[0].Serial != serial {
			t.Errorf("ListMFADevices(alicia) = %v, %v; want the device enabled for alice", ds, err)
		}
		keys, _, err := fx.svc.ListAccessKeys(ctx, fx.root, "alicia")
		if err != nil || len(keys) != 1 || keys[0].ID != key.ID {
			t.Errorf("ListAccessKeys(alicia) = %v, %v; want alice's key", keys, err)
		}
		// Only the path.
		mustOK(t, "UpdateUser(path)", fx.svc.UpdateUser(ctx, fx.root, "alicia", "", "/"))
		if u, err := fx.svc.GetUser(ctx, fx.root, "ALICIA"); err != nil || u.Path != "/" || u.Name != "alicia" {
			t.Errorf("GetUser after path change = %+v, %v", u, err)
		}
	})
}

func TestMFADeviceTags(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		d, tags, err := fx.svc.CreateTaggedVirtualMFADevice(ctx, fx.root, "/", "phone", []iam.Tag{{Key: "env", Value: "prod"}, {Key: "Env", Value: "dev"}})
		mustOK(t, "CreateTaggedVirtualMFADevice", err)
		if len(tags) != 2 {
			t.Errorf("created tags = %v", tags)
		}
		// Case-sensitive keys: Env and env are two tags; untagging ENV removes neither.
		mustOK(t, "UntagMFADevice(ENV)", fx.svc.UntagMFADevice(ctx, fx.root, d.Serial, []string{"ENV"}))
		mustOK(t, "TagMFADevice", fx.svc.TagMFADevice(ctx, fx.root, d.Serial, []iam.Tag{{Key: "env", Value: "stage"}, {Key: "owner", Value: "alice"}}))
		got, next, err := fx.svc.ListMFADeviceTags(ctx, fx.root, d.Serial, "", 0)
		mustOK(t, "ListMFADeviceTags", err)
		want := []iam.Tag{{Key: "Env", Value: "dev"}, {Key: "env", Value: "stage"}, {Key: "owner", Value: "alice"}}
		if diff := cmp.Diff(want, got); diff != "" || next != "" {
			t.Errorf("ListMFADeviceTags (-want +got):\n%s next %q", diff, next)
		}
		mustOK(t, "UntagMFADevice(env)", fx.svc.UntagMFADevice(ctx, fx.root, d.Serial, []string{"env"}))
		got, _, _ = fx.svc.ListMFADeviceTags(ctx, fx.root, d.Serial, "", 0)
		if len(got) != 2 || got[0].Key != "Env" {
			t.Errorf("after untag env = %v", got)
		}

		wantCode(t, "TagMFADevice(aws:)", fx.svc.TagMFADevice(ctx, fx.root, d.Serial, []iam.Tag{{Key: "aws:x"}}), awserr.InvalidInput)
		wantCode(t, "TagMFADevice(no device)", fx.svc.TagMFADevice(ctx, fx.root, iam.VirtualSerial(acct, "/", "none"), []iam.Tag{{Key: "a"}}),
			awserr.NoSuchEntity)
		_, _, err = fx.svc.ListMFADeviceTags(ctx, fx.root, "GAHT12345678", "", 0)
		wantCode(t, "ListMFADeviceTags(hardware serial)", err, awserr.NoSuchEntity)

		// An invalid tag refuses the whole creation.
		_, _, err = fx.svc.CreateTaggedVirtualMFADevice(ctx, fx.root, "/", "tablet", []iam.Tag{{Key: "ok"}, {Key: "aws:no"}})
		wantCode(t, "CreateTaggedVirtualMFADevice(aws:)", err, awserr.InvalidInput)
		var many []iam.Tag
		for i := range 51 {
			many = append(many, iam.Tag{Key: fmt.Sprintf("k%02d", i)})
		}
		_, _, err = fx.svc.CreateTaggedVirtualMFADevice(ctx, fx.root, "/", "tablet", many)
		wantCode(t, "CreateTaggedVirtualMFADevice(51 tags)", err, awserr.LimitExceeded)
		ds, _, err := fx.svc.ListVirtualMFADevices(ctx, fx.root, "", "", 0)
		if err != nil || len(ds) != 1 {
			t.Errorf("ListVirtualMFADevices = %d devices, %v; want only the phone", len(ds), err)
		}
		wantCode(t, "TagMFADevice(51 in all)", fx.svc.TagMFADevice(ctx, fx.root, d.Serial, many[:49]), awserr.LimitExceeded)

		// Deleting the device deletes its tags.
		mustOK(t, "DeleteVirtualMFADevice", fx.svc.DeleteVirtualMFADevice(ctx, fx.root, d.Serial))
		_, _, err = fx.svc.ListMFADeviceTags(ctx, fx.root, d.Serial, "", 0)
		wantCode(t, "ListMFADeviceTags(deleted)", err, awserr.NoSuchEntity)
	})
}

func TestAccountAlias(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		list := func() []string {
			t.Helper()
			a, err := fx.svc.ListAccountAliases(ctx, fx.root)
			mustOK(t, "ListAccountAliases", err)
			return a
		}
		if a := list(); len(a) != 0 {
			t.Errorf("ListAccountAliases = %v, want none", a)
		}
		mustOK(t, "CreateAccountAlias", fx.svc.CreateAccountAlias(ctx, fx.root, "example-corp"))
		mustOK(t, "CreateAccountAlias(same again)", fx.svc.CreateAccountAlias(ctx, fx.root, "example-corp"))
		if a := list(); !cmp.Equal(a, []string{"example-corp"}) {
			t.Errorf("ListAccountAliases = %v", a)
		}
		// One alias per account: a new one replaces the old.
		mustOK(t, "CreateAccountAlias(replace)", fx.svc.CreateAccountAlias(ctx, fx.root, "example2"))
		if a := list(); !cmp.Equal(a, []string{"example2"}) {
			t.Errorf("ListAccountAliases after replace = %v", a)
		}
		other, err := fx.svc.CreateAccount(ctx, iam.NewAccount{ID: "210987654321", Email: "other@example.com"})
		mustOK(t, "CreateAccount", err)
		otherRoot, err := fx.st.UserByID(ctx, other.Account.ID, other.Account.ID)
		mustOK(t, "UserByID", err)
		op := &authz.Principal{AccountID: other.Account.ID, User: otherRoot.Identity()}
		wantMessage(t, "CreateAccountAlias(taken by another account)", fx.svc.CreateAccountAlias(ctx, op, "example2"),
			awserr.EntityAlreadyExists, "The account alias example2 already exists.")
		mustOK(t, "CreateAccountAlias(the freed one)", fx.svc.CreateAccountAlias(ctx, op, "example-corp"))

		for _, bad := range []string{"ab", "-abc", "abc-", "a--b", "Upper", "a_b", "123456789012"} {
			if err := fx.svc.CreateAccountAlias(ctx, fx.root, bad); err == nil {
				t.Errorf("CreateAccountAlias(%q) succeeded, want an error", bad)
			}
		}
		wantCode(t, "DeleteAccountAlias(not ours)", fx.svc.DeleteAccountAlias(ctx, fx.root, "example-corp"), awserr.NoSuchEntity)
		mustOK(t, "DeleteAccountAlias", fx.svc.DeleteAccountAlias(ctx, fx.root, "example2"))
		wantCode(t, "DeleteAccountAlias(again)", fx.svc.DeleteAccountAlias(ctx, fx.root, "example2"), awserr.NoSuchEntity)
		if a := list(); len(a) != 0 {
			t.Errorf("ListAccountAliases after delete = %v", a)
		}
		if a, _ := fx.st.Account(ctx, acct); a.Alias != "" {
			t.Errorf("Account.Alias = %q after delete", a.Alias)
		}
	})
}

func TestAccessKeyLastUsed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		fx.user(t, "alice")
		key, _, err := fx.svc.CreateAccessKey(ctx, fx.root, "alice")
		mustOK(t, "CreateAccessKey", err)
		lu, err := fx.svc.GetAccessKeyLastUsed(ctx, fx.root, key.ID)
		mustOK(t, "GetAccessKeyLastUsed", err)
		if lu.User.Name != "alice" || !lu.Use.At.IsZero() {
			t.Errorf("GetAccessKeyLastUsed(never used) = %+v", lu)
		}
		rec := iam.NewUsageRecorder(fx.st, iam.UsageOptions{Interval: time.Hour})
		t1 := fx.clock.Now().Truncate(time.Millisecond).UTC()
		rec.Record(key.ID, "sts", "eu-west-1", t1.Add(-time.Minute))
		rec.Record(key.ID, "iam", "us-east-1", t1)
		rec.Record(key.ID, "sts", "eu-west-1", t1.Add(-time.Second)) // older than what is pending: ignored
		if lu, _ := fx.svc.GetAccessKeyLastUsed(ctx, fx.root, key.ID); !lu.Use.At.IsZero() {
			t.Errorf("a use reached the store before the flush: %+v", lu.Use)
		}
		mustOK(t, "Flush", rec.Flush(ctx))
		lu, err = fx.svc.GetAccessKeyLastUsed(ctx, fx.root, key.ID)
		mustOK(t, "GetAccessKeyLastUsed", err)
		if want := (iam.AccessKeyUse{KeyID: key.ID, At: t1, Service: "iam", Region: "us-east-1"}); lu.Use != want {
			t.Errorf("GetAccessKeyLastUsed = %+v, want %+v", lu.Use, want)
		}
		// A later batch with an older use (another node's) changes nothing.
		rec.Record(key.ID, "sts", "eu-west-1", t1.Add(-time.Hour))
		mustOK(t, "Close", rec.Close())
		if lu, _ := fx.svc.GetAccessKeyLastUsed(ctx, fx.root, key.ID); lu.Use.Service != "iam" {
			t.Errorf("an older use overwrote a newer one: %+v", lu.Use)
		}
		_, err = fx.svc.GetAccessKeyLastUsed(ctx, fx.root, "AKIANOSUCHKEY0000000")
		wantCode(t, "GetAccessKeyLastUsed(unknown)", err, awserr.NoSuchEntity)

		other, err := fx.svc.CreateAccount(ctx, iam.NewAccount{ID: "210987654321", Email: "other@example.com"})
		mustOK(t, "CreateAccount", err)
		_, err = fx.svc.GetAccessKeyLastUsed(ctx, fx.root, other.RootAccessKeyID)
		wantCode(t, "GetAccessKeyLastUsed(another account's key)", err, awserr.NoSuchEntity)
		_, err = fx.svc.GetAccessKeyLastUsed(ctx, fx.userPrincipal(t, "alice"), key.ID)
		wantCode(t, "GetAccessKeyLastUsed as alice without a policy", err, awserr.AccessDenied)
	})
}

// parseReport reads a credential report into rows keyed by user.
func parseReport(t *testing.T, content []byte) ([]string, map[string]map[string]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(content)).ReadAll()
	if err != nil {
		t.Fatalf("report is not CSV: %v\n%s", err, content)
	}
	header := recs[0]
	rows := map[string]map[string]string{}
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, v := range r {
			m[header[i]] = v
		}
		rows[r[0]] = m
	}
	return header, rows
}

func TestCredentialReport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		_, err := fx.svc.GetCredentialReport(ctx, fx.root)
		wantCode(t, "GetCredentialReport(none)", err, "ReportNotPresent")

		fx.user(t, "alice")
		fx.user(t, "bob")
		serial, seed := fx.device(t, "alice-phone")
		fx.enable(t, "alice", serial, seed)
		_, _, err = fx.svc.CreateLoginProfile(ctx, fx.root, "alice", "Correct-Horse-1", false)
		mustOK(t, "CreateLoginProfile", err)
		k1, _, err := fx.svc.CreateAccessKey(ctx, fx.root, "alice")
		mustOK(t, "CreateAccessKey", err)
		fx.clock.Advance(time.Minute)
		k2, _, err := fx.svc.CreateAccessKey(ctx, fx.root, "alice")
		mustOK(t, "CreateAccessKey", err)
		mustOK(t, "UpdateAccessKey", fx.svc.UpdateAccessKey(ctx, fx.root, "alice", k2.ID, iam.KeyInactive))
		rec := iam.NewUsageRecorder(fx.st, iam.UsageOptions{})
		usedAt := fx.clock.Now()
		rec.Record(k1.ID, "sts", "us-west-2", usedAt)
		mustOK(t, "Flush", rec.Flush(ctx))
		mustOK(t, "UpdateAccountPasswordPolicy", fx.svc.UpdateAccountPasswordPolicy(ctx, fx.root, iam.PasswordPolicy{MaxPasswordAge: 90}))

		state, err := fx.svc.GenerateCredentialReport(ctx, fx.root)
		if err != nil || state != iam.ReportComplete {
			t.Fatalf("GenerateCredentialReport = %q, %v", state, err)
		}
		r, err := fx.svc.GetCredentialReport(ctx, fx.root)
		mustOK(t, "GetCredentialReport", err)
		header, rows := parseReport(t, r.Content)
		if diff := cmp.Diff(iam.CredentialReportColumns, header); diff != "" {
			t.Errorf("header (-want +got):\n%s", diff)
		}
		if strings.Join(header, ",") != "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"+
			"password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,"+
			"access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,"+
			"access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"+
			"cert_1_last_rotated,cert_2_active,cert_2_last_rotated" {
			t.Errorf("header = %s", strings.Join(header, ","))
		}
		ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }
		wantRows := map[string]map[string]string{
			"<root_account>": {"arn": "arn:aws:iam::123456789012:root", "user_creation_time": ts(start),
				"password_enabled": "not_supported", "password_last_used": "no_information", "password_last_changed": "not_supported",
				"password_next_rotation": "not_supported", "mfa_active": "false",
				"access_key_1_active": "true", "access_key_1_last_rotated": ts(start), "access_key_1_last_used_date": "N/A",
				"access_key_1_last_used_region": "N/A", "access_key_1_last_used_service": "N/A",
				"access_key_2_active": "false", "access_key_2_last_rotated": "N/A", "access_key_2_last_used_date": "N/A",
				"access_key_2_last_used_region": "N/A", "access_key_2_last_used_service": "N/A",
				"cert_1_active": "false", "cert_1_last_rotated": "N/A", "cert_2_active": "false", "cert_2_last_rotated": "N/A"},
			"alice": {"arn": "arn:aws:iam::123456789012:user/alice", "user_creation_time": ts(start),
				"password_enabled": "true", "password_last_used": "no_information", "password_last_changed": ts(start),
				"password_next_rotation": ts(start.Add(90 * 24 * time.Hour)), "mfa_active": "true",
				"access_key_1_active": "true", "access_key_1_last_rotated": ts(start), "access_key_1_last_used_date": ts(usedAt),
				"access_key_1_last_used_region": "us-west-2", "access_key_1_last_used_service": "sts",
				"access_key_2_active": "false", "access_key_2_last_rotated": ts(start.Add(time.Minute)), "access_key_2_last_used_date": "N/A",
				"access_key_2_last_used_region": "N/A", "access_key_2_last_used_service": "N/A",
				"cert_1_active": "false", "cert_1_last_rotated": "N/A", "cert_2_active": "false", "cert_2_last_rotated": "N/A"},
			"bob": {"arn": "arn:aws:iam::123456789012:user/bob", "user_creation_time": ts(start),
				"password_enabled": "false", "password_last_used": "N/A", "password_last_changed": "N/A",
				"password_next_rotation": "N/A", "mfa_active": "false",
				"access_key_1_active": "false", "access_key_1_last_rotated": "N/A", "access_key_1_last_used_date": "N/A",
				"access_key_1_last_used_region": "N/A", "access_key_1_last_used_service": "N/A",
				"access_key_2_active": "false", "access_key_2_last_rotated": "N/A", "access_key_2_last_used_date": "N/A",
				"access_key_2_last_used_region": "N/A", "access_key_2_last_used_service": "N/A",
				"cert_1_active": "false", "cert_1_last_rotated": "N/A", "cert_2_active": "false", "cert_2_last_rotated": "N/A"},
		}
		for name, want := range wantRows {
			want["user"] = name
			if diff := cmp.Diff(want, rows[name]); diff != "" {
				t.Errorf("row %s (-want +got):\n%s", name, diff)
			}
		}
		if len(rows) != 3 {
			t.Errorf("report has %d rows, want 3 (root, alice, bob)", len(rows))
		}
		if lines := strings.Split(strings.TrimSpace(string(r.Content)), "\n"); !strings.HasPrefix(lines[1], "<root_account>,") {
			t.Errorf("first row = %s, want the root's", lines[1])
		}

		// A report younger than 4 hours is reused; an older one expires.
		mustOK(t, "DeleteLoginProfile", fx.svc.DeleteLoginProfile(ctx, fx.root, "alice"))
		fx.clock.Advance(3 * time.Hour)
		mustOK(t, "GenerateCredentialReport(reused)", func() error { _, err := fx.svc.GenerateCredentialReport(ctx, fx.root); return err }())
		r2, err := fx.svc.GetCredentialReport(ctx, fx.root)
		if err != nil || !r2.GeneratedAt.Equal(r.GeneratedAt) {
			t.Errorf("report after 3 h = %v, %v; want the same report", r2, err)
		}
		fx.clock.Advance(time.Hour)
		_, err = fx.svc.GetCredentialReport(ctx, fx.root)
		wantCode(t, "GetCredentialReport after 4 h", err, "ReportExpired")
		mustOK(t, "GenerateCredentialReport(new)", func() error { _, err := fx.svc.GenerateCredentialReport(ctx, fx.root); return err }())
		r3, err := fx.svc.GetCredentialReport(ctx, fx.root)
		mustOK(t, "GetCredentialReport(new)", err)
		if _, rows := parseReport(t, r3.Content); rows["alice"]["password_enabled"] != "false" {
			t.Errorf("new report: alice password_enabled = %s, want false", rows["alice"]["password_enabled"])
		}
	})
}

// TestGovernanceConcurrency: the tag limit holds against concurrent
// TagUser calls, and of two accounts claiming one alias at once exactly one
// gets it.
func TestGovernanceConcurrency(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		fx.user(t, "alice")
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			successes int
		)
		for g := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var tags []iam.Tag
				for i := range 6 {
					tags = append(tags, iam.Tag{Key: fmt.Sprintf("g%d-%d", g, i)})
				}
				err := fx.svc.TagUser(ctx, fx.root, "alice", tags)
				mu.Lock()
				defer mu.Unlock()
				switch awserr.Code(err) {
				case "":
					successes++
				case awserr.LimitExceeded:
				default:
					t.Errorf("TagUser: %v", err)
				}
			}()
		}
		wg.Wait()
		tags, _, err := fx.svc.ListUserTags(ctx, fx.root, "alice", "", 100)
		mustOK(t, "ListUserTags", err)
		if successes != 8 || len(tags) != 48 {
			t.Errorf("concurrent TagUser: %d calls succeeded, %d tags; want 8 and 48", successes, len(tags))
		}

		other, err := fx.svc.CreateAccount(ctx, iam.NewAccount{ID: "210987654321", Email: "other@example.com"})
		mustOK(t, "CreateAccount", err)
		otherRoot, err := fx.st.UserByID(ctx, other.Account.ID, other.Account.ID)
		mustOK(t, "UserByID", err)
		errs := make([]error, 2)
		for i, p := range []*authz.Principal{fx.root, {AccountID: other.Account.ID, User: otherRoot.Identity()}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = fx.svc.CreateAccountAlias(ctx, p, "contested")
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("concurrent CreateAccountAlias = %v, %v; want exactly one success", errs[0], errs[1])
		}
		for _, err := range errs {
			if err != nil {
				wantCode(t, "losing CreateAccountAlias", err, awserr.EntityAlreadyExists)
			}
		}
	})
}
