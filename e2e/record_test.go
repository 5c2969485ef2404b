package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/karton-social/karton/codec"
	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// TestRecordHistories records the histories workflows/replay_test.go
// replays. It drives each procedure through the shapes named below on the
// real stack and writes the history of each workflow, as the SDK's
// replayer reads it (protojson, as `temporal workflow show --output json`
// writes it), into the folder KARTON_RECORD_HISTORIES names. The payloads
// are decoded with the stack's payload codec first, so the files hold
// plain JSON of synthetic demo data and replay with the default data
// converter. Without the variable the test is skipped:
//
//	KARTON_RECORD_HISTORIES=$PWD/workflows/testdata go test ./e2e/ -run TestRecordHistories -count=1 -timeout 30m
//
// A history already in the folder is never rewritten (it proves an old
// GetVersion branch): only the missing ones are written. Each procedure
// is a subtest, so -run selects the ones to record, e.g.
// -run 'TestRecordHistories/(revision|appeal)$'.
func TestRecordHistories(t *testing.T) {
	dir := os.Getenv("KARTON_RECORD_HISTORIES")
	if dir == "" {
		t.Skip("KARTON_RECORD_HISTORIES=<dir> records the workflows' histories there")
	}
	// Deadlines short enough for their timers to fire while the test runs:
	// a claim's review and a police notification's first contact escalate,
	// a quiet employment agency is reminded. A case's deadlines are its
	// procedure's (days): its escalations by timer cannot be recorded here.
	s := startStack(t, system.Options{SimHouseholds: 200, SimFaults: sim.Faults{Latency: 2 * time.Millisecond, AgencyStepDelay: 300 * time.Millisecond},
		ClaimDeadlines: workflows.Deadlines{Review: 3 * time.Second, DVFirstContact: 2 * time.Second, ActivationSteps: 4 * time.Second}}, 200)
	r := &recorder{s: s, dir: dir, api: s.APIURL + "/api/v1"}
	t.Run("claims", r.claims)
	t.Run("cases", r.cases)
	t.Run("violence", r.violence)
	t.Run("activation", r.activation)
	t.Run("payroll", r.payroll)
	t.Run("revision", r.revision)
	t.Run("changes", r.changes)
	t.Run("appeal", r.appeal)
	t.Run("finality", r.finality)
	t.Run("reassessment", r.reassessment)
	t.Run("refund", r.refund)
	t.Run("licences", r.licences)
	t.Run("electricity", r.electricity)
	t.Run("agriculture", r.agriculture)
	t.Run("licence", r.licenceApplication)
	t.Run("placement", r.placement)
	t.Run("service_referral", r.serviceReferral)
	t.Run("placement_facts", r.placementFacts)
	t.Run("waitingLists", r.waitingLists)
}

// electricity: the month's list for the power utility, submitted by one
// finance officer and approved by another by its SHA-256, sent to the
// simulated company, whose answer is imported and reconciled.
func (r *recorder) electricity(t *testing.T) {
	month := domain.MonthOf(time.Now()).String()
	if code, b := as(t, "nina.finance", "POST", r.api+"/electricity-lists", fmt.Sprintf(`{"period":%q}`, month)); code != 202 {
		t.Fatalf("start the electricity list = %d %s", code, b)
	}
	sendElectricityList(t, r.api, month)
	r.saveDone(t, "electricity_reconciled.json", workflows.ElectricityID(month))
}

// recorder drives procedures over HTTP and saves their histories.
type recorder struct {
	s   *system.System
	dir string
	api string
}

// claims: a claim granted after its review escalated by timer and the
// approver sent it back once; one withdrawn; one rejected after a
// document was asked for and provided.
func (r *recorder) claims(t *testing.T) {
	claimOf := func(ids []string) string {
		members, _ := json.Marshal(ids[1:])
		return fmt.Sprintf(`{"benefit":"MO","applicant_person_id":%q,"member_person_ids":%s,"payee_account":"ME25 5050 0001 2345 6789 51","consent":true}`, ids[0], members)
	}
	ids := r.poorHousehold(t)
	body := claimOf(ids)
	task := func(n, step string) string { return workflows.TaskID(workflows.ClaimWorkflowID(n), step) }

	n := r.fileClaim(t, body)
	r.waitEvents(t, workflows.ClaimWorkflowID(n), enumspb.EVENT_TYPE_TIMER_FIRED, 1) // the review escalates
	r.complete(t, "ana.caseworker", task(n, "review-1"), `{"outcome":"accept"}`)
	r.complete(t, "marko.supervisor", task(n, "approval-1"), `{"outcome":"send_back","data":{"reason":"Check the household's income once more."}}`)
	r.complete(t, "ana.caseworker", task(n, "review-2"), `{"outcome":"accept"}`)
	r.complete(t, "marko.supervisor", task(n, "approval-2"), `{"outcome":"approve"}`)
	r.saveDone(t, "claim_granted.json", workflows.ClaimWorkflowID(n))

	// The household granted may not claim the same right again (issue 16):
	// the other two claims, withdrawn and rejected, are of households that
	// are not poor (the poor one after the first is the revision step's).
	ids = r.householdAfter(t, 0, false)
	n = r.fileClaim(t, claimOf(ids))
	r.waitTaskRow(t, task(n, "review-1"))
	if code, b := as(t, "ana.caseworker", "POST", r.api+"/claims/"+n+"/withdraw", `{"reason":"the family withdrew the application"}`); code != 200 {
		t.Fatalf("withdraw = %d %s", code, b)
	}
	r.saveDone(t, "claim_withdrawn.json", workflows.ClaimWorkflowID(n))

	ids = r.householdAfter(t, 1, false)
	n = r.fileClaim(t, claimOf(ids))
	r.complete(t, "ana.caseworker", task(n, "review-1"), fmt.Sprintf(`{"outcome":"request_document","data":{"what":"bank statements of the last three months","person_id":%q}}`, ids[0]))
	doc := r.upload(t, n, ids[0])
	r.complete(t, "ana.caseworker", task(n, "document-1"), fmt.Sprintf(`{"outcome":"provided","data":{"document_id":%q,"person_id":%q,`+
		`"facts":[{"kind":"registered_income","value":{"sources":[],"monthly_total_net":"120.00"}}]}}`, doc, ids[0]))
	r.complete(t, "ana.caseworker", task(n, "review-2"), `{"outcome":"reject","data":{"reasons":["The household's income is above the threshold."]}}`)
	r.complete(t, "marko.supervisor", task(n, "approval-2"), `{"outcome":"approve"}`)
	r.saveDone(t, "claim_rejected_after_document.json", workflows.ClaimWorkflowID(n))
}

