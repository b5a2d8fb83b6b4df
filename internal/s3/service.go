package s3

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/mfa"
)

// DefaultMaxObjectSize is the largest single-PUT object when Config leaves
// it unset.
const DefaultMaxObjectSize = 64 << 20

// maxKeyLen is S3's limit on an object key, in bytes of UTF-8.
const maxKeyLen = 1024

// Config tunes the service. Its zero value works.
type Config struct {
	// MaxObjectSize bounds a single PutObject body. Default
	// DefaultMaxObjectSize (64 MiB).
	MaxObjectSize int64
	// AllowInsecureMFAHeader accepts x-amz-mfa over plain HTTP. AWS
	// refuses it, because the code travels in the clear; the option exists
	// for local test set-ups without TLS. Default false.
	AllowInsecureMFAHeader bool
	// Region is where buckets are created when the request names none.
	// Default "us-east-1".
	Region string
	// Clock is the real clock when nil.
	Clock clock.Clock
	// Log receives refusals and internal errors; nil discards.
	Log *slog.Logger
}

// CodeChecker checks and consumes a code from one of id's own MFA devices:
// nil when accepted, mfa.ErrInvalidCode for every refusal (unknown device,
// another identity's device, a wrong, replayed or throttled code); any
// other error is internal. iam.Service.CheckOwnCode is the one iamd uses,
// so a code spent here is spent for every door.
type CodeChecker func(ctx context.Context, id *authz.Identity, serial, code string) error

// Service is the S3 domain.
type Service struct {
	store Store
	blobs Blobs
	authz authz.Authorizer
	codes CodeChecker
	cfg   Config
	clock clock.Clock
	log   *slog.Logger
}

