package sim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/karton-social/karton/interop/sim"
)

// TestAgencyAnswersReferralsByItself: a referral is taken once per
// idempotency key; the agency then reports its script's steps to Karton's
// steps path with a client-credentials token, retrying a step Karton
// could not take; down, it answers 503; by hand, it reports nothing.
func TestAgencyAnswersReferralsByItself(t *testing.T) {
	var mu sync.Mutex
	var got []string
	failOnce := true
	karton := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/token":
			if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
				http.Error(w, "bad grant", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"access_token":"agency-token","token_type":"Bearer","expires_in":300}`)
		case "/api/v1/activation/referrals/AKT-2026-000001/steps":
			mu.Lock()
			defer mu.Unlock()
			if r.Header.Get("Authorization") != "Bearer agency-token" {
				http.Error(w, "no token", http.StatusUnauthorized)
				return
			}
			if failOnce {
				failOnce = false
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			var step struct {
				StepID string `json:"step_id"`
				Kind   string `json:"kind"`
				Status string `json:"status"`
			}
			_ = json.NewDecoder(r.Body).Decode(&step)
			if r.Header.Get("Idempotency-Key") != step.StepID {
				http.Error(w, "key", http.StatusBadRequest)
				return
			}
			got = append(got, step.Kind+"/"+step.Status)
			w.WriteHeader(http.StatusAccepted)
		default:
			http.NotFound(w, r)
		}
	}))
	defer karton.Close()
	s := sim.NewServer(sim.NewPopulation(1), sim.Faults{AgencyStepDelay: 10 * time.Millisecond, AgencyScript: []string{"acknowledged", "employed"}})
	s.SetAgencyClient(sim.AgencyClient{APIURL: karton.URL, TokenURL: karton.URL + "/token", ClientID: "employment-system", ClientSecret: "x"})
	agency := httptest.NewServer(s)
	defer agency.Close()
	refer := func(key string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, agency.URL+"/agency/activation/referrals",
			strings.NewReader(`{"referral_id":"AKT-2026-000001","steps_url":"/api/v1/activation/referrals/AKT-2026-000001/steps"}`))
		req.Header.Set("Idempotency-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var ack struct {
			AgencyReference string `json:"agency_reference"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&ack)
		return resp.StatusCode, ack.AgencyReference
	}
	code, ref := refer("referral")
	if code != http.StatusAccepted || ref == "" {
		t.Fatalf("referral = %d %q", code, ref)
	}
	if code, again := refer("referral"); code != http.StatusAccepted || again != ref {
		t.Fatalf("the same referral again = %d %q; want %q", code, again, ref)
	}
	if n := len(s.AgencyReferrals()); n != 1 {
		t.Fatalf("the agency took %d referrals; want 1", n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(s.AgencySteps("AKT-2026-000001")) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	if strings.Join(got, " ") != "acknowledged/registered employed/" {
		t.Errorf("Karton got %v; want the script, each step once", got)
	}
	mu.Unlock()

	s.SetFaults(sim.Faults{AgencyDown: true})
	if code, _ := refer("other"); code != http.StatusServiceUnavailable {
		t.Errorf("a referral while the agency is down = %d; want 503", code)
	}
	s.SetFaults(sim.Faults{AgencyManual: true, AgencyStepDelay: time.Millisecond})
	req, _ := http.NewRequest(http.MethodPost, agency.URL+"/agency/activation/referrals",
		strings.NewReader(`{"referral_id":"AKT-2026-000002","steps_url":"/api/v1/activation/referrals/AKT-2026-000002/steps"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("a referral by hand: %v %v", resp, err)
	}
	resp.Body.Close()
	time.Sleep(100 * time.Millisecond)
	if steps := s.AgencySteps("AKT-2026-000002"); len(steps) != 0 {
		t.Errorf("by hand, the agency reported %v by itself", steps)
	}
}
