package console

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/otp"
)

// hardwareSecret is the inventory token's seed in these tests.
var hardwareSecret = []byte("12345678901234567890")

// importToken puts a hardware TOTP token into the account's inventory.
func (e *env) importToken(serial string) {
	e.t.Helper()
	if err := e.svc.ImportHardwareTokens(context.Background(), accountID, []iam.HardwareToken{
		{Serial: serial, Secret: hardwareSecret, OTPType: iam.OTPTypeTOTP, Digits: 6}}); err != nil {
		e.t.Fatal(err)
	}
}

// signInRoot signs the root user (without a device) in.
func (b *browser) signInRoot() page {
	b.t.Helper()
	return b.post("/console/signin/root", url.Values{"email": {rootEmail}, "password": {rootPassword}})
}

var mfaCell = regexp.MustCompile(`href="/console/users/([^"]+)">[^<]+</a></td>\s*<td>(?:<span[^>]*>)?([^<]+)`)

// mfaColumnOf reads the users list's MFA column, by user name.
func mfaColumnOf(body string) map[string]string {
	out := map[string]string{}
	for _, m := range mfaCell.FindAllStringSubmatch(body, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// TestUsersList: root sees every user with its MFA column reading
// exactly Virtual, Hardware or Not enabled.
func TestUsersList(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("alice", alicePassword, "")
		e.device("alice", "alice")
		e.user("bob", alicePassword, "")
		e.importToken("GAHT00000001")
		if _, err := e.root.EnableMFADevice(context.Background(), &awsiam.EnableMFADeviceInput{UserName: aws.String("bob"),
			SerialNumber: aws.String("GAHT00000001"), AuthenticationCode1: aws.String(e.code(hardwareSecret, -1)),
			AuthenticationCode2: aws.String(e.code(hardwareSecret, 0))}); err != nil {
			t.Fatal(err)
		}
		e.user("carol", alicePassword, "")
		b := e.browser()
		b.signInRoot()
		p := b.get("/console/users")
		if p.status != 200 {
			t.Fatalf("GET /console/users as root: status %d", p.status)
		}
		want := map[string]string{"alice": "Virtual", "bob": "Hardware", "carol": "Not enabled"}
		if diff := cmp.Diff(want, mfaColumnOf(p.body)); diff != "" {
			t.Errorf("MFA column (-want +got):\n%s\n%s", diff, p.body)
		}
		p.mustContain(t, "users list", "Create user", "User name")
		if strings.Contains(p.body, "Not authorised") {
			t.Errorf("root's users list says Not authorised:\n%s", p.body)
		}
	})
}

