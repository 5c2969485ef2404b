package devstack_test

import (
	"context"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestDemoProviders: the demo's providers reach the public register with
// a licence in force, one withdrawn and one expired; loading again adds
// nothing.
func TestDemoProviders(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	today := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if n, err := devstack.LoadDemoProviders(ctx, db, today); err != nil || n != 4 {
		t.Fatalf("providers: %d, %v", n, err)
	}
	if n, err := devstack.LoadDemoProviders(ctx, db, today); err != nil || n != 0 {
		t.Fatalf("loading again: %d, %v", n, err)
	}
	reg, err := db.PublicRegister(ctx, store.RegisterFilter{})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, e := range reg {
		states[e.Licence.State(today)]++
	}
	if len(reg) != 7 || states["active"] != 5 || states["withdrawn"] != 1 || states["expired"] != 1 {
		t.Errorf("register: %d licences, states %v", len(reg), states)
	}
}
