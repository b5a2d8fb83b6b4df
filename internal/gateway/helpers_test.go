package gateway_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/iamd/iamd/internal/otp"
)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func mustSeed(t *testing.T, b32 string) []byte {
	t.Helper()
	seed, err := otp.DecodeSecret(b32)
	if err != nil {
		t.Fatal(err)
	}
	return seed
}
