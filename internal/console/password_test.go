package console

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
)

// changeOwnPassword is AWS's IAMUserChangePassword managed policy.
const changeOwnPassword = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iam:ChangePassword","Resource":"arn:aws:iam::*:user/${aws:username}"},
 {"Effect":"Allow","Action":"iam:GetAccountPasswordPolicy","Resource":"*"}]}`

// requireReset sets PasswordResetRequired on a user's login profile.
func (e *env) requireReset(user string) {
	e.t.Helper()
	if _, err := e.root.UpdateLoginProfile(context.Background(), &awsiam.UpdateLoginProfileInput{UserName: aws.String(user),
		PasswordResetRequired: aws.Bool(true)}); err != nil {
		e.t.Fatal(err)
	}
}

// TestPasswordResetRequired: a user whose login profile requires a reset
// lands on the change-password page, with the account's password policy,
// and can use nothing else until iam:ChangePassword succeeds.
func TestPasswordResetRequired(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("alice", alicePassword, changeOwnPassword)
		e.requireReset("alice")
		if _, err := e.root.UpdateAccountPasswordPolicy(context.Background(), &awsiam.UpdateAccountPasswordPolicyInput{
			MinimumPasswordLength: aws.Int32(14), RequireNumbers: true, PasswordReusePrevention: aws.Int32(2)}); err != nil {
			t.Fatal(err)
		}
		b := e.browser()
		p := b.signIn("alice", alicePassword)
		if p.url != "/console/change-password" {
			t.Fatalf("sign-in with a reset required: landed on %s, want /console/change-password", p.url)
		}
		p.mustContain(t, "forced change", "Choose a new password", "Password policy of the account", "At least 14 characters",
			"At least one number (0–9)", "Not one of your last 2 passwords", "Old password", "New password", "Confirm new password")
		for _, path := range []string{"/console/security-credentials", "/console/mfa/assign", "/console/"} {
			if p := b.get(path); p.url != "/console/change-password" {
				t.Errorf("GET %s before the change: landed on %s, want /console/change-password", path, p.url)
			}
		}
		if p := b.post("/console/mfa/assign", url.Values{"kind": {"virtual"}, "name": {"alice"}}); p.url != "/console/change-password" {
			t.Errorf("POST assign before the change: landed on %s", p.url)
		}

		cases := []struct {
			name, old, new, confirm, want string
		}{
			{"wrong old password", "Wrong-Passw0rd-Example", "Brand-New-Passw0rd-1", "Brand-New-Passw0rd-1", "The old password is incorrect."},
			{"mismatch", alicePassword, "Brand-New-Passw0rd-1", "Brand-New-Passw0rd-2", "The new passwords do not match."},
			{"too short", alicePassword, "Short-1", "Short-1", "Password should have a minimum length of 14"},
			{"reused", alicePassword, alicePassword, alicePassword, "Password should not be one of your last 2 passwords"},
		}
		for _, tc := range cases {
			p := b.post("/console/change-password", url.Values{"old": {tc.old}, "new": {tc.new}, "confirm": {tc.confirm}})
			if p.status != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", tc.name, p.status)
			}
			p.mustContain(t, tc.name, tc.want, "Choose a new password")
		}
		const newPassword = "Brand-New-Passw0rd-1"
		p = b.post("/console/change-password", url.Values{"old": {alicePassword}, "new": {newPassword}, "confirm": {newPassword}})
		if p.url != "/console/security-credentials" {
			t.Fatalf("change: landed on %s:\n%s", p.url, p.body)
		}
		p.mustContain(t, "after the change", "Your password is changed.", "My security credentials")
		lp, err := e.root.GetLoginProfile(context.Background(), &awsiam.GetLoginProfileInput{UserName: aws.String("alice")})
		if err != nil || lp.LoginProfile.PasswordResetRequired {
			t.Errorf("GetLoginProfile after the change = %+v, %v, want PasswordResetRequired false", lp, err)
		}
		b.post("/console/signout", nil)
		if p := b.signIn("alice", alicePassword); p.status != http.StatusUnauthorized {
			t.Errorf("old password after the change: status %d, want 401", p.status)
		}
		if p := b.signIn("alice", newPassword); p.url != "/console/security-credentials" {
			t.Errorf("new password: landed on %s", p.url)
		}
		// The section on My security credentials changes it again.
		b.get("/console/change-password").mustContain(t, "change page", "Change password", "At least 14 characters")
	})
}

// TestPasswordResetAfterMFA: the code first, then the forced change; and a
// user no policy lets change its password is told which action it lacks.
func TestPasswordResetAfterMFA(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("alice", alicePassword, "")
		_, seed := e.device("alice", "alice")
		e.requireReset("alice")
		e.nextStep()
		b := e.browser()
		if p := b.signIn("alice", alicePassword); p.url != "/console/signin/mfa" {
			t.Fatalf("password: landed on %s, want the MFA prompt", p.url)
		}
		p := b.post("/console/signin/mfa", url.Values{"code": {e.code(seed, 0)}})
		if p.url != "/console/change-password" {
			t.Fatalf("code: landed on %s, want /console/change-password", p.url)
		}
		// No account policy: AWS's default rules are shown.
		p.mustContain(t, "default rules", "At least 8 and at most 128 characters")
		p = b.post("/console/change-password", url.Values{"old": {alicePassword}, "new": {"Brand-New-Passw0rd-1"}, "confirm": {"Brand-New-Passw0rd-1"}})
		if p.status != http.StatusForbidden {
			t.Errorf("change without iam:ChangePassword: status %d, want 403", p.status)
		}
		p.mustContain(t, "denied change", "Not authorised", "iam:ChangePassword")
		if p := b.get("/console/security-credentials"); p.url != "/console/change-password" {
			t.Errorf("still forced: landed on %s", p.url)
		}
	})
}
