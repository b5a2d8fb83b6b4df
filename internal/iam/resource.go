package iam

import (
	"context"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"strings"

	"github.com/iamd/iamd/internal/awserr"
)

// Authorising an action on a named user, role or group happens here and
// nowhere else, in one order: find the entity, authorise the action on its
// ARN with its tags (aws:ResourceTag/*, iam:ResourceTag/*) and whatever
// request keys ctx carries, and only then say whether it exists. A missing
// entity is authorised on the ARN the request names (path "/", no tags), so
// a caller without permission gets AccessDenied whether or not the entity
// exists, worded the same, and learns nothing about what is there.

// authorizedUser resolves the user an operation acts on — the named IAM
// user, or the caller when name is empty — and authorises action on it.
func (s *Service) authorizedUser(ctx context.Context, p *authz.Principal, name, action string) (*User, error) {
	if name == "" {
		if p.User == nil {
			return nil, awserr.New(awserr.ValidationError, "Must specify userName when calling with non-User credentials")
		}
		if err := s.authz.Authorize(authz.WithResourceTags(ctx, p.User.Tags), p, action, p.User.UserARN()); err != nil {
			return nil, err
		}
		u, err := s.store.UserByID(ctx, p.AccountID, p.User.ID)
		switch {
		case errors.Is(err, ErrNotFound):
			// Deleted since the request was authenticated.
			return nil, notFoundUser(p.User.Name)
		case err != nil:
			return nil, internal("find caller", err)
		}
		return u, nil
	}
	u, err := s.store.UserByName(ctx, p.AccountID, name)
	switch {
	case errors.Is(err, ErrNotFound):
		if err := s.authz.Authorize(ctx, p, action, userARN(p.AccountID, name)); err != nil {
			return nil, err
		}
		return nil, notFoundUser(name)
	case err != nil:
		return nil, internal("find user", err)
	}
	err = s.authz.Authorize(authz.WithResourceTags(ctx, u.Tags), p, action, u.ARN())
	return u, sameRefusal(err, u.ARN(), userARN(p.AccountID, name))
}

// authorizedRole resolves a role of the caller's account by name and
// authorises action on it.
func (s *Service) authorizedRole(ctx context.Context, p *authz.Principal, name, action string) (*Role, error) {
	r, err := s.store.RoleByName(ctx, p.AccountID, name)
	switch {
	case errors.Is(err, ErrNotFound):
		if err := s.authz.Authorize(ctx, p, action, RoleARN(p.AccountID, "/", name)); err != nil {
			return nil, err
		}
		return nil, noSuchRole(name)
	case err != nil:
		return nil, internal("find role", err)
	}
	err = s.authz.Authorize(authz.WithResourceTags(ctx, r.Tags), p, action, r.ARN())
	return r, sameRefusal(err, r.ARN(), RoleARN(p.AccountID, "/", name))
}

// group resolves a group of the caller's account and authorises action on
// it. Groups have no tags.
func (s *Service) group(ctx context.Context, p *authz.Principal, name, action string) (*Group, error) {
	g, err := s.store.GroupByName(ctx, p.AccountID, name)
	switch {
	case errors.Is(err, ErrNotFound):
		if err := s.authz.Authorize(ctx, p, action, GroupARN(p.AccountID, "/", name)); err != nil {
			return nil, err
		}
		return nil, errNoGroupNamed(name)
	case err != nil:
		return nil, internal("find group", err)
	}
	err = s.authz.Authorize(ctx, p, action, g.ARN())
	return g, sameRefusal(err, g.ARN(), GroupARN(p.AccountID, "/", name))
}

func userARN(accountID, name string) string { return "arn:aws:iam::" + accountID + ":user/" + name }

// sameRefusal words a refusal on an existing entity with the ARN the
// request named, so that its path (or the stored spelling of its name)
// does not tell a refused caller that the entity exists.
func sameRefusal(err error, actual, named string) error {
	var ae *awserr.Error
	if err == nil || actual == named || !errors.As(err, &ae) || ae.Code != awserr.AccessDenied {
		return err
	}
	return &awserr.Error{Code: ae.Code, Message: strings.Replace(ae.Message, " on resource: "+actual+" ", " on resource: "+named+" ", 1)}
}

// authorizeDevice authorises action on a virtual MFA device by its serial
// (the device's ARN) with the device's tags; a device that does not exist
// (or is a hardware token, which has none) is authorised without tags, so
// a refusal reads the same either way.
func (s *Service) authorizeDevice(ctx context.Context, p *authz.Principal, serial, action string) error {
	tags, err := s.store.MFADeviceTags(ctx, p.AccountID, serial)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return internal("device tags", err)
	}
	return s.authz.Authorize(authz.WithResourceTags(ctx, tags), p, action, serial)
}
