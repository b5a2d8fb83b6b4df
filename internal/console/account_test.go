package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAccountAlias: root creates, replaces and deletes the account's alias
// through the iam domain (ListAccountAliases sees each), and IAM users
// sign in with it; a user without permissions sees every part as not
// authorised, learns no alias, and is refused.
func TestAccountAlias(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.user("bob", alicePassword, "")
		b := e.browser()
		b.signInRoot()
		p := b.get("/console/account-alias")
		p.mustContain(t, "no alias", `href="/console/account-alias"`, "The account has no alias", "Create alias")
		p = b.post("/console/account-alias", url.Values{"op": {"create"}, "alias": {"Bad--Alias"}})
		if p.status != http.StatusBadRequest {
			t.Errorf("a bad alias: status %d, want 400", p.status)
		}
		p.mustContain(t, "a bad alias", "3 to 63 lowercase letters")
		p = b.post("/console/account-alias", url.Values{"op": {"create"}, "alias": {"example-corp"}})
		if p.url != "/console/account-alias" || p.status != http.StatusOK {
			t.Fatalf("create: landed on %s (%d)", p.url, p.status)
		}
		p.mustContain(t, "created", "The account alias is set", "<code>example-corp</code>", "Change alias", "Delete alias")
		out, err := e.root.ListAccountAliases(ctx, nil)
		if err != nil || len(out.AccountAliases) != 1 || out.AccountAliases[0] != "example-corp" {
			t.Fatalf("ListAccountAliases = %v, %v; want example-corp", out, err)
		}
		bob := e.browser()
		if p := bob.post("/console/signin", url.Values{"account": {"example-corp"}, "username": {"bob"}, "password": {alicePassword}}); p.url != "/console/security-credentials" {
			t.Errorf("bob signs in with the alias: landed on %s", p.url)
		}
		p = bob.get("/console/account-alias")
		p.mustContain(t, "bob's alias page", "Not authorised", "iam:ListAccountAliases", "iam:CreateAccountAlias")
		for _, leak := range []string{"example-corp", `href="/console/account-alias"`, "Delete alias"} {
			if strings.Contains(p.body, leak) {
				t.Errorf("bob's alias page shows %q", leak)
			}
		}
		p = bob.post("/console/account-alias", url.Values{"op": {"delete"}, "alias": {"example-corp"}})
		if p.status != http.StatusForbidden {
			t.Errorf("bob deletes the alias: status %d, want 403", p.status)
		}
		p.mustContain(t, "bob deletes the alias", "iam:DeleteAccountAlias")

		p = b.post("/console/account-alias", url.Values{"op": {"create"}, "alias": {"example-two"}})
		p.mustContain(t, "replaced", "<code>example-two</code>")
		p = b.post("/console/account-alias", url.Values{"op": {"delete"}, "alias": {"example-two"}})
		p.mustContain(t, "deleted", "The account alias is deleted", "The account has no alias")
		if out, err := e.root.ListAccountAliases(ctx, nil); err != nil || len(out.AccountAliases) != 0 {
			t.Errorf("ListAccountAliases after delete = %v, %v; want none", out, err)
		}
	})
}

// TestPasswordPolicyPage: root sets the policy with the form
// (GetAccountPasswordPolicy through the API reads it back), the forced
// change then enforces it, and root deletes it; a user without
// permissions sees the sections as not authorised and no rule of the
// account's policy.
func TestPasswordPolicyPage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.user("bob", alicePassword, "")
		b := e.browser()
		b.signInRoot()
		p := b.get("/console/password-policy")
		p.mustContain(t, "no policy", `href="/console/password-policy"`, "AWS's default rules apply", "At least 8 and at most 128 characters",
			"Set a password policy", "Minimum password length")
		if strings.Contains(p.body, "Delete password policy") {
			t.Error("no policy: the page offers to delete one")
		}
		p = b.post("/console/password-policy", url.Values{"op": {"update"}, "min_length": {"200"}})
		if p.status != http.StatusBadRequest {
			t.Errorf("min length 200: status %d, want 400", p.status)
		}
		p.mustContain(t, "min length 200", "The minimum length is a whole number from 6 to 128.", `value="200"`)
		p = b.post("/console/password-policy", url.Values{"op": {"update"}, "min_length": {"14"}, "numbers": {"1"}, "upper": {"1"},
			"reuse": {"3"}, "max_age": {"90"}, "allow_change": {"1"}})
		if p.url != "/console/password-policy" || p.status != http.StatusOK {
			t.Fatalf("update: landed on %s (%d)", p.url, p.status)
		}
		p.mustContain(t, "updated", "The password policy is saved", "At least 14 characters", "At least one number (0–9)",
			"Not one of your last 3 passwords", "Expires after 90 days", "Delete password policy", `value="14"`)
		got, err := e.root.GetAccountPasswordPolicy(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		pp := got.PasswordPolicy
		if *pp.MinimumPasswordLength != 14 || !pp.RequireNumbers || !pp.RequireUppercaseCharacters || pp.RequireSymbols ||
			*pp.PasswordReusePrevention != 3 || *pp.MaxPasswordAge != 90 || !pp.AllowUsersToChangePassword {
			t.Errorf("GetAccountPasswordPolicy = %+v, want the form's", pp)
		}

		bob := e.browser()
		bob.signIn("bob", alicePassword)
		p = bob.get("/console/password-policy")
		// AllowUsersToChangePassword lets bob read the policy, as the API.
		p.mustContain(t, "bob's policy page", "At least 14 characters", "Not authorised", "iam:UpdateAccountPasswordPolicy")
		if strings.Contains(p.body, "Save password policy") || strings.Contains(p.body, "Delete password policy") {
			t.Error("bob's policy page offers to change the policy")
		}
		p = bob.post("/console/password-policy", url.Values{"op": {"delete"}})
		if p.status != http.StatusForbidden {
			t.Errorf("bob deletes the policy: status %d, want 403", p.status)
		}
		p.mustContain(t, "bob deletes the policy", "iam:DeleteAccountPasswordPolicy")

		p = b.post("/console/password-policy", url.Values{"op": {"update"}, "min_length": {"10"}})
		p = b.get("/console/password-policy")
		// Saving replaces the whole policy: AllowUsersToChangePassword is off now.
		p = bob.get("/console/password-policy")
		p.mustContain(t, "bob without AllowUsersToChangePassword", "Not authorised", "iam:GetAccountPasswordPolicy")
		if strings.Contains(p.body, "At least 10 characters") {
			t.Error("bob sees the policy's rules without iam:GetAccountPasswordPolicy")
		}
		p = b.post("/console/password-policy", url.Values{"op": {"delete"}})
		p.mustContain(t, "deleted", "The password policy is deleted", "AWS's default rules apply")
		if _, err := e.root.GetAccountPasswordPolicy(ctx, nil); err == nil {
			t.Error("GetAccountPasswordPolicy after delete: a policy")
		}
	})
}
