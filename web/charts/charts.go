// Package charts draws the statistics' charts (issue 19) as SVG on the
// server: a trend line, horizontal bars and a map of Montenegro's 25
// municipalities coloured by a measure. A chart is readable without
// JavaScript and prints as it shows.
//
// Every chart is an <svg role="group"> holding two layers: the picture, an
// inner <svg role="img"> named by its title and described by its
// description (the text alternative: every value in words), and over it
// the links of its members (a municipality, a bar, a month), hidden from
// assistive technology and out of the tab order, each with a <title> the
// mouse shows. Links may not sit inside an image (axe: nested-interactive),
// so the keyboard and screen readers reach the same links in the table the
// page gives beside each chart.
//
// The package knows no language: the caller gives every word (titles,
// the value axis's name, the members' names, the values as said, the
// ticks' format).
package charts

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Datum is one member of a chart: a month, a benefit, a municipality.
type Datum struct {
	Key   string  // the member's code (the map finds its shape by it)
	Label string  // its name
	Short string  // a short name for an axis (a month); Label when empty
	Value float64 // what is drawn
	Text  string  // the value as said ("1.234,50 €", "<5")
	// Suppressed: a cell of fewer than five persons; drawn hatched, never
	// as a value.
	Suppressed bool
	Href       string // the table one level down (drill-down); none when empty
}

// Chart is what every chart draws.
type Chart struct {
	ID    string // unique on the page: the ids of its title and description
	Title string
	Desc  string // what the chart shows; the values follow in words
	Unit  string // the value axis's name ("Iznos (EUR)")
	// Tick formats a value on the value axis and in the map's legend.
	Tick func(float64) string
	Data []Datum
	// Words of the legends: a suppressed member ("manje od 5 lica"), a
	// member with no data ("nema podataka").
	SuppressedWord, NoDataWord string
}

func (c Chart) tick(v float64) string {
	if c.Tick != nil {
		return c.Tick(v)
	}
	return trimFloat(v)
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// esc escapes text for an SVG text node or attribute.
func esc(s string) string { return template.HTMLEscapeString(s) }

// svg is a chart being written.
type svg struct {
	b    strings.Builder
	hits strings.Builder
}

func (s *svg) f(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

// hit adds a member's link over the picture: the shape (an SVG element
// without its closing) is painted with no opacity, so that it takes the
// mouse without hiding what is under it.
func (s *svg) hit(href, title, shape string) {
	if href == "" {
		return
	}
	fmt.Fprintf(&s.hits, `<a href="%s" tabindex="-1" aria-hidden="true" class="chart-hit">%s fill="#000" fill-opacity="0"><title>%s</title></%s></a>`,
		esc(href), shape, esc(title), shapeTag(shape))
}

func shapeTag(shape string) string {
	tag, _, _ := strings.Cut(strings.TrimPrefix(shape, "<"), " ")
	return tag
}

// done wraps the picture and the links into the chart.
func (s *svg) done(c Chart, width, height int) template.HTML {
	var out strings.Builder
	fmt.Fprintf(&out, `<svg class="chart" id="%s" viewBox="0 0 %d %d" width="%d" height="%d" role="group" aria-labelledby="%s-t" xmlns="http://www.w3.org/2000/svg">`,
		esc(c.ID), width, height, width, height, esc(c.ID))
	fmt.Fprintf(&out, `<svg role="img" aria-labelledby="%s-t %s-d" x="0" y="0" width="%d" height="%d" viewBox="0 0 %d %d">`,
		esc(c.ID), esc(c.ID), width, height, width, height)
	fmt.Fprintf(&out, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, esc(c.ID), esc(c.Title), esc(c.ID), esc(describe(c)))
	fmt.Fprintf(&out, `<defs><pattern id="%s-hatch" patternUnits="userSpaceOnUse" width="6" height="6"><rect width="6" height="6" fill="#ffffff"/><path d="M0 6L6 0M-1 1L1 -1M5 7L7 5" stroke="#6b6b6b" stroke-width="1.2"/></pattern></defs>`, esc(c.ID))
	out.WriteString(s.b.String())
	out.WriteString(`</svg>`)
	out.WriteString(s.hits.String())
	out.WriteString(`</svg>`)
	return template.HTML(out.String()) //nolint:gosec // every text and attribute is escaped by esc
}

// describe is the chart's text alternative: its description, then each
// member and its value.
func describe(c Chart) string {
	parts := make([]string, 0, len(c.Data))
	for _, d := range c.Data {
		parts = append(parts, d.Label+": "+d.Text)
	}
	desc := strings.TrimSpace(c.Desc)
	if len(parts) == 0 {
		return desc
	}
	if desc != "" && !strings.HasSuffix(desc, ".") {
		desc += "."
	}
	return strings.TrimSpace(desc + " " + strings.Join(parts, "; ") + ".")
}

// niceMax is the top of a value axis: max rounded up to 1, 2, 2.5 or 5
// times a power of ten, with its step for about four ticks.
func niceMax(max float64) (top, step float64) {
	if max <= 0 || math.IsNaN(max) || math.IsInf(max, 0) {
		return 1, 0.25
	}
	raw := max / 4
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if step = m * p; step >= raw {
			break
		}
	}
	if step < 1 && max >= 1 { // counts and euros: whole ticks
		step = 1
	}
	top = math.Ceil(max/step) * step
	if top < max {
		top += step
	}
	return top, step
}

// shorten cuts a label to n runes with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
