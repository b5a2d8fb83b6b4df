package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/iamd/iamd/internal/iam"
)

// benchManifest is what "iamd bench seed" leaves for "iamd bench run": the
// account it filled and the key every bench user's credentials derive
// from, so that run can sign as user i and compute its device's codes
// without reading the store. Seed is a secret of the bench data only.
type benchManifest struct {
	AccountID string `json:"account_id"`
	Users     int    `json:"users"`
	Seed      string `json:"seed"` // hex, 32 random bytes
	// Reader is a user whose inline policy allows iam:ListMFADevices and
	// iam:GetUser on every user: the authorised-read scenario's caller.
	Reader benchKey `json:"reader"`
	// LastStep is the highest TOTP step "iamd bench run" has sent a code
	// for on any seeded device; the next run starts after it, since the
	// server accepts each step once.
	LastStep int64 `json:"last_step,omitempty"`
}

// benchKey is an access key pair.
type benchKey struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
}

// benchUser is user i of a seeded account.
type benchUser struct {
	Index     int
	Name      string // bench-0000042
	UserID    string // AIDA…
	Key       benchKey
	Serial    string // arn:aws:iam::ACCOUNT:mfa/bench-0000042
	MFASecret []byte // 20 bytes, TOTP SHA1 6 digits 30 s
}

// benchUserName is the name of seeded user i.
func benchUserName(i int) string { return fmt.Sprintf("bench-%07d", i) }

// benchReaderName is the authorised-read scenario's caller.
const benchReaderName = "bench-reader"

// user derives seeded user i. It panics only on a manifest whose seed is
// not hex, which readManifest refuses.
func (m *benchManifest) user(i int) benchUser {
	seed, err := hex.DecodeString(m.Seed)
	if err != nil {
		panic("bench manifest: seed is not hex")
	}
	name := benchUserName(i)
	must := func(s string, err error) string {
		if err != nil {
			panic(err) // derive never runs short
		}
		return s
	}
	return benchUser{
		Index:  i,
		Name:   name,
		UserID: must(iam.NewID(derive(seed, "user-id", i), "AIDA", 17)),
		Key: benchKey{
			AccessKeyID:     must(iam.NewID(derive(seed, "access-key-id", i), "AKIA", 16)),
			SecretAccessKey: must(iam.NewSecretAccessKey(derive(seed, "secret-access-key", i))),
		},
		Serial:    "arn:aws:iam::" + m.AccountID + ":mfa/" + name,
		MFASecret: derive(seed, "mfa-seed", i).next()[:20],
	}
}

// derived is an endless deterministic byte stream: HMAC-SHA256(seed,
// purpose/i/block) for block 0, 1, ….
type derived struct {
	seed    []byte
	label   string
	block   int
	pending []byte
}

func derive(seed []byte, purpose string, i int) *derived {
	return &derived{seed: seed, label: purpose + "/" + strconv.Itoa(i) + "/"}
}

func (d *derived) next() []byte {
	mac := hmac.New(sha256.New, d.seed)
	mac.Write([]byte(d.label + strconv.Itoa(d.block)))
	d.block++
	return mac.Sum(nil)
}

func (d *derived) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(d.pending) == 0 {
			d.pending = d.next()
		}
		c := copy(p[n:], d.pending)
		d.pending = d.pending[c:]
		n += c
	}
	return n, nil
}

func readManifest(path string) (*benchManifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m benchManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if s, err := hex.DecodeString(m.Seed); err != nil || len(s) < 16 {
		return nil, fmt.Errorf("%s: seed must be at least 16 bytes of hex", path)
	}
	if m.AccountID == "" || m.Users < 0 || m.Reader.AccessKeyID == "" {
		return nil, errors.New(path + ": not a bench manifest (account_id, users and reader are required)")
	}
	return &m, nil
}
