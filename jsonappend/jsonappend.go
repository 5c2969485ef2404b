// Package jsonappend writes JSON values by hand, byte for byte as
// encoding/json writes them (HTML characters escaped, as json.Marshal and
// a json.Encoder do by default), for the few answers so frequent that
// encoding/json's reflection is a large share of their cost (issue 24):
// the explanation lines of a payroll's payments, and the pages of the case
// list and the inbox. Each caller keeps a test that compares its output
// with encoding/json's.
package jsonappend

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// String appends s quoted as encoding/json quotes a string: HTML
// characters, control characters, U+2028 and U+2029 escaped, and invalid
// UTF-8 replaced by U+FFFD.
func String(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plain[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// plain are the bytes String copies as they are: ASCII but the control
// characters, the quote, the backslash and the HTML characters. A table, as
// encoding/json's: a test per byte was most of what a list's page cost.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// Strings appends a list of strings, or null for a nil slice.
func Strings(b []byte, list []string) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = String(b, s)
	}
	return append(b, ']')
}

// Int appends n.
func Int(b []byte, n int) []byte { return strconv.AppendInt(b, int64(n), 10) }

// Bool appends true or false.
func Bool(b []byte, v bool) []byte { return strconv.AppendBool(b, v) }

// Time appends t as time.Time encodes itself: RFC 3339 with its
// nanoseconds, quoted, and time.Time's error for a year outside 0–9999.
func Time(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return b, err
	}
	return append(b, '"'), nil
}

// OptTime appends *t as Time does, or null for a nil pointer.
func OptTime(b []byte, t *time.Time) ([]byte, error) {
	if t == nil {
		return append(b, "null"...), nil
	}
	return Time(b, *t)
}

// Raw appends a JSON value held as text (a json.RawMessage) as
// encoding/json does: null for a nil one, otherwise compacted, checked and
// with its HTML characters, U+2028 and U+2029 escaped; an error if it is
// not JSON.
func Raw(b []byte, raw json.RawMessage) ([]byte, error) {
	if raw == nil {
		return append(b, "null"...), nil
	}
	n := len(b)
	buf := bytes.NewBuffer(b)
	if err := json.Compact(buf, raw); err != nil {
		return b, err
	}
	b = buf.Bytes()
	if !needsHTMLEscape(b[n:]) {
		return b, nil
	}
	compact := append([]byte(nil), b[n:]...)
	buf = bytes.NewBuffer(b[:n])
	json.HTMLEscape(buf, compact)
	return buf.Bytes(), nil
}

// needsHTMLEscape tells whether compacted JSON holds a character that
// encoding/json escapes inside its strings: <, >, &, U+2028 or U+2029.
func needsHTMLEscape(b []byte) bool {
	return bytes.ContainsAny(b, "<>&\u2028\u2029")
}
