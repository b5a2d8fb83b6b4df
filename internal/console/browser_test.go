package console

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/iamd/iamd/internal/otp"
	"github.com/iamd/iamd/internal/store/storetest"
)

// chromium returns the Chromium to drive: $CHROMIUM, else chromium on
// PATH. Without one the browser tests skip, except under CI=true or
// IAMD_TEST_BROWSER=1, where a missing Chromium is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path != "" {
		return path
	}
	if os.Getenv("CI") == "true" || os.Getenv("IAMD_TEST_BROWSER") == "1" {
		t.Fatal("Chromium not found (set CHROMIUM or install Debian's chromium: apt-get install -y chromium); " +
			"the browser tests must run under CI=true and IAMD_TEST_BROWSER=1")
	}
	t.Skip("Chromium not found: browser tests skipped (set IAMD_TEST_BROWSER=1 to require them)")
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile and no
// network beyond the test server, with the page's JavaScript switched off:
// the console must work without it.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 860),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	noScript := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
	if err := chromedp.Do(ctx, noScript); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// field is the XPath of the input a label names, so the tests find
// fields as a screen reader does.
func field(label string) string {
	return `//*[@id=//label[normalize-space(.)="` + label + `"]/@for]`
}

// button is the XPath of a button or link with the text.
func button(text string) string {
	return `//*[(self::button or self::a) and normalize-space(.)="` + text + `"]`
}

// screenshot saves a full-page PNG as docs/console-NAME.png when
// IAMD_TEST_SCREENSHOTS is set.
func screenshot(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if os.Getenv("IAMD_TEST_SCREENSHOTS") == "" {
			return nil
		}
		png, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join("..", "..", "docs", "console-"+name+".png"), png, 0o644)
	})
}

// fill types into the field a label names.
func fill(label, text string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(field(label), text)
}

// TestBrowserAssignDeviceAndSignInWithMFA drives the console in headless
// Chromium: a user signs in without MFA, assigns a virtual device through
// the wizard (the secret read from the page, behind "Show secret key"),
// signs out, signs in again and is asked for a code; a wrong code and a
// replayed code are refused, the right one signs in with MFA.
func TestBrowserAssignDeviceAndSignInWithMFA(t *testing.T) {
	chromium(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, eng)
			e.user("alice", alicePassword, selfManageMFA)
			ctx := newBrowser(t)
			shot := func(name string) chromedp.Action[chromedp.Void] {
				if eng.Name != "sqlite" {
					return chromedp.Steps()
				}
				return screenshot(name)
			}
			run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
				defer cancel()
				if err := chromedp.Do(sctx, steps...); err != nil {
					html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
					t.Fatalf("%s: %v\npage:\n%s", what, err, html)
				}
			}
			text := func(sel string) string {
				t.Helper()
				sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
				defer cancel()
				s, err := chromedp.Run(sctx, chromedp.Text(sel, chromedp.NodeVisible))
				if err != nil {
					t.Fatalf("read %s: %v", sel, err)
				}
				return strings.TrimSpace(s)
			}
			badge := `//*[contains(@class,"badge")]`

			run("sign in without MFA",
				chromedp.Navigate(e.url+"/"),
				chromedp.WaitVisible(field("Account ID or alias")),
				fill("Account ID or alias", accountID),
				fill("IAM user name", "alice"),
				fill("Password", alicePassword),
				shot("signin"),
				chromedp.Click(button("Sign in")),
				chromedp.WaitVisible(`//h1[.="My security credentials"]`),
			)
			if got := text(badge); got != "Signed in without MFA" {
				t.Errorf("badge = %q, want Signed in without MFA", got)
			}

			run("assign: name the device",
				chromedp.Click(button("Assign MFA device")),
				chromedp.WaitVisible(field("Device name")),
				shot("assign-mfa-choose"),
			)
			if name, err := chromedp.Run(ctx, chromedp.Value(field("Device name"))); err != nil || name != "alice" {
				t.Errorf("Device name prefilled with %q (%v), want alice", name, err)
			}
			run("assign: the QR code",
				chromedp.Click(button("Next")),
				chromedp.WaitVisible(chromedp.CSS(`img[alt^="QR code"]`)),
				shot("assign-mfa"),
			)
			if w, err := chromedp.Run(ctx, chromedp.JavascriptAttribute[float64](chromedp.CSS(`img[alt^="QR code"]`), "naturalWidth")); err != nil || w < 100 {
				t.Errorf("QR image naturalWidth = %v (%v): the data: URL did not load (CSP img-src?)", w, err)
			}
			if hidden, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("secret"))); err != nil || hidden != "" {
				t.Errorf("secret before Show secret key = %q (%v), want hidden", hidden, err)
			}
			run("show the secret key", chromedp.Click(`//summary[normalize-space(.)="Show secret key"]`))
			b32 := text(`//*[@id="secret"]`)
			seed, err := otp.DecodeSecret(b32)
			if err != nil {
				t.Fatalf("secret on the page %q: %v", b32, err)
			}
			run("assign: two codes",
				fill("MFA code 1", e.code(seed, -1)),
				fill("MFA code 2", e.code(seed, 0)),
				chromedp.Click(button("Add MFA")),
				chromedp.WaitVisible(`//*[@role="status" and contains(., "Your MFA device is assigned")]`),
				chromedp.WaitVisible(`//td/code[.="arn:aws:iam::123456789012:mfa/alice"]`),
				shot("security-credentials"),
			)
			if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err != nil || strings.Contains(html, b32) {
				t.Errorf("the security credentials page shows the seed (%v)", err)
			}

			signInAgain := func(what string) {
				t.Helper()
				run(what,
					chromedp.Click(button("Sign out")),
					chromedp.WaitVisible(`//*[@role="status" and contains(., "You have signed out.")]`),
					fill("Account ID or alias", accountID),
					fill("IAM user name", "alice"),
					fill("Password", alicePassword),
					chromedp.Click(button("Sign in")),
					chromedp.WaitVisible(field("MFA code")),
				)
			}
			signInAgain("sign out, sign in again: asked for a code")
			run("MFA prompt screenshot", shot("mfa-prompt"))
			wrong := otp.CodeAt(seed, otp.Step(e.clock.Now(), otp.Params{})+7, otp.Params{})
			run("a wrong code",
				fill("MFA code", wrong),
				chromedp.Click(button("Submit")),
				chromedp.WaitVisible(`//*[@role="alert" and contains(., "The MFA code is not valid")]`),
			)
			e.nextStep()
			code := e.code(seed, 0)
			run("the right code",
				fill("MFA code", code),
				chromedp.Click(button("Submit")),
				chromedp.WaitVisible(`//h1[.="My security credentials"]`),
			)
			if got := text(badge); got != "Signed in with MFA" {
				t.Errorf("badge = %q, want Signed in with MFA", got)
			}
			signInAgain("sign in once more")
			run("the same code again",
				fill("MFA code", code),
				chromedp.Click(button("Submit")),
				chromedp.WaitVisible(`//*[@role="alert" and contains(., "The MFA code is not valid")]`),
			)
		})
	}
}
