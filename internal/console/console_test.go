package console

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/otp"
)

func TestSignInWithoutMFA(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("alice", alicePassword, selfManageMFA)
		b := e.browser()
		if p := b.get("/console/security-credentials"); p.url != "/console/signin" {
			t.Fatalf("GET security credentials signed out: landed on %s, want /console/signin", p.url)
		}
		p := b.get("/console/")
		p.mustContain(t, "sign-in page", "Account ID or alias", "IAM user name", "Password", `href="/console/signin/root"`)

		wrongPassword := b.signIn("alice", "Wrong-Passw0rd-Example")
		unknownUser := b.signIn("mallory", alicePassword)
		for _, p := range []page{wrongPassword, unknownUser} {
			if p.status != http.StatusUnauthorized {
				t.Errorf("refused sign-in: status %d, want 401", p.status)
			}
			p.mustContain(t, "refused sign-in", msgBadPassword)
		}
		// Nothing but the echoed user name tells the two refusals apart.
		if a, b := strings.ReplaceAll(wrongPassword.body, "alice", "X"), strings.ReplaceAll(unknownUser.body, "mallory", "X"); a != b {
			t.Errorf("a wrong password and an unknown user get different pages:\n%s\n---\n%s", a, b)
		}
		unknownAccount := b.post("/console/signin", url.Values{"account": {"999999999999"}, "username": {"alice"}, "password": {alicePassword}})
		unknownAccount.mustContain(t, "unknown account", msgBadPassword)

		p = b.signIn("alice", alicePassword)
		if p.url != "/console/security-credentials" || p.status != 200 {
			t.Fatalf("sign-in: landed on %s (%d), want the security credentials", p.url, p.status)
		}
		p.mustContain(t, "signed in", "My security credentials", "arn:aws:iam::123456789012:user/alice", "Signed in without MFA",
			"No MFA devices assigned.", "Assign MFA device")
		// Her policy is about MFA only: the access keys section is the one
		// that says what she lacks.
		if got := p.body; strings.Contains(got, "iam:ListMFADevices") || strings.Contains(got, "iam:EnableMFADevice") {
			t.Errorf("alice may list and assign her devices, but the page says Not authorised:\n%s", got)
		}
		p.mustContain(t, "keys section", "Not authorised", "iam:ListAccessKeys")

		b.post("/console/signout", nil).mustContain(t, "sign out", "You have signed out.")
		if p := b.get("/console/security-credentials"); p.url != "/console/signin" {
			t.Errorf("after sign-out: landed on %s, want /console/signin", p.url)
		}
	})
}

func TestSignInWithMFA(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		keyID, secret := e.user("alice", alicePassword, selfManageMFA)
		serial, seed := e.device("alice", "alice")
		e.nextStep()
		b := e.browser()

		p := b.signIn("alice", alicePassword)
		if p.url != "/console/signin/mfa" {
			t.Fatalf("password accepted: landed on %s, want the MFA prompt", p.url)
		}
		p.mustContain(t, "MFA prompt", "MFA code", "alice")
		// The pending session opens nothing but the prompt.
		if p := b.get("/console/security-credentials"); p.url != "/console/signin/mfa" {
			t.Fatalf("security credentials before the code: landed on %s", p.url)
		}

		wrong := otp.CodeAt(seed, otp.Step(e.clock.Now(), otp.Params{})+5, otp.Params{})
		p = b.post("/console/signin/mfa", url.Values{"code": {wrong}})
		if p.status != http.StatusUnauthorized {
			t.Errorf("wrong code: status %d, want 401", p.status)
		}
		p.mustContain(t, "wrong code", msgBadCode)

		code := e.code(seed, 0)
		p = b.post("/console/signin/mfa", url.Values{"code": {code}})
		if p.url != "/console/security-credentials" {
			t.Fatalf("right code: landed on %s:\n%s", p.url, p.body)
		}
		p.mustContain(t, "signed in with MFA", "Signed in with MFA", "arn:aws:iam::123456789012:mfa/alice", "Virtual")
		t.Logf("console sign-in with code %s: accepted", code)

		// The same code again, at the console: refused with the same message.
		b.post("/console/signout", nil)
		b.signIn("alice", alicePassword)
		p = b.post("/console/signin/mfa", url.Values{"code": {code}})
		if p.status != http.StatusUnauthorized {
			t.Errorf("replayed code: status %d, want 401", p.status)
		}
		p.mustContain(t, "replayed code", msgBadCode)
		t.Logf("console sign-in with replayed code %s: refused: %s", code, msgBadCode)

		// And at STS: one single-use record for both doors.
		e.stsRefusesCode(t, keyID, secret, serial, code)

		// The other way round: a code used by GetSessionToken is refused
		// at the console.
		e.nextStep()
		next := e.code(seed, 0)
		if _, err := awssts.NewFromConfig(e.config(keyID, secret)).GetSessionToken(context.Background(), &awssts.GetSessionTokenInput{
			SerialNumber: aws.String(serial), TokenCode: aws.String(next)}); err != nil {
			t.Fatalf("GetSessionToken(fresh code) = %v", err)
		}
		p = b.post("/console/signin/mfa", url.Values{"code": {next}})
		p.mustContain(t, "code used by STS", msgBadCode)
	})
}

