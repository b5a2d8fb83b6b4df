package policy

import (
	"fmt"
	"sort"
	"testing"
)

// contextOf builds a Context; a key mapped to an empty slice is present
// without values.
func contextOf(kv map[string][]string) Context {
	c := NewContext()
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c.Set(k, kv[k]...)
	}
	return c
}

// allowedUnder reports whether a single Allow statement carrying condition
// (a JSON Condition element) allows a request under ctx.
func allowedUnder(t *testing.T, version, condition string, ctx Context) bool {
	t.Helper()
	doc := `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":` + condition + `}}`
	if version != "" {
		doc = `{"Version":"` + version + `",` + doc[1:]
	}
	d, err := Parse(doc, IdentityPolicy)
	if err != nil {
		t.Fatalf("Parse(%q) error = %v", doc, err)
	}
	r := Evaluate(Request{Action: "iam:GetUser", Resource: "*", Context: ctx}, []Policy{{ID: "p", Doc: d}})
	return r.Decision == Allow
}

type condCase struct {
	cond string
	ctx  map[string][]string
	want bool
}

func runConditionCases(t *testing.T, version string, tests []condCase) {
	t.Helper()
	for _, tt := range tests {
		name := fmt.Sprintf("%s/%v", tt.cond, tt.ctx)
		t.Run(name, func(t *testing.T) {
			if got := allowedUnder(t, version, tt.cond, contextOf(tt.ctx)); got != tt.want {
				t.Errorf("Eval(%q) with %v = %v, want %v", tt.cond, tt.ctx, got, tt.want)
			}
		})
	}
}

// vals shortens the tables.
func vals(key string, v ...string) map[string][]string { return map[string][]string{key: v} }

func TestStringOperators(t *testing.T) {
	const u = "aws:username"
	runConditionCases(t, Version2012, []condCase{
		{`{"StringEquals":{"aws:username":"alice"}}`, vals(u, "alice"), true},
		{`{"StringEquals":{"aws:username":"alice"}}`, vals(u, "Alice"), false},
		{`{"StringEquals":{"aws:username":"alice"}}`, vals(u, "bob"), false},
		{`{"StringEquals":{"aws:username":"alice"}}`, nil, false},
		{`{"StringEquals":{"AWS:UserName":"alice"}}`, vals(u, "alice"), true}, // keys ignore case
		{`{"StringEquals":{"aws:username":["bob","alice"]}}`, vals(u, "alice"), true},
		{`{"StringEquals":{"aws:username":"a*"}}`, vals(u, "alice"), false}, // no wildcards in Equals
		{`{"StringEquals":{"aws:username":"a*"}}`, vals(u, "a*"), true},
		{`{"StringEqualsIfExists":{"aws:username":"alice"}}`, nil, true},
		{`{"StringEqualsIfExists":{"aws:username":"alice"}}`, vals(u, "bob"), false},
		{`{"StringEquals":{"aws:username":"alice"}}`, map[string][]string{u: {}}, false}, // present, empty

		{`{"StringNotEquals":{"aws:username":"alice"}}`, vals(u, "alice"), false},
		{`{"StringNotEquals":{"aws:username":"alice"}}`, vals(u, "bob"), true},
		{`{"StringNotEquals":{"aws:username":"alice"}}`, nil, true}, // AWS: absent key satisfies a negated operator
		{`{"StringNotEquals":{"aws:username":["alice","bob"]}}`, vals(u, "carol"), true},
		{`{"StringNotEquals":{"aws:username":["alice","bob"]}}`, vals(u, "bob"), false}, // must match none
		{`{"StringNotEqualsIfExists":{"aws:username":"alice"}}`, nil, true},
		{`{"StringNotEqualsIfExists":{"aws:username":"alice"}}`, vals(u, "alice"), false},

		{`{"StringEqualsIgnoreCase":{"aws:username":"alice"}}`, vals(u, "ALICE"), true},
		{`{"StringEqualsIgnoreCase":{"aws:username":"alice"}}`, vals(u, "bob"), false},
		{`{"StringEqualsIgnoreCase":{"aws:username":"alice"}}`, nil, false},
		{`{"StringEqualsIgnoreCaseIfExists":{"aws:username":"alice"}}`, nil, true},
		{`{"StringNotEqualsIgnoreCase":{"aws:username":"alice"}}`, vals(u, "ALICE"), false},
		{`{"StringNotEqualsIgnoreCase":{"aws:username":"alice"}}`, vals(u, "bob"), true},
		{`{"StringNotEqualsIgnoreCase":{"aws:username":"alice"}}`, nil, true},

		{`{"StringLike":{"aws:username":"a*"}}`, vals(u, "alice"), true},
		{`{"StringLike":{"aws:username":"a?ice"}}`, vals(u, "alice"), true},
		{`{"StringLike":{"aws:username":"a?ice"}}`, vals(u, "aalice"), false},
		{`{"StringLike":{"aws:username":"A*"}}`, vals(u, "alice"), false}, // case-sensitive
		{`{"StringLike":{"aws:username":["b*","*ce"]}}`, vals(u, "alice"), true},
		{`{"StringLike":{"aws:username":"a*"}}`, nil, false},
		{`{"StringLikeIfExists":{"aws:username":"a*"}}`, nil, true},
		{`{"StringNotLike":{"aws:username":"a*"}}`, vals(u, "alice"), false},
		{`{"StringNotLike":{"aws:username":"a*"}}`, vals(u, "bob"), true},
		{`{"StringNotLike":{"aws:username":"a*"}}`, nil, true},
		{`{"StringNotLikeIfExists":{"aws:username":"a*"}}`, vals(u, "alice"), false},
	})
}

