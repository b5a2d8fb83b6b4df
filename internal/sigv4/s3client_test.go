package sigv4

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// s3Capture is what the test server saw of one request, through the same
// calls the gateway makes: Parse, SetStreamedPayload, Verify, Body.
type s3Capture struct {
	path, mode string
	data       []byte
	trailer    map[string]string
	err        error
}

func s3Server(tls bool, out *s3Capture) *httptest.Server {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*out = s3Capture{path: r.URL.EscapedPath(), mode: r.Header.Get("X-Amz-Content-Sha256")}
		s, err := Parse(Request{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Host: r.Host, Header: r.Header})
		if err == nil {
			err = s.SetStreamedPayload(s3Options)
		}
		if err == nil {
			err = s.Verify(testSecret, time.Now())
		}
		var b *Body
		if err == nil {
			b, err = s.Body(r.Body, r.ContentLength)
		}
		if err == nil {
			out.data, err = io.ReadAll(b)
			out.trailer = b.Trailer()
		}
		if out.err = err; err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("ETag", `"0"`)
	})
	if tls {
		return httptest.NewTLSServer(h)
	}
	return httptest.NewServer(h)
}

var testCreds = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}, nil
})

// TestSDKPutObject has aws-sdk-go-v2's S3 client send a PutObject of a key
// with spaces, UTF-8 and '+', path-style. Over plain HTTP the SDK signs the
// body's SHA-256; over HTTPS it sends STREAMING-UNSIGNED-PAYLOAD-TRAILER
// with a CRC32 trailer.
func TestSDKPutObject(t *testing.T) {
	object := bytes.Repeat([]byte("0123456789abcdef"), 20000)
	const key = "my dir/ünïcode+plus=&.txt"
	for _, tt := range []struct {
		tls  bool
		mode string
	}{{false, sha256Hex(string(object))}, {true, StreamingUnsignedPayloadTrailer}} {
		t.Run(fmt.Sprintf("tls=%v", tt.tls), func(t *testing.T) {
			var got s3Capture
			srv := s3Server(tt.tls, &got)
			defer srv.Close()
			client := s3.New(s3.Options{
				Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
				HTTPClient: srv.Client(), Credentials: testCreds, RetryMaxAttempts: 1,
				// The default of config.LoadDefaultConfig, which s3.New alone
				// does not apply.
				RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
			})
			_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
				Bucket: aws.String("bucket"), Key: aws.String(key), Body: bytes.NewReader(object),
			})
			if err != nil || got.err != nil {
				t.Fatalf("PutObject() = %v; server: %v", err, got.err)
			}
			if got.mode != tt.mode {
				t.Errorf("X-Amz-Content-Sha256 = %s, want %s", got.mode, tt.mode)
			}
			if want := "/bucket/my%20dir/%C3%BCn%C3%AFcode%2Bplus%3D%26.txt"; got.path != want {
				t.Errorf("path = %s, want %s", got.path, want)
			}
			if !bytes.Equal(got.data, object) {
				t.Errorf("decoded %d bytes, want the %d sent", len(got.data), len(object))
			}
			if tt.tls {
				if want := map[string]string{"x-amz-checksum-crc32": crc32Base64(object)}; fmt.Sprint(got.trailer) != fmt.Sprint(want) {
					t.Errorf("trailers = %v, want %v", got.trailer, want)
				}
			}
		})
	}
}

// signedStream builds a PUT signed by aws-sdk-go-v2 for
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD, its chunk signatures from the SDK's
// stream signer, sent with Transfer-Encoding: chunked. tamper flips a byte
// of the second chunk after it was signed.
func signedStream(t *testing.T, url string, object []byte, tamper bool) *http.Request {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url+"/bucket/chunked%20key%2B1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Content-Sha256", StreamingPayload)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(object)))
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	// S3 signs the path as sent.
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := signer.SignHTTP(ctx, creds, req, StreamingPayload, "s3", "us-east-1", now); err != nil {
		t.Fatal(err)
	}
	auth := req.Header.Get("Authorization")
	seed, err := hex.DecodeString(auth[strings.LastIndex(auth, "Signature=")+len("Signature="):])
	if err != nil {
		t.Fatal(err)
	}
	ss := v4.NewStreamSigner(creds, "s3", "us-east-1", seed)
	var body bytes.Buffer
	for i := 0; ; i++ {
		chunk := object[min(i*65536, len(object)):min((i+1)*65536, len(object))]
		sig, err := ss.GetSignature(ctx, nil, chunk, now)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&body, "%x;chunk-signature=%x\r\n", len(chunk), sig)
		if len(chunk) == 0 {
			body.WriteString("\r\n")
			break
		}
		if tamper && i == 1 {
			chunk = bytes.Clone(chunk)
			chunk[10] ^= 1
		}
		body.Write(chunk)
		body.WriteString("\r\n")
	}
	// A reader of unknown length: net/http sends Transfer-Encoding: chunked,
	// as SDKs streaming a body of unknown length do.
	req.Body = io.NopCloser(io.MultiReader(&body))
	req.ContentLength = -1
	return req
}

func TestSDKSignedStreaming(t *testing.T) {
	object := bytes.Repeat([]byte("streamed, chunk by chunk. "), 6000) // 156000 bytes: three chunks
	var got s3Capture
	srv := s3Server(false, &got)
	defer srv.Close()

	resp, err := srv.Client().Do(signedStream(t, srv.URL, object, false))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || got.err != nil {
		t.Fatalf("status %d, server error %v", resp.StatusCode, got.err)
	}
	if !bytes.Equal(got.data, object) {
		t.Errorf("decoded %d bytes, want the %d sent", len(got.data), len(object))
	}

	resp, err = srv.Client().Do(signedStream(t, srv.URL, object, true))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if kindOf(got.err) != Mismatch || Code(got.err) != "SignatureDoesNotMatch" {
		t.Fatalf("tampered chunk: server error %v, want SignatureDoesNotMatch", got.err)
	}
	if len(got.data) != 65536 {
		t.Errorf("tampered chunk: %d bytes reached the caller, want only the first chunk's 65536", len(got.data))
	}
}
