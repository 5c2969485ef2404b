package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// agriculture: last month's file of the farmers' old-age allowance over
// the demo's households, uploaded by a finance officer; its first person
// holds an MO right of Podgorica's centre in force (granted here in the
// database), so the import opens one conflict, whose task a caseworker
// closes with no_action.
func (r *recorder) agriculture(t *testing.T) {
	ctx := context.Background()
	month := domain.MonthOf(domain.MonthOf(time.Now()).First().AddDate(0, -1, 0))
	file := sim.AgricultureFile(r.s.Population, 200, month)
	var first domain.JMBG
	for i := 0; i < 200 && first == ""; i++ {
		h := r.s.Population.Household(i)
		for k := range h.Members {
			if sim.FarmerAllowance(h, k).IsPositive() {
				first = h.Members[k].JMBG
				break
			}
		}
	}
	if first == "" {
		t.Fatal("no farmer among the demo's households")
	}
	p, err := r.s.DB.PersonByJMBG(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	from := month.First().AddDate(0, -6, 0)
	c, err := r.s.DB.CreateClaim(ctx, store.Claim{Benefit: "MO", ApplicantID: p.ID, CentreID: "csr-podgorica", Consent: true, FiledBy: "record",
		Period: from, Members: []domain.PersonID{p.ID}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := r.s.DB.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: "csr-podgorica", Kind: "grant", Benefit: "MO",
		Amount: decimal.RequireFromString("90.00"), PeriodFrom: from, PreparedBy: "ana.caseworker", ApprovedBy: "marko.supervisor", IssuedAt: from})
	if err != nil {
		t.Fatal(err)
	}
	e, err := r.s.DB.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
		Amount: decimal.RequireFromString("90.00"), Periodicity: "monthly", ValidFrom: from, CreatedBy: "marko.supervisor"})
	if err != nil {
		t.Fatal(err)
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", "staracke.csv")
	_, _ = w.Write(file)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", r.api+"/exchanges/agriculture", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	tok, err := r.s.Token("nina.finance")
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	var got struct {
		Conflicts  int
		WorkflowID string `json:"workflow_id"`
	}
	_ = json.Unmarshal(b, &got)
	if resp.StatusCode != http.StatusCreated || got.Conflicts != 1 {
		t.Fatalf("upload = %d %s; want 201 with one conflict", resp.StatusCode, b)
	}
	r.saveDone(t, "agriculture_import.json", got.WorkflowID)

	conflict := workflows.AgricultureConflictID(activities.AgricultureConflictRef{PersonID: p.ID, Period: month.String(), EntitlementID: e.ID})
	r.complete(t, "ana.caseworker", workflows.TaskID(conflict, "review"), `{"outcome":"no_action"}`)
	r.saveDone(t, "agriculture_conflict.json", conflict)
}
