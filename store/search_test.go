package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

var serial = 0

// register registers a person born on birth living in municipality.
func register(t *testing.T, db *store.DB, given, family, municipality string, birth time.Time) domain.Person {
	t.Helper()
	serial++
	j, err := domain.MakeJMBG(birth, 21, serial)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := domain.ParseAddress(municipality, municipality, "Slobode 1")
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: given, FamilyName: family, Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = db.CreatePerson(context.Background(), p, "seed"); err != nil {
		t.Fatal(err)
	}
	return p
}

// A name is found whatever diacritics are typed (or left out), a page at
// a time with the count of all, never cut short silently; a date of birth
// tells namesakes apart; a centre finds its own persons only.
func TestSearchPersons(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	milica := register(t, db, "Milica", "Đurović", "Podgorica", day("1985-03-12"))
	marko := register(t, db, "Marko", "Đurović", "Podgorica", day("1979-07-01"))
	register(t, db, "Milica", "Đurović", "Nikšić", day("1985-03-12"))
	register(t, db, "Žarko", "Šćepanović", "Podgorica", day("1990-01-05"))
	for i := range 30 {
		register(t, db, "Ana", "Perović", "Podgorica", day("1960-01-01").AddDate(0, 0, i))
	}
	find := func(q store.PersonQuery) ([]store.PersonFound, int) {
		t.Helper()
		found, total, err := db.SearchPersons(ctx, q)
		if err != nil {
			t.Fatalf("SearchPersons(%+v): %v", q, err)
		}
		return found, total
	}
	for _, name := range []string{"Djurovic", "Durovic", "Đurović", "DJUROVIĆ", "đurović", "djur", "Dj"} {
		found, total := find(store.PersonQuery{CentreID: "csr-podgorica", Name: name})
		if total != 2 || len(found) != 2 {
			t.Errorf("%q finds %d (%d listed); want the two Đurović of Podgorica", name, total, len(found))
		}
	}
	if found, total := find(store.PersonQuery{CentreID: "csr-podgorica", Name: "djurovic mil"}); total != 1 || found[0].ID != milica.ID {
		t.Errorf("\"djurovic mil\" finds %+v; want Milica", found)
	}
	if found, _ := find(store.PersonQuery{CentreID: "csr-podgorica", Name: "zarko scepanovic"}); len(found) != 1 {
		t.Errorf("\"zarko scepanovic\" finds %d; want Žarko Šćepanović", len(found))
	}
	if _, total := find(store.PersonQuery{Name: "Đurović Milica"}); total != 2 {
		t.Errorf("across all centres Milica Đurović is found %d times; want 2 (Podgorica and Nikšić)", total)
	}
	b := day("1985-03-12")
	if found, total := find(store.PersonQuery{CentreID: "csr-podgorica", BirthDate: &b}); total != 1 || found[0].ID != milica.ID {
		t.Errorf("by date of birth: %d found; want Milica", total)
	}
	if _, total := find(store.PersonQuery{CentreID: "csr-podgorica", Name: "Marko", BirthDate: &b}); total != 0 {
		t.Errorf("Marko born on Milica's birthday: %d found; want none", total)
	}
	if found, total := find(store.PersonQuery{CentreID: "csr-niksic", JMBG: marko.JMBG}); total != 0 || len(found) != 0 {
		t.Errorf("Nikšić finds Podgorica's Marko by JMBG within its centre")
	}
	if found, _ := find(store.PersonQuery{JMBG: marko.JMBG}); len(found) != 1 || found[0].ID != marko.ID {
		t.Errorf("JMBG across centres = %+v; want Marko", found)
	}
	// Paging: 30 Perović, 20 a page, the count of all on every page.
	first, total := find(store.PersonQuery{CentreID: "csr-podgorica", Name: "perovic"})
	second, total2 := find(store.PersonQuery{CentreID: "csr-podgorica", Name: "perovic", Offset: 20})
	past, total3 := find(store.PersonQuery{CentreID: "csr-podgorica", Name: "perovic", Offset: 40})
	if total != 30 || len(first) != 20 || total2 != 30 || len(second) != 10 || total3 != 30 || len(past) != 0 {
		t.Errorf("paging: %d/%d, %d/%d, %d/%d; want 20/30, 10/30, 0/30", len(first), total, len(second), total2, len(past), total3)
	}
	if first[19].BirthDate.After(second[0].BirthDate) {
		t.Errorf("pages out of order: %s then %s", first[19].BirthDate, second[0].BirthDate)
	}
	if _, total := find(store.PersonQuery{CentreID: "csr-podgorica", Name: "%"}); total != 0 {
		t.Errorf("%%: %d found; a wildcard is a character like any other", total)
	}
	if found, total := find(store.PersonQuery{CentreID: "csr-podgorica"}); total != 0 || found != nil {
		t.Errorf("an empty query finds %d", total)
	}

	// Open rights and cases: a right not ended, an open case; a DV case only with WithDV.
	claim, err := db.CreateClaim(ctx, store.Claim{Benefit: "MO", ApplicantID: milica.ID, CentreID: milica.CentreID, Consent: true, FiledBy: "seed",
		Period: day("2026-01-01"), Members: []domain.PersonID{milica.ID}})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: claim.Number, CentreID: milica.CentreID, Kind: "grant", Benefit: "MO",
		Amount: decimal.RequireFromString("87.91"), PeriodFrom: claim.Period, PreparedBy: "a", ApprovedBy: "b", IssuedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: claim.Number, DecisionID: dec.ID, Benefit: "MO", BeneficiaryID: milica.ID,
		Amount: decimal.RequireFromString("87.91"), Periodicity: "monthly", ValidFrom: claim.Period}); err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for _, dv := range []bool{false, true} {
		number, err := db.NextCaseNumber(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: "P07", Version: 1, CentreID: milica.CentreID,
			Status: "open", Stage: "opening", OpenedBy: "seed", OpenedAt: time.Now(), DV: dv,
			Persons: []store.CasePerson{{PersonID: milica.ID, Role: "beneficiary"}, {PersonID: marko.ID, Role: "family"}}}}); err != nil {
			t.Fatal(err)
		}
		persons, err := db.PersonsOfCases(ctx, []string{number})
		if err != nil || len(persons[number]) != 2 || persons[number][0].Name != "Milica Đurović" || persons[number][0].Role != "beneficiary" {
			t.Errorf("PersonsOfCases = %+v, %v; want Milica (beneficiary) first", persons, err)
		}
		numbers = append(numbers, number)
	}
	// A page's numbers at once: each case its own persons, a number with
	// none absent.
	persons, err := db.PersonsOfCases(ctx, append(numbers, "Z-404"))
	if err != nil || len(persons) != 2 {
		t.Fatalf("PersonsOfCases(two cases and an unknown one) = %+v, %v; want the two cases", persons, err)
	}
	for _, number := range numbers {
		if got := persons[number]; len(got) != 2 || got[0].Role != "beneficiary" || got[1].Name != "Marko Đurović" {
			t.Errorf("case %s's persons = %+v; want Milica (beneficiary), then Marko", number, got)
		}
	}
	found, _ := find(store.PersonQuery{CentreID: "csr-podgorica", Name: "milica"})
	if len(found) != 1 || len(found[0].OpenRights) != 1 || found[0].OpenRights[0] != "MO" || found[0].OpenCases != 1 {
		t.Errorf("Milica's open rights and cases = %+v; want [MO] and 1 (the DV case left out)", found)
	}
	found, _ = find(store.PersonQuery{CentreID: "csr-podgorica", Name: "milica", DVCentre: "csr-podgorica"})
	if len(found) != 1 || found[0].OpenCases != 2 {
		t.Errorf("with DV, Milica's open cases = %+v; want 2", found)
	}
	names, err := db.PersonNames(ctx, []domain.PersonID{milica.ID, marko.ID, "not-a-uuid"})
	if err != nil || names[milica.ID] != "Milica Đurović" || names[marko.ID] != "Marko Đurović" || len(names) != 2 {
		t.Errorf("PersonNames = %v, %v", names, err)
	}
}

