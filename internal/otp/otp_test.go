package otp

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testdataDir holds the RFC vectors, shared with no other package.
const testdataDir = "../../testdata/otp"

// vectors mirrors testdata/otp/vectors.json.
type vectors struct {
	HOTP struct {
		Algorithm Algorithm `json:"algorithm"`
		Digits    int       `json:"digits"`
		SecretHex string    `json:"secret_hex"`
		Secret32  string    `json:"secret_base32"`
		Vectors   []struct {
			Counter   uint64 `json:"counter"`
			Truncated uint32 `json:"truncated_decimal"`
			HOTP      string `json:"hotp"`
		} `json:"vectors"`
	} `json:"rfc4226_hotp"`
	TOTP struct {
		StepSeconds int64 `json:"time_step_seconds"`
		T0          int64 `json:"t0"`
		Digits      int   `json:"digits"`
		Seeds       map[Algorithm]struct {
			Hex    string `json:"hex"`
			Base32 string `json:"base32"`
			Length int    `json:"length_bytes"`
		} `json:"seeds"`
		Vectors []struct {
			Time      int64     `json:"time"`
			THex      string    `json:"t_hex"`
			Algorithm Algorithm `json:"algorithm"`
			TOTP      string    `json:"totp"`
		} `json:"vectors"`
	} `json:"rfc6238_totp"`
}

func loadVectors(t testing.TB) vectors {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, "vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.HOTP.Vectors) != 10 || len(v.TOTP.Vectors) != 18 {
		t.Fatalf("vectors.json has %d HOTP and %d TOTP vectors, want 10 and 18", len(v.HOTP.Vectors), len(v.TOTP.Vectors))
	}
	return v
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rfcSecret is the RFC 4226 secret, ASCII "12345678901234567890".
var rfcSecret = []byte("12345678901234567890")

func TestHOTPRFC4226(t *testing.T) {
	v := loadVectors(t)
	secret := mustHex(t, v.HOTP.SecretHex)
	if got, err := DecodeSecret(v.HOTP.Secret32); err != nil || !cmp.Equal(got, secret) {
		t.Errorf("DecodeSecret(%q) = %x, %v, want %x", v.HOTP.Secret32, got, err, secret)
	}
	p := Params{Algorithm: v.HOTP.Algorithm, Digits: v.HOTP.Digits}
	for _, tc := range v.HOTP.Vectors {
		t.Run(fmt.Sprint(tc.Counter), func(t *testing.T) {
			if got := HOTP(secret, tc.Counter, p); got != tc.HOTP {
				t.Errorf("HOTP(counter %d) = %q, want %q", tc.Counter, got, tc.HOTP)
			}
			if got := HOTP(secret, tc.Counter, Params{}); got != tc.HOTP {
				t.Errorf("HOTP(counter %d, zero Params) = %q, want %q", tc.Counter, got, tc.HOTP)
			}
			// Longer codes are the same truncated value, reduced less.
			for _, digits := range []int{7, 8, 9, 10} {
				want := fmt.Sprintf("%0*d", digits, uint64(tc.Truncated)%uint64(math.Pow10(digits)))
				if got := HOTP(secret, tc.Counter, Params{Digits: digits}); got != want {
					t.Errorf("HOTP(counter %d, %d digits) = %q, want %q", tc.Counter, digits, got, want)
				}
			}
		})
	}
}

func TestTOTPRFC6238(t *testing.T) {
	v := loadVectors(t)
	if v.TOTP.T0 != 0 {
		t.Fatalf("vectors T0 = %d, want 0", v.TOTP.T0)
	}
	for _, tc := range v.TOTP.Vectors {
		t.Run(fmt.Sprintf("%s/%d", tc.Algorithm, tc.Time), func(t *testing.T) {
			seed := v.TOTP.Seeds[tc.Algorithm]
			secret := mustHex(t, seed.Hex)
			if len(secret) != seed.Length {
				t.Fatalf("seed %s has %d bytes, want %d", tc.Algorithm, len(secret), seed.Length)
			}
			if got := EncodeSecret(secret); got != seed.Base32 {
				t.Errorf("EncodeSecret(%s seed) = %q, want %q", tc.Algorithm, got, seed.Base32)
			}
			p := Params{Algorithm: tc.Algorithm, Digits: v.TOTP.Digits, Period: time.Duration(v.TOTP.StepSeconds) * time.Second}
			at := time.Unix(tc.Time, 0)

			step := Step(at, p)
			if got := fmt.Sprintf("%016X", step); got != tc.THex {
				t.Errorf("Step(%d) = %s, want %s", tc.Time, got, tc.THex)
			}
			if got := TOTP(secret, at, p); got != tc.TOTP {
				t.Errorf("TOTP(%d) = %q, want %q", tc.Time, got, tc.TOTP)
			}
			if got := CodeAt(secret, step, p); got != tc.TOTP {
				t.Errorf("CodeAt(%d) = %q, want %q", step, got, tc.TOTP)
			}
			if got := MatchSteps(secret, tc.TOTP, step-1, step+1, p); !cmp.Equal(got, []int64{step}) {
				t.Errorf("MatchSteps(%q, %d±1) = %v, want [%d]", tc.TOTP, step, got, step)
			}
		})
	}
}

