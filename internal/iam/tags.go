package iam

import (
	"context"
	"encoding/base64"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"sort"
	"strings"

	"github.com/iamd/iamd/internal/awserr"
)

// Quota names as LimitExceeded messages spell them for tags.
const (
	quotaNameTagsPerUser      = "TagsPerUser"
	quotaNameTagsPerMFADevice = "TagsPerMFADevice"
)

// validateTags checks tags to add: no key may start with "aws:" (reserved
// for AWS) and no key may repeat, ignoring case when foldCase (users and
// roles) and exactly otherwise (MFA devices); at most MaxTagsPerResource.
func validateTags(tags []Tag, foldCase bool, quotaName string) error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return awserr.New(awserr.InvalidInput, "User-defined tag keys can't start with \"aws:\"; that prefix is reserved for AWS use.")
		}
		k := t.Key
		if foldCase {
			k = strings.ToLower(k)
		}
		if seen[k] {
			if foldCase {
				return awserr.New(awserr.InvalidInput, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
			}
			return awserr.New(awserr.InvalidInput, "Duplicate tag keys found.")
		}
		seen[k] = true
	}
	if len(tags) > MaxTagsPerResource {
		return limitExceeded(quotaName, MaxTagsPerResource)
	}
	return nil
}

// SortTags sorts tags by key, ignoring case when foldCase, as IAM lists
// them.
func SortTags(tags []Tag, foldCase bool) {
	sort.SliceStable(tags, func(i, j int) bool {
		a, b := tags[i].Key, tags[j].Key
		if foldCase {
			a, b = strings.ToLower(a), strings.ToLower(b)
		}
		return a < b
	})
}

// pageTags returns one page of tags sorted by key: those after the
// marker's key, at most maxItems, and the marker of the next page.
func pageTags(tags []Tag, marker string, maxItems int, foldCase bool) ([]Tag, string, error) {
	pg := page(marker, maxItems)
	key := func(t Tag) string {
		if foldCase {
			return strings.ToLower(t.Key)
		}
		return t.Key
	}
	after := ""
	if pg.Marker != "" {
		b, err := base64.RawURLEncoding.DecodeString(pg.Marker)
		if err != nil || len(b) == 0 {
			return nil, "", awserr.New(awserr.InvalidInput, "Invalid Marker.")
		}
		after = string(b)
	}
	sorted := append([]Tag(nil), tags...)
	SortTags(sorted, foldCase)
	out := []Tag{}
	for _, t := range sorted {
		if after != "" && key(t) <= after {
			continue
		}
		if len(out) == pg.MaxItems {
			return out, base64.RawURLEncoding.EncodeToString([]byte(key(out[len(out)-1]))), nil
		}
		out = append(out, t)
	}
	return out, "", nil
}

// TagUser adds tags to an IAM user, replacing the values of keys it has
// (keys ignore case).
func (s *Service) TagUser(ctx context.Context, p *authz.Principal, userName string, tags []Tag) error {
	u, err := s.authorizedUser(authz.WithRequestTags(ctx, tags), p, userName, "iam:TagUser")
	if err != nil {
		return err
	}
	if err := validateTags(tags, true, quotaNameTagsPerUser); err != nil {
		return err
	}
	switch err := s.store.TagUser(ctx, p.AccountID, u.ID, tags, MaxTagsPerResource); {
	case errors.Is(err, ErrLimit):
		return limitExceeded(quotaNameTagsPerUser, MaxTagsPerResource)
	case errors.Is(err, ErrNotFound):
		return notFoundUser(userName)
	case err != nil:
		return internal("tag user", err)
	}
	s.log.Info("user tagged", "account", p.AccountID, "user", u.Name, "keys", len(tags), "by", p.ARN())
	return nil
}

// UntagUser removes tags from an IAM user by key (ignoring case); keys it
// does not have are ignored.
func (s *Service) UntagUser(ctx context.Context, p *authz.Principal, userName string, keys []string) error {
	u, err := s.authorizedUser(authz.WithTagKeys(ctx, keys), p, userName, "iam:UntagUser")
	if err != nil {
		return err
	}
	switch err := s.store.UntagUser(ctx, p.AccountID, u.ID, keys); {
	case errors.Is(err, ErrNotFound):
		return notFoundUser(userName)
	case err != nil:
		return internal("untag user", err)
	}
	s.log.Info("user untagged", "account", p.AccountID, "user", u.Name, "keys", len(keys), "by", p.ARN())
	return nil
}

// ListUserTags lists an IAM user's tags by key.
func (s *Service) ListUserTags(ctx context.Context, p *authz.Principal, userName, marker string, maxItems int) ([]Tag, string, error) {
	u, err := s.authorizedUser(ctx, p, userName, "iam:ListUserTags")
	if err != nil {
		return nil, "", err
	}
	return pageTags(u.Tags, marker, maxItems, true)
}

