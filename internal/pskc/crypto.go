package pskc

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"hash"
	"slices"
	"strings"
)

// cipherKind is the family of an encryption algorithm.
type cipherKind int

const (
	cbcAES  cipherKind = iota + 1 // AES-CBC, IV prepended (XML Encryption)
	cbc3DES                       // Triple DES CBC, IV prepended
	kwAES                         // AES key wrap (RFC 3394, or RFC 5649 with padding)
	kw3DES                        // Triple DES key wrap (RFC 3217)
)

// cipherAlg is an encryption algorithm named by an XML Encryption URI.
type cipherAlg struct {
	name    string // the URI's fragment, e.g. "aes128-cbc"
	kind    cipherKind
	keyLens []int // acceptable key lengths in bytes
}

// fragment returns the part of an algorithm URI after its '#', which is how
// the W3C and the PSKC RFC name algorithms; a bare name is its own fragment.
func fragment(uri string) string {
	if i := strings.LastIndexByte(uri, '#'); i >= 0 {
		return uri[i+1:]
	}
	return uri
}

// lookupCipher maps an EncryptionMethod Algorithm URI to a cipher.
func lookupCipher(uri string) (cipherAlg, error) {
	name := fragment(uri)
	switch name {
	case "aes128-cbc":
		return cipherAlg{name, cbcAES, []int{16}}, nil
	case "aes192-cbc":
		return cipherAlg{name, cbcAES, []int{24}}, nil
	case "aes256-cbc":
		return cipherAlg{name, cbcAES, []int{32}}, nil
	case "tripledes-cbc":
		return cipherAlg{name, cbc3DES, []int{16, 24}}, nil
	case "kw-aes128", "kw-aes-128-pad":
		return cipherAlg{name, kwAES, []int{16}}, nil
	case "kw-aes192", "kw-aes-192-pad":
		return cipherAlg{name, kwAES, []int{24}}, nil
	case "kw-aes256", "kw-aes-256-pad":
		return cipherAlg{name, kwAES, []int{32}}, nil
	case "kw-tripledes":
		return cipherAlg{name, kw3DES, []int{16, 24}}, nil
	case "camellia128-cbc", "camellia192-cbc", "camellia256-cbc",
		"kw-camellia128", "kw-camellia192", "kw-camellia256":
		return cipherAlg{}, fmt.Errorf("%w encryption algorithm %q: the Go standard library has no Camellia; "+
			"ask the vendor for an AES-encrypted container", ErrUnsupported, uri)
	case "rsa-1_5", "rsa_1_5", "rsa-oaep-mgf1p", "rsa-oaep":
		return cipherAlg{}, fmt.Errorf("%w encryption algorithm %q: asymmetric key transport is not supported; "+
			"ask the vendor for a container encrypted with a pre-shared key or a password", ErrUnsupported, uri)
	}
	return cipherAlg{}, fmt.Errorf("%w encryption algorithm %q", ErrUnsupported, uri)
}

// decrypt decrypts data with key. For CBC, iv is nil when the IV is the first
// block of data (RFC 6030 and XML Encryption), or the IV itself for legacy
// files that carry it out of band.
func (c cipherAlg) decrypt(key, data, iv []byte) ([]byte, error) {
	if !slices.Contains(c.keyLens, len(key)) {
		want := fmt.Sprint(c.keyLens[0])
		if len(c.keyLens) > 1 {
			want = fmt.Sprintf("%d or %d", c.keyLens[0], c.keyLens[1])
		}
		return nil, fmt.Errorf("%w: %s needs a %s-byte key, the key has %d bytes", ErrWrongKey, c.name, want, len(key))
	}
	switch c.kind {
	case cbcAES:
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		return decryptCBC(b, data, iv)
	case cbc3DES:
		b, err := des.NewTripleDESCipher(tripleDESKey(key))
		if err != nil {
			return nil, err
		}
		return decryptCBC(b, data, iv)
	case kwAES:
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		return unwrapAES(b, data)
	case kw3DES:
		b, err := des.NewTripleDESCipher(tripleDESKey(key))
		if err != nil {
			return nil, err
		}
		return unwrap3DES(b, data)
	}
	return nil, fmt.Errorf("%w encryption algorithm %q", ErrUnsupported, c.name)
}

// tripleDESKey expands a two-key (16-byte) Triple DES key to K1 K2 K1.
func tripleDESKey(key []byte) []byte {
	if len(key) == 16 {
		return append(slices.Clip(key), key[:8]...)
	}
	return key
}

