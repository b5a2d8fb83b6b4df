package sigv4

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"
)

// s3Options are the payload options the gateway's S3 route uses.
var s3Options = Options{UnsignedPayload: true, Streaming: true, S3Path: true}

// The worked examples of AWS's S3 documentation, "Signature Calculations
// for the Authorization Header: Transferring Payload in Multiple Chunks"
// (sigv4-streaming) and its trailer variant (sigv4-streaming-trailers):
// PUT /examplebucket/chunkObject.txt of 66560 bytes of 'a', sent as a
// 64 KiB chunk, a 1 KiB chunk and the final chunk, signed at
// 20130524T000000Z with the documentation's example key.
var (
	docsTime      = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	docsSeed      = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
	docsChunkSigs = []string{
		"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
		"0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
		"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
	}
	docsTrailerSeed      = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
	docsTrailerChunkSigs = []string{
		"b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
		"1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
		"2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
	}
	docsTrailerSig = "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"
	docsChunks     = [][]byte{bytes.Repeat([]byte{'a'}, 65536), bytes.Repeat([]byte{'a'}, 1024), nil}
	docsObject     = bytes.Repeat([]byte{'a'}, 66560)
)

// docsRequest is the example's request, for either variant.
func docsRequest(trailer bool) Request {
	h := map[string][]string{
		"X-Amz-Date":                   {"20130524T000000Z"},
		"X-Amz-Storage-Class":          {"REDUCED_REDUNDANCY"},
		"Content-Encoding":             {"aws-chunked"},
		"X-Amz-Decoded-Content-Length": {"66560"},
		"Content-Length":               {"66824"},
	}
	if trailer {
		h["X-Amz-Content-Sha256"] = []string{StreamingPayloadTrailer}
		h["X-Amz-Trailer"] = []string{"x-amz-checksum-crc32c"}
		h["Authorization"] = []string{"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request," +
			"SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer," +
			"Signature=" + docsTrailerSeed}
	} else {
		h["X-Amz-Content-Sha256"] = []string{StreamingPayload}
		h["Authorization"] = []string{"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request," +
			"SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class," +
			"Signature=" + docsSeed}
	}
	return Request{Method: "PUT", Path: "/examplebucket/chunkObject.txt", Host: "s3.amazonaws.com", Header: h}
}

// verified parses, sets the S3 payload and verifies r, failing the test
// on any error.
func verified(t testing.TB, r Request, secret string, now time.Time) *Signed {
	t.Helper()
	s, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	if err := s.SetStreamedPayload(s3Options); err != nil {
		t.Fatalf("SetStreamedPayload() = %v", err)
	}
	if err := s.Verify(secret, now); err != nil {
		t.Fatalf("Verify() = %v\ncanonical request:\n%s", err, s.CanonicalRequest())
	}
	return s
}

// chainSigner computes chunk and trailer signatures from the formulas of
// the documentation, independently of Body.
type chainSigner struct {
	key                  []byte
	amzDate, scope, prev string
}

func newChainSigner(secret string, at time.Time, region, seed string) *chainSigner {
	date := at.Format("20060102")
	return &chainSigner{key: SigningKey(secret, date, region, "s3"), amzDate: at.Format(amzDateLayout),
		scope: date + "/" + region + "/s3/aws4_request", prev: seed}
}

func (c *chainSigner) sign(algorithm string, lines ...string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(strings.Join(append([]string{algorithm, c.amzDate, c.scope, c.prev}, lines...), "\n")))
	c.prev = hex.EncodeToString(m.Sum(nil))
	return c.prev
}

func (c *chainSigner) chunk(data []byte) string {
	return c.sign("AWS4-HMAC-SHA256-PAYLOAD", sha256Hex(""), sha256Hex(string(data)))
}

// encodeChunked writes chunks (the last of which should be empty) in the
// aws-chunked encoding, signed by c unless it is nil, followed by the
// trailers (name, value pairs) and, when c signs, their signature.
func encodeChunked(c *chainSigner, chunks [][]byte, trailers [][2]string) []byte {
	var b bytes.Buffer
	for _, ch := range chunks {
		fmt.Fprintf(&b, "%x", len(ch))
		if c != nil {
			b.WriteString(";chunk-signature=" + c.chunk(ch))
		}
		b.WriteString("\r\n")
		if len(ch) > 0 {
			b.Write(ch)
			b.WriteString("\r\n")
		}
	}
	var canonical string
	for _, tr := range trailers {
		b.WriteString(tr[0] + ":" + tr[1] + "\r\n")
		canonical += tr[0] + ":" + tr[1] + "\n"
	}
	if c != nil && trailers != nil {
		b.WriteString("x-amz-trailer-signature:" + c.sign("AWS4-HMAC-SHA256-TRAILER", sha256Hex(canonical)) + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

func crc32cBase64(data []byte) string {
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli))))
}

