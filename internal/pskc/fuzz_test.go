package pskc

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkKeys checks what Parse and ParseCSV promise about any result: no keys
// with an error, an *Error as the error, and otherwise well-formed HOTP or
// TOTP keys with distinct serials.
func checkKeys(t *testing.T, what string, keys []Key, err error) {
	t.Helper()
	if err != nil {
		if keys != nil {
			t.Fatalf("%s = %d keys and %v, want no keys with an error", what, len(keys), err)
		}
		if e := (*Error)(nil); !errors.As(err, &e) {
			t.Fatalf("%s = %T %v, want *Error", what, err, err)
		}
		return
	}
	if len(keys) == 0 {
		t.Fatalf("%s = no keys and no error", what)
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if k.Serial == "" || seen[k.Serial] {
			t.Fatalf("%s: serial %q empty or repeated", what, k.Serial)
		}
		seen[k.Serial] = true
		if len(k.Secret) == 0 || k.Digits < 6 || k.Digits > 10 {
			t.Fatalf("%s: key %q has %d secret bytes and %d digits", what, k.Serial, len(k.Secret), k.Digits)
		}
		if k.Hash != "SHA1" && k.Hash != "SHA256" && k.Hash != "SHA512" {
			t.Fatalf("%s: key %q has hash %q", what, k.Serial, k.Hash)
		}
		switch k.Algorithm {
		case HOTP:
			if k.TimeStep != 0 || k.Time0 != 0 {
				t.Fatalf("%s: HOTP key %q has TOTP fields %d, %d", what, k.Serial, k.TimeStep, k.Time0)
			}
		case TOTP:
			if k.TimeStep < 1 || k.Counter != 0 {
				t.Fatalf("%s: TOTP key %q has step %d and counter %d", what, k.Serial, k.TimeStep, k.Counter)
			}
		default:
			t.Fatalf("%s: key %q has algorithm %q", what, k.Serial, k.Algorithm)
		}
	}
}

// FuzzParse checks that Parse never panics on any input and keeps its
// promises, seeded with this project's own containers.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(testdataDir, "*.pskcxml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files in %s: %v", testdataDir, err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(doc("", hotpAttrs, dataXML(plainSecretXML))))
	f.Add([]byte(`<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc:1.0"><Device><Key KeyId="a" KeyAlgorithm="urn:ietf:params:xml:ns:keyprov:pskc#totp"><Data><Secret><PlainValue>AA==</PlainValue></Secret></Data></Key></Device></KeyContainer>`))
	// The RFC 6030 pre-shared key and password open most seeds; the low
	// iteration limit keeps hostile PBKDF2 parameters from slowing fuzzing.
	opts := Options{PSK: mustHex(f, rfcPSK), Password: rfcFig7Password, MaxIterations: 1000}
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := Parse(bytes.NewReader(data), opts)
		checkKeys(t, "Parse", keys, err)
		keys, err = Parse(bytes.NewReader(data), Options{})
		checkKeys(t, "Parse without keys", keys, err)
	})
}

// FuzzParseCSV checks that ParseCSV never panics and keeps its promises.
func FuzzParseCSV(f *testing.F) {
	f.Add("S1,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,8,60\n# c\nS2,JBSWY3DPEHPK3PXP\n")
	f.Add("\ufeffS1 , gezd gnbv ,, 30\r\n")
	f.Add("S1,GEZDGN\nS1,AA\n")
	f.Fuzz(func(t *testing.T, in string) {
		keys, err := ParseCSV(strings.NewReader(in))
		checkKeys(t, "ParseCSV", keys, err)
	})
}
