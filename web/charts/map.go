package charts

import (
	"fmt"
	"html/template"
)

// classFills are the map's five classes, light to dark; classInk the
// colour of a name written on each (dark on light, white on dark, either
// at a contrast of 4.5 or more).
var (
	classFills = []string{"#eff3ff", "#bdd7e7", "#6baed6", "#2171b5", "#08306b"}
	classInk   = []string{"#111111", "#111111", "#111111", "#ffffff", "#ffffff"}
)

const noDataFill = "#f0f0f0"

// Map draws Montenegro's municipalities coloured by the members' values
// (Datum.Key a municipality's code): five classes of equal width from
// zero, a suppressed municipality hatched, one with no data grey; the
// legend beside it. Each municipality links to its table and says its name
// and value under the mouse. Names are written where they fit. Data
// whose key is no municipality is left out of the picture (it stays in the
// text alternative).
func Map(c Chart, names map[string]string) template.HTML {
	const width, height = 640, 520
	byCode := map[string]Datum{}
	maxV := 0.0
	for _, d := range c.Data {
		byCode[d.Key] = d
		if !d.Suppressed && d.Value > maxV {
			maxV = d.Value
		}
	}
	top, _ := niceMax(maxV)
	class := func(v float64) int {
		k := int(v / top * float64(len(classFills)))
		return min(max(k, 0), len(classFills)-1)
	}
	var s svg
	geo := shapes()
	for _, code := range Codes() {
		sh := geo[code]
		d, ok := byCode[code]
		fill, ink := noDataFill, "#444444"
		text := c.NoDataWord
		switch {
		case ok && d.Suppressed:
			fill, ink, text = "url(#"+esc(c.ID)+"-hatch)", "#111111", d.Text
		case ok:
			k := class(d.Value)
			fill, ink, text = classFills[k], classInk[k], d.Text
		}
		name := names[code]
		if ok && d.Label != "" {
			name = d.Label
		}
		s.f(`<path d="%s" fill="%s" stroke="#ffffff" stroke-width="1.2" data-code="%s"/>`, sh.path, fill, esc(code))
		if fits(name, sh) {
			halo := ""
			if ink != "#ffffff" { // a white edge keeps a dark name readable on the hatching
				halo = ` stroke="#ffffff" stroke-width="2.5" stroke-linejoin="round" paint-order="stroke"`
			}
			s.f(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10.5" fill="%s"%s>%s</text>`, sh.label.x, sh.label.y+4, ink, halo, esc(name))
		}
		href := ""
		if ok {
			href = d.Href
		}
		s.hit(href, name+": "+text, fmt.Sprintf(`<path d="%s"`, sh.path))
	}
	// The legend.
	lx, ly := 450, 40
	s.f(`<text x="%d" y="%d" font-size="12" fill="#333333">%s</text>`, lx, ly-14, esc(shorten(c.Unit, 30)))
	step := top / float64(len(classFills))
	for k, fill := range classFills {
		y := ly + k*24
		s.f(`<rect x="%d" y="%d" width="20" height="16" fill="%s" stroke="#999999"/>`, lx, y, fill)
		s.f(`<text x="%d" y="%d" font-size="11" fill="#333333">%s – %s</text>`, lx+28, y+12, esc(c.tick(step*float64(k))), esc(c.tick(step*float64(k+1))))
	}
	y := ly + len(classFills)*24 + 8
	s.f(`<rect x="%d" y="%d" width="20" height="16" fill="url(#%s-hatch)" stroke="#999999"/>`, lx, y, esc(c.ID))
	s.f(`<text x="%d" y="%d" font-size="11" fill="#333333">%s</text>`, lx+28, y+12, esc(shorten(c.SuppressedWord, 26)))
	y += 24
	s.f(`<rect x="%d" y="%d" width="20" height="16" fill="%s" stroke="#999999"/>`, lx, y, noDataFill)
	s.f(`<text x="%d" y="%d" font-size="11" fill="#333333">%s</text>`, lx+28, y+12, esc(shorten(c.NoDataWord, 26)))
	return s.done(c, width, height)
}

// fits says whether a name fits in a shape at its label.
func fits(name string, sh shape) bool {
	return float64(len([]rune(name)))*5.8 < sh.width*0.9 && sh.height > 22
}
