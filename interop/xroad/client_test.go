package xroad_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/interop/xroad"
)

var pop = sim.NewPopulation(200)

func newClient(t *testing.T, f sim.Faults) (*xroad.Client, *sim.Server) {
	t.Helper()
	s := sim.NewServer(pop, f)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return &xroad.Client{BaseURL: ts.URL, ClientID: "ME/GOV/MRSS/karton", HTTP: &http.Client{Timeout: 2 * time.Second}}, s
}

func TestFetchEverySourceConsistently(t *testing.T) {
	c, _ := newClient(t, sim.Faults{})
	ctx := context.Background()
	h := pop.Household(3)
	for _, m := range h.Members {
		for _, in := range domain.Institutions() {
			a, err := c.Fetch(ctx, in.Source, m.JMBG, "CASE-1")
			if err != nil {
				t.Fatalf("Fetch(%s, %s): %v", in.Source, m.JMBG, err)
			}
			if len(a.Facts) != len(in.Kinds) || a.RequestID == "" || len(a.ResponseHash) != 64 {
				t.Fatalf("Fetch(%s) = %+v; want %d facts, request id and hash", in.Source, a, len(in.Kinds))
			}
			if in.Source == domain.SourcePopulation {
				var hf domain.HouseholdFact
				for _, f := range a.Facts {
					if f.Kind == domain.KindHousehold {
						if err := json.Unmarshal(f.Value, &hf); err != nil {
							t.Fatal(err)
						}
					}
				}
				if hf.HouseholdNumber != h.RegisterNumber || len(hf.Members) != len(h.Members) {
					t.Errorf("household fact = %+v; want %s with %d members", hf, h.RegisterNumber, len(h.Members))
				}
			}
		}
	}
	// Same question, same facts: the answer is deterministic.
	a1, _ := c.Fetch(ctx, domain.SourceTax, h.Members[0].JMBG, "")
	a2, _ := c.Fetch(ctx, domain.SourceTax, h.Members[0].JMBG, "")
	if string(a1.Facts[0].Value) != string(a2.Facts[0].Value) || a1.RequestID == a2.RequestID {
		t.Errorf("two tax answers differ in value or share a request id: %s / %s", a1.Facts[0].Value, a2.Facts[0].Value)
	}
}

func TestFetchUnknownPersonGetsGeneratedHousehold(t *testing.T) {
	c, _ := newClient(t, sim.Faults{})
	a, err := c.Fetch(context.Background(), domain.SourcePopulation, "0101900350008", "")
	if err != nil || len(a.Facts) != 3 {
		t.Fatalf("Fetch(unknown) = %+v, %v; want the three population facts", a, err)
	}
}

func TestFetchFaults(t *testing.T) {
	ctx := context.Background()
	j := pop.Household(0).Members[0].JMBG
	tests := []struct {
		name   string
		faults sim.Faults
	}{
		{"503", sim.Faults{ErrorRate: 1}},
		{"garbage", sim.Faults{GarbageRate: 1}},
		{"down", sim.Faults{Down: []domain.Source{domain.SourceTax}}},
	}
	for _, tt := range tests {
		c, _ := newClient(t, tt.faults)
		_, err := c.Fetch(ctx, domain.SourceTax, j, "")
		if !errors.Is(err, xroad.ErrUnavailable) {
			t.Errorf("%s: Fetch error = %v; want ErrUnavailable", tt.name, err)
		}
	}
	c, _ := newClient(t, sim.Faults{HangRate: 1})
	c.HTTP.Timeout = 200 * time.Millisecond
	if _, err := c.Fetch(ctx, domain.SourceTax, j, ""); !errors.Is(err, xroad.ErrUnavailable) {
		t.Errorf("hang: Fetch error = %v; want ErrUnavailable", err)
	}
	c, _ = newClient(t, sim.Faults{})
	if _, err := c.Fetch(ctx, domain.SourceTax, "0101900350007", ""); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("invalid subject: Fetch error = %v; want invalid", err)
	}
}

func TestFetchRejectsForeignRequestHash(t *testing.T) {
	s := sim.NewServer(pop, sim.Faults{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set(xroad.HeaderIssue, "SOMEONE-ELSES-CASE")
		s.ServeHTTP(w, r)
	}))
	defer ts.Close()
	c := &xroad.Client{BaseURL: ts.URL, ClientID: "ME/GOV/MRSS/karton"}
	_, err := c.Fetch(context.Background(), domain.SourceTax, pop.Household(0).Members[0].JMBG, "CASE-1")
	if !errors.Is(err, xroad.ErrUnavailable) {
		t.Errorf("Fetch with a mismatched request hash: error = %v; want ErrUnavailable", err)
	}
}
