package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// A form is rendered from a case-management JSON Schema (domain/cases/forms)
// and read back into the JSON the API checks. The schemas use a small part
// of JSON Schema: an object of strings, enums, dates, booleans, lists of
// strings or enums, and lists of objects of those; that part is what is
// rendered here. The API stays the judge: its field-level messages are put
// back beside the fields.

// schema is the part of a JSON Schema the forms use.
type schema struct {
	Title       string          `json:"title"`
	Type        string          `json:"type"`
	Enum        []any           `json:"enum"`
	Format      string          `json:"format"`
	Description string          `json:"description"`
	MinLength   int             `json:"minLength"`
	MaxLength   int             `json:"maxLength"`
	MaxItems    int             `json:"maxItems"`
	Required    []string        `json:"required"`
	Items       *schema         `json:"items"`
	Properties  json.RawMessage `json:"properties"`
	order       []string
	props       map[string]*schema
}

// parseSchema reads a schema keeping the order its properties are written
// in (the order the form shows them).
func parseSchema(raw json.RawMessage) (*schema, error) {
	var s schema
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	if err := s.resolve(); err != nil {
		return nil, err
	}
	return &s, nil
}

func (s *schema) resolve() error {
	if s.Items != nil {
		if err := s.Items.resolve(); err != nil {
			return err
		}
	}
	if len(s.Properties) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(s.Properties))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	s.props = map[string]*schema{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var p schema
		if err := dec.Decode(&p); err != nil {
			return fmt.Errorf("property %s: %w", name, err)
		}
		if err := p.resolve(); err != nil {
			return err
		}
		s.order = append(s.order, name)
		s.props[name] = &p
	}
	return nil
}

func (s *schema) enum() []string {
	var out []string
	for _, v := range s.Enum {
		out = append(out, fmt.Sprint(v))
	}
	return out
}

// field is one control of a rendered form.
type field struct {
	Name     string // the form control's name
	Key      string // the field's name in the schema, for its label
	Kind     string // text, textarea, date, select, checkbox, checkboxes, lines, rows
	Required bool
	Hint     string
	Options  []string
	Labels   map[string]string // the options' words, when not the choices' (staff by name, decisions)
	Value    string
	Values   map[string]bool // checkboxes
	Max      int
	Error    string
	Columns  []field   // rows: the sub-fields' headings
	Rows     [][]field // rows: one line per item
}

// formView is a rendered form: its fields, the messages that belong to no
// field, and the summary of every message (shown at the top, each linking
// to its field).
type formView struct {
	Name    string
	Title   string
	Fields  []field
	Errors  []string
	Summary []formError
	left    []formError // messages on paths no field shows
}

// formError is a line of a form's summary: the control it links to (its
// id), the field's schema key for its label (or its path), the message.
type formError struct {
	Anchor, Key, Path, Message string
}

// summarise lists the form's messages, in the order of its fields.
func (v *formView) summarise() {
	v.Summary = nil
	for _, f := range v.Fields {
		if f.Error != "" {
			v.Summary = append(v.Summary, formError{Anchor: v.Name + "-" + f.Name, Key: f.Key, Message: f.Error})
		}
		for _, row := range f.Rows {
			for _, sf := range row {
				if sf.Error != "" {
					v.Summary = append(v.Summary, formError{Anchor: v.Name + "-" + sf.Name, Key: sf.Key, Message: sf.Error})
				}
			}
		}
	}
	v.Summary = append(v.Summary, v.left...)
	for _, e := range v.Errors {
		v.Summary = append(v.Summary, formError{Message: e})
	}
}

const blankRows = 2