// cases: a guardianship walked through every stage with approvals (one
// plan returned), a decision, a tracking item past due, a transfer and
// the closing, then reopened; a guardianship that starts a foster-care
// sub-procedure, which runs to its closing and tells its parent, whose
// review, asked for before its time, proposes closing.
func (r *recorder) cases(t *testing.T) {
	child := registerInPodgorica(t, r.s, time.Date(2014, 2, 2, 0, 0, 0, 0, time.UTC), 951, "Luka", "Đurović")
	aunt := registerInPodgorica(t, r.s, time.Date(1981, 7, 7, 0, 0, 0, 0, time.UTC), 957, "Milena", "Đurović")
	cs := r.openCase(t, "P01", child.ID, `{"source":"school","description":"The school reports that Luka lives alone since his mother died.","urgency":"urgent","outcome":"open_case"}`)
	r.walkToMonitoring(cs, true)
	if code, b := cs.act("ana.caseworker", "note", `{"text":"Luka's aunt Milena visits every day."}`); code != 200 {
		t.Fatalf("note = %d %s", code, b)
	}
	if code, b := cs.act("ana.caseworker", "prepare-decision", fmt.Sprintf(`{"kind":"guardian_appointment","reasoning":"Milena Đurović is fit and willing to be Luka's guardian.","disposition":"Milena Đurović is appointed guardian of Luka Đurović.","carers":[%q]}`, aunt.ID)); code != 200 {
		t.Fatalf("prepare decision = %d %s", code, b)
	}
	past := time.Now().AddDate(0, 0, -2).Format(time.DateOnly)
	if code, b := cs.act("ana.caseworker", "add-tracking", fmt.Sprintf(`{"kind":"visit","what":"Home visit to the guardian","due":%q}`, past)); code != 200 {
		t.Fatalf("add tracking = %d %s", code, b)
	}
	id := workflows.CaseWorkflowID(cs.number())
	r.complete(t, "marko.supervisor", workflows.TaskID(id, "decision-1-approval"), `{"outcome":"approve"}`)
	r.complete(t, "marko.supervisor", workflows.TaskID(id, "tracking-1-overdue"), `{"outcome":"acknowledge"}`)
	if code, b := cs.act("ana.caseworker", "complete-tracking", `{"item":1}`); code != 200 {
		t.Fatalf("complete tracking = %d %s", code, b)
	}
	r.waitEvents(t, id, enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 1) // the decision is issued
	if code, b := cs.act("marko.supervisor", "transfer", `{"centre_id":"csr-niksic"}`); code != 200 {
		t.Fatalf("transfer = %d %s", code, b)
	}
	if code, b := cs.act("jelena.caseworker", "close", `{}`); code != 200 {
		t.Fatalf("propose closing = %d %s", code, b)
	}
	cs.must("jelena.caseworker", "closing", "submit", `{"reason":"goals_achieved","summary":"The aunt is Luka's guardian; he lives with her and goes to school."}`)
	cs.must("petar.supervisor", "closing", "approve", `{}`)
	r.saveDone(t, "case_guardianship.json", id)
	if code, b := as(t, "jelena.caseworker", "POST", cs.url+"/reopen", ""); code != 202 {
		t.Fatalf("reopen = %d %s", code, b)
	}
	r.waitEvents(t, id, enumspb.EVENT_TYPE_TIMER_STARTED, 1) // the new run waits for its initial assessment
	r.save(t, "case_reopened.json", id)

	child = registerInPodgorica(t, r.s, time.Date(2016, 6, 6, 0, 0, 0, 0, time.UTC), 952, "Nikola", "Perović")
	parent := r.openCase(t, "P01", child.ID, `{"source":"court","description":"The court asks for a guardian while the parents are in treatment.","urgency":"routine","outcome":"open_case"}`)
	r.walkToMonitoring(parent, false)
	if code, b := parent.act("ana.caseworker", "start-subprocedure", `{"procedure":"P02"}`); code != 200 {
		t.Fatalf("start sub-procedure = %d %s", code, b)
	}
	var page struct {
		Subprocedures []struct{ Number string }
	}
	for deadline := time.Now().Add(30 * time.Second); len(page.Subprocedures) == 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		_, b := as(t, "ana.caseworker", "GET", parent.url, "")
		_ = json.Unmarshal(b, &page)
	}
	if len(page.Subprocedures) != 1 {
		t.Fatalf("the sub-procedure did not start: %+v", page)
	}
	sub := caseOverHTTP{t: t, api: r.api, url: r.api + "/cases/" + page.Subprocedures[0].Number}
	sub.must("ana.caseworker", "opening", "submit", `{"case_manager":"ana.caseworker","network":[{"name":"Jovana Marković","relation":"foster_parent"}]}`)
	sub.must("ana.caseworker", "initial_assessment", "submit", `{"safety":"safe","findings":"Nikola is with his grandmother for now; she cannot keep him."}`)
	sub.must("ana.caseworker", "detailed_assessment", "submit", `{"needs":"a family for a year","strengths":"close to his school","findings":"The Marković family is assessed fit to foster.","participated":true}`)
	sub.must("ana.caseworker", "plan", "submit", `{"goals":[{"goal":"Place Nikola with the Marković family","service":"foster care","provider":"Marković family","responsible":"Ana Radović","due":"2027-01-15"}]}`)
	sub.must("marko.supervisor", "plan", "approve", `{}`)
	if code, b := sub.act("ana.caseworker", "close", `{}`); code != 200 {
		t.Fatalf("propose closing the sub-procedure = %d %s", code, b)
	}
	sub.must("ana.caseworker", "closing", "submit", `{"reason":"goals_achieved","summary":"Nikola lives with the Marković family."}`)
	sub.must("marko.supervisor", "closing", "approve", `{}`)
	r.saveDone(t, "case_subprocedure.json", workflows.CaseWorkflowID(sub.number()))

	pid := workflows.CaseWorkflowID(parent.number())
	r.waitEvents(t, pid, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, 1) // the sub-procedure closed
	if code, b := parent.act("ana.caseworker", "review", `{}`); code != 200 {
		t.Fatalf("ask for a review = %d %s", code, b)
	}
	parent.must("ana.caseworker", "review", "submit", `{"progress":"achieved","findings":"Nikola is settled with the foster family.","next":"close"}`)
	parent.must("ana.caseworker", "closing", "submit", `{"reason":"goals_achieved","summary":"Nikola is in foster care; the guardianship ends."}`)
	parent.must("marko.supervisor", "closing", "approve", `{}`)
	r.saveDone(t, "case_review_closes.json", pid)
}

