package sim_test

import (
	"bytes"
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

func put(t *testing.T, url, body string) (int, xroad.WireChange) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, url+"/sim/changes", bytes.NewBufferString(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e xroad.WireChange
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e
}

// TestChangeFeed: the knob publishes a change in its registry's feed; the
// client reads it since its cursor, once; pages, a stale cursor, faults
// and garbage behave as the protocol says; a published death reaches the
// population register's identity answer.
func TestChangeFeed(t *testing.T) {
	pop := sim.NewPopulation(50)
	s := sim.NewServer(pop, sim.Faults{})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	c := &xroad.Client{BaseURL: ts.URL, ClientID: "ME/GOV/MRSS/karton", HTTP: &http.Client{Timeout: 2 * time.Second}}
	ctx := context.Background()
	dead := pop.Household(2).Members[0].JMBG

	for _, bad := range []string{`{"kind":"lottery","jmbg":"` + string(dead) + `"}`, `{"kind":"death","jmbg":"123"}`,
		`{"kind":"death","jmbg":"` + string(dead) + `","date":"14.3.2026"}`, `{"kind":"income","jmbg":"` + string(dead) + `","source":"population"}`,
		`{"kind":"death","jmbg":"` + string(dead) + `","payload":[1]}`, `{"kind":"death","jmbg":"` + string(dead) + `","why":"x"}`} {
		if code, _ := put(t, ts.URL, bad); code != http.StatusBadRequest {
			t.Errorf("PUT %s = %d; want 400", bad, code)
		}
	}
	code, death := put(t, ts.URL, `{"kind":"death","jmbg":"`+string(dead)+`","date":"2026-03-14"}`)
	if code != http.StatusCreated || death.ID == "" || death.Source != domain.SourcePopulation || death.OccurredOn != "2026-03-14" {
		t.Fatalf("inject death = %d %+v", code, death)
	}
	if code, _ := put(t, ts.URL, `{"kind":"income","jmbg":"`+string(dead)+`","payload":{"monthly_net":"650.00"}}`); code != http.StatusCreated {
		t.Fatalf("inject income = %d", code)
	}

	p, err := c.Changes(ctx, domain.SourcePopulation, "", 10)
	if err != nil || len(p.Events) != 1 || p.More || p.RequestID == "" {
		t.Fatalf("population feed from the start = %+v, %v; want the death", p, err)
	}
	e := p.Events[0]
	if e.ID != death.ID || e.JMBG != dead || e.Kind != domain.ChangeDeath || e.OccurredOn.Format(time.DateOnly) != "2026-03-14" || string(e.Payload) != "{}" {
		t.Errorf("death = %+v", e)
	}
	again, err := c.Changes(ctx, domain.SourcePopulation, p.Next, 10)
	if err != nil || len(again.Events) != 0 || again.Next != p.Next {
		t.Errorf("from the cursor after the death = %+v, %v; want nothing new and the same cursor", again, err)
	}
	tax, err := c.Changes(ctx, domain.SourceTax, "", 10)
	if err != nil || len(tax.Events) != 1 || tax.Events[0].Kind != domain.ChangeIncome || string(tax.Events[0].Payload) != `{"monthly_net":"650.00"}` {
		t.Errorf("tax feed = %+v, %v; want the income", tax, err)
	}
	if none, err := c.Changes(ctx, domain.SourcePension, "", 10); err != nil || len(none.Events) != 0 || none.Next == "" {
		t.Errorf("empty pension feed = %+v, %v", none, err)
	}
	if _, err := c.Changes(ctx, domain.SourceHealth, "", 10); err == nil || errors.Is(err, xroad.ErrUnavailable) {
		t.Errorf("health publishes no feed; got %v, want a refusal", err)
	}

	// pages
	for i := 0; i < 3; i++ {
		if code, _ := put(t, ts.URL, `{"kind":"move","jmbg":"`+string(pop.Household(3 + i).Members[0].JMBG)+`"}`); code != http.StatusCreated {
			t.Fatal(code)
		}
	}
	first, err := c.Changes(ctx, domain.SourcePopulation, p.Next, 2)
	if err != nil || len(first.Events) != 2 || !first.More {
		t.Fatalf("page of 2 = %+v, %v", first, err)
	}
	second, err := c.Changes(ctx, domain.SourcePopulation, first.Next, 2)
	if err != nil || len(second.Events) != 1 || second.More || second.Events[0].Kind != domain.ChangeMove {
		t.Fatalf("last page = %+v, %v", second, err)
	}
	// a cursor of another epoch (a restarted simulator) reads from the start
	if stale, err := c.Changes(ctx, domain.SourcePopulation, "old.3", 10); err != nil || len(stale.Events) != 4 {
		t.Errorf("stale cursor = %d events, %v; want all 4", len(stale.Events), err)
	}

	// the population register now says the person died
	a, err := c.Fetch(ctx, domain.SourcePopulation, dead, "CASE-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range a.Facts {
		if f.Kind == domain.KindIdentity {
			var id domain.IdentityFact
			_ = json.Unmarshal(f.Value, &id)
			if id.Alive || id.DeathDate != "2026-03-14" {
				t.Errorf("identity after the death = %+v", id)
			}
		}
	}

	// the knobs apply to the feeds as to the evidence services
	s.SetFaults(sim.Faults{Down: []domain.Source{domain.SourcePopulation}})
	if _, err := c.Changes(ctx, domain.SourcePopulation, "", 10); !errors.Is(err, xroad.ErrUnavailable) {
		t.Errorf("population down: %v; want unavailable", err)
	}
	s.SetFaults(sim.Faults{GarbageRate: 1})
	if _, err := c.Changes(ctx, domain.SourceTax, "", 10); !errors.Is(err, xroad.ErrUnavailable) {
		t.Errorf("garbage: %v; want unavailable", err)
	}
	s.SetFaults(sim.Faults{})
	resp, err := http.Get(ts.URL + "/sim/changes")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct{ Changes []xroad.WireChange }
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list.Changes) != 5 {
		t.Errorf("GET /sim/changes = %d changes, %v; want 5", len(list.Changes), err)
	}
}
