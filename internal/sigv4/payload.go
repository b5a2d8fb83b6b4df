package sigv4

// Options are what a service accepts of a request's payload beyond a body
// whose SHA-256 is signed. Their zero value is IAM's and STS's rule.
type Options struct {
	// UnsignedPayload accepts X-Amz-Content-Sha256: UNSIGNED-PAYLOAD with a
	// body. Only services whose operation and parameters are in the signed
	// URL and headers, not the body (S3), may set it; for Query and JSON
	// APIs a captured request could be replayed with another body.
	UnsignedPayload bool
}

// SetPayload gives a parsed request the hash of the body the server will
// act on and the service's payload options. A gateway parses the request
// first (to learn the service from the credential scope without reading
// the body), reads the body as that service's route says, and then calls
// SetPayload before Verify.
func (s *Signed) SetPayload(payloadHash string, o Options) {
	s.req.PayloadHash = payloadHash
	s.opts = o
}
