package pskc

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// TestUnwrapAES checks the examples of RFC 3394 §4 and RFC 5649 §6.
func TestUnwrapAES(t *testing.T) {
	const (
		kek192    = "000102030405060708090a0b0c0d0e0f1011121314151617"
		data192   = "00112233445566778899aabbccddeeff0001020304050607"
		kek5649   = "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8"
		rfc3217CT = "690107618ef092b3b48ca1796b234ae9fa33ebb4159604037db5d6a84eb3aac2768c632775a467d4"
	)
	tests := []struct {
		name, kek, wrapped, want string
	}{
		{"RFC 3394 4.1", kw128KEK, kw128Wrapped, kw128Key},
		{"RFC 3394 4.2", kek192, "96778b25ae6ca435f92b5b97c050aed2468ab8a17ad84e5d", kw128Key},
		{"RFC 3394 4.3", kw256KEK, "64e8c3f9ce0f5ba263e9777905818a2a93c8191e7d6e8ae7", kw128Key},
		{"RFC 3394 4.4", kek192, "031d33264e15d33268f24ec260743edce1c6c7ddee725a936ba814915c6762d2", data192},
		{"RFC 3394 4.5", kw256KEK, "a8f9bc1612c68b3ff6e6f4fbe30e71e4769c8b80a32cb8958cd5d17d6b254da1", data192},
		{"RFC 3394 4.6", kw256KEK, kw256Wrapped, kw256Key},
		{"RFC 5649 20 bytes", kek5649, "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a", "c37b7e6492584340bed12207808941155068f738"},
		{"RFC 5649 7 bytes", kek5649, "afbeb0f07dfbf5419200f2ccb50bb24f", "466f7250617369"},
	}
	for _, tt := range tests {
		b, err := aes.NewCipher(mustHex(t, tt.kek))
		if err != nil {
			t.Fatal(err)
		}
		got, err := unwrapAES(b, mustHex(t, tt.wrapped))
		if err != nil || hex.EncodeToString(got) != tt.want {
			t.Errorf("%s: unwrapAES(%s) = %x, %v, want %s", tt.name, tt.wrapped, got, err, tt.want)
		}
		// The test's own wrap must agree with the RFC too.
		if w := hex.EncodeToString(aesWrap(t, mustHex(t, tt.kek), mustHex(t, tt.want))); w != tt.wrapped {
			t.Errorf("%s: aesWrap = %s, want %s", tt.name, w, tt.wrapped)
		}
		// Any flipped bit must fail the integrity check.
		for i := range len(tt.wrapped) / 2 {
			bad := mustHex(t, tt.wrapped)
			bad[i] ^= 0x01
			if got, err := unwrapAES(b, bad); !errors.Is(err, ErrWrongKey) {
				t.Errorf("%s: unwrapAES(byte %d flipped) = %x, %v, want ErrWrongKey", tt.name, i, got, err)
				break
			}
		}
	}
	b, _ := aes.NewCipher(mustHex(t, kw128KEK))
	for _, n := range []int{0, 8, 17, 23} {
		if got, err := unwrapAES(b, make([]byte, n)); !errors.Is(err, ErrWrongKey) {
			t.Errorf("unwrapAES(%d bytes) = %x, %v, want ErrWrongKey", n, got, err)
		}
	}
	// A single block with the RFC 3394 IV is not a valid wrap (RFC 3394
	// needs two blocks of key data).
	one := make([]byte, 16)
	b.Encrypt(one, append(bytes.Repeat([]byte{0xa6}, 8), 1, 2, 3, 4, 5, 6, 7, 8))
	if got, err := unwrapAES(b, one); !errors.Is(err, ErrWrongKey) {
		t.Errorf("unwrapAES(one block, RFC 3394 IV) = %x, %v, want ErrWrongKey", got, err)
	}
	// RFC 5649 with a length that disagrees with the padding fails.
	for _, ml := range []uint32{0, 7, 9} {
		in := append([]byte{0xa6, 0x59, 0x59, 0xa6, 0, 0, 0, byte(ml)}, 1, 2, 3, 4, 5, 6, 7, 8)
		b.Encrypt(one, in)
		if got, err := unwrapAES(b, one); !errors.Is(err, ErrWrongKey) {
			t.Errorf("unwrapAES(RFC 5649 MLI %d over 8 non-zero bytes) = %x, %v, want ErrWrongKey", ml, got, err)
		}
	}

	// RFC 3217 §3: Triple DES key wrap.
	tb, err := des.NewTripleDESCipher(mustHex(t, tdesKEK))
	if err != nil {
		t.Fatal(err)
	}
	got, err := unwrap3DES(tb, mustHex(t, rfc3217CT))
	if err != nil || hex.EncodeToString(got) != tdesCEK {
		t.Errorf("unwrap3DES(RFC 3217 example) = %x, %v, want %s", got, err, tdesCEK)
	}
	if w := hex.EncodeToString(tdesWrap(t, mustHex(t, tdesKEK), mustHex(t, tdesCEK), mustHex(t, tdesIV))); w != rfc3217CT {
		t.Errorf("tdesWrap(RFC 3217 example) = %s, want %s", w, rfc3217CT)
	}
	bad := mustHex(t, rfc3217CT)
	bad[len(bad)-1] ^= 0x80
	if got, err := unwrap3DES(tb, bad); !errors.Is(err, ErrWrongKey) {
		t.Errorf("unwrap3DES(tampered) = %x, %v, want ErrWrongKey", got, err)
	}
	if got, err := unwrap3DES(tb, make([]byte, 20)); !errors.Is(err, ErrWrongKey) {
		t.Errorf("unwrap3DES(20 bytes) = %x, %v, want ErrWrongKey", got, err)
	}
}

