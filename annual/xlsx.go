package annual

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// XLSX renders the report as a workbook written with excelize: a sheet a
// table, each opening with a title row (the report, the centre, the year),
// the table's title and the day it was made, then the header and the rows,
// figures as numbers (amounts to the cent), "<5" as text, the note on
// suppression under the rows.
func XLSX(r Report) ([]byte, error) {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }() // in memory: nothing to lose
	st, err := xlsxStyles(f)
	if err != nil {
		return nil, err
	}
	for i, t := range r.Tables {
		sheet := t.Sheet
		if i == 0 {
			err = f.SetSheetName("Sheet1", sheet)
		} else {
			_, err = f.NewSheet(sheet)
		}
		if err != nil {
			return nil, err
		}
		if err := writeTable(f, sheet, r, t, st); err != nil {
			return nil, fmt.Errorf("annual: sheet %s: %w", sheet, err)
		}
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: fmt.Sprintf("%s · %s · %d", r.Title, r.Centre, r.Year),
		Creator: "Karton", Language: "sr-Latn-ME", Created: r.Made.UTC().Format("2006-01-02T15:04:05Z")}); err != nil {
		return nil, err
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// headRow is the row of the columns' names; the rows follow it.
const headRow = 4

func writeTable(f *excelize.File, sheet string, r Report, t Table, st styles) error {
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
	if err := set(1, 1, fmt.Sprintf("%s · %s · %d", r.Title, r.Centre, r.Year), st.title); err != nil {
		return err
	}
	if err := set(1, 2, fmt.Sprintf("%d. %s · %s", t.Number, t.Title, r.Subtitle), st.subtitle); err != nil {
		return err
	}
	for i, c := range t.Columns {
		style := st.head
		if c.Numeric {
			style = st.headNum
		}
		if err := set(i+1, headRow, c.Name, style); err != nil {
			return err
		}
	}
	row := headRow + 1
	if len(t.Rows) == 0 {
		if err := set(1, row, t.Empty, 0); err != nil {
			return err
		}
		row++
	}
	for _, values := range t.Rows {
		for i, v := range values {
			var x any = v.Text
			style := 0
			switch v.Kind {
			case Count:
				x, style = v.Number.IntPart(), st.count
			case Money:
				x, style = v.Number.InexactFloat64(), st.money // a double: exact to the cent up to 2^53 cents
			case Days:
				x, style = v.Number.InexactFloat64(), st.days
			case Suppressed:
				style = st.suppressed
			}
			if err := set(i+1, row, x, style); err != nil {
				return err
			}
		}
		row++
	}
	if err := set(1, row+1, r.Note, st.note); err != nil {
		return err
	}
	last, _ := excelize.ColumnNumberToName(max(len(t.Columns), 1))
	if err := f.MergeCell(sheet, fmt.Sprintf("A%d", row+1), fmt.Sprintf("%s%d", last, row+1)); err != nil {
		return err
	}
	if err := f.SetRowHeight(sheet, row+1, 75); err != nil {
		return err
	}
	for i, c := range t.Columns {
		name, _ := excelize.ColumnNumberToName(i + 1)
		w := 34.0
		if c.Numeric {
			w = 20
		}
		if err := f.SetColWidth(sheet, name, name, w); err != nil {
			return err
		}
	}
	return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: headRow, TopLeftCell: fmt.Sprintf("A%d", headRow+1), ActivePane: "bottomLeft"})
}

type styles struct{ title, subtitle, head, headNum, count, money, days, suppressed, note int }

func xlsxStyles(f *excelize.File) (styles, error) {
	var s styles
	days := "0.0"
	under := []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}
	for _, x := range []struct {
		id    *int
		style excelize.Style
	}{
		{&s.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}}},
		{&s.subtitle, excelize.Style{Font: &excelize.Font{Bold: true}}},
		{&s.head, excelize.Style{Font: &excelize.Font{Bold: true}, Border: under, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{&s.headNum, excelize.Style{Font: &excelize.Font{Bold: true}, Border: under, Alignment: &excelize.Alignment{Horizontal: "right", WrapText: true, Vertical: "top"}}},
		{&s.count, excelize.Style{NumFmt: 3}}, // #,##0
		{&s.money, excelize.Style{NumFmt: 4}}, // #,##0.00
		{&s.days, excelize.Style{CustomNumFmt: &days}},
		{&s.suppressed, excelize.Style{Alignment: &excelize.Alignment{Horizontal: "right"}}},
		{&s.note, excelize.Style{Font: &excelize.Font{Size: 9, Italic: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
	} {
		id, err := f.NewStyle(&x.style)
		if err != nil {
			return s, err
		}
		*x.id = id
	}
	return s, nil
}
