package otp

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// readKeyURIs returns the lines of testdata/otp/otpauth-uris.txt.
func readKeyURIs(t testing.TB) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(testdataDir, "otpauth-uris.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// Times at which the README table of testdata gives TOTP codes.
var uriTimes = []int64{59, 1111111109, 1234567890}

func TestParseKeyURIFile(t *testing.T) {
	hello := mustHex(t, "48656c6c6f21deadbeef")
	acme := mustHex(t, "3dc6caa4824a6d288767b2331e20b43166cb85d9")
	seed20 := []byte("12345678901234567890")
	seed32 := []byte("12345678901234567890123456789012")
	seed64 := []byte("1234567890123456789012345678901234567890123456789012345678901234")
	defaults := Params{SHA1, 6, 30 * time.Second}
	tests := []struct {
		want       KeyURI
		codes      []string // TOTP at uriTimes, or HOTP at counters 0, 1, 2
		wantString string   // String of the parsed URI
	}{
		{
			KeyURI{Type: "totp", Issuer: "Example", Account: "alice@google.com", Secret: hello, Params: defaults},
			[]string{"996554", "071271", "742275"},
			"otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
		},
		{
			KeyURI{Type: "totp", Issuer: "ACME Co", Account: "john.doe@email.com", Secret: acme, Params: defaults},
			[]string{"320382", "362012", "566657"},
			"otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co",
		},
		{
			KeyURI{Type: "totp", Issuer: "Provider1", Account: "Alice Smith", Secret: hello, Params: defaults},
			[]string{"996554", "071271", "742275"},
			"otpauth://totp/Provider1:Alice%20Smith?secret=JBSWY3DPEHPK3PXP&issuer=Provider1",
		},
		{
			KeyURI{Type: "totp", Issuer: "Big Corporation", Account: "alice@bigco.com", Secret: hello, Params: defaults},
			[]string{"996554", "071271", "742275"},
			"otpauth://totp/Big%20Corporation:alice@bigco.com?secret=JBSWY3DPEHPK3PXP&issuer=Big%20Corporation",
		},
		{
			KeyURI{Type: "hotp", Issuer: "Example", Account: "alice@google.com", Secret: seed20, Params: defaults, Counter: 0},
			[]string{"755224", "287082", "359152"},
			"otpauth://hotp/Example:alice@google.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example&counter=0",
		},
		{
			KeyURI{Type: "totp", Issuer: "Example", Account: "alice@google.com", Secret: seed20, Params: Params{SHA1, 8, 30 * time.Second}},
			[]string{"94287082", "07081804", "89005924"},
			"otpauth://totp/Example:alice@google.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example&digits=8",
		},
		{
			KeyURI{Type: "totp", Issuer: "Example", Account: "alice@google.com", Secret: seed32, Params: Params{SHA256, 8, 30 * time.Second}},
			[]string{"46119246", "68084774", "91819424"},
			"otpauth://totp/Example:alice@google.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA&issuer=Example&algorithm=SHA256&digits=8",
		},
		{
			KeyURI{Type: "totp", Issuer: "Example", Account: "alice@google.com", Secret: seed64, Params: Params{SHA512, 8, 30 * time.Second}},
			[]string{"90693936", "25091201", "93441116"},
			"otpauth://totp/Example:alice@google.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA&issuer=Example&algorithm=SHA512&digits=8",
		},
		{
			KeyURI{Type: "totp", Account: "MyVirtualMFADevice@alice", Secret: seed20, Params: defaults},
			[]string{"287082", "081804", "005924"},
			"otpauth://totp/MyVirtualMFADevice@alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
		},
	}
	lines := readKeyURIs(t)
	if len(lines) != len(tests) {
		t.Fatalf("otpauth-uris.txt has %d lines, want %d", len(lines), len(tests))
	}
	for i, tc := range tests {
		line := lines[i]
		t.Run(tc.want.Account, func(t *testing.T) {
			got, err := ParseKeyURI(line)
			if err != nil {
				t.Fatalf("ParseKeyURI(%q) error: %v", line, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseKeyURI(%q) mismatch (-want +got):\n%s", line, diff)
			}
			for j, want := range tc.codes {
				var code string
				if got.Type == TypeHOTP {
					code = HOTP(got.Secret, got.Counter+uint64(j), got.Params)
				} else {
					code = TOTP(got.Secret, time.Unix(uriTimes[j], 0), got.Params)
				}
				if code != want {
					t.Errorf("code %d of %q = %q, want %q", j, line, code, want)
				}
			}
			s := got.String()
			if s != tc.wantString {
				t.Errorf("ParseKeyURI(%q).String() = %q, want %q", line, s, tc.wantString)
			}
			again, err := ParseKeyURI(s)
			if err != nil {
				t.Fatalf("ParseKeyURI(%q) error: %v", s, err)
			}
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("ParseKeyURI(String()) round trip of %q mismatch (-first +second):\n%s", line, diff)
			}
		})
	}
}

func TestKeyURIStringAWS(t *testing.T) {
	secret := []byte("0123456789012345678901234567890123456789") // 40 bytes, as AWS
	k := KeyURI{Issuer: "Amazon Web Services", Account: "alice-phone@123456789012", Secret: secret}
	want := "otpauth://totp/Amazon%20Web%20Services:alice-phone@123456789012?secret=" + EncodeSecret(secret) + "&issuer=Amazon%20Web%20Services"
	if got := k.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if n := len(EncodeSecret(secret)); n != 64 {
		t.Errorf("len(EncodeSecret(40 bytes)) = %d, want 64", n)
	}
}

func TestKeyURIString(t *testing.T) {
	secret := []byte("12345678901234567890")
	const b32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	tests := []struct {
		name string
		k    KeyURI
		want string
	}{
		{
			"explicit defaults are left out",
			KeyURI{Type: "totp", Issuer: "X", Account: "a", Secret: secret, Params: Params{SHA1, 6, 30 * time.Second}},
			"otpauth://totp/X:a?secret=" + b32 + "&issuer=X",
		},
		{
			"all parameters",
			KeyURI{Type: "totp", Issuer: "X", Account: "a", Secret: secret, Params: Params{SHA512, 8, time.Minute}},
			"otpauth://totp/X:a?secret=" + b32 + "&issuer=X&algorithm=SHA512&digits=8&period=60",
		},
		{
			"hotp counter",
			KeyURI{Type: "hotp", Issuer: "X", Account: "a", Secret: secret, Counter: 42},
			"otpauth://hotp/X:a?secret=" + b32 + "&issuer=X&counter=42",
		},
		{
			"totp ignores counter",
			KeyURI{Type: "totp", Account: "a", Secret: secret, Counter: 42},
			"otpauth://totp/a?secret=" + b32,
		},
		{
			"reserved characters escaped",
			KeyURI{Issuer: "A&B=C+D", Account: "x/y?z#w%v+u", Secret: secret},
			"otpauth://totp/A&B=C%2BD:x%2Fy%3Fz%23w%25v%2Bu?secret=" + b32 + "&issuer=A%26B%3DC%2BD",
		},
		{
			"AWS device name characters",
			KeyURI{Issuer: "Amazon Web Services", Account: "my_dev,1.2-3=4+5@111122223333", Secret: secret},
			"otpauth://totp/Amazon%20Web%20Services:my_dev%2C1.2-3=4%2B5@111122223333?secret=" + b32 + "&issuer=Amazon%20Web%20Services",
		},
		{
			"non-ASCII",
			KeyURI{Issuer: "Société", Account: "zoë", Secret: secret},
			"otpauth://totp/Soci%C3%A9t%C3%A9:zo%C3%AB?secret=" + b32 + "&issuer=Soci%C3%A9t%C3%A9",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.k.String()
			if got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			parsed, err := ParseKeyURI(got)
			if err != nil {
				t.Fatalf("ParseKeyURI(%q) error: %v", got, err)
			}
			want := tc.k
			if want.Type == "" {
				want.Type = TypeTOTP
			}
			if want.Type == TypeTOTP {
				want.Counter = 0
			}
			want.Params = want.Params.Normalized()
			if diff := cmp.Diff(want, parsed); diff != "" {
				t.Errorf("ParseKeyURI(%q) mismatch (-want +got):\n%s", got, diff)
			}
		})
	}
}

