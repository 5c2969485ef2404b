package charts

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
)

// The map's geometry is SIMPLIFIED, not surveyed: Montenegro's border is
// a polygon of 38 points read off a small-scale map (the coast, the Bay of
// Kotor as a notch, Lake Skadar left out), and each municipality's shape
// is the part of it nearer to that municipality's approximate centre than
// to any other's (a Voronoi diagram clipped to the border). The shapes sit
// where the municipalities are and touch the neighbours they touch, but
// their borders are not the legal ones (docs/pages.md says so on the
// page's description too).

// point is a position in degrees: longitude, latitude.
type point struct{ lon, lat float64 }

// border is Montenegro's outline, clockwise from the Prevlaka peninsula.
var border = []point{
	{18.44, 42.43}, {18.47, 42.55}, {18.55, 42.64}, {18.57, 42.72}, {18.50, 42.82}, {18.55, 42.98},
	{18.63, 43.08}, {18.68, 43.25}, {18.82, 43.33}, {18.93, 43.38}, {19.00, 43.50}, {19.15, 43.56},
	{19.24, 43.52}, {19.35, 43.42}, {19.50, 43.33}, {19.58, 43.20}, {19.75, 43.16}, {19.88, 43.10},
	{20.00, 43.04}, {20.15, 43.00}, {20.30, 42.95}, {20.35, 42.84}, {20.22, 42.75}, {20.08, 42.66},
	{20.00, 42.55}, {19.86, 42.48}, {19.72, 42.52}, {19.60, 42.44}, {19.48, 42.36}, {19.40, 42.20},
	{19.37, 42.05}, {19.36, 41.87}, {19.16, 41.93}, {19.05, 42.07}, {18.88, 42.26}, {18.78, 42.33},
	{18.72, 42.38}, {18.56, 42.42},
}

// centres are the approximate middles of the municipalities' territories
// (not their seats: Podgorica's reaches far to the north-east), by ISO
// 3166-2:ME code.
var centres = map[string]point{
	"ME-01": {19.76, 42.70}, // Andrijevica
	"ME-02": {19.13, 42.13}, // Bar
	"ME-03": {19.90, 42.85}, // Berane
	"ME-04": {19.78, 43.04}, // Bijelo Polje
	"ME-05": {18.87, 42.28}, // Budva
	"ME-06": {18.98, 42.40}, // Cetinje
	"ME-07": {19.08, 42.60}, // Danilovgrad
	"ME-08": {18.55, 42.50}, // Herceg Novi
	"ME-09": {19.50, 42.80}, // Kolašin
	"ME-10": {18.72, 42.50}, // Kotor
	"ME-11": {19.58, 42.97}, // Mojkovac
	"ME-12": {18.85, 42.82}, // Nikšić
	"ME-13": {19.96, 42.63}, // Plav
	"ME-14": {19.28, 43.30}, // Pljevlja
	"ME-15": {18.80, 43.13}, // Plužine
	"ME-16": {19.36, 42.55}, // Podgorica
	"ME-17": {20.19, 42.84}, // Rožaje
	"ME-18": {19.08, 42.95}, // Šavnik
	"ME-19": {18.69, 42.40}, // Tivat
	"ME-20": {19.27, 41.96}, // Ulcinj
	"ME-21": {19.14, 43.13}, // Žabljak
	"ME-22": {19.82, 42.52}, // Gusinje
	"ME-23": {20.00, 42.92}, // Petnjica
	"ME-24": {19.47, 42.40}, // Tuzi
	"ME-25": {19.22, 42.31}, // Zeta
}

// Codes lists the map's municipalities' codes.
func Codes() []string {
	out := make([]string, 0, len(centres))
	for code := range centres {
		out = append(out, code)
	}
	sort.Strings(out)
	return out
}

// xy is a position on the drawing.
type xy struct{ x, y float64 }

// The projection: equirectangular at Montenegro's latitude (a degree of
// longitude is cos 42.7° of a degree of latitude), scaled to the drawing.
const (
	mapScale  = 285.0 // pixels a degree of latitude
	mapLeft   = 18.40
	mapTop    = 43.60
	mapMargin = 10.0
)

var cosLat = math.Cos(42.7 * math.Pi / 180)

func project(p point) xy {
	return xy{mapMargin + (p.lon-mapLeft)*cosLat*mapScale, mapMargin + (mapTop-p.lat)*mapScale}
}

// shape is a municipality's polygon on the drawing and where its name goes.
type shape struct {
	path   string
	label  xy
	width  float64 // the polygon's width at its label, about: whether a name fits
	height float64
}

// shapes are the municipalities' shapes, computed once.
var shapes = sync.OnceValue(func() map[string]shape {
	outline := make([]xy, len(border))
	for i, p := range border {
		outline[i] = project(p)
	}
	sites := map[string]xy{}
	for code, p := range centres {
		sites[code] = project(p)
	}
	out := map[string]shape{}
	for code, si := range sites {
		poly := outline
		for other, sj := range sites {
			if other == code {
				continue
			}
			poly = clip(poly, si, sj)
		}
		out[code] = shapeOf(poly, si)
	}
	return out
})

// clip keeps the part of poly nearer to a than to b (Sutherland–Hodgman
// against the perpendicular bisector of a and b).
func clip(poly []xy, a, b xy) []xy {
	nx, ny := b.x-a.x, b.y-a.y
	mx, my := (a.x+b.x)/2, (a.y+b.y)/2
	side := func(p xy) float64 { return (p.x-mx)*nx + (p.y-my)*ny } // <= 0: a's side
	var out []xy
	for i := range poly {
		p, q := poly[i], poly[(i+1)%len(poly)]
		sp, sq := side(p), side(q)
		if sp <= 0 {
			out = append(out, p)
		}
		if (sp <= 0) != (sq <= 0) {
			t := sp / (sp - sq)
			out = append(out, xy{p.x + t*(q.x-p.x), p.y + t*(q.y-p.y)})
		}
	}
	return out
}

func shapeOf(poly []xy, site xy) shape {
	var b strings.Builder
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i, p := range poly {
		if i == 0 {
			fmt.Fprintf(&b, "M%.1f %.1f", p.x, p.y)
		} else {
			fmt.Fprintf(&b, "L%.1f %.1f", p.x, p.y)
		}
		minX, maxX, minY, maxY = math.Min(minX, p.x), math.Max(maxX, p.x), math.Min(minY, p.y), math.Max(maxY, p.y)
	}
	b.WriteString("Z")
	return shape{path: b.String(), label: site, width: maxX - minX, height: maxY - minY}
}