// decryptCBC decrypts CBC data and removes PKCS#7 padding. A padding error
// is reported as ErrWrongKey: with a wrong key the last block decrypts to
// noise, whose padding is valid only about once in 256 tries (the ValueMAC
// catches that case). XML Encryption allows arbitrary padding bytes before
// the length byte, but every PSKC producer we know writes PKCS#7, and the
// strict check catches a wrong key far more often.
func decryptCBC(b cipher.Block, data, iv []byte) ([]byte, error) {
	bs := b.BlockSize()
	if iv == nil {
		if len(data) < 2*bs {
			return nil, fmt.Errorf("%w: CipherValue of %d bytes is too short for an IV and one %d-byte block", ErrWrongKey, len(data), bs)
		}
		iv, data = data[:bs], data[bs:]
	} else if len(iv) != bs {
		return nil, fmt.Errorf("Options.IV has %d bytes, the cipher needs %d", len(iv), bs)
	}
	if len(data) == 0 || len(data)%bs != 0 {
		return nil, fmt.Errorf("%w: ciphertext of %d bytes is not a whole number of %d-byte blocks", ErrWrongKey, len(data), bs)
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(b, iv).CryptBlocks(out, data)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > bs {
		return nil, fmt.Errorf("%w (bad padding)", ErrWrongKey)
	}
	for _, p := range out[len(out)-pad:] {
		if int(p) != pad {
			return nil, fmt.Errorf("%w (bad padding)", ErrWrongKey)
		}
	}
	return out[:len(out)-pad], nil
}

// Key wrapping. Neither the Go standard library nor golang.org/x/crypto has
// the AES key wrap of RFC 3394 (nor its padded form, RFC 5649) or the Triple
// DES key wrap of RFC 3217, which XML Encryption names kw-aes128/192/256 and
// kw-tripledes. Both unwraps are a few dozen block operations over the
// standard ciphers, so they live here rather than in a new dependency.

// unwrapAES undoes RFC 3394 key wrap, and RFC 5649 key wrap with padding when
// the recovered initial value says so, as python-pskc and the W3C padded
// variants do. Any integrity failure is ErrWrongKey.
func unwrapAES(b cipher.Block, c []byte) ([]byte, error) {
	// kwIV is the RFC 3394 default initial value, and kwPadPrefix the first
	// half of the RFC 5649 alternative initial value (the rest is the length).
	kwIV := [8]byte{0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6}
	kwPadPrefix := [4]byte{0xa6, 0x59, 0x59, 0xa6}
	if len(c) < 16 || len(c)%8 != 0 {
		return nil, fmt.Errorf("%w: wrapped key of %d bytes, want a multiple of 8 of at least 16", ErrWrongKey, len(c))
	}
	n := len(c)/8 - 1
	var a [8]byte
	r := make([]byte, 8*n)
	var buf [16]byte
	if n == 1 {
		// RFC 5649 §4.2: a single block is one plain AES decryption.
		b.Decrypt(buf[:], c)
		copy(a[:], buf[:8])
		copy(r, buf[8:])
	} else {
		copy(a[:], c[:8])
		copy(r, c[8:])
		for j := 5; j >= 0; j-- {
			for i := n; i >= 1; i-- {
				copy(buf[:8], a[:])
				t := binary.BigEndian.Uint64(buf[:8]) ^ uint64(n*j+i)
				binary.BigEndian.PutUint64(buf[:8], t)
				copy(buf[8:], r[(i-1)*8:i*8])
				b.Decrypt(buf[:], buf[:])
				copy(a[:], buf[:8])
				copy(r[(i-1)*8:i*8], buf[8:])
			}
		}
	}
	if n >= 2 && subtle.ConstantTimeCompare(a[:], kwIV[:]) == 1 {
		return r, nil
	}
	if subtle.ConstantTimeCompare(a[:4], kwPadPrefix[:]) == 1 {
		mli := int(binary.BigEndian.Uint32(a[4:]))
		if mli > 8*(n-1) && mli <= 8*n {
			zero := true
			for _, p := range r[mli:] {
				zero = zero && p == 0
			}
			if zero {
				return r[:mli], nil
			}
		}
	}
	return nil, fmt.Errorf("%w (key unwrap integrity check)", ErrWrongKey)
}

// unwrap3DES undoes the Triple DES key wrap of RFC 3217 §3: CBC-decrypt with
// the fixed IV, reverse the octets, split off the inner IV, CBC-decrypt
// again and check the SHA-1 based integrity check value.
func unwrap3DES(b cipher.Block, c []byte) ([]byte, error) {
	if len(c) < 24 || len(c)%8 != 0 {
		return nil, fmt.Errorf("%w: wrapped key of %d bytes, want a multiple of 8 of at least 24", ErrWrongKey, len(c))
	}
	outerIV := []byte{0x4a, 0xdd, 0xa2, 0x2c, 0x79, 0xe8, 0x21, 0x05} // fixed by RFC 3217 §3
	tmp := make([]byte, len(c))
	cipher.NewCBCDecrypter(b, outerIV).CryptBlocks(tmp, c)
	slices.Reverse(tmp)
	iv, rest := tmp[:8], tmp[8:]
	out := make([]byte, len(rest))
	cipher.NewCBCDecrypter(b, iv).CryptBlocks(out, rest)
	cek, icv := out[:len(out)-8], out[len(out)-8:]
	sum := sha1.Sum(cek)
	if subtle.ConstantTimeCompare(sum[:8], icv) != 1 {
		return nil, fmt.Errorf("%w (key unwrap integrity check)", ErrWrongKey)
	}
	return cek, nil
}

// lookupHMAC maps an HMAC algorithm URI (MACMethod, PBKDF2 PRF) to its hash.
// The W3C put hmac-sha1 under xmldsig# and the others under xmldsig-more#;
// producers mix them up, so only the fragment counts.
func lookupHMAC(uri string) (func() hash.Hash, error) {
	switch fragment(uri) {
	case "hmac-sha1":
		return sha1.New, nil
	case "hmac-sha224":
		return sha256.New224, nil
	case "hmac-sha256":
		return sha256.New, nil
	case "hmac-sha384":
		return sha512.New384, nil
	case "hmac-sha512":
		return sha512.New, nil
	}
	return nil, fmt.Errorf("%w MAC algorithm %q", ErrUnsupported, uri)
}

// macEqual reports whether want is the HMAC of msg under key.
func macEqual(h func() hash.Hash, key, msg, want []byte) bool {
	m := hmac.New(h, key)
	m.Write(msg)
	return hmac.Equal(m.Sum(nil), want)
}
