package console

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/iamd/iamd/internal/otp"
	"github.com/iamd/iamd/internal/store/storetest"
)

// drive runs steps in the browser, failing with the page on error.
func drive(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		t.Fatalf("%s: %v\npage:\n%s", what, err, html)
	}
}

// pageText is the visible text of the element sel finds.
func pageText(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(sel, chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// TestBrowserPasswordResetRequired: a user whose login profile requires a
// reset is sent to choose a new password, sees the account's policy, is
// refused a password the policy rejects, and reaches its credentials once
// the change is made.
func TestBrowserPasswordResetRequired(t *testing.T) {
	chromium(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, eng)
			e.user("alice", alicePassword, changeOwnPassword)
			e.requireReset("alice")
			ctx := newBrowser(t)
			const newPassword = "Brand-New-Passw0rd-1"
			drive(t, ctx, "sign in with a reset required",
				chromedp.Navigate(e.url+"/console/signin"),
				chromedp.WaitVisible(field("Account ID or alias")),
				fill("Account ID or alias", accountID),
				fill("IAM user name", "alice"),
				fill("Password", alicePassword),
				chromedp.Click(button("Sign in")),
				chromedp.WaitVisible(`//h1[.="Choose a new password"]`),
				chromedp.WaitVisible(`//li[.="At least 8 and at most 128 characters"]`),
			)
			drive(t, ctx, "a password the policy refuses",
				fill("Old password", alicePassword),
				fill("New password", "short"),
				fill("Confirm new password", "short"),
				chromedp.Click(button("Change password")),
				chromedp.WaitVisible(`//*[@role="alert" and contains(., "minimum length of 8")]`),
			)
			drive(t, ctx, "the credentials page is not reachable yet",
				chromedp.Navigate(e.url+"/console/security-credentials"),
				chromedp.WaitVisible(`//h1[.="Choose a new password"]`),
			)
			drive(t, ctx, "a good password",
				fill("Old password", alicePassword),
				fill("New password", newPassword),
				fill("Confirm new password", newPassword),
				chromedp.Click(button("Change password")),
				chromedp.WaitVisible(`//h1[.="My security credentials"]`),
			)
			if got := pageText(t, ctx, `//*[@role="status"]`); got != "Your password is changed." {
				t.Errorf("notice = %q, want Your password is changed.", got)
			}
		})
	}
}

// TestBrowserAdminAssignsDevices: root signs in, opens the users list,
// assigns a hardware token picked from the account's inventory (codes
// computed from the seed the test imported) to one user and a virtual
// device (the secret read from the page) to another, and the list's MFA
// column shows both.
func TestBrowserAdminAssignsDevices(t *testing.T) {
	chromium(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, eng)
			e.user("alice", alicePassword, selfManageMFA)
			e.user("carol", alicePassword, "")
			e.user("dave", alicePassword, "")
			e.importToken("GAHT00000003")
			e.importToken("GAHT00000004")
			ctx := newBrowser(t)
			shot := sqliteShot(eng.Name)
			drive(t, ctx, "root signs in",
				rootSignIn(e.url),
				chromedp.Click(button("Users")),
				chromedp.WaitVisible(`//h1[.="Users"]`),
			)
			mfaOf := func(user string) string {
				t.Helper()
				return pageText(t, ctx, `//tr[td/a[.="`+user+`"]]/td[2]`)
			}
			if got := mfaOf("carol"); got != "Not enabled" {
				t.Errorf("carol's MFA column = %q, want Not enabled", got)
			}
			drive(t, ctx, "carol: a hardware token from the inventory",
				chromedp.Click(`//a[.="carol"]`),
				chromedp.WaitVisible(`//h1[.="carol"]`),
				chromedp.Click(button("Assign MFA device")),
				chromedp.WaitVisible(field("Serial number")),
				chromedp.Click(`//input[@value="hardware"]`),
				// The account's unassigned tokens are offered: no serial to type.
				chromedp.WaitReady(`//select[@id=//label[.="Serial number"]/@for]/option[.="GAHT00000004"]`),
				chromedp.SetValue(field("Serial number"), "GAHT00000003"),
				shot("assign-hardware"),
				chromedp.Click(button("Next")),
				chromedp.WaitVisible(field("MFA code 1")),
				fill("MFA code 1", e.code(hardwareSecret, -1)),
				fill("MFA code 2", e.code(hardwareSecret, 0)),
				chromedp.Click(button("Add MFA")),
				chromedp.WaitVisible(`//*[@role="status" and contains(., "The MFA device is assigned to the user.")]`),
				chromedp.WaitVisible(`//td/code[.="GAHT00000003"]`),
			)
			drive(t, ctx, "dave: a virtual device",
				chromedp.Click(`//p[@class="crumbs"]/a[.="Users"]`),
				chromedp.WaitVisible(`//h1[.="Users"]`),
				chromedp.Click(`//a[.="dave"]`),
				chromedp.WaitVisible(`//h1[.="dave"]`),
				chromedp.Click(button("Assign MFA device")),
				chromedp.WaitVisible(field("Device name")),
			)
			// carol's token is in use now: only the other one is offered.
			if got := pageText(t, ctx, `//select[@id="serial"]`); !strings.Contains(got, "GAHT00000004") || strings.Contains(got, "GAHT00000003") {
				t.Errorf("inventory offered for dave = %q, want GAHT00000004 only", got)
			}
			drive(t, ctx, "dave: the QR code",
				chromedp.Click(button("Next")),
				chromedp.WaitVisible(chromedp.CSS(`img[alt^="QR code"]`)),
				chromedp.Click(`//summary[normalize-space(.)="Show secret key"]`),
			)
			seed, err := otp.DecodeSecret(pageText(t, ctx, `//*[@id="secret"]`))
			if err != nil {
				t.Fatalf("secret on the page: %v", err)
			}
			drive(t, ctx, "dave: two codes",
				fill("MFA code 1", e.code(seed, -1)),
				fill("MFA code 2", e.code(seed, 0)),
				chromedp.Click(button("Add MFA")),
				chromedp.WaitVisible(`//*[@role="status" and contains(., "The MFA device is assigned to the user.")]`),
				chromedp.WaitVisible(`//td/code[.="arn:aws:iam::123456789012:mfa/dave"]`),
				chromedp.Click(`//p[@class="crumbs"]/a[.="Users"]`),
				chromedp.WaitVisible(`//h1[.="Users"]`),
				shot("users"),
			)
			for user, want := range map[string]string{"alice": "Not enabled", "carol": "Hardware", "dave": "Virtual"} {
				if got := mfaOf(user); got != want {
					t.Errorf("%s's MFA column = %q, want %q", user, got, want)
				}
			}
			drive(t, ctx, "the user page", chromedp.Click(`//a[.="dave"]`), chromedp.WaitVisible(`//h1[.="dave"]`), shot("user"))
		})
	}
}

// sqliteShot takes screenshots on the SQLite run only: one set of
// pictures, whatever the engines.
func sqliteShot(engine string) func(name string) chromedp.Action[chromedp.Void] {
	return func(name string) chromedp.Action[chromedp.Void] {
		if engine != "sqlite" {
			return chromedp.Steps()
		}
		return screenshot(name)
	}
}

// rootSignIn signs the test account's root user in with its email and
// password (no device), ending on "My security credentials".
func rootSignIn(url string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(url+"/console/signin/root"),
		chromedp.WaitVisible(field("Root user email address")),
		fill("Root user email address", rootEmail),
		fill("Password", rootPassword),
		chromedp.Click(button("Sign in")),
		chromedp.WaitVisible(`//h1[.="My security credentials"]`),
	)
}