// walkToMonitoring takes a guardianship (P01) from opening to monitoring;
// returned, the supervisor first sends the plan back.
func (r *recorder) walkToMonitoring(cs caseOverHTTP, returned bool) {
	cs.must("ana.caseworker", "opening", "submit", `{"case_manager":"ana.caseworker","team":["ivan.caseworker"],"network":[{"name":"Milena Đurović","relation":"relative"}]}`)
	cs.must("marko.supervisor", "opening", "approve", `{}`)
	cs.must("ana.caseworker", "initial_assessment", "submit", `{"safety":"at_risk","findings":"The child is alone; a relative visits daily."}`)
	cs.must("ana.caseworker", "detailed_assessment", "submit", `{"needs":"a guardian, schooling","strengths":"a caring aunt","findings":"The aunt is fit and willing to be the guardian.","participated":true}`)
	plan := `{"goals":[{"goal":"Appoint the aunt as guardian","service":"guardianship","responsible":"Ana Radović","due":"2027-01-31"}]}`
	cs.must("ana.caseworker", "plan", "submit", plan)
	if returned {
		cs.must("marko.supervisor", "plan", "return", `{}`)
		cs.must("ana.caseworker", "plan", "submit", strings.Replace(plan, `]}`, `,{"goal":"Weekly contact with the school","service":"contact","responsible":"Ana Radović","due":"2027-06-30"}]}`, 1))
	}
	cs.must("marko.supervisor", "plan", "approve", `{}`)
}

func (r *recorder) openCase(t *testing.T, procedure string, person domain.PersonID, intake string) caseOverHTTP {
	t.Helper()
	code, b := as(t, "ana.caseworker", "POST", r.api+"/cases", fmt.Sprintf(`{"procedure":%q,"persons":[{"person_id":%q,"role":"beneficiary"}],"intake":%s}`, procedure, person, intake))
	if code != 202 {
		t.Fatalf("open case = %d %s", code, b)
	}
	var opened struct{ Number string }
	_ = json.Unmarshal(b, &opened)
	return caseOverHTTP{t: t, api: r.api, url: r.api + "/cases/" + opened.Number}
}