// TestMFAThrottled: after five wrong codes the device refuses even the
// right one for a while, with the same message.
func TestMFAThrottled(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("alice", alicePassword, "")
		_, seed := e.device("alice", "alice")
		e.nextStep()
		b := e.browser()
		b.signIn("alice", alicePassword)
		for i := range 5 {
			b.post("/console/signin/mfa", url.Values{"code": {otp.CodeAt(seed, otp.Step(e.clock.Now(), otp.Params{})+int64(10+i), otp.Params{})}})
		}
		p := b.post("/console/signin/mfa", url.Values{"code": {e.code(seed, 0)}})
		p.mustContain(t, "right code while throttled", msgBadCode)
		e.clock.Advance(5 * time.Second)
		b.signIn("alice", alicePassword)
		e.nextStep()
		if p := b.post("/console/signin/mfa", url.Values{"code": {e.code(seed, 0)}}); p.url != "/console/security-credentials" {
			t.Errorf("right code after the delay: landed on %s", p.url)
		}
	})
}

func TestPasswordThrottled(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("alice", alicePassword, "")
		e.user("bob", alicePassword, "")
		b := e.browser()
		for range 5 {
			b.signIn("alice", "Wrong-Passw0rd-Example")
		}
		// Alice's throttle: the right password is refused, with the
		// same message, and counts as a failure.
		b.signIn("alice", alicePassword).mustContain(t, "alice throttled", msgBadPassword)
		e.clock.Advance(3 * time.Second)
		if p := b.signIn("alice", alicePassword); p.url != "/console/security-credentials" {
			t.Fatalf("after the delay: landed on %s:\n%s", p.url, p.body)
		}
		b.post("/console/signout", nil)

		// The client address's throttle: failures for any user names,
		// existing or not, block the address for every user.
		for _, name := range []string{"nobody1", "nobody2", "nobody3", "nobody4", "nobody5"} {
			b.signIn(name, alicePassword)
		}
		b.signIn("bob", alicePassword).mustContain(t, "address throttled", msgBadPassword)
		e.clock.Advance(3 * time.Second)
		if p := b.signIn("bob", alicePassword); p.url != "/console/security-credentials" {
			t.Fatalf("after the delay: landed on %s:\n%s", p.url, p.body)
		}
	})
}

