package e2e_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
)

// TestAppealOverHTTP: an MO grant from January is delivered two days ago;
// the caseworker files the person's appeal (a late date is refused naming
// the deadline, a second appeal is a conflict); the centre forwards it;
// the ministry's appeals officer changes the amount to 120.50 from the
// right's first day: a second-instance decision with its PDF, the right's
// new version (reason appeal) from January, and the decision final.
func TestAppealOverHTTP(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5}, 0)
	api := s.APIURL + "/api/v1"
	p := registerInPodgorica(t, s, time.Date(1983, 4, 12, 0, 0, 0, 0, time.UTC), 821, "Mirjana", "Šoć")
	e := grantAssistance(t, s, p, string(domain.MakeIBAN("510", 7700021)))
	d := "/decisions/" + e.DecisionID
	now := time.Now().UTC()
	day := func(n int) string { return now.AddDate(0, 0, n).Format(time.DateOnly) }

	if code, b := as(t, "ana.caseworker", "POST", api+d+"/delivery", `{"delivered_on":"`+day(-2)+`"}`); code != 200 ||
		!strings.Contains(string(b), `"appeal_deadline":"`+day(13)+`"`) {
		t.Fatalf("delivery = %d %s", code, b)
	}
	code, b := as(t, "ana.caseworker", "POST", api+d+"/appeals", `{"filed_on":"`+day(0)+`","grounds":"The son's income was counted though he moved out."}`)
	var ap struct{ ID string }
	_ = json.Unmarshal(b, &ap)
	if code != 202 || ap.ID == "" {
		t.Fatalf("appeal = %d %s", code, b)
	}
	if code, b := as(t, "ana.caseworker", "POST", api+d+"/appeals", `{"filed_on":"`+day(0)+`","grounds":"Again."}`); code != 409 || !strings.Contains(string(b), ap.ID) {
		t.Errorf("a second appeal = %d %s; want 409 naming %s", code, b, ap.ID)
	}

	// The centre does not change its decision: it forwards the appeal.
	number := func() string {
		_, b := as(t, "ana.caseworker", "GET", api+d+"/appeals", "")
		var v struct{ Number string }
		_ = json.Unmarshal(b, &v)
		return v.Number
	}()
	review := waitTask(t, s.APIURL, "ana.caseworker", ap.ID+": appeal against "+number, "appeal.review")
	if code, b := as(t, "ana.caseworker", "POST", api+"/tasks/"+review+"/complete", `{"outcome":"forward","data":{"reasoning":"The decision applied the rules; for the ministry."}}`); code != 200 {
		t.Fatalf("forward = %d %s", code, b)
	}
	decide := waitTask(t, s.APIURL, "vesna.appeals", ap.ID+": second instance, decision "+number, "appeal.decide")
	if code, b := as(t, "vesna.appeals", "POST", api+"/tasks/"+decide+"/complete", `{"outcome":"change","data":{"amount":"-1","reasoning":"x"}}`); code != 400 ||
		!strings.Contains(string(b), "amount") {
		t.Errorf("a negative amount = %d %s; want 400 naming amount", code, b)
	}
	from := e.ValidFrom.Format(time.DateOnly)
	if code, b := as(t, "vesna.appeals", "POST", api+"/tasks/"+decide+"/complete",
		`{"outcome":"change","data":{"amount":"120.50","from":"`+from+`","reasoning":"The son's income no longer counts: he moved out in December."}}`); code != 200 {
		t.Fatalf("change = %d %s", code, b)
	}

	var view struct {
		Finality string
		FinalOn  string `json:"final_on"`
		Appeals  []struct {
			State   string
			Outcome *struct {
				Number, Instance, Amount string
				DocumentURL              string `json:"document_url"`
			}
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		_, b := as(t, "ana.caseworker", "GET", api+d+"/appeals", "")
		_ = json.Unmarshal(b, &view)
		if len(view.Appeals) == 1 && view.Appeals[0].Outcome != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(view.Appeals) != 1 || view.Appeals[0].State != "changed" || view.Finality != "final" || view.Appeals[0].Outcome == nil ||
		view.Appeals[0].Outcome.Instance != "second" || view.Appeals[0].Outcome.Amount != "120.50" || !strings.HasPrefix(view.Appeals[0].Outcome.Number, "mrss/") {
		t.Fatalf("the decided appeal: %+v", view)
	}
	code, b = as(t, "vesna.appeals", "GET", s.APIURL+view.Appeals[0].Outcome.DocumentURL, "")
	if code != 200 || !strings.HasPrefix(string(b), "%PDF") {
		t.Fatalf("the second-instance decision's PDF = %d %.100s", code, b)
	}
	vs, err := s.DB.Versions(context.Background(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := vs[len(vs)-1]
	if last.Reason != domain.ReasonAppeal || last.Source != "appeal:"+ap.ID || last.Amount.StringFixed(2) != "120.50" || last.From.Format(time.DateOnly) != from ||
		last.Ref != view.Appeals[0].Outcome.Number {
		t.Fatalf("the right's versions: %+v; want the last from %s at 120.50, reason appeal", vs, from)
	}
	got, _ := s.DB.EntitlementByID(context.Background(), e.ID)
	if got.Amount.StringFixed(2) != "120.50" {
		t.Errorf("the right's amount after the appeal: %s", got.Amount)
	}
}
