package pskc

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseFiles parses the generated containers in testdata/pskc.
func TestParseFiles(t *testing.T) {
	psk := Options{PSK: mustHex(t, rfcPSK)}
	figSecret := asciiHex(rfcSecret)
	cbcTok := hotpTok("CBC-000000001", "CBC-000000001", figSecret, 6, 7)
	tests := []struct {
		file string
		opts Options
		want []tok
	}{
		{"figure2.pskcxml", Options{}, []tok{hotpTok("12345678", "12345678", asciiHex("1234"), 6, 0)}},
		{"figure3.pskcxml", Options{}, []tok{hotpTok("987654321", "12345678", figSecret, 8, 0)}},
		{"figure5.pskcxml", Options{}, []tok{hotpTok("987654321", "12345678", figSecret, 8, 0)}},
		{"figure6.pskcxml", psk, []tok{hotpTok("987654321", "12345678", figSecret, 8, 0)}},
		{"figure7.pskcxml", Options{Password: rfcFig7Password}, []tok{hotpTok("987654321", "123456", figSecret, 8, 0)}},
		{"totp-30.pskcxml", Options{}, []tok{
			totpTok("TOTP30-000001", "TOTP30-000001", totpSecretA, 6, 30, "SHA1"),
			totpTok("TOTP30-000002", "TOTP30-000002", totpSecretB, 6, 30, "SHA1"),
		}},
		{"totp-60.pskcxml", psk, []tok{totpTok("TOTP60-000001", "TOTP60-000001", totpSecretB, 6, 60, "SHA1")}},
		{"hotp-8digits.pskcxml", Options{PSK: mustHex(t, sha256Seed)}, []tok{
			hotpTok("HOTP8-0000001", "h1", figSecret, 8, 1234567),
			hotpTok("HOTP8-0000002", "h2", totpSecretA, 8, math.MaxUint64),
		}},
		{"totp-sha256.pskcxml", Options{Password: derivedPW}, []tok{
			totpTok("TOTP256-00001", "TOTP256-00001", sha256Seed, 8, 30, "SHA256"),
			totpTok("TOTP512-00001", "TOTP512-00001", sha512Seed, 8, 30, "SHA512"),
		}},
		{"aes192-cbc.pskcxml", Options{PSK: mustHex(t, "000102030405060708090a0b0c0d0e0f1011121314151617")}, []tok{cbcTok}},
		{"tripledes-cbc.pskcxml", psk, []tok{cbcTok}},
		{"kw-aes128.pskcxml", Options{PSK: mustHex(t, kw128KEK)}, []tok{totpTok("KW128-0000001", "KW128-0000001", kw128Key, 6, 30, "SHA1")}},
		{"kw-aes256.pskcxml", Options{PSK: mustHex(t, kw256KEK)}, []tok{totpTok("KW256-0000001", "KW256-0000001", kw256Key, 6, 30, "SHA1")}},
		{"kw-aes128-pad.pskcxml", Options{PSK: mustHex(t, kw128KEK)}, []tok{totpTok("KWPAD-0000001", "KWPAD-0000001", figSecret, 6, 30, "SHA1")}},
		{"kw-tripledes.pskcxml", Options{PSK: mustHex(t, tdesKEK)}, []tok{hotpTok("KW3DES-000001", "KW3DES-000001", tdesCEK, 6, 0)}},
		{"legacy-no-mac-key.pskcxml", psk, []tok{hotpTok("LEGACY-000001", "LEGACY-000001", figSecret, 6, 0)}},
		{"legacy-mac-over-plaintext.pskcxml", psk, []tok{hotpTok("LEGACY-000002", "LEGACY-000002", figSecret, 6, 0)}},
		{"legacy-noiv.pskcxml", Options{PSK: mustHex(t, rfcPSK), IV: iv(0, 16)}, []tok{hotpTok("LEGACY-000003", "LEGACY-000003", figSecret, 6, 0)}},
		{"draft-totp.pskcxml", Options{}, []tok{totpTok("DRAFT-0000001", "DRAFT-0000001", figSecret, 6, 30, "SHA1")}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			keys, err := Parse(openTestdata(t, tt.file), tt.opts)
			if err != nil {
				t.Fatalf("Parse(%q) = %v, want %d keys", tt.file, err, len(tt.want))
			}
			if diff := cmp.Diff(tt.want, toks(keys)); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

// TestParseFileErrors checks that bad containers, and good ones opened with
// the wrong key, fail as a whole with an error that says why.
func TestParseFileErrors(t *testing.T) {
	psk := Options{PSK: mustHex(t, rfcPSK)}
	tests := []struct {
		file    string
		opts    Options
		wantIs  error
		wantErr string
	}{
		{"figure6.pskcxml", Options{}, ErrNeedKey, `pre-shared key "Pre-shared-key"`},
		{"figure6.pskcxml", Options{Password: "qwerty"}, ErrNeedKey, "set a pre-shared key"},
		{"figure6.pskcxml", Options{PSK: mustHex(t, "12345678901234567890123456789013")}, ErrWrongKey, "MACMethod/MACKey"},
		{"figure6.pskcxml", Options{PSK: mustHex(t, "000102030405060708090a0b0c0d0e0f1011121314151617")}, ErrWrongKey, "needs a 16-byte key"},
		{"figure7.pskcxml", Options{}, ErrNeedKey, `password (MasterKeyName "My Password 1")`},
		{"figure7.pskcxml", Options{PSK: mustHex(t, rfcPSK)}, ErrNeedKey, "set a password"},
		{"figure7.pskcxml", Options{Password: "Qwerty"}, ErrWrongKey, "wrong key or corrupt data"},
		{"figure7.pskcxml", Options{Password: "qwerty", MaxIterations: 999}, ErrUnsupported, "1000 iterations, more than the limit of 999"},
		{"totp-sha256.pskcxml", Options{Password: "qwerty"}, ErrWrongKey, ""},
		{"hotp-8digits.pskcxml", psk, ErrWrongKey, "aes256-cbc needs a 32-byte key, the key has 16 bytes"},
		{"tripledes-cbc.pskcxml", Options{PSK: mustHex(t, "11111111111111111111111111111111")}, ErrWrongKey, ""},
		{"kw-aes128.pskcxml", Options{PSK: mustHex(t, "000102030405060708090a0b0c0d0e0e")}, ErrWrongKey, "key unwrap"},
		{"kw-aes128-pad.pskcxml", Options{PSK: mustHex(t, "000102030405060708090a0b0c0d0e0e")}, ErrWrongKey, "key unwrap"},
		{"kw-tripledes.pskcxml", Options{PSK: mustHex(t, "255e0d1c07b646dfb3134cc843ba8aa71f025b7c0838250f")}, ErrWrongKey, "key unwrap"},
		{"legacy-noiv.pskcxml", psk, ErrWrongKey, ""},
		{"legacy-noiv.pskcxml", Options{PSK: mustHex(t, rfcPSK), IV: iv(0, 8)}, nil, "Options.IV has 8 bytes"},
		{"bad-mac.pskcxml", psk, ErrIntegrity, `key "12345678" (serial "987654321"): KeyPackage/Key/Data/Secret/ValueMAC: integrity check failed`},
		{"bad-mac-second-key.pskcxml", psk, ErrIntegrity, `key "b2" (serial "BAD-000000002")`},
		{"wrong-version.pskcxml", Options{}, ErrUnsupported, `PSKC version "1.1", want 1.0`},
		{"duplicate-serial.pskcxml", Options{}, nil, `duplicate serial "DUP-000000001" (first at line`},
		{"not-xml.pskcxml", Options{}, nil, "not a valid XML document"},
		{"missing-secret.pskcxml", Options{}, nil, "missing Data/Secret"},
		{"ocra.pskcxml", Options{}, ErrUnsupported, "OCRA challenge-response keys"},
		{"unknown-algorithm.pskcxml", Options{}, ErrUnsupported, `key algorithm "http://example.com/pskc#proprietary", want HOTP or TOTP`},
		{"cbc-without-mac.pskcxml", psk, nil, "missing ValueMAC"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			keys, err := Parse(openTestdata(t, tt.file), tt.opts)
			checkErr(t, tt.file, keys, err, tt.wantIs, tt.wantErr)
		})
	}
}

// checkErr checks that a Parse failed as a whole, wrapping wantIs (if set)
// with a message containing wantErr.
func checkErr(t *testing.T, what string, keys []Key, err, wantIs error, wantErr string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Parse(%q) = %d keys, want an error", what, len(keys))
	}
	if keys != nil {
		t.Errorf("Parse(%q) returned %d keys with its error, want none", what, len(keys))
	}
	if wantIs != nil && !errors.Is(err, wantIs) {
		t.Errorf("Parse(%q) = %v, want an error wrapping %q", what, err, wantIs)
	}
	if !strings.Contains(err.Error(), wantErr) {
		t.Errorf("Parse(%q) = %v, want an error containing %q", what, err, wantErr)
	}
	if e := (*Error)(nil); !errors.As(err, &e) {
		t.Errorf("Parse(%q) = %T, want *Error", what, err)
	}
}

func openTestdata(t *testing.T, name string) *bytes.Reader {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testdataDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(data)
}

// TestErrorLocation checks that an error names the line, element and key.
func TestErrorLocation(t *testing.T) {
	const file = "bad-mac-second-key.pskcxml"
	data, err := os.ReadFile(filepath.Join(testdataDir, file))
	if err != nil {
		t.Fatal(err)
	}
	// The second ValueMAC in the file is the bad one.
	wantLine, seen := 0, 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), "<ValueMAC>") {
			if seen++; seen == 2 {
				wantLine = n
			}
		}
	}
	_, err = Parse(bytes.NewReader(data), Options{PSK: mustHex(t, rfcPSK)})
	var got *Error
	if !errors.As(err, &got) {
		t.Fatalf("Parse(%q) = %v, want *Error", file, err)
	}
	want := &Error{Line: wantLine, Element: "KeyPackage/Key/Data/Secret/ValueMAC", KeyID: "b2", Serial: "BAD-000000002"}
	if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Err" }, cmp.Ignore())); diff != "" {
		t.Errorf("Parse(%q) error location mismatch (-want +got):\n%s", file, diff)
	}
}