func TestCrossSitePOSTRefused(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("alice", alicePassword, selfManageMFA)
		b := e.browser()
		b.signIn("alice", alicePassword)
		for _, h := range []struct{ key, value string }{
			{"Sec-Fetch-Site", "cross-site"},
			{"Origin", "https://evil.example"},
		} {
			evil := e.browser()
			evil.client.Jar = b.client.Jar // the victim's cookies, as a browser would send them
			evil.header.Set(h.key, h.value)
			for _, path := range []string{"/console/mfa/assign", "/console/signout", "/console/signin", "/console/quotas",
				"/console/account-alias", "/console/password-policy"} {
				p := evil.post(path, url.Values{"name": {"evil"}, "account": {accountID}, "username": {"alice"}, "password": {alicePassword}})
				if p.status != http.StatusForbidden {
					t.Errorf("POST %s with %s: %s: status %d, want 403", path, h.key, h.value, p.status)
				}
				p.mustContain(t, "cross-site POST", "sent from another site")
			}
		}
		// Nothing happened: alice is signed in and has no device named evil.
		p := b.get("/console/security-credentials")
		if p.url != "/console/security-credentials" || strings.Contains(p.body, "mfa/evil") {
			t.Errorf("after the cross-site POSTs: %s\n%s", p.url, p.body)
		}
		// A same-origin form is served.
		b.header.Set("Sec-Fetch-Site", "same-origin")
		b.header.Set("Origin", e.url)
		if p := b.post("/console/mfa/assign", url.Values{"name": {"alice"}}); p.status != 200 {
			t.Errorf("same-origin POST: status %d:\n%s", p.status, p.body)
		}
	})
}

func TestCookieAndHeaders(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("alice", alicePassword, "")
		for _, scheme := range []string{"http", "https"} {
			form := url.Values{"account": {accountID}, "username": {"alice"}, "password": {alicePassword}}
			req := httptest.NewRequest(http.MethodPost, scheme+"://iamd.example/console/signin", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			e.con.ServeHTTP(rec, req)
			res := rec.Result()
			cookies := res.Cookies()
			if res.StatusCode != http.StatusSeeOther || len(cookies) != 1 {
				t.Fatalf("%s sign-in: status %d, cookies %v", scheme, res.StatusCode, cookies)
			}
			c := cookies[0]
			if c.Name != cookieName || len(c.Value) != 64 || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/console" ||
				c.Secure != (scheme == "https") || c.MaxAge != 12*3600 {
				t.Errorf("%s sign-in cookie = %+v (raw %q), want HttpOnly, SameSite=Lax, Path=/console, Secure only under TLS, 12 h",
					scheme, c, res.Header.Get("Set-Cookie"))
			}
			// The store keeps the token's hash, never the token.
			if _, err := e.st.ConsoleSession(context.Background(), c.Value); err == nil {
				t.Errorf("the store has a session keyed by the cookie's token itself")
			}
			if _, err := e.st.ConsoleSession(context.Background(), storeID(c.Value)); err != nil {
				t.Errorf("ConsoleSession(hash of token) = %v", err)
			}
		}
		p := e.browser()
		req, _ := http.NewRequest(http.MethodGet, e.url+"/console/signin", nil)
		resp, err := p.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "img-src 'self' data:") {
			t.Errorf("Content-Security-Policy = %q", csp)
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", got)
		}
		css := e.browser().get("/console/static/console.css")
		if css.status != 200 || !strings.Contains(css.body, "--accent") {
			t.Errorf("stylesheet: %d", css.status)
		}
	})
}

func TestSessionTimeouts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("alice", alicePassword, "")
		b := e.browser()
		b.signIn("alice", alicePassword)
		// Used every 50 minutes, the session lives until 12 h after sign-in.
		for range 14 {
			e.clock.Advance(50 * time.Minute)
			if p := b.get("/console/security-credentials"); p.url != "/console/security-credentials" {
				t.Fatalf("busy session at %v: landed on %s", e.clock.Now(), p.url)
			}
		}
		e.clock.Advance(50 * time.Minute) // 12 h 30 min after sign-in
		if p := b.get("/console/security-credentials"); p.url != "/console/signin" {
			t.Errorf("session past its 12 h lifetime: landed on %s", p.url)
		}
		b.signIn("alice", alicePassword)
		e.clock.Advance(61 * time.Minute)
		if p := b.get("/console/security-credentials"); p.url != "/console/signin" {
			t.Errorf("session idle for 61 minutes: landed on %s", p.url)
		}
	})
}

