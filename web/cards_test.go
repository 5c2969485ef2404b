package web

import (
	"html"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// The desk at 390 px (issue 17 item 6): below 640 px a table of class
// "cards" shows each row as a card, each cell under its column's name,
// which the cell carries in data-label (app.css). These pages' tables must
// all be cards, and every cell's label must be its column's heading, in
// the page's language. The first five are the caseworker's desk; the rest
// the supervisor's board, the payroll, the DV notification and register,
// the search's results and the reports.
var cardPages = map[string]bool{"inbox": true, "person": true, "claim": true, "case": true, "cases": true,
	"board": true, "payroll": true, "dv": true, "dvregister": true, "search": true, "reports": true}

var (
	tableRE = regexp.MustCompile(`(?s)<table([^>]*)>(.*?)</table>`)
	theadRE = regexp.MustCompile(`(?s)<thead>(.*?)</thead>`)
	thRE    = regexp.MustCompile(`(?s)<th[^>]*>(.*?)</th>`)
	trRE    = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	cellRE  = regexp.MustCompile(`<(td|th)(\s[^>]*)?>`)
	classRE = regexp.MustCompile(`class="([^"]*)"`)
	labelRE = regexp.MustCompile(`data-label="([^"]*)"`)
)

// cardProblems lists what is wrong with the tables of a rendered page:
// a table not of class cards (a form's grid of inputs, table.rows, is
// left alone), a cell without its column's name or with another's.
func cardProblems(body string) []string {
	var out []string
	for _, tm := range tableRE.FindAllStringSubmatch(body, -1) {
		attrs, inner := tm[1], tm[2]
		class := ""
		if m := classRE.FindStringSubmatch(attrs); m != nil {
			class = " " + m[1] + " "
		}
		if strings.Contains(class, " rows ") {
			continue
		}
		head := theadRE.FindStringSubmatch(inner)
		if head == nil {
			continue
		}
		var cols []string
		for _, th := range thRE.FindAllStringSubmatch(head[1], -1) {
			cols = append(cols, strings.TrimSpace(html.UnescapeString(tagRE.ReplaceAllString(th[1], ""))))
		}
		if !strings.Contains(class, " cards ") {
			out = append(out, "a table of "+strings.Join(cols, ", ")+" is not of class cards")
			continue
		}
		body := strings.Replace(inner, head[0], "", 1)
		for _, tr := range trRE.FindAllStringSubmatch(body, -1) {
			if strings.Contains(tr[1], "colspan=") {
				continue // "none"
			}
			for i, c := range cellRE.FindAllStringSubmatch(tr[1], -1) {
				if c[1] == "th" {
					continue // the row's own heading
				}
				want := ""
				if i < len(cols) {
					want = cols[i]
				}
				got := ""
				if m := labelRE.FindStringSubmatch(c[2]); m != nil {
					got = html.UnescapeString(m[1])
				}
				if got != want {
					out = append(out, "in the table of "+strings.Join(cols, ", ")+", cell "+want+" is labelled "+`"`+got+`"`)
				}
			}
		}
	}
	return out
}

// TestWideTablesAreCards renders the inbox, e-file, claim, case, case
// list, board, payroll, DV notification and register, search and reports
// (the language test's cases) in both languages and checks their tables.
func TestWideTablesAreCards(t *testing.T) {
	gin.SetMode(gin.TestMode)
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cfg: Config{API: fakeAPI(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, pages: pages}
	seen := map[string]int{}
	for _, pc := range pageCases(s) {
		if !cardPages[pc.tpl] {
			continue
		}
		for _, lang := range languages {
			t.Run(pc.name+"/"+lang, func(t *testing.T) {
				body, _ := pc.run(t, lang)
				seen[pc.tpl] += strings.Count(body, "data-label=")
				for _, p := range cardProblems(body) {
					t.Error(p)
				}
			})
		}
	}
	for tpl := range cardPages {
		if seen[tpl] == 0 {
			t.Errorf("the page %s has no cell with its column's name", tpl)
		}
	}
}

// TestCardProblemsFound shows the check can fail: a plain table, a cell
// without its label and one with another column's.
func TestCardProblemsFound(t *testing.T) {
	good := `<table class="cards"><thead><tr><th scope="col">Rok</th><th scope="col"></th></tr></thead><tbody><tr><td data-label="Rok">1.</td><td><button>Preuzmi</button></td></tr><tr><td colspan="2">Nema</td></tr></tbody></table>`
	if p := cardProblems(good); len(p) != 0 {
		t.Errorf("a good table: %v", p)
	}
	for _, bad := range []string{
		`<table><thead><tr><th>Rok</th></tr></thead><tbody><tr><td data-label="Rok">1.</td></tr></tbody></table>`,
		`<table class="cards"><thead><tr><th>Rok</th><th>Iznos</th></tr></thead><tbody><tr><td data-label="Rok">1.</td><td>2</td></tr></tbody></table>`,
		`<table class="cards"><thead><tr><th>Rok</th><th>Iznos</th></tr></thead><tbody><tr><td data-label="Iznos">1.</td><td data-label="Iznos">2</td></tr></tbody></table>`,
		`<table class="cards"><thead><tr><th>Rok</th></tr></thead><tbody><tr><td data-label="due">1.</td></tr></tbody></table>`,
	} {
		if p := cardProblems(bad); len(p) != 1 {
			t.Errorf("%s: %v; want one problem", bad, p)
		}
	}
}
