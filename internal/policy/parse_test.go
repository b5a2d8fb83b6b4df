package policy

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ignoreCompiled compares the exported shape of documents only.
var ignoreCompiled = cmpopts.IgnoreUnexported(Document{}, Statement{}, Condition{})

func TestParseShapes(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		doc  string
		want *Document
	}{
		{
			name: "statement object, string elements, no version",
			kind: IdentityPolicy,
			doc:  `{"Statement":{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}}`,
			want: &Document{Statements: []Statement{{Effect: EffectAllow, Action: []string{"iam:GetUser"}, Resource: []string{"*"}}}},
		},
		{
			name: "statement array, arrays, id, sid, NotAction, NotResource",
			kind: IdentityPolicy,
			doc: `{"Version":"2012-10-17","Id":"p-1","Statement":[
				{"Sid":"A1","Effect":"Deny","NotAction":["iam:Get*","sts:*"],"NotResource":["arn:aws:iam::123456789012:user/alice"]}]}`,
			want: &Document{Version: Version2012, ID: "p-1", Statements: []Statement{{
				Sid: "A1", Effect: EffectDeny, NotAction: []string{"iam:Get*", "sts:*"},
				NotResource: []string{"arn:aws:iam::123456789012:user/alice"},
			}}},
		},
		{
			name: "conditions sorted by operator then key, scalars kept as text",
			kind: SessionPolicy,
			doc: `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
				"StringEquals":{"aws:username":["alice","bob"],"aws:PrincipalTag/team":"red"},
				"Bool":{"aws:SecureTransport":true},
				"NumericLessThan":{"aws:MultiFactorAuthAge":3600.5}}}]}`,
			want: &Document{Version: Version2008, Statements: []Statement{{
				Effect: EffectAllow, Action: []string{"*"}, Resource: []string{"*"},
				Condition: []Condition{
					{Operator: "Bool", Key: "aws:SecureTransport", Values: []string{"true"}},
					{Operator: "NumericLessThan", Key: "aws:MultiFactorAuthAge", Values: []string{"3600.5"}},
					{Operator: "StringEquals", Key: "aws:PrincipalTag/team", Values: []string{"red"}},
					{Operator: "StringEquals", Key: "aws:username", Values: []string{"alice", "bob"}},
				},
			}}},
		},
		{
			name: "trust policy principals",
			kind: TrustPolicy,
			doc: `{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::123456789012:user/alice"],"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
				{"Effect":"Allow","Principal":"*","Action":["sts:AssumeRole","sts:TagSession"]},
				{"Effect":"Deny","NotPrincipal":{"Federated":"arn:aws:iam::123456789012:saml-provider/idp"},"Action":"sts:*"}]}`,
			want: &Document{Version: Version2012, Statements: []Statement{
				{Effect: EffectAllow, Principal: &Principals{AWS: []string{"123456789012", "arn:aws:iam::123456789012:user/alice"}, Service: []string{"ec2.amazonaws.com"}}, Action: []string{"sts:AssumeRole"}},
				{Effect: EffectAllow, Principal: &Principals{All: true}, Action: []string{"sts:AssumeRole", "sts:TagSession"}},
				{Effect: EffectDeny, NotPrincipal: &Principals{Federated: []string{"arn:aws:iam::123456789012:saml-provider/idp"}}, Action: []string{"sts:*"}},
			}},
		},
		{
			name: "resource policy allows free-text sids",
			kind: ResourcePolicy,
			doc:  `{"Version":"2012-10-17","Statement":[{"Sid":"allow read-only","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`,
			want: &Document{Version: Version2012, Statements: []Statement{{
				Sid: "allow read-only", Effect: EffectAllow, Principal: &Principals{AWS: []string{"*"}},
				Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::b/*"},
			}}},
		},
		{
			name: "managed policy with 2012 version",
			kind: ManagedPolicy,
			doc:  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"arn:aws:iam::*:user/${aws:username, 'x'}"}]}`,
			want: &Document{Version: Version2012, Statements: []Statement{{
				Effect: EffectAllow, Action: []string{"iam:List*"}, Resource: []string{"arn:aws:iam::*:user/${aws:username, 'x'}"},
			}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.doc, tt.kind)
			if err != nil {
				t.Fatalf("Parse(%q) error = %v", tt.doc, err)
			}
			if diff := cmp.Diff(tt.want, got, ignoreCompiled); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.doc, diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	const v = `"Version":"2012-10-17",`
	tests := []struct {
		name string
		kind Kind
		doc  string
		want string
	}{
		{"unknown kind", Kind(7), `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, "Unknown policy kind 7."},
		{"not json", IdentityPolicy, `{"Version":`, "Syntax errors in policy: the document ends early."},
		{"empty", IdentityPolicy, ``, "Syntax errors in policy: the document is empty."},
		{"trailing data", IdentityPolicy, `{"Statement":[]} {}`, "Syntax errors in policy: unexpected data after the JSON object."},
		{"array at top", IdentityPolicy, `[]`, "Syntax errors in policy: the document must be a JSON object."},
		{"unknown top field", IdentityPolicy, `{"Statements":[]}`, `Syntax errors in policy: unknown field "Statements" (the top level takes Version, Id and Statement).`},
		{"bad version", IdentityPolicy, `{"Version":"2012-10-18","Statement":[]}`, `Policy document version "2012-10-18" is not supported; use "2012-10-17" (or the legacy "2008-10-17").`},
		{"version number", IdentityPolicy, `{"Version":2012,"Statement":[]}`, "Syntax errors in policy: Version must be a string."},
		{"managed without version", ManagedPolicy, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, "Policy document must be version 2012-10-17 or greater."},
		{"managed with 2008", ManagedPolicy, `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, "Policy document must be version 2012-10-17 or greater."},
		{"no statement", IdentityPolicy, `{` + v + `"Id":"x"}`, "Missing required field Statement."},
		{"empty statement list", IdentityPolicy, `{` + v + `"Statement":[]}`, "Policy document must contain at least one statement."},
		{"statement string", IdentityPolicy, `{` + v + `"Statement":"x"}`, "Syntax errors in policy: Statement must be an object or an array of objects."},
		{"statement not object", IdentityPolicy, `{` + v + `"Statement":[1]}`, "Syntax errors in policy: statement 1 must be an object."},
		{"missing effect", IdentityPolicy, `{` + v + `"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"Two","Action":"*","Resource":"*"}]}`, `Statement 2 (Sid "Two"): Missing required field Effect.`},
		{"lower-case effect", IdentityPolicy, `{` + v + `"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}`, `Statement 1: Invalid effect: "allow"; use "Allow" or "Deny".`},
		{"unknown statement field", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Actions":"*","Resource":"*"}}`, `Statement 1: Syntax errors in policy: unknown field "Actions".`},
		{"sid with dash", IdentityPolicy, `{` + v + `"Statement":{"Sid":"a-b","Effect":"Allow","Action":"*","Resource":"*"}}`, `Statement 1 (Sid "a-b"): Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*.`},
		{"duplicate sid", IdentityPolicy, `{` + v + `"Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}]}`, `Statement IDs (SID) in a single policy must be unique: statements 1 and 2 both use "A".`},
		{"no action", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Resource":"*"}}`, "Statement 1: Policy statement must contain actions."},
		{"empty action list", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, "Statement 1: Policy statement must contain actions."},
		{"action and notaction", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","NotAction":"iam:*","Resource":"*"}}`, "Statement 1: Syntax errors in policy: a statement cannot have both Action and NotAction."},
		{"action number", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":["iam:GetUser",3],"Resource":"*"}}`, "Statement 1: Syntax errors in policy: Action entries must be strings, not 3."},
		{"action object", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":{},"Resource":"*"}}`, "Statement 1: Syntax errors in policy: Action must be a string or an array of strings, not {}."},
		{"action without vendor", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"GetUser","Resource":"*"}}`, `Statement 1: Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. (got "GetUser").`},
		{"wildcard vendor", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"i*:GetUser","Resource":"*"}}`, `Statement 1: Action vendors must not contain wildcards (got "i*:GetUser").`},
		{"empty action name", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"iam:","Resource":"*"}}`, `Statement 1: Invalid action "iam:": no action name after the colon.`},
		{"action name with space", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"iam:Get User","Resource":"*"}}`, `Statement 1: Invalid action "iam:Get User": an action name holds letters, digits, '-', '_' and the wildcards '*' and '?'.`},
		{"no resource", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*"}}`, "Statement 1: Policy statement must contain resources."},
		{"resource and notresource", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}}`, "Statement 1: Syntax errors in policy: a statement cannot have both Resource and NotResource."},
		{"resource not arn", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"user/alice"}}`, `Statement 1: Resource "user/alice" must be in ARN format or "*".`},
		{"resource short arn", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","NotResource":"arn:aws:iam::*"}}`, `Statement 1: NotResource "arn:aws:iam::*" must be in ARN format or "*".`},
		{"bad variable", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam::*:user/${aws:username, x}"}}`, `Statement 1: Resource: invalid policy variable "${aws:username,": the default value must be in single quotes.`},
		{"empty variable", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam::*:user/${}"}}`, `Statement 1: Resource: invalid policy variable "${}".`},
		{"principal in identity policy", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`, "Statement 1: Policy document should not specify a principal (an identity policy has none)."},
		{"notprincipal in session policy", SessionPolicy, `{` + v + `"Statement":{"Effect":"Allow","NotPrincipal":"*","Action":"*","Resource":"*"}}`, "Statement 1: Policy document should not specify a principal (a session policy has none)."},
		{"trust without principal", TrustPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}`, "Statement 1: Missing required field Principal."},
		{"trust with resource", TrustPolicy, `{` + v + `"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}}`, "Statement 1: Has prohibited field Resource (a trust policy applies to its role)."},
		{"trust with iam action", TrustPolicy, `{` + v + `"Statement":{"Effect":"Allow","Principal":"*","Action":"iam:GetUser"}}`, `Statement 1: AssumeRole policy may only specify STS AssumeRole actions (got "iam:GetUser").`},
		{"trust with star action", TrustPolicy, `{` + v + `"Statement":{"Effect":"Allow","Principal":"*","Action":"*"}}`, `Statement 1: AssumeRole policy may only specify STS AssumeRole actions (got "*").`},
		{"principal bad account", TrustPolicy, `{` + v + `"Statement":{"Effect":"Allow","Principal":{"AWS":"12345"},"Action":"sts:AssumeRole"}}`, `Statement 1: Invalid principal in policy: "AWS":"12345".`},
		{"principal partial wildcard", TrustPolicy, `{` + v + `"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/*"},"Action":"sts:AssumeRole"}}`, `Statement 1: Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/*".`},
		{"principal unknown type", TrustPolicy, `{` + v + `"Statement":{"Effect":"Allow","Principal":{"Users":"x"},"Action":"sts:AssumeRole"}}`, `Statement 1: Invalid principal in policy: unknown principal type "Users" (use AWS, Service or Federated).`},
		{"principal bare string", TrustPolicy, `{` + v + `"Statement":{"Effect":"Allow","Principal":"123456789012","Action":"sts:AssumeRole"}}`, `Statement 1: Invalid principal in policy: "123456789012" (a bare string must be "*"; use {"AWS": ...}).`},
		{"principal empty list", TrustPolicy, `{` + v + `"Statement":{"Effect":"Allow","Principal":{"AWS":[]},"Action":"sts:AssumeRole"}}`, `Statement 1: Invalid principal in policy: "AWS" has no values.`},
		{"service wildcard", TrustPolicy, `{` + v + `"Statement":{"Effect":"Allow","Principal":{"Service":"*"},"Action":"sts:AssumeRole"}}`, `Statement 1: Invalid principal in policy: "Service":"*".`},
		{"resource policy without principal", ResourcePolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, "Statement 1: Missing required field Principal."},
		{"unknown operator", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqual":{"aws:username":"a"}}}}`, `Statement 1: Invalid Condition: invalid condition operator "StringEqual".`},
		{"null ifexists", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"aws:username":"true"}}}}`, `Statement 1: Invalid Condition: invalid condition operator "NullIfExists": Null cannot take IfExists.`},
		{"forall null", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:Null":{"aws:TagKeys":"true"}}}}`, `Statement 1: Invalid Condition: invalid condition operator "ForAllValues:Null": Null cannot take ForAllValues or ForAnyValue.`},
		{"key without vendor", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"username":"a"}}}}`, `Statement 1: Invalid Condition: condition key "username" must be prefaced by a vendor, e.g. aws:, iam:, sts:.`},
		{"no values", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":[]}}}}`, `Statement 1: Invalid Condition: condition StringEquals on key "aws:username" has no values.`},
		{"object value", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":{"a":1}}}}}`, `Statement 1: Condition StringEquals on key "aws:username": values must be strings, numbers, booleans or an array of them, not {"a":1}`},
		{"condition not object", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":[]}}`, "Statement 1: Syntax errors in policy: Condition must be an object of operators."},
		{"operator not object", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":"true"}}}`, `Statement 1: Syntax errors in policy: Condition operator "Bool" must map condition keys to values.`},
		{"bad number", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"soon"}}}}`, `Statement 1: Invalid Condition: condition NumericLessThan on key "aws:MultiFactorAuthAge": value "soon" is not a number.`},
		{"bad date", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"tomorrow"}}}}`, `Statement 1: Invalid Condition: condition DateLessThan on key "aws:CurrentTime": value "tomorrow" is not an ISO 8601 date or epoch seconds.`},
		{"bad cidr", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}}`, `Statement 1: Invalid Condition: condition IpAddress on key "aws:SourceIp": value "10.0.0.0/33" is not an IP address or CIDR block.`},
		{"bad bool", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}}`, `Statement 1: Invalid Condition: condition Bool on key "aws:SecureTransport": value "yes" is not true or false.`},
		{"bad base64", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"BinaryEquals":{"aws:x":"%%%"}}}}`, `Statement 1: Invalid Condition: condition BinaryEquals on key "aws:x": value "%%%" is not base64.`},
		{"bad arn value", IdentityPolicy, `{` + v + `"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam"}}}}`, `Statement 1: Invalid Condition: condition ArnLike on key "aws:PrincipalArn": "arn:aws:iam" is not an ARN.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse(tt.doc, tt.kind)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse(%q) = %v, %v, want *ValidationError %q", tt.doc, d, err, tt.want)
			}
			if ve.Msg != tt.want {
				t.Errorf("Parse(%q) error = %q, want %q", tt.doc, ve.Msg, tt.want)
			}
		})
	}
}

func TestSize(t *testing.T) {
	tests := []struct {
		doc  string
		want int
	}{
		{"", 0},
		{`{"a": "b c"}`, 10},
		{"{\n\t\"Version\" : \"2012-10-17\"\n}", 24},
		{`{"é":"ü"}`, 9},
	}
	for _, tt := range tests {
		if got := Size(tt.doc); got != tt.want {
			t.Errorf("Size(%q) = %d, want %d", tt.doc, got, tt.want)
		}
	}
}
