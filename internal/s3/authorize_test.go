package s3

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/iamd/iamd/internal/authz"
)

// TestRequestAuthorizerCopiesDecider: requestAuthorizer builds a Decider
// from the configured one's Source and Clock. A field added to Decider
// (another policy source, a boundary) must be copied there too, or
// DeleteObjects would decide without it: this test names the fields it
// knows.
func TestRequestAuthorizerCopiesDecider(t *testing.T) {
	var got []string
	ty := reflect.TypeOf(authz.Decider{})
	for i := range ty.NumField() {
		got = append(got, ty.Field(i).Name)
	}
	want := []string{"Source", "Clock", "mu", "parsed"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("authz.Decider's fields are %v, want %v: copy the new configuration in requestAuthorizer, then update this test", got, want)
	}
}

type countingSource struct{ user, role, managed int }

func (c *countingSource) UserPolicies(context.Context, string, string) ([]authz.Document, error) {
	c.user++
	return []authz.Document{{ID: "p", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::b/allowed/*"}]}`}}, nil
}

func (c *countingSource) RolePolicies(context.Context, string, string) ([]authz.Document, error) {
	c.role++
	return nil, errors.New("boom")
}

func (c *countingSource) ManagedPolicies(context.Context, string, []string) ([]authz.Document, error) {
	c.managed++
	return nil, nil
}

// TestRequestAuthorizerReadsOnce: many decisions of one request read the
// principal's policies once, and decide as the decider does.
func TestRequestAuthorizerReadsOnce(t *testing.T) {
	src := &countingSource{}
	s := &Service{authz: &authz.Decider{Source: src}}
	az := s.requestAuthorizer()
	p := &authz.Principal{AccountID: "123456789012", User: &authz.Identity{AccountID: "123456789012", ID: "AIDA1", Name: "u", Path: "/"}}
	for i := range 50 {
		err := az.Authorize(context.Background(), p, "s3:DeleteObject", "arn:aws:s3:::b/allowed/k")
		if err != nil {
			t.Fatalf("#%d allowed object: %v", i, err)
		}
		if err := az.Authorize(context.Background(), p, "s3:DeleteObject", "arn:aws:s3:::b/other/k"); err == nil {
			t.Fatalf("#%d object outside the policy allowed", i)
		}
	}
	if src.user != 1 {
		t.Errorf("UserPolicies read %d times for one request, want 1", src.user)
	}
	// A fresh request reads afresh: a policy change applies at once.
	s.requestAuthorizer().Authorize(context.Background(), p, "s3:DeleteObject", "arn:aws:s3:::b/allowed/k")
	if src.user != 2 {
		t.Errorf("UserPolicies read %d times after a second request, want 2", src.user)
	}
}
