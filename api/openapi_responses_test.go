package api_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"mime"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/karton-social/karton/api"
)

// Every answer a test gets from newServerFor's server is checked against
// the OpenAPI document (api/openapi/, assembled by api.OpenAPI) on its way out: its status must
// be declared for the operation, and a JSON body must match the schema
// declared for that status: required properties present, types and enums
// right, no property the schema closes out (additionalProperties: false).
// A mismatch fails the test that made the request. After a full run of the
// package, TestMain checks that every operation had a success answer
// checked somewhere (checkResponseCoverage), but for the known gaps listed
// in uncheckedOperations.

// uncheckedOperations are the operations no test of this package answers
// with success, with why. The list is kept true both ways: an operation
// that gets checked must leave it.
var uncheckedOperations = map[string]string{
	"GET /healthz":                                   "served outside Routes(), not through newServerFor's tests",
	"GET /readyz":                                    "served outside Routes(), not through newServerFor's tests",
	"GET /metrics":                                   "served outside Routes(); text, not JSON",
	"GET /api/v1/openapi.json":                       "the document itself; TestEveryRouteIsInTheOpenAPIDocument reads it through api.OpenAPI",
	"GET /api/v1/schemas/{name}":                     "no test fetches a published schema",
	"POST /dev/token":                                "the tests sign their tokens with the issuer directly",
	"POST /api/v1/placements/{id}/transfer":          "TestPlacementsOverHTTP walks its placement to a discharge; a transfer is TestPlacementTransfer (workflow) and TestPlacementSteps (store)",
	"GET /api/v1/procedures/{code}":                  "no test reads one procedure's definition",
	"GET /api/v1/decisions/{id}/document":            "a PDF: the tests have no object store",
	"GET /api/v1/case-decisions/{id}/document":       "a PDF: the tests have no object store",
	"GET /api/v1/activation-decisions/{id}/document": "a PDF: the tests have no object store",
	"GET /api/v1/appeal-decisions/{id}/document":     "a PDF: the tests have no object store (e2e TestAppealOverHTTP reads it)",
	"POST /api/v1/claims/{number}/documents":         "the tests have no object store",
	"GET /api/v1/documents/{id}":                     "a document: the tests have no object store (e2e TestCitizenAppliesInABrowser uploads and the desk reads one)",
	"POST /api/v1/payrolls/{period}/bank-files":      "no test uploads bank files",
	"POST /api/v1/claims":                            "the API tests run without Temporal (down or unreachable): starts a workflow",
	"POST /api/v1/tasks/{id}/complete":               "the API tests run without Temporal (down or unreachable): an Update",
	"POST /api/v1/payrolls":                          "the API tests run without Temporal (down or unreachable): starts a workflow",
	"POST /api/v1/payrolls/{period}/submit":          "the API tests run without Temporal (down or unreachable): an Update",
	"POST /api/v1/payrolls/{period}/approve":         "the API tests run without Temporal (down or unreachable): an Update",
	"POST /api/v1/persons/{id}/evidence/refresh":     "the API tests run without Temporal (down or unreachable): starts a workflow",
	"POST /api/v1/cases":                             "the API tests run without Temporal (down or unreachable): starts a workflow",
	"POST /api/v1/cases/{number}/stages/{stage}":     "the API tests run without Temporal (down or unreachable): an Update",
	"POST /api/v1/cases/{number}/actions":            "the API tests run without Temporal (down or unreachable): an Update",
	"POST /api/v1/cases/{number}/reopen":             "the API tests run without Temporal (down or unreachable): reads the last run and starts a workflow",
	"POST /api/v1/violence-notifications":            "the API tests run without Temporal (down or unreachable): starts a workflow",
	"POST /api/v1/violence-reports":                  "the API tests run without Temporal (down or unreachable): starts a workflow",
	"POST /api/v1/activation/referrals":              "the API tests run without Temporal (down or unreachable): starts a workflow",
	"POST /api/v1/activation/referrals/{id}/steps":   "the API tests run without Temporal (down or unreachable): signals a workflow",
	"POST /api/v1/entitlements/{id}/revisions":       "the API tests run without Temporal (down or unreachable): starts a workflow",
	"POST /api/v1/refund-leaves":                     "the API tests run without Temporal (down or unreachable): starts a workflow (e2e TestRefundOverHTTP files one)",
	"POST /api/v1/refund-leaves/{number}/claims":     "the tests have no object store (e2e TestRefundOverHTTP files months)",
	"GET /api/v1/refund-decisions/{id}/document":     "a PDF: the tests have no object store (e2e TestRefundOverHTTP reads it)",

	"POST /api/v1/electricity-lists":                  "the API tests run without Temporal (down or unreachable): starts a workflow",
	"POST /api/v1/electricity-lists/{period}/submit":  "the API tests run without Temporal (down or unreachable): an Update (workflows' TestElectricityFourEyesBeforeSending)",
	"POST /api/v1/electricity-lists/{period}/approve": "the API tests run without Temporal (down or unreachable): an Update (workflows' TestElectricityFourEyesBeforeSending)",
}

