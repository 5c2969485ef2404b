package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

func TestAuditChainRefusesEditsAndDetectsTampering(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	p := mustPerson(t, db, "0101900350008")
	for i := 0; i < 5; i++ {
		err := db.AppendAudit(ctx, store.AuditRecord{At: time.Now(), Username: "ana.caseworker", Role: "caseworker", CentreID: "csr-podgorica",
			Action: "GET /api/v1/persons/:id", Resource: "person", PersonIDs: []domain.PersonID{p.ID}, TargetCentre: "csr-podgorica",
			Purpose: "claim review", RequestID: "r", Status: 200, Outcome: "allowed"})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n, broken, why, err := db.VerifyAudit(ctx); err != nil || broken != 0 || n != 5 {
		t.Fatalf("VerifyAudit = %d, %d %q, %v; want 5 intact", n, broken, why, err)
	}
	if _, err := db.Pool().Exec(ctx, `UPDATE audit_log SET username = 'someone' WHERE id = 3`); err == nil {
		t.Fatal("UPDATE of the audit log succeeded; want the trigger to refuse it")
	}
	if _, err := db.Pool().Exec(ctx, `DELETE FROM audit_log WHERE id = 3`); err == nil {
		t.Fatal("DELETE from the audit log succeeded; want the trigger to refuse it")
	}
	// A superuser who bypasses the trigger: the chain shows it.
	conn, err := db.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `UPDATE audit_log SET purpose = 'curiosity' WHERE id = 3`); err != nil {
		t.Fatal(err)
	}
	_, _ = conn.Exec(ctx, `SET session_replication_role = origin`)
	_, broken, why, err := db.VerifyAudit(ctx)
	if err != nil || broken != 3 {
		t.Fatalf("VerifyAudit after tampering = %d %q, %v; want record 3", broken, why, err)
	}
	log, err := db.AccessLog(ctx, p.ID, 10, false)
	if err != nil || len(log) != 5 {
		t.Fatalf("AccessLog = %d records, %v", len(log), err)
	}
	f, err := db.Misuse(ctx, "", time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 3, true)
	if err != nil {
		t.Fatal(err)
	}
	burst := false
	for _, x := range f {
		burst = burst || (x.Kind == "burst" && x.Username == "ana.caseworker")
	}
	if !burst {
		t.Errorf("Misuse = %+v; want a burst of five reads by ana.caseworker", f)
	}
}

// TestAuditAppendsShareCommits: many requests appending at once are
// written in shared transactions, yet each returns only once its record
// is committed, the chain stays one unbroken order, and a record the
// database refuses fails alone.
func TestAuditAppendsShareCommits(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	p := mustPerson(t, db, "0101900350008")
	appendAll := func(good int, bad bool) (failed int) {
		errs := make(chan error, good+1)
		for i := 0; i < good; i++ {
			go func(i int) {
				errs <- db.AppendAudit(ctx, store.AuditRecord{At: time.Now(), Username: "ana.caseworker", Role: "caseworker", CentreID: "csr-podgorica",
					Action: "GET /api/v1/tasks", Resource: "task", PersonIDs: []domain.PersonID{p.ID}, Purpose: "inbox", RequestID: fmt.Sprint(i),
					Status: 200, Outcome: "allowed"})
			}(i)
		}
		if bad {
			good++
			go func() {
				errs <- db.AppendAudit(ctx, store.AuditRecord{At: time.Now(), Username: "x", Action: "GET", Resource: "person",
					PersonIDs: []domain.PersonID{"not-a-uuid"}, Status: 200, Outcome: "allowed"})
			}()
		}
		for i := 0; i < good; i++ {
			if err := <-errs; err != nil {
				failed++
			}
		}
		return failed
	}
	if failed := appendAll(300, false); failed != 0 {
		t.Fatalf("%d appends failed", failed)
	}
	var commits int
	if err := db.Pool().QueryRow(ctx, `SELECT count(DISTINCT xmin::text) FROM audit_log`).Scan(&commits); err != nil {
		t.Fatal(err)
	}
	t.Logf("300 records in %d transactions", commits)
	if commits >= 300 {
		t.Errorf("every record had a transaction of its own (%d); want them shared", commits)
	}
	if failed := appendAll(20, true); failed != 1 {
		t.Fatalf("%d appends failed; want only the one with a malformed person id", failed)
	}
	if checked, broken, why, err := db.VerifyAudit(ctx); err != nil || broken != 0 || checked != 320 {
		t.Fatalf("VerifyAudit = %d, %d %q, %v; want 320 intact", checked, broken, why, err)
	}
}