func TestStep(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		p    Params
		want int64
	}{
		{"epoch", time.Unix(0, 0), Params{}, 0},
		{"last second of step 0", time.Unix(29, 999999999), Params{}, 0},
		{"first second of step 1", time.Unix(30, 0), Params{}, 1},
		{"59 s", time.Unix(59, 0), Params{}, 1},
		{"zone does not matter", time.Unix(59, 0).In(time.FixedZone("X", 5*3600)), Params{}, 1},
		{"60 s period", time.Unix(119, 0), Params{Period: time.Minute}, 1},
		{"1 s period", time.Unix(119, 0), Params{Period: time.Second}, 119},
		{"before 1970 rounds down", time.Unix(-1, 0), Params{}, -1},
		{"before 1970 on a boundary", time.Unix(-30, 0), Params{}, -1},
		{"year 2603", time.Unix(20000000000, 0), Params{}, 666666666},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Step(tc.t, tc.p); got != tc.want {
				t.Errorf("Step(%v, %v) = %d, want %d", tc.t, tc.p.Period, got, tc.want)
			}
		})
	}
}

func TestParamsNormalized(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		want Params
	}{
		{"zero is AWS", Params{}, Params{SHA1, 6, 30 * time.Second}},
		{"set fields kept", Params{SHA512, 8, time.Minute}, Params{SHA512, 8, time.Minute}},
		{"partial", Params{Digits: 8}, Params{SHA1, 8, 30 * time.Second}},
		{"invalid kept for Validate", Params{Algorithm: "MD5", Digits: 4}, Params{"MD5", 4, 30 * time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.p.Normalized()); diff != "" {
				t.Errorf("%+v.Normalized() mismatch (-want +got):\n%s", tc.p, diff)
			}
		})
	}
}

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		name    string
		p       Params
		wantErr bool
	}{
		{"zero", Params{}, false},
		{"SHA256 8 digits 60 s", Params{SHA256, 8, time.Minute}, false},
		{"10 digits", Params{Digits: 10}, false},
		{"unknown algorithm", Params{Algorithm: "MD5"}, true},
		{"lower-case algorithm", Params{Algorithm: "sha1"}, true},
		{"5 digits", Params{Digits: 5}, true},
		{"11 digits", Params{Digits: 11}, true},
		{"negative digits", Params{Digits: -6}, true},
		{"negative period", Params{Period: -time.Second}, true},
		{"sub-second period", Params{Period: 1500 * time.Millisecond}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.p.Validate(); (err != nil) != tc.wantErr {
				t.Errorf("%+v.Validate() = %v, want error %v", tc.p, err, tc.wantErr)
			}
		})
	}
}

func TestHOTPPanicsOnInvalidParams(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("HOTP(Params{Digits: 4}) did not panic")
		}
	}()
	HOTP(rfcSecret, 0, Params{Digits: 4})
}

func TestValidCode(t *testing.T) {
	tests := []struct {
		code string
		p    Params
		want bool
	}{
		{"755224", Params{}, true},
		{"000000", Params{}, true},
		{"94287082", Params{Digits: 8}, true},
		{"75522", Params{}, false},
		{"7552240", Params{}, false},
		{"", Params{}, false},
		{"75522a", Params{}, false},
		{" 55224", Params{}, false},
		{"-55224", Params{}, false},
		{"+55224", Params{}, false},
		{"７５５２２４", Params{}, false}, // full-width digits
		{"٧٥٥٢٢٤", Params{}, false}, // Arabic-Indic digits
		{"755224", Params{Digits: 8}, false},
		{"755224", Params{Digits: 4}, false}, // invalid params
		{"755224", Params{Algorithm: "MD5"}, false},
	}
	for _, tc := range tests {
		if got := ValidCode(tc.code, tc.p); got != tc.want {
			t.Errorf("ValidCode(%q, %+v) = %v, want %v", tc.code, tc.p, got, tc.want)
		}
	}
}

// rfcCodes are the RFC 4226 codes for counters 0 to 9, which are also the
// TOTP codes of steps 0 to 9 with the same secret.
var rfcCodes = []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}