// TestSessionMFAContext: a console session carries
// aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge as AWS sets them:
// false without MFA, true with the age counted from sign-in.
func TestSessionMFAContext(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("alice", alicePassword, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListMFADevices",
			"Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"},"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}]}`)
		e.user("bob", alicePassword, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListMFADevices",
			"Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}`)
		// bob without MFA: the key is false (a policy asking for false allows).
		e.browser().signIn("bob", alicePassword).mustContain(t, "bob", "No MFA devices assigned.")

		_, seed := e.device("alice", "alice")
		e.nextStep()
		b := e.browser()
		b.signIn("alice", alicePassword)
		p := b.post("/console/signin/mfa", url.Values{"code": {e.code(seed, 0)}})
		p.mustContain(t, "MFA session", "arn:aws:iam::123456789012:mfa/alice")
		e.clock.Advance(50 * time.Minute)
		b.get("/console/security-credentials").mustContain(t, "MFA 50 minutes ago", "arn:aws:iam::123456789012:mfa/alice")
		e.clock.Advance(11 * time.Minute)
		p = b.get("/console/security-credentials")
		p.mustContain(t, "MFA 61 minutes ago", "Not authorised", "iam:ListMFADevices")
	})
}

// TestNotAuthorised: sections the identity's policies do not allow say so,
// with the action, instead of failing.
func TestNotAuthorised(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("bob", alicePassword, "")
		b := e.browser()
		p := b.signIn("bob", alicePassword)
		if p.status != 200 {
			t.Fatalf("status %d", p.status)
		}
		p.mustContain(t, "bob's credentials", "Not authorised", "iam:ListMFADevices", "iam:EnableMFADevice",
			"sign in with MFA to do this")
		b.get("/console/mfa/assign").mustContain(t, "bob's assign page", "Not authorised", "iam:EnableMFADevice")
		p = b.post("/console/mfa/assign", url.Values{"kind": {"virtual"}, "name": {"bob"}})
		if p.status != http.StatusForbidden {
			t.Errorf("POST assign: status %d, want 403", p.status)
		}
		p.mustContain(t, "bob's assign POST", "Not authorised", "iam:CreateVirtualMFADevice")
	})
}

// TestAssignDeviceSeedOnce: the wizard shows the seed on the step that
// follows the device's creation, and on no page after it.
func TestAssignDeviceSeedOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		keyID, secret := e.user("alice", alicePassword, selfManageMFA)
		b := e.browser()
		b.signIn("alice", alicePassword)
		p := b.get("/console/mfa/assign")
		p.mustContain(t, "assign step 1", `<label for="name">Device name</label>`, `value="alice"`)

		p = b.post("/console/mfa/assign", url.Values{"name": {"alice"}})
		p.mustContain(t, "assign step 2", `src="data:image/png;base64,`, "<summary>Show secret key</summary>", "MFA code 1", "MFA code 2")
		b32 := seedPattern.FindString(p.body)
		seed, err := otp.DecodeSecret(b32)
		if b32 == "" || err != nil {
			t.Fatalf("no seed on the assignment step:\n%s", p.body)
		}
		serial := "arn:aws:iam::123456789012:mfa/alice"
		var after []page

		// Wrong codes: refused, and the page asks again without the seed.
		p = b.post("/console/mfa/enable", url.Values{"serial": {serial}, "code1": {e.code(seed, 0)}, "code2": {e.code(seed, 0)}})
		p.mustContain(t, "wrong codes", "The codes are not valid", "MFA code 1")
		after = append(after, p)
		p = b.post("/console/mfa/enable", url.Values{"serial": {serial}, "code1": {"12345"}, "code2": {"abcdef"}})
		p.mustContain(t, "malformed codes", "six digits")
		after = append(after, p)

		p = b.post("/console/mfa/enable", url.Values{"serial": {serial}, "code1": {e.code(seed, -1)}, "code2": {e.code(seed, 0)}})
		if p.url != "/console/security-credentials" {
			t.Fatalf("right codes: landed on %s:\n%s", p.url, p.body)
		}
		p.mustContain(t, "assigned", "Your MFA device is assigned", serial, "Virtual")
		after = append(after, p)

		// Sign in again with the device, then visit every page.
		b.post("/console/signout", nil)
		after = append(after, b.signIn("alice", alicePassword))
		e.nextStep()
		after = append(after, b.post("/console/signin/mfa", url.Values{"code": {e.code(seed, 0)}}))
		for _, path := range []string{"/console/", "/console/security-credentials", "/console/mfa/assign", "/console/signin", "/console/signin/root"} {
			after = append(after, b.get(path))
		}
		after = append(after, b.post("/console/mfa/assign", url.Values{"name": {"alice"}}))
		for _, p := range after {
			if strings.Contains(p.body, b32) || strings.Contains(p.body, "data:image/png") {
				t.Errorf("page %s (%d) after the assignment step shows the seed:\n%s", p.url, p.status, p.body)
			}
		}
		// The device works at STS as the console assigned it.
		e.nextStep()
		if _, err := awssts.NewFromConfig(e.config(keyID, secret)).GetSessionToken(context.Background(), &awssts.GetSessionTokenInput{
			SerialNumber: aws.String(serial), TokenCode: aws.String(e.code(seed, 0))}); err != nil {
			t.Errorf("GetSessionToken with the console-assigned device = %v", err)
		}
	})
}

