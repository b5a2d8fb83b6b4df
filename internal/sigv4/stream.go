package sigv4

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Limits of the aws-chunked decoder. They bound what one request can make
// the server hold before any of it is checked.
const (
	// MaxSignedChunk is the largest chunk of a signed aws-chunked body.
	// Body holds a whole chunk until its signature is checked; the SDKs
	// send 64 KiB (Go, Python) or 128 KiB (Java) chunks.
	MaxSignedChunk = 16 << 20
	// maxLine bounds a chunk-size line or a trailer line.
	maxLine = 4 << 10
	// maxTrailers bounds the number of trailer lines.
	maxTrailers = 16
	// maxBuffered is how much of a chunk is allocated before its bytes
	// arrive, so that a claimed 16 MiB chunk costs memory only once sent.
	maxBuffered = 64 << 10
)

// The string-to-sign prefixes of chunk and trailer signatures.
const (
	chunkAlgorithm   = "AWS4-HMAC-SHA256-PAYLOAD"
	trailerAlgorithm = "AWS4-HMAC-SHA256-TRAILER"
	trailerSigName   = "x-amz-trailer-signature"
)

// payload modes as Body reads them.
type bodyMode int

const (
	modeHash     bodyMode = iota // a hex SHA-256, checked at the end
	modeUnsigned                 // UNSIGNED-PAYLOAD: passed through
	modeChunked                  // one of the aws-chunked modes
)

// Body is a request body decoded and checked as its payload mode says,
// from Signed.Body. Read yields the object's bytes; the checks that need
// the whole body (the hash, the trailer, the lengths) fail on the last
// Read, in place of io.EOF. A caller must therefore act on the bytes (store
// an object) only once Read has returned io.EOF; until then they may still
// turn out not to be what the client signed. Errors are sticky.
type Body struct {
	mode bodyMode
	raw  io.Reader     // modeHash, modeUnsigned
	br   *bufio.Reader // modeChunked

	// size is the decoded length declared in advance, -1 if unknown; n
	// counts the bytes handed out.
	size, n int64

	// modeHash
	sum  hash.Hash
	want string

	// modeChunked
	signed   bool     // chunks carry signatures
	trailer  bool     // a trailer section follows the final chunk
	declared []string // X-Amz-Trailer, lower case, sorted
	key      []byte
	amzDate  string
	scope    string
	prev     string // the last verified signature (the seed at first)
	buf      []byte // a verified chunk not yet handed out
	off      int
	left     int64 // unsigned mode: bytes of the current chunk still to read
	needCRLF bool  // unsigned mode: the CRLF after the current chunk is due
	trailers map[string]string

	err error
}

// Body returns a reader for the request body r that yields the payload's
// bytes and checks them as X-Amz-Content-Sha256 (the payload hash passed
// to SetPayload or SetStreamedPayload) says:
//
//   - a hex SHA-256: the bytes pass through and the last Read fails with
//     XAmzContentSHA256Mismatch if they hash to something else;
//   - UNSIGNED-PAYLOAD: the bytes pass through;
//   - the aws-chunked modes: the chunk framing is removed, every chunk's
//     signature is checked before its bytes are handed out (so a chunk is
//     buffered, up to MaxSignedChunk), and the trailers are checked against
//     X-Amz-Trailer and, for StreamingPayloadTrailer, their signature.
//
// contentLength is the body's length as the HTTP layer knows it
// (http.Request.ContentLength, -1 if unknown); for the aws-chunked modes
// the decoded length comes from X-Amz-Decoded-Content-Length instead.
// A length that the body does not match fails with IncompleteBody (fewer
// bytes) or InvalidRequest (more). Body must follow a successful Verify.
func (s *Signed) Body(r io.Reader, contentLength int64) (*Body, error) {
	if s.signingKey == nil {
		// A programming error in the caller: no *Error, so the server
		// answers InternalFailure rather than blaming the client.
		return nil, errors.New("sigv4: Body called before a successful Verify")
	}
	mode := s.payloadHash()
	switch {
	case mode == UnsignedPayload:
		return &Body{mode: modeUnsigned, raw: r, size: contentLength}, nil
	case isSHA256Hex(mode):
		return &Body{mode: modeHash, raw: r, size: contentLength, sum: sha256.New(), want: strings.ToLower(mode)}, nil
	case !isStreamingMode(mode):
		return nil, newError(InvalidArgument, msgBadContentSHA)
	}
	b := &Body{
		mode:    modeChunked,
		br:      bufio.NewReaderSize(r, maxLine+2),
		signed:  mode != StreamingUnsignedPayloadTrailer,
		trailer: mode != StreamingPayload,
		key:     s.signingKey,
		amzDate: s.amzDate,
		scope:   string(s.appendScope(nil)),
		prev:    s.Signature,
		size:    -1,
	}
	var err error
	if b.size, err = s.decodedLength(); err != nil {
		return nil, err
	}
	if b.declared, err = s.declaredTrailers(); err != nil {
		return nil, err
	}
	if len(b.declared) > 0 && !b.trailer {
		return nil, newError(InvalidRequest, "x-amz-trailer needs x-amz-content-sha256 "+StreamingPayloadTrailer+" or "+StreamingUnsignedPayloadTrailer+".")
	}
	return b, nil
}

