package system

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/karton-social/karton/domain"
)

// DemoServiceChild is the child the demo refers to the day-care centre
// Sunce (issue 23): carried over from the centre's paper files, the
// referral made and the service started on the first of last month, so
// that on `make run` the centre's staff can record last month's attendance
// and report its cost at once.
type DemoServiceChild struct {
	Person     domain.Person
	CaseNumber string
	ReferralID int64
}

// SeedServiceWalk registers the demo child in Podgorica, and over the
// system's own API opens its day-care case (P26) as ana.caseworker, refers
// it to Sunce's contract and has tamara.sunce accept it; then dates the
// referral and its start to the first of last month. Run once, on the
// first start.
func (s *System) SeedServiceWalk(ctx context.Context, now time.Time) (DemoServiceChild, error) {
	var out DemoServiceChild
	j, err := domain.MakeJMBG(now.AddDate(-9, -2, 0), 21, 733)
	if err != nil {
		return out, err
	}
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "Bulevar Ivana Crnojevića 10")
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Luka", FamilyName: "Perović", Address: addr})
	if err != nil {
		return out, err
	}
	if out.Person, err = s.DB.CreatePerson(ctx, p, "demo"); err != nil {
		return out, fmt.Errorf("demo child: %w", err)
	}
	var opened struct{ Number string }
	body := fmt.Sprintf(`{"procedure":"P26","persons":[{"person_id":%q,"role":"beneficiary"}],"intake":{"source":"walk_in",`+
		`"description":"Roditelji traže dnevni boravak poslije škole.","urgency":"routine","outcome":"open_case"}}`, out.Person.ID)
	if err := s.demoCall(ctx, "ana.caseworker", "POST", "/cases", body, http.StatusAccepted, &opened); err != nil {
		return out, err
	}
	out.CaseNumber = opened.Number
	var offer struct {
		Contracts []struct {
			ID          int64
			ProviderPIB string `json:"provider_pib"`
		}
	}
	var ref struct{ ID int64 }
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := s.demoCall(ctx, "ana.caseworker", "GET", "/cases/"+out.CaseNumber+"/service-referrals", "", http.StatusOK, &offer)
		if err == nil && len(offer.Contracts) > 0 {
			break
		}
		if time.Now().After(deadline) {
			return out, fmt.Errorf("demo referral: the case's contracts: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, c := range offer.Contracts {
		if c.ProviderPIB != "02655284" {
			continue
		}
		body = fmt.Sprintf(`{"contract_id":%d,"service":"day_care_disability","person_id":%q}`, c.ID, out.Person.ID)
		if err := s.demoCall(ctx, "ana.caseworker", "POST", "/cases/"+out.CaseNumber+"/service-referrals", body, http.StatusCreated, &ref); err != nil {
			return out, err
		}
	}
	if ref.ID == 0 {
		return out, fmt.Errorf("demo referral: no contract with Sunce offered")
	}
	out.ReferralID = ref.ID
	answer := fmt.Sprintf(`{"answer":"accept","start_day":%q}`, now.Format(time.DateOnly))
	if err := s.demoCall(ctx, "tamara.sunce", "POST", fmt.Sprintf("/service-referrals/%d/answer", ref.ID), answer, http.StatusOK, nil); err != nil {
		return out, err
	}
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	if _, err := s.DB.Pool().Exec(ctx, `UPDATE service_referrals SET referred_on = $2, started_on = $2 WHERE id = $1`, ref.ID, first); err != nil {
		return out, fmt.Errorf("demo referral's days: %w", err)
	}
	return out, nil
}

// demoCall sends a request to the system's API as a demo user and decodes
// the answer of the wanted status into into (if not nil).
func (s *System) demoCall(ctx context.Context, user, method, path, body string, want int, into any) error {
	token, err := s.Token(user)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, s.APIURL+"/api/v1"+path, bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("demo %s %s as %s = %d %s", method, path, user, resp.StatusCode, b)
	}
	if into != nil {
		return json.Unmarshal(b, into)
	}
	return nil
}
