package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestOnlineClaimsAndTheirDocuments: a claim keeps the channel it came
// by (the counter unless said), a document the request it answers, a
// claim lists its documents oldest first; an applicant's decisions are
// theirs only, and a claim's member who did not apply is told apart.
func TestOnlineClaimsAndTheirDocuments(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	d, _ := decidedClaim(t, db, 611, day("2026-02-01"), time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	counter, err := db.ClaimByNumber(ctx, d.ClaimNumber)
	if err != nil || counter.Channel != store.ChannelCounter {
		t.Fatalf("a claim filed without a channel: %q, %v; want counter", counter.Channel, err)
	}
	other, _ := decidedClaim(t, db, 612, day("2026-02-01"), time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC))

	j, _ := domain.MakeJMBG(time.Date(2019, 5, 5, 0, 0, 0, 0, time.UTC), 21, 613)
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
	child, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Luka", FamilyName: "Žugić", Address: addr})
	if child, err = db.CreatePerson(ctx, child, "test"); err != nil {
		t.Fatal(err)
	}
	online, err := db.CreateClaim(ctx, store.Claim{Benefit: "DD", ApplicantID: counter.ApplicantID, CentreID: counter.CentreID, Consent: true,
		FiledBy: "citizen.demo", Period: day("2026-11-01"), Members: []domain.PersonID{counter.ApplicantID, child.ID}, Channel: store.ChannelOnline})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.ClaimByNumber(ctx, online.Number); err != nil || got.Channel != store.ChannelOnline {
		t.Fatalf("the online claim's channel = %q, %v", got.Channel, err)
	}
	for i, doc := range []store.Document{
		{ClaimNumber: online.Number, PersonID: child.ID, Kind: "school_certificate", ObjectKey: "claims/x/1", SHA256: "aa", ContentType: "application/pdf", Size: 3, UploadedBy: "citizen.demo"},
		{ClaimNumber: online.Number, Kind: "answer", ObjectKey: "claims/x/2", SHA256: "bb", ContentType: "application/pdf", Size: 4, UploadedBy: "citizen.demo",
			AnswersTask: "claim:" + online.Number + ":document-1"},
	} {
		if _, err := db.CreateDocument(ctx, doc); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	docs, err := db.DocumentsOfClaim(ctx, online.Number)
	if err != nil || len(docs) != 2 || docs[0].Kind != "school_certificate" || docs[1].AnswersTask != "claim:"+online.Number+":document-1" || docs[0].AnswersTask != "" {
		t.Fatalf("documents of the claim = %+v, %v", docs, err)
	}
	if got, err := db.DocumentByID(ctx, docs[1].ID); err != nil || got.AnswersTask != docs[1].AnswersTask || got.ClaimNumber != online.Number {
		t.Fatalf("DocumentByID = %+v, %v", got, err)
	}
	if _, err := db.DocumentByID(ctx, "not-a-uuid"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("a malformed document id: %v; want not found", err)
	}
	if docs, err := db.DocumentsOfClaim(ctx, d.ClaimNumber); err != nil || len(docs) != 0 {
		t.Fatalf("documents of a claim without any = %+v, %v", docs, err)
	}

	mine, err := db.DecisionsOfApplicant(ctx, counter.ApplicantID)
	if err != nil || len(mine) != 1 || mine[0].ID != d.ID || mine[0].ClaimNumber != d.ClaimNumber || mine[0].Outcome != "grant" || mine[0].EntitlementID == "" {
		t.Fatalf("the applicant's decisions = %+v, %v; want only %s", mine, err, d.ID)
	}
	if none, err := db.DecisionsOfApplicant(ctx, child.ID); err != nil || len(none) != 0 {
		t.Fatalf("a member's decisions = %+v, %v; want none (the applicant's only)", none, err)
	}
	theirs, _ := db.ClaimByNumber(ctx, other.ClaimNumber)
	if list, err := db.DecisionsOfApplicant(ctx, theirs.ApplicantID); err != nil || len(list) != 1 || list[0].ID != other.ID {
		t.Fatalf("another applicant's decisions = %+v, %v; want only %s", list, err, other.ID)
	}
	claims, err := db.ClaimsOfPerson(ctx, child.ID)
	if err != nil || len(claims) != 1 || claims[0].Applicant || claims[0].Channel != store.ChannelOnline {
		t.Fatalf("the child's claims = %+v, %v; want the online claim, not as its applicant", claims, err)
	}
	claims, err = db.ClaimsOfPerson(ctx, counter.ApplicantID)
	if err != nil || len(claims) != 2 || !claims[0].Applicant || !claims[1].Applicant {
		t.Fatalf("the applicant's claims = %+v, %v", claims, err)
	}
	marked, err := db.OnlineClaims(ctx, []string{online.Number, counter.Number, "Z-1900-000001"})
	if err != nil || len(marked) != 1 || !marked[online.Number] {
		t.Fatalf("OnlineClaims = %v, %v; want the online claim only", marked, err)
	}
}
