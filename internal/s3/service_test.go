package s3

import (
	"strings"
	"testing"
)

func TestParseMFAHeader(t *testing.T) {
	const arn = "arn:aws:iam::123456789012:mfa/root-account-mfa-device"
	tests := []struct {
		name, header string
		serial, code string
		ok           bool
	}{
		{"virtual ARN", arn + " 123456", arn, "123456", true},
		{"hardware serial", "GAHT12345678 000000", "GAHT12345678", "000000", true},
		{"no space", arn + "123456", "", "", false},
		{"two spaces", arn + "  123456", "", "", false},
		{"space after", arn + " 123456 ", "", "", false},
		{"five digits", arn + " 12345", "", "", false},
		{"seven digits", arn + " 1234567", "", "", false},
		{"letters in code", arn + " 12345a", "", "", false},
		{"code first", "123456 " + arn, "", "", false},
		{"empty", "", "", "", false},
		{"serial only", arn, "", "", false},
		{"short serial", "abc 123456", "", "", false},
		{"tab", arn + "\t123456", "", "", false},
		{"control in serial", "arn:aws:\x01iam 123456", "", "", false},
		{"non-ASCII serial", "arn:aws:ïam::1 123456", "", "", false},
		{"long serial", strings.Repeat("a", 257) + " 123456", "", "", false},
		{"longest serial", strings.Repeat("a", 256) + " 123456", strings.Repeat("a", 256), "123456", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serial, code, err := ParseMFAHeader(tt.header)
			if (err == nil) != tt.ok || serial != tt.serial || code != tt.code {
				t.Errorf("ParseMFAHeader(%q) = %q, %q, %v; want %q, %q, ok=%v", tt.header, serial, code, err, tt.serial, tt.code, tt.ok)
			}
		})
	}
}

// FuzzParseMFAHeader: whatever the header, the parser does not panic, and
// what it accepts is exactly "<serial> <6 digits>" put back together.
func FuzzParseMFAHeader(f *testing.F) {
	for _, s := range []string{"arn:aws:iam::123456789012:mfa/root 123456", "GAHT12345678 000000", "", " ", "a 1", "x\x00y 123456"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		serial, code, err := ParseMFAHeader(h)
		if err != nil {
			if serial != "" || code != "" {
				t.Fatalf("ParseMFAHeader(%q) failed but returned %q, %q", h, serial, code)
			}
			return
		}
		if serial+" "+code != h || len(code) != 6 || strings.ContainsAny(serial, " \t\r\n") {
			t.Fatalf("ParseMFAHeader(%q) = %q, %q", h, serial, code)
		}
	})
}

func TestValidBucketName(t *testing.T) {
	tests := map[string]bool{
		"abc": true, "my-bucket.2026": true, "a.b.c": true, strings.Repeat("a", 63): true,
		"ab": false, strings.Repeat("a", 64): false, "My-Bucket": false, "my_bucket": false, "-abc": false,
		"abc-": false, "a..b": false, "a.-b": false, "192.168.1.1": false, "xn--abc": false, "abc-s3alias": false,
		".abc": false, "abc.": false, "ab c": false,
	}
	for name, want := range tests {
		if got := ValidBucketName(name); got != want {
			t.Errorf("ValidBucketName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestCommonPrefix(t *testing.T) {
	tests := []struct {
		key, prefix, delim, want string
		ok                       bool
	}{
		{"a/b/c", "", "/", "a/", true},
		{"a/b/c", "a/", "/", "a/b/", true},
		{"a/b", "a/", "/", "", false},
		{"abc", "", "", "", false},
		{"x--y--z", "x", "--", "x--", true},
		{"b/c", "a/", "/", "", false},
	}
	for _, tt := range tests {
		got, ok := commonPrefix(tt.key, tt.prefix, tt.delim)
		if got != tt.want || ok != tt.ok {
			t.Errorf("commonPrefix(%q, %q, %q) = %q, %v; want %q, %v", tt.key, tt.prefix, tt.delim, got, ok, tt.want, tt.ok)
		}
	}
}

// TestSkipGroup: the StartAfter that skips a common prefix sorts after
// every valid key under it and before the next prefix.
func TestSkipGroup(t *testing.T) {
	cp := "dir/"
	after := cp + skipGroup
	for _, k := range []string{"dir/a", "dir/\U0010FFFF", "dir/" + strings.Repeat("\U0010FFFF", 255), "dir/zzz/deep"} {
		if !(k < after) {
			t.Errorf("%q sorts after the skip marker", k)
		}
	}
	if !("dir0" > after) {
		t.Error(`"dir0" sorts before the skip marker`)
	}
}

func TestCheckVersionID(t *testing.T) {
	if err := checkVersionID(newVersionID()); err != nil {
		t.Errorf("checkVersionID(a new id) = %v", err)
	}
	if err := checkVersionID(NullVersion); err != nil {
		t.Errorf("checkVersionID(null) = %v", err)
	}
	for _, bad := range []string{"", "short", strings.Repeat("a", 31) + "/", strings.Repeat("a", 33)} {
		if err := checkVersionID(bad); err == nil {
			t.Errorf("checkVersionID(%q) = nil, want InvalidArgument", bad)
		}
	}
}
