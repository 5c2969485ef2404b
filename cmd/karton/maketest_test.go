package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestMakeTestRunsEveryPackage: every package with tests is named by a
// pattern of `make test`'s go test lines, so a new package's tests cannot
// be left out of the test command (codec, policies and web once were).
func TestMakeTestRunsEveryPackage(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	patterns := regexp.MustCompile(`\./[A-Za-z0-9_/]*(\.\.\.)?`).FindAllString(testLines(string(mk)), -1)
	if len(patterns) == 0 {
		t.Fatal("no package patterns found in the Makefile's go test lines")
	}
	out, err := exec.Command("go", "list", "-json=ImportPath,Dir,TestGoFiles,XTestGoFiles", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/karton-social/karton"
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath                string
			TestGoFiles, XTestGoFiles []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if len(p.TestGoFiles)+len(p.XTestGoFiles) == 0 {
			continue
		}
		rel := "." + strings.TrimPrefix(p.ImportPath, mod)
		covered := false
		for _, pat := range patterns {
			base, all := strings.CutSuffix(pat, "...")
			base = strings.TrimSuffix(base, "/")
			covered = covered || rel == base || (all && strings.HasPrefix(rel+"/", base+"/"))
		}
		if !covered {
			t.Errorf("%s has tests but no go test line of make test names it (Makefile: RACE_PKGS or the second go test line)", rel)
		}
	}
}

// testLines is the RACE_PKGS definition and the go test lines of the test
// target.
func testLines(mk string) string {
	var b strings.Builder
	for _, l := range strings.Split(mk, "\n") {
		if strings.HasPrefix(l, "RACE_PKGS") || strings.Contains(l, "$(GO) test -count=1 ./") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
