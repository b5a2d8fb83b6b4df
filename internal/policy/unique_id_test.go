package policy

import "testing"

// TestUniqueIDPrincipals checks that a trust policy may hold a deleted
// principal's unique id (AWS shows one in its place) and that such an entry
// matches no caller.
func TestUniqueIDPrincipals(t *testing.T) {
	for _, tt := range []struct {
		id   string
		want bool
	}{
		{"AIDAEXAMPLE0123456789", true},
		{"AROAEXAMPLE0123456789", true},
		{"AKIAEXAMPLE0123456789", false}, // an access key id is no principal
		{"AIDAshort", false},
		{"AIDAEXAMPLE01234567-9", false},
	} {
		if got := isUniqueID(tt.id); got != tt.want {
			t.Errorf("isUniqueID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
	doc, err := Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"AIDAEXAMPLE0123456789"},"Action":"sts:AssumeRole"}]}`, TrustPolicy)
	if err != nil {
		t.Fatalf("Parse(trust policy with a unique id) = %v", err)
	}
	c := &Caller{Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/AIDAEXAMPLE0123456789"}
	if doc.Statements[0].Principal.matches(c) {
		t.Error("a unique id matched a caller")
	}
}

func TestStatementAppliesTo(t *testing.T) {
	doc, err := Parse(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Deny","Action":["iam:Attach*","sts:AssumeRole"],"Resource":"*"},
		{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`, IdentityPolicy)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		st     int
		action string
		want   bool
	}{
		{0, "iam:AttachUserPolicy", true}, {0, "IAM:attachrolepolicy", true}, {0, "sts:AssumeRole", true},
		{0, "iam:DetachUserPolicy", false}, {1, "iam:GetUser", false}, {1, "sts:GetCallerIdentity", true},
	} {
		if got := doc.Statements[tt.st].AppliesTo(tt.action); got != tt.want {
			t.Errorf("statement %d AppliesTo(%q) = %v, want %v", tt.st, tt.action, got, tt.want)
		}
	}
}