// TestAuditAppendsFromTwoProcessesKeepOneChain appends from two processes
// in turn: each one's head is stale after the other's append, so every
// append after the first two is refused by the primary key and written
// again under the chain's lock. The chain stays whole, every record in it.
func TestAuditAppendsFromTwoProcessesKeepOneChain(t *testing.T) {
	ctx := context.Background()
	a, url := storetest.NewDBURL(t)
	b, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p := mustPerson(t, a, "0101900350008")
	rec := func(i int) store.AuditRecord {
		return store.AuditRecord{At: time.Now(), Username: "ana.caseworker", Role: "caseworker", CentreID: "csr-podgorica",
			Action: "GET /api/v1/persons/:id", Resource: "person", PersonIDs: []domain.PersonID{p.ID}, Purpose: "case_work",
			RequestID: fmt.Sprint(i), Status: 200, Outcome: "allowed"}
	}
	for i := 0; i < 20; i++ {
		db := a
		if i%2 == 1 {
			db = b
		}
		for j := 0; j < 1+i%3; j++ { // again from the same process: its head is fresh
			if err := db.AppendAudit(ctx, rec(i)); err != nil {
				t.Fatalf("append %d from process %d: %v", i, i%2, err)
			}
		}
	}
	if checked, broken, why, err := a.VerifyAudit(ctx); err != nil || broken != 0 || checked != 39 {
		t.Fatalf("VerifyAudit = %d, %d %q, %v; want 39 intact", checked, broken, why, err)
	}
}