func crc32Base64(data []byte) string {
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(data)))
}

// readBody decodes body through s.Body, reading one byte at a time when
// slow is set, and returns what was read and the error that ended it (nil
// for io.EOF).
func readBody(t testing.TB, s *Signed, body []byte, contentLength int64, slow bool) ([]byte, *Body, error) {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	if slow {
		r = iotest.OneByteReader(r)
	}
	b, err := s.Body(r, contentLength)
	if err != nil {
		return nil, nil, err
	}
	var rd io.Reader = b
	if slow {
		rd = iotest.OneByteReader(b)
	}
	got, err := io.ReadAll(rd)
	return got, b, err
}

func wantKind(t testing.TB, err error, want Kind) {
	t.Helper()
	if kindOf(err) != want {
		t.Fatalf("error = %v (kind %v), want kind %v (%s)", err, kindOf(err), want, want.Code())
	}
}

// TestDocsChunkSignatures checks the documented signatures against
// aws-sdk-go-v2's stream signer, so the vectors below are not taken on
// trust.
func TestDocsChunkSignatures(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	for _, tt := range []struct {
		seed string
		want []string
	}{{docsSeed, docsChunkSigs}, {docsTrailerSeed, docsTrailerChunkSigs}} {
		seed, _ := hex.DecodeString(tt.seed)
		ss := v4.NewStreamSigner(creds, "s3", "us-east-1", seed)
		mine := newChainSigner(testSecret, docsTime, "us-east-1", tt.seed)
		for i, ch := range docsChunks {
			sig, err := ss.GetSignature(context.Background(), nil, ch, docsTime)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(sig); got != tt.want[i] {
				t.Errorf("SDK chunk %d signature = %s, want %s", i, got, tt.want[i])
			}
			if got := mine.chunk(ch); got != tt.want[i] {
				t.Errorf("test signer chunk %d signature = %s, want %s", i, got, tt.want[i])
			}
		}
	}
	// The trailer's value is the CRC32C of the object, as S3 writes it.
	if got := crc32cBase64(docsObject); got != "sOO8/Q==" {
		t.Errorf("CRC32C of the example object = %s, want sOO8/Q==", got)
	}
	c := newChainSigner(testSecret, docsTime, "us-east-1", docsTrailerChunkSigs[2])
	if got := c.sign("AWS4-HMAC-SHA256-TRAILER", sha256Hex("x-amz-checksum-crc32c:sOO8/Q==\n")); got != docsTrailerSig {
		t.Errorf("trailer signature = %s, want %s", got, docsTrailerSig)
	}
}

func docsBody(sigs []string, trailer string) []byte {
	var b bytes.Buffer
	for i, ch := range docsChunks {
		fmt.Fprintf(&b, "%x;chunk-signature=%s\r\n", len(ch), sigs[i])
		if len(ch) > 0 {
			b.Write(ch)
			b.WriteString("\r\n")
		}
	}
	b.WriteString(trailer)
	b.WriteString("\r\n")
	return b.Bytes()
}

func TestDocsStreaming(t *testing.T) {
	s := verified(t, docsRequest(false), testSecret, docsTime)
	if s.Signature != docsSeed {
		t.Fatalf("seed signature = %s, want %s", s.Signature, docsSeed)
	}
	body := docsBody(docsChunkSigs, "")
	for _, slow := range []bool{false, true} {
		got, b, err := readBody(t, s, body, int64(len(body)), slow)
		if err != nil {
			t.Fatalf("slow=%v: reading the body: %v", slow, err)
		}
		if !bytes.Equal(got, docsObject) {
			t.Fatalf("slow=%v: decoded %d bytes, want the 66560 bytes of 'a'", slow, len(got))
		}
		if b.Size() != 66560 || b.Trailer() != nil {
			t.Errorf("Size() = %d, Trailer() = %v; want 66560, nil", b.Size(), b.Trailer())
		}
	}
}

