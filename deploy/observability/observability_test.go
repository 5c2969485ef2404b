// Package observability holds the Grafana dashboard and the Prometheus
// alert rules of Karton (no Go code: this test checks them).
package observability

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The rules file as Prometheus reads it; unknown fields are refused.
type rulesFile struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// The dashboard's fields this folder uses; unknown fields are refused, so
// a misspelt one fails.
type dashboard struct {
	UID           string   `json:"uid"`
	Title         string   `json:"title"`
	Description   string   `json:"description"`
	Tags          []string `json:"tags"`
	Timezone      string   `json:"timezone"`
	Editable      bool     `json:"editable"`
	SchemaVersion int      `json:"schemaVersion"`
	Version       int      `json:"version"`
	Refresh       string   `json:"refresh"`
	Time          struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"time"`
	Templating struct {
		List []struct {
			Name    string         `json:"name"`
			Label   string         `json:"label"`
			Type    string         `json:"type"`
			Query   string         `json:"query"`
			Current map[string]any `json:"current"`
			Hide    int            `json:"hide"`
		} `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []any `json:"list"`
	} `json:"annotations"`
	Panels []panel `json:"panels"`
}

type panel struct {
	ID          int        `json:"id"`
	Type        string     `json:"type"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Collapsed   bool       `json:"collapsed"`
	Datasource  datasource `json:"datasource"`
	GridPos     struct {
		H, W, X, Y int
	} `json:"gridPos"`
	Targets []struct {
		RefID        string     `json:"refId"`
		Datasource   datasource `json:"datasource"`
		Expr         string     `json:"expr"`
		LegendFormat string     `json:"legendFormat"`
	} `json:"targets"`
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
		Overrides []any `json:"overrides"`
	} `json:"fieldConfig"`
	Options map[string]any `json:"options"`
	Panels  []panel        `json:"panels"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// TestAlertRules parses alerts.yml strictly and checks each rule: a
// name, a duration Prometheus accepts, a severity, words for the person
// paged, and metrics that exist (metrics.txt).
func TestAlertRules(t *testing.T) {
	b, err := os.ReadFile("alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var rf rulesFile
	if err := dec.Decode(&rf); err != nil {
		t.Fatalf("alerts.yml: %v", err)
	}
	known := listedMetrics(t)
	seen := map[string]bool{}
	wantAlerts := map[string]bool{"KartonRegistryFailures": false, "KartonTasksOverdue": false, "KartonPayrollNotApproved": false,
		"KartonWorkflowTaskFailures": false, "KartonWorkflowTaskBacklog": false, "KartonActivityBacklog": false}
	for _, g := range rf.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q: want a name and rules", g.Name)
		}
		for _, r := range g.Rules {
			if r.Alert == "" || seen[r.Alert] {
				t.Errorf("group %s: alert %q: empty or twice", g.Name, r.Alert)
			}
			seen[r.Alert] = true
			if _, ok := wantAlerts[r.Alert]; ok {
				wantAlerts[r.Alert] = true
			}
			if _, err := time.ParseDuration(r.For); err != nil {
				t.Errorf("%s: for %q is not a duration", r.Alert, r.For)
			}
			if s := r.Labels["severity"]; s != "warning" && s != "critical" {
				t.Errorf("%s: severity %q, want warning or critical", r.Alert, s)
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s: want a summary and a description", r.Alert)
			}
			checkExpr(t, r.Alert, r.Expr, known)
		}
	}
	for a, ok := range wantAlerts {
		if !ok {
			t.Errorf("no alert %s", a)
		}
	}
}

// TestDashboard parses dashboard.json strictly and checks every panel's
// queries use metrics that exist.
func TestDashboard(t *testing.T) {
	b, err := os.ReadFile("dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var d dashboard
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	if d.UID == "" || d.Title == "" || len(d.Panels) == 0 {
		t.Fatalf("dashboard: uid %q, title %q, %d panels", d.UID, d.Title, len(d.Panels))
	}
	known := listedMetrics(t)
	ids, queries := map[int]bool{}, 0
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d twice", p.ID)
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		if p.Title == "" || p.GridPos.W == 0 || p.GridPos.H == 0 || p.GridPos.X+p.GridPos.W > 24 {
			t.Errorf("panel %d %q: title and a place within 24 columns wanted (%+v)", p.ID, p.Title, p.GridPos)
		}
		if p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: datasource %q, want the ${datasource} variable", p.Title, p.Datasource.UID)
		}
		for _, q := range p.Targets {
			checkExpr(t, "panel "+p.Title, q.Expr, known)
			queries++
		}
	}
	for _, want := range []string{"karton_http_request_duration_seconds_bucket", "karton_outbound_requests_total", "karton_tasks_overdue",
		"karton_payrolls", "temporal_workflow_task_execution_failed_total", "temporal_workflow_task_schedule_to_start_latency_seconds",
		"temporal_activity_schedule_to_start_latency_seconds"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("no panel shows %s", want)
		}
	}
	t.Logf("%d panels, %d queries", len(d.Panels), queries)
}