// A correction changes the name and address, is found by its new name at
// once, and keeps the values before and after with who and why.
func TestCorrectPerson(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	p := register(t, db, "Jovana", "Vujović", "Podgorica", time.Date(2006, 1, 21, 0, 0, 0, 0, time.UTC))
	at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	ex := store.Exchange{RequestID: "r1", PersonID: p.ID, Source: domain.SourcePopulation, RequestedAt: at, AnsweredAt: at, ResponseHash: "h", Body: []byte(`{}`)}
	if _, err := db.RecordAnswer(ctx, ex, []store.Fact{
		{Kind: domain.KindIdentity, ValidFrom: at, Value: []byte(`{"jmbg":"` + string(p.JMBG) + `","given_name":"Stefan","family_name":"Bulatović","birth_date":"2006-01-21","sex":"M","alive":true}`)},
		{Kind: domain.KindResidence, ValidFrom: at, Value: []byte(`{"municipality":"ME-16","settlement":"Podgorica","street":"Njegoševa 7"}`)},
	}); err != nil {
		t.Fatal(err)
	}
	identity, residence, err := db.CurrentRegisterEvidence(ctx, p.ID)
	if err != nil || identity == nil || residence == nil {
		t.Fatalf("CurrentRegisterEvidence = %v %v %v", identity, residence, err)
	}
	reg, err := domain.ParseRegisterValues(identity.Value, residence.Value)
	if err != nil || len(reg.Differences(p)) != 3 {
		t.Fatalf("differences = %+v, %v; want name, family name and address", reg.Differences(p), err)
	}
	after, fields := reg.Apply(p, nil)
	got, err := db.CorrectPerson(ctx, store.PersonCorrection{PersonID: p.ID, Source: "register", Fields: fields, After: after,
		Evidence: []int64{identity.ID, residence.ID}, By: "ana.caseworker"})
	if err != nil || got.GivenName != "Stefan" || got.FamilyName != "Bulatović" || got.Address.Street != "Njegoševa 7" || got.CentreID != p.CentreID {
		t.Fatalf("CorrectPerson = %+v, %v", got, err)
	}
	if found, total, _ := db.SearchPersons(ctx, store.PersonQuery{CentreID: p.CentreID, Name: "bulatovic"}); total != 1 || found[0].ID != p.ID {
		t.Errorf("the corrected name is not found: %d", total)
	}
	list, err := db.PersonCorrections(ctx, p.ID)
	if err != nil || len(list) != 1 || list[0].Before.FamilyName != "Vujović" || list[0].After.FamilyName != "Bulatović" ||
		list[0].Source != "register" || list[0].By != "ana.caseworker" || len(list[0].Evidence) != 2 || len(list[0].Fields) != 3 {
		t.Errorf("PersonCorrections = %+v, %v", list, err)
	}
	if _, err := db.CorrectPerson(ctx, store.PersonCorrection{PersonID: "00000000-0000-0000-0000-000000000000", Source: "hand", By: "x", Reason: "r"}); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("correcting nobody = %v; want not_found", err)
	}
}
