package api

import (
	"context"

	"github.com/karton-social/karton/domain/bi"
)

// nameInstitutions names the institutions of a pivot of the placements
// fact (issue 22 item 6) by their names, as the other members are named
// by domain/bi: an institution's name is in the database, so bi.Label
// says only "no institution" (a family placement, one outside
// Montenegro). The pivot's cells, filters and CSV show names, never ids.
func (h *handler) nameInstitutions(ctx context.Context, v *pivotView) error {
	axis := bi.Axis{Dimension: bi.Institution, Level: "institution"}
	col := -1
	for i, a := range v.query.Axes {
		if a == axis {
			col = i
		}
	}
	named := col >= 0
	for _, f := range v.query.Filters {
		named = named || f.Axis == axis
	}
	if !named {
		return nil
	}
	names, err := h.db.InstitutionNames(ctx)
	if err != nil {
		return err
	}
	if col >= 0 {
		for i := range v.Cells {
			if n, ok := names[v.Cells[i].Keys[col]]; ok {
				v.Cells[i].Labels[col] = n
			}
		}
	}
	for i, f := range v.Filters {
		if f.Axis != axis.String() {
			continue
		}
		for j, id := range f.Values {
			if n, ok := names[id]; ok {
				v.Filters[i].Labels[j] = n
			}
		}
	}
	return nil
}