func TestRootSignIn(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		b := e.browser()
		p := b.get("/console/signin/root")
		p.mustContain(t, "root sign-in page", "Root user email address", "Password")
		p = b.post("/console/signin/root", url.Values{"email": {rootEmail}, "password": {"Wrong-Passw0rd"}})
		p.mustContain(t, "wrong root password", msgBadPassword)
		p = b.post("/console/signin/root", url.Values{"email": {"ROOT@example.com"}, "password": {rootPassword}})
		if p.url != "/console/security-credentials" {
			t.Fatalf("root sign-in: landed on %s", p.url)
		}
		p.mustContain(t, "root without MFA", "arn:aws:iam::123456789012:root", "Your root user has no MFA device.")
		b.post("/console/signout", nil)

		dev, err := e.svc.CreateRootMFADevice(context.Background(), accountID)
		if err != nil {
			t.Fatal(err)
		}
		seed, _ := otp.DecodeSecret(dev.Base32StringSeed)
		e.nextStep()
		p = b.post("/console/signin/root", url.Values{"email": {rootEmail}, "password": {rootPassword}})
		if p.url != "/console/signin/mfa" {
			t.Fatalf("root with a device: landed on %s", p.url)
		}
		p.mustContain(t, "root MFA prompt", "MFA code")
		p = b.post("/console/signin/mfa", url.Values{"code": {e.code(seed, 0)}})
		if p.url != "/console/security-credentials" || strings.Contains(p.body, "no MFA device") {
			t.Fatalf("root with MFA: landed on %s:\n%s", p.url, p.body)
		}
		p.mustContain(t, "root with MFA", "Signed in with MFA", dev.Serial)
		// Root's password does not sign in an IAM user named like it.
		b.post("/console/signout", nil)
		b.post("/console/signin", url.Values{"account": {accountID}, "username": {"<root_account>"}, "password": {rootPassword}}).
			mustContain(t, "root through the IAM user page", msgBadPassword)
	})
}

// TestRemoveAndResync: Resync and Remove call ResyncMFADevice and
// DeactivateMFADevice as the signed-in user; the self-service policy lets
// a user remove a device only in a session signed in with MFA.
func TestRemoveAndResync(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("alice", alicePassword, selfManageMFA)
		b := e.browser()
		b.signIn("alice", alicePassword)
		// Assigned during a session without MFA: removing it needs MFA.
		serial, seed := e.device("alice", "alice")
		p := b.get("/console/mfa/remove?serial=" + url.QueryEscape(serial))
		p.mustContain(t, "remove page", "Remove MFA device", serial)
		p = b.post("/console/mfa/remove", url.Values{"serial": {serial}})
		if p.status != http.StatusForbidden {
			t.Errorf("remove without MFA: status %d, want 403", p.status)
		}
		p.mustContain(t, "remove without MFA", "Not authorised", "iam:DeactivateMFADevice", "sign in with MFA to do this")

		b.post("/console/signout", nil)
		e.nextStep()
		b.signIn("alice", alicePassword)
		b.post("/console/signin/mfa", url.Values{"code": {e.code(seed, 0)}}).mustContain(t, "MFA sign-in", "Signed in with MFA", serial)

		e.clock.Advance(2 * 30 * time.Second)
		p = b.post("/console/mfa/resync", url.Values{"serial": {serial}, "code1": {e.code(seed, 0)}, "code2": {e.code(seed, 0)}})
		p.mustContain(t, "resync with one code twice", "The codes are not valid")
		p = b.post("/console/mfa/resync", url.Values{"serial": {serial}, "code1": {e.code(seed, -1)}, "code2": {e.code(seed, 0)}})
		p.mustContain(t, "resync", "The MFA device is resynchronised.")

		p = b.post("/console/mfa/remove", url.Values{"serial": {serial}})
		p.mustContain(t, "remove with MFA", "The MFA device is removed.", "No MFA devices assigned.")
		// Another user's serial, or one that does not exist: nothing to do.
		if p := b.post("/console/mfa/remove", url.Values{"serial": {"arn:aws:iam::123456789012:mfa/nobody"}}); p.url != "/console/security-credentials" {
			t.Errorf("remove a device not the caller's: landed on %s", p.url)
		}
		b.post("/console/signout", nil)
		if p := b.signIn("alice", alicePassword); p.url != "/console/security-credentials" {
			t.Errorf("sign-in after removing the only device: landed on %s, want no MFA prompt", p.url)
		}
	})
}

