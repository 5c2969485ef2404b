package sim

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/agriculture"
)

// TestAgricultureFile: the ministry's file parses, pays whom the registry's
// fact says it pays, honours the knobs (a bad row, a month unpublished,
// the households covered) and the faults (a source down).
func TestAgricultureFile(t *testing.T) {
	pop := NewPopulation(400)
	s := NewServer(pop, Faults{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	get := func(path string) (int, []byte) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, body := get("/agriculture/allowances/2026-11")
	f, faults := agriculture.Parse(body)
	if code != 200 || faults != nil || f.Period.String() != "2026-11" || len(f.Rows) == 0 {
		t.Fatalf("file = %d %+v %v", code, f, faults)
	}
	for _, r := range f.Rows {
		h, m := pop.Lookup(r.JMBG)
		if !FarmerAllowance(h, m).Equal(r.Amount) || h.Index >= 400 {
			t.Errorf("row %+v: the registry's fact says %s", r, FarmerAllowance(h, m))
		}
	}

	s.SetAgricultureKnobs(AgricultureKnobs{Households: 400, BadRow: true, Unpublished: []string{"2026-12"}})
	if _, body := get("/agriculture/allowances/2026-11"); bytes.Equal(body, AgricultureFile(pop, 400, domain.MonthOf(AsOf))) {
		t.Error("the bad row knob changed nothing")
	} else if _, faults := agriculture.Parse(body); len(faults) != 1 || faults[0].Field != "line 3.jmbg" {
		t.Errorf("with a bad row, faults = %v; want line 3.jmbg", faults)
	}
	if code, _ := get("/agriculture/allowances/2026-12"); code != 404 {
		t.Errorf("an unpublished month = %d; want 404", code)
	}
	s.SetFaults(Faults{Down: []domain.Source{domain.SourceAgriculture}})
	if code, _ := get("/agriculture/allowances/2026-11"); code != 503 {
		t.Errorf("the ministry down = %d; want 503", code)
	}
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/sim/agriculture", bytes.NewReader([]byte(`{"households":10}`)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT /sim/agriculture = %v %v", resp, err)
	}
	_ = resp.Body.Close()
	if k := s.agri.get(); k.Households != 10 || k.BadRow {
		t.Errorf("knobs = %+v", k)
	}
}
