package bi

import (
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// MinPersons is the fewest persons a cell shows: a cell of fewer is
// suppressed ("<5"), every measure of it, so that no person can be
// singled out (issue 19).
const MinPersons = 5

// Cell is one cell of a pivot: its value on each axis, in the query's
// order, and its measures. Suppressed cells answer none of them.
type Cell struct {
	Keys      []string
	Persons   int64
	Rights    int64
	Payments  int64
	Decisions int64
	Claims    int64
	Amount    decimal.Decimal
	Regular   decimal.Decimal
	OneOff    decimal.Decimal
	InKind    decimal.Decimal
	DaysTotal int64 // the sum of days from filing to decision of the decisions on claims (a case fact's: in its stages)
	DaysCount int64 // how many decisions (or stages) DaysTotal sums (DaysToDecide = DaysTotal / DaysCount)
	Stages    int64 // a case fact's stages done
	Overdue   int64 // of them, done after their deadline
	// A placement fact's: the placements that ran, admitted, ended
	// (discharged or transferred out), their days, co-payment and net.
	Placements int64
	Admissions int64
	Discharges int64
	Days       int64
	Copayment  decimal.Decimal
	Net        decimal.Decimal
	Suppressed bool
	// Secondary: suppressed only so that a suppressed cell cannot be
	// found by subtracting the others from their total.
	Secondary bool
}

// Suppress marks the cells of fewer than MinPersons persons (primary), then,
// along each axis, for every line of cells that differ only on that axis
// and share an ancestor (the months of a quarter, of a year, and of all
// time; the settlements of a municipality, of its centre, and of
// Montenegro; the benefits of a group, and all benefits: each line the
// cells one cell of a coarser pivot sums), a second cell where exactly one is suppressed: that total less the
// cells shown would otherwise give it away. The second cell is the line's
// smallest shown cell (then the first by its keys). It repeats until no line
// has exactly one suppressed cell. Lines under every ancestor, not only the
// parent, so that a parent with one child (the same figure at two levels)
// gives nothing away: a group's only benefit is protected with the other
// benefits, as its group is with the other groups.
//
// The cells must be the whole crossing of the axes, sliced only by values
// of a coarser level of an axis's dimension (whole lines): so that the same
// cell is suppressed in every pivot that shows it (see Plan).
func Suppress(cells []Cell, axes []Axis) {
	for i := range cells {
		if cells[i].Persons < MinPersons {
			cells[i].Suppressed = true
		}
	}
	var lines [][]int
	for k, a := range axes {
		for _, anc := range ancestors(a) {
			lines = append(lines, linesAlong(cells, k, a, anc)...)
		}
	}
	// A cell alone in one of its lines is the figure of a coarser pivot's
	// cell (the only benefit of its group is its group's figure): hidden
	// only as a second cell, it would be read there. So it is chosen as a
	// second cell only when its line has no other.
	alone := make([]bool, len(cells))
	for _, line := range lines {
		if len(line) == 1 {
			alone[line[0]] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, line := range lines {
			if protectLine(cells, alone, line) {
				changed = true
			}
		}
	}
}

// ancestors are the figures a value of the axis is summed into by
// coarser pivots, each named by its level: the coarser levels of its
// dimension (a month's quarter and year), a place's centre (the
// organisation's pivot sums the municipalities its centre covers), then
// "" (the whole: Montenegro, every benefit, all time).
func ancestors(a Axis) []string {
	var out []string
	for up, ok := a.Up(); ok; up, ok = up.Up() {
		out = append(out, up.Level)
	}
	if a.Dimension == Geography {
		out = append(out, "centre")
	}
	return append(out, "")
}

// ancestorOf is v's ancestor named anc (see ancestors).
func ancestorOf(a Axis, v, anc string) string {
	switch anc {
	case "":
		return ""
	case "centre":
		c, _ := domain.CentreFor(Ancestor(a, v, "municipality"))
		return c.ID
	}
	return Ancestor(a, v, anc)
}

// linesAlong groups the cells' indexes by every key but the axis's and by
// the axis value's ancestor anc, in a stable order.
func linesAlong(cells []Cell, k int, a Axis, anc string) [][]int {
	byRest := map[string][]int{}
	var order []string
	for i, c := range cells {
		rest := make([]string, 0, len(c.Keys)+1)
		for j, v := range c.Keys {
			if j != k {
				rest = append(rest, v)
			}
		}
		rest = append(rest, ancestorOf(a, c.Keys[k], anc))
		key := strings.Join(rest, "\x00")
		if _, ok := byRest[key]; !ok {
			order = append(order, key)
		}
		byRest[key] = append(byRest[key], i)
	}
	sort.Strings(order)
	lines := make([][]int, len(order))
	for i, key := range order {
		lines[i] = byRest[key]
	}
	return lines
}

// protectLine suppresses the smallest shown cell of a line with exactly
// one suppressed cell, one not alone in another line if there is one; it
// says whether it did.
func protectLine(cells []Cell, alone []bool, line []int) bool {
	suppressed, pick := 0, -1
	better := func(i, j int) bool { // i a better second cell than j
		if alone[i] != alone[j] {
			return !alone[i]
		}
		if cells[i].Persons != cells[j].Persons {
			return cells[i].Persons < cells[j].Persons
		}
		return strings.Join(cells[i].Keys, "\x00") < strings.Join(cells[j].Keys, "\x00")
	}
	for _, i := range line {
		if cells[i].Suppressed {
			suppressed++
			continue
		}
		if pick < 0 || better(i, pick) {
			pick = i
		}
	}
	if suppressed != 1 || pick < 0 {
		return false
	}
	cells[pick].Suppressed, cells[pick].Secondary = true, true
	return true
}
