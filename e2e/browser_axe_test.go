package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Accessibility (issue 17 item 7): axe-core, from npm (make axe installs
// the version of e2e/axe/package-lock.json into e2e/axe/node_modules), is
// injected into every page the browser tests visit and run once the page
// has loaded, checking the rules of WCAG 2.0 and 2.1 at levels A and AA.
// Each page's violations come back through a binding; a test fails at its
// end on any, naming the page, the rule and the elements.

// axePath is where make axe puts axe-core.
var axePath = filepath.Join("axe", "node_modules", "axe-core", "axe.min.js")

// axeRunner runs axe on the top document once it has loaded (an HTML page;
// not a PDF or a CSV the browser shows) and reports to kartonAxeReport;
// window.kartonAxe says where it is ("running", "done").
const axeRunner = `;(function () {
  if (window.top !== window) return;
  function report(r) { try { kartonAxeReport(JSON.stringify(r)); } catch (e) {} }
  function run() {
    if (!document.contentType || document.contentType.indexOf("html") < 0 || typeof axe === "undefined") { window.kartonAxe = "done"; return; }
    window.kartonAxe = "running";
    var url = location.pathname + location.search;
    axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]}).then(function (r) {
      var out = r.violations.map(function (v) {
        return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map(function (n) {
          return {target: n.target.join(" "), html: n.html.slice(0, 160), summary: (n.failureSummary || "").slice(0, 300)};
        }), count: v.nodes.length};
      });
      window.kartonAxe = "done";
      report({url: url, width: window.innerWidth, violations: out});
    }, function (e) { window.kartonAxe = "done"; report({url: url, error: String(e)}); });
  }
  if (document.readyState === "complete") run(); else window.addEventListener("load", run);
})();`

// axeReport is one page's result.
type axeReport struct {
	URL        string `json:"url"`
	Width      int    `json:"width"`
	Error      string `json:"error"`
	Violations []struct {
		ID, Impact, Help string
		Count            int
		Nodes            []struct{ Target, HTML, Summary string }
	} `json:"violations"`
}

// axeChecks collects the reports of a browser's pages.
type axeChecks struct {
	mu      sync.Mutex
	reports []axeReport
}

// checkAccessibility injects axe-core into every page bctx's browser loads
// from now on and, when the test ends, fails it on any violation.
func checkAccessibility(t *testing.T, bctx context.Context) {
	t.Helper()
	checks := injectAxe(t, bctx)
	t.Cleanup(func() {
		// The last page's check finishes before the browser goes.
		_ = chromedp.Run(bctx, axeSettled())
		if msg := checks.summary(); msg != "" {
			t.Errorf("axe-core (WCAG 2.1 A and AA) finds violations:\n%s", msg)
		}
		t.Logf("axe-core checked %d pages", checks.pages())
	})
}

// injectAxe injects axe-core into every page bctx's browser loads from now
// on; the reports gather in the answer.
func injectAxe(t *testing.T, bctx context.Context) *axeChecks {
	t.Helper()
	src, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatalf("axe-core is missing (%v): run `make axe` (npm ci in e2e/axe)", err)
	}
	checks := &axeChecks{}
	chromedp.ListenTarget(bctx, func(ev any) {
		e, ok := ev.(*runtime.EventBindingCalled)
		if !ok || e.Name != "kartonAxeReport" {
			return
		}
		var r axeReport
		if json.Unmarshal([]byte(e.Payload), &r) == nil {
			checks.mu.Lock()
			checks.reports = append(checks.reports, r)
			checks.mu.Unlock()
		}
	})
	err = chromedp.Run(bctx, chromedp.ActionFunc(func(ctx context.Context) error {
		if err := runtime.AddBinding("kartonAxeReport").Do(ctx); err != nil {
			return err
		}
		_, err := page.AddScriptToEvaluateOnNewDocument(string(src) + axeRunner).Do(ctx)
		return err
	}))
	if err != nil {
		t.Fatalf("injecting axe-core: %v", err)
	}
	return checks
}

func (a *axeChecks) pages() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.reports)
}

// summary lists the violations by rule, with the pages and elements; "" for none.
func (a *axeChecks) summary() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	type seen struct {
		help, impact string
		pages        map[string]bool
		nodes        []string
	}
	rules := map[string]*seen{}
	var errs []string
	for _, r := range a.reports {
		if r.Error != "" {
			errs = append(errs, fmt.Sprintf("  %s: axe failed: %s", r.URL, r.Error))
		}
		for _, v := range r.Violations {
			s := rules[v.ID]
			if s == nil {
				s = &seen{help: v.Help, impact: v.Impact, pages: map[string]bool{}}
				rules[v.ID] = s
			}
			page := fmt.Sprintf("%s (%d px)", r.URL, r.Width)
			if !s.pages[page] {
				s.pages[page] = true
				for _, n := range v.Nodes {
					if len(s.nodes) < 6 {
						s.nodes = append(s.nodes, fmt.Sprintf("      %s %s: %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", " ")))
					}
				}
			}
		}
	}
	var ids []string
	for id := range rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	for _, id := range ids {
		s := rules[id]
		var pages []string
		for p := range s.pages {
			pages = append(pages, p)
		}
		sort.Strings(pages)
		fmt.Fprintf(&b, "  %s (%s): %s\n    on %s\n%s\n", id, s.impact, s.help, strings.Join(pages, ", "), strings.Join(s.nodes, "\n"))
	}
	for _, e := range errs {
		b.WriteString(e + "\n")
	}
	return b.String()
}

// axeSettled waits (up to 10 s) until axe has checked the page shown, so
// that a test leaving it (a form sent, a screenshot taken before a click)
// does not cut the check short.
func axeSettled() chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			var done bool
			if chromedp.Evaluate(`window.kartonAxe === "done"`, &done).Do(ctx) == nil && done {
				return nil
			}
		}
		return nil // a page axe does not run on (a download): nothing to wait for
	})
}

// TestAxeFindsViolations shows that the check can fail: a page with an
// image without a text alternative, a field without a label and grey on
// grey text has violations, each named; a page without them has none.
func TestAxeFindsViolations(t *testing.T) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(profileDir(t)))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	bctx, cancelT := context.WithTimeout(bctx, time.Minute)
	defer cancelT()
	checks := injectAxe(t, bctx)
	bad := `<!doctype html><html lang="en"><head><title>bad</title></head><body><main><img src="x.png">` +
		`<input name="q"><p style="color:#aaa;background:#bbb">faint</p></main></body></html>`
	good := `<!doctype html><html lang="en"><head><title>good</title></head><body><main><h1>Fine</h1>` +
		`<label for="q">Name</label><input id="q" name="q"></main></body></html>`
	for _, doc := range []string{bad, good} {
		if err := chromedp.Run(bctx, chromedp.Navigate("data:text/html;charset=utf-8,"+url.PathEscape(doc)), axeSettled()); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); checks.pages() < 2 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	msg := checks.summary()
	for _, rule := range []string{"image-alt", "label", "color-contrast"} {
		if !strings.Contains(msg, rule) {
			t.Errorf("axe does not report %s on a page that breaks it; it says:\n%s", rule, msg)
		}
	}
	checks.mu.Lock()
	defer checks.mu.Unlock()
	if len(checks.reports) != 2 || len(checks.reports[0].Violations) < 3 || len(checks.reports[1].Violations) != 0 {
		t.Errorf("reports = %+v; want the bad page's violations and none on the good page", checks.reports)
	}
}