func TestDocsStreamingTrailer(t *testing.T) {
	s := verified(t, docsRequest(true), testSecret, docsTime)
	trailer := "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:" + docsTrailerSig + "\r\n"
	for name, body := range map[string][]byte{
		"standard": docsBody(docsTrailerChunkSigs, trailer),
		// The documentation's example shows an empty line before the trailers.
		"docs-blank-line": docsBody(docsTrailerChunkSigs, "\r\n"+trailer),
		// Some clients leave out the final empty line.
		"no-final-crlf": bytes.TrimSuffix(docsBody(docsTrailerChunkSigs, trailer), []byte("\r\n")),
	} {
		for _, slow := range []bool{false, true} {
			got, b, err := readBody(t, s, body, -1, slow)
			if err != nil {
				t.Fatalf("%s slow=%v: reading the body: %v", name, slow, err)
			}
			if !bytes.Equal(got, docsObject) {
				t.Fatalf("%s: decoded %d bytes, want the 66560 bytes of 'a'", name, len(got))
			}
			if diff := cmp.Diff(map[string]string{"x-amz-checksum-crc32c": "sOO8/Q=="}, b.Trailer()); diff != "" {
				t.Errorf("%s: Trailer() mismatch (-want +got):\n%s", name, diff)
			}
		}
	}
}

// TestChunkedRefused covers the ways an aws-chunked body goes wrong, and
// that no byte of a chunk whose signature fails reaches the caller.
func TestChunkedRefused(t *testing.T) {
	good := docsBody(docsChunkSigs, "")
	trailerGood := docsBody(docsTrailerChunkSigs, "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:"+docsTrailerSig+"\r\n")
	replace := func(b []byte, old, new string) []byte {
		if !bytes.Contains(b, []byte(old)) {
			t.Fatalf("%q not in the body", old)
		}
		return bytes.Replace(b, []byte(old), []byte(new), 1)
	}
	flipAt := func(b []byte, i int) []byte {
		b = bytes.Clone(b)
		b[i] ^= 1
		return b
	}
	firstData := strings.Index(string(good), "\r\n") + 2
	secondData := firstData + 65536 + 2 + len("400;chunk-signature=") + 64 + 2
	for _, tt := range []struct {
		name    string
		trailer bool
		body    []byte
		want    Kind
		// handed is how many bytes may reach the caller before the error.
		handed int
	}{
		{"tampered first chunk", false, flipAt(good, firstData+100), Mismatch, 0},
		{"tampered second chunk", false, flipAt(good, secondData+5), Mismatch, 65536},
		{"tampered final signature", false, replace(good, docsChunkSigs[2], docsChunkSigs[1]), Mismatch, 66560},
		{"signature of another chunk", false, replace(good, docsChunkSigs[0], docsChunkSigs[1]), Mismatch, 0},
		{"short signature", false, replace(good, docsChunkSigs[0], "abc"), InvalidRequest, 0},
		{"no final chunk", false, good[:strings.Index(string(good), "0;chunk")], IncompleteBody, 66560},
		{"truncated inside a chunk", false, good[:firstData+10], IncompleteBody, 0},
		{"truncated in a size line", false, good[:firstData-10], IncompleteBody, 0},
		{"empty body", false, nil, IncompleteBody, 0},
		{"no CRLF after data", false, replace(good, strings.Repeat("a", 1024)+"\r\n", strings.Repeat("a", 1024)+"\n\n"), InvalidRequest, 65536},
		{"bad size", false, replace(good, "400;", "40g;"), InvalidRequest, 65536},
		{"negative size", false, replace(good, "400;", "-400;"), InvalidRequest, 65536},
		{"no signature", false, replace(good, "400;chunk-signature="+docsChunkSigs[1], "400"), InvalidRequest, 65536},
		{"upper-case signature", false, replace(good, docsChunkSigs[1], strings.ToUpper(docsChunkSigs[1])), InvalidRequest, 65536},
		{"extra extension", false, replace(good, docsChunkSigs[1], docsChunkSigs[1]+";a=b"), InvalidRequest, 65536},
		{"chunk above the bound", false, append([]byte(fmt.Sprintf("1000001;chunk-signature=%s\r\n", docsChunkSigs[0])), good[firstData:]...), InvalidRequest, 0},
		{"size beyond the decoded length", false, replace(good, "400;", "401;"), InvalidRequest, 65536},
		{"data after the end", false, append(bytes.Clone(good), 'x'), InvalidRequest, 66560},
		{"trailer without trailer mode", false, append(bytes.TrimSuffix(good, []byte("\r\n")), "x-amz-checksum-crc32c:sOO8/Q==\r\n\r\n"...), InvalidRequest, 66560},
		{"huge size line", false, append([]byte(strings.Repeat("0", 5000)), good...), InvalidRequest, 0},
		{"wrong trailer signature", true, replace(trailerGood, docsTrailerSig, docsChunkSigs[0]), Mismatch, 66560},
		{"wrong trailer value", true, replace(trailerGood, "sOO8/Q==", "AAAAAA=="), Mismatch, 66560},
		{"no trailer signature", true, replace(trailerGood, "x-amz-trailer-signature:"+docsTrailerSig+"\r\n", ""), MalformedTrailer, 66560},
		{"declared trailer missing", true, replace(trailerGood, "x-amz-checksum-crc32c:sOO8/Q==\r\n", ""), MalformedTrailer, 66560},
		{"undeclared trailer", true, replace(trailerGood, "x-amz-checksum-crc32c:", "x-amz-checksum-crc32:"), MalformedTrailer, 66560},
		{"repeated trailer", true, replace(trailerGood, "x-amz-checksum-crc32c:sOO8/Q==\r\n", "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-checksum-crc32c:sOO8/Q==\r\n"), MalformedTrailer, 66560},
		{"trailer line without colon", true, replace(trailerGood, "x-amz-checksum-crc32c:", "x-amz-checksum-crc32c="), MalformedTrailer, 66560},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := verified(t, docsRequest(tt.trailer), testSecret, docsTime)
			for _, slow := range []bool{false, true} {
				got, _, err := readBody(t, s, tt.body, -1, slow)
				wantKind(t, err, tt.want)
				if len(got) > tt.handed {
					t.Errorf("slow=%v: %d bytes reached the caller before the error, want at most %d", slow, len(got), tt.handed)
				}
				if Code(err) == "" {
					t.Errorf("error %v has no AWS code", err)
				}
			}
		})
	}
}

