package otp

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewSecret(t *testing.T) {
	src := bytes.Repeat([]byte{0xa5}, 64)
	tests := []struct {
		name    string
		r       []byte
		n       int
		want    []byte
		wantErr bool
	}{
		{"AWS size", src, 40, src[:40], false},
		{"minimum", src, MinSecretBytes, src[:MinSecretBytes], false},
		{"below minimum", src, MinSecretBytes - 1, nil, true},
		{"zero", src, 0, nil, true},
		{"negative", src, -1, nil, true},
		{"short reader", src[:39], 40, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NewSecret(bytes.NewReader(tc.r), tc.n)
			if (err != nil) != tc.wantErr {
				t.Fatalf("NewSecret(%d bytes, %d) error = %v, want error %v", len(tc.r), tc.n, err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("NewSecret(%d bytes, %d) mismatch (-want +got):\n%s", len(tc.r), tc.n, diff)
			}
		})
	}
}

func TestEncodeSecret(t *testing.T) {
	tests := []struct {
		in   []byte
		want string
	}{
		{[]byte("12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"},
		{[]byte("Hello!\xde\xad\xbe\xef"), "JBSWY3DPEHPK3PXP"},
		{[]byte("1"), "GE"}, // no padding
		{bytes.Repeat([]byte{0}, 40), strings.Repeat("A", 64)},
	}
	for _, tc := range tests {
		if got := EncodeSecret(tc.in); got != tc.want {
			t.Errorf("EncodeSecret(%x) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDecodeSecret(t *testing.T) {
	rfc := []byte("12345678901234567890")
	tests := []struct {
		name    string
		in      string
		want    []byte
		wantErr bool
	}{
		{"canonical", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", rfc, false},
		{"lower case", "gezdgnbvgy3tqojqgezdgnbvgy3tqojq", rfc, false},
		{"mixed case", "GezdGNBVgy3tqojqGEZDGNBVGY3TQOJQ", rfc, false},
		{"groups of four", "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ", rfc, false},
		{"tabs and newline", "GEZDGNBV\tGY3TQOJQ\nGEZDGNBVGY3TQOJQ\r\n", rfc, false},
		{"padded", "GE======", []byte("1"), false},
		{"unpadded", "GE", []byte("1"), false},
		{"padded lower case", "gezdgnbvgy3tqojqgezdgnbvgy3tqojqgeza====", []byte("1234567890123456789012"), false},
		{"empty", "", nil, true},
		{"only spaces", "   ", nil, true},
		{"only padding", "========", nil, true},
		{"digit 1 is not base32", "GE1D", nil, true},
		{"digit 0 is not base32", "GE0D", nil, true},
		{"impossible length", "GEZ", nil, true},
		{"single character", "G", nil, true},
		{"padding inside", "GE==GEZD", nil, true},
		{"digit 8 is not base32", "GE8A", nil, true},
		{"non-ASCII letter folding to S", "GE\u017f", nil, true},
		{"hyphen", "GEZD-GNBV", nil, true},
		{"trailing group of 6 after 16", "GEZDGNBVGY3TQOJQGEZDGN", nil, true},
		{"trailing group of 1 after 8", "GEZDGNBVG", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeSecret(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("DecodeSecret(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("DecodeSecret(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestSecretRoundTrip(t *testing.T) {
	for n := 1; n <= 64; n++ {
		b := bytes.Repeat([]byte{byte(n), 0xff, 0x00}, n)[:n]
		s := EncodeSecret(b)
		got, err := DecodeSecret(s)
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("DecodeSecret(EncodeSecret(%x)) = %x, %v, want %x", b, got, err, b)
		}
	}
}
