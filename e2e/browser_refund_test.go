package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/refunds"
)

// TestRefundInABrowser: the demo employer's staff (maja.employer, OIDC)
// land on their refunds, file a maternity leave (a wrong IBAN first: sent
// back with the message beside the field and what was typed), see its
// assessment from the registries, and claim the first month with the bank
// statement uploaded; the caseworker accepts it and the supervisor
// approves it on the leave's page; the employer sees the decision with
// its PDF, and, after the month's payroll, the refund paid.
func TestRefundInABrowser(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 300}, 0)
	first := domain.MonthOf(time.Now().UTC()).First().AddDate(0, -5, 0)
	last := first.AddDate(0, 0, refunds.MaternityDays-1)
	emp := employeeAt(t, s.Population, first, 100)
	child, _ := domain.MakeJMBG(first.AddDate(0, 0, 28), 21, 406)
	s.Sim.IssueSickLeave(emp.JMBG, domain.SickLeaveCertificate{From: first.Format(time.DateOnly), To: last.Format(time.DateOnly), Reason: "maternity"})
	statement := filepath.Join(t.TempDir(), "izvod.pdf")
	if err := os.WriteFile(statement, []byte("%PDF-1.4\n% izvod banke\n1 0 obj\n<<>>\nendobj\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bctx, shot, login, logout, waitFor := openBrowser(t, s.APIURL)
	set := func(name, value string) chromedp.Action {
		return chromedp.SetValue(`#form-leave [name="`+name+`"]`, value, chromedp.ByQuery)
	}
	var home, ibanError, typed, leaveURL, number string
	err := runSteps(bctx,
		login("maja.employer"),
		chromedp.Location(&home),
		waitFor("#form-leave"),
		set("employee_jmbg", string(emp.JMBG)),
		set("kind", "maternity"),
		set("first_day", first.Format(time.DateOnly)),
		set("last_day", last.Format(time.DateOnly)),
		set("child_jmbg", string(child)),
		set("payee_account", "ME25510000000265528423"),
		submit("#file-leave"),
		chromedp.Text("#lv-payee_account-err", &ibanError, chromedp.ByQuery),
		chromedp.Value("#lv-employee_jmbg", &typed, chromedp.ByQuery),
		shot("60-refund-leave-sent-back"),
		set("payee_account", "ME25510000000265528422"),
		submit("#file-leave"),
		waitFor("#leave-rate"),
		chromedp.Location(&leaveURL),
		chromedp.Text("#leave-number", &number, chromedp.ByQuery),
		shot("61-refund-leave-assessed"),
		chromedp.SetValue("#mo-month", first.Format("2006-01"), chromedp.ByQuery),
		chromedp.SetValue("#mo-salary_paid", "1000,00", chromedp.ByQuery),
		chromedp.SetUploadFiles("#mo-statement", []string{statement}, chromedp.ByQuery),
		submit("#file-month"),
		waitFor("#month-"+first.Format("2006-01")),
		shot("62-refund-month-filed"),
		logout,
	)
	if err != nil {
		t.Fatalf("the employer's leave and month: %v", err)
	}
	if !strings.HasSuffix(home, "/employer") || ibanError == "" || typed != string(emp.JMBG) {
		t.Errorf("home %s, the IBAN's message %q, the JMBG kept %q", home, ibanError, typed)
	}
	staff := strings.Replace(leaveURL, "/employer/leaves/", "/refunds/", 1)
	err = runSteps(bctx,
		login("ana.caseworker"),
		chromedp.Navigate(staff),
		waitFor("#task-refund\\.review #accept"),
		shot("63-refund-review"),
		submit("#task-refund\\.review #accept"),
		logout,
		login("marko.supervisor"),
		chromedp.Navigate(staff),
		waitFor("#task-refund\\.approve #approve"),
		submit("#task-refund\\.approve #approve"),
		logout,
		login("maja.employer"),
		chromedp.Navigate(leaveURL),
		waitFor(`#months td[data-state="decided"]`),
		waitFor(`#months a[id^="pdf-"]`),
		shot("64-refund-decided"),
	)
	if err != nil {
		t.Fatalf("the month decided: %v", err)
	}
	payFully(t, s.APIURL+"/api/v1", domain.MonthOf(time.Now().UTC().AddDate(0, -1, 0)).String())
	if err := runSteps(bctx, chromedp.Navigate(leaveURL), waitFor(`#months [data-payment="paid"]`), shot("65-refund-paid")); err != nil {
		t.Fatalf("the refund paid: %v", err)
	}
	if !strings.HasPrefix(number, "RN-") {
		t.Errorf("leave number %q", number)
	}
}
