package seal

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func testSealer(t *testing.T, fill byte) *Sealer {
	t.Helper()
	s, err := New(bytes.Repeat([]byte{fill}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpen(t *testing.T) {
	s := testSealer(t, 1)
	other := testSealer(t, 2)
	sealed := s.Seal([]byte("seed"), "mfa", "123456789012", "serial-1")
	tests := []struct {
		name   string
		sealer *Sealer
		value  []byte
		aad    []string
		ok     bool
	}{
		{"same key and aad", s, sealed, []string{"mfa", "123456789012", "serial-1"}, true},
		{"other row", s, sealed, []string{"mfa", "123456789012", "serial-2"}, false},
		{"shifted aad parts", s, sealed, []string{"mfa1", "23456789012", "serial-1"}, false},
		{"other key", other, sealed, []string{"mfa", "123456789012", "serial-1"}, false},
		{"tampered", s, append(append([]byte(nil), sealed[:len(sealed)-1]...), sealed[len(sealed)-1]^1), []string{"mfa", "123456789012", "serial-1"}, false},
		{"truncated", s, sealed[:5], nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sealer.Open(tt.value, tt.aad...)
			if (err == nil) != tt.ok {
				t.Fatalf("Open() error = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && string(got) != "seed" {
				t.Errorf("Open() = %q, want %q", got, "seed")
			}
		})
	}
	if bytes.Contains(sealed, []byte("seed")) {
		t.Errorf("sealed value contains the plaintext")
	}
}

func TestKeyIdentity(t *testing.T) {
	a, b := testSealer(t, 1), testSealer(t, 2)
	if a.ID() == b.ID() || a.Check() == b.Check() {
		t.Errorf("different keys share id or check: %s/%s", a.ID(), b.ID())
	}
	if a.ID() != testSealer(t, 1).ID() {
		t.Errorf("ID() is not stable for one key")
	}
}

func TestLoadOrCreate(t *testing.T) {
	dir := t.TempDir()
	s1, created, err := LoadOrCreate("", dir)
	if err != nil || !created {
		t.Fatalf("LoadOrCreate() = %v, %v; want a new key", created, err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	s2, created, err := LoadOrCreate("", dir)
	if err != nil || created {
		t.Fatalf("second LoadOrCreate() = %v, %v; want the existing key", created, err)
	}
	if s1.ID() != s2.ID() {
		t.Errorf("reloaded key id %s, want %s", s2.ID(), s1.ID())
	}
	env := "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
	s3, _, err := LoadOrCreate(env, dir)
	if err != nil {
		t.Fatal(err)
	}
	if s3.ID() != testSealer(t, 1).ID() {
		t.Errorf("env key not used")
	}
	if _, _, err := LoadOrCreate("short", dir); err == nil {
		t.Errorf("LoadOrCreate(short key) succeeded, want error")
	}
}
