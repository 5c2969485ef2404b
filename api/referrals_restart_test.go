package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// flakyReferralTemporal is referralTemporal with the workflow service down for the
// next `down` starts, and the runs going on kept: a start of a running
// workflow answers its run (as the SDK does) and takes no step count back.
type flakyReferralTemporal struct {
	*referralTemporal
	down    int
	running map[string]bool
	options []client.StartWorkflowOptions
}

func (p *flakyReferralTemporal) ExecuteWorkflow(ctx context.Context, o client.StartWorkflowOptions, w any, args ...any) (client.WorkflowRun, error) {
	p.options = append(p.options, o)
	if p.down > 0 {
		p.down--
		return nil, serviceerror.NewUnavailable("connection refused")
	}
	if p.running[o.ID] {
		return namedRun{id: o.ID}, nil
	}
	p.running[o.ID] = true
	return p.referralTemporal.ExecuteWorkflow(ctx, o, w, args...)
}

// TestReferralWorkflowRestarts: with the workflow service down, a referral
// is answered 503 saying it is recorded and waits; sent again while the
// service is still down, 503 again and no second referral; sent again once
// it is up, the same referral (200) with its workflow started under its id
// (a failed run started again, a completed one not), and Sunce accepts it.
// A second child's referral whose workflow did not start is answered by
// the provider directly: its workflow starts first (503 while down, the
// referral still referred). A referral past referred is a 409 as before.
func TestReferralWorkflowRestarts(t *testing.T) {
	ctx := context.Background()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	tc := &flakyReferralTemporal{referralTemporal: &referralTemporal{steps: map[int64]int{}}, running: map[string]bool{}}
	ts, db := newServerFor(t, func(d *api.Deps) { d.Temporal, d.Now = tc, func() time.Time { return today } })
	tc.acts = &activities.Activities{DB: db, Now: func() time.Time { return today }}
	if _, err := devstack.LoadDemoServices(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	referralChild(t, db, "S-2026-700201", "P14", 130)
	referralChild(t, db, "S-2026-700202", "P14", 131)
	path := "/api/v1/cases/S-2026-700201/service-referrals"
	var forms struct{ Contracts []struct{ ID int64 } }
	if code, b := doAs(t, ts, "ana.caseworker", "GET", path, ""); code != http.StatusOK || json.Unmarshal(b, &forms) != nil || len(forms.Contracts) != 1 {
		t.Fatalf("the case's contracts: %d %s", code, b)
	}
	body := fmt.Sprintf(`{"contract_id":%d}`, forms.Contracts[0].ID)

	tc.down = 2
	for try := range 2 {
		if code, b := doAs(t, ts, "ana.caseworker", "POST", path, body); code != http.StatusServiceUnavailable || !strings.Contains(string(b), "is recorded but the workflow service did not take it") {
			t.Fatalf("try %d with the workflow service down: %d %s", try, code, b)
		}
	}
	list, err := db.ServiceReferrals(ctx, store.ServiceReferralFilter{CaseNumber: "S-2026-700201", CentreID: "csr-podgorica"})
	if err != nil || len(list) != 1 || list[0].State != "referred" {
		t.Fatalf("the case's referrals after two tries: %+v %v", list, err)
	}
	id := list[0].ID
	var r struct {
		ID    int64
		State string
	}
	code, b := doAs(t, ts, "ana.caseworker", "POST", path, body)
	if code != http.StatusOK || json.Unmarshal(b, &r) != nil || r.ID != id || r.State != "referred" {
		t.Fatalf("the same referral again, the service up: %d %s", code, b)
	}
	if !slices.Equal(tc.started, []string{workflows.ServiceReferralID(id)}) {
		t.Errorf("workflows started: %v", tc.started)
	}
	for _, o := range tc.options {
		if o.ID != workflows.ServiceReferralID(id) || o.WorkflowIDReusePolicy != enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY ||
			o.WorkflowIDConflictPolicy != enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING {
			t.Errorf("a start's options: %+v", o)
		}
	}
	one := fmt.Sprintf("/api/v1/service-referrals/%d", id)
	accept := fmt.Sprintf(`{"answer":"accept","start_day":%q}`, today.Format(time.DateOnly))
	if code, b := doAs(t, ts, "tamara.sunce", "POST", one+"/answer", accept); code != http.StatusOK || !strings.Contains(string(b), `"state":"active"`) {
		t.Fatalf("Sunce accepts: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", path, body); code != http.StatusConflict || !strings.Contains(string(b), "is active") {
		t.Errorf("an active referral's case refers again: %d %s", code, b)
	}

	// The second child: the provider's answer starts the workflow first.
	tc.down = 1
	second := "/api/v1/cases/S-2026-700202/service-referrals"
	if code, b := doAs(t, ts, "ana.caseworker", "POST", second, body); code != http.StatusServiceUnavailable {
		t.Fatalf("the second child with the service down: %d %s", code, b)
	}
	list, err = db.ServiceReferrals(ctx, store.ServiceReferralFilter{CaseNumber: "S-2026-700202", CentreID: "csr-podgorica"})
	if err != nil || len(list) != 1 {
		t.Fatalf("the second case's referrals: %+v %v", list, err)
	}
	two := fmt.Sprintf("/api/v1/service-referrals/%d", list[0].ID)
	tc.down = 1
	if code, b := doAs(t, ts, "tamara.sunce", "POST", two+"/answer", `{"answer":"wait"}`); code != http.StatusServiceUnavailable {
		t.Fatalf("Sunce answers, the service down: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "GET", two, ""); code != http.StatusOK || !strings.Contains(string(b), `"state":"referred"`) {
		t.Errorf("the referral after a refused answer: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "tamara.sunce", "POST", two+"/answer", `{"answer":"wait"}`); code != http.StatusOK || !strings.Contains(string(b), `"state":"waiting"`) {
		t.Fatalf("Sunce answers, the service up: %d %s", code, b)
	}
	if want := []string{workflows.ServiceReferralID(id), workflows.ServiceReferralID(list[0].ID)}; !slices.Equal(tc.started, want) {
		t.Errorf("workflows started: %v, want %v", tc.started, want)
	}
}
