package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/karton-social/karton/devstack/system"
)

// TestCashDeskInABrowser (issue 22 item 4): the cashier of the demo home
// Grabovac (dejan.cashier) records a resident's pension in Chromium and
// sees its receipt; a withdrawal that overdraws is refused beside the form
// naming the balance in Montenegrin; the month's co-payment the centre set
// (EUR 80) is charged from the cash desk's page; the day is closed with
// the cash counted, and the page then says so.
func TestCashDeskInABrowser(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5}, 0)
	ctx := context.Background()
	placement := admitToGrabovac(t, s.DB, "Mileva", "Kasić", 82, 744, 2)
	if _, err := s.DB.Pool().Exec(ctx, `UPDATE placements SET copayment = 80, resident_share = 80 WHERE id = $1`, placement); err != nil {
		t.Fatal(err)
	}
	account := fmt.Sprintf("%s/cash-desk/accounts/%d", s.APIURL, placement)
	bctx, shot, login, logout, waitFor := openBrowser(t, s.APIURL)
	var entries, refusal, lines, closed string
	err := runSteps(bctx,
		login("dejan.cashier"),
		chromedp.Navigate(account),
		waitFor("#form-entry"),
		chromedp.SetValue("#cd-kind", "pension", chromedp.ByQuery),
		chromedp.SetValue("#cd-amount", "120,00", chromedp.ByQuery),
		submit("#record-entry"),
		waitFor("#entries"),
		chromedp.Text("#entries", &entries, chromedp.ByQuery),
		shot("cash-1-pension"),
		chromedp.SetValue("#cd-kind", "pocket_money", chromedp.ByQuery),
		chromedp.SetValue("#cd-amount", "500", chromedp.ByQuery),
		submit("#record-entry"),
		waitFor("#entry-errors"),
		chromedp.Text("#entry-errors", &refusal, chromedp.ByQuery),
		shot("cash-2-overdraft-refused"),
		chromedp.Navigate(s.APIURL+"/cash-desk"),
		waitFor("#form-copayment"),
		chromedp.SetValue("#cd-month", time.Now().Format("2006-01"), chromedp.ByQuery),
		submit("#charge-copayments"),
		waitFor("#copayment-lines"),
		chromedp.Text("#copayment-lines", &lines, chromedp.ByQuery),
		shot("cash-3-copayment"),
		chromedp.SetValue("#cd-counted", "40,00", chromedp.ByQuery),
		submit("#close-day"),
		waitFor("#day-closed"),
		chromedp.Text("#day-closed", &closed, chromedp.ByQuery),
		shot("cash-4-day-closed"),
		logout,
	)
	if err != nil {
		t.Fatalf("the cash desk in the browser: %v", err)
	}
	if !strings.Contains(entries, fmt.Sprintf("R-%d-000001", time.Now().Year())) || !strings.Contains(entries, "Penzija") || !strings.Contains(entries, "120,00 €") {
		t.Errorf("the account's entries after the pension: %q", entries)
	}
	if want := "isplata od 500,00 € premašuje stanje računa: stanje je 120,00 €"; !strings.Contains(refusal, want) {
		t.Errorf("the refusal shown: %q; want %q", refusal, want)
	}
	if !strings.Contains(lines, "Kasić") || !strings.Contains(lines, "80,00 €") || !strings.Contains(lines, "Naplaćeno") {
		t.Errorf("the co-payment's lines: %q", lines)
	}
	if !strings.Contains(closed, "Dejan Perišić") || !strings.Contains(closed, "40,00 €") {
		t.Errorf("the day's closing: %q", closed)
	}
	var n int
	var balance string
	if err := s.DB.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM cash_entries WHERE placement_id = $1), (SELECT balance::text FROM cash_accounts WHERE placement_id = $1)`,
		placement).Scan(&n, &balance); err != nil || n != 2 || balance != "40.00" {
		t.Errorf("entries %d, balance %s (%v); want the pension and the co-payment, 40.00", n, balance, err)
	}
}
