package providers

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/karton-social/karton/domain"
)

func fields(errs []*domain.Error) string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return strings.Join(out, " ")
}

// TestCheckApplicationListsEveryProblem: a registration missing documents,
// dated in the past, with a bad PIB and an unknown service is refused
// with every fault named; a good one passes; the other kinds need a
// provider on the register.
func TestCheckApplicationListsEveryProblem(t *testing.T) {
	today := day("2026-12-01")
	good := Application{Kind: KindRegistration, PIB: "03012344", Name: "Dom Nada", Street: "Bulevar 1", Municipality: "ME-16",
		FoundedOn: day("2024-01-10"), Services: []string{"counselling"}, StartOn: day("2027-01-01"),
		Documents: []string{"statute", "premises", "staff_list"}}
	if _, err := domain.ParsePIB(string(good.PIB)); err != nil {
		t.Fatalf("the test's PIB: %v", err)
	}
	if errs := CheckApplication(good, today); errs != nil {
		t.Fatalf("a good registration: %v", errs)
	}
	bad := good
	bad.PIB, bad.StartOn, bad.Services, bad.Documents = "03012345", day("2026-11-30"), []string{"counselling", "juggling"}, []string{"statute"}
	got := fields(CheckApplication(bad, today))
	for _, f := range []string{"pib", "start_on", "services[1]", "documents.premises", "documents.staff_list"} {
		if !strings.Contains(" "+got+" ", " "+f+" ") {
			t.Errorf("a bad registration's faults %q do not name %s", got, f)
		}
	}
	on := good
	on.OnRegister = true
	if got := fields(CheckApplication(on, today)); got != "pib" {
		t.Errorf("a registration of a provider on the register: %q; want pib", got)
	}
	del := Application{Kind: KindDeletion, PIB: good.PIB, StartOn: day("2027-01-01")}
	if got := fields(CheckApplication(del, today)); got != "pib reason documents.deletion_request" {
		t.Errorf("a deletion of a provider not on the register, without reason or document: %q", got)
	}
	mod := Application{Kind: KindModification, PIB: good.PIB, OnRegister: true, StartOn: day("2027-01-01"), Reason: "a new service",
		Services: []string{"supported_housing"}, Documents: []string{"change_evidence"}}
	if errs := CheckApplication(mod, today); errs != nil {
		t.Errorf("a good modification: %v", errs)
	}
	if got := fields(CheckApplication(Application{Kind: "renewal"}, today)); got != "kind" {
		t.Errorf("a renewal filed by hand: %q; want kind", got)
	}
}

func TestCheckDraft(t *testing.T) {
	today := day("2026-12-01")
	cases := []struct {
		d    Draft
		want string
	}{
		{Draft{Outcome: OutcomeGrant, ValidFrom: "2027-01-01"}, ""},
		{Draft{Outcome: OutcomeGrant, ValidFrom: "2026-11-01"}, "valid_from"},
		{Draft{Outcome: OutcomeConditions, ValidFrom: "1.1.2027"}, "valid_from conditions"},
		{Draft{Outcome: OutcomeRefuse}, "reasons"},
		{Draft{Outcome: "maybe"}, "outcome"},
	}
	for _, c := range cases {
		if got := fields(CheckDraft(c.d, today)); got != c.want {
			t.Errorf("CheckDraft(%+v) = %q; want %q", c.d, got, c.want)
		}
	}
}

func TestInspectionReport(t *testing.T) {
	today := day("2026-12-01")
	good := `{"inspected_on":"2026-11-30","premises_suitable":true,"staff_qualified":true,"safety_measures":true,"records_kept":false,"findings":"Records to be set up."}`
	if err := CheckInspectionReport(json.RawMessage(good), today); err != nil {
		t.Fatalf("a good report: %v", err)
	}
	err := CheckInspectionReport(json.RawMessage(`{"inspected_on":"x","findings":""}`), today)
	var de *domain.Error
	if !errorsAs(err, &de) || len(de.Fields) < 5 {
		t.Errorf("a bad report: %v; want every failing field", err)
	}
	if err := CheckInspectionReport(json.RawMessage(strings.Replace(good, "2026-11-30", "2026-12-05", 1)), today); err == nil {
		t.Error("an inspection in the future was accepted")
	}
	if len(InspectionSchema()) == 0 {
		t.Error("no inspection schema")
	}
}

func errorsAs(err error, de **domain.Error) bool {
	e, ok := err.(*domain.Error)
	*de = e
	return ok
}

func TestExpiryWarnings(t *testing.T) {
	first, second := ExpiryWarnings(day("2032-12-31"))
	if first.Format("2006-01-02") != "2032-06-30" {
		t.Errorf("first warning %s", first)
	}
	if second.Format("2006-01-02") != "2032-09-30" {
		t.Errorf("second warning %s; want 2032-09-30", second)
	}
}
