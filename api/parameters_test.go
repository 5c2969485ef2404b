package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/api"
)

// startedRun is a workflow the fake Temporal started.
type startedRun struct{ client.WorkflowRun }

func (startedRun) GetID() string    { return "reassessment" }
func (startedRun) GetRunID() string { return "run" }

// startingTemporal starts every workflow it is asked to and remembers its id.
type startingTemporal struct {
	client.Client
	started []string
	down    int // the first calls fail, as a Temporal that is down
}

func (s *startingTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	if s.down > 0 {
		s.down--
		return nil, errors.New("temporal is down")
	}
	s.started = append(s.started, o.ID)
	return startedRun{}, nil
}

// TestPublishParameterValue: a ministry officer proposes a new MO
// threshold; bad values are refused naming their field; the author may
// not approve it; another officer does, once, and the reassessment starts
// and can be read.
func TestPublishParameterValue(t *testing.T) {
	tc := &startingTemporal{down: 1}
	ts, _ := newServerFor(t, func(d *api.Deps) { d.Temporal = tc })
	for _, tt := range []struct{ body, field string }{
		{`{"name":"mo.threshold.size_9","valid_from":"2025-01-01","value":"90","legal_ref":"Sl. list CG 1/2025"}`, "name"},
		{`{"name":"mo.threshold.size_1","valid_from":"2025-01-01","value":"90","legal_ref":" "}`, "legal_ref"},
		{`{"name":"mo.threshold.size_1","valid_from":"1 Jan 2025","value":"90","legal_ref":"x"}`, "valid_from"},
		{`{"name":"mo.threshold.size_1","valid_from":"2025-01-01","value":"ninety","legal_ref":"x"}`, "value"},
		{`{"name":"mo.threshold.size_1","valid_from":"2025-01-01","value":"-1","legal_ref":"x"}`, "value"},
	} {
		code, b := doAs(t, ts, "goran.ministry", "POST", "/api/v1/parameters", tt.body)
		var e errBody
		_ = json.Unmarshal(b, &e)
		if code != http.StatusBadRequest || e.Error.Field != tt.field {
			t.Errorf("propose %s = %d %s; want 400 on %s", tt.body, code, b, tt.field)
		}
	}
	if code, b := doAs(t, ts, "nina.finance", "POST", "/api/v1/parameters", `{"name":"mo.threshold.size_1","valid_from":"2025-01-01","value":"90","legal_ref":"x"}`); code != http.StatusForbidden {
		t.Fatalf("a finance officer proposing = %d %s; want 403", code, b)
	}
	code, b := doAs(t, ts, "goran.ministry", "POST", "/api/v1/parameters", `{"name":"mo.threshold.size_1","valid_from":"2024-02-17","value":90.5,"legal_ref":"Sl. list CG 10/2024"}`)
	var v struct {
		ID       int64
		State    string
		Value    string
		Benefits []string
	}
	if err := json.Unmarshal(b, &v); code != http.StatusCreated || err != nil || v.State != "proposed" || v.Value != "90.5" || len(v.Benefits) != 1 {
		t.Fatalf("propose = %d %s", code, b)
	}
	approve := fmt.Sprintf("/api/v1/parameters/%d/approve", v.ID)
	if code, b := doAs(t, ts, "goran.ministry", "POST", approve, ""); code != http.StatusForbidden || !strings.Contains(string(b), "four eyes") {
		t.Fatalf("the author approving = %d %s; want 403", code, b)
	}
	// Temporal is down at the first approval: approved, the reassessment
	// pending; approving again starts it; once started, a 409.
	if code, b := doAs(t, ts, "jovana.ministry", "POST", approve, ""); code != http.StatusServiceUnavailable {
		t.Fatalf("approve with Temporal down = %d %s; want 503", code, b)
	}
	code, b = doAs(t, ts, "jovana.ministry", "POST", approve, "")
	var ap struct {
		Value        struct{ State string }
		Reassessment string
	}
	if err := json.Unmarshal(b, &ap); code != http.StatusAccepted || err != nil || ap.Value.State != "approved" || len(tc.started) != 1 ||
		!strings.HasPrefix(tc.started[0], "reassessment/") {
		t.Fatalf("approve = %d %s, started %v", code, b, tc.started)
	}
	if code, b := doAs(t, ts, "jovana.ministry", "POST", approve, ""); code != http.StatusConflict || len(tc.started) != 1 {
		t.Fatalf("approve again once started = %d %s; want 409", code, b)
	}
	if code, b := doAs(t, ts, "goran.ministry", "POST", approve, ""); code != http.StatusConflict {
		t.Fatalf("the author approving an approved value = %d %s; want 409", code, b)
	}
	if code, b := doAs(t, ts, "jovana.ministry", "POST", "/api/v1/parameters/999/approve", ""); code != http.StatusNotFound {
		t.Fatalf("approve an unknown value = %d %s; want 404", code, b)
	}
	code, b = doAs(t, ts, "luka.analyst", "GET", ap.Reassessment, "")
	var r struct {
		State, Parameter string
		EffectiveFrom    string `json:"effective_from"`
		Benefits         []string
	}
	if err := json.Unmarshal(b, &r); code != http.StatusOK || err != nil || r.State != "running" || r.EffectiveFrom != "2024-02-17" || len(r.Benefits) != 1 || r.Benefits[0] != "MO" {
		t.Fatalf("reassessment = %d %s", code, b)
	}
	code, b = doAs(t, ts, "nina.finance", "GET", "/api/v1/parameters?state=approved", "")
	var list struct {
		Values     []struct{ ID int64 }
		Parameters []struct{ Name string }
	}
	if err := json.Unmarshal(b, &list); code != http.StatusOK || err != nil || len(list.Values) != 1 || len(list.Parameters) < 20 {
		t.Fatalf("list = %d %s", code, b)
	}
	if code, b := doAs(t, ts, "goran.ministry", "GET", "/api/v1/reassessments/77", ""); code != http.StatusNotFound {
		t.Fatalf("an unknown reassessment = %d %s; want 404", code, b)
	}
}
