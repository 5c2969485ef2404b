package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// grantRight records an MO right of the household (applicant first) from
// January, paying amount, with its next revision on next.
func grantRight(t *testing.T, s *system.System, members []domain.PersonID, amount string, next time.Time) store.Entitlement {
	t.Helper()
	ctx := context.Background()
	p, err := s.DB.PersonByID(ctx, members[0])
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(time.Now().Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := s.DB.CreateClaim(ctx, store.Claim{Benefit: "MO", ApplicantID: p.ID, CentreID: p.CentreID, PayeeIBAN: "ME25505000012345678951",
		Consent: true, FiledBy: "migration", Period: from, Members: members})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.DB.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "MO",
		Amount: decimal.RequireFromString(amount), PeriodFrom: from, PreparedBy: "migration", ApprovedBy: "migration-check", IssuedAt: from})
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.DB.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
		PayeeIBAN: c.PayeeIBAN, Amount: decimal.RequireFromString(amount), Periodicity: "monthly", ValidFrom: from, NextRevision: &next})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestRevisionOverHTTP: a right paying more than the law now gives falls
// due; the supervisor sees it on the board; the daily sweep starts its
// revision, which fetches the evidence again and proposes the lower
// amount; a caseworker accepts, a supervisor (not the caseworker)
// approves; a decision with its PDF and a version of the right from the
// first of next month follow, and the next revision in six months.
func TestRevisionOverHTTP(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 200, SimFaults: sim.Faults{Latency: 2 * time.Millisecond}}, 200)
	ctx := context.Background()
	var households [][]domain.PersonID
	for i := 0; i < s.Population.Size() && len(households) < 2; i++ {
		h := s.Population.Household(i)
		if h.Address.Municipality != "ME-16" || !poor(h) {
			continue
		}
		var ids []domain.PersonID
		for _, m := range h.Members {
			p, err := s.DB.PersonByJMBG(ctx, m.JMBG)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		households = append(households, ids)
	}
	if len(households) < 2 {
		t.Fatal("fewer than two poor Podgorica households in the demo population")
	}
	now := time.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	right := grantRight(t, s, households[0], "300.00", today.AddDate(0, 0, -3)) // above every MO threshold
	ended := grantRight(t, s, households[1], "87.91", today)
	if _, _, err := s.DB.AddVersion(ctx, store.Version{EntitlementID: ended.ID, RightVersion: domain.RightVersion{From: today,
		State: domain.RightEnded, Reason: domain.ReasonCorrection}, Source: "test:end", CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}

	// Bad input: an unknown right, an ended one, a board state that is not one.
	if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/entitlements/00000000-0000-0000-0000-000000000000/revisions", ""); code != 404 {
		t.Fatalf("revising an unknown right = %d %s; want 404", code, body)
	}
	if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/entitlements/"+ended.ID+"/revisions", ""); code != 409 || !strings.Contains(string(body), "ended") {
		t.Fatalf("revising an ended right = %d %s; want 409 saying it ended", code, body)
	}
	if code, body := as(t, "marko.supervisor", "GET", s.APIURL+"/api/v1/revisions?state=late", ""); code != 400 {
		t.Fatalf("board state late = %d %s; want 400", code, body)
	}
	if code, body := as(t, "ana.caseworker", "GET", s.APIURL+"/api/v1/revisions?state=due", ""); code != 403 {
		t.Fatalf("a caseworker's board = %d %s; want 403", code, body)
	}
	board := func(state string) string {
		_, body := as(t, "marko.supervisor", "GET", s.APIURL+"/api/v1/revisions?state="+state, "")
		return string(body)
	}
	if b := board("due"); !strings.Contains(b, right.ID) || strings.Contains(b, ended.ID) {
		t.Fatalf("the board's due revisions: %s", b)
	}

	// The daily sweep, as its schedule starts it.
	run, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.RevisionSweepID, TaskQueue: workflows.TaskQueue},
		workflows.NameRevisionSweep, workflows.RevisionSweepInput{})
	if err != nil {
		t.Fatal(err)
	}
	var swept workflows.RevisionSweepResult
	if err := run.Get(ctx, &swept); err != nil {
		t.Fatal(err)
	}
	if swept.Started < 1 {
		t.Fatalf("sweep: %+v", swept)
	}
	id := workflows.RevisionID(workflows.RevisionInput{EntitlementID: right.ID, Due: today.AddDate(0, 0, -3).Format(time.DateOnly)})
	review := waitTask(t, s.APIURL, "ana.caseworker", id, workflows.TaskRevisionReview)
	if b := board("running"); !strings.Contains(b, id) {
		t.Fatalf("the board's running revisions: %s", b)
	}
	var revs struct {
		Revisions []struct {
			ID, State, Proposal string
			AmountAfter         string `json:"amount_after"`
			Lines               []struct{ What, Value string }
			Decision            *struct {
				ID          string
				DocumentURL string `json:"document_url"`
			}
			EffectiveFrom string `json:"effective_from"`
			NextRevision  string `json:"next_revision"`
		}
	}
	getRevs := func() {
		code, body := as(t, "ana.caseworker", "GET", s.APIURL+"/api/v1/entitlements/"+right.ID+"/revisions", "")
		if code != 200 {
			t.Fatalf("revisions = %d %s", code, body)
		}
		revs.Revisions = nil
		_ = json.Unmarshal(body, &revs)
	}
	getRevs()
	if len(revs.Revisions) != 1 || revs.Revisions[0].Proposal != "change" || len(revs.Revisions[0].Lines) < 3 {
		t.Fatalf("the proposal before review: %+v", revs)
	}
	if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/tasks/"+review+"/complete", `{"outcome":"accept"}`); code != 200 {
		t.Fatalf("accept = %d %s", code, body)
	}
	approval := waitTask(t, s.APIURL, "marko.supervisor", id, workflows.TaskRevisionApprov)
	if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/tasks/"+approval+"/complete", `{"outcome":"approve"}`); code != 403 {
		t.Fatalf("the caseworker approving the fall = %d %s; want 403", code, body)
	}
	if code, body := as(t, "marko.supervisor", "POST", s.APIURL+"/api/v1/tasks/"+approval+"/complete", `{"outcome":"approve"}`); code != 200 {
		t.Fatalf("approve = %d %s", code, body)
	}
	deadline := time.Now().Add(60 * time.Second)
	for getRevs(); revs.Revisions[0].State == "running"; getRevs() {
		if time.Now().After(deadline) {
			t.Fatalf("the revision never ended: %+v", revs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	r := revs.Revisions[0]
	nextMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	if r.State != "changed" || r.Decision == nil || r.EffectiveFrom != nextMonth.Format(time.DateOnly) ||
		r.NextRevision != today.AddDate(0, 0, -3).AddDate(0, 6, 0).Format(time.DateOnly) {
		t.Fatalf("the revision's outcome: %+v", r)
	}
	code, pdf := as(t, "ana.caseworker", "GET", s.APIURL+r.Decision.DocumentURL, "")
	if code != 200 || !bytes.HasPrefix(pdf, []byte("%PDF")) || !bytes.Contains(pdf, []byte("revision="+id)) {
		t.Fatalf("decision document = %d (%d bytes)", code, len(pdf))
	}
	vs, err := s.DB.Versions(ctx, right.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := vs[len(vs)-1]
	if len(vs) != 2 || last.Reason != domain.ReasonRevision || last.Source != "revision:"+id || !last.From.Equal(nextMonth) ||
		last.Amount.StringFixed(2) != r.AmountAfter || last.DecisionID != r.Decision.ID {
		t.Fatalf("the right's versions: %+v", vs)
	}
	e, _ := s.DB.EntitlementByID(ctx, right.ID)
	if e.NextRevision == nil || e.NextRevision.Format(time.DateOnly) != r.NextRevision {
		t.Fatalf("the right's next revision: %v", e.NextRevision)
	}
	if b := board("due"); strings.Contains(b, right.ID) {
		t.Fatalf("revised, the right is still due: %s", b)
	}
	fmt.Println("revision", id, "->", r.AmountAfter, "from", r.EffectiveFrom, "next", r.NextRevision)

	// Revised by hand today: the revision asks the registries again and,
	// nothing having changed, ends by itself; asked again today, it is a
	// 409, not the ended run handed back as if it had started.
	code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/entitlements/"+right.ID+"/revisions", "")
	var manual struct{ ID string }
	if code != 202 || json.Unmarshal(body, &manual) != nil {
		t.Fatalf("a revision by hand = %d %s; want 202", code, body)
	}
	waitWorkflowDone(t, s, manual.ID)
	if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/entitlements/"+right.ID+"/revisions", ""); code != 409 || !strings.Contains(string(body), "revised today already") {
		t.Fatalf("a second revision by hand today = %d %s; want 409 saying it was revised today", code, body)
	}
}
