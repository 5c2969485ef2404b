package store_test

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// The child process of TestCashDeskBalancesAfterKill reads its database,
// resident and day from these.
const (
	cashChildURL       = "KARTON_CASHDESK_CHILD_URL"
	cashChildPlacement = "KARTON_CASHDESK_CHILD_PLACEMENT"
	cashChildDay       = "KARTON_CASHDESK_CHILD_DAY"
)

// TestCashDeskBalancesAfterKill: a withdrawal interrupted in the middle of
// its transaction leaves nothing, one finished before stays whole, the
// receipt numbers go on without a gap and the day's closing balances.
// First a child process (this test binary again) records one withdrawal,
// then starts a second, which this test holds inside its transaction (its
// receipt number taken, the balance's row locked by the test), and is
// killed with SIGKILL there; then a withdrawal in this process is held
// the same way and its server process ended (pg_terminate_backend).
func TestCashDeskBalancesAfterKill(t *testing.T) {
	if os.Getenv(cashChildURL) != "" {
		cashDeskChild(t)
		return
	}
	ctx := context.Background()
	db, dbURL := storetest.NewDBURL(t)
	d := newCashDesk(t, db)
	d.mustRecord(t, d.first, institutions.EntryPension, "200", d.day)
	d.mustRecord(t, d.second, institutions.EntryFamily, "50", d.day)

	cmd := exec.Command(os.Args[0], "-test.run=^TestCashDeskBalancesAfterKill$", "-test.count=1")
	cmd.Env = append(os.Environ(), cashChildURL+"="+withAppName(t, dbURL, "cashdesk-child"),
		cashChildPlacement+"="+strconv.FormatInt(d.first, 10), cashChildDay+"="+d.day.Format(time.RFC3339))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !waitLine(lines, "committed ") {
		t.Fatal("the child recorded no withdrawal")
	}
	hold := holdAccount(t, db, d.first)
	if _, err := fmt.Fprintln(stdin, "go"); err != nil {
		t.Fatal(err)
	}
	waitBlocked(t, db, "cashdesk-child")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	t.Logf("kill -9 the child (pid %d) inside its second withdrawal", cmd.Process.Pid)
	if err := hold.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	waitGone(t, db, "cashdesk-child")

	// The same in this process: the server ends the connection mid-withdrawal.
	victim, err := store.Open(ctx, withAppName(t, dbURL, "cashdesk-victim"))
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close()
	hold = holdAccount(t, db, d.second)
	done := make(chan error, 1)
	go func() {
		_, err := victim.RecordCashEntry(ctx, "dom-kasa", d.second, institutions.EntryInput{Kind: institutions.EntryPocketMoney, Amount: dec("20")},
			d.cashier, d.day)
		done <- err
	}()
	waitBlocked(t, db, "cashdesk-victim")
	if _, err := db.Pool().Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cashdesk-victim' AND wait_event_type = 'Lock'`); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Fatal("the withdrawal whose connection was ended succeeded")
	}
	if err := hold.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	checkCashDeskBalances(t, db, d, map[int64]string{d.first: "170", d.second: "50"}, 3)
}

// withAppName names the connections of dbURL, so that the test finds them
// in pg_stat_activity.
func withAppName(t *testing.T, dbURL, name string) string {
	return withParam(t, dbURL, "application_name", name)
}

// withParam is dbURL with its query parameter key set to value.
func withParam(t *testing.T, dbURL, key, value string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// holdAccount locks a resident's balance in a transaction of its own: a
// withdrawal of that resident then waits inside its transaction, after its
// receipt number is taken.
func holdAccount(t *testing.T, db *store.DB, placement int64) pgx.Tx {
	t.Helper()
	tx, err := db.Pool().Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var b decimal.Decimal
	if err := tx.QueryRow(context.Background(), `SELECT balance FROM cash_accounts WHERE placement_id = $1 FOR UPDATE`, placement).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return tx
}

func waitLine(lines *bufio.Scanner, prefix string) bool {
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), prefix) {
			return true
		}
	}
	return false
}

