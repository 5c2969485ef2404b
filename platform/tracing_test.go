package platform_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/interop/sim"
)

// TestOneClaimIsOneTrace runs the whole system with an in-memory span
// recorder as the tracer provider, files one claim over HTTP, and finds in
// the claim's one trace the HTTP request, the workflow's start and run, its
// activities, their SQL and the registries' HTTP calls, with no personal
// data in any span. It then scrapes /metrics and checks that every metric
// deploy/observability's dashboard and alerts use is served (metrics.txt).
func TestOneClaimIsOneTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, Temporal and MinIO")
	}
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	otel.SetTracerProvider(tp)
	defer func() { _ = tp.Shutdown(context.Background()) }()

	ctx := context.Background()
	s, err := system.Start(ctx, system.Options{DataDir: t.TempDir(), Ephemeral: true, SimHouseholds: 100,
		SimFaults: sim.Faults{Latency: 2 * time.Millisecond}})
	if err != nil {
		t.Fatalf("start system: %v", err)
	}
	defer s.Stop()
	if err := devstack.LoadDemo(ctx, s.DB, s.Population, 100, nil); err != nil {
		t.Fatalf("load demo: %v", err)
	}
	token, err := s.Token("ana.caseworker")
	if err != nil {
		t.Fatal(err)
	}

	// A Podgorica household of the demo, the caseworker's centre.
	var private []string
	var ids []string
	for i := 0; i < s.Population.Size() && ids == nil; i++ {
		h := s.Population.Household(i)
		if h.Address.Municipality != "ME-16" || len(h.Members) < 2 {
			continue
		}
		for _, m := range h.Members {
			private = append(private, string(m.JMBG), m.GivenName+" "+m.FamilyName, m.FamilyName)
			code, body := do(t, token, "GET", s.APIURL+"/api/v1/persons?jmbg="+string(m.JMBG), "", nil)
			var r struct{ Persons []struct{ ID string } }
			if err := json.Unmarshal(body, &r); err != nil || code != 200 || len(r.Persons) != 1 {
				t.Fatalf("person %d of household %d: %d %s", len(ids), i, code, body)
			}
			ids = append(ids, r.Persons[0].ID)
		}
		private = append(private, h.Address.Street)
	}
	if ids == nil {
		t.Fatal("no Podgorica household in the demo")
	}

	// The claim is filed inside the test's own root span, as a client
	// that sends traceparent does, so that its trace is known.
	tctx, root := tp.Tracer("test").Start(ctx, "file a claim")
	hdr := http.Header{}
	propagation.TraceContext{}.Inject(tctx, propagation.HeaderCarrier(hdr))
	members, _ := json.Marshal(ids[1:])
	start := time.Now()
	code, body := do(t, token, "POST", s.APIURL+"/api/v1/claims", fmt.Sprintf(
		`{"benefit":"MO","applicant_person_id":%q,"member_person_ids":%s,"payee_account":"ME25 5050 0001 2345 6789 51","consent":true}`, ids[0], members), hdr)
	if code != 201 {
		t.Fatalf("file claim = %d %s", code, body)
	}
	root.End()
	traceID := root.SpanContext().TraceID()

	// The workflow runs on: wait until its evidence has been asked for
	// and recorded.
	want := map[string]func(s sdktrace.ReadOnlySpan) bool{
		"the HTTP request span": func(s sdktrace.ReadOnlySpan) bool {
			return s.Name() == "POST /api/v1/claims" && s.SpanKind() == trace.SpanKindServer
		},
		"StartWorkflow": func(s sdktrace.ReadOnlySpan) bool { return s.Name() == "StartWorkflow:BenefitClaim" },
		"RunWorkflow":   func(s sdktrace.ReadOnlySpan) bool { return s.Name() == "RunWorkflow:BenefitClaim" },
		"an activity":   func(s sdktrace.ReadOnlySpan) bool { return strings.HasPrefix(s.Name(), "RunActivity:") },
		"SQL in an activity": func(s sdktrace.ReadOnlySpan) bool {
			return strings.HasPrefix(s.Name(), "SQL ") && underActivity(s, rec)
		},
		"a registry's HTTP call": func(s sdktrace.ReadOnlySpan) bool {
			return s.Name() == "registry GET" && s.SpanKind() == trace.SpanKindClient
		},
		"SQL of the HTTP request": func(s sdktrace.ReadOnlySpan) bool { return strings.HasPrefix(s.Name(), "SQL INSERT") },
	}
	var spans []sdktrace.ReadOnlySpan
	deadline := time.Now().Add(60 * time.Second)
	for {
		spans = spans[:0]
		// Started, not only ended: RunWorkflow's span lasts as long as
		// the claim, which now waits for its review.
		for _, sp := range rec.Started() {
			if sp.SpanContext().TraceID() == traceID {
				spans = append(spans, sp)
			}
		}
		missing := missingSpans(spans, want)
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s the claim's trace (%d spans: %s) has no %v", len(spans), names(spans), missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("one claim, one trace: %d spans within %s: %s", len(spans), time.Since(start).Round(time.Millisecond), names(spans))

	// No personal data in any span of the run (every trace, not only the
	// claim's: the person lookups carried the JMBG in their query).
	for _, sp := range rec.Ended() {
		texts := []string{sp.Name(), sp.Status().Description}
		for _, a := range sp.Attributes() {
			texts = append(texts, a.Value.String())
		}
		for _, e := range sp.Events() {
			for _, a := range e.Attributes {
				texts = append(texts, a.Value.String())
			}
		}
		for _, text := range texts {
			for _, p := range private {
				if p != "" && strings.Contains(text, p) {
					t.Errorf("span %q carries personal data %q in %q", sp.Name(), p, text)
				}
			}
		}
	}

	// Every metric the dashboard and the alerts use is on a scrape of the
	// process that ran the API and the worker, except those the Temporal
	// SDK only creates at their first event (a workflow task failure):
	// deploy/observability's test finds those in the SDK's source. The SDK
	// reports every second and the claim's activities may still run:
	// scrape until every name is there.
	list, err := os.ReadFile("../deploy/observability/metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	var wantMetrics []string
	for _, line := range strings.Split(string(list), "\n") {
		if f := strings.Fields(line); len(f) == 1 && !strings.HasPrefix(f[0], "#") {
			wantMetrics = append(wantMetrics, f[0])
		}
	}
	var absent []string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		code, scrape := do(t, "", "GET", s.APIURL+"/metrics", "", nil)
		if code != 200 {
			t.Fatalf("/metrics = %d", code)
		}
		absent = absent[:0]
		for _, name := range wantMetrics {
			if !strings.Contains(string(scrape), "\n"+name+"{") && !strings.Contains(string(scrape), "\n"+name+" ") {
				absent = append(absent, name)
			}
		}
		if len(absent) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(absent) > 0 {
		t.Errorf("deploy/observability/metrics.txt names %v, which /metrics does not serve", absent)
	}
}

// underActivity says whether one of s's ancestors is an activity's span.
func underActivity(s sdktrace.ReadOnlySpan, rec *tracetest.SpanRecorder) bool {
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, sp := range rec.Started() {
		byID[sp.SpanContext().SpanID()] = sp
	}
	for p, ok := byID[s.Parent().SpanID()]; ok; p, ok = byID[p.Parent().SpanID()] {
		if strings.HasPrefix(p.Name(), "RunActivity:") {
			return true
		}
	}
	return false
}

func missingSpans(spans []sdktrace.ReadOnlySpan, want map[string]func(sdktrace.ReadOnlySpan) bool) []string {
	var missing []string
	for what, match := range want {
		found := false
		for _, sp := range spans {
			if match(sp) {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, what)
		}
	}
	return missing
}

func names(spans []sdktrace.ReadOnlySpan) string {
	count := map[string]int{}
	var order []string
	for _, sp := range spans {
		if count[sp.Name()] == 0 {
			order = append(order, sp.Name())
		}
		count[sp.Name()]++
	}
	var b strings.Builder
	for i, n := range order {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s ×%d", n, count[n])
	}
	return b.String()
}

func do(t *testing.T, token, method, url, body string, hdr http.Header) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for k, v := range hdr {
		req.Header[k] = v
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
