package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// revisedRight grants an MO right in Podgorica with its revision due on next.
func revisedRight(t *testing.T, db *store.DB, serial int, next time.Time) store.Entitlement {
	t.Helper()
	ctx := context.Background()
	j, _ := domain.MakeJMBG(time.Date(1975, 5, 5, 0, 0, 0, 0, time.UTC), 21, serial)
	p := seedPerson(t, db, string(j), "Podgorica", "Ana", "Perović")
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := db.CreateClaim(ctx, store.Claim{Benefit: "MO", ApplicantID: p.ID, CentreID: p.CentreID, Consent: true, FiledBy: "t",
		Period: from, Members: []domain.PersonID{p.ID}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "MO",
		Amount: decimal.RequireFromString("87.91"), PeriodFrom: from, PreparedBy: "a", ApprovedBy: "b", IssuedAt: from})
	if err != nil {
		t.Fatal(err)
	}
	e, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
		Amount: decimal.RequireFromString("87.91"), Periodicity: "monthly", ValidFrom: from, NextRevision: &next})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestRevisionRoutes: the supervisor's board of due and overdue revisions,
// a right's revisions, and a manual start refused for an unknown or ended
// right before any workflow is asked.
func TestRevisionRoutes(t *testing.T) {
	ts, db := newServerFor(t, func(*api.Deps) {})
	today := time.Now().UTC().Truncate(24 * time.Hour)
	due := revisedRight(t, db, 201, today)
	late := revisedRight(t, db, 202, today.AddDate(0, -3, 0))
	ended := revisedRight(t, db, 203, today)
	if _, _, err := db.AddVersion(context.Background(), store.Version{EntitlementID: ended.ID, RightVersion: domain.RightVersion{From: today,
		State: domain.RightEnded, Reason: domain.ReasonCorrection}, Source: "test", CreatedBy: "t"}); err != nil {
		t.Fatal(err)
	}
	code, body := doAs(t, ts, "marko.supervisor", "GET", "/api/v1/revisions?state=due", "")
	if code != 200 || !strings.Contains(string(body), due.ID) || strings.Contains(string(body), late.ID) || strings.Contains(string(body), ended.ID) {
		t.Fatalf("due = %d %s", code, body)
	}
	if code, body := doAs(t, ts, "marko.supervisor", "GET", "/api/v1/revisions?state=overdue", ""); code != 200 || !strings.Contains(string(body), late.ID) ||
		!strings.Contains(string(body), `"overdue":true`) {
		t.Fatalf("overdue = %d %s", code, body)
	}
	if code, body := doAs(t, ts, "marko.supervisor", "GET", "/api/v1/revisions?state=running", ""); code != 200 || strings.Contains(string(body), due.ID) {
		t.Fatalf("running = %d %s", code, body)
	}
	if code, body := doAs(t, ts, "marko.supervisor", "GET", "/api/v1/revisions?state=soon", ""); code != 400 {
		t.Fatalf("state=soon = %d %s; want 400", code, body)
	}
	if code, body := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/revisions", ""); code != 403 {
		t.Fatalf("a caseworker's board = %d %s; want 403", code, body)
	}
	if code, body := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/entitlements/"+due.ID+"/revisions", ""); code != 200 || !strings.Contains(string(body), `"revisions":[]`) {
		t.Fatalf("a right's revisions = %d %s", code, body)
	}
	if code, body := doAs(t, ts, "jelena.caseworker", "GET", "/api/v1/entitlements/"+due.ID+"/revisions", ""); code != 403 {
		t.Fatalf("another centre's right = %d %s; want 403", code, body)
	}
	if code, body := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/entitlements/00000000-0000-0000-0000-000000000000/revisions", ""); code != 404 {
		t.Fatalf("an unknown right = %d %s; want 404", code, body)
	}
	if code, body := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/entitlements/"+ended.ID+"/revisions", ""); code != 409 || !strings.Contains(string(body), "ended") {
		t.Fatalf("an ended right = %d %s; want 409", code, body)
	}
}