// TestAdminManagesUser: root creates a user, gives it a console password
// that must be reset, assigns it a virtual device and another user a
// hardware token from the inventory, creates and deletes its key, and
// deletes the user once nothing is left (a DeleteConflict before).
func TestAdminManagesUser(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("carol", alicePassword, "")
		e.importToken("GAHT00000002")
		b := e.browser()
		b.signInRoot()

		p := b.post("/console/users", url.Values{"name": {"dave"}})
		if p.url != "/console/users/dave" {
			t.Fatalf("create user: landed on %s:\n%s", p.url, p.body)
		}
		p.mustContain(t, "new user", "The user is created.", "arn:aws:iam::123456789012:user/dave", "No MFA devices assigned.",
			"No access keys.", "The user has no console password.")
		if p := b.post("/console/users", url.Values{"name": {"dave"}}); p.status != http.StatusConflict {
			t.Errorf("create dave twice: status %d, want 409", p.status)
		}

		// A password policy refusal is shown on the page.
		p = b.post("/console/users/dave/login-profile", url.Values{"op": {"create"}, "password": {"short"}, "reset": {"1"}})
		p.mustContain(t, "short password", "minimum length of 8")
		p = b.post("/console/users/dave/login-profile", url.Values{"op": {"create"}, "password": {alicePassword}, "reset": {"1"}})
		p.mustContain(t, "login profile", "The console password is created.", "Yes: a new password is chosen at the next sign-in")

		// A virtual device for dave, through the wizard.
		b.get("/console/mfa/assign?user=dave").mustContain(t, "assign for dave", "For user <strong>dave</strong>", `name="user" value="dave"`, `value="dave"`)
		p = b.post("/console/mfa/assign", url.Values{"user": {"dave"}, "kind": {"virtual"}, "name": {"dave"}})
		m := seedPattern.FindString(p.body)
		if m == "" {
			t.Fatalf("assign for dave: no seed on the page:\n%s", p.body)
		}
		seed, err := otp.DecodeSecret(m)
		if err != nil {
			t.Fatal(err)
		}
		p = b.post("/console/mfa/enable", url.Values{"user": {"dave"}, "serial": {"arn:aws:iam::123456789012:mfa/dave"}, "name": {"dave"},
			"code1": {e.code(seed, -1)}, "code2": {e.code(seed, 0)}})
		if p.url != "/console/users/dave" {
			t.Fatalf("enable dave's device: landed on %s:\n%s", p.url, p.body)
		}
		p.mustContain(t, "dave's device", "The MFA device is assigned to the user.", "arn:aws:iam::123456789012:mfa/dave", "Virtual")
		if strings.Contains(p.body, m) {
			t.Errorf("dave's page shows the seed after the assignment")
		}

		// A hardware token from the inventory for carol.
		p = b.post("/console/mfa/assign", url.Values{"user": {"carol"}, "kind": {"hardware"}, "serial": {"GAHT00000002"}})
		p.mustContain(t, "carol's token", "GAHT00000002", `name="user" value="carol"`)
		p = b.post("/console/mfa/enable", url.Values{"user": {"carol"}, "serial": {"GAHT00000002"}, "hardware": {"1"},
			"code1": {e.code(hardwareSecret, -1)}, "code2": {e.code(hardwareSecret, 0)}})
		if p.url != "/console/users/carol" {
			t.Fatalf("enable carol's token: landed on %s:\n%s", p.url, p.body)
		}
		p.mustContain(t, "carol's token", "Hardware", "GAHT00000002")
		if got := mfaColumnOf(b.get("/console/users").body); got["dave"] != "Virtual" || got["carol"] != "Hardware" {
			t.Errorf("MFA column after the assignments = %v, want dave Virtual, carol Hardware", got)
		}

		// dave's key.
		p = b.post("/console/access-keys/create", url.Values{"user": {"dave"}})
		p.mustContain(t, "dave's key", "Access key created", "For user <strong>dave</strong>")
		keyID := keyIDPattern.FindStringSubmatch(p.body)[1]
		b.get("/console/users/dave").mustContain(t, "dave's keys", keyID, "Active")

		// Not deleted while it has credentials.
		p = b.post("/console/users/dave/delete", nil)
		if p.status != http.StatusBadRequest {
			t.Errorf("delete dave with credentials: status %d, want 400", p.status)
		}
		p.mustContain(t, "delete conflict", "Cannot delete entity")

		b.post("/console/access-keys/delete", url.Values{"user": {"dave"}, "id": {keyID}}).mustContain(t, "key deleted", "The access key is deleted.")
		b.post("/console/users/dave/mfa/remove", url.Values{"serial": {"arn:aws:iam::123456789012:mfa/dave"}}).mustContain(t, "device removed",
			"The MFA device is removed from the user.", "No MFA devices assigned.")
		b.post("/console/users/dave/login-profile", url.Values{"op": {"delete"}}).mustContain(t, "profile deleted", "The console password is deleted.")
		p = b.post("/console/users/dave/delete", nil)
		if p.url != "/console/users" {
			t.Fatalf("delete dave: landed on %s:\n%s", p.url, p.body)
		}
		p.mustContain(t, "deleted", "The user dave is deleted.")
		if _, ok := mfaColumnOf(p.body)["dave"]; ok {
			t.Errorf("dave still listed after the deletion")
		}
		if p := b.get("/console/users/dave"); p.status != http.StatusNotFound {
			t.Errorf("GET dave's page after the deletion: status %d, want 404", p.status)
		}
	})
}

// TestUsersNotAuthorised: a user without IAM permissions is told which
// action each section lacks; an admin allowed to list users but not
// their devices sees the list without an MFA column.
func TestUsersNotAuthorised(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("bob", alicePassword, "")
		e.user("eve", alicePassword, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:GetUser"],"Resource":"*"}]}`)
		b := e.browser()
		b.signIn("bob", alicePassword)
		p := b.get("/console/users")
		if p.status != 200 {
			t.Errorf("bob's users list: status %d, want 200 with Not authorised", p.status)
		}
		p.mustContain(t, "bob's users list", "Not authorised", "iam:ListUsers", "iam:CreateUser")
		p = b.get("/console/users/eve")
		if p.status != http.StatusForbidden {
			t.Errorf("bob's view of eve: status %d, want 403", p.status)
		}
		p.mustContain(t, "bob's view of eve", "Not authorised", "iam:GetUser")
		p = b.post("/console/users", url.Values{"name": {"mallory"}})
		if p.status != http.StatusForbidden {
			t.Errorf("bob creates a user: status %d, want 403", p.status)
		}
		p.mustContain(t, "bob creates a user", "Not authorised", "iam:CreateUser")
		if p := b.post("/console/users/eve/delete", nil); !strings.Contains(p.body, "iam:DeleteUser") {
			t.Errorf("bob deletes eve: page lacks iam:DeleteUser:\n%s", p.body)
		}

		b = e.browser()
		b.signIn("eve", alicePassword)
		p = b.get("/console/users")
		p.mustContain(t, "eve's users list", "bob", "eve", "iam:ListMFADevices")
		if got := mfaColumnOf(p.body)["bob"]; got != "—" {
			t.Errorf("eve's MFA column for bob = %q, want — (not authorised)", got)
		}
		p = b.get("/console/users/bob")
		p.mustContain(t, "eve's view of bob", "arn:aws:iam::123456789012:user/bob", "iam:ListMFADevices", "iam:EnableMFADevice",
			"iam:ListAccessKeys", "iam:GetLoginProfile", "iam:DeleteUser")
	})
}
