package s3

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// The expected values were computed with Python: zlib.crc32, hashlib, and
// bitwise reflected CRCs for CRC32C (polynomial 0x1EDC6F41) and CRC64/NVME
// (0xAD93D23594C93659), each with init and xorout of all ones.
var checksumVectors = []struct {
	in                                 string
	crc32, crc32c, crc64, sha1, sha256 string
}{
	{"", "AAAAAA==", "AAAAAA==", "AAAAAAAAAAA=", "2jmj7l5rSw0yVb/vlWAYkK/YBwk=", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
	{"123456789", "y/Q5Jg==", "4waSgw==", "rosUhgp5mIg=", "98O8HYCOBHMq32eZZczDTKeuNEE=", "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU="},
	{"Hello world", "i9aeUg==", "crUfeA==", "OOJZ0D8xKts=", "e1AsOh9IyGCa4hLN+2Od7jlnP14=", "ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="},
	// The object of AWS's sigv4-streaming-trailers example, whose
	// documented CRC32C trailer is sOO8/Q==.
	{strings.Repeat("a", 66560), "sK4Y7A==", "sOO8/Q==", "pRf+emrnL+A=", "qOlv5ixdz2jRNhlSLmgH6iaTKRI=", "zWnTiHxq+SZLEA17dgIzEzXZqn4718MM3G1vS/uzyIg="},
}

func checksumOf(t *testing.T, algorithm, in string) string {
	t.Helper()
	h, err := NewChecksum(algorithm)
	if err != nil {
		t.Fatalf("NewChecksum(%q) = %v", algorithm, err)
	}
	// Written in two pieces: the hashes must be streaming ones.
	io.WriteString(h, in[:len(in)/2])
	io.WriteString(h, in[len(in)/2:])
	return EncodeChecksum(h)
}

func TestChecksumVectors(t *testing.T) {
	for _, v := range checksumVectors {
		for alg, want := range map[string]string{
			"CRC32": v.crc32, "crc32c": v.crc32c, "Crc64Nvme": v.crc64, "SHA1": v.sha1, "sha256": v.sha256,
		} {
			if got := checksumOf(t, alg, v.in); got != want {
				t.Errorf("%s(%.12q…) = %s, want %s", alg, v.in, got, want)
			}
		}
	}
}

// TestCRC64NVMECheck is the catalogue's check value of CRC-64/NVME.
func TestCRC64NVMECheck(t *testing.T) {
	h, _ := NewChecksum("CRC64NVME")
	io.WriteString(h, "123456789")
	if got := h.Sum(nil); !bytes.Equal(got, []byte{0xae, 0x8b, 0x14, 0x86, 0x0a, 0x79, 0x98, 0x88}) {
		t.Errorf("CRC64NVME(123456789) = %x, want ae8b14860a799888", got)
	}
}

func TestChecksumNames(t *testing.T) {
	for _, tt := range []struct{ alg, header string }{
		{"CRC32", "x-amz-checksum-crc32"}, {"crc32c", "x-amz-checksum-crc32c"}, {"CRC64NVME", "x-amz-checksum-crc64nvme"},
		{"Sha1", "x-amz-checksum-sha1"}, {"SHA256", "x-amz-checksum-sha256"}, {"MD5", ""}, {"", ""}, {"CRC64", ""},
	} {
		if got := ChecksumHeader(tt.alg); got != tt.header {
			t.Errorf("ChecksumHeader(%q) = %q, want %q", tt.alg, got, tt.header)
		}
		_, err := NewChecksum(tt.alg)
		if (err == nil) != (tt.header != "") || err != nil && !errors.Is(err, ErrChecksumAlgorithm) {
			t.Errorf("NewChecksum(%q) error = %v", tt.alg, err)
		}
	}
	if len(ChecksumAlgorithms) != 5 {
		t.Errorf("ChecksumAlgorithms = %v, want the five of S3", ChecksumAlgorithms)
	}
	sizes := map[string]int{"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32}
	for _, a := range ChecksumAlgorithms {
		if h, _ := NewChecksum(a); h.Size() != sizes[a] {
			t.Errorf("NewChecksum(%s).Size() = %d, want %d", a, h.Size(), sizes[a])
		}
	}
}

// TestChecksumsMatchSDK has aws-sdk-go-v2's S3 client compute each
// flexible checksum of a PutObject (as a header, over plain HTTP) and
// compares it with ours.
func TestChecksumsMatchSDK(t *testing.T) {
	got := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		for _, a := range ChecksumAlgorithms {
			if v := r.Header.Get(ChecksumHeader(a)); v != "" {
				got[a] = v
			}
		}
		w.Header().Set("ETag", `"0"`)
	}))
	defer srv.Close()
	client := awss3.New(awss3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, HTTPClient: srv.Client(),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
		}),
	})
	body := "The quick brown fox jumps over the lazy dog, twice over."
	for _, a := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c,
		types.ChecksumAlgorithmCrc64nvme, types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmSha256} {
		clear(got)
		_, err := client.PutObject(context.Background(), &awss3.PutObjectInput{
			Bucket: aws.String("bucket"), Key: aws.String("key"), Body: strings.NewReader(body), ChecksumAlgorithm: a,
		})
		if err != nil {
			t.Fatalf("PutObject(%s) = %v", a, err)
		}
		if want := checksumOf(t, string(a), body); got[string(a)] != want || len(got) != 1 {
			t.Errorf("SDK sent checksums %v for %s, want %s", got, a, want)
		}
	}
}
