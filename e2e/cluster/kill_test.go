//go:build cluster

package cluster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/karton-social/karton/workflows"
)

// claim is one claim the loader files through the proxy.
type claim struct {
	members  []string // person ids, the applicant first
	number   string
	firstTry time.Time // the first attempt began
	accepted time.Time // 201 (or found open after an ambiguous answer)
	ready    time.Time // its review task seen in the inbox table
	attempts int
}

// failure is a client request that did not succeed.
type failure struct {
	at     time.Time
	status int
	body   string
}

// loader files claims one after the other through the proxy, as a
// centre's caseworkers would, retrying each until it is filed.
type loader struct {
	mu       sync.Mutex
	claims   []*claim
	failures []failure
	refused  []string // households the API refused for good, with its answer
}

func (l *loader) snapshot() []claim {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]claim, len(l.claims))
	for i, c := range l.claims {
		out[i] = *c
	}
	return out
}

func (l *loader) failuresBetween(from, to time.Time) (n int, statuses map[int]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	statuses = map[int]int{}
	for _, f := range l.failures {
		if !f.at.Before(from) && !f.at.After(to) {
			n++
			statuses[f.status]++
		}
	}
	return n, statuses
}

// file files the claim of one household and adds it to the loader's
// claims; on 409 with the household's claim open (an earlier attempt's
// answer was lost) it takes that claim. It says false when the API refuses
// the household for good (a 4xx: e.g. it already has the right), which
// the loader records and skips.
func (l *loader) file(ctx context.Context, c *claim) bool {
	body, _ := json.Marshal(map[string]any{"benefit": "MO", "applicant_person_id": c.members[0], "member_person_ids": c.members[1:], "consent": true})
	c.firstTry = time.Now()
	for ctx.Err() == nil {
		c.attempts++
		code, b := as("ana.caseworker", "POST", "/api/v1/claims", string(body))
		now := time.Now()
		if code == 201 {
			var filed struct{ Number string }
			_ = json.Unmarshal(b, &filed)
			c.number, c.accepted = filed.Number, now
			l.add(c)
			return true
		}
		if code == 409 {
			var number string
			_ = db.Pool().QueryRow(ctx, `SELECT number FROM claims WHERE applicant_id::text = $1 AND state NOT IN ('approved', 'rejected', 'withdrawn')`, c.members[0]).Scan(&number)
			if number != "" {
				c.number, c.accepted = number, now
				l.add(c)
				return true
			}
		}
		if code >= 400 && code < 500 && code != 429 && code != 401 {
			l.mu.Lock()
			l.refused = append(l.refused, fmt.Sprintf("%d %s", code, strings.TrimSpace(string(b[:min(len(b), 200)]))))
			l.mu.Unlock()
			return false
		}
		// A failure the cluster caused: no answer (0), 5xx, 429 or 401.
		l.mu.Lock()
		l.failures = append(l.failures, failure{at: now, status: code, body: strings.TrimSpace(string(b[:min(len(b), 200)]))})
		l.mu.Unlock()
		time.Sleep(250 * time.Millisecond)
	}
	return false
}

func (l *loader) add(c *claim) {
	l.mu.Lock()
	l.claims = append(l.claims, c)
	l.mu.Unlock()
}

