package console

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/iamd/iamd/internal/otp"
	"github.com/iamd/iamd/internal/store/storetest"
)

// TestBrowserRootSignsInWithMFA: root, whose virtual device the operator
// created through the iam domain, signs in with its email address and
// password, is asked for a code, is refused a wrong one, signs in with
// the right one (computed from the seed) with MFA and without the
// reminder to assign a device, and is refused the same code at its next
// sign-in.
func TestBrowserRootSignsInWithMFA(t *testing.T) {
	chromium(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, eng)
			dev, err := e.svc.CreateRootMFADevice(context.Background(), accountID)
			if err != nil {
				t.Fatal(err)
			}
			seed, err := otp.DecodeSecret(dev.Base32StringSeed)
			if err != nil {
				t.Fatal(err)
			}
			ctx := newBrowser(t)
			signIn := func(what string) {
				t.Helper()
				drive(t, ctx, what,
					chromedp.Navigate(e.url+"/console/signin"),
					chromedp.WaitVisible(field("Account ID or alias")),
					chromedp.Click(button("Sign in using root user email")),
					chromedp.WaitVisible(field("Root user email address")),
					fill("Root user email address", rootEmail),
					fill("Password", rootPassword),
					chromedp.Click(button("Sign in")),
					chromedp.WaitVisible(field("MFA code")),
				)
			}
			signIn("root's password: asked for a code")
			drive(t, ctx, "a wrong code",
				fill("MFA code", otp.CodeAt(seed, otp.Step(e.clock.Now(), otp.Params{})+9, otp.Params{})),
				chromedp.Click(button("Submit")),
				chromedp.WaitVisible(`//*[@role="alert" and contains(., "The MFA code is not valid")]`),
			)
			code := e.code(seed, 0)
			drive(t, ctx, "the right code",
				fill("MFA code", code),
				chromedp.Click(button("Submit")),
				chromedp.WaitVisible(`//h1[.="My security credentials"]`),
				chromedp.WaitVisible(`//td/code[.="`+dev.Serial+`"]`),
			)
			if got := pageText(t, ctx, `//*[contains(@class,"badge")]`); got != "Signed in with MFA" {
				t.Errorf("badge = %q, want Signed in with MFA", got)
			}
			if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err != nil || strings.Contains(html, "Your root user has no MFA device") {
				t.Errorf("root with a device is reminded to assign one (%v)", err)
			}
			drive(t, ctx, "sign out", chromedp.Click(button("Sign out")), chromedp.WaitVisible(`//*[@role="status" and contains(., "You have signed out.")]`))
			signIn("root signs in again")
			drive(t, ctx, "the same code again",
				fill("MFA code", code),
				chromedp.Click(button("Submit")),
				chromedp.WaitVisible(`//*[@role="alert" and contains(., "The MFA code is not valid")]`),
			)
		})
	}
}
