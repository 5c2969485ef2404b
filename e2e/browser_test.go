package e2e_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
)

// TestCaseworkersDeskInABrowser drives the pages in headless Chromium: a
// caseworker logs in, registers a household, files a financial-assistance
// claim, reviews the evidence and accepts; a supervisor approves and
// downloads the decision; the board shows the work; a caseworker of another
// centre is refused the person's file. Screenshots go to artifacts/screens.
func TestCaseworkersDeskInABrowser(t *testing.T) {
	ctx := context.Background()
	s := startStack(t, system.Options{SimHouseholds: 400,
		SimFaults: sim.Faults{Latency: 2 * time.Millisecond}}, 20)
	// A poor Podgorica household the database does not know yet.
	var h sim.Household
	for i := 20; i < s.Population.Size(); i++ {
		if x := s.Population.Household(i); x.Address.Municipality == "ME-16" && len(x.Members) >= 2 && poor(x) {
			h = x
			break
		}
	}
	if h.RegisterNumber == "" {
		t.Fatal("no suitable household")
	}
	head := h.Members[0]

	bctx, shot, login, logout, waitFor := openBrowser(t, s.APIURL)

	var location, number, title, html, inboxTitle, payeeError, payeeKept, focused string
	var consentKept bool
	err := chromedp.Run(bctx,
		login("ana.caseworker"),
		shot("02-inbox"),
		// Register the household's head, found by JMBG (checked as typed).
		chromedp.Click("#nav-new-claim"),
		chromedp.WaitVisible("#q"),
		chromedp.SendKeys("#q", string(head.JMBG)[:12]+"0"),
		chromedp.Text("#jmbg-msg", &title),
		chromedp.Evaluate(`document.querySelector("#q").value = ""`, nil),
		chromedp.SendKeys("#q", string(head.JMBG)),
		chromedp.Click("#search"),
		chromedp.WaitVisible("#register-form"),
		chromedp.SendKeys("#r-given", head.GivenName),
		chromedp.SendKeys("#r-family", head.FamilyName),
		chromedp.SendKeys("#r-set", h.Address.Settlement),
		shot("03-register"),
		chromedp.Click("#register"),
		chromedp.WaitVisible("#claim-form"),
		waitFor(`#claim-form input[name=members]`),
		// A mistyped IBAN: the form comes back with what was typed, the
		// message beside the field and a summary that takes the focus.
		chromedp.SendKeys("#payee", "ME25 5050 0001 2345 6789 52"),
		chromedp.Click("#consent"),
		submit("#submit-claim"),
		chromedp.WaitVisible("#claim-summary"),
		chromedp.Text("#payee-err", &payeeError),
		chromedp.Value("#payee", &payeeKept),
		chromedp.Evaluate(`document.querySelector("#consent").checked && document.querySelectorAll("#claim-form input[name=members]:checked").length > 0`, &consentKept),
		chromedp.Evaluate(`document.activeElement && document.activeElement.id`, &focused),
		shot("04-new-claim-sent-back"),
		chromedp.Evaluate(`document.querySelector("#payee").value = ""`, nil),
		chromedp.SendKeys("#payee", "ME25 5050 0001 2345 6789 51"),
		shot("04-new-claim"),
		chromedp.Click("#submit-claim"),
		chromedp.WaitVisible("#claim-number"),
		chromedp.Text("#claim-number", &number),
		waitFor("#accept"),
		shot("05-claim-review"),
		submit("#accept"),
		chromedp.WaitVisible("#flash"),
		chromedp.Location(&location),
	)
	if err != nil {
		t.Fatalf("walkthrough as the caseworker: %v (at %s)", err, location)
	}
	err = chromedp.Run(bctx,
		logout,
		login("marko.supervisor"),
		chromedp.Navigate(s.APIURL+"/claims/"+number),
		waitFor("#approve"),
		shot("06-claim-approval"),
		submit("#approve"),
		waitFor("#decision-pdf"),
		shot("07-claim-decided"),
	)
	if err != nil {
		t.Fatalf("walkthrough: %v (at %s)", err, location)
	}
	if !strings.Contains(title, "kontrolna cifra") {
		t.Errorf("typing a JMBG with a wrong check digit shows %q; want the reason, in Montenegrin", title)
	}
	if !strings.Contains(payeeError, "kontrolne cifre IBAN-a") || payeeKept != "ME25 5050 0001 2345 6789 52" || !consentKept || focused != "claim-summary" {
		t.Errorf("the claim form sent back: message %q, IBAN kept %q, consent and members kept %v, focus on %q; want the message in Montenegrin beside the IBAN, everything typed kept, the summary focused",
			payeeError, payeeKept, consentKept, focused)
	}
	// The decision PDF downloads.
	var pdfStatus int
	var pdfType string
	err = chromedp.Run(bctx,
		chromedp.Evaluate(`fetch(document.querySelector("#decision-pdf").href).then(r => r.status)`, &pdfStatus, awaitPromise),
		chromedp.Evaluate(`fetch(document.querySelector("#decision-pdf").href).then(r => r.headers.get("content-type"))`, &pdfType, awaitPromise),
		chromedp.Click("#nav-board"),
		chromedp.WaitVisible("#workload"),
		shot("08-board"),
		chromedp.OuterHTML("main", &html),
	)
	if err != nil {
		t.Fatal(err)
	}
	if pdfStatus != 200 || pdfType != "application/pdf" {
		t.Errorf("decision PDF: %d %s", pdfStatus, pdfType)
	}
	if !strings.Contains(html, "workload") && !strings.Contains(html, "Opterećenje") {
		t.Errorf("the board does not show the workload")
	}
	// English, and remembered.
	err = chromedp.Run(bctx,
		chromedp.Navigate(s.APIURL+"/inbox"),
		chromedp.Evaluate(`document.querySelector("#lang-select").value = "en"`, nil),
		chromedp.Click("#lang-go"),
		chromedp.Sleep(1500*time.Millisecond),
		chromedp.WaitVisible("#my-tasks"),
		chromedp.Text("h1", &inboxTitle),
		shot("09-inbox-english"),
	)
	if err != nil || inboxTitle != "My inbox" {
		t.Fatalf("English inbox: %q, %v", inboxTitle, err)
	}
	// Two finance officers run this month's payroll, which pays the right
	// just granted: one starts and submits, the other approves the files.
	month := domain.MonthOf(time.Now().UTC()).String()
	var payrollState string
	err = chromedp.Run(bctx,
		logout,
		login("nina.finance"),
		chromedp.Click("#nav-payroll"),
		chromedp.WaitVisible("#period"),
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector("#period").value = %q`, month), nil),
		submit("#start-payroll"),
		shot("11-payroll-started"),
		waitFor("#submit-payroll"),
		shot("11-payroll-prepared"),
		submit("#submit-payroll"),
		waitFor(`#payroll-state[data-state="awaiting_approval"]`),
		logout,
		login("marija.finance"),
		chromedp.Navigate(s.APIURL+"/payrolls/"+month),
		waitFor("#approve-payroll"),
		chromedp.Click("#payroll-confirm"), // the files go to the bank: confirmed
		submit("#approve-payroll"),
		waitFor(`#payroll-state[data-state="sent"]`),
		chromedp.AttributeValue("#payroll-state", "data-state", &payrollState, nil),
		shot("12-payroll-sent"),
	)
	if err != nil {
		t.Fatalf("payroll in the browser: %v", err)
	}
	if payrollState != "sent" && payrollState != "approved" {
		t.Errorf("payroll state after approval = %q; want sent", payrollState)
	}

	// Another centre's caseworker opens the person's file: refused, no data.
	p, err := s.DB.PersonByJMBG(ctx, head.JMBG)
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Run(bctx,
		logout,
		login("jelena.caseworker"),
		chromedp.Navigate(s.APIURL+"/persons/"+string(p.ID)),
		chromedp.WaitVisible("#message-title"),
		chromedp.Text("#message-title", &title),
		chromedp.OuterHTML("html", &html),
		shot("10-other-centre-refused"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(title, "pristupa") && !strings.Contains(title, "may not") {
		t.Errorf("another centre's caseworker sees %q; want a refusal", title)
	}
	if strings.Contains(html, string(head.JMBG)) || strings.Contains(html, head.FamilyName) {
		t.Error("the refusal page leaks the person's JMBG or name")
	}
	claim, err := s.DB.ClaimByNumber(ctx, number)
	if err != nil || claim.State != "approved" {
		t.Fatalf("claim %s is %s, %v; want approved", number, claim.State, err)
	}
}

func awaitPromise(p *runtimeEvaluateParams) *runtimeEvaluateParams { return p.WithAwaitPromise(true) }

func chromiumPath(t *testing.T) string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium: `make test` installs Debian's chromium (apt-get install chromium)")
	return ""
}
