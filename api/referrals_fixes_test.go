package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/workflows"
)

// TestProviderSeesNoCentreNotes: once ana.caseworker reviews Sunce's
// referral with a note, Sunce's tamara reads the referral (one and in the
// list) without the review's note, its author, or who referred the child.
func TestProviderSeesNoCentreNotes(t *testing.T) {
	ctx := context.Background()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	tc := &referralTemporal{steps: map[int64]int{}}
	ts, db := newServerFor(t, func(d *api.Deps) { d.Temporal, d.Now = tc, func() time.Time { return today } })
	tc.acts = &activities.Activities{DB: db, Now: func() time.Time { return today }}
	if _, err := devstack.LoadDemoServices(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	referralChild(t, db, "S-2026-700101", "P14", 120)
	id := referTo(t, ts, "S-2026-700101")
	one := fmt.Sprintf("/api/v1/service-referrals/%d", id)
	day := today.Format(time.DateOnly)
	for _, s := range []struct{ user, step, body string }{
		{"tamara.sunce", "/answer", fmt.Sprintf(`{"answer":"accept","start_day":%q}`, day)},
		{"ana.caseworker", "/review", fmt.Sprintf(`{"day":%q,"note":"comes gladly","outcome":"continue"}`, day)},
	} {
		if code, b := doAs(t, ts, s.user, "POST", one+s.step, s.body); code != http.StatusOK {
			t.Fatalf("%s %s: %d %s", s.user, s.step, code, b)
		}
	}
	for _, path := range []string{one, "/api/v1/service-referrals"} {
		code, b := doAs(t, ts, "tamara.sunce", "GET", path, "")
		if code != http.StatusOK || strings.Contains(string(b), "comes gladly") || strings.Contains(string(b), "ana.caseworker") {
			t.Errorf("Sunce reads %s: %d %s", path, code, b)
		}
	}
	if code, b := doAs(t, ts, "ana.caseworker", "GET", one, ""); code != http.StatusOK || !strings.Contains(string(b), "comes gladly") ||
		!strings.Contains(string(b), `"referred_by":"ana.caseworker"`) {
		t.Errorf("the centre reads its referral: %d %s", code, b)
	}
}

// referTo refers case number's child to Sunce's day care as ana.caseworker.
func referTo(t *testing.T, ts *httptest.Server, number string) int64 {
	t.Helper()
	path := "/api/v1/cases/" + number + "/service-referrals"
	var forms struct{ Contracts []struct{ ID int64 } }
	if code, b := doAs(t, ts, "ana.caseworker", "GET", path, ""); code != http.StatusOK || json.Unmarshal(b, &forms) != nil || len(forms.Contracts) != 1 {
		t.Fatalf("the case's contracts: %d %s", code, b)
	}
	code, b := doAs(t, ts, "ana.caseworker", "POST", path, fmt.Sprintf(`{"contract_id":%d}`, forms.Contracts[0].ID))
	var r struct{ ID int64 }
	if code != http.StatusCreated || json.Unmarshal(b, &r) != nil {
		t.Fatalf("the referral: %d %s", code, b)
	}
	return r.ID
}

var _ = errors.New
var _ client.Client
var _ = workflows.ServiceReferralID