func TestNumericOperators(t *testing.T) {
	const k = "aws:MultiFactorAuthAge"
	type row struct {
		op          string
		less, equal bool // context 100 / 3600 against policy 3600
		greater     bool // context 7200
		absent      bool
	}
	rows := []row{
		{"NumericEquals", false, true, false, false},
		{"NumericNotEquals", true, false, true, true},
		{"NumericLessThan", true, false, false, false},
		{"NumericLessThanEquals", true, true, false, false},
		{"NumericGreaterThan", false, false, true, false},
		{"NumericGreaterThanEquals", false, true, true, false},
	}
	var tests []condCase
	for _, r := range rows {
		c := `{"` + r.op + `":{"aws:MultiFactorAuthAge":"3600"}}`
		tests = append(tests,
			condCase{c, vals(k, "100"), r.less},
			condCase{c, vals(k, "3600"), r.equal},
			condCase{c, vals(k, "3600.0"), r.equal},
			condCase{c, vals(k, "7200"), r.greater},
			condCase{c, nil, r.absent},
			condCase{`{"` + r.op + `IfExists":{"aws:MultiFactorAuthAge":"3600"}}`, nil, true},
			condCase{`{"` + r.op + `IfExists":{"aws:MultiFactorAuthAge":"3600"}}`, vals(k, "100"), r.less},
		)
	}
	tests = append(tests,
		condCase{`{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}`, vals(k, "1.5"), true}, // JSON number
		condCase{`{"NumericLessThan":{"aws:MultiFactorAuthAge":["10","20"]}}`, vals(k, "15"), true},
		condCase{`{"NumericEquals":{"aws:MultiFactorAuthAge":"10"}}`, vals(k, "ten"), false},
	)
	runConditionCases(t, Version2012, tests)
}

func TestDateOperators(t *testing.T) {
	const k = "aws:CurrentTime"
	type row struct {
		op                           string
		before, equal, after, absent bool
	}
	rows := []row{
		{"DateEquals", false, true, false, false},
		{"DateNotEquals", true, false, true, true},
		{"DateLessThan", true, false, false, false},
		{"DateLessThanEquals", true, true, false, false},
		{"DateGreaterThan", false, false, true, false},
		{"DateGreaterThanEquals", false, true, true, false},
	}
	var tests []condCase
	for _, r := range rows {
		c := `{"` + r.op + `":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}`
		tests = append(tests,
			condCase{c, vals(k, "2023-12-31T23:59:59Z"), r.before},
			condCase{c, vals(k, "2024-01-01T00:00:00Z"), r.equal},
			condCase{c, vals(k, "1704067200"), r.equal},                // epoch seconds
			condCase{c, vals(k, "2024-01-01T01:00:00+01:00"), r.equal}, // offset
			condCase{c, vals(k, "2024-01-01"), r.equal},                // date only: midnight UTC
			condCase{c, vals(k, "20240101T000000Z"), r.equal},          // basic form
			condCase{c, vals(k, "2024-01-01T00:00:00.001Z"), r.after},
			condCase{c, nil, r.absent},
			condCase{`{"` + r.op + `IfExists":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}`, nil, true},
		)
	}
	tests = append(tests,
		condCase{`{"DateGreaterThan":{"aws:EpochTime":1704067200}}`, vals("aws:EpochTime", "1704067201"), true},
		condCase{`{"DateEquals":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}`, vals(k, "not a date"), false},
	)
	runConditionCases(t, Version2012, tests)
}

