package pskc

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCSV(t *testing.T) {
	const (
		b32     = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // '12345678901234567890'
		b32Hex  = "3132333435363738393031323334353637383930"
		b32Two  = "JBSWY3DPEHPK3PXP" // 'Hello!\xde\xad\xbe\xef'
		b32TwoH = "48656c6c6f21deadbeef"
	)
	csvTok := func(serial, secretHex string, digits, period int) tok {
		return tok{Serial: serial, Algorithm: TOTP, Secret: secretHex, Digits: digits, TimeStep: period, Hash: "SHA1"}
	}
	tests := []struct {
		name    string
		in      string
		want    []tok
		wantErr string // substring; the error must be an *Error
	}{
		{"one line", "GAKT000000001," + b32 + "\n", []tok{csvTok("GAKT000000001", b32Hex, 6, 30)}, ""},
		{"all fields", "S1," + b32 + ",8,60", []tok{csvTok("S1", b32Hex, 8, 60)}, ""},
		{"digits only", "S1," + b32 + ",7", []tok{csvTok("S1", b32Hex, 7, 30)}, ""},
		{"empty digits", "S1," + b32 + ",,60", []tok{csvTok("S1", b32Hex, 6, 60)}, ""},
		{"comments, blanks, spaces, CRLF, BOM",
			"\ufeff# inventory of 2024-01-01\r\n\r\n  S1 , gezd gnbv gy3t qojq gezd gnbv gy3t qojq , 6 , 30 \r\n# end\r\nS2," + b32Two + "====\r\n",
			[]tok{csvTok("S1", b32Hex, 6, 30), csvTok("S2", b32TwoH, 6, 30)}, ""},
		{"padded base32", "S1,JBSWY3DPEHPK3PXP", []tok{csvTok("S1", b32TwoH, 6, 30)}, ""},
		{"largest digits and period", "S1," + b32 + ",10,86400", []tok{csvTok("S1", b32Hex, 10, 86400)}, ""},

		{"empty input", "", nil, "holds no tokens"},
		{"only comments", "# nothing\n\n", nil, "holds no tokens"},
		{"one field", "# header\nS1\n", nil, "pskc: line 2: 1 fields, want serial,secret[,digits[,period]]"},
		{"five fields", "S1," + b32 + ",6,30,x", nil, "line 1: 5 fields"},
		{"empty serial", " ," + b32, nil, "line 1: empty serial"},
		{"empty secret", "S1, ", nil, `line 1: serial "S1": empty secret`},
		{"bad base32", "S1," + b32 + "\nS2,GEZDGNBV1\n", nil, `line 2: serial "S2": secret is not valid base32`},
		{"bad base32 length", "S1,GEZDGN", nil, `line 1: serial "S1": secret is not valid base32: 6 characters`},
		{"truncated base32", "S1," + b32[:len(b32)-2], nil, "30 characters is not a possible length"},
		{"one extra character", "S1," + b32 + "G", nil, "33 characters"},
		{"non-ASCII letter", "S1,GEZDGNBV\u017f", nil, "not valid base32"},
		{"digits 5", "S1," + b32 + ",5", nil, `line 1: serial "S1": digits "5", want 6 to 10`},
		{"digits 11", "S1," + b32 + ",11", nil, `digits "11"`},
		{"digits word", "\n\nS1," + b32 + ",six", nil, `line 3: serial "S1": digits "six"`},
		{"period 0", "S1," + b32 + ",6,0", nil, `period "0", want 1 to 86400 seconds`},
		{"period big", "S1," + b32 + ",6,86401", nil, `period "86401"`},
		{"duplicate serial", "S1," + b32 + "\n# again\nS1," + b32Two, nil, `line 3: serial "S1": duplicate serial (first at line 1)`},
		{"line too long", "S1," + strings.Repeat("A", 70000), nil, "line 1: reading CSV: bufio.Scanner: token too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := ParseCSV(strings.NewReader(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseCSV(%q) = %v, want %d keys", tt.in, err, len(tt.want))
				}
				if diff := cmp.Diff(tt.want, toks(keys)); diff != "" {
					t.Errorf("ParseCSV(%q) mismatch (-want +got):\n%s", tt.in, diff)
				}
				return
			}
			if err == nil || keys != nil {
				t.Fatalf("ParseCSV(%q) = %d keys, %v, want no keys and an error containing %q", tt.in, len(keys), err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseCSV(%q) = %v, want an error containing %q", tt.in, err, tt.wantErr)
			}
			if e := (*Error)(nil); !errors.As(err, &e) {
				t.Errorf("ParseCSV(%q) = %T, want *Error", tt.in, err)
			}
			if strings.Contains(err.Error(), "GEZDGNBV") {
				t.Errorf("ParseCSV(%q) = %v, which quotes the secret", tt.in, err)
			}
		})
	}
}