// violence: a police notification whose first contact escalates twice
// by timer, then opens a DV case; the report to the police; a later
// police update. The notification goes on listening; its DV case waits
// for its opening.
func (r *recorder) violence(t *testing.T) {
	victim := registerInPodgorica(t, r.s, time.Date(1991, 4, 12, 0, 0, 0, 0, time.UTC), 953, "Jovana", "Radulović")
	unknown, _ := domain.MakeJMBG(time.Date(1988, 7, 1, 0, 0, 0, 0, time.UTC), 21, 155)
	code, b := as(t, "police-system", "POST", r.api+"/violence-notifications", fmt.Sprintf(`{"police_reference":"UP-PG/2026/0917","occurred_at":"2026-11-29T22:40:00+01:00",
		"place":{"municipality":"Nikšić","street":"Njegoševa 4"},
		"description":"Neighbours called the police after loud fighting; the victim has visible injuries.",
		"persons":[{"role":"victim","jmbg":%q,"relationship":"spouse"},{"role":"perpetrator","jmbg":%q,"given_name":"Dejan"}],
		"measures":["removal_from_residence"],"risk_indicators":["previous_violence"],"officer":{"name":"Marko Perić","badge":"4471"}}`, victim.JMBG, unknown))
	if code != 202 {
		t.Fatalf("notification = %d %s", code, b)
	}
	var got struct{ Reference string }
	_ = json.Unmarshal(b, &got)
	id := workflows.ViolenceWorkflowID(got.Reference)
	r.waitEvents(t, id, enumspb.EVENT_TYPE_TIMER_FIRED, 2)
	r.complete(t, "dragana.dv", workflows.TaskID(id, "first-contact"),
		`{"outcome":"submit","data":{"contact":"in_person","risk_level":"high","findings":"Jovana is at her sister's; she fears he will come back.","open_case":true}}`)
	entry := r.api + "/violence-notifications/" + got.Reference
	var e struct {
		State      string
		CaseNumber string `json:"case_number"`
	}
	for deadline := time.Now().Add(60 * time.Second); e.State != "reported" && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		_, b := as(t, "dragana.dv", "GET", entry, "")
		_ = json.Unmarshal(b, &e)
	}
	if e.State != "reported" || e.CaseNumber == "" {
		t.Fatalf("register entry %+v; want reported, with a case", e)
	}
	if code, b := as(t, "police-system", "POST", entry+"/updates", `{"update_id":"court-1","kind":"court_outcome","at":"2026-12-02T09:00:00Z","outcome":"30 days of restraining order confirmed"}`); code != 202 {
		t.Fatalf("police update = %d %s", code, b)
	}
	r.waitEvents(t, id, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, 1)
	r.save(t, "violence_notification.json", id)
	r.save(t, "case_dv_opened.json", workflows.CaseWorkflowID(e.CaseNumber))
}

// activation: a referral the agency answers by itself up to a refused job
// offer; the caseworker's suspension is returned once by the supervisor,
// then approved. A second referral the agency leaves quiet: a reminder,
// then the caseworker closes it.
func (r *recorder) activation(t *testing.T) {
	refer := func(serial int, account uint64) string { return r.refer(t, serial, account) }
	suspend := `{"outcome":"submit","data":{"measure":"suspend","reasoning":"Refused a suitable job offer (warehouse worker) without a justified reason."}}`

	ref := refer(954, 7700011)
	decide := waitTask(t, r.s.APIURL, "ana.caseworker", ref+": Job offer refused", workflows.TaskActivationDecide)
	r.complete(t, "ana.caseworker", decide, suspend)
	approve := waitTask(t, r.s.APIURL, "marko.supervisor", ref+": approve suspend (Job offer refused)", workflows.TaskActivationApprove)
	r.complete(t, "marko.supervisor", approve, `{"outcome":"return","data":{"reason":"Say which offer and when."}}`)
	decide = waitTask(t, r.s.APIURL, "ana.caseworker", ref+": Job offer refused", workflows.TaskActivationDecide)
	r.complete(t, "ana.caseworker", decide, strings.Replace(suspend, "(warehouse worker)", "(warehouse worker, 2 November)", 1))
	approve = waitTask(t, r.s.APIURL, "marko.supervisor", ref+": approve suspend (Job offer refused)", workflows.TaskActivationApprove)
	r.complete(t, "marko.supervisor", approve, `{"outcome":"approve"}`)
	r.saveDone(t, "activation_sanction.json", workflows.ActivationWorkflowID(ref))

	r.s.Sim.SetFaults(sim.Faults{AgencyManual: true})
	defer r.s.Sim.SetFaults(sim.Faults{})
	ref = refer(955, 7700012)
	followUp := waitTask(t, r.s.APIURL, "ana.caseworker", ref+": the agency has not reported a step", workflows.TaskActivationFollowUp)
	r.complete(t, "ana.caseworker", followUp, `{"outcome":"close"}`)
	r.saveDone(t, "activation_quiet_closed.json", workflows.ActivationWorkflowID(ref))
}

