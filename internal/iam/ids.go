package iam

import (
	"encoding/base64"
	"io"
)

// idAlphabet is what AWS unique ids and access key ids are made of.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// NewID returns prefix followed by n random characters of AWS's id alphabet,
// e.g. NewID(r, "AIDA", 17) for a 21-character user id.
func NewID(r io.Reader, prefix string, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	out := []byte(prefix)
	for _, c := range b {
		out = append(out, idAlphabet[c&31])
	}
	return string(out), nil
}

// NewSecretAccessKey returns a 40-character secret access key.
func NewSecretAccessKey(r io.Reader) (string, error) {
	b := make([]byte, 30)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}