func TestParseKeyURILenient(t *testing.T) {
	secret := []byte("12345678901234567890")
	tests := []struct {
		name string
		in   string
		want KeyURI
	}{
		{
			"upper-case scheme and type",
			"OTPAUTH://TOTP/X:a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
			KeyURI{Type: "totp", Issuer: "X", Account: "a", Secret: secret, Params: Params{}.Normalized()},
		},
		{
			"lower-case padded secret and algorithm",
			"otpauth://totp/a?secret=gezdgnbvgy3tqojqgezdgnbvgy3tqojq%3D%3D&algorithm=sha256",
			KeyURI{Type: "totp", Account: "a", Secret: secret, Params: Params{Algorithm: SHA256}.Normalized()},
		},
		{
			"issuer parameter wins over label prefix",
			"otpauth://totp/Old:a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=New",
			KeyURI{Type: "totp", Issuer: "New", Account: "a", Secret: secret, Params: Params{}.Normalized()},
		},
		{
			"empty issuer parameter falls back to label prefix",
			"otpauth://totp/Old:a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=",
			KeyURI{Type: "totp", Issuer: "Old", Account: "a", Secret: secret, Params: Params{}.Normalized()},
		},
		{
			"plus in issuer parameter is a space",
			"otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME+Co",
			KeyURI{Type: "totp", Issuer: "ACME Co", Account: "a", Secret: secret, Params: Params{}.Normalized()},
		},
		{
			"unknown parameters ignored",
			"otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&image=https%3A%2F%2Fexample.com%2Fx.png",
			KeyURI{Type: "totp", Account: "a", Secret: secret, Params: Params{}.Normalized()},
		},
		{
			"hotp large counter and period",
			"otpauth://hotp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=18446744073709551615&period=60",
			KeyURI{Type: "hotp", Account: "a", Secret: secret, Params: Params{Period: time.Minute}.Normalized(), Counter: 1<<64 - 1},
		},
		{
			"totp counter ignored",
			"otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=7",
			KeyURI{Type: "totp", Account: "a", Secret: secret, Params: Params{}.Normalized()},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseKeyURI(tc.in)
			if err != nil {
				t.Fatalf("ParseKeyURI(%q) error: %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseKeyURI(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestParseKeyURIErrors(t *testing.T) {
	const s = "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"not a URL", "%zz"},
		{"https scheme", "https://totp/a?" + s},
		{"no scheme", "//totp/a?" + s},
		{"opaque", "otpauth:totp/a?" + s},
		{"user info", "otpauth://u@totp/a?" + s},
		{"port", "otpauth://totp:1/a?" + s},
		{"unknown type", "otpauth://motp/a?" + s},
		{"no type", "otpauth:///a?" + s},
		{"no label", "otpauth://totp?" + s},
		{"empty label", "otpauth://totp/?" + s},
		{"empty account after issuer", "otpauth://totp/X:%20%20?" + s},
		{"colon in account", "otpauth://totp/X:a:b?" + s},
		{"colon in issuer parameter", "otpauth://totp/a?" + s + "&issuer=X%3AY"},
		{"missing secret", "otpauth://totp/a?issuer=X"},
		{"empty secret", "otpauth://totp/a?secret="},
		{"bad base32", "otpauth://totp/a?secret=GEZDGNBVGY3TQOJ1"},
		{"bad base32 length", "otpauth://totp/a?secret=GEZ"},
		{"repeated secret", "otpauth://totp/a?" + s + "&" + s},
		{"repeated issuer", "otpauth://totp/a?" + s + "&issuer=X&issuer=Y"},
		{"semicolon in query", "otpauth://totp/a?" + s + ";issuer=X"},
		{"hotp without counter", "otpauth://hotp/a?" + s},
		{"hotp bad counter", "otpauth://hotp/a?" + s + "&counter=-1"},
		{"hotp counter overflow", "otpauth://hotp/a?" + s + "&counter=18446744073709551616"},
		{"unknown algorithm", "otpauth://totp/a?" + s + "&algorithm=MD5"},
		{"empty algorithm", "otpauth://totp/a?" + s + "&algorithm="},
		{"5 digits", "otpauth://totp/a?" + s + "&digits=5"},
		{"9 digits", "otpauth://totp/a?" + s + "&digits=9"},
		{"digits not a number", "otpauth://totp/a?" + s + "&digits=six"},
		{"empty digits", "otpauth://totp/a?" + s + "&digits="},
		{"zero period", "otpauth://totp/a?" + s + "&period=0"},
		{"negative period", "otpauth://totp/a?" + s + "&period=-30"},
		{"fractional period", "otpauth://totp/a?" + s + "&period=30.5"},
		{"period over a day", "otpauth://totp/a?" + s + "&period=86401"},
		{"huge period", "otpauth://totp/a?" + s + "&period=99999999999999999999"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := ParseKeyURI(tc.in); err == nil {
				t.Errorf("ParseKeyURI(%q) = %+v, want error", tc.in, got)
			}
		})
	}
}
