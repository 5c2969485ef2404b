package api

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/store"
)

// The cash desk's documents, in Montenegrin as the institution issues
// them: an entry's receipt (priznanica) and a resident's monthly
// statement (izvod sa depozitnog računa). Fonts with the letters of
// Montenegrin (Debian's fonts-dejavu-core) as the decisions use them;
// without them the document falls back to a core font and transliterates.

var (
	cashFontRegular = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	cashFontBold    = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
)

var cashTransliterate = strings.NewReplacer("č", "c", "ć", "c", "š", "s", "ž", "z", "đ", "dj", "Č", "C", "Ć", "C", "Š", "S", "Ž", "Z", "Đ", "Dj", "–", "-")

type cashDoc struct {
	pdf    *fpdf.Fpdf
	family string
	text   func(string) string
}

func newCashDoc(title string, at time.Time) *cashDoc {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(at)
	pdf.SetModificationDate(at)
	d := &cashDoc{pdf: pdf, family: "Helvetica", text: cashTransliterate.Replace}
	if regular, err := os.ReadFile(cashFontRegular); err == nil {
		if bold, err := os.ReadFile(cashFontBold); err == nil {
			pdf.AddUTF8FontFromBytes("DejaVu", "", regular)
			pdf.AddUTF8FontFromBytes("DejaVu", "B", bold)
			d.family, d.text = "DejaVu", func(s string) string { return s }
		}
	}
	pdf.SetTitle(d.text(title), d.family == "DejaVu")
	pdf.SetMargins(20, 20, 20)
	pdf.AddPage()
	return d
}

func (d *cashDoc) write(style string, size, h float64, s string) {
	d.pdf.SetFont(d.family, style, size)
	d.pdf.MultiCell(0, h, d.text(s), "", "L", false)
}

// row writes cells of the widths given, the last ones right-aligned when
// numbers.
func (d *cashDoc) row(style string, widths []float64, cells []string, numeric int) {
	d.pdf.SetFont(d.family, style, 9)
	for i, c := range cells {
		align := "L"
		if i >= len(cells)-numeric {
			align = "R"
		}
		d.pdf.CellFormat(widths[i], 6, d.text(c), "B", 0, align, false, 0, "")
	}
	d.pdf.Ln(-1)
}

func (d *cashDoc) bytes() ([]byte, error) {
	var buf bytes.Buffer
	err := d.pdf.Output(&buf)
	return buf.Bytes(), err
}

// cashMoney writes an amount as Montenegro writes it: 1.234,50 EUR.
func cashMoney(a decimal.Decimal) string {
	s := a.StringFixed(2)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, cents, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	out := b.String() + "," + cents + " EUR"
	if neg {
		out = "-" + out
	}
	return out
}

var cashMonths = []string{"januar", "februar", "mart", "april", "maj", "jun", "jul", "avgust", "septembar", "oktobar", "novembar", "decembar"}

func cashReceiptPDF(institution string, a store.CashAccount, e store.CashEntry) ([]byte, error) {
	d := newCashDoc("Priznanica "+e.Receipt, e.RecordedAt)
	d.write("B", 11, 5, "Crna Gora\n"+institution)
	d.pdf.Ln(4)
	title := "PRIZNANICA O UPLATI"
	if !e.Kind.In() {
		title = "PRIZNANICA O ISPLATI"
	}
	d.write("B", 14, 8, title)
	d.write("", 10, 5, fmt.Sprintf("Broj: %s\nDatum: %s", e.Receipt, e.RecordedAt.Format("02.01.2006. 15:04")))
	d.pdf.Ln(3)
	d.write("", 10, 5, fmt.Sprintf("Korisnik: %s\nSmještaj: %s, %s, krevet %s", a.Name, a.UnitName, a.RoomName, a.BedLabel))
	d.pdf.Ln(3)
	lines := fmt.Sprintf("Vrsta: %s\nIznos: %s", CashKindName(string(e.Kind), "cnr"), cashMoney(e.Amount))
	if e.Purpose != "" {
		lines += "\nSvrha: " + e.Purpose
	}
	lines += "\nStanje depozita nakon promjene: " + cashMoney(e.BalanceAfter)
	d.write("", 10, 5, lines)
	d.pdf.Ln(6)
	sign := "Evidentirao/la (blagajnik): " + staffName(e.RecordedBy)
	if e.ApprovedBy != "" {
		sign += "\nOdobrio/la (direktor): " + staffName(e.ApprovedBy)
	}
	d.write("", 10, 5, sign+"\n\nPotpis korisnika ili staratelja: ______________________")
	return d.bytes()
}

func cashStatementDocument(institution string, s store.CashStatement, at time.Time) ([]byte, error) {
	month := fmt.Sprintf("%s %d.", cashMonths[s.Month.Month()-1], s.Month.Year())
	d := newCashDoc("Izvod sa depozitnog računa, "+month, at)
	d.write("B", 11, 5, "Crna Gora\n"+institution)
	d.pdf.Ln(4)
	d.write("B", 14, 8, "IZVOD SA DEPOZITNOG RAČUNA KORISNIKA")
	d.write("", 10, 5, fmt.Sprintf("Korisnik: %s\nSmještaj: %s, %s, krevet %s\nMjesec: %s\nIzdat: %s",
		s.Account.Name, s.Account.UnitName, s.Account.RoomName, s.Account.BedLabel, month, at.Format("02.01.2006.")))
	d.pdf.Ln(3)
	d.write("B", 10, 6, "Početno stanje: "+cashMoney(s.Opening))
	widths := []float64{22, 30, 50, 22, 22, 24}
	d.row("B", widths, []string{"Datum", "Priznanica", "Vrsta i svrha", "Uplata", "Isplata", "Stanje"}, 3)
	for _, e := range s.Entries {
		in, out := "", ""
		if e.Kind.In() {
			in = cashMoney(e.Amount)
		} else {
			out = cashMoney(e.Amount)
		}
		what := CashKindName(string(e.Kind), "cnr")
		if e.Purpose != "" {
			what += ": " + e.Purpose
		}
		if len([]rune(what)) > 34 {
			what = string([]rune(what)[:33]) + "…"
		}
		d.row("", widths, []string{e.Day.Format("02.01.2006."), e.Receipt, what, in, out, cashMoney(e.BalanceAfter)}, 3)
	}
	if len(s.Entries) == 0 {
		d.write("", 9, 6, "U ovom mjesecu nije bilo promjena.")
	}
	d.pdf.Ln(2)
	d.write("", 10, 5, fmt.Sprintf("Ukupno uplaćeno: %s\nUkupno isplaćeno: %s", cashMoney(s.In), cashMoney(s.Out)))
	d.write("B", 10, 6, "Završno stanje: "+cashMoney(s.Closing))
	if s.Account.Owed.IsPositive() {
		d.write("", 10, 5, "Dug po osnovu nenaplaćenog učešća u troškovima smještaja: "+cashMoney(s.Account.Owed))
	}
	return d.bytes()
}
