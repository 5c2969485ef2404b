package schema_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/activation"
	"github.com/karton-social/karton/domain/violence"
)

// A number no form can hold is refused before the validator spends
// seconds comparing it as an exact rational (twenty 1e999999 under
// uniqueItems took 11 s of CPU).
func TestValidateRefusesHugeNumbers(t *testing.T) {
	twenty := strings.TrimSuffix(strings.Repeat("1e999999,", 20), ",")
	for doc, field := range map[string]string{
		`{"measures":[` + twenty + `]}`:                           "measures.0",
		`{"persons":[{"role":"victim","birth_year":1e999999}]}`:   "persons.0.birth_year",
		`{"persons":[{"role":"victim","birth_year":1.5e-99999}]}`: "persons.0.birth_year",
		`{"x":` + strings.Repeat("9", 41) + `}`:                   "x",
		`1e401`:                                                   "data",
	} {
		start := time.Now()
		err := violence.Schemas.Validate("notification", json.RawMessage(doc))
		if took := time.Since(start); took > time.Second {
			t.Errorf("Validate(%.40s…) took %v", doc, took)
		}
		if domain.ErrorCode(err) != domain.CodeInvalid || !strings.Contains(err.Error(), field+": number") {
			t.Errorf("Validate(%.40s…) = %v; want field %s out of range", doc, err, field)
		}
	}
	// Ordinary numbers, written any way JSON allows, still validate.
	for _, n := range []string{"20", "20.0", "2e1", "2.0E+1", "200e-1"} {
		doc := `{"measure":"reduce","percent":` + n + `,"reasoning":"Missed two appointments."}`
		if err := activation.Schemas.Validate("decision", json.RawMessage(doc)); err != nil {
			t.Errorf("Validate(percent %s) = %v; want valid", n, err)
		}
	}
}