// TestListedSDKMetricsExist: the series metrics.txt marks on-event (the
// Temporal SDK creates them at their first event only, so a scrape of a
// healthy run lacks them) are metric names of the SDK this module builds
// with, with the suffix contrib/tally gives a counter (_total) or a
// timer (_seconds). The other names are checked on a live scrape by
// platform's TestOneClaimIsOneTrace.
func TestListedSDKMetricsExist(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/sdk").Output()
	if err != nil {
		t.Fatalf("go list -m go.temporal.io/sdk: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "internal", "common", "metrics", "constants.go"))
	if err != nil {
		t.Fatal(err)
	}
	// e.g. WorkflowTaskExecutionFailureCounter = TemporalMetricsPrefix + "workflow_task_execution_failed",
	// TemporalRequestFailure = TemporalRequest + "_failure": a constant named
	// ...Counter is a counter, ...Latency a timer; others may be either.
	names := map[string]string{"TemporalMetricsPrefix": "temporal_"}
	for changed := true; changed; {
		changed = false
		for _, m := range regexp.MustCompile(`(\w+)\s*=\s*(\w+) \+ "(\w+)"`).FindAllStringSubmatch(string(src), -1) {
			if base, ok := names[m[2]]; ok && names[m[1]] == "" {
				names[m[1]], changed = base+m[3], true
			}
		}
	}
	sdk := map[string]bool{}
	for c, name := range names {
		switch {
		case c == "TemporalMetricsPrefix":
		case strings.HasSuffix(c, "Counter"):
			sdk[name+"_total"] = true
		case strings.HasSuffix(c, "Latency"):
			sdk[name+"_seconds"] = true
		default:
			sdk[name+"_total"], sdk[name+"_seconds"] = true, true
		}
	}
	if len(sdk) < 20 {
		t.Fatalf("found %d SDK metric names in constants.go: has its form changed?", len(sdk))
	}
	b, err := os.ReadFile("metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[1] == "on-event" && !sdk[f[0]] {
			t.Errorf("metrics.txt: %s is not a metric of go.temporal.io/sdk", f[0])
		}
	}
}

// listedMetrics reads metrics.txt: a name a line, "#" comments.
func listedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) > 2 || (len(f) == 2 && f[1] != "on-event") {
			t.Errorf("metrics.txt: %q: want a name, then on-event or nothing", line)
		}
		m[f[0]] = true
	}
	return m
}

var (
	promFuncs = map[string]bool{"sum": true, "max": true, "min": true, "avg": true, "count": true, "topk": true, "bottomk": true, "rate": true,
		"irate": true, "increase": true, "histogram_quantile": true, "absent": true, "clamp_min": true, "clamp_max": true, "abs": true}
	promWords = map[string]bool{"by": true, "without": true, "and": true, "or": true, "unless": true, "bool": true, "offset": true,
		"on": true, "ignoring": true, "group_left": true, "group_right": true}
	strLit    = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	braces    = regexp.MustCompile(`\{[^}]*\}`)
	ranges    = regexp.MustCompile(`\[[^\]]*\]`)
	grouping  = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	ident     = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	numberish = regexp.MustCompile(`^[0-9]`)
)

// checkExpr finds the metric names of a PromQL expression (what is left
// once strings, label matchers, ranges and groupings are taken out, and
// is neither a function nor a keyword) and checks each is listed.
func checkExpr(t *testing.T, where, expr string, known map[string]bool) {
	t.Helper()
	if strings.TrimSpace(expr) == "" {
		t.Errorf("%s: empty expression", where)
		return
	}
	if strings.Count(expr, "(") != strings.Count(expr, ")") || strings.Count(expr, "{") != strings.Count(expr, "}") {
		t.Errorf("%s: unbalanced brackets in %q", where, expr)
	}
	s := strLit.ReplaceAllString(expr, `""`)
	s = braces.ReplaceAllString(s, " ")
	s = ranges.ReplaceAllString(s, " ")
	s = grouping.ReplaceAllString(s, " ")
	found := 0
	for _, loc := range ident.FindAllStringIndex(s, -1) {
		name := s[loc[0]:loc[1]]
		if loc[0] > 0 && numberish.MatchString(s[loc[0]-1:loc[0]]) { // 1e, the e of 1e-9
			continue
		}
		rest := strings.TrimLeft(s[loc[1]:], " \t\n")
		switch {
		case promWords[name]:
		case strings.HasPrefix(rest, "("):
			if !promFuncs[name] {
				t.Errorf("%s: %s( is not a function this test knows; add it to promFuncs if it is PromQL", where, name)
			}
		default:
			found++
			if !known[name] {
				t.Errorf("%s: metric %s is not in metrics.txt (so not checked to exist)", where, name)
			}
		}
	}
	if found == 0 {
		t.Errorf("%s: no metric in %q", where, expr)
	}
}