// Building blocks of the inline documents below.
const (
	docStart = `<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"
    xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" xmlns:pkcs5="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#">
`
	docEnd         = "</KeyContainer>\n"
	hotpAttrs      = `Id="K1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp"`
	totpAttrs      = `Id="K1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp"`
	plainSecretXML = `<Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret>`
	pskName        = `<EncryptionKey><ds:KeyName>Pre-shared-key</ds:KeyName></EncryptionKey>`
)

// doc wraps container-level elements and one key in a KeyContainer.
func doc(head, keyAttrs, keyBody string) string {
	return docStart + head + "<KeyPackage><DeviceInfo><SerialNo>SN-1</SerialNo></DeviceInfo>\n<Key " + keyAttrs + ">" +
		keyBody + "</Key></KeyPackage>\n" + docEnd
}

// data wraps Data children.
func dataXML(children ...string) string { return "<Data>" + strings.Join(children, "") + "</Data>" }

// encValue is an EncryptedValue of algorithm alg (an xmlenc fragment).
func encValue(alg string, ct []byte) string {
	return `<EncryptedValue><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#` + alg +
		`"/><xenc:CipherData><xenc:CipherValue>` + b64(ct) + `</xenc:CipherValue></xenc:CipherData></EncryptedValue>`
}

// pbkdf2Key is an EncryptionKey with the given PBKDF2-params children.
func pbkdf2Key(alg, params string) string {
	return `<EncryptionKey><xenc11:DerivedKey><xenc11:KeyDerivationMethod Algorithm="` + alg + `">` +
		"<pkcs5:PBKDF2-params>" + params + "</pkcs5:PBKDF2-params></xenc11:KeyDerivationMethod></xenc11:DerivedKey></EncryptionKey>"
}

