package charts

import (
	"fmt"
	"html/template"
	"strings"
)

// Line draws a trend: the members (months, in order) along the bottom, the
// value axis on the left from zero, a line through the values with a dot
// on each; a suppressed member breaks the line and is marked "<5" on the
// axis. Each member links to its table.
func Line(c Chart) template.HTML {
	const width, height = 640, 270
	const left, right, top, bottom = 78, 16, 30, 48
	plotW, plotH := float64(width-left-right), float64(height-top-bottom)
	var s svg
	maxV := 0.0
	for _, d := range c.Data {
		if !d.Suppressed && d.Value > maxV {
			maxV = d.Value
		}
	}
	topV, step := niceMax(maxV)
	y := func(v float64) float64 { return float64(top) + plotH - v/topV*plotH }
	s.f(`<text x="%d" y="%d" class="chart-unit" font-size="12" fill="#333333">%s</text>`, left-70, top-14, esc(c.Unit))
	for v := 0.0; v <= topV+step/2; v += step {
		s.f(`<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#dddddd"/>`, left, width-right, y(v), y(v))
		s.f(`<text x="%d" y="%.1f" text-anchor="end" font-size="11" fill="#333333">%s</text>`, left-6, y(v)+4, esc(c.tick(v)))
	}
	s.f(`<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#333333"/>`, left, width-right, y(0), y(0))
	n := len(c.Data)
	band := plotW / float64(max(n, 1))
	x := func(i int) float64 { return float64(left) + band*(float64(i)+0.5) }
	var path []string
	pen := "M"
	for i, d := range c.Data {
		if d.Suppressed {
			pen = "M"
			s.f(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="11" fill="#333333">&lt;5</text>`, x(i), y(0)-6)
			continue
		}
		path = append(path, fmt.Sprintf("%s%.1f %.1f", pen, x(i), y(d.Value)))
		pen = "L"
	}
	if len(path) > 0 {
		s.f(`<path d="%s" fill="none" stroke="#1f5fbf" stroke-width="2.5" stroke-linejoin="round"/>`, strings.Join(path, " "))
	}
	for i, d := range c.Data {
		if !d.Suppressed {
			s.f(`<circle cx="%.1f" cy="%.1f" r="3.5" fill="#1f5fbf"/>`, x(i), y(d.Value))
		}
		label := d.Short
		if label == "" {
			label = d.Label
		}
		// Every label when they fit, else every other one.
		if n <= 12 || i%2 == 0 {
			line1, line2, _ := strings.Cut(label, " ")
			s.f(`<text x="%.1f" y="%d" text-anchor="middle" font-size="11" fill="#333333">%s`, x(i), height-bottom+16, esc(line1))
			if line2 != "" {
				s.f(`<tspan x="%.1f" dy="14">%s</tspan>`, x(i), esc(line2))
			}
			s.f(`</text>`)
		}
		s.hit(d.Href, d.Label+": "+d.Text, fmt.Sprintf(`<rect x="%.1f" y="%d" width="%.1f" height="%d"`, x(i)-band/2, top, band, height-top))
	}
	return s.done(c, width, height)
}
