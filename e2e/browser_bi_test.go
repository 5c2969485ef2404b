package e2e_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/interop/sim"
)

// fetchFile fetches the href of selector from the page, as the browser
// downloads it: its status, type and bytes.
const fetchFile = `(async function (sel) {
  var r = await fetch(document.querySelector(sel).href), b = new Uint8Array(await r.arrayBuffer()), s = "";
  for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return {status: r.status, type: r.headers.get("content-type"), disposition: r.headers.get("content-disposition"), b64: btoa(s)};
})`

type fetched struct {
	Status      int    `json:"status"`
	Type        string `json:"type"`
	Disposition string `json:"disposition"`
	B64         string `json:"b64"`
}

// TestStatisticsInABrowser walks the statistics (issue 19 item 4) on the
// demo's data as `make run` loads it (households, their rights carried
// over, the previous system's payments in the facts): the analyst lands on
// the dashboard (trend, map, bars), clicks Podgorica on the map, drills
// from its settlements to a benefit, reads the filters as chips, downloads
// the XLSX (opened with excelize: the title names the municipality and the
// benefit, a row per row of the page's table) and the CSV, reads the table
// in English, drills up; the page as printed; the supervisor of Podgorica
// sees the same dashboard kept to their centre. axe-core checks every page.
// Screenshots 90–96 in artifacts/screens.
func TestStatisticsInABrowser(t *testing.T) {
	ctx := context.Background()
	const households = 300
	s := startStack(t, system.Options{SimHouseholds: households, SimFaults: sim.Faults{Latency: 2 * time.Millisecond}}, households)
	today := time.Now().UTC()
	if _, err := devstack.LoadDemoRights(ctx, s.DB, s.Population, households, today); err != nil {
		t.Fatal(err)
	}
	if _, err := devstack.LoadDemoAssistance(ctx, s.DB, s.Population, households, today); err != nil {
		t.Fatal(err)
	}
	lines, err := devstack.LoadDemoStatistics(ctx, s.DB, today)
	if err != nil || lines == 0 {
		t.Fatalf("the demo's payment facts: %d lines, %v", lines, err)
	}

	bctx, shot, login, logout, _ := openBrowser(t, s.APIURL)
	var home, scope, podgorica, benefit, chips, drillUp, title, titleEn string
	var rows, mapShapes, mapLinks int
	var clickX, clickY float64
	err = runSteps(bctx,
		login("luka.analyst"),
		chromedp.WaitVisible("#chart-map", chromedp.ByQuery),
		chromedp.Location(&home),
		chromedp.Text("#bi-scope", &scope, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#chart-map path[data-code]").length`, &mapShapes),
		chromedp.Evaluate(`document.querySelectorAll("#chart-map a.chart-hit").length`, &mapLinks),
		shot("90-bi-dashboard"),
		// Podgorica on the map: a mouse click where its name is written.
		chromedp.Evaluate(`(function () { var t = [...document.querySelectorAll("#chart-map text")].find(e => e.textContent === "Podgorica");
			var r = t.getBoundingClientRect(); window.scrollTo(0, window.scrollY + r.top - 200); return 0; })()`, nil),
		chromedp.Evaluate(`(function () { var r = [...document.querySelectorAll("#chart-map text")].find(e => e.textContent === "Podgorica").getBoundingClientRect();
			return r.left + r.width / 2; })()`, &clickX),
		chromedp.Evaluate(`(function () { var r = [...document.querySelectorAll("#chart-map text")].find(e => e.textContent === "Podgorica").getBoundingClientRect();
			return r.top + r.height / 2; })()`, &clickY),
		chromedp.ActionFunc(func(ctx context.Context) error {
			return chromedp.Run(ctx, chromedp.Evaluate(`window.kartonOldPage = true`, nil), chromedp.MouseClickXY(clickX, clickY))
		}),
		chromedp.WaitVisible("#bi-table", chromedp.ByQuery),
		chromedp.Text("#bi-filters", &podgorica, chromedp.ByQuery),
		shot("91-bi-podgorica"),
		// A benefit of Podgorica: its settlements, the benefit a filter.
		chromedp.Text(`#bi-table tbody tr th:nth-child(2) a.bi-drill`, &benefit, chromedp.ByQuery),
		submit(`#bi-table tbody tr th:nth-child(2) a.bi-drill`),
		chromedp.WaitVisible("#bi-table", chromedp.ByQuery),
		chromedp.Text("#bi-filters", &chips, chromedp.ByQuery),
		chromedp.Text("#bi-pivot-title", &title, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#bi-table tbody tr").length`, &rows),
		chromedp.Evaluate(`[...document.querySelectorAll("a.bi-up")].map(a => a.textContent).join(" | ")`, &drillUp),
		shot("92-bi-podgorica-benefit"),
	)
	if err != nil {
		t.Fatalf("the analyst's drill: %v", err)
	}
	if !strings.HasSuffix(home, "/bi") || !strings.Contains(scope, "svih centara") {
		t.Errorf("the analyst lands on %s, scope %q; want /bi, every centre", home, scope)
	}
	if mapShapes != 25 || mapLinks == 0 {
		t.Errorf("the map has %d municipalities and %d links; want 25 and some", mapShapes, mapLinks)
	}
	if !strings.Contains(podgorica, "Opština: Podgorica") {
		t.Errorf("the map's click on Podgorica led to the filters %q", podgorica)
	}
	if !strings.Contains(chips, "Opština: Podgorica") || !strings.Contains(chips, "Davanje: "+benefit) || !strings.Contains(chips, "Mjesec:") ||
		rows == 0 || !strings.Contains(title, "Naselje") || !strings.Contains(drillUp, "Opština") {
		t.Errorf("drilled to %s of Podgorica: chips %q, title %q, %d rows, drill-up %q", benefit, chips, title, rows, drillUp)
	}

	// The XLSX and the CSV of the table, as the browser downloads them.
	var x, csv fetched
	err = runSteps(bctx,
		chromedp.Evaluate(fetchFile+`("#bi-xlsx")`, &x, awaitPromise),
		chromedp.Evaluate(fetchFile+`("#bi-csv")`, &csv, awaitPromise),
	)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(x.B64)
	if x.Status != 200 || x.Type != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" || !strings.Contains(x.Disposition, ".xlsx") {
		t.Fatalf("the XLSX: %d %s %s", x.Status, x.Type, x.Disposition)
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the XLSX does not open: %v", err)
	}
	sheet, err := f.GetRows("Tabela")
	if err != nil || len(sheet) < 5 {
		t.Fatalf("the XLSX's sheet: %d rows, %v", len(sheet), err)
	}
	if !strings.Contains(sheet[0][0], "Podgorica") || !strings.Contains(sheet[0][0], benefit) || sheet[3][0] != "Naselje" || len(sheet)-4 != rows {
		t.Errorf("the XLSX: title %q, header %q, %d rows; want Podgorica and %s named, the settlements, %d rows", sheet[0][0], sheet[3], len(sheet)-4, benefit, rows)
	}
	if csvText, _ := base64.StdEncoding.DecodeString(csv.B64); csv.Status != 200 || !strings.HasPrefix(csv.Type, "text/csv") ||
		!strings.HasPrefix(string(csvText), "geography.settlement,geography.settlement_name") {
		t.Errorf("the CSV: %d %s %.80q", csv.Status, csv.Type, csvText)
	}

	// In English, a level up, and as printed.
	err = runSteps(bctx,
		chromedp.Evaluate(`document.querySelector("#lang-select").value = "en"`, nil),
		submit("#lang-go"),
		chromedp.WaitVisible("#bi-table", chromedp.ByQuery),
		chromedp.Text("#bi-pivot-title", &titleEn, chromedp.ByQuery),
		shot("93-bi-table-english"),
		submit("a.bi-up"),
		chromedp.WaitVisible("#bi-table", chromedp.ByQuery),
		shot("94-bi-drilled-up-english"),
		chromedp.Navigate(s.APIURL+"/bi"),
		chromedp.WaitVisible("#chart-map", chromedp.ByQuery),
		emulation.SetEmulatedMedia().WithMedia("print"),
		shot("95-bi-dashboard-printed-english"),
		emulation.SetEmulatedMedia().WithMedia(""),
		chromedp.Evaluate(`document.querySelector("#lang-select").value = "cnr"`, nil),
		submit("#lang-go"),
	)
	if err != nil {
		t.Fatalf("in English: %v", err)
	}
	if !strings.HasPrefix(titleEn, "Payments: Settlement") {
		t.Errorf("the table in English is titled %q", titleEn)
	}

	// The supervisor of Podgorica: the same dashboard, their centre's.
	var supScope, supMap string
	err = runSteps(bctx,
		logout,
		login("marko.supervisor"),
		chromedp.Click("#nav-bi", chromedp.ByQuery),
		chromedp.WaitVisible("#chart-map", chromedp.ByQuery),
		chromedp.Text("#bi-scope", &supScope, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#chart-map desc").textContent`, &supMap),
		shot("96-bi-supervisor"),
	)
	if err != nil {
		t.Fatalf("the supervisor's dashboard: %v", err)
	}
	if !strings.Contains(supScope, "CSR Podgorica") || strings.Contains(supMap, "Nikšić:") || strings.Contains(supMap, "Bar:") {
		t.Errorf("the supervisor of Podgorica: scope %q, map %q; want their centre's figures only", supScope, supMap)
	}
}
