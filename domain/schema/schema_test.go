package schema_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/activation"
	"github.com/karton-social/karton/domain/schema"
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

func TestCheckText(t *testing.T) {
	for _, ok := range []string{``, `{}`, `{"a":"Njegoševa 12"}`, `{"a":"\u00e9\u0001"}`, `{"a":"\ud83d\ude00"}`, `{"a":"\\u0000"}`,
		`{"a":"\\\\u0000"}`, `{"a":"\u000"}`, `"\ud83d\ude00\ud83d\ude00"`, `"\\ud800"`} {
		if err := schema.CheckText([]byte(ok)); err != nil {
			t.Errorf("CheckText(%s) = %v; want nil", ok, err)
		}
	}
	for in, want := range map[string]string{
		`{"a":"x\u0000"}`:            "byte 7 has a NUL",
		`{"\u0000":1}`:               "byte 2 has a NUL",
		`{"a":"\\\u0000"}`:           "byte 8 has a NUL",
		`{"a":"\ud800"}`:             "byte 6 has half a UTF-16 surrogate pair (\\ud800)",
		`{"a":"\ud800\u0041"}`:       "half a UTF-16 surrogate pair",
		`{"a":"\ud800"`:              "half a UTF-16 surrogate pair",
		`{"a":"\udc00\ud800"}`:       "byte 6 has half a UTF-16 surrogate pair (\\udc00)",
		`{"a":"\uDBFF\uDFFF\uDFFF"}`: "byte 18 has half",
		"{\"a\":\"\xff\"}":           "byte 6 is not UTF-8",
		"{\"a\":\"\xed\xa0\x80\"}":   "byte 6 is not UTF-8", // a surrogate encoded as UTF-8
	} {
		err := schema.CheckText([]byte(in))
		if domain.ErrorCode(err) != domain.CodeInvalid || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckText(%q) = %v; want invalid, %q", in, err, want)
		}
	}
}
