package api

import (
	"encoding/json"
	"io/fs"
	"path"
	"strings"
	"testing"
	"testing/fstest"
)

// TestOpenAPIPiecesAssemble checks the pieces of the OpenAPI document: they
// make one document, each path sits in the file of its area, and a path
// given twice or a piece that is not an object is refused by name.
func TestOpenAPIPiecesAssemble(t *testing.T) {
	var doc struct {
		OpenAPI string                     `json:"openapi"`
		Paths   map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatalf("the assembled document: %v", err)
	}
	if doc.OpenAPI == "" || len(doc.Paths) < 100 {
		t.Fatalf("the assembled document has openapi %q and %d paths", doc.OpenAPI, len(doc.Paths))
	}
	files, _ := fs.Glob(openAPIFiles, "openapi/paths/*.json")
	for _, f := range files {
		raw, _ := fs.ReadFile(openAPIFiles, f)
		var piece map[string]json.RawMessage
		if err := json.Unmarshal(raw, &piece); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for p := range piece {
			if want := areaOf(p) + ".json"; want != path.Base(f) {
				t.Errorf("%s is in %s; it belongs in openapi/paths/%s", p, path.Base(f), want)
			}
		}
	}

	base := `{"openapi":"3.1.0","info":{"title":"t","version":"1"}}`
	for name, tc := range map[string]struct {
		files fstest.MapFS
		want  string
	}{
		"twice": {fstest.MapFS{
			"openapi/document.json":   {Data: []byte(base)},
			"openapi/paths/a.json":    {Data: []byte(`{"/a":{}}`)},
			"openapi/paths/copy.json": {Data: []byte(`{"/a":{}}`)},
		}, "path /a is also in a.json"},
		"not an object": {fstest.MapFS{
			"openapi/document.json": {Data: []byte(base)},
			"openapi/paths/a.json":  {Data: []byte(`["/a"]`)},
		}, "a.json"},
		"paths in the document": {fstest.MapFS{
			"openapi/document.json": {Data: []byte(`{"openapi":"3.1.0","paths":{}}`)},
		}, "belong in openapi/paths/"},
	} {
		if _, err := assembleOpenAPI(tc.files); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error naming %q", name, err, tc.want)
		}
	}
}

// areaOf is the file a path's operations are kept in: the first segment
// after /api/v1/, or the first segment of a path outside it.
func areaOf(p string) string {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	seg := parts[0]
	if strings.HasPrefix(p, "/api/v1/") && len(parts) > 2 {
		seg = parts[2]
	}
	return strings.ReplaceAll(seg, ".", "-")
}