func TestMatchSteps(t *testing.T) {
	tests := []struct {
		name   string
		code   string
		lo, hi int64
		want   []int64
	}{
		{"centre of window", rfcCodes[5], 4, 6, []int64{5}},
		{"low edge", rfcCodes[4], 4, 6, []int64{4}},
		{"high edge", rfcCodes[6], 4, 6, []int64{6}},
		{"just below window", rfcCodes[3], 4, 6, nil},
		{"just above window", rfcCodes[7], 4, 6, nil},
		{"single-step window", rfcCodes[5], 5, 5, []int64{5}},
		{"wide window", rfcCodes[9], 0, 9, []int64{9}},
		{"wrong code", "123456", 0, 9, nil},
		{"malformed code", "12345", 0, 9, nil},
		{"empty window", rfcCodes[5], 6, 4, nil},
		{"window at max int64", HOTP(rfcSecret, math.MaxUint64>>1, Params{}), math.MaxInt64 - 1, math.MaxInt64, []int64{math.MaxInt64}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := MatchSteps(rfcSecret, tc.code, tc.lo, tc.hi, Params{})
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("MatchSteps(%q, %d, %d) mismatch (-want +got):\n%s", tc.code, tc.lo, tc.hi, diff)
			}
		})
	}
}

func TestMatchStepsCollision(t *testing.T) {
	// Search a window for a repeated 6-digit code and check that every step
	// with it is returned, in order.
	secret := []byte("collision secret")
	seen := map[string]int64{}
	for s := int64(0); s < 1_000_000; s++ {
		c := CodeAt(secret, s, Params{})
		first, ok := seen[c]
		if !ok {
			seen[c] = s
			continue
		}
		got := MatchSteps(secret, c, first, s, Params{})
		if len(got) < 2 || got[0] != first || got[len(got)-1] != s {
			t.Errorf("MatchSteps(%q, %d, %d) = %v, want [%d ... %d]", c, first, s, got, first, s)
		}
		return
	}
	t.Skip("no collision in the first million steps")
}

func TestFindConsecutive(t *testing.T) {
	tests := []struct {
		name         string
		code1, code2 string
		lo, hi       int64
		want         int64
		wantOK       bool
	}{
		{"inside window", rfcCodes[4], rfcCodes[5], 0, 9, 5, true},
		{"first code at low edge", rfcCodes[2], rfcCodes[3], 2, 6, 3, true},
		{"first code at high edge", rfcCodes[6], rfcCodes[7], 2, 6, 7, true},
		{"first code below window", rfcCodes[1], rfcCodes[2], 2, 6, 0, false},
		{"first code above window", rfcCodes[7], rfcCodes[8], 2, 6, 0, false},
		{"single-step window", rfcCodes[3], rfcCodes[4], 3, 3, 4, true},
		{"swapped order", rfcCodes[5], rfcCodes[4], 0, 9, 0, false},
		{"not consecutive", rfcCodes[4], rfcCodes[6], 0, 9, 0, false},
		{"same code twice", rfcCodes[4], rfcCodes[4], 0, 9, 0, false},
		{"wrong first code", "123456", rfcCodes[5], 0, 9, 0, false},
		{"wrong second code", rfcCodes[4], "123456", 0, 9, 0, false},
		{"malformed code", rfcCodes[4], "28708", 0, 9, 0, false},
		{"empty window", rfcCodes[4], rfcCodes[5], 6, 4, 0, false},
		{"hi is max int64", rfcCodes[4], rfcCodes[5], math.MaxInt64, math.MaxInt64, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := FindConsecutive(rfcSecret, tc.code1, tc.code2, tc.lo, tc.hi, Params{})
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("FindConsecutive(%q, %q, %d, %d) = %d, %v, want %d, %v", tc.code1, tc.code2, tc.lo, tc.hi, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestFindConsecutiveWindowStart(t *testing.T) {
	// The answer must not depend on where the window starts, as long as it
	// holds the first code's step.
	for lo := int64(0); lo <= 4; lo++ {
		got, ok := FindConsecutive(rfcSecret, rfcCodes[4], rfcCodes[5], lo, 8, Params{})
		if got != 5 || !ok {
			t.Errorf("FindConsecutive(%q, %q, %d, 8) = %d, %v, want 5, true", rfcCodes[4], rfcCodes[5], lo, got, ok)
		}
	}
}

func TestCodeAtMatchesTOTP(t *testing.T) {
	secret := []byte("0123456789abcdef0123")
	p := Params{Algorithm: SHA256, Digits: 8, Period: time.Minute}
	for _, sec := range []int64{0, 59, 60, 1700000000, 1700000059} {
		at := time.Unix(sec, 0)
		if got, want := TOTP(secret, at, p), CodeAt(secret, Step(at, p), p); got != want {
			t.Errorf("TOTP(%d) = %q, want CodeAt(Step) = %q", sec, got, want)
		}
	}
}
