package store

import (
	"unicode/utf8"

	"github.com/karton-social/karton/domain"
)

// linesJSON is json.Marshal(lines), byte for byte, written by hand: a
// payroll stores the explanation of every payment, and encoding/json's
// reflection was half of what the COPY's rows cost to build (issue 24).
func linesJSON(lines []domain.PaymentLine) []byte {
	if lines == nil {
		return []byte("null")
	}
	n := 2
	for _, l := range lines {
		n += len(l.What) + len(l.Value) + len(`{"What":,"Value":},`) + 4
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, l := range lines {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"What":`...)
		b = appendJSONString(b, l.What)
		b = append(b, `,"Value":`...)
		b = appendJSONString(b, l.Value)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendJSONString appends s quoted as encoding/json quotes a string: HTML
// characters, control characters, U+2028 and U+2029 escaped, and invalid
// UTF-8 replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
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