// TestParseInline covers the corners of the format with small documents.
func TestParseInline(t *testing.T) {
	kek := mustHex(t, kw128KEK)
	wrapped := mustHex(t, kw128Wrapped) // RFC 3394 §4.1: kw128Key under kek
	kwSecret := "<Secret>" + encValue("kw-aes128", wrapped) + "</Secret>"
	kwInt := func(name string, plain []byte) string {
		return "<" + name + ">" + encValue("kw-aes128", aesWrap(t, kek, plain)) + "</" + name + ">"
	}
	const pbkdf2URI = "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2"
	const goodParams = "<Salt><Specified>Ej7/PEpyEpw=</Specified></Salt><IterationCount>1000</IterationCount><KeyLength>16</KeyLength>"
	figSecret := asciiHex(rfcSecret)
	deep := docStart + strings.Repeat("<KeyPackage>", 70) + strings.Repeat("</KeyPackage>", 70) + docEnd

	tests := []struct {
		name    string
		doc     string
		opts    Options
		want    []tok // nil: want an error
		wantIs  error
		wantErr string
	}{
		// Accepted.
		{name: "defaults", doc: doc("", hotpAttrs, dataXML(plainSecretXML)),
			want: []tok{hotpTok("SN-1", "K1", figSecret, 6, 0)}},
		{name: "TOTP defaults", doc: doc("", totpAttrs, dataXML(plainSecretXML)),
			want: []tok{totpTok("SN-1", "K1", figSecret, 6, 30, "SHA1")}},
		{name: "serial from Id", doc: docStart + "<KeyPackage><Key " + hotpAttrs + ">" + dataXML(plainSecretXML) + "</Key></KeyPackage>" + docEnd,
			want: []tok{hotpTok("K1", "K1", figSecret, 6, 0)}},
		{name: "version 1", doc: strings.Replace(doc("", hotpAttrs, dataXML(plainSecretXML)), `Version="1.0"`, `Version="1"`, 1),
			want: []tok{hotpTok("SN-1", "K1", figSecret, 6, 0)}},
		{name: "suite spellings", doc: doc("", totpAttrs, `<AlgorithmParameters><Suite>hmac-sha-256</Suite><ResponseFormat Length="10"/></AlgorithmParameters>`+dataXML(plainSecretXML)),
			want: []tok{totpTok("SN-1", "K1", figSecret, 10, 30, "SHA256")}},
		{name: "suite SHA512", doc: doc("", totpAttrs, `<AlgorithmParameters><Suite>SHA512</Suite></AlgorithmParameters>`+dataXML(plainSecretXML)),
			want: []tok{totpTok("SN-1", "K1", figSecret, 6, 30, "SHA512")}},
		{name: "TOTP fields", doc: doc("", totpAttrs, dataXML(plainSecretXML, "<Counter><PlainValue>9</PlainValue></Counter>",
			"<Time><PlainValue>-30</PlainValue></Time><TimeInterval><PlainValue>45</PlainValue></TimeInterval><TimeDrift><PlainValue>-2</PlainValue></TimeDrift>")),
			want: []tok{{Serial: "SN-1", ID: "K1", Algorithm: TOTP, Secret: figSecret, Digits: 6, TimeStep: 45, Time0: -30, Hash: "SHA1"}}},
		{name: "HOTP ignores TOTP fields", doc: doc("", hotpAttrs, dataXML(plainSecretXML, "<Time><PlainValue>5</PlainValue></Time><TimeInterval><PlainValue>0</PlainValue></TimeInterval>")),
			want: []tok{hotpTok("SN-1", "K1", figSecret, 6, 0)}},
		{name: "unpadded base64", doc: doc("", hotpAttrs, dataXML(`<Secret><PlainValue>MTIzNA</PlainValue></Secret>`)),
			want: []tok{hotpTok("SN-1", "K1", asciiHex("1234"), 6, 0)}},
		{name: "no EncryptionKey with PSK", doc: doc("", hotpAttrs, dataXML(kwSecret)), opts: Options{PSK: kek},
			want: []tok{hotpTok("SN-1", "K1", kw128Key, 6, 0)}},
		{name: "encrypted integers", doc: doc(pskName, hotpAttrs, dataXML(kwSecret, kwInt("Counter", []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2}))),
			opts: Options{PSK: kek}, want: []tok{hotpTok("SN-1", "K1", kw128Key, 6, 0x102)}},
		{name: "PBKDF2 PRF as text", doc: doc(pbkdf2Key(pbkdf2URI, goodParams+"<PRF>http://www.w3.org/2000/09/xmldsig#hmac-sha1</PRF>"), hotpAttrs, dataXML(plainSecretXML)),
			want: []tok{hotpTok("SN-1", "K1", figSecret, 6, 0)}}, // nothing encrypted: no password needed
		{name: "signature ignored", doc: doc(`<ds:Signature><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>`, hotpAttrs, dataXML(plainSecretXML)),
			want: []tok{hotpTok("SN-1", "K1", figSecret, 6, 0)}},

		// Refused: document.
		{name: "empty input", doc: "", wantErr: "no root element"},
		{name: "DOCTYPE", doc: `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>` + doc("", hotpAttrs, dataXML(plainSecretXML))[len(`<?xml version="1.0" encoding="UTF-8"?>`):],
			wantErr: "DOCTYPE"},
		{name: "two roots", doc: doc("", hotpAttrs, dataXML(plainSecretXML)) + "<KeyContainer/>", wantErr: "more than one root element"},
		{name: "text after root", doc: doc("", hotpAttrs, dataXML(plainSecretXML)) + "trailing", wantErr: "text outside the root element"},
		{name: "too deep", doc: deep, wantErr: "nested more than 64 deep"},
		{name: "other namespace", doc: `<KeyContainer Version="1.0" xmlns="urn:example"/>`, wantIs: ErrUnsupported, wantErr: `namespace "urn:example"`},
		{name: "no namespace", doc: `<KeyContainer Version="1.0"/>`, wantIs: ErrUnsupported, wantErr: `namespace ""`},
		{name: "no version", doc: `<KeyContainer xmlns="urn:ietf:params:xml:ns:keyprov:pskc"/>`, wantErr: "no Version attribute"},
		{name: "no keys", doc: docStart + docEnd, wantErr: "holds no HOTP or TOTP keys"},
		{name: "only a PIN key", doc: doc("", `Id="P" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:pin"`, dataXML(plainSecretXML)), wantErr: "holds no HOTP or TOTP keys"},

		// Refused: key.
		{name: "two secrets", doc: doc("", hotpAttrs, dataXML(plainSecretXML, plainSecretXML)), wantErr: "KeyPackage/Key/Data/Secret: more than one Secret in Data"},
		{name: "plain and encrypted", doc: doc(pskName, hotpAttrs, dataXML("<Secret><PlainValue>MTIz</PlainValue>"+encValue("kw-aes128", wrapped)+"</Secret>")),
			opts: Options{PSK: kek}, wantErr: "both PlainValue and EncryptedValue"},
		{name: "no value", doc: doc("", hotpAttrs, dataXML("<Secret/>")), wantErr: "neither PlainValue nor EncryptedValue"},
		{name: "bad base64", doc: doc("", hotpAttrs, dataXML(`<Secret><PlainValue>secret!!</PlainValue></Secret>`)), wantErr: "Data/Secret/PlainValue: not base64"},
		{name: "empty secret", doc: doc("", hotpAttrs, dataXML(`<Secret><PlainValue></PlainValue></Secret>`)), wantErr: "empty secret"},
		{name: "no name", doc: docStart + `<KeyPackage><Key Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">` + dataXML(plainSecretXML) + "</Key></KeyPackage>" + docEnd,
			wantErr: "the key has no name"},
		{name: "no algorithm", doc: doc("", `Id="K1"`, dataXML(plainSecretXML)), wantErr: "missing Algorithm attribute"},
		{name: "5 digits", doc: doc("", hotpAttrs, `<AlgorithmParameters><ResponseFormat Length="5"/></AlgorithmParameters>`+dataXML(plainSecretXML)), wantErr: `Length "5", want 6 to 10 digits`},
		{name: "11 digits", doc: doc("", hotpAttrs, `<AlgorithmParameters><ResponseFormat Length="11"/></AlgorithmParameters>`+dataXML(plainSecretXML)), wantErr: `Length "11"`},
		{name: "no length", doc: doc("", hotpAttrs, `<AlgorithmParameters><ResponseFormat Encoding="DECIMAL"/></AlgorithmParameters>`+dataXML(plainSecretXML)), wantErr: "no Length"},
		{name: "hex response", doc: doc("", hotpAttrs, `<AlgorithmParameters><ResponseFormat Length="6" Encoding="HEXADECIMAL"/></AlgorithmParameters>`+dataXML(plainSecretXML)),
			wantIs: ErrUnsupported, wantErr: "DECIMAL"},
		{name: "check digit", doc: doc("", hotpAttrs, `<AlgorithmParameters><ResponseFormat Length="6" CheckDigits="true"/></AlgorithmParameters>`+dataXML(plainSecretXML)),
			wantIs: ErrUnsupported, wantErr: "Luhn"},
		{name: "SHA384 suite", doc: doc("", totpAttrs, `<AlgorithmParameters><Suite>HMAC-SHA384</Suite></AlgorithmParameters>`+dataXML(plainSecretXML)),
			wantIs: ErrUnsupported, wantErr: `suite "HMAC-SHA384"`},
		{name: "bad counter", doc: doc("", hotpAttrs, dataXML(plainSecretXML, "<Counter><PlainValue>-1</PlainValue></Counter>")), wantErr: `Counter/PlainValue: "-1" is not an unsigned 64-bit integer`},
		{name: "bad time", doc: doc("", totpAttrs, dataXML(plainSecretXML, "<Time><PlainValue>now</PlainValue></Time>")), wantErr: `"now" is not a 64-bit integer`},
		{name: "zero interval", doc: doc("", totpAttrs, dataXML(plainSecretXML, "<TimeInterval><PlainValue>0</PlainValue></TimeInterval>")), wantErr: "want at least 1"},
		{name: "bad drift", doc: doc("", totpAttrs, dataXML(plainSecretXML, "<TimeDrift><PlainValue>x</PlainValue></TimeDrift>")), wantErr: "TimeDrift/PlainValue"},
		{name: "MAC on plain value", doc: doc("", hotpAttrs, dataXML(`<Secret><PlainValue>MTIz</PlainValue><ValueMAC>AAAA</ValueMAC></Secret>`)), wantErr: "ValueMAC with a PlainValue"},
		{name: "counter too big", doc: doc(pskName, hotpAttrs, dataXML(kwSecret, kwInt("Counter", bytes.Repeat([]byte{1}, 16)))),
			opts: Options{PSK: kek}, wantErr: "encrypted integer of 16 bytes does not fit in 64 bits"},
		{name: "time too big", doc: doc(pskName, totpAttrs, dataXML(kwSecret, kwInt("Time", bytes.Repeat([]byte{0xff}, 16)))),
			opts: Options{PSK: kek}, wantErr: "does not fit in"},
		{name: "time beyond int64", doc: doc(pskName, totpAttrs, dataXML(kwSecret, kwInt("Time", append(make([]byte, 8), 0x80, 0, 0, 0, 0, 0, 0, 0)))),
			opts: Options{PSK: kek}, wantErr: "does not fit in 63 bits"},

		// Refused: encryption.
		{name: "no EncryptionKey, no PSK", doc: doc("", hotpAttrs, dataXML(kwSecret)), wantIs: ErrNeedKey, wantErr: "no EncryptionKey"},
		{name: "X509 EncryptionKey", doc: doc(`<EncryptionKey><ds:X509Data/></EncryptionKey>`, hotpAttrs, dataXML(kwSecret)), opts: Options{PSK: kek},
			wantIs: ErrUnsupported, wantErr: "EncryptionKey: unsupported EncryptionKey"},
		{name: "Camellia", doc: doc(pskName, hotpAttrs, dataXML("<Secret>"+encValue("camellia128-cbc", make([]byte, 32))+"</Secret>")), opts: Options{PSK: kek},
			wantIs: ErrUnsupported, wantErr: "no Camellia"},
		{name: "RSA", doc: doc(pskName, hotpAttrs, dataXML("<Secret>"+encValue("rsa-1_5", make([]byte, 32))+"</Secret>")), opts: Options{PSK: kek},
			wantIs: ErrUnsupported, wantErr: "asymmetric key transport"},
		{name: "CipherReference", doc: doc(pskName, hotpAttrs, dataXML(`<Secret><EncryptedValue><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#kw-aes128"/>`+
			`<xenc:CipherData><xenc:CipherReference URI="http://example.com/"/></xenc:CipherData></EncryptedValue></Secret>`)), opts: Options{PSK: kek},
			wantIs: ErrUnsupported, wantErr: "CipherReference"},
		{name: "bad CipherValue", doc: doc(pskName, hotpAttrs, dataXML(`<Secret><EncryptedValue><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#kw-aes128"/>`+
			`<xenc:CipherData><xenc:CipherValue>*</xenc:CipherValue></xenc:CipherData></EncryptedValue></Secret>`)), opts: Options{PSK: kek},
			wantErr: "CipherValue: not base64"},
		{name: "MACKeyReference", doc: doc(pskName+`<MACMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"><MACKeyReference>k</MACKeyReference></MACMethod>`,
			hotpAttrs, dataXML("<Secret>"+encValue("kw-aes128", wrapped)+"<ValueMAC>AAAA</ValueMAC></Secret>")), opts: Options{PSK: kek},
			wantIs: ErrUnsupported, wantErr: "MACKeyReference"},
		{name: "MACMethod without algorithm", doc: doc(pskName+`<MACMethod/>`,
			hotpAttrs, dataXML("<Secret>"+encValue("kw-aes128", wrapped)+"<ValueMAC>AAAA</ValueMAC></Secret>")), opts: Options{PSK: kek},
			wantErr: "MACMethod has no Algorithm"},
		{name: "truncated CBC", doc: doc(pskName+`<MACMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"/>`, hotpAttrs,
			dataXML("<Secret>"+encValue("aes128-cbc", make([]byte, 16))+"<ValueMAC>AAAA</ValueMAC></Secret>")), opts: Options{PSK: kek},
			wantIs: ErrIntegrity},
		{name: "other KDF", doc: doc(pbkdf2Key("http://www.w3.org/2009/xmlenc11#ConcatKDF", goodParams), hotpAttrs, dataXML(kwSecret)), opts: Options{Password: "pw"},
			wantIs: ErrUnsupported, wantErr: "want PBKDF2"},
		{name: "no KeyLength", doc: doc(pbkdf2Key(pbkdf2URI, "<Salt><Specified>Ej7/PEpyEpw=</Specified></Salt><IterationCount>1000</IterationCount>"), hotpAttrs, dataXML(kwSecret)),
			opts: Options{Password: "pw"}, wantErr: "missing KeyLength"},
		{name: "no salt", doc: doc(pbkdf2Key(pbkdf2URI, "<IterationCount>1000</IterationCount><KeyLength>16</KeyLength>"), hotpAttrs, dataXML(kwSecret)),
			opts: Options{Password: "pw"}, wantErr: "missing Salt"},
		{name: "other salt source", doc: doc(pbkdf2Key(pbkdf2URI, "<Salt><OtherSource/></Salt><IterationCount>1000</IterationCount><KeyLength>16</KeyLength>"), hotpAttrs, dataXML(kwSecret)),
			opts: Options{Password: "pw"}, wantIs: ErrUnsupported, wantErr: "Specified salt"},
		{name: "zero iterations", doc: doc(pbkdf2Key(pbkdf2URI, "<Salt><Specified>Ej7/PEpyEpw=</Specified></Salt><IterationCount>0</IterationCount><KeyLength>16</KeyLength>"), hotpAttrs, dataXML(kwSecret)),
			opts: Options{Password: "pw"}, wantErr: `"0" is not a positive integer`},
		{name: "too many iterations", doc: doc(pbkdf2Key(pbkdf2URI, "<Salt><Specified>Ej7/PEpyEpw=</Specified></Salt><IterationCount>2147483647</IterationCount><KeyLength>16</KeyLength>"), hotpAttrs, dataXML(kwSecret)),
			opts: Options{Password: "pw"}, wantIs: ErrUnsupported, wantErr: "more than the limit of 5000000"},
		{name: "MD5 PRF", doc: doc(pbkdf2Key(pbkdf2URI, goodParams+`<PRF Algorithm="http://www.w3.org/2001/04/xmldsig-more#hmac-md5"/>`), hotpAttrs, dataXML(kwSecret)),
			opts: Options{Password: "pw"}, wantIs: ErrUnsupported, wantErr: "hmac-md5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := Parse(strings.NewReader(tt.doc), tt.opts)
			if tt.want == nil {
				checkErr(t, tt.name, keys, err, tt.wantIs, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Parse(%s) = %v, want %d keys", tt.name, err, len(tt.want))
			}
			if diff := cmp.Diff(tt.want, toks(keys)); diff != "" {
				t.Errorf("Parse(%s) mismatch (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

// TestParseKeyFields checks the fields the tables above leave out.
func TestParseKeyFields(t *testing.T) {
	keys, err := Parse(openTestdata(t, "figure7.pskcxml"), Options{Password: rfcFig7Password})
	if err != nil {
		t.Fatalf("Parse(figure7) = %v", err)
	}
	want := []Key{{Serial: "987654321", ID: "123456", Manufacturer: "TokenVendorAcme", Issuer: "Example-Issuer",
		Algorithm: HOTP, Secret: []byte(rfcSecret), Digits: 8, Hash: "SHA1"}}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("Parse(figure7) mismatch (-want +got):\n%s", diff)
	}
}

// TestErrorsHideSecrets checks that a bad secret is not echoed.
func TestErrorsHideSecrets(t *testing.T) {
	const secret = "c2VjcmV0IHNlZWQgdmFsdWU!"
	_, err := Parse(strings.NewReader(doc("", hotpAttrs, dataXML("<Secret><PlainValue>"+secret+"</PlainValue></Secret>"))), Options{})
	if err == nil || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("Parse(bad base64 secret) = %v, want an error that does not quote the secret", err)
	}
}
