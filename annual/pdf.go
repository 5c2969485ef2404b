package annual

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/go-pdf/fpdf"
)

// Fonts with the Latin letters of Montenegrin (č ć š ž đ), as the
// decisions use them (Debian's fonts-dejavu-core). Without them the PDF
// falls back to a core font and transliterates.
var (
	fontRegular = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	fontBold    = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
)

var transliterate = strings.NewReplacer("č", "c", "ć", "c", "š", "s", "ž", "z", "đ", "dj", "Č", "C", "Ć", "C", "Š", "S", "Ž", "Z", "Đ", "Dj",
	"„", "\"", "“", "\"", "–", "-", "·", "-")

// compress packs the pages' content (a test reads it unpacked).
var compress = true

// Page geometry (A4 portrait, mm).
const (
	margin   = 20.0
	width    = 210.0 - 2*margin
	numWidth = 30.0 // a column of figures
	lineH    = 4.6
)

type pdfDoc struct {
	pdf    *fpdf.Fpdf
	family string
	text   func(string) string
}

// PDF renders the report on A4 pages: the title, each table with its
// header repeated on a new page, the note on suppression, the pages
// numbered.
func PDF(r Report) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(compress)
	pdf.SetCreationDate(r.Made)
	pdf.SetModificationDate(r.Made)
	d := &pdfDoc{pdf: pdf, family: "Helvetica", text: transliterate.Replace}
	if regular, err := os.ReadFile(fontRegular); err == nil {
		if bold, err := os.ReadFile(fontBold); err == nil {
			pdf.AddUTF8FontFromBytes("DejaVu", "", regular)
			pdf.AddUTF8FontFromBytes("DejaVu", "B", bold)
			d.family, d.text = "DejaVu", func(s string) string { return s }
		}
	}
	pdf.SetTitle(d.text(r.Title+" · "+r.Centre+" · "+fmt.Sprint(r.Year)), d.family == "DejaVu")
	pdf.SetAuthor(d.text("Ministarstvo socijalnog staranja, brige o porodici i demografije"), d.family == "DejaVu")
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, margin)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont(d.family, "", 8)
		pdf.CellFormat(width/2, 5, d.text(fmt.Sprintf("%s · %d", r.Centre, r.Year)), "", 0, "L", false, 0, "")
		pdf.CellFormat(width/2, 5, d.text(fmt.Sprintf("Strana %d od {nb}", pdf.PageNo())), "", 0, "R", false, 0, "")
	})
	pdf.AddPage()

	d.write("B", 10, 5, "Crna Gora\nMinistarstvo socijalnog staranja, brige o porodici i demografije")
	pdf.Ln(6)
	d.write("B", 15, 7, r.Title)
	d.write("B", 13, 7, r.Centre)
	d.write("", 10, 5, r.Subtitle)
	pdf.Ln(4)
	for _, t := range r.Tables {
		d.table(t)
	}
	d.ensure(20)
	d.write("", 8, 3.8, r.Note)
	if err := pdf.Error(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (d *pdfDoc) write(style string, size, h float64, s string) {
	d.pdf.SetFont(d.family, style, size)
	d.pdf.MultiCell(0, h, d.text(s), "", "L", false)
}

// ensure starts a new page unless h mm are left on this one.
func (d *pdfDoc) ensure(h float64) bool {
	_, pageH := d.pdf.GetPageSize()
	if d.pdf.GetY()+h <= pageH-margin {
		return false
	}
	d.pdf.AddPage()
	return true
}

// widths: every column of figures numWidth, the columns of names share
// the rest.
func widths(cols []Column) []float64 {
	names := 0
	for _, c := range cols {
		if !c.Numeric {
			names++
		}
	}
	out := make([]float64, len(cols))
	rest := width - numWidth*float64(len(cols)-names)
	for i, c := range cols {
		out[i] = numWidth
		if !c.Numeric {
			out[i] = rest / float64(names)
		}
	}
	return out
}

func (d *pdfDoc) table(t Table) {
	ws := widths(t.Columns)
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = c.Name
	}
	d.ensure(30) // the title, the header and a row or two together
	d.write("B", 11, 6, fmt.Sprintf("%d. %s", t.Number, t.Title))
	d.pdf.Ln(1)
	d.row(ws, t.Columns, header, "B", true)
	if len(t.Rows) == 0 {
		d.pdf.SetFont(d.family, "", 9)
		d.pdf.CellFormat(width, 6, d.text(t.Empty), "1", 1, "L", false, 0, "")
	}
	for _, r := range t.Rows {
		texts := make([]string, len(r))
		for i, v := range r {
			texts[i] = v.Text
		}
		if d.ensure(d.height(ws, texts, "")) {
			d.row(ws, t.Columns, header, "B", true) // the header again on the new page
		}
		d.row(ws, t.Columns, texts, "", false)
	}
	d.pdf.Ln(6)
}

// height is a row's height: its tallest cell's lines.
func (d *pdfDoc) height(ws []float64, texts []string, style string) float64 {
	d.pdf.SetFont(d.family, style, 9)
	lines := 1
	for i, s := range texts {
		lines = max(lines, len(d.pdf.SplitText(d.text(s), ws[i]-2)))
	}
	return float64(lines)*lineH + 1.4
}

// row draws a row of cells, each wrapped within its border; figures to the
// right.
func (d *pdfDoc) row(ws []float64, cols []Column, texts []string, style string, fill bool) {
	h := d.height(ws, texts, style)
	x, y := d.pdf.GetX(), d.pdf.GetY()
	d.pdf.SetFillColor(230, 234, 240)
	for i, s := range texts {
		rectStyle := "D"
		if fill {
			rectStyle = "FD"
		}
		d.pdf.Rect(x, y, ws[i], h, rectStyle)
		align := "L"
		if cols[i].Numeric {
			align = "R"
		}
		d.pdf.SetXY(x+1, y+0.7)
		d.pdf.MultiCell(ws[i]-2, lineH, d.text(s), "", align, false)
		x += ws[i]
	}
	d.pdf.SetXY(margin, y+h)
}
