package pskc

import (
	"encoding/hex"
	"testing"
)

// tok is a Key with its secret in hex, so that test tables read like the
// published expected values and diffs are legible.
type tok struct {
	Serial    string
	ID        string
	Algorithm string
	Secret    string // hex
	Digits    int
	Counter   uint64
	TimeStep  int
	Time0     int64
	Hash      string
}

// toks summarises keys for comparison with a table.
func toks(keys []Key) []tok {
	var out []tok
	for _, k := range keys {
		out = append(out, tok{
			Serial: k.Serial, ID: k.ID, Algorithm: k.Algorithm, Secret: hex.EncodeToString(k.Secret),
			Digits: k.Digits, Counter: k.Counter, TimeStep: k.TimeStep, Time0: k.Time0, Hash: k.Hash,
		})
	}
	return out
}

// asciiHex returns the hex of the bytes of s: secrets like '12345678901234567890'.
func asciiHex(s string) string { return hex.EncodeToString([]byte(s)) }

// mustHex decodes hex test data.
func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("hex.DecodeString(%q) = %v", s, err)
	}
	return b
}

// hotpTok and totpTok build expected tokens with the usual defaults.
func hotpTok(serial, id, secretHex string, digits int, counter uint64) tok {
	return tok{Serial: serial, ID: id, Algorithm: HOTP, Secret: secretHex, Digits: digits, Counter: counter, Hash: "SHA1"}
}

func totpTok(serial, id, secretHex string, digits, step int, hash string) tok {
	return tok{Serial: serial, ID: id, Algorithm: TOTP, Secret: secretHex, Digits: digits, TimeStep: step, Hash: hash}
}