func TestDecodedLength(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  Kind
	}{{"66559", InvalidRequest}, {"66561", IncompleteBody}, {"-1", InvalidRequest}, {"+66560", InvalidRequest}, {"x", InvalidRequest}} {
		r := docsRequest(false)
		r.Header["X-Amz-Decoded-Content-Length"] = []string{tt.value}
		// The header is signed in the example, so the seed changes with it:
		// verify with a seed computed for the altered request.
		s := resign(t, r, testSecret, docsTime)
		c := newChainSigner(testSecret, docsTime, "us-east-1", s.Signature)
		_, _, err := readBody(t, s, encodeChunked(c, docsChunks, nil), -1, false)
		wantKind(t, err, tt.want)
	}
}

// resign replaces the signature of r with the one r's canonical request
// gets with secret, and returns it parsed and verified.
func resign(t testing.TB, r Request, secret string, at time.Time) *Signed {
	t.Helper()
	s, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetStreamedPayload(s3Options); err != nil {
		t.Fatal(err)
	}
	key := SigningKey(secret, s.Credential.Date, s.Credential.Region, s.Credential.Service)
	sig := hex.EncodeToString(hmacSHA256(key, s.StringToSign()))
	auth := r.Header["Authorization"][0]
	r.Header = cloneHeader(r.Header)
	r.Header["Authorization"] = []string{auth[:strings.LastIndex(auth, "=")+1] + sig}
	return verified(t, r, secret, at)
}

func cloneHeader(h map[string][]string) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, v := range h {
		out[k] = v
	}
	return out
}

// s3Request is a header-signed PUT of body for the S3 tests, signed by
// resign with the given X-Amz-Content-Sha256 and extra headers.
func s3Request(t testing.TB, contentSHA string, extra map[string]string) *Signed {
	t.Helper()
	h := map[string][]string{
		"X-Amz-Date":           {signTime.Format(amzDateLayout)},
		"X-Amz-Content-Sha256": {contentSHA},
		"Authorization": {"AWS4-HMAC-SHA256 Credential=" + testAKID + "/" + signTime.Format("20060102") + "/us-east-1/s3/aws4_request," +
			"SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=00"},
	}
	for k, v := range extra {
		h[k] = []string{v}
	}
	return resign(t, Request{Method: "PUT", Path: "/bucket/key", Host: "s3.example", Header: h}, testSecret, signTime)
}

