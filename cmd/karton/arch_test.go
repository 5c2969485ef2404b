package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestImportArrows keeps the arrows of docs/architecture.md true: domain does
// no I/O; workflows touch the world only through activities; the
// production commands do not link the embedded Temporal server.
func TestImportArrows(t *testing.T) {
	const mod = "github.com/karton-social/karton/"
	rules := []struct {
		pkg     string
		allowed func(imp string) bool
	}{
		{"domain/...", func(imp string) bool {
			std := !strings.Contains(strings.Split(imp, "/")[0], ".")
			return (std && !forbiddenStd(imp)) || imp == "github.com/shopspring/decimal" ||
				imp == "gopkg.in/yaml.v3" || strings.HasPrefix(imp, mod+"domain") || // yaml: parsing the embedded parameter and procedure files
				strings.HasPrefix(imp, "github.com/santhosh-tekuri/jsonschema/v6") || strings.HasPrefix(imp, "golang.org/x/text/") // the procedures' forms are JSON Schema
		}},
		{"workflows", func(imp string) bool {
			for _, bad := range []string{mod + "store", mod + "interop", "github.com/jackc/", "github.com/minio/", "net/http", "net", "os", "math/rand", "math/rand/v2", "crypto/rand", "database/sql"} {
				if imp == bad || strings.HasPrefix(imp, bad+"/") {
					return false
				}
			}
			return true
		}},
		{"store", func(imp string) bool { // the domain and its packages (the benefits' catalogue, the statistics' queries); jsonappend
			return !strings.HasPrefix(imp, mod) || imp == mod+"domain" || strings.HasPrefix(imp, mod+"domain/") || imp == mod+"jsonappend"
		}},
		{"jsonappend", func(imp string) bool { // JSON written by hand: the standard library without I/O
			std := !strings.Contains(strings.Split(imp, "/")[0], ".")
			return std && !forbiddenStd(imp)
		}},
		{"codec", func(imp string) bool { // the payload codec: the SDK, its API types and their protobuf runtime only
			std := !strings.Contains(strings.Split(imp, "/")[0], ".")
			return std || strings.HasPrefix(imp, "go.temporal.io/sdk/") || strings.HasPrefix(imp, "go.temporal.io/api/") ||
				strings.HasPrefix(imp, "google.golang.org/protobuf/")
		}},
		{"interop/...", func(imp string) bool { // the domain and its packages (the exchanges' file formats), the other interop packages
			return !strings.HasPrefix(imp, mod) || imp == mod+"domain" || strings.HasPrefix(imp, mod+"domain/") || strings.HasPrefix(imp, mod+"interop")
		}},
	}
	for _, r := range rules {
		for pkg, imports := range goList(t, false, "../../"+r.pkg) {
			for _, imp := range imports {
				if !r.allowed(imp) {
					t.Errorf("%s imports %s, which docs/architecture.md forbids", pkg, imp)
				}
			}
		}
	}
	// The lean production build of the binary must not link the Temporal server.
	for pkg, deps := range goList(t, true, "-tags", "lean", ".") {
		for _, d := range deps {
			if strings.HasPrefix(d, "go.temporal.io/server") || d == mod+"devstack/system" {
				t.Errorf("%s built with -tags lean depends on %s", pkg, d)
			}
		}
	}
}

// forbiddenStd lists standard packages that do I/O.
func forbiddenStd(imp string) bool {
	for _, p := range []string{"os", "net", "net/http", "database/sql", "io/ioutil", "os/exec", "syscall"} {
		if imp == p || strings.HasPrefix(imp, p+"/") {
			return true
		}
	}
	return false
}

func goList(t *testing.T, deps bool, args ...string) map[string][]string {
	t.Helper()
	cmdArgs := append([]string{"list", "-json=ImportPath,Imports,Deps"}, args...)
	out, err := exec.Command("go", cmdArgs...).Output()
	if err != nil {
		t.Fatalf("go %v: %v", cmdArgs, err)
	}
	res := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath    string
			Imports, Deps []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if deps {
			res[p.ImportPath] = p.Deps
		} else {
			res[p.ImportPath] = p.Imports
		}
	}
	return res
}