// TestAssignHardwareToken: a user assigns a hardware token of the
// operator's inventory to itself with its serial number and two codes;
// a user who may enable devices but not create virtual ones is offered
// the hardware kind only.
func TestAssignHardwareToken(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		secret := []byte("12345678901234567890")
		if err := e.svc.ImportHardwareTokens(context.Background(), accountID, []iam.HardwareToken{
			{Serial: "GAHT00001234", Secret: secret, OTPType: iam.OTPTypeTOTP, Digits: 6}}); err != nil {
			t.Fatal(err)
		}
		e.user("carol", alicePassword, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Action":["iam:EnableMFADevice","iam:ListMFADevices"],"Resource":"arn:aws:iam::*:user/${aws:username}"}]}`)
		b := e.browser()
		p := b.signIn("carol", alicePassword)
		p.mustContain(t, "carol's credentials", "Assign MFA device")
		if strings.Contains(p.body, "iam:EnableMFADevice") || strings.Contains(p.body, "iam:ListMFADevices") {
			t.Errorf("carol may assign a hardware token, but the page says Not authorised:\n%s", p.body)
		}
		p = b.get("/console/mfa/assign")
		p.mustContain(t, "carol's assign page", `value="hardware" checked`, "Not authorised</strong> to create an authenticator app device",
			"iam:CreateVirtualMFADevice", "Serial number")
		p = b.post("/console/mfa/assign", url.Values{"kind": {"hardware"}, "serial": {"GAHT00001234"}})
		p.mustContain(t, "hardware codes step", "GAHT00001234", "MFA code 1", "MFA code 2")
		if strings.Contains(p.body, "data:image/png") || strings.Contains(p.body, "Show secret key") {
			t.Errorf("the hardware step shows a QR code or secret:\n%s", p.body)
		}
		p = b.post("/console/mfa/enable", url.Values{"serial": {"NOSUCHTOKEN1"}, "hardware": {"1"}, "code1": {"123456"}, "code2": {"654321"}})
		p.mustContain(t, "unknown token", "no token with this serial number")
		p = b.post("/console/mfa/enable", url.Values{"serial": {"GAHT00001234"}, "hardware": {"1"},
			"code1": {e.code(secret, -1)}, "code2": {e.code(secret, 0)}})
		if p.url != "/console/security-credentials" {
			t.Fatalf("enable the hardware token: landed on %s:\n%s", p.url, p.body)
		}
		p.mustContain(t, "hardware assigned", "Hardware", "GAHT00001234")
		b.post("/console/signout", nil)
		b.signIn("carol", alicePassword).mustContain(t, "MFA prompt", "MFA code")
		e.nextStep()
		b.post("/console/signin/mfa", url.Values{"code": {e.code(secret, 0)}}).mustContain(t, "signed in with the token", "Signed in with MFA")
	})
}