// decodedLength reads X-Amz-Decoded-Content-Length, -1 when absent: the
// SDKs leave it out when they do not know the length in advance.
func (s *Signed) decodedLength() (int64, error) {
	vs := headerValues(s.req.Header, "x-amz-decoded-content-length")
	if len(vs) == 0 {
		return -1, nil
	}
	n, err := strconv.ParseInt(vs[0], 10, 64)
	if len(vs) > 1 || err != nil || n < 0 || vs[0][0] == '+' {
		return 0, newError(InvalidRequest, "x-amz-decoded-content-length must be given once, as a whole number of bytes.")
	}
	return n, nil
}

// declaredTrailers reads X-Amz-Trailer: a comma-separated list of header
// names, possibly in several header lines.
func (s *Signed) declaredTrailers() ([]string, error) {
	var names []string
	for _, v := range headerValues(s.req.Header, "x-amz-trailer") {
		for n := range strings.SplitSeq(v, ",") {
			n = asciiLower(strings.Trim(n, " \t"))
			if n == "" {
				continue
			}
			if !isToken(n) || n == trailerSigName || slices.Contains(names, n) || len(names) == maxTrailers {
				return nil, newError(InvalidRequest, "The value specified in the x-amz-trailer header is not supported.")
			}
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names, nil
}

// Size returns the decoded length of the body declared in advance
// (X-Amz-Decoded-Content-Length for aws-chunked, else the contentLength
// given to Signed.Body), or -1 if the client did not declare one. A server
// may refuse an object too large from it before reading any of the body.
func (b *Body) Size() int64 { return b.size }

// Trailer returns the trailers sent after an aws-chunked body (names in
// lower case, without x-amz-trailer-signature), once Read has returned
// io.EOF; before that, and for other modes, it returns nil. They are
// exactly those X-Amz-Trailer declares.
func (b *Body) Trailer() map[string]string {
	if b.err != io.EOF {
		return nil
	}
	return b.trailers
}

// Read reads the decoded body (see Signed.Body).
func (b *Body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		// Nothing to read into: not the end of a chunk.
		return 0, nil
	}
	var n int
	if b.mode == modeChunked {
		n, b.err = b.readChunked(p)
	} else {
		n, b.err = b.readRaw(p)
	}
	return n, b.err
}

// readRaw passes the body through, hashing it in modeHash, and applies the
// end-of-body checks in place of io.EOF.
func (b *Body) readRaw(p []byte) (int, error) {
	n, err := b.raw.Read(p)
	b.n += int64(n)
	if b.sum != nil {
		b.sum.Write(p[:n])
	}
	if b.size >= 0 && b.n > b.size {
		return n, errTooLong("Content-Length")
	}
	switch {
	case err == io.ErrUnexpectedEOF:
		// net/http's answer to a body shorter than its Content-Length.
		return n, errShort("Content-Length")
	case err != io.EOF:
		return n, err
	case b.size >= 0 && b.n != b.size:
		return n, errShort("Content-Length")
	case b.sum != nil && hex.EncodeToString(b.sum.Sum(nil)) != b.want:
		return n, newError(ContentSHA256Mismatch, msgContentSHA)
	}
	return n, io.EOF
}

func errShort(header string) error {
	return newError(IncompleteBody, "You did not provide the number of bytes specified by the "+header+" HTTP header.")
}

func errTooLong(header string) error {
	return newError(InvalidRequest, "The request body is longer than the "+header+" HTTP header says.")
}

var errTruncated = newError(IncompleteBody, "The request body terminated unexpectedly: the aws-chunked encoding ended before its final chunk.")

func errFraming(what string) error {
	return newError(InvalidRequest, "The aws-chunked encoding of the request body is malformed: "+what+".")
}

func errTrailer(what string) error {
	return newError(MalformedTrailer, "The request contained trailing data that was not well-formed or did not conform to our published schema: "+what+".")
}

// readChunked hands out the current chunk, reading the next one when it is
// used up.
func (b *Body) readChunked(p []byte) (int, error) {
	for {
		if b.off < len(b.buf) {
			n := copy(p, b.buf[b.off:])
			b.off += n
			return n, nil
		}
		if b.left > 0 {
			// An unsigned chunk has nothing to check: its bytes stream
			// through, so a single-chunk upload of a large object (what
			// aws-sdk-go-v2 sends) needs no buffer.
			if int64(len(p)) > b.left {
				p = p[:b.left]
			}
			n, err := b.br.Read(p)
			b.left -= int64(n)
			if n > 0 {
				return n, nil
			}
			return 0, unexpected(err)
		}
		if b.needCRLF {
			if err := b.readCRLF(); err != nil {
				return 0, err
			}
			b.needCRLF = false
		}
		if err := b.nextChunk(); err != nil {
			return 0, err
		}
	}
}

// unexpected maps the end of the body inside the encoding to IncompleteBody
// and passes other read errors (a dropped connection, a size limit) on.
func unexpected(err error) error {
	if err == nil || err == io.EOF || err == io.ErrUnexpectedEOF {
		return errTruncated
	}
	return err
}

func (b *Body) readCRLF() error {
	var crlf [2]byte
	if _, err := io.ReadFull(b.br, crlf[:]); err != nil {
		return unexpected(err)
	}
	if crlf != [2]byte{'\r', '\n'} {
		return errFraming("a chunk's data is not followed by CRLF")
	}
	return nil
}

// readLine reads one CRLF-terminated line and returns it without the CRLF.
// The bytes are the bufio.Reader's, valid until the next read.
func (b *Body) readLine() ([]byte, error) {
	line, err := b.br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull || len(line) > maxLine+2:
		return nil, errFraming("a line is longer than 4 KiB")
	case err != nil:
		return line, unexpected(err)
	case len(line) < 2 || line[len(line)-2] != '\r':
		return nil, errFraming("a line does not end in CRLF")
	}
	return line[:len(line)-2], nil
}

