// Package schema checks JSON documents against JSON Schemas (draft
// 2020-12) kept as files: the forms of case-management stages and the
// messages other institutions send. A failure lists every failing field
// as a domain.FieldError, so that an API answers 400 naming each of them.
package schema

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/karton-social/karton/domain"
)

// Set is the schemas of one folder, by file name without ".json".
type Set struct {
	compiled map[string]*jsonschema.Schema
	raw      map[string]json.RawMessage
}

// Load compiles every *.json in dir of fsys; a schema that does not
// compile fails here, naming it.
func Load(fsys fs.FS, dir string) (*Set, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	s := &Set{compiled: map[string]*jsonschema.Schema{}, raw: map[string]json.RawMessage{}}
	comp := jsonschema.NewCompiler()
	comp.AssertFormat()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".json")
		b, err := fs.ReadFile(fsys, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("schema %s: %v", name, err)
		}
		url := "https://schemas.karton.invalid/" + dir + "/" + e.Name()
		if err := comp.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("schema %s: %v", name, err)
		}
		c, err := comp.Compile(url)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %v", name, err)
		}
		s.compiled[name], s.raw[name] = c, b
	}
	return s, nil
}

// Has reports whether the set holds a schema called name.
func (s *Set) Has(name string) bool { _, ok := s.compiled[name]; return ok }

// Raw is the schema's text, as published.
func (s *Set) Raw(name string) (json.RawMessage, bool) {
	b, ok := s.raw[name]
	return b, ok
}

// Names lists the schemas, sorted.
func (s *Set) Names() []string {
	var out []string
	for n := range s.raw {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Validate checks data against the schema called name: every failing
// field is listed (CodeInvalid, one domain.FieldError per field).
func (s *Set) Validate(name string, data json.RawMessage) error {
	c, ok := s.compiled[name]
	if !ok {
		return domain.FieldError("form", "form %q does not exist", name)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		data = json.RawMessage("{}")
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return domain.FieldError("data", "not JSON: %v", err)
	}
	if err := CheckText(data); err != nil {
		return domain.FieldError("data", "%s", domain.ErrorMessage(err))
	}
	if fields := hugeNumbers(v, ""); len(fields) > 0 {
		sort.Slice(fields, func(i, j int) bool { return fields[i].Field < fields[j].Field })
		return domain.Invalid(fields)
	}
	err = c.Validate(v)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return domain.FieldError("data", "%v", err)
	}
	var fields []*domain.Error
	for _, leaf := range leaves(ve) {
		path := strings.Join(leaf.InstanceLocation, ".")
		if req, ok := leaf.ErrorKind.(*kind.Required); ok {
			for _, missing := range req.Missing {
				fields = append(fields, domain.FieldError(strings.TrimPrefix(path+"."+missing, "."), "is required"))
			}
			continue
		}
		if path == "" {
			path = "data"
		}
		fields = append(fields, domain.FieldError(path, "%s", leaf.ErrorKind.LocalizedString(printer)))
	}
	// The validator walks objects in map order: sorted, the same data
	// gives the same error, which workflows record and replay.
	sort.SliceStable(fields, func(i, j int) bool {
		return fields[i].Field < fields[j].Field || fields[i].Field == fields[j].Field && fields[i].Message < fields[j].Message
	})
	return domain.Invalid(fields)
}

var printer = message.NewPrinter(language.English)

// hugeNumbers lists the numbers of v longer than 40 characters or with an
// exponent beyond ±400: no form holds one, and the validator compares
// numbers as exact rationals, so that each 1e999999 costs it tens of
// milliseconds, and an array of twenty with uniqueItems seconds.
func hugeNumbers(v any, path string) []*domain.Error {
	var out []*domain.Error
	switch v := v.(type) {
	case json.Number:
		s, ok := string(v), len(v) <= 40
		if i := strings.IndexAny(s, "eE"); ok && i >= 0 {
			e, err := strconv.Atoi(s[i+1:])
			ok = err == nil && e >= -400 && e <= 400
		}
		if !ok {
			out = append(out, domain.FieldError(cmp.Or(path, "data"), "number %.20s is out of range", s))
		}
	case []any:
		for i, x := range v {
			out = append(out, hugeNumbers(x, strings.TrimPrefix(path+"."+strconv.Itoa(i), "."))...)
		}
	case map[string]any:
		for k, x := range v {
			out = append(out, hugeNumbers(x, strings.TrimPrefix(path+"."+k, "."))...)
		}
	}
	return out
}

// CheckText refuses JSON text with strings PostgreSQL cannot keep, in a
// text column or in jsonb: a byte that is not UTF-8, the escape \u0000,
// or a \uD800-\uDFFF escape that is not half of a surrogate pair. The
// JSON decoder lets all three through (as U+FFFD or a NUL, and as they
// are in a json.RawMessage). The error is CodeInvalid, naming the byte.
func CheckText(data []byte) error {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return domain.Errorf(domain.CodeInvalid, "byte %d is not UTF-8 text", i)
		}
		i += size
	}
	for i := 0; i+1 < len(data); i++ {
		if data[i] != '\\' {
			continue
		}
		i++ // the escaped character, which may be a backslash
		r, ok := hex4(data, i)
		switch {
		case !ok:
		case r == 0:
			return domain.Errorf(domain.CodeInvalid, "text at byte %d has a NUL character (\\u0000)", i-1)
		case r >= 0xD800 && r < 0xDC00:
			if lo, ok := hex4(data, i+6); ok && data[i+5] == '\\' && lo >= 0xDC00 && lo < 0xE000 {
				i += 10
				continue
			}
			fallthrough
		case r >= 0xDC00 && r < 0xE000:
			return domain.Errorf(domain.CodeInvalid, "text at byte %d has half a UTF-16 surrogate pair (\\u%04x)", i-1, r)
		}
	}
	return nil
}

// hex4 reads the escape u+4 hex digits at data[i:].
func hex4(data []byte, i int) (rune, bool) {
	if i < 0 || i+5 > len(data) || data[i] != 'u' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(data[i+1:i+5]), 16, 16)
	return rune(n), err == nil
}

// leaves are the innermost causes of a validation error: one per failing
// field, not the chain of schemas above it.
func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, c := range e.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}
