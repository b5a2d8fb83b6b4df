package awsquery

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestServiceMetadata(t *testing.T) {
	type meta struct{ Name, Version, Namespace string }
	tests := []struct {
		svc  *Service
		want meta
	}{
		{IAM(), meta{"iam", "2010-05-08", "https://iam.amazonaws.com/doc/2010-05-08/"}},
		{STS(), meta{"sts", "2011-06-15", "https://sts.amazonaws.com/doc/2011-06-15/"}},
	}
	for _, tt := range tests {
		got := meta{tt.svc.Name(), tt.svc.Version(), tt.svc.Namespace()}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s metadata mismatch (-want +got):\n%s", tt.want.Name, diff)
		}
	}
}

// TestModelIntegrity checks the generated tables hang together: every
// reference points at a shape of the right kind, and the operations the
// rest of iamd serves are there with their result wrappers.
func TestModelIntegrity(t *testing.T) {
	for _, s := range []*Service{IAM(), STS()} {
		m := s.m
		ref := func(where string, i int) {
			if i < 0 || i >= len(m.shapes) {
				t.Errorf("%s %s: shape reference %d out of range", m.name, where, i)
			}
		}
		for _, op := range m.operations {
			if op.input >= 0 {
				ref(op.name, op.input)
				if k := m.shapes[op.input].kind; k != kindStructure {
					t.Errorf("%s %s: input kind %d, want a structure", m.name, op.name, k)
				}
			}
		}
		for _, sh := range m.shapes {
			switch sh.kind {
			case kindList:
				ref(sh.name, sh.member)
			case kindMap:
				ref(sh.name, sh.key)
				ref(sh.name, sh.member)
			case kindStructure:
				for _, mb := range sh.members {
					ref(sh.name+"."+mb.name, mb.shape)
				}
			}
		}
	}
	want := map[string]string{
		"iam/EnableMFADevice":        "",
		"iam/CreateVirtualMFADevice": "CreateVirtualMFADeviceResult",
		"iam/ListVirtualMFADevices":  "ListVirtualMFADevicesResult",
		"iam/GetAccountSummary":      "GetAccountSummaryResult",
		"sts/GetSessionToken":        "GetSessionTokenResult",
		"sts/GetCallerIdentity":      "GetCallerIdentityResult",
	}
	for key, result := range want {
		svcName, opName, _ := strings.Cut(key, "/")
		s := IAM()
		if svcName == "sts" {
			s = STS()
		}
		op, ok := s.operation(opName)
		if !ok {
			t.Errorf("%s: operation missing", key)
			continue
		}
		if op.result != result {
			t.Errorf("%s: result wrapper %q, want %q", key, op.result, result)
		}
	}
}

// TestModelPatternsCompile keeps every botocore pattern of the committed
// model within what goPattern and lookaheadRewrite can translate; a new
// construct in a future model fails here rather than going unchecked.
func TestModelPatternsCompile(t *testing.T) {
	for _, s := range []*Service{IAM(), STS()} {
		for _, sh := range s.m.shapes {
			if sh.pattern == "" {
				continue
			}
			if _, err := compilePattern(sh.pattern); err != nil {
				t.Errorf("%s shape %s: compilePattern(%q) = %v", s.Name(), sh.name, sh.pattern, err)
			}
		}
		for i, m := range s.compiled() {
			if (m != nil) != (s.m.shapes[i].pattern != "") {
				t.Errorf("%s shape %s: matcher present = %v, pattern %q", s.Name(), s.m.shapes[i].name, m != nil, s.m.shapes[i].pattern)
			}
		}
	}
}

// TestGeneratedModelMatchesBotocore regenerates zz_model.go from the local
// botocore and compares, so a botocore update that changes the model is
// noticed. It needs python3 with botocore and the go command, and runs only
// when IAMD_TEST_BOTOCORE=1; under CI=true a missing botocore then fails.
func TestGeneratedModelMatchesBotocore(t *testing.T) {
	if os.Getenv("IAMD_TEST_BOTOCORE") != "1" {
		t.Skip("set IAMD_TEST_BOTOCORE=1 to compare zz_model.go with the local botocore")
	}
	missing := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		missing("python3 with botocore is not available: %v", err)
	}
	botocore := strings.TrimSpace(string(out))
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		if goCmd, err = exec.LookPath("go"); err != nil {
			missing("the go command is not available: %v", err)
		}
	}
	regenerated := filepath.Join(t.TempDir(), "zz_model.go")
	cmd := exec.Command(goCmd, "run", "./internal/genmodel", "-botocore", botocore, "-out", regenerated)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./internal/genmodel: %v\n%s", err, b)
	}
	want, err := os.ReadFile(regenerated)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("zz_model.go")
	if err != nil {
		t.Fatal(err)
	}
	// The Source line names the botocore release; a release that leaves the
	// IAM and STS models alone is no mismatch.
	if diff := cmp.Diff(withoutSource(want), withoutSource(got)); diff != "" {
		t.Errorf("zz_model.go differs from botocore at %s; run go generate ./internal/awsquery (-botocore +committed):\n%s", botocore, diff)
	}
}

func withoutSource(src []byte) []string {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "// Source: botocore ") {
			lines = append(lines, sc.Text())
		}
	}
	return lines
}