// refer refers a new recipient of financial assistance to the
// employment agency: the referral's id.
func (r *recorder) refer(t *testing.T, serial int, account uint64) string {
	t.Helper()
	p := registerInPodgorica(t, r.s, time.Date(1988, 3, 9, 0, 0, 0, 0, time.UTC), serial, "Nikola", "Đurović")
	grantAssistance(t, r.s, p, string(domain.MakeIBAN("510", account)))
	code, b := as(t, "ana.caseworker", "POST", r.api+"/activation/referrals", fmt.Sprintf(`{"person_id":%q}`, p.ID))
	if code != 202 {
		t.Fatalf("refer = %d %s", code, b)
	}
	var ref struct{ ID string }
	_ = json.Unmarshal(b, &ref)
	return ref.ID
}

// payroll: a month's payroll submitted and approved (four eyes), sent;
// the treasury rejects one payee's payments and returns another's, and
// each unpaid payment opens an account correction, one of which is done.
func (r *recorder) payroll(t *testing.T) {
	ctx := context.Background()
	const rejected, returned = "ME25505123456789500023", "ME25505123456789500120"
	r.s.Sim.SetFaults(sim.Faults{TreasuryReject: []string{rejected}, TreasuryReturn: []string{returned}})
	defer r.s.Sim.SetFaults(sim.Faults{})
	month := domain.MonthOf(time.Now().AddDate(0, -1, 0)) // a month that has ended: payable any day
	from := month.First().AddDate(0, -1, 0)
	for i, account := range []string{rejected, returned} {
		j, _ := domain.MakeJMBG(time.Date(1960, 5, 5, 0, 0, 0, 0, time.UTC), 21, 960+i)
		addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
		p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Test", FamilyName: "Primalac", Address: addr})
		p, err := r.s.DB.CreatePerson(ctx, p, "test")
		if err != nil {
			t.Fatal(err)
		}
		c, err := r.s.DB.CreateClaim(ctx, store.Claim{Benefit: "DNJP", ApplicantID: p.ID, CentreID: p.CentreID, PayeeIBAN: account,
			Consent: true, FiledBy: "seed", Period: from, Members: []domain.PersonID{p.ID}})
		if err != nil {
			t.Fatal(err)
		}
		d, err := r.s.DB.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "DNJP",
			Amount: decimal.RequireFromString("87.24"), PeriodFrom: from, PreparedBy: "a", ApprovedBy: "b", IssuedAt: from})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.s.DB.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "DNJP", BeneficiaryID: p.ID,
			PayeeIBAN: account, Amount: decimal.RequireFromString("87.24"), Periodicity: "monthly", ValidFrom: from}); err != nil {
			t.Fatal(err)
		}
	}
	period := month.String()
	url := r.api + "/payrolls/" + period
	var pr struct {
		State string
		Files []struct{ Name, SHA256 string }
	}
	waitState := func(want string) {
		t.Helper()
		waitForState(t, "payroll", url, want, 60*time.Second, &pr, func() string { return pr.State })
	}
	if code, b := as(t, "nina.finance", "POST", r.api+"/payrolls", fmt.Sprintf(`{"period":%q}`, period)); code != 202 {
		t.Fatalf("start payroll = %d %s", code, b)
	}
	waitState("awaiting_submission")
	if code, b := as(t, "nina.finance", "POST", url+"/submit", ""); code != 200 {
		t.Fatalf("submit = %d %s", code, b)
	}
	waitState("awaiting_approval")
	hashes := map[string]string{}
	for _, f := range pr.Files {
		hashes[f.Name] = f.SHA256
	}
	approval, _ := json.Marshal(map[string]any{"hashes": hashes})
	if code, b := as(t, "marija.finance", "POST", url+"/approve", string(approval)); code != 200 {
		t.Fatalf("approve = %d %s", code, b)
	}
	r.saveDone(t, "payroll.json", workflows.PayrollID(period))

	var inbox struct{ Tasks []struct{ ID string } }
	for deadline := time.Now().Add(30 * time.Second); len(inbox.Tasks) == 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		_, b := as(t, "ana.caseworker", "GET", r.api+"/tasks?group=mine&type="+workflows.TaskCorrectAccount, "")
		_ = json.Unmarshal(b, &inbox)
	}
	if len(inbox.Tasks) == 0 {
		t.Fatal("no account correction task")
	}
	task := inbox.Tasks[0].ID
	r.complete(t, "ana.caseworker", task, `{"outcome":"corrected","data":{"payee_account":"ME25505123456789500217"}}`)
	// The task id is the workflow id with its slashes as colons, then the step.
	id := strings.Replace(strings.TrimSuffix(task, ":correct"), ":", "/", 1)
	r.saveDone(t, "correct_payee_account.json", id)
}

// poorHousehold is a demo household of Podgorica of two or more whom the
// registries show without income or property: its members' person ids,
// the applicant first.
func (r *recorder) poorHousehold(t *testing.T) []string { return r.poorHouseholdAfter(t, 0) }

// poorHouseholdAfter is the poor household after the first skip of them.
func (r *recorder) poorHouseholdAfter(t *testing.T, skip int) []string {
	t.Helper()
	return r.householdAfter(t, skip, true)
}

