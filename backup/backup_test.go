package backup_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/backup"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func startStore(t *testing.T, bucket string) *objects.Store {
	t.Helper()
	m := &devstack.MinIO{Dir: t.TempDir(), AccessKey: "karton", SecretKey: "karton-test-secret"}
	if err := m.Start(context.Background()); err != nil {
		t.Fatalf("start minio: %v", err)
	}
	t.Cleanup(func() { _ = m.Stop() })
	s, err := objects.Open(objects.Config{Endpoint: m.Endpoint(), AccessKey: "karton", SecretKey: "karton-test-secret", Bucket: bucket})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureBucket(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRestoreDrill: an installation with a demo population, rights,
// statistics, documents and an audit log is backed up (pg_dump, the
// bucket's objects), restored into a new database and a new object store
// on another server, and checked: every table has the same rows, the audit
// chain verifies, every document the database names is there with its
// recorded hash. A document lost or altered after the restore is found.
func TestRestoreDrill(t *testing.T) {
	ctx := context.Background()
	db, url := storetest.NewDBURL(t)
	pop := sim.NewPopulation(300)
	if err := devstack.LoadDemo(ctx, db, pop, 300, nil); err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	if _, err := devstack.LoadDemoRights(ctx, db, pop, 300, today); err != nil {
		t.Fatal(err)
	}
	if _, err := devstack.LoadDemoStatistics(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	src := startStore(t, "docs")
	for i := range 20 {
		key := fmt.Sprintf("documents/%d.pdf", i)
		sum, err := src.Put(ctx, key, "application/pdf", fmt.Appendf(nil, "%%PDF-1.7 document %d", i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Pool().Exec(ctx, `INSERT INTO documents (id, kind, object_key, sha256, content_type, size, uploaded_by)
			VALUES ($1, 'evidence', $2, $3, 'application/pdf', 20, 'ana.caseworker')`, uuid.New(), key, sum); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		if err := db.AppendAudit(ctx, store.AuditRecord{At: today, Username: "ana.caseworker", Role: "caseworker", CentreID: "csr-podgorica",
			Action: "GET /api/v1/persons/:id", Resource: "person", PersonIDs: []domain.PersonID{domain.PersonID(uuid.NewString())},
			Purpose: "claim", RequestID: fmt.Sprint(i), Status: 200, Outcome: "allowed"}); err != nil {
			t.Fatal(err)
		}
	}
	before, err := backup.RowCounts(ctx, db.Pool())
	if err != nil {
		t.Fatal(err)
	}

	// The backup.
	dir := t.TempDir()
	dump := filepath.Join(dir, "karton.dump")
	start := time.Now()
	if err := backup.DumpDatabase(ctx, url, dump); err != nil {
		t.Fatal(err)
	}
	manifest, err := backup.DumpObjects(ctx, src, filepath.Join(dir, "objects"))
	if err != nil || len(manifest) != 20 {
		t.Fatalf("objects backed up: %d, %v", len(manifest), err)
	}
	took := time.Since(start)

	// The restore, into an empty database and another object store.
	name := fmt.Sprintf("restored_%d", time.Now().UnixNano())
	admin, err := pgx.Connect(ctx, storetest.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if err := backup.RestoreDatabase(ctx, dump, storetest.URL(name)); err != nil {
		t.Fatal(err)
	}
	restored, err := store.Open(ctx, storetest.URL(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		restored.Close()
		_, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	dst := startStore(t, "docs")
	if n, err := backup.RestoreObjects(ctx, filepath.Join(dir, "objects"), dst); err != nil || n != 20 {
		t.Fatalf("objects restored: %d, %v", n, err)
	}
	restoreTook := time.Since(start)

	// The checks.
	after, err := backup.RowCounts(ctx, restored.Pool())
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(before, after) {
		t.Errorf("rows differ after the restore:\nbefore %v\nafter  %v", before, after)
	}
	if before["persons"] == 0 || before["entitlements"] == 0 || before["bi_payment_lines"] == 0 || before["audit_log"] < 50 {
		t.Errorf("the drill restored too little to prove anything: %v", before)
	}
	checked, broken, reason, err := restored.VerifyAudit(ctx)
	if err != nil || broken != 0 || checked < 50 {
		t.Errorf("audit chain after the restore: %d checked, %d broken (%s), %v", checked, broken, reason, err)
	}
	n, problems, err := backup.CheckDocuments(ctx, restored.Pool(), dst)
	if err != nil || n != 20 || len(problems) != 0 {
		t.Fatalf("documents after the restore: %d checked, %v, %v", n, problems, err)
	}
	info, _ := os.Stat(dump)
	t.Logf("backup of %d persons, %d rights, %d payment lines, %d audit records: dump %d KiB, taken in %v, restored in %v",
		before["persons"], before["entitlements"], before["bi_payment_lines"], before["audit_log"], info.Size()/1024, took.Round(time.Millisecond), restoreTook.Round(time.Millisecond))

	// A document lost, another altered: both named.
	if _, err := dst.Put(ctx, "documents/3.pdf", "application/pdf", []byte("altered")); err != nil {
		t.Fatal(err)
	}
	if err := dst.Remove(ctx, "documents/7.pdf"); err != nil {
		t.Fatal(err)
	}
	_, problems, err = backup.CheckDocuments(ctx, restored.Pool(), dst)
	if err != nil || len(problems) != 2 {
		t.Fatalf("a lost and an altered document: %v, %v", problems, err)
	}
}