// virtualDeviceTags checks that serial names a virtual device of the caller's
// account (tags exist only on those) and returns its tags.
func (s *Service) virtualDeviceTags(ctx context.Context, p *authz.Principal, serial string) ([]Tag, error) {
	tags, err := s.store.MFADeviceTags(ctx, p.AccountID, serial)
	if errors.Is(err, ErrNotFound) {
		return nil, awserr.New(awserr.NoSuchEntity, "VirtualMFADevice with serial number %s doesn't exist.", serial)
	}
	if err != nil {
		return nil, internal("device tags", err)
	}
	return tags, nil
}

// TagMFADevice adds tags to a virtual MFA device, replacing the values of
// keys it has (keys are case-sensitive for devices).
func (s *Service) TagMFADevice(ctx context.Context, p *authz.Principal, serial string, tags []Tag) error {
	if err := s.authorizeDevice(authz.WithRequestTags(ctx, tags), p, serial, "iam:TagMFADevice"); err != nil {
		return err
	}
	if err := validateTags(tags, false, quotaNameTagsPerMFADevice); err != nil {
		return err
	}
	switch err := s.store.TagMFADevice(ctx, p.AccountID, serial, tags, MaxTagsPerResource); {
	case errors.Is(err, ErrLimit):
		return limitExceeded(quotaNameTagsPerMFADevice, MaxTagsPerResource)
	case errors.Is(err, ErrNotFound):
		return awserr.New(awserr.NoSuchEntity, "VirtualMFADevice with serial number %s doesn't exist.", serial)
	case err != nil:
		return internal("tag device", err)
	}
	s.log.Info("MFA device tagged", "account", p.AccountID, "serial", serial, "keys", len(tags), "by", p.ARN())
	return nil
}

// UntagMFADevice removes tags from a virtual MFA device by key.
func (s *Service) UntagMFADevice(ctx context.Context, p *authz.Principal, serial string, keys []string) error {
	if err := s.authorizeDevice(authz.WithTagKeys(ctx, keys), p, serial, "iam:UntagMFADevice"); err != nil {
		return err
	}
	switch err := s.store.UntagMFADevice(ctx, p.AccountID, serial, keys); {
	case errors.Is(err, ErrNotFound):
		return awserr.New(awserr.NoSuchEntity, "VirtualMFADevice with serial number %s doesn't exist.", serial)
	case err != nil:
		return internal("untag device", err)
	}
	s.log.Info("MFA device untagged", "account", p.AccountID, "serial", serial, "keys", len(keys), "by", p.ARN())
	return nil
}

// ListMFADeviceTags lists a virtual MFA device's tags by key.
func (s *Service) ListMFADeviceTags(ctx context.Context, p *authz.Principal, serial, marker string, maxItems int) ([]Tag, string, error) {
	if err := s.authorizeDevice(ctx, p, serial, "iam:ListMFADeviceTags"); err != nil {
		return nil, "", err
	}
	tags, err := s.virtualDeviceTags(ctx, p, serial)
	if err != nil {
		return nil, "", err
	}
	return pageTags(tags, marker, maxItems, false)
}

// CreateTaggedVirtualMFADevice is CreateVirtualMFADevice with the Tags
// parameter: the tags are checked before the device is made, and need
// iam:TagMFADevice too, as on AWS. When storing the tags fails the device
// is deleted again, so nothing is left half made.
func (s *Service) CreateTaggedVirtualMFADevice(ctx context.Context, p *authz.Principal, path, name string, tags []Tag) (*NewVirtualMFADevice, []Tag, error) {
	if len(tags) == 0 {
		d, err := s.CreateVirtualMFADevice(ctx, p, path, name)
		return d, nil, err
	}
	if path == "" {
		path = "/"
	}
	serial := VirtualSerial(p.AccountID, path, name)
	// Both iam:TagMFADevice here and iam:CreateVirtualMFADevice in
	// createVirtualMFADevice see the tags as aws:RequestTag and aws:TagKeys.
	ctx = authz.WithRequestTags(ctx, tags)
	if err := s.authz.Authorize(ctx, p, "iam:TagMFADevice", serial); err != nil {
		return nil, nil, err
	}
	if err := validateTags(tags, false, quotaNameTagsPerMFADevice); err != nil {
		return nil, nil, err
	}
	stored := append([]Tag(nil), tags...)
	SortTags(stored, false)
	d, err := s.createVirtualMFADevice(ctx, p, path, name, stored)
	if err != nil {
		return nil, nil, err
	}
	return d, tags, nil
}
