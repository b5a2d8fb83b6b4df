package console

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/iamd/iamd/internal/store/storetest"
)

// TestBrowserAccountSettings: root opens Account alias and Password policy
// from the header, sets an alias and a policy with the forms, and sees
// them applied.
func TestBrowserAccountSettings(t *testing.T) {
	chromium(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, eng)
			ctx := newBrowser(t)
			shot := sqliteShot(eng.Name)
			drive(t, ctx, "root signs in and sets an alias",
				rootSignIn(e.url),
				chromedp.Click(button("Account alias")),
				chromedp.WaitVisible(`//h1[.="Account alias"]`),
				fill("Alias", "example-corp"),
				chromedp.Click(button("Create alias")),
				chromedp.WaitVisible(`//*[@role="status" and contains(., "The account alias is set")]`),
				chromedp.WaitVisible(`//dd/code[.="example-corp"]`),
				shot("account-alias"),
			)
			drive(t, ctx, "root sets the password policy",
				chromedp.Click(button("Password policy")),
				chromedp.WaitVisible(`//h1[.="Password policy"]`),
				chromedp.SetValue(field("Minimum password length"), "12"),
				fill("Passwords remembered", "5"),
				chromedp.Click(`//label[span[.="At least one number (0–9)"]]/input`),
				chromedp.Click(`//label[span[.="Allow users to change their own password"]]/input`),
				chromedp.Click(button("Save password policy")),
				chromedp.WaitVisible(`//*[@role="status" and contains(., "The password policy is saved")]`),
				chromedp.WaitVisible(`//li[.="At least 12 characters"]`),
				chromedp.WaitVisible(`//li[.="Not one of your last 5 passwords"]`),
				shot("password-policy"),
			)
		})
	}
}