// render builds the form's fields, filled from values (a previous
// submission, or nil) and errs (field path -> message, paths as the API
// gives them without the "data." prefix).
func (s *schema) render(name string, values url.Values, errs map[string]string) formView {
	v := formView{Name: name, Title: s.Title}
	used := map[string]bool{}
	for _, key := range s.order {
		p := s.props[key]
		v.Fields = append(v.Fields, p.field("f."+key, key, contains(s.Required, key), values, errs, used))
	}
	var left []string
	for path := range errs {
		if !used[path] {
			left = append(left, path)
		}
	}
	sort.Strings(left)
	for _, path := range left {
		v.left = append(v.left, formError{Path: path, Message: errs[path]})
	}
	v.summarise()
	return v
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *schema) field(name, key string, required bool, values url.Values, errs map[string]string, used map[string]bool) field {
	path := strings.TrimPrefix(name, "f.")
	f := field{Name: name, Key: key, Required: required, Hint: p.Description, Max: p.MaxLength, Value: values.Get(name)}
	if msg, ok := errs[path]; ok {
		f.Error, used[path] = msg, true
	}
	switch {
	case len(p.Enum) > 0:
		f.Kind, f.Options = "select", p.enum()
	case p.Type == "boolean":
		f.Kind = "checkbox"
	case p.Type == "array" && p.Items != nil && len(p.Items.Enum) > 0:
		f.Kind, f.Options, f.Values = "checkboxes", p.Items.enum(), map[string]bool{}
		for _, x := range values[name] {
			f.Values[x] = true
		}
	case p.Type == "array" && p.Items != nil && p.Items.Type == "object":
		f.Kind = "rows"
		for _, sub := range p.Items.order {
			f.Columns = append(f.Columns, field{Key: sub, Required: contains(p.Items.Required, sub)})
		}
		n := blankRows
		for i := 0; i < 100; i++ {
			if rowFilled(values, fmt.Sprintf("%s.%d.", name, i)) {
				n = max(n, i+2)
			}
		}
		if p.MaxItems > 0 {
			n = min(n, p.MaxItems)
		}
		for i := 0; i < n; i++ {
			var row []field
			for _, sub := range p.Items.order {
				sf := p.Items.props[sub].field(fmt.Sprintf("%s.%d.%s", name, i, sub), sub, false, values, errs, used)
				sf.Required = false // a blank row is left out, so none of its fields is required on its own
				row = append(row, sf)
			}
			f.Rows = append(f.Rows, row)
		}
		// An error about the list as a whole (too few items).
		for i := 0; i < n; i++ {
			if msg, ok := errs[fmt.Sprintf("%s.%d", path, i)]; ok {
				f.Error, used[fmt.Sprintf("%s.%d", path, i)] = msg, true
			}
		}
	case p.Type == "array":
		f.Kind = "lines"
		f.Value = strings.Join(values[name], "\n")
	case p.Format == "date":
		f.Kind = "date"
	case p.MaxLength > 300 || p.MinLength >= 10:
		f.Kind = "textarea"
	default:
		f.Kind = "text"
	}
	return f
}

func rowFilled(values url.Values, prefix string) bool {
	for k, v := range values {
		if strings.HasPrefix(k, prefix) && len(v) > 0 && strings.TrimSpace(v[0]) != "" {
			return true
		}
	}
	return false
}

// read turns a submitted form into the JSON object the schema describes.
// Blank optional fields are left out, so that a missing required one is
// reported by the API as missing.
func (s *schema) read(values url.Values) json.RawMessage {
	out := map[string]any{}
	for _, key := range s.order {
		if v, ok := s.props[key].value("f."+key, values); ok {
			out[key] = v
		}
	}
	b, _ := json.Marshal(out)
	return b
}

func (p *schema) value(name string, values url.Values) (any, bool) {
	switch {
	case p.Type == "boolean":
		v := values.Get(name)
		return v == "on" || v == "true", true
	case p.Type == "array" && p.Items != nil && p.Items.Type == "object":
		var rows []any
		for i := 0; i < 100; i++ {
			prefix := fmt.Sprintf("%s.%d.", name, i)
			if !rowFilled(values, prefix) {
				continue
			}
			row := map[string]any{}
			for _, sub := range p.Items.order {
				if v, ok := p.Items.props[sub].value(prefix+sub, values); ok {
					row[sub] = v
				}
			}
			rows = append(rows, row)
		}
		return rows, len(rows) > 0
	case p.Type == "array":
		var list []any
		raw := values[name]
		if (p.Items == nil || len(p.Items.Enum) == 0) && len(raw) == 1 { // lines of a text area; else ticked boxes
			raw = strings.Split(values.Get(name), "\n")
		}
		for _, x := range raw {
			if x = strings.TrimSpace(x); x != "" {
				list = append(list, x)
			}
		}
		return list, len(list) > 0
	case p.Type == "integer" || p.Type == "number":
		x := strings.TrimSpace(values.Get(name))
		if x == "" {
			return nil, false
		}
		if n, err := strconv.ParseFloat(x, 64); err == nil {
			return n, true
		}
		return x, true // the API says what is wrong with it
	default:
		x := strings.TrimSpace(values.Get(name))
		return x, x != ""
	}
}

// fieldErrors reads the API's 400 into field path -> message in lang, the
// "data." or "intake." prefix taken off; msg is the whole refusal in lang.
func fieldErrors(lang string, r apiResult, prefix string) (map[string]string, string) {
	e := r.apiError()
	out := map[string]string{}
	add := func(f, m string) {
		f = strings.TrimPrefix(strings.TrimPrefix(f, prefix), ".")
		if f == "" || f == strings.TrimSuffix(prefix, ".") {
			f = "(form)"
		}
		out[f] = sayMessage(lang, e.Code, f, m)
	}
	for _, f := range e.Fields {
		add(f.Field, f.Message)
	}
	if len(e.Fields) == 0 && e.Field != "" {
		add(e.Field, e.Message)
	}
	return out, sayError(lang, r)
}
