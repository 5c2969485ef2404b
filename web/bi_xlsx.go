package web

import (
	"strings"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/karton-social/karton/domain/bi"
)

// pivotXLSX is a pivot as an Excel workbook (issue 19), written with
// excelize: one sheet whose first row names the query (its facts, axes and
// filters), the second when it was read and what "<5" means, then the
// table: a column per axis with the members' names, a column per measure,
// numbers as numbers (amounts to the cent), a suppressed cell's measures
// as the text "<5". The header row stays in view while scrolling.
func pivotXLSX(lang string, q biQuery, p biPivot) ([]byte, error) {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }() // in memory: nothing to lose
	sheet := t(lang, "bi_sheet")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	title := t(lang, "app") + " · " + biTitle(lang, p)
	var filters []string
	for _, c := range biChips(lang, q, p) {
		filters = append(filters, c.Label+": "+c.Values)
	}
	if len(filters) > 0 {
		title += " · " + strings.Join(filters, "; ")
	}
	asOf := p.AsOf.In(montenegro)
	note := tf(lang, "bi_xlsx_as_of", datetime(lang, asOf)) + " " + tf(lang, "bi_suppressed_note", bi.MinPersons)
	styles, err := xlsxStyles(f)
	if err != nil {
		return nil, err
	}
	set := func(col, row int, v any, style int) error {
		cell, err := excelize.CoordinatesToCellName(col, row)
		if err == nil {
			err = f.SetCellValue(sheet, cell, v)
		}
		if err == nil && style != 0 {
			err = f.SetCellStyle(sheet, cell, cell, style)
		}
		return err
	}
	if err := set(1, 1, title, styles.title); err != nil {
		return nil, err
	}
	if err := set(1, 2, note, 0); err != nil {
		return nil, err
	}
	const head = 4
	col := 1
	for _, a := range p.Axes {
		if err := set(col, head, a.Label, styles.head); err != nil {
			return nil, err
		}
		col++
	}
	for _, m := range p.Measures {
		if err := set(col, head, m.Label, styles.headNum); err != nil {
			return nil, err
		}
		col++
	}
	for i, cell := range p.Cells {
		row := head + 1 + i
		col := 1
		for _, l := range cell.Labels {
			if err := set(col, row, l, 0); err != nil {
				return nil, err
			}
			col++
		}
		for _, m := range p.Measures {
			v, style := xlsxValue(cell.Values[m.Measure], bi.Measure(m.Measure), styles)
			if err := set(col, row, v, style); err != nil {
				return nil, err
			}
			col++
		}
	}
	if n := len(p.Axes); n > 0 {
		last, _ := excelize.ColumnNumberToName(n)
		if err := f.SetColWidth(sheet, "A", last, 34); err != nil {
			return nil, err
		}
	}
	if len(p.Measures) > 0 {
		first, _ := excelize.ColumnNumberToName(len(p.Axes) + 1)
		last, _ := excelize.ColumnNumberToName(len(p.Axes) + len(p.Measures))
		if err := f.SetColWidth(sheet, first, last, 18); err != nil {
			return nil, err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: head, TopLeftCell: "A5", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: title, Creator: t(lang, "app"), Language: map[string]string{"cnr": "sr-Latn-ME", "en": "en"}[lang]}); err != nil {
		return nil, err
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type xlsxStyleIDs struct{ title, head, headNum, money, count, days, suppressed int }

func xlsxStyles(f *excelize.File) (xlsxStyleIDs, error) {
	var s xlsxStyleIDs
	days := "0.0"
	under := []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}
	for _, x := range []struct {
		id    *int
		style excelize.Style
	}{
		{&s.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}}},
		{&s.head, excelize.Style{Font: &excelize.Font{Bold: true}, Border: under}},
		{&s.headNum, excelize.Style{Font: &excelize.Font{Bold: true}, Border: under, Alignment: &excelize.Alignment{Horizontal: "right"}}},
		{&s.money, excelize.Style{NumFmt: 4}}, // #,##0.00
		{&s.count, excelize.Style{NumFmt: 3}}, // #,##0
		{&s.days, excelize.Style{CustomNumFmt: &days}},
		{&s.suppressed, excelize.Style{Alignment: &excelize.Alignment{Horizontal: "right"}}},
	} {
		id, err := f.NewStyle(&x.style)
		if err != nil {
			return s, err
		}
		*x.id = id
	}
	return s, nil
}

// xlsxValue is a measure's cell: a number with its format, or the text
// as the API gave it ("<5", or nothing).
func xlsxValue(v string, m bi.Measure, s xlsxStyleIDs) (any, int) {
	if strings.HasPrefix(v, "<") {
		return v, s.suppressed
	}
	d, err := decimal.NewFromString(v)
	if err != nil {
		return v, 0
	}
	n := d.InexactFloat64() // a spreadsheet's numbers are doubles: exact to the cent up to 2^53 cents
	switch m {
	case bi.Amount, bi.AmountRegular, bi.AmountOneOff, bi.AmountInKind, bi.Copayment, bi.Net:
		return n, s.money
	case bi.DaysToDecide:
		return n, s.days
	}
	return d.IntPart(), s.count
}