// watch records when each filed claim's review task appears.
func (l *loader) watch(ctx context.Context) {
	for ctx.Err() == nil {
		l.mu.Lock()
		var ids []string
		for _, c := range l.claims {
			if c.number != "" && c.ready.IsZero() {
				ids = append(ids, workflows.ClaimWorkflowID(c.number))
			}
		}
		l.mu.Unlock()
		if len(ids) > 0 {
			rows, err := db.Pool().Query(ctx, `SELECT workflow_id FROM tasks WHERE type = $1 AND workflow_id = ANY($2)`, workflows.TaskReview, ids)
			if err == nil {
				now := time.Now()
				seen := map[string]bool{}
				for rows.Next() {
					var id string
					if rows.Scan(&id) == nil {
						seen[id] = true
					}
				}
				rows.Close()
				l.mu.Lock()
				for _, c := range l.claims {
					if c.number != "" && seen[workflows.ClaimWorkflowID(c.number)] {
						c.ready = now
					}
				}
				l.mu.Unlock()
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// result is one line of the recovery table.
type result struct {
	kill      string
	pid       int
	back      time.Duration // until the process is back at work (see docs/cluster.md)
	backWhat  string
	firstOK   time.Duration // until the first claim accepted after the kill is ready for review
	inFlight  time.Duration // until every claim accepted before the kill is ready
	nInFlight int
	failures  int
	statuses  map[int]int
}

// TestKillAndRecover files claims and runs a payroll through the proxy
// while it kills (SIGKILL) one worker, one API process and Temporal's
// history process in turn, each restarted by the supervisor after 2 s;
// then every claim must be ready for review, every payment made once and
// no workflow lost. It prints how long each kill took to recover.
func TestKillAndRecover(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	want := 30
	if v, err := strconv.Atoi(os.Getenv("CLUSTER_CLAIMS")); err == nil && v > 0 {
		want = v
	}
	// Podgorica households of the demo (ana.caseworker's centre), each
	// claimed once.
	var households [][]string
	for i := 0; i < demoHouseholds; i++ {
		h := cl.Population.Household(i)
		if h.Address.Municipality != "ME-16" {
			continue
		}
		var ids []string
		for _, m := range h.Members {
			p, err := db.PersonByJMBG(ctx, m.JMBG)
			if err != nil {
				t.Fatalf("demo person of household %d: %v", i, err)
			}
			ids = append(ids, string(p.ID))
		}
		households = append(households, ids)
	}
	if len(households) < want+10 {
		t.Fatalf("only %d Podgorica households in the demo's %d; want %d", len(households), demoHouseholds, want+10)
	}

	l := &loader{}
	go l.watch(ctx)
	// Three caseworkers file at once, each a claim every ~1.5 s, so that
	// claims are in flight whenever a process dies (a claim takes about a
	// second to be ready for review).
	stopFiling := make(chan struct{})
	filingDone := make(chan struct{})
	queue := make(chan []string, len(households))
	for _, h := range households {
		queue <- h
	}
	close(queue)
	var filed atomic.Int32
	var filers sync.WaitGroup
	for range 3 {
		filers.Add(1)
		go func() {
			defer filers.Done()
			for h := range queue {
				select {
				case <-stopFiling:
					if int(filed.Load()) >= want {
						return
					}
				default:
				}
				if l.file(ctx, &claim{members: h}) {
					filed.Add(1)
				}
				time.Sleep(1500 * time.Millisecond)
			}
		}()
	}
	go func() { filers.Wait(); close(filingDone) }()
	readyCount := func() int {
		n := 0
		for _, c := range l.snapshot() {
			if !c.ready.IsZero() {
				n++
			}
		}
		return n
	}
	waitFor(t, 2*time.Minute, "the first 3 claims ready for review", func() bool { return readyCount() >= 3 })

	// The month's payroll, driven through the proxy while the kills go on:
	// the first kill comes once it has started.
	period := time.Now().UTC().Format("2006-01")
	payroll := make(chan error, 1)
	steps := &timeline{}
	go func() { payroll <- runPayroll(ctx, period, steps) }()
	waitFor(t, 2*time.Minute, "the payroll started", func() bool { return steps.has("started") })

	// firstReadyAfter waits for the first claim accepted after t0 to be
	// ready, and says how long after t0 that was.
	firstReadyAfter := func(t0 time.Time) time.Duration {
		var d time.Duration
		waitFor(t, 3*time.Minute, "a claim accepted after the kill ready for review", func() bool {
			select {
			case <-filingDone:
				t.Fatalf("every demo household of Podgorica was claimed before the kills ended: load more (demoHouseholds)")
			default:
			}
			for _, c := range l.snapshot() {
				if !c.accepted.Before(t0) && !c.ready.IsZero() {
					d = c.ready.Sub(t0)
					return true
				}
			}
			return false
		})
		return d
	}
	// inFlightDone waits until every claim accepted before t0 is ready,
	// and says when the last became ready, after t0 (0: none was waiting).
	inFlightDone := func(t0 time.Time) (time.Duration, int) {
		var d time.Duration
		n := 0
		waitFor(t, 3*time.Minute, "the claims in flight at the kill ready for review", func() bool {
			d, n = 0, 0
			for _, c := range l.snapshot() {
				if c.accepted.IsZero() || !c.accepted.Before(t0) {
					continue
				}
				if c.ready.IsZero() {
					return false
				}
				if c.ready.After(t0) {
					n++
					d = max(d, c.ready.Sub(t0))
				}
			}
			return true
		})
		return d, n
	}
	var results []result
	kill := func(name string) (int, time.Time) {
		pid, err := cl.Proc(name).Kill()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("kill -9 %s (pid %d)", name, pid)
		steps.add("KILL " + name)
		return pid, time.Now()
	}

	testStart := time.Now()
	// 1. A worker: its workflow and activity tasks in progress are lost;
	// Temporal gives them to the other worker after their timeouts.
	pid, t0 := kill("karton-worker-1")
	back := waitFor(t, 3*time.Minute, "karton-worker-1 polling again", func() bool {
		p := cl.Proc("karton-worker-1").Pid()
		return p != pid && cl.WorkerPolling(ctx, 1)
	})
	r := result{kill: "karton-worker-1", pid: pid, back: back.Sub(t0), backWhat: "new process polls the task queue"}
	r.firstOK = firstReadyAfter(t0)
	r.inFlight, r.nInFlight = inFlightDone(t0)
	var workerNotes []string
	for _, c := range l.snapshot() {
		if c.accepted.Before(t0) && c.ready.After(t0) {
			workerNotes = append(workerNotes, fmt.Sprintf("claim %s ready %.1fs after the kill: %s", c.number, c.ready.Sub(t0).Seconds(), timeouts(ctx, workflows.ClaimWorkflowID(c.number))))
		}
	}
	r.failures, r.statuses = l.failuresBetween(t0, time.Now())
	results = append(results, r)
	time.Sleep(5 * time.Second)

	// 2. An API process: the proxy sends its traffic to the other; the
	// requests it was serving fail.
	pid, t0 = kill("karton-api-1")
	back = waitFor(t, 3*time.Minute, "a request served by karton-api-1 again", func() bool {
		code, _ := asURL("ana.caseworker", "GET", cl.APIAddr(1)+"/api/v1/tasks?group=mine", "")
		return code == 200
	})
	r = result{kill: "karton-api-1", pid: pid, back: back.Sub(t0), backWhat: "first request served by the new process"}
	r.firstOK = firstReadyAfter(t0)
	r.inFlight, r.nInFlight = inFlightDone(t0)
	r.failures, r.statuses = l.failuresBetween(t0, time.Now())
	results = append(results, r)
	time.Sleep(5 * time.Second)

	// 3. Temporal's only history process: every shard is unowned until
	// the new process acquires them; nothing starts or moves meanwhile.
	pid, t0 = kill("temporal-history")
	var firstAccepted time.Time
	waitFor(t, 5*time.Minute, "a claim accepted after the history kill", func() bool {
		select {
		case <-filingDone:
			t.Fatalf("every demo household of Podgorica was claimed before the history process recovered: load more (demoHouseholds)")
		default:
		}
		for _, c := range l.snapshot() {
			if !c.accepted.Before(t0) {
				firstAccepted = c.accepted
				return true
			}
		}
		return false
	})
	r = result{kill: "temporal-history", pid: pid, back: firstAccepted.Sub(t0), backWhat: "first workflow start accepted (shards reacquired)"}
	r.firstOK = firstReadyAfter(t0)
	r.inFlight, r.nInFlight = inFlightDone(t0)
	r.failures, r.statuses = l.failuresBetween(t0, time.Now())
	results = append(results, r)

	close(stopFiling)
	<-filingDone
	waitFor(t, 3*time.Minute, "every claim ready for review", func() bool { return readyCount() == len(l.snapshot()) })
	claims := l.snapshot()
	select {
	case err := <-payroll:
		if err != nil {
			t.Fatalf("payroll %s: %v", period, err)
		}
	case <-time.After(5 * time.Minute):
		t.Fatalf("payroll %s not sent within 5 minutes after the kills", period)
	}

	// Every payment once.
	var payments, distinct int
	var total string
	if err := db.Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT (entitlement_id, period)), coalesce(sum(amount), 0)::text FROM payments WHERE payroll_id = $1`,
		"payroll/"+period).Scan(&payments, &distinct, &total); err != nil {
		t.Fatal(err)
	}
	_, body := as("nina.finance", "GET", "/api/v1/payrolls/"+period, "")
	var pr struct {
		State   string
		Summary []struct{ Count int }
	}
	_ = json.Unmarshal(body, &pr)
	summed := 0
	for _, s := range pr.Summary {
		summed += s.Count
	}
	if payments == 0 || payments != distinct || payments != summed {
		t.Errorf("payroll %s: %d payment rows, %d distinct (right, month), the payroll says %d; want one row per right and month, as many as it says",
			period, payments, distinct, summed)
	}

	// No workflow lost: every claim filed has its running workflow, and no
	// claim of these households is open without one.
	for _, c := range claims {
		d, err := cl.Temporal.DescribeWorkflowExecution(ctx, workflows.ClaimWorkflowID(c.number), "")
		if err != nil {
			t.Errorf("claim %s: its workflow: %v", c.number, err)
			continue
		}
		if s := d.GetWorkflowExecutionInfo().GetStatus(); s != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			t.Errorf("claim %s: workflow %s; want running (awaiting review)", c.number, s)
		}
	}
	var applicants []string
	for _, c := range claims {
		applicants = append(applicants, c.members[0])
	}
	var open, withdrawn int
	_ = db.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE state NOT IN ('approved', 'rejected', 'withdrawn')), count(*) FILTER (WHERE state = 'withdrawn')
		FROM claims WHERE applicant_id::text = ANY($1)`, applicants).Scan(&open, &withdrawn)
	if open != len(claims) {
		t.Errorf("%d open claims of the test's households in the database; the test filed %d", open, len(claims))
	}
	resp, err := cl.Temporal.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: "default",
		Query: fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running'", workflows.NameBenefitClaim)})
	running := int64(-1)
	if err == nil {
		running = resp.GetCount()
	}

	// The table.
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nKill test: %d claims filed through the proxy (%d attempts; %d withdrawn by the API when Temporal refused their start), payroll %s %s with %d payments (%s EUR), %d benefit-claim workflows running\n",
		len(claims), attempts(claims), withdrawn, period, pr.State, payments, total, running)
	if len(l.refused) > 0 {
		fmt.Fprintf(&sb, "%d households refused by the API and skipped (not counted), e.g. %s\n", len(l.refused), l.refused[0])
	}
	fmt.Fprintf(&sb, "%-17s %-7s %-52s %-9s %-22s %-26s %s\n", "killed", "pid", "back at work", "", "first new claim ready", "claims in flight ready", "failed client requests")
	for _, r := range results {
		fmt.Fprintf(&sb, "%-17s %-7d %-52s %-9s %-22s %-26s %d %v\n", r.kill, r.pid, r.backWhat, r.back.Round(10*time.Millisecond),
			r.firstOK.Round(10*time.Millisecond), fmt.Sprintf("%s (%d claims)", r.inFlight.Round(10*time.Millisecond), r.nInFlight), r.failures, r.statuses)
	}
	fmt.Fprintf(&sb, "timeline from the first kill: %s\n", steps.since(testStart))
	for _, n := range workerNotes {
		fmt.Fprintf(&sb, "in flight at the worker kill: %s\n", n)
	}
	fmt.Fprintf(&sb, "payroll workflow %s: %s\n", workflows.PayrollID(period), timeouts(ctx, workflows.PayrollID(period)))
	fmt.Print(sb.String())
	if f := os.Getenv("CLUSTER_RESULTS"); f != "" {
		_ = os.WriteFile(f, []byte(sb.String()), 0o644)
	}
}

func attempts(cs []claim) int {
	n := 0
	for _, c := range cs {
		n += c.attempts
	}
	return n
}

// runPayroll takes the month's payroll to sent through the proxy: started
// and submitted by one finance officer, approved by another by the files'
// hashes, each step retried while the cluster recovers.
func runPayroll(ctx context.Context, period string, steps *timeline) error {
	type view struct {
		State string
		Files []struct{ Name, SHA256 string }
	}
	get := func() view {
		var v view
		if code, b := as("nina.finance", "GET", "/api/v1/payrolls/"+period, ""); code == 200 {
			_ = json.Unmarshal(b, &v)
		}
		steps.add(v.State)
		return v
	}
	until := func(what string, ok func() bool) error {
		deadline := time.Now().Add(5 * time.Minute)
		for !ok() {
			if time.Now().After(deadline) || ctx.Err() != nil {
				return fmt.Errorf("%s: not within 5 minutes (state %q)", what, get().State)
			}
			time.Sleep(200 * time.Millisecond)
		}
		return nil
	}
	if err := until("start", func() bool {
		code, _ := as("nina.finance", "POST", "/api/v1/payrolls", `{"period":"`+period+`"}`)
		return code == 202
	}); err != nil {
		return err
	}
	steps.add("started")
	if err := until("awaiting_submission", func() bool { return get().State == "awaiting_submission" }); err != nil {
		return err
	}
	if err := until("submit", func() bool {
		if get().State == "awaiting_approval" {
			return true
		}
		code, _ := as("nina.finance", "POST", "/api/v1/payrolls/"+period+"/submit", "")
		return code == 200
	}); err != nil {
		return err
	}
	steps.add("submitted")
	var v view
	if err := until("awaiting_approval", func() bool { v = get(); return v.State == "awaiting_approval" }); err != nil {
		return err
	}
	hashes := map[string]string{}
	for _, f := range v.Files {
		hashes[f.Name] = f.SHA256
	}
	body, _ := json.Marshal(map[string]any{"hashes": hashes})
	if err := until("approve", func() bool {
		if s := get().State; s == "approved" || s == "sent" {
			return true
		}
		code, _ := as("marija.finance", "POST", "/api/v1/payrolls/"+period+"/approve", string(body))
		return code == 200
	}); err != nil {
		return err
	}
	steps.add("approved (four eyes)")
	return until("sent", func() bool { return get().State == "sent" })
}

// timeline records when things happened: the payroll's states as seen,
// and the kills.
type timeline struct {
	mu    sync.Mutex
	names []string
	at    []time.Time
}

// add records name unless it is the last recorded, or empty.
func (tl *timeline) add(name string) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if name == "" || (len(tl.names) > 0 && tl.names[len(tl.names)-1] == name) {
		return
	}
	tl.names, tl.at = append(tl.names, name), append(tl.at, time.Now())
}