func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitBlocked waits until a connection named app waits for a lock.
func waitBlocked(t *testing.T, db *store.DB, app string) {
	t.Helper()
	waitFor(t, app+" blocked in its transaction", func() bool {
		var n int
		_ = db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1
			AND wait_event_type = 'Lock' AND xact_start IS NOT NULL`, app).Scan(&n)
		return n > 0
	})
}

// waitGone waits until no connection named app is left (the server ends
// a killed client's backend once it reads from its socket).
func waitGone(t *testing.T, db *store.DB, app string) {
	t.Helper()
	waitFor(t, app+"'s connections ended", func() bool {
		var n int
		_ = db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n)
		return n == 0
	})
}

// checkCashDeskBalances checks, after the interruptions, the balances,
// that the receipts are 1..n, that the next takes n+1, that every
// account's balance is its entries' sum, and that the day's closing
// balances with the cash counted as the accounts hold.
func checkCashDeskBalances(t *testing.T, db *store.DB, d cashDesk, want map[int64]string, n int) {
	t.Helper()
	ctx := context.Background()
	for p, b := range want {
		if got := balanceOf(t, db, "dom-kasa", p); !got.Equal(dec(b)) {
			t.Errorf("balance of %d: %s; want %s", p, got, b)
		}
	}
	var count, last int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*), coalesce(max(receipt_seq), 0) FROM cash_entries WHERE institution_id = 'dom-kasa'`).Scan(&count, &last); err != nil {
		t.Fatal(err)
	}
	if count != n || last != n {
		t.Fatalf("%d entries, last receipt %d; want %d numbered 1..%d", count, last, n, n)
	}
	var mismatched int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM cash_accounts a WHERE a.balance <> (SELECT coalesce(sum(CASE WHEN e.kind IN ('pension', 'benefit', 'family')
		THEN e.amount ELSE -e.amount END), 0) FROM cash_entries e WHERE e.placement_id = a.placement_id)`).Scan(&mismatched); err != nil || mismatched != 0 {
		t.Fatalf("%d accounts whose balance is not the sum of their entries (%v)", mismatched, err)
	}
	e := d.mustRecord(t, d.second, institutions.EntryBenefit, "10", d.day)
	if e.Receipt != institutions.ReceiptNumber(2026, n+1) {
		t.Fatalf("the next receipt is %s; want number %d", e.Receipt, n+1)
	}
	var held decimal.Decimal
	if err := db.Pool().QueryRow(ctx, `SELECT sum(balance) FROM cash_accounts WHERE institution_id = 'dom-kasa'`).Scan(&held); err != nil {
		t.Fatal(err)
	}
	c, err := db.CloseCashDay(ctx, "dom-kasa", d.day, held, "", d.cashier, d.day)
	if err != nil || !c.Difference().IsZero() || c.Entries != n+1 {
		t.Fatalf("the day's closing with %s counted: %+v %v", held, c, err)
	}
}

// cashDeskChild is the child process: one withdrawal recorded whole, then
// (after the parent's "go") a second, during which the parent kills it.
func cashDeskChild(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, os.Getenv(cashChildURL))
	if err != nil {
		t.Fatal(err)
	}
	placement, _ := strconv.ParseInt(os.Getenv(cashChildPlacement), 10, 64)
	day, _ := time.Parse(time.RFC3339, os.Getenv(cashChildDay))
	in := institutions.EntryInput{Kind: institutions.EntryPocketMoney, Amount: dec("30")}
	r, err := db.RecordCashEntry(ctx, "dom-kasa", placement, in, "dejan.cashier", day)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("committed", r.Entry.Receipt)
	bufio.NewScanner(os.Stdin).Scan()
	in.Amount = dec("40")
	_, err = db.RecordCashEntry(ctx, "dom-kasa", placement, in, "dejan.cashier", day)
	// Killed before it returns; should it return, the parent sees a whole
	// withdrawal and fails.
	fmt.Println("returned", domain.ErrorMessage(err))
}