func TestUnsignedTrailer(t *testing.T) {
	object := []byte("hello, aws-chunked world")
	extra := map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32", "X-Amz-Decoded-Content-Length": fmt.Sprint(len(object))}
	s := s3Request(t, StreamingUnsignedPayloadTrailer, extra)
	body := encodeChunked(nil, [][]byte{object[:5], object[5:], nil}, [][2]string{{"x-amz-checksum-crc32", crc32Base64(object)}})
	for _, slow := range []bool{false, true} {
		got, b, err := readBody(t, s, body, int64(len(body)), slow)
		if err != nil || !bytes.Equal(got, object) {
			t.Fatalf("slow=%v: read %q, %v; want %q, nil", slow, got, err, object)
		}
		if diff := cmp.Diff(map[string]string{"x-amz-checksum-crc32": crc32Base64(object)}, b.Trailer()); diff != "" {
			t.Errorf("Trailer() mismatch (-want +got):\n%s", diff)
		}
	}
	// A trailer signature where none is expected is refused.
	bad := bytes.Replace(body, []byte("\r\n\r\n"), []byte("\r\nx-amz-trailer-signature:"+docsTrailerSig+"\r\n\r\n"), 1)
	_, _, err := readBody(t, s, bad, -1, false)
	wantKind(t, err, MalformedTrailer)
	// Truncated inside the unsigned chunk.
	_, _, err = readBody(t, s, body[:8], -1, false)
	wantKind(t, err, IncompleteBody)

	// X-Amz-Trailer with a mode that has no trailers is refused up front.
	s = s3Request(t, StreamingPayload, extra)
	if _, err := s.Body(bytes.NewReader(nil), -1); kindOf(err) != InvalidRequest {
		t.Errorf("Body(STREAMING-AWS4-HMAC-SHA256-PAYLOAD with x-amz-trailer) = %v, want InvalidRequest", err)
	}
}

func TestHashAndUnsignedBody(t *testing.T) {
	object := "the object"
	s := s3Request(t, sha256Hex(object), nil)
	if got, _, err := readBody(t, s, []byte(object), int64(len(object)), true); err != nil || string(got) != object {
		t.Errorf("hash mode: read %q, %v; want %q, nil", got, err, object)
	}
	_, _, err := readBody(t, s, []byte("another object"), -1, false)
	wantKind(t, err, ContentSHA256Mismatch)
	if Code(err) != "XAmzContentSHA256Mismatch" || !strings.Contains(err.Error(), "The provided 'x-amz-content-sha256' header does not match what was computed.") {
		t.Errorf("error = %v, want XAmzContentSHA256Mismatch with AWS's message", err)
	}
	_, _, err = readBody(t, s, []byte(object[:3]), int64(len(object)), false)
	wantKind(t, err, IncompleteBody)

	// Upper-case hex is signed as sent and compared without case.
	s = s3Request(t, strings.ToUpper(sha256Hex(object)), nil)
	if _, _, err := readBody(t, s, []byte(object), -1, false); err != nil {
		t.Errorf("upper-case hash: %v", err)
	}

	s = s3Request(t, UnsignedPayload, nil)
	if got, _, err := readBody(t, s, []byte(object), -1, false); err != nil || string(got) != object {
		t.Errorf("UNSIGNED-PAYLOAD: read %q, %v; want %q, nil", got, err, object)
	}
}