// TestDecryptCBC checks the PKCS#7 padding check and the IV handling.
func TestDecryptCBC(t *testing.T) {
	key := mustHex(t, rfcPSK)
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	ivb := iv(0x10, 16)
	// raw encrypts whole blocks without padding, so the test picks the
	// padding bytes the decrypter sees.
	raw := func(plain []byte) []byte {
		out := append([]byte(nil), ivb...)
		ct := make([]byte, len(plain))
		cipher.NewCBCEncrypter(b, ivb).CryptBlocks(ct, plain)
		return append(out, ct...)
	}
	block := func(tail ...byte) []byte {
		p := bytes.Repeat([]byte{'x'}, 16-len(tail))
		return append(p, tail...)
	}
	tests := []struct {
		name    string
		data    []byte
		iv      []byte
		want    string // ASCII
		wantErr string
	}{
		{"one pad byte", raw(block(1)), nil, strings.Repeat("x", 15), ""},
		{"full pad block", raw(append(block(), bytes.Repeat([]byte{16}, 16)...)), nil, strings.Repeat("x", 16), ""},
		{"pad 4", raw(block(4, 4, 4, 4)), nil, strings.Repeat("x", 12), ""},
		{"IV out of band", raw(block(2, 2))[16:], ivb, strings.Repeat("x", 14), ""},
		{"pad 0", raw(block(0)), nil, "", "bad padding"},
		{"pad 17", raw(block(17)), nil, "", "bad padding"},
		{"uneven pad", raw(block(3, 2, 3)), nil, "", "bad padding"},
		{"only an IV", ivb, nil, "", "too short"},
		{"partial block", append(raw(block(1)), 0), nil, "", "not a whole number"},
		{"wrong IV size", raw(block(1)), iv(0, 8), "", "Options.IV has 8 bytes"},
	}
	for _, tt := range tests {
		got, err := decryptCBC(b, tt.data, tt.iv)
		if tt.wantErr == "" {
			if err != nil || string(got) != tt.want {
				t.Errorf("%s: decryptCBC = %q, %v, want %q", tt.name, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: decryptCBC = %q, %v, want an error containing %q", tt.name, got, err, tt.wantErr)
		}
	}
}

// TestLookupAlgorithms checks the algorithm URI tables.
func TestLookupAlgorithms(t *testing.T) {
	ciphers := []struct {
		uri  string
		want string // name, or "" for ErrUnsupported
	}{
		{"http://www.w3.org/2001/04/xmlenc#aes128-cbc", "aes128-cbc"},
		{"http://www.w3.org/2001/04/xmlenc#aes192-cbc", "aes192-cbc"},
		{"http://www.w3.org/2001/04/xmlenc#aes256-cbc", "aes256-cbc"},
		{"http://www.w3.org/2001/04/xmlenc#tripledes-cbc", "tripledes-cbc"},
		{"http://www.w3.org/2001/04/xmlenc#kw-aes128", "kw-aes128"},
		{"http://www.w3.org/2001/04/xmlenc#kw-aes192", "kw-aes192"},
		{"http://www.w3.org/2001/04/xmlenc#kw-aes256", "kw-aes256"},
		{"http://www.w3.org/2009/xmlenc11#kw-aes-256-pad", "kw-aes-256-pad"},
		{"http://www.w3.org/2001/04/xmlenc#kw-tripledes", "kw-tripledes"},
		{"aes128-cbc", "aes128-cbc"},
		{"http://www.w3.org/2001/04/xmldsig-more#camellia256-cbc", ""},
		{"http://www.w3.org/2001/04/xmldsig-more#kw-camellia128", ""},
		{"http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p", ""},
		{"http://www.w3.org/2009/xmlenc11#aes128-gcm", ""},
		{"", ""},
	}
	for _, tt := range ciphers {
		got, err := lookupCipher(tt.uri)
		if tt.want == "" {
			if !errors.Is(err, ErrUnsupported) {
				t.Errorf("lookupCipher(%q) = %v, %v, want ErrUnsupported", tt.uri, got, err)
			}
		} else if err != nil || got.name != tt.want {
			t.Errorf("lookupCipher(%q) = %v, %v, want %s", tt.uri, got, err, tt.want)
		}
	}
	macs := []struct {
		uri  string
		size int // 0 for ErrUnsupported
	}{
		{"http://www.w3.org/2000/09/xmldsig#hmac-sha1", 20},
		{"http://www.w3.org/2001/04/xmldsig-more#hmac-sha1", 20},
		{"http://www.w3.org/2001/04/xmldsig-more#hmac-sha224", 28},
		{"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256", 32},
		{"http://www.w3.org/2001/04/xmldsig-more#hmac-sha384", 48},
		{"http://www.w3.org/2001/04/xmldsig-more#hmac-sha512", 64},
		{"http://www.w3.org/2001/04/xmldsig-more#hmac-md5", 0},
		{"http://www.w3.org/2000/09/xmldsig#hmac-zha9", 0},
	}
	for _, tt := range macs {
		h, err := lookupHMAC(tt.uri)
		if tt.size == 0 {
			if !errors.Is(err, ErrUnsupported) {
				t.Errorf("lookupHMAC(%q) = %v, want ErrUnsupported", tt.uri, err)
			}
		} else if err != nil || h().Size() != tt.size {
			t.Errorf("lookupHMAC(%q) = %v, want a %d-byte hash", tt.uri, err, tt.size)
		}
	}
}
