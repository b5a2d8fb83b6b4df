package console

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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
