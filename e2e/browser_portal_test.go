package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/store"
)

// TestPortalInABrowser: the demo citizen (citizen.demo, OIDC) lands on
// the benefits portal, which keeps no file about him yet; he asks the
// registries for his data and sees what they state about him and his
// household, each fact with its registry and date; he applies for child
// allowance for his children (a mistyped IBAN and no consent first: sent
// back with each message beside its field, everything typed kept), and
// for the newborn grant, which he withdraws (the form is not sent
// unconfirmed; his reason recorded). The claim lands in the centre's inbox marked as filed
// online; the caseworker asks for a document, which he sends from his
// claim's page; she takes it and accepts the claim, a supervisor approves
// it; he sees the decision on his home and on the claim, downloads its PDF
// (which delivers it: the 15 days for an appeal run from today) and
// appeals. Then the portal's pages on a phone, 390 px wide:
// nothing wider than the screen. axe-core checks every page (openBrowser);
// screenshots 70–80 in artifacts/screens.
func TestPortalInABrowser(t *testing.T) {
	ctx := context.Background()
	s := startStack(t, system.Options{SimHouseholds: 200}, 0)
	bctx, shot, login, logout, waitFor := openBrowser(t, s.APIURL)
	certificate := filepath.Join(t.TempDir(), "potvrda-vrtica.pdf")
	if err := os.WriteFile(certificate, []byte("%PDF-1.4\n% potvrda vrtica\n1 0 obj\n<<>>\nendobj\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var sentFlash string
	unconfirmedValid := true

	var home, name, payeeError, payeeKept, consentError, focused, claimURL, number, channel, grant, reasonKept string
	var membersKept int
	err := runSteps(bctx,
		login("citizen.demo"),
		chromedp.Location(&home),
		waitFor("#portal-start"),
		shot("70-portal-no-file"),
		submit("#portal-refresh"),
		waitFor("#household-members"),
		waitFor("#portal-access"),
		shot("71-portal-my-data"),
		chromedp.Navigate(s.APIURL+"/me/apply"),
		waitFor("#apply-DD"),
		chromedp.Click("#apply-DD", chromedp.ByQuery),
		waitFor("#form-apply"),
		chromedp.Text("#applicant", &name, chromedp.ByQuery),
		// A mistyped IBAN and no consent: sent back.
		chromedp.SendKeys("#payee", "ME25 5050 0001 2345 6789 52", chromedp.ByQuery),
		submit("#submit-apply"),
		waitFor("#apply-summary"),
		chromedp.Text("#payee-err", &payeeError, chromedp.ByQuery),
		chromedp.Text("#consent-err", &consentError, chromedp.ByQuery),
		chromedp.Value("#payee", &payeeKept, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#members input[name=members]:checked").length`, &membersKept),
		chromedp.Evaluate(`document.activeElement && document.activeElement.id`, &focused),
		shot("72-portal-apply-sent-back"),
		chromedp.SetValue("#payee", "ME25 5050 0001 2345 6789 51", chromedp.ByQuery),
		chromedp.Click("#consent", chromedp.ByQuery),
		shot("72-portal-apply"),
		submit("#submit-apply"),
		waitFor("#claim-number"),
		chromedp.Location(&claimURL),
		chromedp.Text("#claim-number", &number, chromedp.ByQuery),
		shot("73-portal-claim-filed"),
		// A newborn grant for his daughter, withdrawn: not without the
		// confirmation, then with it and his reason.
		chromedp.Navigate(s.APIURL+"/me/apply?benefit=ND"),
		waitFor("#form-apply"),
		chromedp.Click(`#subject div.field:last-of-type input[type=radio]`, chromedp.ByQuery),
		chromedp.Click("#consent", chromedp.ByQuery),
		submit("#submit-apply"),
		waitFor("#form-withdraw"),
		chromedp.Text("#claim-number", &grant, chromedp.ByQuery),
		chromedp.SendKeys("#wd-reason", "Prijavili smo je u opštini", chromedp.ByQuery),
		// The browser does not send it unconfirmed (the server refuses it
		// too: TestPagesSpeakOneLanguage, "portal: withdrawal unconfirmed").
		chromedp.Evaluate(`document.querySelector("#form-withdraw").checkValidity()`, &unconfirmedValid),
		chromedp.Value("#wd-reason", &reasonKept, chromedp.ByQuery),
		chromedp.Click("#wd-confirm", chromedp.ByQuery),
		submit("#withdraw"),
		waitFor(`#claim-state[data-state="withdrawn"]`),
		shot("73-portal-claim-withdrawn"),
		logout,
	)
	if err != nil {
		t.Fatalf("the citizen's application: %v", err)
	}
	if !strings.HasSuffix(home, "/me") || name != "Stefan Bulatović" {
		t.Errorf("home %s, applicant %q; want /me, Stefan Bulatović as the population register names him", home, name)
	}
	if !strings.Contains(payeeError, "kontrolne cifre IBAN-a") || !strings.Contains(consentError, "saglasnost") || payeeKept != "ME25 5050 0001 2345 6789 52" ||
		membersKept != 3 || focused != "apply-summary" {
		t.Errorf("the application sent back: IBAN %q (kept %q), consent %q, %d members kept ticked, focus on %q; want the messages in Montenegrin beside their fields, the three members and the IBAN kept, the summary focused",
			payeeError, payeeKept, consentError, membersKept, focused)
	}
	if withdrawn, err := s.DB.ClaimByNumber(ctx, grant); err != nil || withdrawn.State != "withdrawn" || withdrawn.Benefit != "ND" ||
		withdrawn.StateReason != "Prijavili smo je u opštini" || reasonKept != "Prijavili smo je u opštini" || unconfirmedValid {
		t.Errorf("the newborn grant %q = %+v, %v (reason %q; the form valid unconfirmed: %v); want withdrawn with his reason, only once confirmed",
			grant, withdrawn, err, reasonKept, unconfirmedValid)
	}
	cl, err := s.DB.ClaimByNumber(ctx, number)
	me, _ := s.DB.PersonByJMBG(ctx, sim.DemoCitizenJMBG)
	if err != nil || cl.Channel != store.ChannelOnline || cl.Benefit != "DD" || len(cl.Members) != 4 || cl.FiledBy != "citizen.demo" || cl.ApplicantID != me.ID {
		t.Fatalf("claim %q = %+v, %v; want child allowance filed online by the demo citizen for his household of four", number, cl, err)
	}

	// The centre: the claim's task in the inbox, marked online; a caseworker
	// accepts, a supervisor approves.
	err = runSteps(bctx,
		login("ana.caseworker"),
		waitFor(`a[href="/claims/`+number+`"]`),
		waitFor(`tr:has(a[href="/claims/`+number+`"]) [data-channel="online"]`),
		shot("74-portal-claim-in-the-inbox"),
		chromedp.Navigate(s.APIURL+"/claims/"+number),
		waitFor("#accept"),
		chromedp.AttributeValue("#claim-channel", "data-channel", &channel, nil, chromedp.ByQuery),
		chromedp.SetValue("#req-what", "Potvrda vrtića za Luku", chromedp.ByQuery),
		submit("#form-request button[type=submit]"),
		logout,
		// He sees the request on his home and answers it with an upload.
		login("citizen.demo"),
		waitFor(`#portal-claims td[data-state] .badge`),
		chromedp.Navigate(claimURL),
		waitFor("#requests input[type=file]"),
		chromedp.SetUploadFiles("#requests input[type=file]", []string{certificate}, chromedp.ByQuery),
		submit("#requests .send-answer"),
		waitFor("#requests p.answered"),
		chromedp.Text("#flash", &sentFlash, chromedp.ByQuery),
		shot("74-portal-request-answered"),
		logout,
	)
	if err != nil {
		t.Fatalf("the centre's request for a document: %v", err)
	}
	// The caseworker takes the upload as provided (over HTTP: the desk's
	// claim page has no form for it), then accepts the claim.
	request := waitTask(t, s.APIURL, "ana.caseworker", number, "claim.obtain_document")
	docs, err := s.DB.DocumentsOfClaim(ctx, number)
	var answer store.Document
	for _, d := range docs {
		if d.AnswersTask == request {
			answer = d
		}
	}
	if err != nil || answer.ID == "" || answer.ContentType != "application/pdf" {
		t.Fatalf("the claim's documents = %+v, %v; want his answer to %s", docs, err, request)
	}
	if code, b := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/tasks/"+request+"/complete",
		fmt.Sprintf(`{"outcome":"provided","data":{"document_id":%q,"person_id":%q}}`, answer.ID, answer.PersonID)); code != 200 {
		t.Fatalf("the document taken as provided = %d %s", code, b)
	}
	err = runSteps(bctx,
		login("ana.caseworker"),
		chromedp.Navigate(s.APIURL+"/claims/"+number),
		waitFor("#accept"),
		submit("#accept"),
		logout,
		login("marko.supervisor"),
		chromedp.Navigate(s.APIURL+"/claims/"+number),
		waitFor("#approve"),
		submit("#approve"),
		waitFor("#decision-pdf"),
		logout,
	)
	if err != nil {
		t.Fatalf("the centre deciding the claim filed online: %v", err)
	}
	if channel != "online" || !strings.Contains(sentFlash, "poslat centru") {
		t.Errorf("the claim's page says it came by %q; the answer's flash %q; want online, and the document sent", channel, sentFlash)
	}

	// The citizen: the decision on his home and on the claim, its PDF.
	var pdfStatus int
	var pdfType, finality, outcome string
	appealForms := -1
	err = runSteps(bctx,
		login("citizen.demo"),
		waitFor("#portal-decisions"),
		shot("75-portal-home-decided"),
		chromedp.Navigate(claimURL),
		waitFor("#decision-pdf"),
		chromedp.Text("#decision-outcome", &outcome, chromedp.ByQuery),
		chromedp.Evaluate(`fetch(document.querySelector("#decision-pdf").href).then(r => r.status)`, &pdfStatus, awaitPromise),
		chromedp.Evaluate(`fetch(document.querySelector("#decision-pdf").href).then(r => r.headers.get("content-type"))`, &pdfType, awaitPromise),
		chromedp.Reload(),
		waitFor(`#decision-finality[data-finality="appealable"]`),
		waitFor("#form-appeal"),
		chromedp.AttributeValue("#decision-finality", "data-finality", &finality, nil, chromedp.ByQuery),
		shot("76-portal-decision"),
		// He appeals: the appeal is recorded and the form gives way to it.
		chromedp.SetValue("#ap-grounds", "Supruga je ostala bez posla, a to nije uzeto u obzir.", chromedp.ByQuery),
		submit("#file-appeal"),
		waitFor(`#decision p[id^="appeal-"]`),
		chromedp.Evaluate(`document.querySelectorAll("#form-appeal").length`, &appealForms),
		shot("76-portal-appealed"),
	)
	if err != nil {
		t.Fatalf("the citizen reading the decision: %v", err)
	}
	if pdfStatus != 200 || pdfType != "application/pdf" || finality != "appealable" || outcome == "" || appealForms != 0 {
		t.Errorf("the decision %q: PDF %d %s, then %q, %d appeal forms after the appeal; want the PDF, the decision delivered and open to appeal, then appealed",
			outcome, pdfStatus, pdfType, finality, appealForms)
	}
	if got, err := s.DB.ClaimByNumber(ctx, number); err != nil || (got.State != "approved" && got.State != "rejected") {
		t.Errorf("claim %s is %s, %v; want decided", number, got.State, err)
	}

	// The portal on a phone.
	if err := chromedp.Run(bctx, emulation.SetDeviceMetricsOverride(phoneWidth, phoneHeight, 2, true)); err != nil {
		t.Fatal(err)
	}
	got := map[string]phoneLayout{}
	measure := func(page string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var js string
			if err := chromedp.Evaluate(measurePhone, &js).Do(ctx); err != nil {
				return err
			}
			var m phoneLayout
			if err := json.Unmarshal([]byte(js), &m); err != nil {
				return err
			}
			got[page] = m
			return nil
		})
	}
	var steps []chromedp.Action
	for i, p := range []struct{ name, path, ready string }{
		{"home", "/me", "#portal-claims"},
		{"data", "/me/data", "#household-members"},
		{"apply", "/me/apply?benefit=DD", "#form-apply"},
		{"claim", strings.TrimPrefix(claimURL, s.APIURL), "#decision-pdf"},
	} {
		steps = append(steps, chromedp.Navigate(s.APIURL+p.path), waitFor(p.ready), axeSettled(), measure(p.name),
			shot(fmt.Sprintf("%d-portal-mobile-%s", 77+i, p.name)))
	}
	if err := runSteps(bctx, steps...); err != nil {
		t.Fatalf("the portal at %d px: %v", phoneWidth, err)
	}
	for page, m := range got {
		t.Logf("portal %s at %d px: document %d px wide, header %.0f px", page, phoneWidth, m.ScrollWidth, m.Header)
		if m.ScrollWidth > phoneWidth || len(m.Offscreen) > 0 {
			t.Errorf("portal %s at %d px: %d px wide, off the screen: %s", page, phoneWidth, m.ScrollWidth, strings.Join(m.Offscreen, "; "))
		}
	}
}
