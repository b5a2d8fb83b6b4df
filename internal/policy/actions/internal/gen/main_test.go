package main

import (
	"os"
	"testing"
)

// TestGeneratedUpToDate fails when zz_actions.go no longer matches the data,
// which means someone edited one without running go generate.
func TestGeneratedUpToDate(t *testing.T) {
	want, err := generate("data")
	if err != nil {
		t.Fatalf("generate(data) error = %v", err)
	}
	got, err := os.ReadFile("../../zz_actions.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("zz_actions.go is stale: run go generate ./internal/policy/actions")
	}
}

func TestGenerateRejectsUnknownResourceType(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"actions/iam.json":       `{"x":{"name":"X","accessLevel":"Read","resourceTypes":[{"name":"nope","required":true}],"conditionKeys":[]}}`,
		"resourceTypes/iam.json": `{}`,
		"conditionKeys/iam.json": `{}`,
		"actions/sts.json":       `{}`,
		"resourceTypes/sts.json": `{}`,
		"conditionKeys/sts.json": `{}`,
	}
	for name, body := range files {
		if err := os.MkdirAll(dir+"/"+name[:len(name)-len("/iam.json")], 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir+"/"+name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := generate(dir); err == nil {
		t.Errorf("generate(unknown resource type) error = nil, want an error")
	}
}
