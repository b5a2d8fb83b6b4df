package awsquery

import "testing"

func TestGoPattern(t *testing.T) {
	tests := []struct {
		java, want string
	}{
		{`[\w+=,.@-]+`, `^(?:[\w+=,.@-]+)$`},
		{`(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, `^(?:(\x{002F})|(\x{002F}[\x{0021}-\x{007E}]+\x{002F}))$`},
		{`[\u0009\u000A\u000D\u0020-\u00FF]+`, `^(?:[\x{0009}\x{000A}\x{000D}\x{0020}-\x{00FF}]+)$`},
		{`[\u0020-\u007E\u10000-\u10FFFF]+`, `^(?:[\x{0020}-\x{007E}\x{10000}-\x{10FFFF}]+)$`},
		{`[\u10FFA]`, `^(?:[\x{10FFA}])$`},
		{`\u0041B`, `^(?:\x{0041}B)$`},
		{`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`, `^(?:[\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`},
		{`^[a-zA-Z0-9:_.-]+$`, `^(?:^[a-zA-Z0-9:_.-]+$)$`},
		{`(?:a)\(?`, `^(?:(?:a)\(?)$`},
	}
	for _, tt := range tests {
		got, err := goPattern(tt.java)
		if err != nil || got != tt.want {
			t.Errorf("goPattern(%q) = %q, %v, want %q", tt.java, got, err, tt.want)
		}
	}
	for _, bad := range []string{`a(?!-)`, `(?<=x)y`, `\u00G1`, `\u12`} {
		if got, err := goPattern(bad); err == nil {
			t.Errorf("goPattern(%q) = %q, want an error", bad, got)
		}
	}
}

func TestPatternMatches(t *testing.T) {
	tests := []struct {
		pattern, value string
		want           bool
	}{
		{`[\w+=,.@-]+`, "alice.b@x", true},
		{`[\w+=,.@-]+`, "bad name!", false},
		{`[\w+=,.@-]+`, "", false},
		{`[\w+=,.@-]+`, "é", false}, // \w is ASCII in Java too
		{`(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, "/", true},
		{`(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, "/division/", true},
		{`(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, "/division", false},
		{`(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, "x/", false},
		{`[\d]+`, "123456", true},
		{`[\d]+`, "12345a", false},
		{`[\d]+`, "١٢٣", false}, // Arabic-Indic digits: \d is ASCII
		{`[\p{L}\p{Z}\p{N}_.:/=+\-@]+`, "Équipe 7", true},
		{`[\p{L}\p{Z}\p{N}_.:/=+\-@]+`, "a#b", false},
		{`[\u0020-\u00FF]+`, "marker ÿ", true},
		{`[\u0020-\u00FF]+`, "tab\there", false},
		{`[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+`, "arn:aws:iam::1:role/😀", true},
		{`[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+`, "a\x00b", false},
		{`[\u0009\u000A\u000D\u0020-\u00FF]+`, "bad\xffutf8", false},
		{`^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`, "my-alias", true},
		{`^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`, "my--alias", false},
		{`^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`, "-alias", false},
		{`^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`, "alias-", false},
		{`^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`, "ab", false},
		{`^o-[0-9a-z]{10,32}\/r-[0-9a-z]{4,32}[0-9a-z-\/]*`, "o-aaaaaaaaaa/r-abcd/ou-ab-x/", true},
		{`^o-[0-9a-z]{10,32}\/r-[0-9a-z]{4,32}[0-9a-z-\/]*`, "o-aaaaaaaaaa/r-abcd/OU", false},
		{`v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`, "v12", true},
		{`v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`, "xv1", false},
	}
	for _, tt := range tests {
		m, err := compilePattern(tt.pattern)
		if err != nil {
			t.Fatalf("compilePattern(%q) = %v", tt.pattern, err)
		}
		if got := m.match(tt.value); got != tt.want {
			t.Errorf("compilePattern(%q).match(%q) = %v, want %v", tt.pattern, tt.value, got, tt.want)
		}
	}
}
