package gotestmain_test

import (
	"os"
	"strings"
	"testing"
)

// TestTheDocShowsThisExample: docs/testing-with-iamd.md shows main_test.go
// as it is, so the page's example is the one that runs.
func TestTheDocShowsThisExample(t *testing.T) {
	doc, err := os.ReadFile("../../testing-with-iamd.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main_test.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "```go\n"+string(src)+"```\n") {
		t.Error("docs/testing-with-iamd.md does not show docs/examples/gotestmain/main_test.go as it is: copy it into the go block")
	}
}