// TestSignInWithAliasAndSeveralDevices: the account is found by its alias
// too, and a user with several devices picks the one the code is from.
func TestSignInWithAliasAndSeveralDevices(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if _, err := e.root.CreateAccountAlias(ctx, &awsiam.CreateAccountAliasInput{AccountAlias: aws.String("example-corp")}); err != nil {
			t.Fatal(err)
		}
		if err := e.st.SetQuota(ctx, accountID, iam.QuotaMFADevicesPerUser, 2); err != nil {
			t.Fatal(err)
		}
		e.user("alice", alicePassword, "")
		_, seed1 := e.device("alice", "alice-phone")
		serial2, seed2 := e.device("alice", "alice-tablet")
		e.nextStep()
		b := e.browser()
		p := b.post("/console/signin", url.Values{"account": {"Example-Corp"}, "username": {"alice"}, "password": {alicePassword}})
		if p.url != "/console/signin/mfa" {
			t.Fatalf("sign-in with the alias: landed on %s", p.url)
		}
		p.mustContain(t, "device choice", `<label for="serial">MFA device</label>`, "mfa/alice-phone", "mfa/alice-tablet")
		// The phone's code said to be the tablet's: refused.
		p = b.post("/console/signin/mfa", url.Values{"serial": {serial2}, "code": {e.code(seed1, 0)}})
		p.mustContain(t, "code of the other device", msgBadCode)
		p = b.post("/console/signin/mfa", url.Values{"serial": {"arn:aws:iam::123456789012:mfa/not-alices"}, "code": {e.code(seed2, 0)}})
		p.mustContain(t, "a serial not alice's", msgBadCode)
		p = b.post("/console/signin/mfa", url.Values{"serial": {serial2}, "code": {e.code(seed2, 0)}})
		if p.url != "/console/security-credentials" {
			t.Fatalf("the tablet's code: landed on %s", p.url)
		}
	})
}

// TestHardwareInventoryPicker: an administrator assigning a device to a
// user is offered the account's unassigned hardware tokens (serials only)
// when it may list the account's devices (iam:ListVirtualMFADevices); an
// administrator who may not, and a user assigning its own device, type
// the serial, and learn no serial of the inventory.
func TestHardwareInventoryPicker(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.importToken("GAHT00000010")
		e.importToken("GAHT00000011")
		e.user("bob", alicePassword, "")
		if _, err := e.root.EnableMFADevice(context.Background(), &awsiam.EnableMFADeviceInput{UserName: aws.String("bob"),
			SerialNumber: aws.String("GAHT00000011"), AuthenticationCode1: aws.String(e.code(hardwareSecret, -1)),
			AuthenticationCode2: aws.String(e.code(hardwareSecret, 0))}); err != nil {
			t.Fatal(err)
		}
		e.user("carol", alicePassword, "")
		e.user("helen", alicePassword, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Action":["iam:EnableMFADevice","iam:CreateVirtualMFADevice","iam:GetUser","iam:ListMFADevices"],"Resource":"*"}]}`)
		b := e.browser()
		b.signInRoot()
		p := b.get("/console/mfa/assign?user=carol")
		p.mustContain(t, "root assigns to carol", `<select id="serial" name="serial"`, `<option value="GAHT00000010"`, "Choose a token")
		if strings.Contains(p.body, "GAHT00000011") {
			t.Error("the picker offers bob's token, which is in use")
		}
		if seedPattern.MatchString(p.body) || strings.Contains(p.body, "GEZDGNBVGY3TQOJQ") {
			t.Error("the picker shows a seed")
		}
		p = b.post("/console/mfa/assign", url.Values{"user": {"carol"}, "kind": {"hardware"}, "serial": {""}})
		if p.status != http.StatusBadRequest {
			t.Errorf("no token chosen: status %d, want 400", p.status)
		}
		p.mustContain(t, "no token chosen", `<option value="GAHT00000010"`)
		p = b.get("/console/mfa/assign")
		if strings.Contains(p.body, "<select") || strings.Contains(p.body, "GAHT00000010") {
			t.Error("root's own assign page offers the inventory")
		}

		h := e.browser()
		h.signIn("helen", alicePassword)
		p = h.get("/console/mfa/assign?user=carol")
		p.mustContain(t, "helen assigns to carol", `<input id="serial" name="serial" type="text"`)
		if strings.Contains(p.body, "GAHT00000010") || strings.Contains(p.body, "<select") {
			t.Error("helen, who may not list the account's devices, is offered the inventory")
		}
	})
}
