package bi

import (
	"sort"
	"strings"

	"github.com/shopspring/decimal"
)

// MinPersons is the fewest persons a cell shows: a cell of fewer is
// suppressed ("<5"), every measure of it, so that no person can be
// singled out (issue 19).
const MinPersons = 5

// Cell is one cell of a pivot: its value on each axis, in the query's
// order, and its measures. Suppressed cells answer none of them.
type Cell struct {
	Keys       []string
	Persons    int64
	Rights     int64
	Payments   int64
	Decisions  int64
	Claims     int64
	Amount     decimal.Decimal
	Regular    decimal.Decimal
	OneOff     decimal.Decimal
	InKind     decimal.Decimal
	DaysTotal  int64 // the sum of days from filing to decision of the decisions on claims (a case fact's: in its stages)
	DaysCount  int64 // how many decisions (or stages) DaysTotal sums (DaysToDecide = DaysTotal / DaysCount)
	Stages     int64 // a case fact's stages done
	Overdue    int64 // of them, done after their deadline
	Suppressed bool
	// Secondary: suppressed only so that a suppressed cell cannot be
	// found by subtracting the others from their total.
	Secondary bool
}

// Suppress marks the cells of fewer than MinPersons persons (primary), then,
// along each axis, for every line of cells that differ only on that axis
// and share its parent (the months of a quarter, the settlements of a
// municipality, the benefits of a group: the cells one cell of the coarser
// pivot sums), a second cell where exactly one is suppressed: that total
// less the cells shown would otherwise give it away. The second cell is the
// line's smallest shown cell (then the first by its keys). It repeats until
// no line has exactly one suppressed cell.
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
	for changed := true; changed; {
		changed = false
		for k, a := range axes {
			for _, line := range linesAlong(cells, k, a) {
				if protectLine(cells, line) {
					changed = true
				}
			}
		}
	}
}

// linesAlong groups the cells' indexes by every key but the axis's and by
// the axis value's parent, in a stable order.
func linesAlong(cells []Cell, k int, a Axis) [][]int {
	byRest := map[string][]int{}
	var order []string
	for i, c := range cells {
		rest := make([]string, 0, len(c.Keys)+1)
		for j, v := range c.Keys {
			if j != k {
				rest = append(rest, v)
			}
		}
		rest = append(rest, Parent(a, c.Keys[k]))
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
// one suppressed cell; it says whether it did.
func protectLine(cells []Cell, line []int) bool {
	suppressed, smallest := 0, -1
	for _, i := range line {
		if cells[i].Suppressed {
			suppressed++
			continue
		}
		if smallest < 0 || cells[i].Persons < cells[smallest].Persons ||
			(cells[i].Persons == cells[smallest].Persons && strings.Join(cells[i].Keys, "\x00") < strings.Join(cells[smallest].Keys, "\x00")) {
			smallest = i
		}
	}
	if suppressed != 1 || smallest < 0 {
		return false
	}
	cells[smallest].Suppressed, cells[smallest].Secondary = true, true
	return true
}
