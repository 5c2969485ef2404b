package charts

import (
	"fmt"
	"html/template"
	"sort"
)

// Bars draws a horizontal bar a member, the largest first, each with its
// name on the left and its value at its end; a suppressed member has a
// short hatched bar and "<5". Each bar links to its table.
func Bars(c Chart) template.HTML {
	const width, labelW, valueW, rowH, top = 640, 250, 110, 24, 28
	data := append([]Datum(nil), c.Data...)
	sort.SliceStable(data, func(i, j int) bool {
		if data[i].Suppressed != data[j].Suppressed {
			return !data[i].Suppressed
		}
		return data[i].Value > data[j].Value
	})
	height := top + rowH*max(len(data), 1) + 10
	barW := float64(width - labelW - valueW)
	maxV := 0.0
	for _, d := range data {
		if !d.Suppressed && d.Value > maxV {
			maxV = d.Value
		}
	}
	if maxV <= 0 {
		maxV = 1
	}
	var s svg
	s.f(`<text x="%d" y="16" font-size="12" fill="#333333">%s</text>`, labelW, esc(c.Unit))
	s.f(`<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#333333"/>`, labelW, labelW, top-4, height-8)
	for i, d := range data {
		y := top + i*rowH
		s.f(`<text x="%d" y="%d" text-anchor="end" font-size="12" fill="#222222">%s</text>`, labelW-8, y+16, esc(shorten(d.Label, 38)))
		w := d.Value / maxV * barW
		fill := "#1f5fbf"
		if d.Suppressed {
			w, fill = 18, "url(#"+esc(c.ID)+"-hatch)"
		}
		if w > 0 && w < 1 {
			w = 1
		}
		s.f(`<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s" stroke="#1f5fbf" stroke-width="0.5"/>`, labelW, y+4, w, rowH-8, fill)
		s.f(`<text x="%.1f" y="%d" font-size="12" fill="#222222">%s</text>`, float64(labelW)+w+6, y+16, esc(d.Text))
		s.hit(d.Href, d.Label+": "+d.Text, fmt.Sprintf(`<rect x="0" y="%d" width="%d" height="%d"`, y, width, rowH))
	}
	return s.done(c, width, height)
}
