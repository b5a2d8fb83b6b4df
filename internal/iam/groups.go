package iam

import (
	"context"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"time"

	"github.com/iamd/iamd/internal/awserr"
)

// Group is an IAM group.
type Group struct {
	AccountID string
	ID        string // AGPA…
	Name      string
	Path      string
	CreatedAt time.Time
}

// ARN returns the group's ARN.
func (g *Group) ARN() string { return GroupARN(g.AccountID, g.Path, g.Name) }

// GroupARN returns the ARN of a group.
func GroupARN(accountID, path, name string) string {
	return "arn:aws:iam::" + accountID + ":group" + path + name
}

// CreateGroup creates an IAM group.
func (s *Service) CreateGroup(ctx context.Context, p *authz.Principal, path, name string) (*Group, error) {
	if path == "" {
		path = "/"
	}
	if err := s.authz.Authorize(ctx, p, "iam:CreateGroup", GroupARN(p.AccountID, path, name)); err != nil {
		return nil, err
	}
	max, err := s.quota(ctx, p.AccountID, QuotaGroups)
	if err != nil {
		return nil, err
	}
	id, err := NewID(s.rand, "AGPA", 17)
	if err != nil {
		return nil, internal("new id", err)
	}
	g := &Group{AccountID: p.AccountID, ID: id, Name: name, Path: path, CreatedAt: s.policyNow()}
	switch err := s.store.CreateGroup(ctx, g, max); {
	case errors.Is(err, ErrExists):
		return nil, awserr.New(awserr.EntityAlreadyExists, "Group with name %s already exists.", name)
	case errors.Is(err, ErrLimit):
		return nil, limitExceeded("GroupsPerAccount", max)
	case err != nil:
		return nil, internal("create group", err)
	}
	s.log.Info("group created", "account", p.AccountID, "group", name, "by", p.ARN())
	return g, nil
}

// GetGroup returns a group and one page of its users.
func (s *Service) GetGroup(ctx context.Context, p *authz.Principal, name, marker string, maxItems int) (*Group, []User, string, error) {
	g, err := s.group(ctx, p, name, "iam:GetGroup")
	if err != nil {
		return nil, nil, "", err
	}
	users, next, err := s.store.GroupMembers(ctx, p.AccountID, g.ID, page(marker, maxItems))
	if err != nil {
		return nil, nil, "", pagedListError("group members", err)
	}
	return g, users, next, nil
}

// UpdateGroup renames and/or moves a group; an empty newName or newPath
// keeps the current one. The caller needs iam:UpdateGroup on the group
// under both its old and its new ARN.
func (s *Service) UpdateGroup(ctx context.Context, p *authz.Principal, name, newName, newPath string) error {
	g, err := s.group(ctx, p, name, "iam:UpdateGroup")
	if err != nil {
		return err
	}
	if newName == "" {
		newName = g.Name
	}
	if newPath == "" {
		newPath = g.Path
	}
	if newName != g.Name || newPath != g.Path {
		if err := s.authz.Authorize(ctx, p, "iam:UpdateGroup", GroupARN(p.AccountID, newPath, newName)); err != nil {
			return err
		}
	}
	switch err := s.store.UpdateGroup(ctx, p.AccountID, g.ID, newName, newPath); {
	case errors.Is(err, ErrExists):
		return awserr.New(awserr.EntityAlreadyExists, "Group with name %s already exists.", newName)
	case errors.Is(err, ErrNotFound):
		return errNoGroupNamed(name)
	case err != nil:
		return internal("update group", err)
	}
	s.log.Info("group updated", "account", p.AccountID, "group", g.Name, "name", newName, "path", newPath, "by", p.ARN())
	return nil
}

// DeleteGroup deletes a group without members and policies.
func (s *Service) DeleteGroup(ctx context.Context, p *authz.Principal, name string) error {
	g, err := s.group(ctx, p, name, "iam:DeleteGroup")
	if err != nil {
		return err
	}
	err = s.store.DeleteGroup(ctx, p.AccountID, g.ID)
	var conflict *ConflictError
	switch {
	case errors.As(err, &conflict):
		return deleteConflict(conflict)
	case errors.Is(err, ErrNotFound):
		return errNoGroupNamed(name)
	case err != nil:
		return internal("delete group", err)
	}
	s.log.Info("group deleted", "account", p.AccountID, "group", g.Name, "by", p.ARN())
	return nil
}

// ListGroups lists groups under a path prefix.
func (s *Service) ListGroups(ctx context.Context, p *authz.Principal, pathPrefix, marker string, maxItems int) ([]Group, string, error) {
	if err := s.authz.Authorize(ctx, p, "iam:ListGroups", "*"); err != nil {
		return nil, "", err
	}
	groups, next, err := s.store.ListGroups(ctx, p.AccountID, pathPrefix, page(marker, maxItems))
	if err != nil {
		return nil, "", pagedListError("list groups", err)
	}
	return groups, next, nil
}

// member resolves the group (authorising action on it) and the user of a
// membership operation.
func (s *Service) member(ctx context.Context, p *authz.Principal, groupName, userName, action string) (*Group, *User, error) {
	g, err := s.group(ctx, p, groupName, action)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.store.UserByName(ctx, p.AccountID, userName)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, notFoundUser(userName)
	}
	if err != nil {
		return nil, nil, internal("find user", err)
	}
	return g, u, nil
}

// AddUserToGroup adds a user to a group; adding a member again succeeds.
func (s *Service) AddUserToGroup(ctx context.Context, p *authz.Principal, groupName, userName string) error {
	g, u, err := s.member(ctx, p, groupName, userName, "iam:AddUserToGroup")
	if err != nil {
		return err
	}
	max, err := s.quota(ctx, p.AccountID, QuotaGroupsPerUser)
	if err != nil {
		return err
	}
	switch err := s.store.AddUserToGroup(ctx, p.AccountID, g.ID, u.ID, max); {
	case errors.Is(err, ErrLimit):
		return limitExceeded("GroupsPerUser", max)
	case errors.Is(err, ErrNotFound):
		return errNoGroupNamed(groupName)
	case err != nil:
		return internal("add user to group", err)
	}
	s.log.Info("user added to group", "account", p.AccountID, "group", g.Name, "user", u.Name, "by", p.ARN())
	return nil
}

// RemoveUserFromGroup removes a member from a group.
func (s *Service) RemoveUserFromGroup(ctx context.Context, p *authz.Principal, groupName, userName string) error {
	g, u, err := s.member(ctx, p, groupName, userName, "iam:RemoveUserFromGroup")
	if err != nil {
		return err
	}
	switch err := s.store.RemoveUserFromGroup(ctx, p.AccountID, g.ID, u.ID); {
	case errors.Is(err, ErrNotFound):
		return awserr.New(awserr.NoSuchEntity, "User %s not in group %s", u.Name, g.Name)
	case err != nil:
		return internal("remove user from group", err)
	}
	s.log.Info("user removed from group", "account", p.AccountID, "group", g.Name, "user", u.Name, "by", p.ARN())
	return nil
}

// ListGroupsForUser lists the groups a user is in.
func (s *Service) ListGroupsForUser(ctx context.Context, p *authz.Principal, userName, marker string, maxItems int) ([]Group, string, error) {
	u, err := s.authorizedUser(ctx, p, userName, "iam:ListGroupsForUser")
	if err != nil {
		return nil, "", err
	}
	groups, next, err := s.store.GroupsForUser(ctx, p.AccountID, u.ID, page(marker, maxItems))
	if err != nil {
		return nil, "", pagedListError("groups for user", err)
	}
	return groups, next, nil
}
