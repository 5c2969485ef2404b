package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// TestBoardWorkloadAndReassignment (issue 17 item 5): the supervisor's
// board counts every open task of the centre by who holds it, with the
// overdue true once past the deadline; a reassignment of checked tasks to
// a member of the staff, with a reason, hands them all or none: another
// centre's task is a 400 naming it, an unknown or outside user a 400 on
// "to", no reason a 400 on "reason"; caseworkers may not; each task's
// person is audited under the reassignment's purpose, and the reason is
// kept on the task.
func TestBoardWorkloadAndReassignment(t *testing.T) {
	ctx := context.Background()
	ts, db := newServerFor(t, func(*api.Deps) {})
	p := seedPerson(t, db, newJMBG(21), "Podgorica", "Milica", "Perović")
	now := time.Now()
	add := func(id, centre string, due time.Duration) {
		t.Helper()
		if _, err := db.CreateTask(ctx, store.Task{ID: id, WorkflowID: "claim/" + id, Type: "claim.review", Subject: id, PersonID: p.ID, CentreID: centre,
			CandidateRole: "caseworker", Priority: 50, DueAt: now.Add(due), Data: json.RawMessage(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	add("t-late", "csr-podgorica", -3*time.Hour)
	add("t-soon", "csr-podgorica", 5*time.Hour)
	add("t-niksic", "csr-niksic", time.Hour)
	if _, err := db.AssignTask(ctx, "t-soon", "", "ana.caseworker"); err != nil {
		t.Fatal(err)
	}

	code, body := doAs(t, ts, "marko.supervisor", "GET", "/api/v1/tasks/workload", "")
	var load struct {
		Open, Overdue int
		Workers       []struct {
			Worker, Group string
			Open, Overdue int
		}
	}
	if err := json.Unmarshal(body, &load); code != http.StatusOK || err != nil || load.Open != 2 || load.Overdue != 1 || len(load.Workers) != 2 {
		t.Fatalf("workload = %d %s; want 2 open, 1 overdue (past its deadline), in two rows", code, body)
	}
	code, body = doAs(t, ts, "marko.supervisor", "GET", "/api/v1/tasks?group=all&overdue=true", "")
	if code != http.StatusOK || !strings.Contains(string(body), `"t-late"`) || strings.Contains(string(body), `"t-soon"`) || strings.Contains(string(body), `"t-niksic"`) {
		t.Errorf("the board's overdue tasks of every group = %d %s; want t-late only", code, body)
	}
	if code, _ := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/tasks?group=all", ""); code != http.StatusBadRequest {
		t.Errorf("a caseworker listing every group = %d; want 400", code)
	}
	if code, _ := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/tasks/workload", ""); code != http.StatusForbidden {
		t.Errorf("a caseworker's workload = %d; want 403", code)
	}

	reassign := func(user, body string) (int, errBody, []byte) {
		t.Helper()
		code, b := doAs(t, ts, user, "POST", "/api/v1/tasks/reassign", body)
		var e errBody
		_ = json.Unmarshal(b, &e)
		return code, e, b
	}
	code, e, b := reassign("marko.supervisor", `{"task_ids":["t-late","t-niksic"],"to":"ivan.caseworker","reason":"Ana je na odmoru"}`)
	if code != http.StatusBadRequest || e.Error.Field != "task_ids.1" || !strings.Contains(e.Error.Message, "t-niksic") {
		t.Errorf("another centre's task = %d %s; want 400 on task_ids.1 naming it", code, b)
	}
	code, _, b = reassign("marko.supervisor", `{"task_ids":["t-late"],"to":"nobody.here","reason":"x"}`)
	if code != http.StatusBadRequest || strings.Join(fieldsOf(b), ",") != "to" || !strings.Contains(string(b), "nobody.here") {
		t.Errorf("an unknown user = %d %s; want 400 on to, naming them", code, b)
	}
	code, _, b = reassign("marko.supervisor", `{"task_ids":["t-late"],"to":"jelena.caseworker","reason":"x"}`)
	if code != http.StatusBadRequest || strings.Join(fieldsOf(b), ",") != "to" {
		t.Errorf("another centre's caseworker = %d %s; want 400 on to", code, b)
	}
	code, _, b = reassign("marko.supervisor", `{"task_ids":[],"to":"ivan.caseworker","reason":"  "}`)
	if code != http.StatusBadRequest || strings.Join(fieldsOf(b), ",") != "task_ids,reason" {
		t.Errorf("no tasks and no reason = %d %s; want 400 on task_ids and reason", code, b)
	}
	if code, _, b = reassign("ana.caseworker", `{"task_ids":["t-late"],"to":"ivan.caseworker","reason":"x"}`); code != http.StatusForbidden {
		t.Errorf("a caseworker reassigning = %d %s; want 403", code, b)
	}
	for _, id := range []string{"t-late", "t-soon"} {
		if tk, _ := db.TaskByID(ctx, id); tk.Assignee == "ivan.caseworker" {
			t.Fatalf("a refused reassignment moved %s", id)
		}
	}

	code, _, b = reassign("marko.supervisor", `{"task_ids":["t-late","t-soon"],"to":"ivan.caseworker","reason":"Ana je na odmoru"}`)
	var out struct {
		To, Reason string
		Tasks      []struct {
			ID, Assignee string
			PersonName   string `json:"person_name"`
		}
	}
	if err := json.Unmarshal(b, &out); code != http.StatusOK || err != nil || len(out.Tasks) != 2 || out.Tasks[0].Assignee != "ivan.caseworker" ||
		out.Tasks[1].Assignee != "ivan.caseworker" || out.Tasks[0].PersonName != "Milica Perović" {
		t.Fatalf("reassign two tasks = %d %s; want both to ivan.caseworker, with the person's name", code, b)
	}
	tk, _ := db.TaskByID(ctx, "t-soon")
	var data map[string]string
	if err := json.Unmarshal(tk.Data, &data); err != nil || data["reassigned_reason"] != "Ana je na odmoru" || data["reassigned_from"] != "ana.caseworker" ||
		data["reassigned_by"] != "marko.supervisor" {
		t.Errorf("the task's data = %s; want the reason, from whom and by whom", tk.Data)
	}
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE purpose = 'task_reassignment' AND outcome = 'allowed'
		AND username = 'marko.supervisor' AND person_ids @> ARRAY[$1]::uuid[]`, string(p.ID)).Scan(&n); err != nil || n != 1 {
		t.Errorf("allowed reassignments audited naming the person = %d (%v); want 1", n, err)
	}
	code, _ = doAs(t, ts, "marko.supervisor", "GET", "/api/v1/tasks/workload", "")
	if code != http.StatusOK {
		t.Fatal(code)
	}
}

// TestPaymentFilesMonthsAndChangePages (issue 17 item 5): the months are
// listed latest first with their payroll's state or none; the payroll's
// page gives a page of its changes of the kind asked for, with the counts
// and the grand totals; each payment file is downloaded by a finance
// officer as it was written (its SHA-256 in a header), audited; a
// caseworker may not, a file of another name is a 404, and a file whose
// bytes no longer match its hash is never served.
func TestPaymentFilesMonthsAndChangePages(t *testing.T) {
	ctx := context.Background()
	m := &devstack.MinIO{Dir: t.TempDir(), AccessKey: "karton", SecretKey: "karton-test-secret"}
	if err := m.Start(ctx); err != nil {
		t.Fatalf("start minio: %v", err)
	}
	t.Cleanup(func() { _ = m.Stop() })
	obj, err := objects.Open(objects.Config{Endpoint: m.Endpoint(), AccessKey: "karton", SecretKey: "karton-test-secret", Bucket: "karton"})
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	ts, db := newServerFor(t, func(d *api.Deps) { d.Objects = obj; d.Now = func() time.Time { return today } })
	sep, oct := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for _, x := range []struct {
		id     string
		period time.Time
	}{{"payroll/2026-09", sep}, {"payroll/2026-10", oct}} {
		if err := db.EnsurePayroll(ctx, x.id, x.period); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SetPayrollState(ctx, "payroll/2026-10", "awaiting_approval", "nina.finance", ""); err != nil {
		t.Fatal(err)
	}
	var rights []string
	for i := range 3 {
		claim := grantRight(t, db, "MO", "", seedPerson(t, db, newJMBG(21), "Podgorica", "Primalac", []string{"Adžić", "Bojović", "Cerović"}[i]).ID)
		var id string
		if err := db.Pool().QueryRow(ctx, `SELECT id::text FROM entitlements WHERE claim_number = $1`, claim).Scan(&id); err != nil {
			t.Fatal(err)
		}
		rights = append(rights, id)
	}
	pay := func(payroll string, period time.Time, i int, amount, channel string) store.Payment {
		return store.Payment{PayrollID: payroll, EntitlementID: rights[i], Period: period, Amount: decimal.RequireFromString(amount), Channel: channel,
			PayeeName: fmt.Sprint("Primalac Broj", i), Benefit: "MO", Municipality: "ME-16", EndToEndID: fmt.Sprintf("E%s%d", payroll[8:], i),
			State: "prepared", Kind: "regular"}
	}
	if _, err := db.InsertPayments(ctx, []store.Payment{pay("payroll/2026-09", sep, 0, "100", "bank"), pay("payroll/2026-09", sep, 1, "100", "bank"),
		pay("payroll/2026-10", oct, 0, "120", "bank"), pay("payroll/2026-10", oct, 2, "80", "post")}); err != nil {
		t.Fatal(err)
	}
	xml := []byte(`<?xml version="1.0" encoding="UTF-8"?><Document>pain.001 of October</Document>`)
	sum, err := obj.Put(ctx, "payrolls/2026-10/pain001-2026-10.xml", "application/xml", xml)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SavePaymentFile(ctx, store.PaymentFile{PayrollID: "payroll/2026-10", Name: "pain001-2026-10.xml", Kind: "pain.001",
		ObjectKey: "payrolls/2026-10/pain001-2026-10.xml", SHA256: sum, Transfers: 1, Total: decimal.RequireFromString("120")}); err != nil {
		t.Fatal(err)
	}
	if _, err := obj.Put(ctx, "payrolls/2026-10/post-2026-10.csv", "text/csv", []byte("changed after it was hashed")); err != nil {
		t.Fatal(err)
	}
	if err := db.SavePaymentFile(ctx, store.PaymentFile{PayrollID: "payroll/2026-10", Name: "post-2026-10.csv", Kind: "post.csv",
		ObjectKey: "payrolls/2026-10/post-2026-10.csv", SHA256: strings.Repeat("0", 64), Transfers: 1, Total: decimal.RequireFromString("80")}); err != nil {
		t.Fatal(err)
	}

	code, body := doAs(t, ts, "nina.finance", "GET", "/api/v1/payrolls", "")
	var months struct {
		Latest string
		Months []struct {
			Period  string
			Payable bool
			Payroll *struct{ State string }
		}
	}
	if err := json.Unmarshal(body, &months); code != http.StatusOK || err != nil || months.Latest != "2026-10" || len(months.Months) != 12 {
		t.Fatalf("months = %d %s; want twelve from October (November is paid from its payment day)", code, body)
	}
	if m0, m1, m2 := months.Months[0], months.Months[1], months.Months[2]; m0.Period != "2026-10" || m0.Payroll == nil || m0.Payroll.State != "awaiting_approval" ||
		m1.Period != "2026-09" || m1.Payroll == nil || m2.Period != "2026-08" || m2.Payroll != nil || !m2.Payable {
		t.Errorf("months = %+v; want October awaiting approval, September prepared, August with no payroll", months.Months[:3])
	}

	code, body = doAs(t, ts, "nina.finance", "GET", "/api/v1/payrolls/2026-10?changes=new&changes_limit=1", "")
	var pv struct {
		Changes []struct {
			Kind, Payee string
		}
		ChangeCounts map[string]int `json:"change_counts"`
		Totals       struct {
			Count     int
			Total     string
			ByChannel map[string]struct{ Count int } `json:"by_channel"`
		}
	}
	if err := json.Unmarshal(body, &pv); code != http.StatusOK || err != nil || len(pv.Changes) != 1 || pv.Changes[0].Payee != "Primalac Broj2" ||
		pv.ChangeCounts["new"] != 1 || pv.ChangeCounts["stopped"] != 1 || pv.ChangeCounts["changed"] != 1 {
		t.Errorf("the new changes of October = %d %s; want Broj2, and one of each kind counted", code, body)
	}
	if pv.Totals.Count != 2 || pv.Totals.Total != "200.00" || pv.Totals.ByChannel["post"].Count != 1 {
		t.Errorf("totals = %+v; want 2 payments, 200.00, one by the Post", pv.Totals)
	}
	if code, body = doAs(t, ts, "nina.finance", "GET", "/api/v1/payrolls/2026-10?changes=all", ""); code != http.StatusBadRequest {
		t.Errorf("changes=all = %d %s; want 400", code, body)
	}

	get := func(user, path string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tokens[user])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, b := get("nina.finance", "/api/v1/payrolls/2026-10/files/pain001-2026-10.xml")
	if resp.StatusCode != http.StatusOK || string(b) != string(xml) || resp.Header.Get("X-Content-SHA256") != sum ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `filename="pain001-2026-10.xml"`) {
		t.Fatalf("the bank's file = %d %v %q; want it as written, with its hash", resp.StatusCode, resp.Header, b)
	}
	var audited int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE purpose = 'payment_file' AND outcome = 'allowed' AND username = 'nina.finance'
		AND status = 200`).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("downloads audited = %d (%v); want 1", audited, err)
	}
	if resp, b = get("ana.caseworker", "/api/v1/payrolls/2026-10/files/pain001-2026-10.xml"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a caseworker downloading a payment file = %d %s; want 403", resp.StatusCode, b)
	}
	if resp, b = get("nina.finance", "/api/v1/payrolls/2026-09/files/pain001-2026-10.xml"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("October's file under September = %d %s; want 404", resp.StatusCode, b)
	}
	if resp, b = get("nina.finance", "/api/v1/payrolls/2026-10/files/post-2026-10.csv"); resp.StatusCode != http.StatusConflict || strings.Contains(string(b), "changed after") || !strings.Contains(string(b), "SHA-256") {
		t.Errorf("a file that no longer matches its hash = %d %s; want 409 saying so, and nothing of it", resp.StatusCode, b)
	}
}

