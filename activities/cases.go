package activities

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// RecordCase writes one step of a case (its row, and an event, a stage
// run or a tracking item) in one transaction; retried, it changes nothing
// more.
func (a *Activities) RecordCase(ctx context.Context, r store.CaseRecord) error {
	return asTemporal(a.DB.RecordCase(ctx, r))
}

// NextCaseNumber gives a new case number (for a sub-procedure).
func (a *Activities) NextCaseNumber(ctx context.Context, year int) (string, error) {
	return a.DB.NextCaseNumber(ctx, year)
}

// TransferCaseInput moves a case to another centre.
type TransferCaseInput struct {
	Number, WorkflowID, CentreID string
}

// TransferCase moves the case and its open tasks to the new centre.
func (a *Activities) TransferCase(ctx context.Context, in TransferCaseInput) error {
	return asTemporal(a.DB.TransferCase(ctx, in.Number, in.WorkflowID, in.CentreID))
}

// IssueCaseDecisionInput is an approved decision of a case.
type IssueCaseDecisionInput struct {
	CaseNumber  string
	Seq         int // the case's n-th decision: issuing it again returns the first
	CentreID    string
	Procedure   string // the procedure's name
	LegalBasis  string
	Kind        string
	KindName    string
	Reasoning   string
	Disposition string
	PreparedBy  string
	ApprovedBy  string
	IssuedAt    time.Time
}

// IssueCaseDecisionResult identifies the issued decision and its document.
type IssueCaseDecisionResult struct {
	DecisionID, Number, SHA256 string
}

// IssueCaseDecision numbers the decision from the centre's counter,
// renders it as a PDF into the object store and records both.
func (a *Activities) IssueCaseDecision(ctx context.Context, in IssueCaseDecisionInput) (IssueCaseDecisionResult, error) {
	c, err := a.DB.CaseByNumber(ctx, in.CaseNumber)
	if err != nil {
		return IssueCaseDecisionResult{}, asTemporal(err)
	}
	d, err := a.DB.IssueCaseDecision(ctx, store.CaseDecision{CaseNumber: in.CaseNumber, Seq: in.Seq, Kind: in.Kind, Reasoning: in.Reasoning,
		PreparedBy: in.PreparedBy, ApprovedBy: in.ApprovedBy, IssuedAt: in.IssuedAt}, in.CentreID,
		func(d store.CaseDecision) (string, string, error) {
			pdf, err := renderCaseDecision(c, d, in)
			if err != nil {
				return "", "", err
			}
			return a.putDecisionPDF(ctx, d.ID, d.IssuedAt.Year(), pdf)
		})
	if err != nil {
		return IssueCaseDecisionResult{}, asTemporal(err)
	}
	if err := a.registerCarers(ctx, in, d.ID); err != nil {
		return IssueCaseDecisionResult{}, asTemporal(err)
	}
	return IssueCaseDecisionResult{DecisionID: d.ID, Number: d.Number, SHA256: d.DocumentSHA256}, nil
}

// putDecisionPDF keeps a decision's document in the object store, under
// decisions/<year>/<id>.pdf (every kind of decision), and returns its key
// and SHA-256.
func (a *Activities) putDecisionPDF(ctx context.Context, id string, year int, pdf []byte) (key, sha string, err error) {
	key = fmt.Sprintf("decisions/%d/%s.pdf", year, id)
	sha, err = a.Objects.Put(ctx, key, "application/pdf", pdf)
	return key, sha, err
}

// keptDecision is a first-instance decision about a claim or a right
// whose document is rendered and kept once (keepDecisionPDF).
type keptDecision struct {
	ID          string
	Year        int
	Key, SHA256 string // the document stored before ("" when none)
	// set records the stored document's key and SHA-256 on the decision.
	set func(ctx context.Context, id, key, sha string) error
}

// keepDecisionPDF renders a decision's document and keeps it (the object
// store, then the decision's row), once: a decision whose document was
// stored before (a retry) keeps it as it was hashed. Returns the SHA-256.
func (a *Activities) keepDecisionPDF(ctx context.Context, d keptDecision, render func() ([]byte, error)) (string, error) {
	if d.Key != "" && d.SHA256 != "" {
		return d.SHA256, nil
	}
	pdf, err := render()
	if err != nil {
		return "", err
	}
	key, sha, err := a.putDecisionPDF(ctx, d.ID, d.Year, pdf)
	if err != nil {
		return "", err
	}
	if err := d.set(ctx, d.ID, key, sha); err != nil {
		return "", err
	}
	return sha, nil
}

