package sigv4

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// suiteAuthorizations returns every .authz value of aws4_testsuite, plus
// the Authorization lines of the aws-c-auth header vectors.
func suiteAuthorizations(f *testing.F) []string {
	f.Helper()
	var out []string
	err := filepath.WalkDir(testdataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch {
		case strings.HasSuffix(path, ".authz"):
			out = append(out, readFile(f, path))
		case strings.HasSuffix(path, "header-signed-request.txt"):
			for line := range strings.SplitSeq(readFile(f, path), "\n") {
				if v, ok := strings.CutPrefix(line, "Authorization:"); ok {
					out = append(out, v)
				}
			}
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	return out
}

type authResult struct {
	Cred    Credential
	Headers []string
	Sig     string
	Err     string
}

func parseAuthResult(v string) authResult {
	c, h, s, err := ParseAuthorization(v)
	r := authResult{Cred: c, Headers: h, Sig: s}
	if err != nil {
		r.Err = err.Error()
	}
	return r
}

// FuzzParseAuthorization checks that the header parser never panics, is
// deterministic, fails only with IncompleteSignature, and that whatever it
// accepts survives a round trip through the canonical header form.
func FuzzParseAuthorization(f *testing.F) {
	for _, v := range suiteAuthorizations(f) {
		f.Add(v)
	}
	f.Add("AWS4-HMAC-SHA256 Credential=a/20150830/r/s/aws4_request,SignedHeaders=host,Signature=00")
	f.Add("AWS4-HMAC-SHA256 Signature=, Credential==, SignedHeaders=;")
	f.Add("AWS AKIDEXAMPLE:sig")
	f.Fuzz(func(t *testing.T, v string) {
		first := parseAuthResult(v)
		if diff := cmp.Diff(first, parseAuthResult(v)); diff != "" {
			t.Fatalf("ParseAuthorization(%q) not deterministic (-first +second):\n%s", v, diff)
		}
		if first.Err != "" {
			if _, _, _, err := ParseAuthorization(v); Code(err) != "IncompleteSignature" {
				t.Fatalf("ParseAuthorization(%q) = %v, want an IncompleteSignature error", v, err)
			}
			return
		}
		c := first.Cred
		for _, part := range []string{c.AccessKeyID, c.Date, c.Region, c.Service, first.Sig} {
			if !visible(part) {
				t.Fatalf("ParseAuthorization(%q) accepted %q, which has invisible characters", v, part)
			}
		}
		for _, h := range first.Headers {
			if !isToken(h) {
				t.Fatalf("ParseAuthorization(%q) accepted signed header %q", v, h)
			}
		}
		again := algorithm + " Credential=" + c.AccessKeyID + "/" + c.Date + "/" + c.Region + "/" + c.Service + "/" + terminator +
			", SignedHeaders=" + strings.Join(first.Headers, ";") + ", Signature=" + first.Sig
		if diff := cmp.Diff(first, parseAuthResult(again)); diff != "" {
			t.Fatalf("ParseAuthorization(%q) round trip via %q mismatch (-first +again):\n%s", v, again, diff)
		}
	})
}

// parseResult is everything observable about Parse's outcome.
type parseResult struct {
	Signed    *Signed
	Canonical string
	Err       string
}

func parseOnce(r Request) parseResult {
	s, err := Parse(r)
	if err != nil {
		return parseResult{Err: err.Error()}
	}
	return parseResult{Signed: s, Canonical: s.CanonicalRequest()}
}

// FuzzParse feeds Parse random methods, paths, queries and headers. The
// header blob is "Name: value" lines; names are kept in the case given, so
// the same header in two spellings exercises the map-order-independent
// lookup. Properties: no panic, the same result twice (Go randomises map
// iteration, so an order dependency shows up), errors that carry an AWS
// code, and a Verify that neither panics nor passes with a wrong key.
func FuzzParse(f *testing.F) {
	dir := filepath.Join(testdataDir, "aws-signing-test-suite", "v4")
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		for _, variant := range []string{"header", "query"} {
			r := parseRaw(f, readFile(f, filepath.Join(dir, e.Name(), variant+"-signed-request.txt")))
			var blob strings.Builder
			for k, vs := range r.Header {
				for _, v := range vs {
					blob.WriteString(k + ": " + v + "\n")
				}
			}
			f.Add(r.Method, r.Path, r.RawQuery, r.Host, blob.String())
		}
	}
	f.Add("POST", "/", "", "h", "Authorization: x\nauthorization: y\n")
	f.Add("GET", "//a/../b", "X-Amz-Signature=1&a=%zz", "", "X-Amz-Date: 20150830T123600Z\nx-amz-date: 20150830T123600Z\n")
	f.Fuzz(func(t *testing.T, method, path, rawQuery, host, headerBlob string) {
		h := map[string][]string{}
		for line := range strings.SplitSeq(headerBlob, "\n") {
			name, value, _ := strings.Cut(line, ":")
			h[name] = append(h[name], strings.TrimLeft(value, " "))
		}
		r := Request{Method: method, Path: path, RawQuery: rawQuery, Host: host, Header: h, PayloadHash: sha256Hex("")}
		first := parseOnce(r)
		opts := cmp.AllowUnexported(Signed{}, param{})
		if diff := cmp.Diff(first, parseOnce(r), opts); diff != "" {
			t.Fatalf("Parse(%+v) not deterministic (-first +second):\n%s", r, diff)
		}
		if first.Err != "" {
			if _, err := Parse(r); Code(err) == "" {
				t.Fatalf("Parse(%+v) = %v, an error without an AWS code", r, err)
			}
			return
		}
		err := first.Signed.Verify("not the secret", first.Signed.Time)
		if err == nil || Code(err) == "" {
			t.Fatalf("Verify(wrong secret) of %+v = %v, want an error with an AWS code", r, err)
		}
	})
}

// fuzzSigned is a verified request of the given payload mode, as Verify
// leaves it, chained from the documentation example's seed signature.
func fuzzSigned(mode byte, decodedLength, trailer string) *Signed {
	modes := []string{StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedPayloadTrailer, UnsignedPayload, sha256Hex("a")}
	h := map[string][]string{"X-Amz-Trailer": {trailer}}
	if decodedLength != "" {
		h["X-Amz-Decoded-Content-Length"] = []string{decodedLength}
	}
	seed := docsSeed
	if mode%5 == 1 {
		seed = docsTrailerSeed
	}
	return &Signed{
		Credential: Credential{AccessKeyID: testAKID, Date: "20130524", Region: "us-east-1", Service: "s3"},
		Signature:  seed,
		amzDate:    "20130524T000000Z",
		contentSHA: modes[mode%5],
		req:        Request{Header: h},
		signingKey: SigningKey(testSecret, "20130524", "us-east-1", "s3"),
	}
}

type bodyResult struct {
	Data    []byte
	Err     string
	Trailer map[string]string
}

func decodeOnce(s *Signed, body []byte, slow bool) (bodyResult, error) {
	var r io.Reader = bytes.NewReader(body)
	if slow {
		r = iotest.OneByteReader(r)
	}
	b, err := s.Body(r, -1)
	if err != nil {
		return bodyResult{Err: err.Error()}, err
	}
	var rd io.Reader = b
	if slow {
		rd = iotest.OneByteReader(b)
	}
	data, err := io.ReadAll(rd)
	res := bodyResult{Data: data, Trailer: b.Trailer()}
	if err != nil {
		res.Err = err.Error()
	}
	return res, err
}

// FuzzChunked feeds the aws-chunked decoder (and the pass-through modes)
// random bodies and headers. Properties: no panic; the same result however
// the bytes are split on either side (one byte at a time or in bulk), since
// a network delivers them in any pieces; every failure carries an AWS
// code; never more bytes out than in; and on success exactly the declared
// decoded length.
func FuzzChunked(f *testing.F) {
	crc := "x-amz-checksum-crc32c:sOO8/Q==\r\n"
	f.Add(docsBody(docsChunkSigs, ""), byte(0), "66560", "")
	f.Add(docsBody(docsTrailerChunkSigs, crc+"x-amz-trailer-signature:"+docsTrailerSig+"\r\n"), byte(1), "66560", "x-amz-checksum-crc32c")
	f.Add(docsBody(docsTrailerChunkSigs, "\r\n"+crc+"x-amz-trailer-signature:"+docsTrailerSig+"\r\n"), byte(1), "", "x-amz-checksum-crc32c")
	f.Add([]byte("5\r\nhello\r\n0\r\n"+crc+"\r\n"), byte(2), "5", "x-amz-checksum-crc32c")
	f.Add([]byte("5;a=b\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n"), byte(2), "", "")
	f.Add([]byte("5\r\nhello\r\n0\r\n"+crc), byte(2), "", "x-amz-checksum-crc32c")
	f.Add([]byte("10000000000000000\r\n"), byte(2), "", "")
	f.Add([]byte("a"), byte(4), "", "")
	f.Add([]byte("anything"), byte(3), "", "")
	f.Fuzz(func(t *testing.T, body []byte, mode byte, decodedLength, trailer string) {
		s := fuzzSigned(mode, decodedLength, trailer)
		fast, err := decodeOnce(s, body, false)
		slow, _ := decodeOnce(s, body, true)
		if diff := cmp.Diff(fast, slow); diff != "" {
			t.Fatalf("decoding depends on how the bytes are split (-bulk +one-byte):\n%s", diff)
		}
		if err != nil && Code(err) == "" {
			t.Fatalf("error %v has no AWS code", err)
		}
		if len(fast.Data) > len(body) {
			t.Fatalf("decoded %d bytes out of %d", len(fast.Data), len(body))
		}
		if err == nil && decodedLength != "" && strconv.Itoa(len(fast.Data)) != decodedLength && s.contentSHA != UnsignedPayload && isStreamingMode(s.contentSHA) {
			t.Fatalf("decoded %d bytes, X-Amz-Decoded-Content-Length is %s", len(fast.Data), decodedLength)
		}
	})
}
