package web

import (
	"encoding/json"
	"testing"
)

// TestClaimPageSaysLinesInTheUsersLanguage: the claim page says the
// calculation's lines from their phrases (issue 16).
func TestClaimPageSaysLinesInTheUsersLanguage(t *testing.T) {
	for lang, want := range map[string][3]string{
		"cnr": {"prijavljeni neto prihod, Ana", "50,00", "Poreska uprava, prijavljeni prihodi, zapis br. 42"},
		"en":  {"registered net income of Ana", "50.00", "tax/registered_income #42"},
	} {
		var cl obj
		_ = json.Unmarshal([]byte(`{"calculation":{"lines":[{"what":"registered net income of Ana","value":"50.00","source":"tax/registered_income #42",
			"text":{"key":"income.net","args":["Ana"]},"from":{"key":"src.evidence","args":["@source.tax","@kind.registered_income","42"]}},
			{"what":"old line","value":"1","source":"old"}]}}`), &cl)
		sayLines(cl, lang)
		lines := cl["calculation"].(map[string]any)["lines"].([]any)
		l := lines[0].(map[string]any)
		if l["what"] != want[0] || l["value"] != want[1] || l["source"] != want[2] {
			t.Errorf("%s: %v", lang, l)
		}
		if old := lines[1].(map[string]any); old["what"] != "old line" {
			t.Errorf("%s: a line without phrases changed: %v", lang, old)
		}
	}
}