// TestPayloadModes checks which X-Amz-Content-Sha256 values each set of
// Options accepts, and the errors of the others.
func TestPayloadModes(t *testing.T) {
	sign := func(t *testing.T, contentSHA string) Request {
		s := s3Request(t, sha256Hex(""), nil)
		r := s.req
		r.Header = cloneHeader(r.Header)
		r.Header["X-Amz-Content-Sha256"] = []string{contentSHA}
		return r
	}
	for _, mode := range []string{StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedPayloadTrailer,
		"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"} {
		t.Run(mode, func(t *testing.T) {
			s, err := Parse(sign(t, mode))
			if err != nil {
				t.Fatal(err)
			}
			// IAM and STS: the gateway hashes the body it read.
			s.SetPayload(sha256Hex(""), Options{})
			err = s.Verify(testSecret, signTime)
			wantKind(t, err, Mismatch)
			if !strings.Contains(err.Error(), mode) {
				t.Errorf("Verify() = %v, want a message naming %s", err, mode)
			}
			// Even if a gateway passed the mode itself.
			s.SetPayload(mode, Options{UnsignedPayload: true})
			wantKind(t, s.Verify(testSecret, signTime), Mismatch)
		})
	}
	r := sign(t, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")
	s, _ := Parse(r)
	wantKind(t, s.SetStreamedPayload(s3Options), NotImplemented)
	s.SetPayload("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", s3Options)
	wantKind(t, s.Verify(testSecret, signTime), NotImplemented)

	for _, v := range []string{"nonsense", "streaming-aws4-hmac-sha256-payload", sha256Hex("")[:63]} {
		s, _ := Parse(sign(t, v))
		wantKind(t, s.SetStreamedPayload(s3Options), InvalidArgument)
		s.SetPayload(v, s3Options)
		wantKind(t, s.Verify(testSecret, signTime), InvalidArgument)
		s.SetPayload(sha256Hex(""), Options{})
		wantKind(t, s.Verify(testSecret, signTime), Mismatch)
	}

	// A hex hash claimed by the client but not the one a gateway computed.
	s, _ = Parse(sign(t, sha256Hex("x")))
	s.SetPayload(sha256Hex("y"), s3Options)
	wantKind(t, s.Verify(testSecret, signTime), ContentSHA256Mismatch)

	// S3 wants the header on a header-signed request.
	r = sign(t, "")
	delete(r.Header, "X-Amz-Content-Sha256")
	s, _ = Parse(r)
	wantKind(t, s.SetStreamedPayload(s3Options), InvalidRequest)

	// Body is for verified requests only, and not an *Error: the caller's bug.
	s, _ = Parse(sign(t, UnsignedPayload))
	if _, err := s.Body(strings.NewReader(""), 0); err == nil || Code(err) != "" {
		t.Errorf("Body() before Verify = %v, want a non-AWS error", err)
	}
	s.SetPayload(UnsignedPayload, s3Options)
	if err := s.Verify("wrong", signTime); err == nil {
		t.Fatal("Verify(wrong secret) = nil")
	}
	if _, err := s.Body(strings.NewReader(""), 0); err == nil || Code(err) != "" {
		t.Errorf("Body() after a failed Verify = %v, want a non-AWS error", err)
	}
}

// TestS3Path checks the S3 canonical URI: the escaped path as sent, not
// normalised nor encoded twice, and the same for the decoded path.
func TestS3Path(t *testing.T) {
	for _, tt := range []struct{ path, want string }{
		{"/bucket/my%20dir/%C3%BCn%C3%AFcode%2Bplus.txt", "/bucket/my%20dir/%C3%BCn%C3%AFcode%2Bplus.txt"},
		{"/bucket/my dir/ünïcode+plus.txt", "/bucket/my%20dir/%C3%BCn%C3%AFcode%2Bplus.txt"},
		{"/bucket//a/./b/../c", "/bucket//a/./b/../c"},
		{"/bucket/a%2Fb%2f", "/bucket/a%2Fb%2f"},
		{"/bucket/100%", "/bucket/100%25"},
		{"/bucket/%zz", "/bucket/%25zz"},
		{"", "/"},
	} {
		s := &Signed{req: Request{Path: tt.path}}
		s.SetPayload(UnsignedPayload, Options{S3Path: true})
		if got := string(s.appendURI(nil)); got != tt.want {
			t.Errorf("S3 canonical URI of %q = %q, want %q", tt.path, got, tt.want)
		}
	}
	s := &Signed{req: Request{Path: "/a%20b/./c"}}
	s.SetPayload(sha256Hex(""), Options{})
	if got := string(s.appendURI(nil)); got != "/a%2520b/c" {
		t.Errorf("IAM canonical URI = %q, want /a%%2520b/c", got)
	}
}

// TestEmptyRead checks that a zero-length Read inside an unsigned chunk is
// not taken for the end of the body.
func TestEmptyRead(t *testing.T) {
	s := s3Request(t, StreamingUnsignedPayloadTrailer, map[string]string{"X-Amz-Decoded-Content-Length": "5"})
	b, err := s.Body(bytes.NewReader(encodeChunked(nil, [][]byte{[]byte("hello"), nil}, nil)), -1)
	if err != nil {
		t.Fatal(err)
	}
	var one [1]byte
	if _, err := b.Read(one[:]); err != nil {
		t.Fatal(err)
	}
	if n, err := b.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil) = %d, %v; want 0, nil", n, err)
	}
	if rest, err := io.ReadAll(b); err != nil || string(rest) != "ello" {
		t.Fatalf("rest = %q, %v; want \"ello\", nil", rest, err)
	}
}
