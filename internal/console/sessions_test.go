package console

import (
	"context"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestPasswordLastUsed: a console sign-in records the user's (and root's)
// PasswordLastUsed, which GetUser and the users list show, as on AWS.
func TestPasswordLastUsed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.user("alice", alicePassword, "")
		e.user("bob", alicePassword, "")
		out, err := e.root.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("alice")})
		if err != nil || out.User.PasswordLastUsed != nil {
			t.Fatalf("before sign-in: PasswordLastUsed = %v (%v), want none", out.User.PasswordLastUsed, err)
		}
		at := e.clock.Now().UTC().Truncate(1e6)
		if p := e.browser().signIn("alice", alicePassword); p.url != "/console/security-credentials" {
			t.Fatalf("alice signs in: landed on %s", p.url)
		}
		e.browser().signIn("bob", "wrong password")
		out, err = e.root.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("alice")})
		if err != nil || out.User.PasswordLastUsed == nil || out.User.PasswordLastUsed.Before(at.Add(-1e9)) {
			t.Fatalf("after sign-in: PasswordLastUsed = %v (%v), want about %v", out.User.PasswordLastUsed, err, at)
		}
		b := e.browser()
		b.signInRoot()
		if got := mfaColumnOf(b.get("/console/users").body); len(got) != 2 {
			t.Fatalf("users list: %v", got)
		}
		p := b.get("/console/users")
		p.mustContain(t, "users list", formatDate(*out.User.PasswordLastUsed))
		if bob, _ := e.root.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("bob")}); bob.User.PasswordLastUsed != nil {
			t.Errorf("a wrong password recorded bob's PasswordLastUsed: %v", bob.User.PasswordLastUsed)
		}
		root, err := e.svc.ConsoleUser(ctx, accountID, accountID)
		if err != nil || root.PasswordLastUsed.IsZero() {
			t.Errorf("root's PasswordLastUsed after its sign-in = %v (%v)", root.PasswordLastUsed, err)
		}
	})
}

// TestPasswordChangeEndsSessions: a user's own password change ends its
// other console sessions and keeps the one that made it; an
// administrator's new password for the user, or the removal of its
// console password, ends all of them, and not the administrator's.
func TestPasswordChangeEndsSessions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("alice", alicePassword, changeOwnPassword)
		signedIn := func(b *browser) bool {
			b.t.Helper()
			return b.get("/console/security-credentials").url == "/console/security-credentials"
		}
		one, two := e.browser(), e.browser()
		one.signIn("alice", alicePassword)
		two.signIn("alice", alicePassword)
		if !signedIn(one) || !signedIn(two) {
			t.Fatal("alice is not signed in twice")
		}
		const second = "Second-Passw0rd-Example"
		p := one.post("/console/change-password", url.Values{"old": {alicePassword}, "new": {second}, "confirm": {second}})
		p.mustContain(t, "alice changes her password", "Your password is changed.")
		if !signedIn(one) {
			t.Error("the session that changed the password was ended")
		}
		if signedIn(two) {
			t.Error("alice's other session survived her password change")
		}

		admin := e.browser()
		admin.signInRoot()
		three := e.browser()
		three.signIn("alice", second)
		p = admin.post("/console/users/alice/login-profile", url.Values{"op": {"update"}, "reset": {""}})
		p.mustContain(t, "reset flag only", "The console password is updated.")
		if !signedIn(one) || !signedIn(three) {
			t.Error("an update without a new password ended alice's sessions")
		}
		p = admin.post("/console/users/alice/login-profile", url.Values{"op": {"update"}, "password": {"Third-Passw0rd-Example"}})
		p.mustContain(t, "admin sets a password", "The console password is updated.")
		if signedIn(one) || signedIn(three) {
			t.Error("alice's sessions survived the administrator's new password")
		}
		if !signedIn(admin) {
			t.Error("the administrator's session was ended")
		}
		four := e.browser()
		four.signIn("alice", "Third-Passw0rd-Example")
		if !signedIn(four) {
			t.Fatal("alice cannot sign in with her new password")
		}
		admin.post("/console/users/alice/login-profile", url.Values{"op": {"delete"}}).mustContain(t, "remove console access", "The console password is deleted.")
		if signedIn(four) {
			t.Error("alice's session survived the removal of her console password")
		}
	})
}
