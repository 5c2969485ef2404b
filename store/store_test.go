package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func mustPerson(t *testing.T, db *store.DB, jmbg string) domain.Person {
	t.Helper()
	addr, err := domain.ParseAddress("Podgorica", "Podgorica", "Njegoševa 1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: jmbg, GivenName: "Ana", FamilyName: "Perović", Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	created, err := db.CreatePerson(context.Background(), p, "caseworker")
	if err != nil {
		t.Fatalf("CreatePerson: %v", err)
	}
	return created
}

func TestCreatePersonAndConflict(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	p := mustPerson(t, db, "0101900350008")
	if p.ID == "" || p.CentreID != "csr-podgorica" {
		t.Fatalf("CreatePerson = %+v; want id and centre csr-podgorica", p)
	}
	got, err := db.PersonByID(ctx, p.ID)
	if err != nil || got.JMBG != p.JMBG || got.FamilyName != "Perović" || got.BirthDate.Year() != 1900 {
		t.Fatalf("PersonByID = %+v, %v; want %+v", got, err, p)
	}
	if _, err := db.PersonByJMBG(ctx, "0101900350008"); err != nil {
		t.Fatalf("PersonByJMBG: %v", err)
	}
	_, err = db.CreatePerson(ctx, p, "caseworker")
	if domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("second CreatePerson error = %v; want conflict", err)
	}
	_, err = db.PersonByID(ctx, "00000000-0000-0000-0000-000000000000")
	if domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("PersonByID(unknown) error = %v; want not_found", err)
	}
}

func TestRecordAnswerVersionsOnlyChanges(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	p := mustPerson(t, db, "0101900350008")
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	if err := db.MarkSourcesPending(ctx, p.ID, "evidence/x", []domain.Source{domain.SourceTax, domain.SourcePension}, at); err != nil {
		t.Fatal(err)
	}
	answer := func(req string, value string, from time.Time) map[domain.EvidenceKind]domain.Change {
		t.Helper()
		ex := store.Exchange{RequestID: req, PersonID: p.ID, Source: domain.SourceTax, RequestedAt: at, AnsweredAt: at,
			ResponseHash: "h-" + req, Body: []byte(`{"x":1}`)}
		ch, err := db.RecordAnswer(ctx, ex, []store.Fact{{Kind: domain.KindIncome, Value: []byte(value), ValidFrom: from}})
		if err != nil {
			t.Fatalf("RecordAnswer(%s): %v", req, err)
		}
		return ch
	}
	if ch := answer("r1", `{"monthly_total_net":"400.00","sources":[]}`, jan); ch[domain.KindIncome] != domain.ChangeInitial {
		t.Fatalf("first answer change = %v; want initial", ch)
	}
	// Same value, keys in another order: jsonb equality, no new version.
	if ch := answer("r2", `{"sources":[],"monthly_total_net":"400.00"}`, jan); len(ch) != 0 {
		t.Fatalf("same answer changes = %v; want none", ch)
	}
	if ch := answer("r3", `{"monthly_total_net":"410.00","sources":[]}`, jan); ch[domain.KindIncome] != domain.ChangeCorrection {
		t.Fatalf("corrected answer change = %v; want correction", ch)
	}
	if ch := answer("r4", `{"monthly_total_net":"500.00","sources":[]}`, jan.AddDate(0, 6, 0)); ch[domain.KindIncome] != domain.ChangeRealWorld {
		t.Fatalf("later answer change = %v; want change", ch)
	}
	cur, err := db.Evidence(ctx, p.ID, false)
	if err != nil || len(cur) != 1 || cur[0].Provenance.RequestID != "r4" {
		t.Fatalf("current evidence = %+v, %v; want one record from r4", cur, err)
	}
	all, err := db.Evidence(ctx, p.ID, true)
	if err != nil || len(all) != 3 {
		t.Fatalf("evidence history has %d records, %v; want 3", len(all), err)
	}
	if all[1].ValidTo == nil || !all[1].ValidTo.Equal(jan.AddDate(0, 6, 0)) {
		t.Errorf("record replaced by a real-world change has valid_to %v; want %v", all[1].ValidTo, jan.AddDate(0, 6, 0))
	}
	src, err := db.EvidenceSources(ctx, p.ID)
	if err != nil || len(src) != 2 {
		t.Fatalf("EvidenceSources = %+v, %v", src, err)
	}
	states := map[domain.Source]string{}
	for _, s := range src {
		states[s.Source] = s.State
	}
	if states[domain.SourceTax] != "answered" || states[domain.SourcePension] != "pending" {
		t.Errorf("source states = %v; want tax answered, pension pending", states)
	}
	if err := db.NoteSourceError(ctx, p.ID, domain.SourcePension, "timeout", false); err != nil {
		t.Fatal(err)
	}
}

func TestLinkHouseholdIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	p := mustPerson(t, db, "0101900350008")
	child, _ := domain.MakeJMBG(time.Date(2015, 5, 5, 0, 0, 0, 0, time.UTC), 21, 501)
	link := store.HouseholdLink{
		RegisterNumber: "PG-0001",
		Address:        p.Address,
		Members: []store.HouseholdLinkMember{
			{JMBG: p.JMBG, GivenName: p.GivenName, FamilyName: p.FamilyName, BirthDate: p.BirthDate, Sex: p.Sex, Relation: domain.RelationHead},
			{JMBG: child, GivenName: "Mia", FamilyName: "Perović", BirthDate: time.Date(2015, 5, 5, 0, 0, 0, 0, time.UTC), Sex: domain.SexFemale, Relation: domain.RelationChild},
		},
	}
	h1, err := db.LinkHousehold(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	version := func() (v string) {
		t.Helper()
		if err := db.Pool().QueryRow(ctx, `SELECT string_agg(xmin::text, ',' ORDER BY id) FROM (SELECT xmin, id::text FROM households
			UNION ALL SELECT xmin, id::text FROM persons) x`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := version()
	h2, err := db.LinkHousehold(ctx, link)
	if err != nil || h1 != h2 {
		t.Fatalf("second LinkHousehold = %s, %v; want %s", h2, err, h1)
	}
	if version() != before { // read, not written: the members of a claim refreshed at once do not wait on each other
		t.Errorf("the same household linked again wrote rows")
	}
	// A relation that changed is written.
	link.Members[1].Relation = domain.RelationOther
	if _, err := db.LinkHousehold(ctx, link); err != nil {
		t.Fatal(err)
	}
	if h, _ := db.Household(ctx, h1); len(h.Members) != 2 || h.Members[1].Relation != domain.RelationOther {
		t.Fatalf("after the relation changed: %+v", h.Members)
	}
	link.Members[1].Relation = domain.RelationChild
	if _, err := db.LinkHousehold(ctx, link); err != nil {
		t.Fatal(err)
	}
	h, err := db.Household(ctx, h1)
	if err != nil || len(h.Members) != 2 || h.Members[0].Relation != domain.RelationHead {
		t.Fatalf("Household = %+v, %v; want head and child", h, err)
	}
	link.Members = link.Members[:1]
	if _, err := db.LinkHousehold(ctx, link); err != nil {
		t.Fatal(err)
	}
	if h, _ := db.Household(ctx, h1); len(h.Members) != 1 {
		t.Fatalf("after the child left, household has %d members; want 1", len(h.Members))
	}
}
