package pskc

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sharedPSKCDir finds python-pskc's sample files, which are LGPL and so are
// read from the shared test data and never copied into this repository.
// IAMD_SHARED_DIR names the shared directory (holding testdata/pskc) or the
// pskc sample directory itself; the default is ../../../shared relative to
// this package, i.e. next to the repository.
func sharedPSKCDir() string {
	base := os.Getenv("IAMD_SHARED_DIR")
	if base == "" {
		base = filepath.Join("..", "..", "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(base, "rfc6030")); err == nil {
		return base
	}
	return filepath.Join(base, "testdata", "pskc")
}

// withKeyAttrs gives the anonymous keys of python-pskc's encryption samples
// (no Id, no Algorithm: they exist to test ciphers) an Id and the HOTP
// algorithm, in memory, so that Parse can return their secrets.
func withKeyAttrs(data []byte) []byte {
	return bytes.ReplaceAll(data, []byte("<Key>"),
		[]byte(`<Key Id="enc" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">`))
}

// TestSharedSamples checks Parse against python-pskc's sample files and the
// expected values of the shared test data README (§4). It runs only with
// IAMD_TEST_SHARED_PSKC=1; under CI=true a missing sample directory is then
// a failure rather than a skip.
func TestSharedSamples(t *testing.T) {
	if os.Getenv("IAMD_TEST_SHARED_PSKC") != "1" {
		t.Skip("set IAMD_TEST_SHARED_PSKC=1 to check python-pskc's samples from the shared test data")
	}
	dir := sharedPSKCDir()
	if _, err := os.Stat(filepath.Join(dir, "rfc6030", "figure6.pskcxml")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and IAMD_TEST_SHARED_PSKC=1 but the samples are missing: %v", err)
		}
		t.Skipf("python-pskc samples not found (set IAMD_SHARED_DIR): %v", err)
	}

	psk := mustHex(t, "12345678901234567890123456789012")
	pw := Options{Password: "qwerty"}
	withPSK := Options{PSK: psk}
	const figSecret = "3132333435363738393031323334353637383930" // '12345678901234567890'
	encTok := func(secretHex string) []tok { return []tok{hotpTok("enc", "enc", secretHex, 6, 0)} }
	feitianTOTP := func(serial, secretHex string) tok { return totpTok(serial, serial, secretHex, 6, 60, "SHA1") }

	tests := []struct {
		file      string
		opts      Options
		anonymous bool // python-pskc cipher sample: patch in an Id and Algorithm
		want      []tok
		wantIs    error  // sentinel the error must wrap, if any
		wantErr   string // substring of the error; "" with want == nil means any error
	}{
		// RFC 6030 figures.
		{file: "rfc6030/figure2.pskcxml", want: []tok{hotpTok("12345678", "12345678", asciiHex("1234"), 6, 0)}},
		{file: "rfc6030/figure3.pskcxml", want: []tok{hotpTok("987654321", "12345678", figSecret, 8, 0)}},
		{file: "rfc6030/figure4.pskcxml", wantErr: "missing Data/Secret"},
		{file: "rfc6030/figure5.pskcxml", want: []tok{hotpTok("987654321", "12345678", figSecret, 8, 0)}}, // PIN key dropped
		{file: "rfc6030/figure6.pskcxml", opts: withPSK, want: []tok{hotpTok("987654321", "12345678", figSecret, 8, 0)}},
		{file: "rfc6030/figure6.pskcxml", wantIs: ErrNeedKey, wantErr: `pre-shared key "Pre-shared-key"`},
		{file: "rfc6030/figure6.pskcxml", opts: Options{PSK: mustHex(t, "12345678901234567890123456789013")}, wantIs: ErrWrongKey},
		{file: "rfc6030/figure7.pskcxml", opts: pw, want: []tok{hotpTok("987654321", "123456", figSecret, 8, 0)}},
		{file: "rfc6030/figure7.pskcxml", opts: Options{Password: "qwertz"}, wantIs: ErrWrongKey},
		{file: "rfc6030/figure7.pskcxml", wantIs: ErrNeedKey, wantErr: `"My Password 1"`},
		{file: "rfc6030/figure8.pskcxml", opts: withPSK, wantIs: ErrUnsupported, wantErr: "asymmetric"},
		{file: "rfc6030/figure9.pskcxml", want: []tok{hotpTok("0755225266", "123", figSecret, 6, 0)}},
		{file: "rfc6030/figure10.pskcxml", wantErr: `duplicate serial "9999999"`},

		// Pre-RFC draft namespace.
		{file: "draft-hoyer-keyprov-pskc-algorithm-profiles-01/totp.pskcxml",
			want: []tok{totpTok("987654323", "987654323", figSecret, 6, 30, "SHA1")}},
		{file: "draft-hoyer-keyprov-pskc-algorithm-profiles-01/ocra.pskcxml", wantIs: ErrUnsupported, wantErr: "OCRA"},
		{file: "draft-hoyer-keyprov-pskc-algorithm-profiles-01/securid-aes-counter.pskcxml", wantIs: ErrUnsupported, wantErr: "key algorithm"},
		{file: "draft-hoyer-keyprov-pskc-algorithm-profiles-01/actividentity-3des.pskcxml", wantIs: ErrUnsupported, wantErr: "key algorithm"},

		// Cipher and MAC variants.
		{file: "encryption/aes128-cbc.pskcxml", opts: withPSK, anonymous: true, want: encTok(figSecret)},
		{file: "encryption/aes192-cbc.pskcxml", opts: Options{PSK: mustHex(t, "123456789012345678901234567890123456789012345678")},
			anonymous: true, want: encTok(figSecret)},
		{file: "encryption/aes192-cbc.pskcxml", opts: withPSK, anonymous: true, wantIs: ErrWrongKey, wantErr: "24-byte key"},
		{file: "encryption/aes256-cbc.pskcxml", opts: Options{PSK: mustHex(t, "1234567890123456789012345678901234567890123456789012345678901234")},
			anonymous: true, want: encTok(figSecret)},
		{file: "encryption/tripledes-cbc.pskcxml", opts: withPSK, anonymous: true, want: encTok(figSecret)},
		{file: "encryption/tripledes-cbc.pskcxml", opts: Options{PSK: mustHex(t, "11111111111111111111111111111111")},
			anonymous: true, wantIs: ErrWrongKey},
		{file: "encryption/kw-aes128.pskcxml", opts: Options{PSK: mustHex(t, "000102030405060708090a0b0c0d0e0f")},
			anonymous: true, want: encTok("00112233445566778899aabbccddeeff")},
		{file: "encryption/kw-aes192.pskcxml", opts: Options{PSK: mustHex(t, "000102030405060708090a0b0c0d0e0f1011121314151617")},
			anonymous: true, want: encTok("00112233445566778899aabbccddeeff")},
		{file: "encryption/kw-aes256.pskcxml", opts: Options{PSK: mustHex(t, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")},
			anonymous: true, want: encTok("00112233445566778899aabbccddeeff0001020304050607")},
		{file: "encryption/kw-aes128.pskcxml", opts: Options{PSK: mustHex(t, "000102030405060708090a0b0c0d0e0e")},
			anonymous: true, wantIs: ErrWrongKey},
		{file: "encryption/kw-tripledes.pskcxml", opts: Options{PSK: mustHex(t, "255e0d1c07b646dfb3134cc843ba8aa71f025b7c0838251f")},
			anonymous: true, want: encTok("2923bf85e06dd6ae529149f1f1bae9eab3a7da3d860d3e98")},
		{file: "encryption/no-mac-key.pskcxml", opts: withPSK, anonymous: true, want: encTok(figSecret)},
		{file: "encryption/mac-over-plaintext.pskcxml", opts: withPSK, anonymous: true, want: encTok(figSecret)},
		{file: "encryption/aes128-cbc-noiv.pskcxml", opts: Options{PSK: psk, IV: mustHex(t, "000102030405060708090a0b0c0d0e0f")},
			anonymous: true, want: encTok(figSecret)},
		{file: "encryption/aes128-cbc-noiv.pskcxml", opts: withPSK, anonymous: true, wantIs: ErrWrongKey},
		{file: "encryption/aes128-cbc.pskcxml", opts: withPSK, wantErr: "missing Algorithm attribute"}, // unpatched
		{file: "encryption/camellia128-cbc.pskcxml", opts: Options{PSK: mustHex(t, "200497e673a6fae2256e9749468a67ac")},
			anonymous: true, wantIs: ErrUnsupported, wantErr: "Camellia"},
		{file: "encryption/camellia192-cbc.pskcxml", opts: withPSK, anonymous: true, wantIs: ErrUnsupported, wantErr: "Camellia"},
		{file: "encryption/camellia256-cbc.pskcxml", opts: withPSK, anonymous: true, wantIs: ErrUnsupported, wantErr: "Camellia"},
		{file: "encryption/kw-camellia128.pskcxml", opts: withPSK, anonymous: true, wantIs: ErrUnsupported, wantErr: "Camellia"},
		{file: "encryption/kw-camellia192.pskcxml", opts: withPSK, anonymous: true, wantIs: ErrUnsupported, wantErr: "Camellia"},
		{file: "encryption/kw-camellia256.pskcxml", opts: withPSK, anonymous: true, wantIs: ErrUnsupported, wantErr: "Camellia"},

		// Invalid files: each fails, as in python-pskc.
		{file: "invalid/notxml.pskcxml", wantErr: "not a valid XML document"},
		{file: "invalid/wrongelement.pskcxml", wantErr: "root element is SomethingElse"},
		{file: "invalid/wrongversion.pskcxml", wantIs: ErrUnsupported, wantErr: `version "1.2"`},
		{file: "invalid/unknown-encryption.pskcxml", opts: withPSK, wantIs: ErrUnsupported, wantErr: "#unknown"},
		{file: "invalid/missing-encryption.pskcxml", opts: withPSK, wantErr: "EncryptionMethod has no Algorithm"},
		{file: "invalid/missing-encryption-method.pskcxml", opts: withPSK, wantErr: "missing EncryptionMethod"},
		{file: "invalid/incomplete-derivation.pskcxml", opts: pw, wantErr: "incomplete PBKDF2 parameters"},
		{file: "invalid/no-mac-method.pskcxml", opts: withPSK, wantErr: "no MACMethod"},
		{file: "invalid/mac-algorithm.pskcxml", opts: withPSK, wantIs: ErrUnsupported, wantErr: "hmac-zha9"},
		{file: "invalid/mac-value.pskcxml", opts: withPSK, wantIs: ErrIntegrity, wantErr: "ValueMAC"},
		{file: "invalid/not-integer.pskcxml", wantErr: `NumberOfTransactions: "TWELVE" is not an integer`},
		{file: "invalid/not-integer2.pskcxml", wantErr: `MinLength="FOUR" is not an integer`},
		{file: "invalid/not-boolean.pskcxml", wantErr: `"not really" is not a boolean`},

		// Vendor files.
		{file: "feitian/file1.pskcxml", want: []tok{
			hotpTok("1000133508267", "1000133508267", "3ee3270a2be59ffd78222dc3361478ff5cc63790", 6, 0),
			hotpTok("1000133508255", "1000133508255", "c118dcb259dcc8a8fffcbd686835506c0bc23672", 6, 0),
			feitianTOTP("2600124809778", "3117df1a718d24a9a8f2e496df5dc70af18d2183"),
			feitianTOTP("2600124809787", "f4ef4f5fd836d31ef890871a2cbac68b031445e3"),
			feitianTOTP("2600135004012", "0340f1157d734554ecc4994c285b035ee35061c2"),
			feitianTOTP("2600135004013", "3522ee085fea7903eca98ed2a1de1a9c93232018"),
		}},
		{file: "feitian/20120919-test001-4282.xml", want: []tok{
			feitianTOTP("2600215704919", "cd22b780fffd2d53696807ecd37f404dae393270"),
			hotpTok("1000117803294", "1000117803294", "4dfa5f4fef099fdb3a158348c928bebb35e4222d", 6, 0),
		}},
		{file: "multiotp/pskc-hotp-aes.txt", opts: withPSK, want: []tok{
			hotpTok("ZZ0000000000", "ZZ0000000000", figSecret, 6, 0),
			hotpTok("ZZ0100000000", "ZZ0100000000", asciiHex("12345678901234567891"), 8, 0),
		}},
		{file: "multiotp/pskc-hotp-pbe.txt", opts: pw, want: []tok{
			hotpTok("ZZ0000000002", "ZZ0000000002", asciiHex("01234567890123456789"), 6, 0),
		}},
		{file: "multiotp/pskc-totp-aes.txt", opts: withPSK, want: []tok{
			totpTok("ZZ1000000000", "ZZ1000000000", figSecret, 6, 30, "SHA1"),
			totpTok("ZZ1100000000", "ZZ1100000000", asciiHex("12345678901234567891"), 8, 30, "SHA1"),
			totpTok("ZZ1000000001", "ZZ1000000001", asciiHex("12345678901234567890123456789012"), 6, 30, "SHA256"),
			totpTok("ZZ1100000001", "ZZ1100000001", asciiHex("12345678901234567890123456789013"), 8, 30, "SHA256"),
		}},
		{file: "multiotp/pskc-totp-pbe.txt", opts: pw, want: []tok{
			totpTok("ZZ1000000002", "ZZ1000000002", asciiHex("01234567890123456789"), 6, 30, "SHA1"),
		}},
		{file: "multiotp/tokens_hotp_aes.pskc", opts: withPSK, want: []tok{
			{Serial: "ZZ7000000001", ID: "ZZ7000000001", Algorithm: HOTP, Digits: 8, Hash: "SHA256", Counter: 16887061004979670,
				Secret: "91f0dc4e239977e6bcc273e4f5414a8a6cf6d62c6990f58b4914a2d588b3475f"},
			{Serial: "ZZ7000000002", ID: "ZZ7000000002", Algorithm: HOTP, Digits: 8, Hash: "SHA512", Counter: 33134002894009587,
				Secret: "717652d52070140be85d30d46ac5292ae867ea4c90a1623dc280b47483730327e5ea97dc20d8cb67cd1bb730cb067b7dfccd34cead7ea697af28f34c18098a27"},
		}},
		{file: "multiotp/tokens_hotp_pbe.pskc", opts: pw, want: []tok{
			{Serial: "ZZ7000000000", ID: "ZZ7000000000", Algorithm: HOTP, Digits: 8, Hash: "SHA1", Counter: 3175185617134465,
				Secret: "5d3a38bf5476d6f0b897f1e62887cb3ce833a5b9"},
		}},
		{file: "multiotp/tokens_totp_aes.pskc", opts: withPSK, want: []tok{
			totpTok("ZZ8000000001", "ZZ8000000001", "38c2506a8e0708a5e929c2686b827e0ba7ae28c9de3c83e6d27308345981a3de", 8, 30, "SHA256"),
			totpTok("ZZ8000000002", "ZZ8000000002", "e232f74b79922de8bd49564beb4b4ddfe3e5dd929663bdd81688e1fb67e372d5bc7dfd73e0f494aa5d13fcae23b8d3c0b921ba817b337609644466788a9b1443", 8, 30, "SHA512"),
		}},
		{file: "multiotp/tokens_totp_pbe.pskc", opts: pw, want: []tok{
			totpTok("ZZ8000000000", "ZZ8000000000", "2c8792d34a3a8711b7cfc4304bcc84e3e67815a6", 8, 30, "SHA1"),
		}},
		{file: "multiotp/tokens_totp_aes.pskc", opts: pw, wantIs: ErrNeedKey},
		{file: "multiotp/tokens_totp_pbe.pskc", opts: withPSK, wantIs: ErrNeedKey},
		{file: "multiotp/tokens_ocra_aes.pskc", opts: withPSK, wantIs: ErrUnsupported, wantErr: "OCRA"},
		{file: "multiotp/tokens_ocra_pbe.pskc", opts: pw, wantIs: ErrUnsupported, wantErr: "OCRA"},
		{file: "yubico/example1.pskcxml", wantIs: ErrUnsupported, wantErr: "yubikey-aes"},
		{file: "yubico/example2.pskcxml", wantIs: ErrUnsupported, wantErr: "yubikey-aes"},
		{file: "yubico/example3.pskcxml", wantIs: ErrUnsupported, wantErr: "yubikey-aes"},
		{file: "nagraid/file1.pskcxml", opts: Options{PSK: mustHex(t, "4A057F6AB6FCB57AB5408E46A9835E68")}, wantIs: ErrUnsupported, wantErr: "OCRA"},
		{file: "actividentity/test.pskcxml", opts: Options{PSK: mustHex(t, "fe0de6b806c09b762c4b49a666a27b72")},
			wantIs: ErrUnsupported, wantErr: "namespace"},
	}
	for _, tt := range tests {
		name := tt.file
		if tt.want == nil {
			name += "/fails"
		}
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			if tt.anonymous {
				data = withKeyAttrs(data)
			}
			keys, err := Parse(bytes.NewReader(data), tt.opts)
			if tt.want != nil {
				if err != nil {
					t.Fatalf("Parse(%q) = %v, want %d keys", tt.file, err, len(tt.want))
				}
				if diff := cmp.Diff(tt.want, toks(keys)); diff != "" {
					t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.file, diff)
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse(%q) = %d keys, want an error", tt.file, len(keys))
			}
			if keys != nil {
				t.Errorf("Parse(%q) returned %d keys with its error, want none", tt.file, len(keys))
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Parse(%q) = %v, want an error wrapping %v", tt.file, err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) = %v, want an error containing %q", tt.file, err, tt.wantErr)
			}
		})
	}
}
