package charts

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/karton-social/karton/domain"
)

func sample() Chart {
	return Chart{ID: "c1", Title: "Iznos po opštinama", Desc: "Isplaćeno u martu 2026.", Unit: "Iznos (EUR)",
		SuppressedWord: "manje od 5 lica", NoDataWord: "nema podataka",
		Data: []Datum{
			{Key: "ME-16", Label: "Podgorica", Value: 12000, Text: "12.000,00 €", Href: "/bi/pivot?x=1&y=<2>"},
			{Key: "ME-12", Label: "Nikšić", Value: 4000, Text: "4.000,00 €", Href: "/bi/pivot?x=2"},
			{Key: "ME-02", Label: "Bar", Suppressed: true, Text: "<5", Href: "/bi/pivot?x=3"},
			{Key: "ME-21", Label: "Žabljak", Value: 100, Text: "100,00 €"},
		}}
}

// wellFormed fails unless the SVG parses as XML.
func wellFormed(t *testing.T, name, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s is not well-formed: %v\n%.500s", name, err, svg)
		}
	}
}

// TestChartsAreAccessibleImages: every chart is a group whose picture is an
// image named by its title and described in words, every value in its
// description, the links over it out of the tab order and hidden from
// screen readers, escaped.
func TestChartsAreAccessibleImages(t *testing.T) {
	c := sample()
	names := map[string]string{}
	for _, m := range domain.Municipalities() {
		names[m.Code] = m.Name
	}
	for name, svg := range map[string]string{"line": string(Line(c)), "bars": string(Bars(c)), "map": string(Map(c, names))} {
		wellFormed(t, name, svg)
		for _, want := range []string{`role="group" aria-labelledby="c1-t"`, `role="img" aria-labelledby="c1-t c1-d"`, `<title id="c1-t">Iznos po opštinama</title>`,
			`Podgorica: 12.000,00 €`, `Bar: &lt;5`, `tabindex="-1" aria-hidden="true"`, `href="/bi/pivot?x=1&amp;y=&lt;2&gt;"`} {
			if !strings.Contains(svg, want) {
				t.Errorf("%s lacks %s", name, want)
			}
		}
		// No link inside the image (axe: nested-interactive).
		img := svg[strings.Index(svg, `role="img"`):]
		img = img[:strings.Index(img, `</svg>`)]
		if strings.Contains(img, "<a ") {
			t.Errorf("%s has a link inside its image", name)
		}
		// Žabljak has no link: no hit area for it.
		if n := strings.Count(svg, `class="chart-hit"`); n != 3 {
			t.Errorf("%s has %d links; want 3", name, n)
		}
	}
}

// TestMapHasEveryMunicipality: 25 shapes, one a municipality, each closed
// and of some area; Podgorica the darkest class, Nikšić lighter, Bar
// hatched, the others grey.
func TestMapHasEveryMunicipality(t *testing.T) {
	if len(centres) != 25 {
		t.Fatalf("%d municipalities on the map; want 25", len(centres))
	}
	for _, m := range domain.Municipalities() {
		if _, ok := centres[m.Code]; !ok {
			t.Errorf("%s (%s) is not on the map", m.Name, m.Code)
		}
	}
	total := 0.0
	for code, sh := range shapes() {
		if sh.width < 5 || sh.height < 5 {
			t.Errorf("%s is %.0f × %.0f px", code, sh.width, sh.height)
		}
		total += sh.width * sh.height
	}
	svg := string(Map(sample(), nil))
	fill := func(code string) string {
		m := regexp.MustCompile(`fill="([^"]+)" stroke="#ffffff" stroke-width="1.2" data-code="` + code + `"`).FindStringSubmatch(svg)
		if m == nil {
			t.Fatalf("no shape %s", code)
		}
		return m[1]
	}
	if got := fill("ME-16"); got != classFills[4] {
		t.Errorf("Podgorica (the largest) is %s; want %s", got, classFills[4])
	}
	if got := fill("ME-12"); got != classFills[1] {
		t.Errorf("Nikšić (a third of it) is %s; want %s", got, classFills[1])
	}
	if got := fill("ME-02"); got != "url(#c1-hatch)" {
		t.Errorf("Bar (suppressed) is %s; want hatched", got)
	}
	if got := fill("ME-06"); got != noDataFill {
		t.Errorf("Cetinje (no data) is %s; want %s", got, noDataFill)
	}
	if os.Getenv("KARTON_CHARTS_PREVIEW") != "" { // a page to look at: go test -run TestMap with the variable set to a file
		page := fmt.Sprintf("<!doctype html><meta charset=utf-8><body>%s%s%s</body>", Map(sample(), nil), Bars(sample()), Line(sample()))
		if err := os.WriteFile(os.Getenv("KARTON_CHARTS_PREVIEW"), []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNiceMax(t *testing.T) {
	for _, c := range []struct{ max, top, step float64 }{
		{0, 1, 0.25}, {7, 8, 2}, {12000, 15000, 5000}, {98, 100, 25}, {3.2, 4, 1}, {1234.5, 1500, 500},
	} {
		top, step := niceMax(c.max)
		if math.Abs(top-c.top) > 1e-9 || math.Abs(step-c.step) > 1e-9 {
			t.Errorf("niceMax(%v) = %v, %v; want %v, %v", c.max, top, step, c.top, c.step)
		}
	}
}

// TestLineBreaksAtSuppressed: a suppressed month breaks the line (two
// strokes) and is marked <5.
func TestLineBreaksAtSuppressed(t *testing.T) {
	c := Chart{ID: "t", Data: []Datum{{Label: "a", Value: 10, Text: "10"}, {Label: "b", Value: 12, Text: "12"}, {Label: "c", Suppressed: true, Text: "<5"},
		{Label: "d", Value: 8, Text: "8"}, {Label: "e", Value: 9, Text: "9"}}}
	svg := string(Line(c))
	m := regexp.MustCompile(`<path d="([^"]+)" fill="none"`).FindStringSubmatch(svg)
	if m == nil || strings.Count(m[1], "M") != 2 || strings.Count(m[1], "L") != 2 {
		t.Errorf("the line is %v; want two strokes of two points", m)
	}
	if !strings.Contains(svg, ">&lt;5</text>") {
		t.Error("the suppressed month is not marked <5")
	}
}
