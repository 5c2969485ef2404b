package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/electricity"
	"github.com/karton-social/karton/interop/counterpart"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/store"
)

// Electricity is the power utility's endpoint for the subsidy's lists.
type Electricity = counterpart.Electricity

// ElectricityMonth names a month's list of the electricity subsidy.
type ElectricityMonth struct {
	Month      string // YYYY-MM
	WorkflowID string
}

// ElectricityList is a month's list as prepared: its file's SHA-256 and
// its households by category (no one's data).
type ElectricityList struct {
	SHA256     string
	Households int
	Counts     map[string]int
	State      string
}

// PrepareElectricityList draws the month's list from the rights in force
// on its first day (one line a household, domain/electricity), writes its
// CSV to the object store and records it. A month with a list keeps it:
// a retry, or a second run, returns the list recorded first.
func (a *Activities) PrepareElectricityList(ctx context.Context, in ElectricityMonth) (ElectricityList, error) {
	m, err := domain.ParseMonth(in.Month)
	if err != nil {
		return ElectricityList{}, asTemporal(err)
	}
	if e, err := a.DB.ElectricityExportOf(ctx, m.First()); err == nil {
		return listOf(e), nil
	} else if domain.ErrorCode(err) != domain.CodeNotFound {
		return ElectricityList{}, err
	}
	hs, err := a.DB.ElectricityHoldings(ctx, m.First())
	if err != nil {
		return ElectricityList{}, err
	}
	lines := electricity.Households(hs)
	data := electricity.WriteList(in.Month, lines)
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	key := fmt.Sprintf("electricity/%s/list-%s.csv", in.Month, sha[:16])
	if _, err := a.Objects.Put(ctx, key, "text/csv; charset=utf-8", data); err != nil {
		return ElectricityList{}, fmt.Errorf("store electricity list %s: %w", in.Month, err)
	}
	e, _, err := a.DB.SaveElectricityList(ctx, store.ElectricityExport{Month: m.First(), WorkflowID: in.WorkflowID, State: "preparing",
		ListKey: key, ListSHA256: sha, Counts: electricity.Counts(lines), PreparedAt: a.Now()}, lines)
	if err != nil {
		return ElectricityList{}, err
	}
	if activity.IsActivity(ctx) {
		activity.GetLogger(ctx).Info("electricity list prepared", "month", in.Month, "households", e.Households, "sha256", e.ListSHA256)
	}
	return listOf(e), nil
}

func listOf(e store.ElectricityExport) ElectricityList {
	return ElectricityList{SHA256: e.ListSHA256, Households: e.Households, Counts: e.Counts, State: e.State}
}

// SetElectricityStateInput is where a month's list stands and who
// submitted and approved it ("" keeps what is recorded).
type SetElectricityStateInput struct {
	Month       string
	State       string
	SubmittedBy string
	ApprovedBy  string
}

// SetElectricityState records the list's state for the API.
func (a *Activities) SetElectricityState(ctx context.Context, in SetElectricityStateInput) error {
	m, err := domain.ParseMonth(in.Month)
	if err != nil {
		return asTemporal(err)
	}
	return asTemporal(a.DB.SetElectricityState(ctx, m.First(), in.State, in.SubmittedBy, in.ApprovedBy))
}

// SendElectricityInput is the approved list to send: its month and the
// SHA-256 the second officer approved.
type SendElectricityInput struct {
	Month  string
	SHA256 string
}

// ElectricityOutcome is what came of a list: whether the company's
// discounts are in, the answer's SHA-256, and the reconciliation's counts
// (no one's data). Problems counts the faults of an answer that could not
// be read (then nothing of it was imported and the file is to be uploaded).
type ElectricityOutcome struct {
	Answered     bool
	AnswerSHA256 string
	Sent         int
	Discounted   int
	Mismatches   int
	Problems     int
}

