package s3

import (
	"context"
	"errors"
)

// CreateBucket creates a bucket owned by the caller's account, in region
// (the signing region when the request names none).
func (s *Service) CreateBucket(ctx context.Context, r Request, name, region string) (*Bucket, error) {
	if err := s.authz.Authorize(ctx, r.Principal, "s3:CreateBucket", BucketARN(name)); err != nil {
		return nil, err
	}
	if !ValidBucketName(name) {
		return nil, newError(codeInvalidBucketName, "The specified bucket is not valid.", "BucketName", name)
	}
	if region == "" {
		region = s.cfg.Region
	}
	b := Bucket{Name: name, AccountID: r.Principal.AccountID, Region: region, CreatedAt: s.now()}
	err := s.store.CreateBucket(ctx, b)
	if errors.Is(err, ErrBucketExists) {
		other, ferr := s.store.Bucket(ctx, name)
		if ferr == nil && other.AccountID == r.Principal.AccountID {
			return nil, newError(codeBucketOwnedByYou,
				"Your previous request to create the named bucket succeeded and you already own it.", "BucketName", name)
		}
		return nil, newError(codeBucketExists,
			"The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
			"BucketName", name)
	}
	if err != nil {
		return nil, internal("create bucket", err)
	}
	return &b, nil
}

// HeadBucket tells whether the bucket exists and the caller may list it.
func (s *Service) HeadBucket(ctx context.Context, r Request, name string) (*Bucket, error) {
	return s.authorize(ctx, r, "s3:ListBucket", BucketARN(name), name)
}

// GetBucketLocation returns the bucket, for its region, to a caller that
// may s3:GetBucketLocation.
func (s *Service) GetBucketLocation(ctx context.Context, r Request, name string) (*Bucket, error) {
	return s.authorize(ctx, r, "s3:GetBucketLocation", BucketARN(name), name)
}

// ListBuckets lists the caller's account's buckets.
func (s *Service) ListBuckets(ctx context.Context, r Request) ([]Bucket, error) {
	if err := s.authz.Authorize(ctx, r.Principal, "s3:ListAllMyBuckets", "*"); err != nil {
		return nil, err
	}
	bs, err := s.store.Buckets(ctx, r.Principal.AccountID)
	if err != nil {
		return nil, internal("list buckets", err)
	}
	return bs, nil
}

// DeleteBucket deletes an empty bucket: one with no version and no delete
// marker left.
func (s *Service) DeleteBucket(ctx context.Context, r Request, name string) error {
	if _, err := s.authorize(ctx, r, "s3:DeleteBucket", BucketARN(name), name); err != nil {
		return err
	}
	err := s.store.DeleteBucket(ctx, name)
	switch {
	case errors.Is(err, ErrBucketNotEmpty):
		return newError(codeBucketNotEmpty,
			"The bucket you tried to delete is not empty. You must delete all versions in the bucket.", "BucketName", name)
	case errors.Is(err, ErrNoSuchBucket):
		return newError(codeNoSuchBucket, msgNoSuchBucket, "BucketName", name)
	case err != nil:
		return internal("delete bucket", err)
	}
	return nil
}

// GetBucketVersioning returns the bucket's versioning and MFA Delete
// states ("" for one never set).
func (s *Service) GetBucketVersioning(ctx context.Context, r Request, name string) (*Bucket, error) {
	return s.authorize(ctx, r, "s3:GetBucketVersioning", BucketARN(name), name)
}

// VersioningConfiguration is PutBucketVersioning's input: each field ""
// when the request leaves it out.
type VersioningConfiguration struct {
	Status    string
	MFADelete string
}

// PutBucketVersioning sets a bucket's versioning state and, for the
// bucket owner's root user with a code from its own device in x-amz-mfa,
// its MFA Delete state. Once MFA Delete is Enabled, any change of the
// versioning configuration needs that code too.
func (s *Service) PutBucketVersioning(ctx context.Context, r Request, name string, c VersioningConfiguration) error {
	b, err := s.authorize(ctx, r, "s3:PutBucketVersioning", BucketARN(name), name)
	if err != nil {
		return err
	}
	switch c.Status {
	case "", VersioningEnabled, VersioningSuspended:
	default:
		return newError(codeMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
	}
	switch c.MFADelete {
	case "", MFADeleteEnabled, MFADeleteDisabled:
	default:
		return newError(codeMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
	}
	status := c.Status
	if status == "" {
		status = b.Versioning
	}
	mfaDelete := c.MFADelete
	if mfaDelete == "" {
		mfaDelete = b.MFADelete
	}
	if status == "" && mfaDelete != "" {
		return newError(codeIllegalVersioning, "The Versioning element must be specified")
	}
	// Setting MfaDelete at all, either way, is the owner's root's act with
	// its code; so is any change once it is Enabled.
	required := c.MFADelete != "" || b.MFADelete == MFADeleteEnabled
	if err := s.checkMFA(ctx, r, required); err != nil {
		return err
	}
	// The write is conditional on the states read above, on which the
	// MFA rule was decided: a request that read MfaDelete unset must not
	// land after root's enabling it and write it back unset.
	err = s.store.SetVersioningFrom(ctx, name, b.Versioning, b.MFADelete, status, mfaDelete)
	switch {
	case errors.Is(err, ErrVersioningChanged):
		return newError("OperationAborted", "A conflicting conditional operation is currently in progress against this resource. Please try again.")
	case errors.Is(err, ErrNoSuchBucket):
		return newError(codeNoSuchBucket, msgNoSuchBucket, "BucketName", name)
	case err != nil:
		return internal("set versioning", err)
	}
	s.log.Info("bucket versioning set", "bucket", name, "status", status, "mfa_delete", mfaDelete,
		"principal", r.Principal.ARN())
	return nil
}
