package s3

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strings"
)

// The flexible checksum algorithms, as S3 spells them in
// x-amz-sdk-checksum-algorithm and x-amz-checksum-algorithm.
const (
	ChecksumCRC32     = "CRC32"
	ChecksumCRC32C    = "CRC32C"
	ChecksumCRC64NVME = "CRC64NVME"
	ChecksumSHA1      = "SHA1"
	ChecksumSHA256    = "SHA256"
)

// ChecksumAlgorithms lists the flexible checksum algorithms S3 accepts, in
// the order its error messages name them.
var ChecksumAlgorithms = []string{ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME, ChecksumSHA1, ChecksumSHA256}

// ErrChecksumAlgorithm is NewChecksum's error for a name that is none of
// ChecksumAlgorithms.
var ErrChecksumAlgorithm = errors.New("s3: unsupported checksum algorithm")

// The tables are built once: MakeTable allocates, and a checksum is made per
// request.
var (
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
	// nvme is CRC-64/NVME: polynomial 0xad93d23594c93659, reflected, as
	// crc64.MakeTable wants it. Go's crc64 inverts the register before and
	// after, which is this CRC's init and xorout of all ones.
	nvme = crc64.MakeTable(0x9a6c9329ac4bc9b5)
)

// NewChecksum returns a new hash for a flexible checksum algorithm named as
// S3 spells it ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"; any case),
// or ErrChecksumAlgorithm. Its Sum is the digest in big-endian byte order,
// which EncodeChecksum turns into the header's value.
func NewChecksum(algorithm string) (hash.Hash, error) {
	switch strings.ToUpper(algorithm) {
	case ChecksumCRC32:
		return crc32.NewIEEE(), nil
	case ChecksumCRC32C:
		return crc32.New(castagnoli), nil
	case ChecksumCRC64NVME:
		return crc64.New(nvme), nil
	case ChecksumSHA1:
		return sha1.New(), nil
	case ChecksumSHA256:
		return sha256.New(), nil
	}
	return nil, ErrChecksumAlgorithm
}

// ChecksumHeader returns the header (and trailer) name that carries the
// algorithm's checksum, x-amz-checksum-<algorithm in lower case>, or "" for
// an algorithm that is none of ChecksumAlgorithms.
func ChecksumHeader(algorithm string) string {
	a := strings.ToUpper(algorithm)
	for _, known := range ChecksumAlgorithms {
		if a == known {
			return "x-amz-checksum-" + strings.ToLower(a)
		}
	}
	return ""
}

// EncodeChecksum returns the value S3 sends and expects for a checksum: the
// standard base64 of the digest h.Sum(nil).
func EncodeChecksum(h hash.Hash) string {
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