// SendElectricityList sends the approved list to the company once and
// imports the discounts it answers. The file sent is the one approved:
// read back from the object store and checked against the approved
// SHA-256 (a file changed since is refused, not sent). The company takes
// a list once by its Idempotency-Key (month and SHA-256), so a retry after
// a crash gets the same answer; an answer imported already is not sent for
// again.
func (a *Activities) SendElectricityList(ctx context.Context, in SendElectricityInput) (ElectricityOutcome, error) {
	m, err := domain.ParseMonth(in.Month)
	if err != nil {
		return ElectricityOutcome{}, asTemporal(err)
	}
	e, err := a.DB.ElectricityExportOf(ctx, m.First())
	if err != nil {
		return ElectricityOutcome{}, asTemporal(err)
	}
	if e.AnswerSHA256 != "" {
		return a.electricityOutcome(ctx, m, e.AnswerSHA256)
	}
	data, err := a.Objects.Get(ctx, e.ListKey)
	if err != nil {
		return ElectricityOutcome{}, fmt.Errorf("read electricity list %s: %w", in.Month, err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != in.SHA256 || e.ListSHA256 != in.SHA256 {
		return ElectricityOutcome{}, asTemporal(domain.Errorf(domain.CodeConflict, "the list of %s is not the file approved (SHA-256 %s)", in.Month, in.SHA256))
	}
	answer, err := a.Electricity.SendList(ctx, "electricity/"+in.Month+"/"+in.SHA256, data)
	if err != nil {
		return ElectricityOutcome{}, err // retried: the company takes the list once by its key
	}
	if err := a.DB.MarkElectricitySent(ctx, m.First(), a.Now()); err != nil {
		return ElectricityOutcome{}, err
	}
	if answer.Discounts == nil {
		return ElectricityOutcome{}, nil // the company answers later: the file is uploaded
	}
	res, err := ImportElectricityAnswer(ctx, a.DB, a.Objects, in.Month, answer.Discounts, "epcg", a.Now)
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.CodeInvalid {
		if activity.IsActivity(ctx) {
			activity.GetLogger(ctx).Warn("electricity answer refused", "month", in.Month, "problems", len(de.Fields))
		}
		return ElectricityOutcome{Problems: max(1, len(de.Fields))}, nil
	}
	return res, asTemporal(err)
}

func (a *Activities) electricityOutcome(ctx context.Context, m domain.Month, sha string) (ElectricityOutcome, error) {
	r, err := ElectricityReport(ctx, a.DB, m)
	if err != nil {
		return ElectricityOutcome{}, err
	}
	return ElectricityOutcome{Answered: true, AnswerSHA256: sha, Sent: r.Sent, Discounted: r.Discounted, Mismatches: len(r.Mismatches)}, nil
}

// ImportElectricityAnswer reads the company's file of discounts for month
// and imports it whole or not at all: a file with faults is CodeInvalid
// listing every one (electricity.ParseDiscounts) and nothing is written;
// a good file is kept in the object store and its discounts recorded once
// by its SHA-256 (store.ImportElectricityDiscounts). The API's upload and
// SendElectricityList both import through it.
func ImportElectricityAnswer(ctx context.Context, db *store.DB, objs *objects.Store, month string, data []byte, by string, now func() time.Time) (ElectricityOutcome, error) {
	m, err := domain.ParseMonth(month)
	if err != nil {
		return ElectricityOutcome{}, err
	}
	ds, err := electricity.ParseDiscounts(data, month)
	if err != nil {
		return ElectricityOutcome{}, err
	}
	if objs == nil {
		return ElectricityOutcome{}, domain.Errorf(domain.CodeUnavailable, "the object store is not configured: the company's file cannot be kept")
	}
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	key := fmt.Sprintf("electricity/%s/discounts-%s.csv", month, sha[:16])
	if _, err := objs.Put(ctx, key, "text/csv; charset=utf-8", data); err != nil {
		return ElectricityOutcome{}, fmt.Errorf("store electricity discounts %s: %w", month, err)
	}
	if _, err := db.ImportElectricityDiscounts(ctx, m.First(), sha, key, by, now(), ds); err != nil {
		return ElectricityOutcome{}, err
	}
	r, err := ElectricityReport(ctx, db, m)
	if err != nil {
		return ElectricityOutcome{}, err
	}
	return ElectricityOutcome{Answered: true, AnswerSHA256: sha, Sent: r.Sent, Discounted: r.Discounted, Mismatches: len(r.Mismatches)}, nil
}

// ElectricityReport reconciles the month's list as sent with the
// discounts imported.
func ElectricityReport(ctx context.Context, db *store.DB, m domain.Month) (electricity.Report, error) {
	sent, err := db.ElectricityLines(ctx, m.First())
	if err != nil {
		return electricity.Report{}, err
	}
	ds, err := db.ElectricityDiscounts(ctx, m.First())
	if err != nil {
		return electricity.Report{}, err
	}
	lines := make([]electricity.Line, len(sent))
	for i, l := range sent {
		lines[i] = l.Line
	}
	return electricity.Reconcile(lines, ds), nil
}
