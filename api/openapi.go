package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
)

// The OpenAPI document is kept in pieces, so that no file grows past what a
// reviewer reads (and the repository's 1 MiB limit): api/openapi/document.json
// holds everything but the paths, and api/openapi/paths/<area>.json the paths
// of one area, by the path's first segment after /api/v1/ (the routes under
// /api/v1/providers are in paths/providers.json). They are put together once,
// at start.
//
//go:embed openapi/document.json openapi/paths/*.json
var openAPIFiles embed.FS

var openAPI = mustAssembleOpenAPI(openAPIFiles)

// OpenAPI is the API's OpenAPI 3.1 document.
func OpenAPI() []byte { return openAPI }

func serveOpenAPI(c *gin.Context) { c.Data(http.StatusOK, "application/json", openAPI) }

func mustAssembleOpenAPI(fsys fs.FS) []byte {
	doc, err := assembleOpenAPI(fsys)
	if err != nil {
		// The files are embedded at build time; TestOpenAPIPiecesAssemble
		// catches a broken piece before a build is shipped.
		panic("api/openapi: " + err.Error())
	}
	return doc
}

// assembleOpenAPI reads document.json and adds the paths of every file under
// paths/, refusing a path given twice or a piece that is not a JSON object.
func assembleOpenAPI(fsys fs.FS) ([]byte, error) {
	raw, err := fs.ReadFile(fsys, "openapi/document.json")
	if err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("document.json: %w", err)
	}
	if _, ok := doc["paths"]; ok {
		return nil, fmt.Errorf("document.json: the paths belong in openapi/paths/, not in document.json")
	}
	files, err := fs.Glob(fsys, "openapi/paths/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	paths := map[string]json.RawMessage{}
	from := map[string]string{}
	for _, f := range files {
		raw, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var piece map[string]json.RawMessage
		if err := json.Unmarshal(raw, &piece); err != nil {
			return nil, fmt.Errorf("%s: %w", path.Base(f), err)
		}
		for p, item := range piece {
			if !strings.HasPrefix(p, "/") {
				return nil, fmt.Errorf("%s: %q is not a path", path.Base(f), p)
			}
			if other, ok := from[p]; ok {
				return nil, fmt.Errorf("%s: path %s is also in %s", path.Base(f), p, other)
			}
			paths[p], from[p] = item, path.Base(f)
		}
	}
	doc["paths"], err = json.Marshal(paths)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(doc, "", "  ")
}
