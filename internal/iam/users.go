package iam

import (
	"context"
	"errors"
	"github.com/iamd/iamd/internal/authz"

	"github.com/iamd/iamd/internal/awserr"
)

func (s *Service) userARN(p *authz.Principal, path, name string) string {
	return "arn:aws:iam::" + p.AccountID + ":user" + path + name
}

// CreateUser creates an IAM user, with tags if any are given (which needs
// iam:TagUser too, as on AWS).
func (s *Service) CreateUser(ctx context.Context, p *authz.Principal, path, name string, tags ...Tag) (*User, error) {
	if path == "" {
		path = "/"
	}
	ctx = authz.WithRequestTags(ctx, tags)
	if err := s.authz.Authorize(ctx, p, "iam:CreateUser", s.userARN(p, path, name)); err != nil {
		return nil, err
	}
	if len(tags) > 0 {
		if err := s.authz.Authorize(ctx, p, "iam:TagUser", s.userARN(p, path, name)); err != nil {
			return nil, err
		}
		if err := validateTags(tags, true, quotaNameTagsPerUser); err != nil {
			return nil, err
		}
	}
	max, err := s.quota(ctx, p.AccountID, QuotaUsers)
	if err != nil {
		return nil, err
	}
	id, err := NewID(s.rand, "AIDA", 17)
	if err != nil {
		return nil, internal("new id", err)
	}
	u := &User{AccountID: p.AccountID, ID: id, Name: name, Path: path, CreatedAt: s.clock.Now().UTC().Truncate(1e9), Tags: tags}
	switch err := s.store.CreateUser(ctx, u, max); {
	case errors.Is(err, ErrExists):
		return nil, awserr.New(awserr.EntityAlreadyExists, "User with name %s already exists.", name)
	case errors.Is(err, ErrLimit):
		return nil, limitExceeded("UsersPerAccount", max)
	case err != nil:
		return nil, internal("create user", err)
	}
	s.log.Info("user created", "account", p.AccountID, "user", name, "by", p.ARN())
	return u, nil
}

// GetUser returns the named user, or the caller when name is empty.
func (s *Service) GetUser(ctx context.Context, p *authz.Principal, name string) (*User, error) {
	u, err := s.authorizedUser(ctx, p, name, "iam:GetUser")
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ListUsers lists IAM users under a path prefix.
func (s *Service) ListUsers(ctx context.Context, p *authz.Principal, pathPrefix, marker string, maxItems int) ([]User, string, error) {
	if err := s.authz.Authorize(ctx, p, "iam:ListUsers", "*"); err != nil {
		return nil, "", err
	}
	users, next, err := s.store.ListUsers(ctx, p.AccountID, pathPrefix, page(marker, maxItems))
	if err != nil {
		return nil, "", markerError(err)
	}
	return users, next, nil
}

// DeleteUser deletes an IAM user that has no password, keys or devices.
func (s *Service) DeleteUser(ctx context.Context, p *authz.Principal, name string) error {
	u, err := s.authorizedUser(ctx, p, name, "iam:DeleteUser")
	if err != nil {
		return err
	}
	err = s.store.DeleteUser(ctx, p.AccountID, u.ID)
	var conflict *ConflictError
	switch {
	case errors.As(err, &conflict):
		return deleteConflict(conflict)
	case errors.Is(err, ErrNotFound):
		return notFoundUser(name)
	case err != nil:
		return internal("delete user", err)
	}
	s.log.Info("user deleted", "account", p.AccountID, "user", u.Name, "by", p.ARN())
	return nil
}

// UpdateUser renames and/or moves an IAM user; an empty newName or newPath
// keeps the current one. The caller needs iam:UpdateUser on the user as it
// is and as it will be. Keys, devices, policies and groups follow the
// user's id, so they stay with it.
func (s *Service) UpdateUser(ctx context.Context, p *authz.Principal, name, newName, newPath string) error {
	u, err := s.authorizedUser(ctx, p, name, "iam:UpdateUser")
	if err != nil {
		return err
	}
	if newName == "" {
		newName = u.Name
	}
	if newPath == "" {
		newPath = u.Path
	}
	if newName == u.Name && newPath == u.Path {
		return nil
	}
	if err := s.authz.Authorize(ctx, p, "iam:UpdateUser", s.userARN(p, newPath, newName)); err != nil {
		return err
	}
	switch err := s.store.UpdateUser(ctx, p.AccountID, u.ID, newName, newPath); {
	case errors.Is(err, ErrExists):
		return awserr.New(awserr.EntityAlreadyExists, "User with name %s already exists.", newName)
	case errors.Is(err, ErrNotFound):
		return notFoundUser(name)
	case err != nil:
		return internal("update user", err)
	}
	s.log.Info("user updated", "account", p.AccountID, "user", u.Name, "name", newName, "path", newPath, "by", p.ARN())
	return nil
}
