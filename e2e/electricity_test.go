package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/workflows"
)

// A month's list for the power utility is sent once: asking again while
// its exchange runs joins it (202, the same exchange); once the exchange
// has ended, asking again is a 409 that says so, and nothing starts.
func TestElectricityMonthIsSentOnce(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 60, SimFaults: sim.Faults{Latency: 2 * time.Millisecond}}, 20)
	month := domain.MonthOf(time.Now()).String()
	api := s.APIURL + "/api/v1"
	start := fmt.Sprintf(`{"period":%q}`, month)
	var first, again struct{ ID string }
	code, b := as(t, "nina.finance", "POST", api+"/electricity-lists", start)
	if code != http.StatusAccepted || json.Unmarshal(b, &first) != nil {
		t.Fatalf("start the month's list = %d %s; want 202", code, b)
	}
	code, b = as(t, "nina.finance", "POST", api+"/electricity-lists", start)
	if code != http.StatusAccepted || json.Unmarshal(b, &again) != nil || again.ID != first.ID {
		t.Fatalf("start it again while it runs = %d %s; want 202 with %s", code, b, first.ID)
	}

	sendElectricityList(t, api, month)
	waitWorkflowDone(t, s, workflows.ElectricityID(month))

	code, b = as(t, "nina.finance", "POST", api+"/electricity-lists", start)
	if code != http.StatusConflict || !strings.Contains(string(b), "sent already") {
		t.Fatalf("start the month's list after it was sent = %d %s; want 409 saying it was sent", code, b)
	}
}

// sendElectricityList takes the month's list, once prepared, through its
// submission by one finance officer and its approval by another (by its
// SHA-256), after which it goes to the power utility.
func sendElectricityList(t *testing.T, api, month string) {
	t.Helper()
	url := api + "/electricity-lists/" + month
	var list struct{ State, SHA256 string }
	waitState := func(want string) {
		t.Helper()
		waitForState(t, "electricity list", url, want, 60*time.Second, &list, func() string { return list.State })
	}
	waitState("awaiting_submission")
	if code, b := as(t, "nina.finance", "POST", url+"/submit", ""); code != http.StatusOK {
		t.Fatalf("submit = %d %s", code, b)
	}
	waitState("awaiting_approval")
	if code, b := as(t, "marija.finance", "POST", url+"/approve", fmt.Sprintf(`{"sha256":%q}`, list.SHA256)); code != http.StatusOK {
		t.Fatalf("approve = %d %s", code, b)
	}
}
