package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2/clientcredentials"
)

// The Employment Agency's side of labour activation. It takes the
// centres' referrals and messages (POST /agency/activation/referrals and
// /agency/activation/messages, idempotent by Idempotency-Key) and, unless
// a person works the referrals by hand (Faults.AgencyManual), answers by
// itself: it reports the steps of Faults.AgencyScript to Karton's API as
// the agency's machine client (OAuth2 client credentials), one every
// Faults.AgencyStepDelay, each retried until Karton takes it.

// DefaultAgencyScript is what the agency reports of every referral: it
// registers the person, makes a plan, and the person refuses a job offer.
var DefaultAgencyScript = []string{"acknowledged", "plan_created", "job_offer_refused"}

// AgencyClient is how the simulated agency reaches Karton: the API's
// address and the agency's client credentials at the token endpoint.
type AgencyClient struct {
	APIURL       string
	TokenURL     string
	ClientID     string
	ClientSecret string
}

type agency struct {
	mu       sync.Mutex
	client   *AgencyClient
	refs     map[string]string // idempotency key -> agency reference
	received []json.RawMessage
	messages []json.RawMessage
	steps    map[string][]string // referral -> kinds Karton took
}

// SetAgencyClient lets the agency answer referrals by itself.
func (s *Server) SetAgencyClient(c AgencyClient) {
	s.agency.mu.Lock()
	s.agency.client = &c
	s.agency.mu.Unlock()
}

// AgencyReferrals and AgencyMessages are what the agency took, once each.
func (s *Server) AgencyReferrals() []json.RawMessage {
	s.agency.mu.Lock()
	defer s.agency.mu.Unlock()
	return append([]json.RawMessage{}, s.agency.received...)
}

// AgencyMessages are the reminders and outcomes the agency took.
func (s *Server) AgencyMessages() []json.RawMessage {
	s.agency.mu.Lock()
	defer s.agency.mu.Unlock()
	return append([]json.RawMessage{}, s.agency.messages...)
}

// AgencySteps are the steps Karton took from the agency for a referral.
func (s *Server) AgencySteps(referral string) []string {
	s.agency.mu.Lock()
	defer s.agency.mu.Unlock()
	return append([]string{}, s.agency.steps[referral]...)
}

func (s *Server) serveAgency(w http.ResponseWriter, r *http.Request) {
	isReferral := r.URL.Path == "/agency/activation/referrals"
	took := s.AgencyMessages
	if isReferral {
		took = s.AgencyReferrals
	}
	f := s.Faults()
	body, ok := counterpart(w, r, f.AgencyDown, "employment agency", "items", took)
	if !ok {
		return
	}
	var m struct {
		ReferralID string `json:"referral_id"`
		StepsURL   string `json:"steps_url"`
	}
	if json.Unmarshal(body, &m) != nil || m.ReferralID == "" || (isReferral && m.StepsURL == "") {
		writeErr(w, http.StatusBadRequest, "invalid message", "want JSON with referral_id (and steps_url for a referral)")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	a := &s.agency
	a.mu.Lock()
	if a.refs == nil {
		a.refs = map[string]string{}
	}
	ref, seen := a.refs[m.ReferralID+"/"+key]
	if !seen {
		ref = fmt.Sprintf("ZZZ-%d-%05d", time.Now().Year(), len(a.refs)+1)
		a.refs[m.ReferralID+"/"+key] = ref
		if isReferral {
			a.received = append(a.received, body)
		} else {
			a.messages = append(a.messages, body)
		}
	}
	client := a.client
	a.mu.Unlock()
	if isReferral && !seen && !f.AgencyManual && client != nil {
		script := f.AgencyScript
		if len(script) == 0 {
			script = DefaultAgencyScript
		}
		delay := f.AgencyStepDelay
		if delay <= 0 {
			delay = 2 * time.Second
		}
		go func() {
			s.answerReferral(*client, m.ReferralID, ref, m.StepsURL, script, delay)
		}()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(map[string]any{"agency_reference": ref, "received_at": time.Now().UTC()})
}

// answerReferral reports script's steps of a referral, one every delay,
// each retried (the same step id) until Karton answers 2xx.
func (s *Server) answerReferral(c AgencyClient, referral, ref, stepsURL string, script []string, delay time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	hc := (&clientcredentials.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, TokenURL: c.TokenURL}).Client(ctx)
	hc.Timeout = 30 * time.Second
	for i, kind := range script {
		time.Sleep(delay)
		step := map[string]string{"step_id": fmt.Sprintf("%s/%d", ref, i+1), "kind": kind, "occurred_at": time.Now().UTC().Format(time.RFC3339),
			"agency_reference": ref, "officer": "Biro rada (simulated)"}
		switch kind {
		case "acknowledged":
			step["status"] = "registered"
		case "job_offer_refused", "measure_offered":
			step["measure"] = "a job offer: warehouse worker, Podgorica"
		case "employed":
			step["employer"] = "Plantaže 13. jul"
		}
		body, _ := json.Marshal(step)
		for try := 0; ; try++ {
			if ctx.Err() != nil {
				return
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.APIURL+stepsURL, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", step["step_id"])
			resp, err := hc.Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					s.agency.mu.Lock()
					if s.agency.steps == nil {
						s.agency.steps = map[string][]string{}
					}
					s.agency.steps[referral] = append(s.agency.steps[referral], kind)
					s.agency.mu.Unlock()
					break
				}
				if resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusTooManyRequests {
					return // Karton refuses it: a person must look
				}
			}
			time.Sleep(min(time.Duration(try+1)*time.Second, 10*time.Second))
		}
	}
}