// oas is the OpenAPI document, parsed once.
var oas = sync.OnceValue(func() *openAPIDoc {
	var raw map[string]any
	if err := json.Unmarshal(api.OpenAPI(), &raw); err != nil {
		panic(err)
	}
	d := &openAPIDoc{raw: raw}
	paths, _ := raw["paths"].(map[string]any)
	for p, item := range paths {
		for m, op := range item.(map[string]any) {
			if m == "parameters" {
				continue
			}
			o := openAPIOp{method: strings.ToUpper(m), path: p, segs: strings.Split(p, "/")}
			o.responses, _ = op.(map[string]any)["responses"].(map[string]any)
			d.ops = append(d.ops, o)
		}
	}
	return d
})

type openAPIDoc struct {
	raw map[string]any
	ops []openAPIOp
}

type openAPIOp struct {
	method, path string
	segs         []string
	responses    map[string]any
}

func (o openAPIOp) key() string { return o.method + " " + o.path }

// checked records, per operation, the statuses whose answers were checked.
var checked = struct {
	sync.Mutex
	m map[string]map[int]bool
}{m: map[string]map[int]bool{}}

// operation finds the operation a request is for: the template with the
// same segments, literal ones preferred over parameters.
func (d *openAPIDoc) operation(method, path string) (openAPIOp, bool) {
	segs := strings.Split(path, "/")
	best, bestLit := openAPIOp{}, -1
	for _, o := range d.ops {
		if o.method != method || len(o.segs) != len(segs) {
			continue
		}
		lit, ok := 0, true
		for i, s := range o.segs {
			switch {
			case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
			case s == segs[i]:
				lit++
			default:
				ok = false
			}
		}
		if ok && lit > bestLit {
			best, bestLit = o, lit
		}
	}
	return best, bestLit >= 0
}

// resolve follows a local $ref ("#/components/...").
func (d *openAPIDoc) resolve(v any) any {
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v
		}
		var cur any = d.raw
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = cur.(map[string]any)[part]
		}
		v = cur
	}
	return v
}

// checkResponse checks one answer against the document. Requests for paths
// the document does not name (a route that does not exist) are not checked.
func checkResponse(method, path string, status int, header http.Header, body []byte) error {
	d := oas()
	op, ok := d.operation(method, path)
	if !ok || status == http.StatusMethodNotAllowed {
		return nil
	}
	resp, ok := op.responses[strconv.Itoa(status)]
	if !ok {
		if resp, ok = op.responses["default"]; !ok {
			return fmt.Errorf("status %d is not declared for %s", status, op.key())
		}
	}
	content, _ := d.resolve(resp).(map[string]any)["content"].(map[string]any)
	ct, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	if ct != "application/json" {
		if len(body) > 0 && content[ct] == nil {
			return fmt.Errorf("%s answers %d with %s, which the document does not declare", op.key(), status, or(ct, "no content type"))
		}
		record(op, status)
		return nil
	}
	media, ok := content["application/json"].(map[string]any)
	if !ok || media["schema"] == nil {
		return fmt.Errorf("%s answers %d with JSON, but the document declares no JSON schema for it", op.key(), status)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%s answers %d with malformed JSON: %v", op.key(), status, err)
	}
	if errs := d.validate(media["schema"], v, "$"); len(errs) > 0 {
		return fmt.Errorf("%s answers %d with a body that does not match its schema:\n\t%s", op.key(), status, strings.Join(errs, "\n\t"))
	}
	record(op, status)
	return nil
}