// kept is a store.Decision as keepDecisionPDF keeps its document.
func (a *Activities) kept(d store.Decision) keptDecision {
	return keptDecision{ID: d.ID, Year: d.Year, Key: d.DocumentKey, SHA256: d.DocumentSHA256, set: a.DB.SetDecisionDocument}
}

// document is an A4 page in the fonts of the decisions (DejaVu, with the
// Montenegrin letters; a core font and transliteration without them).
type document struct {
	pdf    *fpdf.Fpdf
	family string
	text   func(string) string
}

func newDocument(title string, at time.Time) *document {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(at)
	pdf.SetModificationDate(at)
	pdf.SetTitle(title, true)
	d := &document{pdf: pdf, family: "Helvetica", text: transliterate.Replace}
	if regular, err := os.ReadFile(fontRegular); err == nil {
		if bold, err := os.ReadFile(fontBold); err == nil {
			pdf.AddUTF8FontFromBytes("DejaVu", "", regular)
			pdf.AddUTF8FontFromBytes("DejaVu", "B", bold)
			d.family, d.text = "DejaVu", func(s string) string { return s }
		}
	}
	pdf.SetMargins(20, 20, 20)
	pdf.AddPage()
	return d
}

func (d *document) write(style string, size, h float64, s string) {
	d.pdf.SetFont(d.family, style, size)
	d.pdf.MultiCell(0, h, d.text(s), "", "L", false)
}

func (d *document) bytes() ([]byte, error) {
	var buf bytes.Buffer
	err := d.pdf.Output(&buf)
	return buf.Bytes(), err
}

// letterhead starts a decision of a centre: the state, the ministry, the centre.
func (d *document) letterhead(centreID string) {
	name := centreID
	if ce, ok := domain.CentreByID(centreID); ok {
		name = ce.Name
	}
	d.write("B", 11, 5, "Crna Gora\nMinistarstvo socijalnog staranja, brige o porodici i demografije\n"+name)
	d.pdf.Ln(2)
}

// signOff ends a decision: the legal remedy and who prepared and approved it.
func (d *document) signOff(preparedBy, approvedBy string) {
	d.pdf.Ln(4)
	d.write("", 10, 5, "Uputstvo o pravnom sredstvu: protiv ovog rješenja može se izjaviti žalba Ministarstvu u roku od 15 dana od dana prijema, preko ovog centra.")
	d.pdf.Ln(6)
	d.write("", 10, 5, fmt.Sprintf("Pripremio/la: %s\nOdobrio/la: %s", userName(preparedBy), userName(approvedBy)))
}

func renderCaseDecision(c store.Case, d store.CaseDecision, in IssueCaseDecisionInput) ([]byte, error) {
	doc := newDocument("Rješenje "+d.Number, d.IssuedAt)
	doc.pdf.SetKeywords(fmt.Sprintf("decision=%s case=%s kind=%s", d.Number, c.Number, d.Kind), false)
	doc.letterhead(in.CentreID)
	doc.write("", 10, 5, fmt.Sprintf("Broj: %s\nDatum: %s\nPredmet: %s (%s)", d.Number, d.IssuedAt.Format("02.01.2006."), c.Number, in.Procedure))
	doc.pdf.Ln(4)
	doc.write("", 10, 5, "Na osnovu "+in.LegalBasis+", donosi se")
	doc.pdf.Ln(3)
	doc.pdf.SetFont(doc.family, "B", 14)
	doc.pdf.CellFormat(0, 8, doc.text("R J E Š E N J E"), "", 1, "C", false, 0, "")
	doc.write("B", 11, 6, in.KindName)
	for _, p := range c.Persons {
		doc.write("", 10, 5, fmt.Sprintf("%s: %s", p.Role, p.Name))
	}
	if in.Disposition != "" {
		doc.pdf.Ln(2)
		doc.write("", 11, 6, in.Disposition)
	}
	doc.pdf.Ln(3)
	doc.write("B", 11, 6, "O b r a z l o ž e nj e")
	doc.write("", 10, 5, in.Reasoning)
	doc.signOff(d.PreparedBy, d.ApprovedBy)
	out, err := doc.bytes()
	if err != nil {
		return nil, fmt.Errorf("render decision %s: %w", d.Number, err)
	}
	return out, nil
}

// The case's records, as the Case workflow writes them (workflows do not
// import the store).
type (
	CaseRecord   = store.CaseRecord
	CaseRow      = store.Case
	CasePerson   = store.CasePerson
	CaseEvent    = store.CaseEvent
	CaseStage    = store.CaseStage
	TrackingItem = store.TrackingItem
)