func TestBoolBinaryNullOperators(t *testing.T) {
	const s = "aws:SecureTransport"
	runConditionCases(t, Version2012, []condCase{
		{`{"Bool":{"aws:SecureTransport":"true"}}`, vals(s, "true"), true},
		{`{"Bool":{"aws:SecureTransport":"true"}}`, vals(s, "TRUE"), true},
		{`{"Bool":{"aws:SecureTransport":true}}`, vals(s, "true"), true},
		{`{"Bool":{"aws:SecureTransport":"true"}}`, vals(s, "false"), false},
		{`{"Bool":{"aws:SecureTransport":"true"}}`, nil, false},
		{`{"BoolIfExists":{"aws:SecureTransport":"true"}}`, nil, true},
		{`{"BoolIfExists":{"aws:SecureTransport":"true"}}`, vals(s, "false"), false},

		{`{"BinaryEquals":{"aws:blob":"aGVsbG8="}}`, vals("aws:blob", "aGVsbG8="), true},
		{`{"BinaryEquals":{"aws:blob":"aGVsbG8="}}`, vals("aws:blob", "d29ybGQ="), false},
		{`{"BinaryEquals":{"aws:blob":"aGVsbG8="}}`, vals("aws:blob", "not base64!"), false},
		{`{"BinaryEquals":{"aws:blob":"aGVsbG8="}}`, nil, false},
		{`{"BinaryEqualsIfExists":{"aws:blob":"aGVsbG8="}}`, nil, true},

		{`{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
		{`{"Null":{"aws:TokenIssueTime":"true"}}`, vals("aws:TokenIssueTime", "2024-01-01T00:00:00Z"), false},
		{`{"Null":{"aws:TokenIssueTime":"false"}}`, nil, false},
		{`{"Null":{"aws:TokenIssueTime":false}}`, vals("aws:TokenIssueTime", "2024-01-01T00:00:00Z"), true},
		{`{"Null":{"aws:TokenIssueTime":["true","false"]}}`, nil, true},
		{`{"Null":{"aws:TagKeys":"true"}}`, map[string][]string{"aws:TagKeys": {}}, true}, // empty counts as absent
	})
}

func TestIPOperators(t *testing.T) {
	const k = "aws:SourceIp"
	const nets = `["203.0.113.0/24","2001:db8::/32"]`
	runConditionCases(t, Version2012, []condCase{
		{`{"IpAddress":{"aws:SourceIp":` + nets + `}}`, vals(k, "203.0.113.7"), true},
		{`{"IpAddress":{"aws:SourceIp":` + nets + `}}`, vals(k, "198.51.100.1"), false},
		{`{"IpAddress":{"aws:SourceIp":` + nets + `}}`, vals(k, "2001:db8::1"), true},
		{`{"IpAddress":{"aws:SourceIp":` + nets + `}}`, vals(k, "2001:db9::1"), false},
		{`{"IpAddress":{"aws:SourceIp":` + nets + `}}`, vals(k, "::ffff:203.0.113.7"), true}, // v4-mapped
		{`{"IpAddress":{"aws:SourceIp":` + nets + `}}`, vals(k, "not-an-ip"), false},
		{`{"IpAddress":{"aws:SourceIp":` + nets + `}}`, nil, false},
		{`{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, vals(k, "203.0.113.7"), true}, // bare address
		{`{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, vals(k, "203.0.113.8"), false},
		{`{"IpAddress":{"aws:SourceIp":"203.0.113.7/24"}}`, vals(k, "203.0.113.200"), true}, // host bits masked
		{`{"IpAddressIfExists":{"aws:SourceIp":` + nets + `}}`, nil, true},
		{`{"NotIpAddress":{"aws:SourceIp":` + nets + `}}`, vals(k, "203.0.113.7"), false},
		{`{"NotIpAddress":{"aws:SourceIp":` + nets + `}}`, vals(k, "198.51.100.1"), true},
		{`{"NotIpAddress":{"aws:SourceIp":` + nets + `}}`, nil, true},
		{`{"NotIpAddressIfExists":{"aws:SourceIp":` + nets + `}}`, vals(k, "2001:db8::5"), false},
	})
}

func TestARNOperators(t *testing.T) {
	const k = "aws:PrincipalArn"
	const alice = "arn:aws:iam::123456789012:user/alice"
	var tests []condCase
	for _, op := range []string{"ArnEquals", "ArnLike"} { // identical in AWS
		c := `{"` + op + `":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}`
		tests = append(tests,
			condCase{c, vals(k, alice), true},
			condCase{c, vals(k, "arn:aws:iam::123456789012:role/admin"), false},
			condCase{c, vals(k, "arn:aws:iam::123456789012:user/a:b"), true}, // colons in the resource part
			condCase{c, vals(k, "arn:aws:iam::1:2:user/alice"), false},       // * stays within the account segment
			condCase{c, vals(k, "not an arn"), false},
			condCase{c, nil, false},
			condCase{`{"` + op + `IfExists":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}`, nil, true},
			condCase{`{"` + op + `":{"aws:PrincipalArn":"` + alice + `"}}`, vals(k, alice), true},
			condCase{`{"` + op + `":{"aws:PrincipalArn":"` + alice + `"}}`, vals(k, "arn:aws:iam::123456789012:user/Alice"), false},
		)
	}
	for _, op := range []string{"ArnNotEquals", "ArnNotLike"} {
		c := `{"` + op + `":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}`
		tests = append(tests,
			condCase{c, vals(k, alice), false},
			condCase{c, vals(k, "arn:aws:iam::123456789012:role/admin"), true},
			condCase{c, nil, true},
			condCase{`{"` + op + `IfExists":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}`, vals(k, alice), false},
		)
	}
	runConditionCases(t, Version2012, tests)
}

func TestSetOperators(t *testing.T) {
	const k = "aws:TagKeys"
	runConditionCases(t, Version2012, []condCase{
		{`{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, vals(k, "a"), true},
		{`{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, vals(k, "b", "a"), true},
		{`{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, vals(k, "a", "c"), false},
		{`{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, nil, true},
		{`{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, map[string][]string{k: {}}, true},
		{`{"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}}`, vals(k, "c", "a"), true},
		{`{"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}}`, vals(k, "c"), false},
		{`{"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}}`, nil, false},
		{`{"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}}`, map[string][]string{k: {}}, false},
		{`{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"a"}}`, nil, true},
		{`{"ForAllValues:StringEqualsIfExists":{"aws:TagKeys":"a"}}`, vals(k, "b"), false},

		// The User Guide's ForAllValues:StringNotLike table.
		{`{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, vals(k, "key1:legal"), false},
		{`{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, vals(k, "key1:hr", "key1:personnel"), false},
		{`{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, vals(k, "key2:audit"), true},
		{`{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, vals(k, "key2:audit", "key1:hr"), false},
		{`{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, nil, true},

		{`{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}`, vals(k, "a", "b"), true},
		{`{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}`, vals(k, "a"), false},
		{`{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}`, nil, false},
		{`{"ForAnyValue:StringLike":{"aws:TagKeys":"team*"}}`, vals(k, "cost", "teamX"), true},
		{`{"ForAllValues:NumericLessThan":{"aws:sizes":"10"}}`, vals("aws:sizes", "1", "9"), true},
		{`{"ForAllValues:NumericLessThan":{"aws:sizes":"10"}}`, vals("aws:sizes", "1", "11"), false},
		{`{"ForAnyValue:IpAddress":{"aws:ips":"10.0.0.0/8"}}`, vals("aws:ips", "192.0.2.1", "10.1.2.3"), true},
		{`{"ForAllValues:ArnLike":{"aws:arns":"arn:aws:iam::*:role/*"}}`, vals("aws:arns", "arn:aws:iam::1:role/a", "arn:aws:iam::1:user/b"), false},

		// Multivalued key without a qualifier: any for positive, none for negated.
		{`{"StringEquals":{"aws:TagKeys":"a"}}`, vals(k, "b", "a"), true},
		{`{"StringEquals":{"aws:TagKeys":"a"}}`, vals(k, "b", "c"), false},
		{`{"StringNotEquals":{"aws:TagKeys":"a"}}`, vals(k, "b", "a"), false},
		{`{"StringNotEquals":{"aws:TagKeys":"a"}}`, vals(k, "b", "c"), true},
	})
}

func TestConditionCombination(t *testing.T) {
	both := map[string][]string{"aws:username": {"alice"}, "aws:userid": {"AIDA1"}}
	runConditionCases(t, Version2012, []condCase{
		// Keys in one operator block are ANDed.
		{`{"StringEquals":{"aws:username":"alice","aws:userid":"AIDA1"}}`, both, true},
		{`{"StringEquals":{"aws:username":"alice","aws:userid":"AIDA2"}}`, both, false},
		{`{"StringEquals":{"aws:username":"alice","aws:userid":"AIDA1"}}`, vals("aws:username", "alice"), false},
		// Operators are ANDed.
		{`{"StringEquals":{"aws:username":"alice"},"StringLike":{"aws:userid":"AIDA*"}}`, both, true},
		{`{"StringEquals":{"aws:username":"alice"},"StringLike":{"aws:userid":"AROA*"}}`, both, false},
		// An empty Condition or operator block constrains nothing.
		{`{}`, nil, true},
		{`{"StringEquals":{}}`, nil, true},
	})
}

func TestConditionVariables(t *testing.T) {
	ctx := map[string][]string{
		"aws:username":          {"alice"},
		"s3:prefix":             {"home/alice/docs"},
		"aws:PrincipalTag/team": {"red"},
		"aws:ResourceTag/team":  {"red"},
		"aws:TagKeys":           {"a", "b"},
		"aws:PrincipalArn":      {"arn:aws:iam::123456789012:user/alice"},
		"aws:PrincipalAccount":  {"123456789012"},
	}
	tests := []struct {
		version string
		cond    string
		want    bool
	}{
		{Version2012, `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, true},
		{Version2012, `{"StringLike":{"s3:prefix":"home/${aws:userid}/*"}}`, false},         // unresolved
		{Version2012, `{"StringNotLike":{"s3:prefix":"home/${aws:userid}/*"}}`, true},       // AWS: negated operators match a null value
		{Version2012, `{"StringLike":{"s3:prefix":"home/${aws:userid, 'alice'}/*"}}`, true}, // default
		{Version2012, `{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}`, true},
		{Version2012, `{"StringEquals":{"aws:ResourceTag/team":"${aws:TagKeys}"}}`, false}, // multivalued never resolves
		{Version2012, `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}"}}`, true},
		{Version2012, `{"StringEquals":{"aws:username":"${AWS:USERNAME}"}}`, true}, // variable keys ignore case
		{Version2008, `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, false},
		{"", `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, false}, // no Version means 2008
		{Version2008, `{"StringEquals":{"aws:username":"${aws:username}"}}`, false},
		// Numeric values are not substituted, so such a value fails Parse;
		// see TestParseErrors. Bool values are.
		{Version2012, `{"Bool":{"aws:flag":"${aws:other}"}}`, false},
	}
	for _, tt := range tests {
		if got := allowedUnder(t, tt.version, tt.cond, contextOf(ctx)); got != tt.want {
			t.Errorf("Eval(%q) version %q = %v, want %v", tt.cond, tt.version, got, tt.want)
		}
	}
	literal := contextOf(map[string][]string{"s3:prefix": {"home/${aws:username}/x"}})
	if got := allowedUnder(t, Version2008, `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, literal); !got {
		t.Errorf("Eval(2008 literal ${aws:username}) = %v, want true", got)
	}
}