// nextChunk reads a chunk-size line and, for a signed chunk, the chunk
// and its check; after the final chunk, the trailer section and the final
// checks, returning io.EOF when they pass.
func (b *Body) nextChunk() error {
	line, err := b.readLine()
	if err != nil {
		return err
	}
	sizeHex, ext, hasExt := bytes.Cut(line, []byte{';'})
	size, ok := parseChunkSize(sizeHex)
	if !ok {
		return errFraming("a chunk size is not a hexadecimal number")
	}
	var sig []byte
	if b.signed {
		v, found := bytes.CutPrefix(ext, []byte("chunk-signature="))
		if !hasExt || !found || !isLowerHex64(v) {
			return errFraming("a chunk has no chunk-signature of 64 hex digits")
		}
		// Copied: the next read of the bufio.Reader reuses the line.
		sig = append([]byte(nil), v...)
		if size > MaxSignedChunk {
			return errFraming("a chunk is larger than 16 MiB")
		}
	}
	// Chunk extensions of an unsigned chunk carry nothing we check.
	if b.size >= 0 && size > b.size-b.n {
		return errTooLong("X-Amz-Decoded-Content-Length")
	}
	if !b.signed {
		if size == 0 {
			return b.finish()
		}
		b.n += size
		b.left, b.needCRLF = size, true
		return nil
	}
	if err := b.readData(size); err != nil {
		return err
	}
	if size > 0 {
		// A final chunk has no data, hence no CRLF after it: what follows
		// is the trailer section or the empty line that ends the body.
		if err := b.readCRLF(); err != nil {
			return err
		}
	}
	sum := sha256.Sum256(b.buf)
	if !b.checkSignature(sig, chunkAlgorithm, emptyPayloadHash, hex.EncodeToString(sum[:])) {
		return mismatch(msgChunkMismatch)
	}
	b.n += size
	b.off = 0
	if size == 0 {
		return b.finish()
	}
	return nil
}

// msgChunkMismatch is msgMismatch for a chunk, naming what differed.
const msgChunkMismatch = "The request signature we calculated does not match the signature you provided: " +
	"a chunk-signature of the aws-chunked body is wrong. Check your AWS Secret Access Key and signing method."

// readData reads size bytes into b.buf, growing it as the bytes arrive.
func (b *Body) readData(size int64) error {
	b.buf = b.buf[:0]
	for int64(len(b.buf)) < size {
		if len(b.buf) == cap(b.buf) {
			b.buf = slices.Grow(b.buf, int(min(size-int64(len(b.buf)), max(int64(cap(b.buf)), maxBuffered))))
		}
		end := min(int64(cap(b.buf)), size)
		n, err := b.br.Read(b.buf[len(b.buf):end])
		b.buf = b.buf[:len(b.buf)+n]
		if n == 0 && err != nil {
			return unexpected(err)
		}
	}
	return nil
}