// New returns a Service over its store, blobs, the policy decision and the
// MFA code check.
func New(st Store, blobs Blobs, az authz.Authorizer, codes CodeChecker, cfg Config) *Service {
	if cfg.MaxObjectSize <= 0 {
		cfg.MaxObjectSize = DefaultMaxObjectSize
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	s := &Service{store: st, blobs: blobs, authz: az, codes: codes, cfg: cfg, clock: cfg.Clock, log: cfg.Log}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// MaxObjectSize is the largest body PutObject takes.
func (s *Service) MaxObjectSize() int64 { return s.cfg.MaxObjectSize }

// Request is what every operation needs to know about the request beyond
// its input: who sent it, how, and the x-amz-mfa header.
type Request struct {
	Principal *authz.Principal
	// Secure is set when the request came over TLS.
	Secure bool
	// MFA is the x-amz-mfa header as sent; HasMFA tells it was sent at
	// all (an empty header is malformed, not absent).
	MFA    string
	HasMFA bool
}

// S3 error codes. Each goes on the wire as it is.
const (
	codeNoSuchBucket         = "NoSuchBucket"
	codeNoSuchKey            = "NoSuchKey"
	codeNoSuchVersion        = "NoSuchVersion"
	codeBucketNotEmpty       = "BucketNotEmpty"
	codeBucketExists         = "BucketAlreadyExists"
	codeBucketOwnedByYou     = "BucketAlreadyOwnedByYou"
	codeInvalidBucketName    = "InvalidBucketName"
	codeInvalidArgument      = "InvalidArgument"
	codeInvalidRequest       = "InvalidRequest"
	codeMalformedXML         = "MalformedXML"
	codeMethodNotAllowed     = "MethodNotAllowed"
	codeEntityTooLarge       = "EntityTooLarge"
	codeKeyTooLong           = "KeyTooLongError"
	codeIllegalVersioning    = "IllegalVersioningConfigurationException"
	codeInternalError        = "InternalError"
	msgMFARequired           = "Mfa Authentication must be used for this request"
	msgMFAInvalid            = "Mfa header is invalid -- the header should be formatted as {serialNumber}(space){tokenCode}"
	msgMFAWithSessionToken   = "DevPay and Mfa are mutually exclusive authorization methods."
	msgMFAOverHTTP           = "The x-amz-mfa header can only be sent over HTTPS."
	msgMFAOnlyRoot           = "Only the bucket owner's root user can use its MFA device for MFA Delete."
	msgMFACodeRefused        = "The MFA code in the x-amz-mfa header was not accepted."
	msgNoSuchBucket          = "The specified bucket does not exist"
	msgNoSuchKey             = "The specified key does not exist."
	msgNoSuchVersion         = "The specified version does not exist."
	msgDeleteMarkerNotObject = "The specified method is not allowed against this resource."
)

// Error is an S3 error: an AWS code and message, and the extra elements
// S3 puts in its <Error> (BucketName, Key, ArgumentName, …), in order.
type Error struct {
	Code    string
	Message string
	Details [][2]string
	// Headers are response headers that go with the error
	// (x-amz-delete-marker on a NoSuchKey for a deleted key).
	Headers [][2]string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Unwrap gives the error's code to awserr.Code and the error table.
func (e *Error) Unwrap() error { return &awserr.Error{Code: e.Code, Message: e.Message} }

func newError(code, msg string, details ...string) *Error {
	e := &Error{Code: code, Message: msg}
	for i := 0; i+1 < len(details); i += 2 {
		e.Details = append(e.Details, [2]string{details[i], details[i+1]})
	}
	return e
}

// internal wraps an unexpected error; the gateway logs it and answers
// InternalError with the request id.
func internal(what string, err error) error {
	return errors.Join(errors.New("s3: "+what), err)
}

// BucketARN and ObjectARN are the resources s3 actions are authorised on.
func BucketARN(bucket string) string { return "arn:aws:s3:::" + bucket }

// ObjectARN is the resource of an object action.
func ObjectARN(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }

// CanonicalID is the account's canonical user id, as S3 shows owners: 64
// hex digits, stable for the account.
func CanonicalID(accountID string) string {
	sum := sha256.Sum256([]byte("iamd canonical user " + accountID))
	return hex.EncodeToString(sum[:])
}

// authorize asks authz for action on resource, then finds the bucket and
// checks that the caller's account owns it. The policy comes first, so a
// refused caller learns nothing from the lookup; a bucket of another
// account is refused as a policy refusal is (iamd has no bucket policies).
func (s *Service) authorize(ctx context.Context, r Request, action, resource, bucket string) (*Bucket, error) {
	if err := s.authz.Authorize(ctx, r.Principal, action, resource); err != nil {
		return nil, err
	}
	return s.ownedBucket(ctx, r, bucket)
}

// ownedBucket finds a bucket the caller's policy has already let it act
// on, and refuses one of another account.
func (s *Service) ownedBucket(ctx context.Context, r Request, bucket string) (*Bucket, error) {
	b, err := s.store.Bucket(ctx, bucket)
	if errors.Is(err, ErrNoSuchBucket) {
		return nil, newError(codeNoSuchBucket, msgNoSuchBucket, "BucketName", bucket)
	}
	if err != nil {
		return nil, internal("find bucket", err)
	}
	if b.AccountID != r.Principal.AccountID {
		return nil, newError(awserr.AccessDenied, "Access Denied")
	}
	return b, nil
}

// checkMFA applies the x-amz-mfa rules to a request. When required, the
// header must be present and carry a code from the bucket owner's root
// user's own device, which is consumed; when not required, a header sent
// anyway is checked for form and transport only.
func (s *Service) checkMFA(ctx context.Context, r Request, required bool) error {
	if r.HasMFA {
		if r.Principal.Session != nil {
			return newError(codeInvalidRequest, msgMFAWithSessionToken)
		}
		if !r.Secure && !s.cfg.AllowInsecureMFAHeader {
			return newError(codeInvalidRequest, msgMFAOverHTTP)
		}
	}
	if !required {
		return nil
	}
	if !r.HasMFA {
		return newError(awserr.AccessDenied, msgMFARequired)
	}
	serial, code, err := ParseMFAHeader(r.MFA)
	if err != nil {
		// The value is not echoed: it holds a code.
		return newError(codeInvalidArgument, msgMFAInvalid, "ArgumentName", "x-amz-mfa")
	}
	if !r.Principal.IsRoot() {
		return newError(awserr.AccessDenied, msgMFAOnlyRoot)
	}
	err = s.codes(ctx, r.Principal.User, serial, code)
	switch {
	case errors.Is(err, mfa.ErrInvalidCode):
		s.log.Warn("x-amz-mfa code refused", "account", r.Principal.AccountID, "serial", serial)
		return newError(awserr.AccessDenied, msgMFACodeRefused)
	case err != nil:
		return internal("check MFA code", err)
	}
	return nil
}

// ParseMFAHeader splits x-amz-mfa into the device serial and the code:
// "<serial> <code>", one space, a serial of 9 to 256 printable characters
// without spaces (an ARN or a hardware serial) and a code of 6 digits, as
// IAM takes them.
func ParseMFAHeader(h string) (serial, code string, err error) {
	serial, code, ok := strings.Cut(h, " ")
	if !ok || len(serial) < 9 || len(serial) > 256 || len(code) != 6 {
		return "", "", errBadMFAHeader
	}
	for i := 0; i < len(serial); i++ {
		if c := serial[i]; c <= ' ' || c > '~' {
			return "", "", errBadMFAHeader
		}
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return "", "", errBadMFAHeader
		}
	}
	return serial, code, nil
}

var errBadMFAHeader = errors.New("s3: malformed x-amz-mfa header")

// ValidBucketName applies S3's general-purpose bucket naming rules: 3 to
// 63 characters of lower-case letters, digits, dots and hyphens, starting
// and ending with a letter or digit, no two adjacent dots, and not an IP
// address.
func ValidBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '.' || c == '-':
			if i == 0 || i == len(name)-1 || (c == '.' && name[i-1] == '.') {
				return false
			}
		default:
			return false
		}
	}
	if strings.Contains(name, ".-") || strings.Contains(name, "-.") || strings.HasPrefix(name, "xn--") ||
		strings.HasSuffix(name, "-s3alias") || strings.HasSuffix(name, "--ol-s3") {
		return false
	}
	return net.ParseIP(name) == nil
}