// householdAfter is the demo household of Podgorica of two or more, poor
// or not as asked, after the first skip of them.
func (r *recorder) householdAfter(t *testing.T, skip int, poorOne bool) []string {
	t.Helper()
	for i := 0; i < r.s.Population.Size(); i++ {
		h := r.s.Population.Household(i)
		if h.Address.Municipality != "ME-16" || len(h.Members) < 2 || poor(h) != poorOne {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		var ids []string
		for _, m := range h.Members {
			_, b := call(t, "GET", r.api+"/persons?jmbg="+string(m.JMBG), "")
			var res struct{ Persons []struct{ ID string } }
			_ = json.Unmarshal(b, &res)
			if len(res.Persons) != 1 {
				t.Fatalf("demo person %s not found: %s", m.JMBG, b)
			}
			ids = append(ids, res.Persons[0].ID)
		}
		return ids
	}
	t.Fatalf("no Podgorica household (poor: %v) after %d in the demo population", poorOne, skip)
	return nil
}

func (r *recorder) fileClaim(t *testing.T, body string) string {
	t.Helper()
	code, b := as(t, "ana.caseworker", "POST", r.api+"/claims", body)
	if code != 201 {
		t.Fatalf("file claim = %d %s", code, b)
	}
	var filed struct{ Number string }
	_ = json.Unmarshal(b, &filed)
	return filed.Number
}

// upload stores a document of the claim about person and returns its id.
func (r *recorder) upload(t *testing.T, number, person string) string {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("person_id", person)
	fw, _ := mw.CreateFormFile("file", "statement.pdf")
	_, _ = fw.Write([]byte("%PDF-1.4 bank statement"))
	_ = mw.Close()
	req, _ := http.NewRequest("POST", r.api+"/claims/"+number+"/documents", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	tok, _ := r.s.Token("ana.caseworker")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct {
		DocumentID string `json:"document_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != 201 {
		t.Fatalf("upload = %d %v", resp.StatusCode, err)
	}
	return d.DocumentID
}

// waitTaskRow waits until the task exists (its workflow created it).
func (r *recorder) waitTaskRow(t *testing.T, id string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := r.s.DB.TaskByID(context.Background(), id); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s was never created", id)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// complete gives a task its outcome once the workflow has created it.
func (r *recorder) complete(t *testing.T, user, task, body string) {
	t.Helper()
	r.waitTaskRow(t, task)
	if code, b := as(t, user, "POST", r.api+"/tasks/"+task+"/complete", body); code != 200 {
		t.Fatalf("complete %s by %s = %d %s", task, user, code, b)
	}
}

// waitEvents waits until the workflow's history has n events of type typ.
func (r *recorder) waitEvents(t *testing.T, id string, typ enumspb.EventType, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := 0
		for _, e := range r.history(t, id).Events {
			if e.GetEventType() == typ {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("workflow %s has %d events %s; want %d", id, got, typ, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// saveDone saves the history of a workflow once it has ended.
func (r *recorder) saveDone(t *testing.T, file, id string) {
	t.Helper()
	waitWorkflowDone(t, r.s, id)
	r.save(t, file, id)
}

// save writes the history of the workflow's latest run, once it is at
// rest, with every payload decoded, to file in the recorder's folder.
func (r *recorder) save(t *testing.T, file, id string) {
	t.Helper()
	h := r.atRest(t, id)
	ctx := context.Background()
	decode := func(_ *proxy.VisitPayloadsContext, p []*commonpb.Payload) ([]*commonpb.Payload, error) {
		return r.s.Codec.Decode(p)
	}
	if err := proxy.VisitPayloads(ctx, h, proxy.VisitPayloadsOptions{Visitor: decode}); err != nil {
		t.Fatalf("decode the history of %s: %v", id, err)
	}
	encrypted := 0
	count := func(_ *proxy.VisitPayloadsContext, p []*commonpb.Payload) ([]*commonpb.Payload, error) {
		for _, x := range p {
			if codec.IsEncrypted(x) {
				encrypted++
			}
		}
		return p, nil
	}
	if err := proxy.VisitPayloads(ctx, h, proxy.VisitPayloadsOptions{Visitor: count}); err != nil || encrypted > 0 {
		t.Fatalf("the history of %s keeps %d encrypted payloads (%v)", id, encrypted, err)
	}
	path := filepath.Join(r.dir, file)
	if _, err := os.Stat(path); err == nil {
		t.Logf("%s: kept, an existing history is never rewritten (delete it to record it again)", file)
		return
	}
	b, err := protojson.MarshalOptions{Indent: " "}.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s, %d events", file, id, len(h.Events))
}

// atRest returns the workflow's history once no workflow task or activity
// is under way and nothing has been added for a moment.
func (r *recorder) atRest(t *testing.T, id string) *historypb.History {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	last := -1
	for {
		h := r.history(t, id)
		d, err := r.s.Temporal.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			t.Fatalf("describe %s: %v", id, err)
		}
		tail := h.Events[len(h.Events)-1].GetEventType()
		busy := len(d.GetPendingActivities()) > 0 || tail == enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED || tail == enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED
		if !busy && len(h.Events) == last {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("workflow %s never came to rest", id)
		}
		last = len(h.Events)
		time.Sleep(500 * time.Millisecond)
	}
}

func (r *recorder) history(t *testing.T, id string) *historypb.History {
	t.Helper()
	it := r.s.Temporal.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		h.Events = append(h.Events, e)
	}
	return h
}

// number is the case's number, from its URL.
func (c caseOverHTTP) number() string { return c.url[strings.LastIndex(c.url, "/")+1:] }

// revision: a right paying more than the law now gives fell due three
// days ago; the daily sweep (started by hand, as its schedule does) starts
// its revision, which proposes the lower amount; the caseworker accepts,
// a supervisor approves: a decision and the right's new version.
func (r *recorder) revision(t *testing.T) {
	ctx := context.Background()
	var members []domain.PersonID
	for _, id := range r.poorHouseholdAfter(t, 1) { // not the claims' household
		members = append(members, domain.PersonID(id))
	}
	now := time.Now().UTC()
	due := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -3)
	right := grantRight(t, r.s, members, "300.00", due) // above every MO threshold
	run, err := r.s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.RevisionSweepID, TaskQueue: workflows.TaskQueue},
		workflows.NameRevisionSweep, workflows.RevisionSweepInput{})
	if err != nil {
		t.Fatal(err)
	}
	var swept workflows.RevisionSweepResult
	if err := run.Get(ctx, &swept); err != nil || swept.Started < 1 {
		t.Fatalf("sweep: %+v, %v", swept, err)
	}
	r.saveDone(t, "revision_sweep.json", workflows.RevisionSweepID)

	id := workflows.RevisionID(workflows.RevisionInput{EntitlementID: right.ID, Due: due.Format(time.DateOnly)})
	review := waitTask(t, r.s.APIURL, "ana.caseworker", id, workflows.TaskRevisionReview)
	r.complete(t, "ana.caseworker", review, `{"outcome":"accept"}`)
	approval := waitTask(t, r.s.APIURL, "marko.supervisor", id, workflows.TaskRevisionApprov)
	r.complete(t, "marko.supervisor", approval, `{"outcome":"approve"}`)
	r.saveDone(t, "revision_changed.json", id)
}

// changes: a recipient's death, published by the population register's
// feed, taken by a poll (started by hand, as its schedule does): the
// right ends ex officio and a follow-up waits for the caseworker to close
// it by decision, which she does.
func (r *recorder) changes(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	j, _ := domain.MakeJMBG(time.Date(1948, 3, 3, 0, 0, 0, 0, time.UTC), 21, 970)
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
	p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Test", FamilyName: "Primalac", Address: addr})
	p, err := r.s.DB.CreatePerson(ctx, p, "test")
	if err != nil {
		t.Fatal(err)
	}
	const iban = "ME25505123456789500314"
	c, err := r.s.DB.CreateClaim(ctx, store.Claim{Benefit: "DNJP", ApplicantID: p.ID, CentreID: p.CentreID, PayeeIBAN: iban,
		Consent: true, FiledBy: "seed", Period: month, Members: []domain.PersonID{p.ID}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := r.s.DB.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "DNJP",
		Amount: decimal.RequireFromString("87.24"), PeriodFrom: month, PreparedBy: "a", ApprovedBy: "b", IssuedAt: month})
	if err != nil {
		t.Fatal(err)
	}
	e, err := r.s.DB.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "DNJP", BeneficiaryID: p.ID,
		PayeeIBAN: iban, Amount: decimal.RequireFromString("87.24"), Periodicity: "monthly", ValidFrom: month})
	if err != nil {
		t.Fatal(err)
	}
	died := month.AddDate(0, 0, 13).Format(time.DateOnly)
	if code, b := asRaw(t, "", "PUT", r.s.SimURL+"/sim/changes", fmt.Sprintf(`{"kind":"death","jmbg":%q,"date":%q}`, j, died)); code != 201 {
		t.Fatalf("inject = %d %s", code, b)
	}
	run, err := r.s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.PollChangesID, TaskQueue: workflows.TaskQueue},
		workflows.NamePollChanges, workflows.PollChangesInput{})
	if err != nil {
		t.Fatal(err)
	}
	var polled workflows.PollChangesResult
	if err := run.Get(ctx, &polled); err != nil || polled.FollowUps < 1 {
		t.Fatalf("poll: %+v, %v; want a follow-up of the death", polled, err)
	}
	r.saveDone(t, "changes_poll_death.json", workflows.PollChangesID)

	var inbox struct {
		Tasks []struct{ ID, Subject string }
	}
	task := ""
	for deadline := time.Now().Add(30 * time.Second); task == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		_, b := as(t, "ana.caseworker", "GET", r.api+"/tasks?group=mine&type=change.close_right", "")
		_ = json.Unmarshal(b, &inbox)
		for _, x := range inbox.Tasks {
			if x.Subject == e.ID {
				task = x.ID
			}
		}
	}
	if task == "" {
		t.Fatal("no task to close the right")
	}
	r.complete(t, "ana.caseworker", task, `{"outcome":"closed"}`)
	// The task id is the workflow id (change/<id>) with its slash as a colon, then the step.
	parts := strings.SplitN(task, ":", 3)
	r.saveDone(t, "change_follow_up.json", parts[0]+"/"+parts[1])
}

// appeal: an MO grant delivered two days ago is appealed; the centre
// forwards the appeal; the ministry changes the amount from the right's
// first day.
func (r *recorder) appeal(t *testing.T) {
	p := registerInPodgorica(t, r.s, time.Date(1983, 4, 12, 0, 0, 0, 0, time.UTC), 956, "Mirjana", "Šoć")
	e := grantAssistance(t, r.s, p, string(domain.MakeIBAN("510", 7700014)))
	d := r.api + "/decisions/" + e.DecisionID
	day := func(n int) string { return time.Now().UTC().AddDate(0, 0, n).Format(time.DateOnly) }
	if code, b := as(t, "ana.caseworker", "POST", d+"/delivery", `{"delivered_on":"`+day(-2)+`"}`); code != 200 {
		t.Fatalf("delivery = %d %s", code, b)
	}
	code, b := as(t, "ana.caseworker", "POST", d+"/appeals", `{"filed_on":"`+day(0)+`","grounds":"A member's income was counted though he moved out."}`)
	var ap struct{ ID string }
	if err := json.Unmarshal(b, &ap); code != 202 || err != nil || ap.ID == "" {
		t.Fatalf("appeal = %d %s", code, b)
	}
	id := workflows.AppealWorkflowID(ap.ID)
	_, b = as(t, "ana.caseworker", "GET", d+"/appeals", "")
	var decision struct{ Number string }
	_ = json.Unmarshal(b, &decision)
	r.complete(t, "ana.caseworker", waitTask(t, r.s.APIURL, "ana.caseworker", ap.ID+": appeal against "+decision.Number, workflows.TaskAppealReview),
		`{"outcome":"forward","data":{"reasoning":"The decision applied the rules; for the ministry."}}`)
	r.complete(t, "vesna.appeals", waitTask(t, r.s.APIURL, "vesna.appeals", ap.ID+": second instance, decision "+decision.Number, workflows.TaskAppealDecide),
		`{"outcome":"change","data":{"amount":"120.50","from":"`+e.ValidFrom.Format(time.DateOnly)+`","reasoning":"The member's income no longer counts."}}`)
	r.saveDone(t, "appeal_changed.json", id)
}

// finality: a suspension decided on a referral, issued (the database
// says) three weeks ago and delivered the day after: its appeal deadline
// has passed, so the finality workflow the delivery starts applies it at
// once.
func (r *recorder) finality(t *testing.T) {
	ref := r.refer(t, 957, 7700015)
	r.complete(t, "ana.caseworker", waitTask(t, r.s.APIURL, "ana.caseworker", ref+": Job offer refused", workflows.TaskActivationDecide),
		`{"outcome":"submit","data":{"measure":"suspend","reasoning":"Refused a suitable job offer without a justified reason."}}`)
	r.complete(t, "marko.supervisor", waitTask(t, r.s.APIURL, "marko.supervisor", ref+": approve suspend (Job offer refused)", workflows.TaskActivationApprove),
		`{"outcome":"approve"}`)
	got := waitReferral(t, r.api, ref, "the decision", func(x referral) bool { return x.State == "closed" && len(x.Decisions) == 1 })
	decision := strings.TrimSuffix(strings.TrimPrefix(got.Decisions[0].DocumentURL, "/api/v1/activation-decisions/"), "/document")
	if _, err := r.s.DB.Pool().Exec(context.Background(), `UPDATE activation_decisions SET issued_at = issued_at - interval '21 days' WHERE id = $1`, decision); err != nil {
		t.Fatal(err)
	}
	delivered := time.Now().UTC().AddDate(0, 0, -20).Format(time.DateOnly)
	if code, b := as(t, "ana.caseworker", "POST", r.api+"/decisions/"+decision+"/delivery", `{"delivered_on":"`+delivered+`"}`); code != 200 {
		t.Fatalf("delivery = %d %s", code, b)
	}
	r.saveDone(t, "finality_sanction_applied.json", workflows.FinalityWorkflowID(decision))
}

// reassessment: the ministry publishes a threshold from today, a second
// officer approves it, and the reassessment re-rates the rights it
// touches.
func (r *recorder) reassessment(t *testing.T) {
	value := fmt.Sprintf(`{"name":"mo.threshold.size_1","valid_from":%q,"value":"90.00","legal_ref":"Decision on amounts, Sl. list CG 1/2099"}`,
		time.Now().UTC().Format(time.DateOnly))
	code, b := as(t, "goran.ministry", "POST", r.api+"/parameters", value)
	var v struct{ ID int64 }
	if err := json.Unmarshal(b, &v); code != 201 || err != nil {
		t.Fatalf("publish = %d %s", code, b)
	}
	code, b = as(t, "jovana.ministry", "POST", fmt.Sprintf("%s/parameters/%d/approve", r.api, v.ID), "")
	var ap struct{ Reassessment string }
	if err := json.Unmarshal(b, &ap); code != 202 || err != nil || ap.Reassessment == "" {
		t.Fatalf("approve = %d %s", code, b)
	}
	n, err := strconv.ParseInt(ap.Reassessment[strings.LastIndex(ap.Reassessment, "/")+1:], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	r.saveDone(t, "reassessment.json", workflows.ReassessmentID(n))
}
