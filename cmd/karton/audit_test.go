package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// TestAuditVerifyCatchesATamperedRow runs `karton audit verify` on an
// intact log, then on one a superuser edited behind the trigger's back.
func TestAuditVerifyCatchesATamperedRow(t *testing.T) {
	ctx := context.Background()
	db, url := storetest.NewDBURL(t)
	for i := 0; i < 4; i++ {
		if err := db.AppendAudit(ctx, store.AuditRecord{At: time.Now(), Username: "ana.caseworker", Role: "caseworker", CentreID: "csr-podgorica",
			Action: "GET /api/v1/persons/:id", Resource: "person", Purpose: "e-file", Status: 200, Outcome: "allowed"}); err != nil {
			t.Fatal(err)
		}
	}
	getenv := env(map[string]string{"DATABASE_URL": url})
	var out strings.Builder
	if err := run([]string{"audit", "verify"}, getenv, &out); err != nil || !strings.Contains(out.String(), "intact: 4 records") {
		t.Fatalf("audit verify = %v, %q; want intact", err, out.String())
	}
	conn, err := db.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `SET session_replication_role = replica; UPDATE audit_log SET username = 'nobody' WHERE id = 2; SET session_replication_role = origin`)
	conn.Release()
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run([]string{"audit", "verify"}, getenv, &out); err == nil || !strings.Contains(out.String(), "BROKEN at record 2") {
		t.Fatalf("audit verify after tampering = %v, %q; want broken at record 2", err, out.String())
	}
}