// TestAuditAppendNeedsNoLockWhileItsHeadIsFresh: once the process knows
// the chain's head, an append is one statement; it does not wait for the
// chain's lock, which another session holds here.
func TestAuditAppendNeedsNoLockWhileItsHeadIsFresh(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	p := mustPerson(t, db, "0101900350008")
	rec := store.AuditRecord{At: time.Now(), Username: "ana.caseworker", Role: "caseworker", CentreID: "csr-podgorica",
		Action: "GET /api/v1/persons/:id", Resource: "person", PersonIDs: []domain.PersonID{p.ID, p.ID}, Purpose: "case_work", Status: 200, Outcome: "allowed"}
	if err := db.AppendAudit(ctx, rec); err != nil { // reads the head under the lock
		t.Fatal(err)
	}
	conn, err := db.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(7262)`); err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = conn.Exec(ctx, `SELECT pg_advisory_unlock(7262)`) }()
	quick, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.AppendAudit(quick, rec); err != nil {
		t.Fatalf("an append with a fresh head waited for the chain's lock: %v", err)
	}
	if checked, broken, why, err := db.VerifyAudit(ctx); err != nil || broken != 0 || checked != 2 {
		t.Fatalf("VerifyAudit = %d, %d %q, %v; want 2 intact", checked, broken, why, err)
	}
}

// TestAuditIndexIsMergedOffTheAppends: a case list's record names about
// 150 persons; their index entries wait in the index's pending list, and
// the store's loop merges the list, not an append inside its commit
// (issue 24). Every entry is merged and found.
func TestAuditIndexIsMergedOffTheAppends(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	var options string
	err := db.Pool().QueryRow(ctx, `SELECT array_to_string(reloptions, ',') FROM pg_class WHERE relname = 'audit_log_persons'`).Scan(&options)
	if err != nil || options != "gin_pending_list_limit=65536" {
		t.Fatalf("the index's options = %q, %v; want the pending list's limit raised to 64 MB", options, err)
	}
	persons := make([]domain.PersonID, 150)
	for i := range persons {
		persons[i] = domain.PersonID(uuid.NewString())
	}
	const records = 200
	for i := 0; i < records; i++ {
		err := db.AppendAudit(ctx, store.AuditRecord{At: time.Now(), Username: "ana.caseworker", Role: "caseworker", CentreID: "csr-podgorica",
			Action: "GET /api/v1/cases", Resource: "case", PersonIDs: persons[i%50:], Purpose: "case_work", Status: 200, Outcome: "allowed"})
		if err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		appended, merged := db.AuditIndexMerged()
		if appended == records && merged == records {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 15 s, %d of %d appended records have their index entries merged", merged, appended)
		}
	}
	if pages, err := db.MergeAuditIndex(ctx); err != nil || pages != 0 {
		t.Fatalf("MergeAuditIndex after the loop = %d pages, %v; want nothing left pending", pages, err)
	}
	// Record i names persons[i%50:]: the first person is in every fiftieth.
	for p, want := range map[domain.PersonID]int{persons[0]: records / 50, persons[1]: 2 * records / 50, persons[149]: records} {
		if log, err := db.AccessLog(ctx, p, 2*records, false); err != nil || len(log) != want {
			t.Errorf("AccessLog = %d records, %v; want %d", len(log), err, want)
		}
	}
}

// TestAuditAppendWithACancelledContextIsRecorded: the caller has given up
// (a client hung up), but the access happened: the record is written.
func TestAuditAppendWithACancelledContextIsRecorded(t *testing.T) {
	db := storetest.NewDB(t)
	p := mustPerson(t, db, "0101900350008")
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	const appends = 20
	for i := 0; i < appends; i++ {
		_ = db.AppendAudit(gone, store.AuditRecord{At: time.Now(), Username: "ana.caseworker", Role: "caseworker", CentreID: "csr-podgorica",
			Action: "GET /api/v1/persons/:id", Resource: "person", PersonIDs: []domain.PersonID{p.ID}, Purpose: "case_work", Status: 200, Outcome: "allowed"})
	}
	// The waits were cut short; the records are committed by the loop.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		log, err := db.AccessLog(context.Background(), p.ID, 2*appends, false)
		if err == nil && len(log) == appends {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s the access log holds %d records, %v; want %d", len(log), err, appends)
		}
	}
	if checked, broken, why, err := db.VerifyAudit(context.Background()); err != nil || broken != 0 || checked != appends {
		t.Fatalf("VerifyAudit = %d, %d %q, %v; want %d intact", checked, broken, why, err, appends)
	}
}

// TestAuditBatchChainsWithTheWriter: a batch of records is chained after
// the records appended before it, and the writer, whose head the batch
// moved on, chains its next record after the batch: one intact chain.
func TestAuditBatchChainsWithTheWriter(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	p := mustPerson(t, db, "0101900350008")
	rec := func(i int) store.AuditRecord {
		return store.AuditRecord{At: time.Now(), Username: "ana.caseworker", Role: "caseworker", CentreID: "csr-podgorica",
			Action: "GET /api/v1/persons/:id", Resource: "person", PersonIDs: []domain.PersonID{p.ID}, Purpose: "claim review",
			RequestID: fmt.Sprintf("r%d", i), Status: 200, Outcome: "allowed"}
	}
	if err := db.AppendAudit(ctx, rec(1)); err != nil { // the writer now knows its head
		t.Fatal(err)
	}
	if err := db.AppendAuditBatch(ctx, []store.AuditRecord{rec(2), rec(3), rec(4)}); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAudit(ctx, rec(5)); err != nil {
		t.Fatal(err)
	}
	if n, broken, why, err := db.VerifyAudit(ctx); err != nil || broken != 0 || n != 5 {
		t.Fatalf("VerifyAudit = %d, %d %q, %v; want 5 intact", n, broken, why, err)
	}
	var ids string
	if err := db.Pool().QueryRow(ctx, `SELECT string_agg(request_id, ' ' ORDER BY id) FROM audit_log`).Scan(&ids); err != nil {
		t.Fatal(err)
	}
	if ids != "r1 r2 r3 r4 r5" {
		t.Errorf("the chain's order = %q; want r1 r2 r3 r4 r5", ids)
	}
}