// checkKey applies S3's key rules: 1 to 1024 bytes of valid UTF-8.
func checkKey(key string) error {
	switch {
	case key == "":
		return newError(codeInvalidArgument, "The object key must not be empty.", "ArgumentName", "key")
	case len(key) > maxKeyLen:
		return newError(codeKeyTooLong, "Your key is too long", "MaxSizeAllowed", "1024", "Size", strconv.Itoa(len(key)))
	case !utf8.ValidString(key) || strings.ContainsRune(key, 0):
		return newError(codeInvalidArgument, "The object key must be valid UTF-8.", "ArgumentName", "key")
	}
	return nil
}

// checkVersionID refuses a version id iamd could not have issued, as S3
// refuses a malformed one.
func checkVersionID(id string) error {
	if id == NullVersion {
		return nil
	}
	if len(id) != versionIDLen {
		return newError(codeInvalidArgument, "Invalid version id specified", "ArgumentName", "versionId", "ArgumentValue", id)
	}
	for i := 0; i < len(id); i++ {
		if !strings.ContainsRune(versionAlphabet, rune(id[i])) {
			return newError(codeInvalidArgument, "Invalid version id specified", "ArgumentName", "versionId", "ArgumentValue", id)
		}
	}
	return nil
}

// Version ids are 32 characters, as S3's are, from a URL-safe alphabet.
const (
	versionIDLen    = 32
	versionAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"
)

// newVersionID returns a random version id (192 bits).
func newVersionID() string {
	var b [versionIDLen]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = versionAlphabet[int(b[i])%len(versionAlphabet)]
	}
	return string(b[:])
}

func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Millisecond) }
