// Package seal keeps secrets at rest: seeds, secret access keys and session
// tokens are sealed with AES-256-GCM under one master key, with additional
// data that binds each sealed value to its row, so a value copied to another
// row does not open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the master key's length in bytes.
const KeySize = 32

// KeyFileName is the master key file created in the data dir when no key is
// given in the environment.
const KeyFileName = "master.key"

// ErrOpen is returned when a sealed value does not open: wrong key, wrong
// additional data, or a tampered value.
var ErrOpen = errors.New("seal: value does not open under this key")

// Sealer seals and opens values under one master key. It is safe for
// concurrent use.
type Sealer struct {
	key  []byte
	aead cipher.AEAD
	id   string
}

// New returns a Sealer for a 32-byte master key.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("seal: master key must be %d bytes, got %d", KeySize, len(key))
	}
	k := append([]byte(nil), key...)
	// One key per use, derived from the master key: the cipher key, the
	// derivation key (temporary secrets) and the key's id never share bytes.
	aesKey, err := hkdf.Key(sha256.New, k, nil, "iamd seal aes-256-gcm", KeySize)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(aesKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	s := &Sealer{key: k, aead: aead}
	s.id = hex.EncodeToString(s.mac("iamd master key id")[:8])
	return s, nil
}

// ParseKey decodes a master key given as base64 (standard or URL alphabet) or
// as 64 hex digits.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("seal: master key must be %d bytes in base64 or hex", KeySize)
}

// LoadOrCreate returns the Sealer for the key in env (base64 or hex) when env
// is not empty, or else for the key in dataDir/master.key, creating that file
// (mode 0600) with a fresh random key when it does not exist. created tells
// whether a new key file was written.
func LoadOrCreate(env, dataDir string) (s *Sealer, created bool, err error) {
	if env != "" {
		key, err := ParseKey(env)
		if err != nil {
			return nil, false, err
		}
		s, err := New(key)
		return s, false, err
	}
	path := filepath.Join(dataDir, KeyFileName)
	if b, err := os.ReadFile(path); err == nil {
		key, err := ParseKey(string(b))
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		s, err := New(key)
		return s, false, err
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	key := make([]byte, KeySize)
	if _, err := io.ReadFull(rand.Reader, key); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, false, err
	}
	// O_EXCL: two processes starting at once must not each write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return LoadOrCreate("", dataDir)
		}
		return nil, false, err
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, false, err
	}
	if err := f.Close(); err != nil {
		return nil, false, err
	}
	s, err = New(key)
	return s, true, err
}

// ID names the key without revealing it: the store records it on first
// start so that a process with another key refuses to start.
func (s *Sealer) ID() string { return s.id }

// Check is a value derived from the key that the store records beside the
// key id, so a key whose id collides still fails the check.
func (s *Sealer) Check() string { return hex.EncodeToString(s.mac("iamd master key check")) }

// Seal encrypts plaintext; aad parts (kind, account, row id) are bound to it.
func (s *Sealer) Seal(plaintext []byte, aad ...string) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		panic("seal: crypto/rand failed: " + err.Error())
	}
	return s.aead.Seal(nonce, nonce, plaintext, joinAAD(aad))
}

// Open decrypts a value made by Seal with the same aad parts.
func (s *Sealer) Open(sealed []byte, aad ...string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, ErrOpen
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], joinAAD(aad))
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

// Derive returns HMAC-SHA256 of data under a key derived from the master key
// for label. It gives values any node can recompute (temporary secret keys)
// without storing them.
func (s *Sealer) Derive(label string, data []byte) []byte {
	dk, err := hkdf.Key(sha256.New, s.key, nil, "iamd derive "+label, sha256.Size)
	if err != nil {
		panic("seal: hkdf: " + err.Error())
	}
	m := hmac.New(sha256.New, dk)
	m.Write(data)
	return m.Sum(nil)
}

func (s *Sealer) mac(label string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// joinAAD length-prefixes each part so ("ab","c") and ("a","bc") differ.
func joinAAD(parts []string) []byte {
	var b []byte
	for _, p := range parts {
		b = fmt.Appendf(b, "%d:%s;", len(p), p)
	}
	return b
}