// TestDVCaseFromNotification (issue 17 item 5): a DV caseworker joins a
// notification to the victim's open DV case (one the victim takes no part
// in is refused naming the field), once (409 after); on another
// notification opens the victim's case (P37 for an adult: the victim the
// beneficiary, the perpetrator a person of it), its workflow started; the
// police and a caseworker outside the compartment find no such thing.
func TestDVCaseFromNotification(t *testing.T) {
	ctx := context.Background()
	tc := &portalTemporal{}
	ts, db := newServerFor(t, func(d *api.Deps) { d.Temporal = tc })
	w := seedDV(t, db)
	stranger := seedPerson(t, db, newJMBG(21), "Podgorica", "Neko", "Drugi")
	other, err := db.NextCaseNumber(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: other, Procedure: "P37", Version: 1, CentreID: "csr-podgorica", Status: "open",
		Stage: "intake", OpenedBy: "dragana.dv", OpenedAt: time.Now(), DV: true, Persons: []store.CasePerson{{PersonID: stranger.ID, Role: "beneficiary"}}}}); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/violence-notifications/" + w.reference
	code, body := doAs(t, ts, "dragana.dv", "GET", path, "")
	var n struct {
		OpenCases []struct{ Number, Role string } `json:"open_cases"`
	}
	err = json.Unmarshal(body, &n)
	listed := map[string]int{}
	for _, o := range n.OpenCases {
		listed[o.Number]++
	}
	if code != http.StatusOK || err != nil || len(n.OpenCases) != 3 || listed[w.caseNumber] != 2 || listed[w.child] != 1 {
		t.Fatalf("the notification's open cases = %d %s; want the victim's case (victim and perpetrator) and its sub-procedure", code, body)
	}
	for _, user := range []string{"police-system", "ana.caseworker"} {
		if code, body := doAs(t, ts, user, "POST", path+"/case", `{"case_number":""}`); code != http.StatusNotFound {
			t.Errorf("%s opening a case from the notification = %d %s; want 404", user, code, body)
		}
	}
	code, body = doAs(t, ts, "dragana.dv", "POST", path+"/case", `{"case_number":"`+other+`"}`)
	var e errBody
	if _ = json.Unmarshal(body, &e); code != http.StatusBadRequest || e.Error.Field != "case_number" {
		t.Errorf("joining a case the victim takes no part in = %d %s; want 400 on case_number", code, body)
	}
	code, body = doAs(t, ts, "dragana.dv", "POST", path+"/case", `{"case_number":"`+w.caseNumber+`"}`)
	if code != http.StatusOK || !strings.Contains(string(body), `"opened":false`) {
		t.Fatalf("joining the victim's case = %d %s", code, body)
	}
	if got, _ := db.DVNotificationByRef(ctx, w.reference); got.CaseNumber != w.caseNumber {
		t.Errorf("the notification's case = %q; want %s", got.CaseNumber, w.caseNumber)
	}
	if code, body = doAs(t, ts, "dragana.dv", "POST", path+"/case", `{"case_number":""}`); code != http.StatusConflict || !strings.Contains(string(body), w.caseNumber) {
		t.Errorf("a second case for the notification = %d %s; want 409 naming its case", code, body)
	}
	if len(tc.started) != 0 {
		t.Errorf("joining started %v", tc.started)
	}

	// Another notification about the same victim, whose case is closed: a
	// new case is opened.
	if _, err := db.Pool().Exec(ctx, `UPDATE cases SET status = 'closed' WHERE number = $1`, w.caseNumber); err != nil {
		t.Fatal(err)
	}
	n2, _, err := db.RecordDVNotification(ctx, store.DVNotification{Direction: "from_police", PoliceReference: "UP-PG/2026/88", Sender: "police-system",
		ReceivedAt: time.Now(), OccurredAt: time.Now(), Municipality: "ME-16", CentreID: "csr-podgorica", Description: "again", Body: json.RawMessage(`{}`),
		State: "received", Persons: []store.DVPerson{{Role: "victim", PersonID: w.victim.ID}, {Role: "perpetrator", PersonID: w.perpetrator.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	code, body = doAs(t, ts, "dragana.dv", "POST", "/api/v1/violence-notifications/"+n2.Reference+"/case", `{"case_number":""}`)
	var linked struct {
		CaseNumber string `json:"case_number"`
		Opened     bool
	}
	if err := json.Unmarshal(body, &linked); code != http.StatusOK || err != nil || !linked.Opened || linked.CaseNumber == "" {
		t.Fatalf("opening a case = %d %s", code, body)
	}
	cs, err := db.CaseByNumber(ctx, linked.CaseNumber)
	if err != nil || !cs.DV || cs.Procedure != "P37" || len(cs.Persons) != 2 || cs.OpenedBy != "dragana.dv" {
		t.Errorf("the case opened = %+v, %v; want a DV P37 case of the victim and the perpetrator, opened by dragana.dv", cs, err)
	}
	if len(tc.started) != 1 || tc.started[0] != workflows.CaseWorkflowID(linked.CaseNumber) {
		t.Errorf("workflows started = %v; want the case's", tc.started)
	}
	if in, ok := tc.inputs[0].(workflows.CaseInput); !ok || in.Procedure != "P37" || in.CentreID != "csr-podgorica" {
		t.Errorf("the case's input = %+v", tc.inputs[0])
	}
	events, err := db.DVEvents(ctx, n2.Reference)
	if err != nil || len(events) == 0 || events[len(events)-1].Kind != "case_linked" || events[len(events)-1].Summary != linked.CaseNumber {
		t.Errorf("the timeline = %+v, %v; want the case linked last", events, err)
	}
	var audited int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE purpose = 'case_intake' AND restricted AND username = 'dragana.dv'
		AND person_ids @> ARRAY[$1]::uuid[]`, string(w.victim.ID)).Scan(&audited); err != nil || audited < 2 {
		t.Errorf("the links audited, restricted, naming the victim = %d (%v); want 2 or more", audited, err)
	}
}