// checkSignature computes the signature of the next link of the chain,
// compares it with sig in constant time and, when they match, makes it the
// previous signature.
func (b *Body) checkSignature(sig []byte, algorithm string, lines ...string) bool {
	m := hmac.New(sha256.New, b.key)
	m.Write([]byte(algorithm + "\n" + b.amzDate + "\n" + b.scope + "\n" + b.prev))
	for _, l := range lines {
		m.Write([]byte("\n" + l))
	}
	var sum [64]byte
	got := hex.AppendEncode(sum[:0], m.Sum(nil))
	if !hmac.Equal(got, sig) {
		return false
	}
	b.prev = string(got)
	return true
}

// finish reads what follows the final chunk: the trailer section, ended
// by an empty line, then the end of the body. It checks the trailers, their
// signature and the decoded length, and returns io.EOF when all pass.
func (b *Body) finish() error {
	var (
		lines     []string // canonical "name:value\n", for the signature
		sig       []byte
		trailers  = map[string]string{}
		skipBlank = b.trailer
	)
	for {
		line, err := b.readLine()
		if err == errTruncated && len(line) == 0 {
			// Some clients leave out the empty line that ends the trailer
			// section; the body ends there all the same, and what is
			// missing is reported below.
			break
		}
		if err != nil {
			return err
		}
		if len(line) == 0 {
			if skipBlank && len(lines) == 0 && sig == nil {
				skipBlank = false
				if _, err := b.br.Peek(1); err == nil {
					// AWS's sigv4-streaming-trailers example puts an empty
					// line between the final chunk and the trailers.
					continue
				}
			}
			break
		}
		if !b.trailer {
			return errFraming("trailers follow the final chunk, but x-amz-content-sha256 is " + StreamingPayload)
		}
		if len(lines) == maxTrailers {
			return errTrailer("too many trailers")
		}
		name, value, ok := bytes.Cut(line, []byte{':'})
		n := asciiLower(string(name))
		if !ok || !isToken(n) {
			return errTrailer("a trailer line is not name:value")
		}
		v := string(bytes.Trim(value, " \t"))
		if n == trailerSigName {
			if !b.signed || sig != nil || !isLowerHex64([]byte(v)) {
				return errTrailer("x-amz-trailer-signature is unexpected, repeated or not 64 hex digits")
			}
			sig = []byte(v)
			continue
		}
		if _, dup := trailers[n]; dup || !slices.Contains(b.declared, n) {
			return errTrailer("trailer " + n + " is not declared in x-amz-trailer, or repeated")
		}
		trailers[n] = v
		lines = append(lines, n+":"+v+"\n")
	}
	if len(trailers) != len(b.declared) {
		return errTrailer("a trailer declared in x-amz-trailer is missing")
	}
	if b.signed && b.trailer {
		if sig == nil {
			return errTrailer("x-amz-trailer-signature is missing")
		}
		// The trailers are signed in their canonical form, sorted by name
		// like canonical headers.
		slices.Sort(lines)
		sum := sha256.Sum256([]byte(strings.Join(lines, "")))
		if !b.checkSignature(sig, trailerAlgorithm, hex.EncodeToString(sum[:])) {
			return mismatch("The request signature we calculated does not match the signature you provided: " +
				"x-amz-trailer-signature is wrong. Check your AWS Secret Access Key and signing method.")
		}
	}
	if _, err := b.br.ReadByte(); err != io.EOF {
		if err != nil {
			return err
		}
		return errFraming("data follows the end of the encoding")
	}
	if b.size >= 0 && b.n != b.size {
		return errShort("X-Amz-Decoded-Content-Length")
	}
	b.buf, b.off = nil, 0
	if len(trailers) > 0 {
		b.trailers = trailers
	}
	return io.EOF
}

// parseChunkSize parses a chunk size, 1 to 16 hex digits.
func parseChunkSize(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 16 {
		return 0, false
	}
	var n uint64
	for _, c := range v {
		if !isHex(c) {
			return 0, false
		}
		n = n<<4 | uint64(hexVal(c))
	}
	if n > 1<<62 {
		return 0, false
	}
	return int64(n), true
}

func hexVal(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// isLowerHex64 reports whether v is a signature as the SDKs write it.
func isLowerHex64(v []byte) bool {
	if len(v) != 64 {
		return false
	}
	for _, c := range v {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
