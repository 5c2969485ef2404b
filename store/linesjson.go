package store

import (
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/jsonappend"
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
		b = jsonappend.String(b, l.What)
		b = append(b, `,"Value":`...)
		b = jsonappend.String(b, l.Value)
		b = append(b, '}')
	}
	return append(b, ']')
}