func (tl *timeline) has(name string) bool {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	for _, n := range tl.names {
		if n == name {
			return true
		}
	}
	return false
}

// String lists the steps relative to t0.
func (tl *timeline) since(t0 time.Time) string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	var parts []string
	for i, n := range tl.names {
		parts = append(parts, fmt.Sprintf("%s %+.1fs", n, tl.at[i].Sub(t0).Seconds()))
	}
	return strings.Join(parts, ", ")
}

// timeouts says what a killed worker left behind in a workflow's
// history: timed-out workflow tasks, and activities retried (a started
// event of attempt > 1, with the last attempt's failure: a timeout when the
// worker that held it died).
func timeouts(ctx context.Context, id string) string {
	it := cl.Temporal.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	wft := 0
	names := map[int64]string{}
	var retried []string
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return "history: " + err.Error()
		}
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
			wft++
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			names[ev.GetEventId()] = ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			a := ev.GetActivityTaskStartedEventAttributes()
			if a.GetAttempt() > 1 {
				f := a.GetLastFailure()
				why := f.GetMessage()
				if ti := f.GetTimeoutFailureInfo(); ti != nil {
					why = ti.GetTimeoutType().String() + " timeout"
				}
				retried = append(retried, fmt.Sprintf("%s attempt %d after %s", names[a.GetScheduledEventId()], a.GetAttempt(), why))
			}
		}
	}
	return fmt.Sprintf("%d workflow task timeouts; activities retried: %v", wft, retried)
}
