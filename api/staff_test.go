package api

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// A case is opened for a manager and a team on the staff of its centre
// (issue 17): a username nobody holds, or another centre's worker, is a
// 400 naming the field; a DV case only for the DV caseworkers.
func TestOpeningChecksTheStaff(t *testing.T) {
	podgorica := store.Case{CentreID: "csr-podgorica"}
	for _, tt := range []struct {
		c      store.Case
		data   string
		fields []string
	}{
		{podgorica, `{"case_manager":"ana.caseworker","team":["ivan.caseworker","marko.supervisor"]}`, nil},
		{podgorica, `{"case_manager":"ana.casewroker"}`, []string{"data.case_manager"}},
		{podgorica, `{"case_manager":"jelena.caseworker","team":["ana.caseworker","nina.finance"]}`, []string{"data.case_manager", "data.team.1"}},
		{store.Case{CentreID: "csr-podgorica", DV: true}, `{"case_manager":"ana.caseworker"}`, []string{"data.case_manager"}},
		{store.Case{CentreID: "csr-podgorica", DV: true}, `{"case_manager":"dragana.dv"}`, nil},
	} {
		err := checkStaff(tt.c, json.RawMessage(tt.data))
		var got []string
		var e *domain.Error
		if errors.As(err, &e) {
			if domain.ErrorCode(err) != domain.CodeInvalid {
				t.Errorf("%s: code %s; want invalid (400)", tt.data, e.Code)
			}
			if len(e.Fields) == 0 {
				got = []string{e.Field}
			}
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
		}
		if len(got) != len(tt.fields) || (len(got) > 0 && (got[0] != tt.fields[0] || got[len(got)-1] != tt.fields[len(tt.fields)-1])) {
			t.Errorf("%s (DV %v): fields %v; want %v", tt.data, tt.c.DV, got, tt.fields)
		}
	}
}