func record(op openAPIOp, status int) {
	checked.Lock()
	defer checked.Unlock()
	if checked.m[op.key()] == nil {
		checked.m[op.key()] = map[int]bool{}
	}
	checked.m[op.key()][status] = true
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// validate checks v against a JSON Schema, the part of it the document
// uses: $ref, allOf/anyOf/oneOf, type (one or a list), enum, const,
// properties, required, additionalProperties, items, pattern. It returns
// what is wrong, each with where.
func (d *openAPIDoc) validate(schema, v any, at string) []string {
	s, ok := d.resolve(schema).(map[string]any)
	if !ok {
		return nil // true: anything
	}
	var errs []string
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			errs = append(errs, d.validate(sub, v, at)...)
		}
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		alts, ok := s[k].([]any)
		if !ok {
			continue
		}
		n, first := 0, []string(nil)
		for _, sub := range alts {
			e := d.validate(sub, v, at)
			if len(e) == 0 {
				n++
			} else if first == nil {
				first = e
			}
		}
		if n == 0 || (k == "oneOf" && n > 1) {
			errs = append(errs, fmt.Sprintf("%s: matches %d of the %d schemas of %s (first mismatch: %s)", at, n, len(alts), k, strings.Join(first, "; ")))
		}
	}
	if t, ok := s["type"]; ok {
		var types []string
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, x := range t {
				types = append(types, x.(string))
			}
		}
		if s["nullable"] == true {
			types = append(types, "null")
		}
		if got := jsonType(v); !slices.Contains(types, got) && !(got == "integer" && slices.Contains(types, "number")) {
			return append(errs, fmt.Sprintf("%s: is %s, the schema says %s", at, got, strings.Join(types, " or ")))
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return reflect.DeepEqual(e, v) }) {
		errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", at, v, enum))
	}
	if c, ok := s["const"]; ok && !reflect.DeepEqual(c, v) {
		errs = append(errs, fmt.Sprintf("%s: %v is not %v", at, v, c))
	}
	if p, ok := s["pattern"].(string); ok {
		if str, isStr := v.(string); isStr && !regexp.MustCompile(p).MatchString(str) {
			errs = append(errs, fmt.Sprintf("%s: %q does not match %s", at, str, p))
		}
	}
	switch v := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		required, _ := s["required"].([]any)
		for _, r := range required {
			if _, ok := v[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: required property %q is missing", at, r))
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k]; ok {
				errs = append(errs, d.validate(ps, v[k], at+"."+k)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					errs = append(errs, fmt.Sprintf("%s: property %q is not in the schema (additionalProperties: false)", at, k))
				}
			case map[string]any:
				errs = append(errs, d.validate(ap, v[k], at+"."+k)...)
			}
		}
	case []any:
		if items, ok := s["items"]; ok {
			for i, x := range v {
				errs = append(errs, d.validate(items, x, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return errs
}

func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	default:
		return "object"
	}
}

// checkingResponses wraps the API of a test: every answer is checked
// against the document before it leaves, and a mismatch fails t.
func checkingResponses(t *testing.T, h http.Handler) http.Handler {
	var mu sync.Mutex
	done := false
	t.Cleanup(func() { mu.Lock(); done = true; mu.Unlock() })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &teeWriter{ResponseWriter: w}
		h.ServeHTTP(tw, r)
		if tw.status == 0 {
			tw.status = http.StatusOK
		}
		if err := checkResponse(r.Method, r.URL.Path, tw.status, w.Header(), tw.body.Bytes()); err != nil {
			mu.Lock()
			defer mu.Unlock()
			if !done {
				t.Errorf("the answer to %s %s does not match the OpenAPI document (api/openapi/): %v\nbody: %.600s", r.Method, r.URL.Path, err, tw.body.Bytes())
			}
		}
	})
}

// teeWriter passes an answer on and keeps a copy.
type teeWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *teeWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *teeWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *teeWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// coverageMain runs the tests and then, after a full run that passed,
// checks that every operation of the document had a success answer checked.
type coverageMain struct{ m *testing.M }

func (c coverageMain) Run() int {
	code := c.m.Run()
	if testing.Short() || flag.Lookup("test.run").Value.String() != "" || flag.Lookup("test.skip").Value.String() != "" {
		return code
	}
	if problems := checkResponseCoverage(); len(problems) > 0 {
		fmt.Println("FAIL: answers checked against the OpenAPI document (api/openapi/):\n\t" + strings.Join(problems, "\n\t"))
		return 1
	}
	return code
}

// checkResponseCoverage lists the operations whose success no test
// checked (and that uncheckedOperations does not excuse), and the excused
// ones that were checked after all.
func checkResponseCoverage() []string {
	checked.Lock()
	defer checked.Unlock()
	var problems []string
	for _, o := range oas().ops {
		success := false
		for s := range checked.m[o.key()] {
			success = success || (s >= 200 && s < 300)
		}
		why, excused := uncheckedOperations[o.key()]
		switch {
		case !success && !excused:
			problems = append(problems, o.key()+": no test checked a success answer; add one, or list it in uncheckedOperations with why")
		case success && excused:
			problems = append(problems, o.key()+": checked now; remove it from uncheckedOperations ("+why+")")
		}
	}
	sort.Strings(problems)
	return problems
}
