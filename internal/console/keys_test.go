package console

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
)

// manageOwnKeys is the IAM User Guide's "manage your own access keys"
// policy.
const manageOwnKeys = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["iam:CreateAccessKey","iam:DeleteAccessKey","iam:ListAccessKeys","iam:UpdateAccessKey","iam:GetAccessKeyLastUsed"],
  "Resource":"arn:aws:iam::*:user/${aws:username}"}]}`

var (
	keyIDPattern  = regexp.MustCompile(`<code id="access-key-id">(AKIA[A-Z0-9]{16})</code>`)
	secretPattern = regexp.MustCompile(`<code id="secret-access-key" class="secret">([^<]+)</code>`)
)

// TestOwnAccessKeys: the identity's keys on My security credentials:
// listed, created with the secret shown on that page only, deactivated,
// activated and deleted, each as the user through iam.
func TestOwnAccessKeys(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		firstKey, _ := e.user("alice", alicePassword, manageOwnKeys)
		b := e.browser()
		p := b.signIn("alice", alicePassword)
		p.mustContain(t, "keys listed", "Access keys", firstKey, "Active", "Never", "Create access key", "Deactivate")

		p = b.post("/console/access-keys/create", url.Values{})
		p.mustContain(t, "key created", "Access key created", "only time its secret access key can be viewed")
		idm, sm := keyIDPattern.FindStringSubmatch(p.body), secretPattern.FindStringSubmatch(p.body)
		if idm == nil || sm == nil {
			t.Fatalf("key created page lacks the key id or the secret:\n%s", p.body)
		}
		newID, secret := idm[1], html.UnescapeString(sm[1])
		// The new key works at the API.
		c := awsiam.NewFromConfig(e.config(newID, secret))
		if _, err := c.ListAccessKeys(context.Background(), &awsiam.ListAccessKeysInput{}); err != nil {
			t.Fatalf("ListAccessKeys with the new key = %v", err)
		}
		p = b.get("/console/security-credentials")
		p.mustContain(t, "two keys", firstKey, newID)
		if strings.Contains(p.body, sm[1]) || strings.Contains(p.body, secret) {
			t.Errorf("My security credentials shows the secret after the creation page")
		}

		p = b.post("/console/access-keys/update", url.Values{"id": {newID}, "status": {"Inactive"}})
		p.mustContain(t, "deactivated", "The access key is deactivated.", "Activate")
		if _, err := c.ListAccessKeys(context.Background(), &awsiam.ListAccessKeysInput{}); err == nil {
			t.Errorf("ListAccessKeys with the deactivated key succeeded")
		}
		b.post("/console/access-keys/update", url.Values{"id": {newID}, "status": {"Active"}}).mustContain(t, "activated", "The access key is activated.")
		p = b.post("/console/access-keys/delete", url.Values{"id": {newID}})
		p.mustContain(t, "deleted", "The access key is deleted.", firstKey)
		if strings.Contains(p.body, newID) {
			t.Errorf("deleted key %s still listed", newID)
		}
	})
}

// TestAccessKeysNotAuthorised: without a policy the section says which
// action is lacking, and a create says so too rather than failing.
func TestAccessKeysNotAuthorised(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.user("bob", alicePassword, "")
		b := e.browser()
		p := b.signIn("bob", alicePassword)
		p.mustContain(t, "bob's keys", "iam:ListAccessKeys", "iam:CreateAccessKey")
		p = b.post("/console/access-keys/create", url.Values{})
		if p.status != http.StatusForbidden {
			t.Errorf("create without permission: status %d, want 403", p.status)
		}
		p.mustContain(t, "create refused", "Not authorised", "iam:CreateAccessKey")
		// Another user's key, named in the form: the domain refuses it.
		e.user("carol", alicePassword, "")
		p = b.post("/console/access-keys/delete", url.Values{"user": {"carol"}, "id": {"AKIAAAAAAAAAAAAAAAAA"}})
		p.mustContain(t, "delete refused", "Not authorised", "iam:DeleteAccessKey")
	})
}
