package otp

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// FuzzParseKeyURI checks that ParseKeyURI never panics and that whatever it
// accepts is stable: String of the result parses back to an equal KeyURI
// and String is then a fixed point, and the parsed Params compute codes.
func FuzzParseKeyURI(f *testing.F) {
	for _, line := range readKeyURIs(f) {
		f.Add(line)
	}
	f.Add("otpauth://totp/Amazon%20Web%20Services:dev@123456789012?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Amazon%20Web%20Services")
	f.Add("otpauth://hotp/%20x/y%2Bz?secret=gezd%20gnbv&counter=18446744073709551615&period=86400&algorithm=sha512&digits=7")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKeyURI(s)
		if err != nil {
			return
		}
		if err := k.Params.Validate(); err != nil {
			t.Fatalf("ParseKeyURI(%q).Params.Validate() = %v, want nil", s, err)
		}
		_ = TOTP(k.Secret, time.Unix(59, 0), k.Params) // must not panic
		s2 := k.String()
		k2, err := ParseKeyURI(s2)
		if err != nil {
			t.Fatalf("ParseKeyURI(%q) of String() of ParseKeyURI(%q) error: %v", s2, s, err)
		}
		if diff := cmp.Diff(k, k2); diff != "" {
			t.Fatalf("ParseKeyURI(%q) round trip through %q mismatch (-first +second):\n%s", s, s2, diff)
		}
		if s3 := k2.String(); s3 != s2 {
			t.Fatalf("String() of %q = %q, want the fixed point %q", s2, s3, s2)
		}
	})
}
