package activities

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/activity"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/counterpart"
	"github.com/karton-social/karton/interop/iso20022"
	"github.com/karton-social/karton/store"
)

// FundingAccount is the ministry's account the benefits are paid from
// (GUESS: one account; the treasury's real accounts per programme are to
// be configured).
var FundingAccount = iso20022.Party{Name: "Ministarstvo socijalnog staranja, brige o porodici i demografije", IBAN: "ME25505000012345678951", BIC: "CKBCMEPG"}

// PayrollMonth names a payroll and its month: the input of the activities
// that prepare, write, send and follow up a payroll.
type PayrollMonth struct {
	PayrollID string
	Period    string // YYYY-MM
}

// PreparePayrollResult counts what was written.
type PreparePayrollResult struct {
	New        int64
	Exceptions int
	Total      decimal.Decimal
	// Overpayments counts the months found paid above what they owe,
	// recorded (once) to be recovered by a decision.
	Overpayments int
	// Refunds counts the employers' refunds the payroll pays (issue 18).
	Refunds int
	// CostReports counts the providers' approved cost reports it pays (issue 23).
	CostReports int
}

// EndToEndID is the payment's id in the bank files: fixed per right,
// month and attempt, so a regenerated file is byte-identical and the
// bank's answers match the payment. It is "K", the month (YYYYMM) and the
// right's UUID in base32hex (order-preserving), 33 characters of the 35
// ISO 20022 allows: a month's payments, written in right order, arrive in
// id order, so the indexes on the id grow at their end instead of at
// random places. A month paid again by a later payroll (attempt n > 0: the
// n payments of that month already made, whatever became of them: a
// difference, a month the bank rejected or returned, an exception paid
// once the account is corrected) gets an id of its own: "R" and n in base
// 36 added.
func EndToEndID(entitlement string, period time.Time, attempt int) string {
	key := ""
	if u, err := uuid.Parse(entitlement); err == nil {
		key = e2eEncoding.EncodeToString(u[:])
	} else { // not a UUID (never in the database): a hash, as long
		sum := sha256.Sum256([]byte(entitlement))
		key = strings.ToUpper(hex.EncodeToString(sum[:]))[:26]
	}
	id := "K" + period.Format("200601") + key
	if attempt > 0 {
		r := strconv.FormatInt(int64(attempt), 36)
		if len(r) > 1 { // past the 35th attempt: a hash keeps it within 35
			sum := sha256.Sum256([]byte(id + "|" + r))
			return "K" + period.Format("200601") + strings.ToUpper(hex.EncodeToString(sum[:]))[:28]
		}
		id += "R" + strings.ToUpper(r)
	}
	return id
}

var e2eEncoding = base32.HexEncoding.WithPadding(base32.NoPadding)

// PayrollLookbackMonths is how far back a payroll settles a right's months:
// the payroll's month and the 35 before it. A periodic claim lapses three
// years after each instalment fell due (GUESS: the Law on Obligations'
// rule for periodic claims, art. 372 of the Zakon o obligacionim
// odnosima; DOMAIN.md gives no limit). An older month is settled by a
// decision, not by the payroll.
const PayrollLookbackMonths = 36

// PreparePayroll settles every right's months up to the payroll's: each
// month owes what the versions in force in it give (domain.Timeline, pro
// rata by days where they change within it; a one-off right its amount in
// the month it starts), less a deduction a decision ordered, and is
// compared with what other payrolls paid for it (payments prepared, sent
// or paid, less the overpayments recorded for it): more owed is paid
// (kind regular for a month never paid, difference for one paid before,
// one_off), less owed is recorded once as an overpayment and never paid
// back. A month never paid, an exception, a month the bank rejected or
// returned is thus paid by the next payroll, once. A payee without an
// account, and child allowance, are paid through the Post; an invalid
// IBAN goes to the exceptions, never to a file. The month must be payable
// on the activities' clock (domain.PayablePeriod), and one payroll at a
// time is prepared.
func (a *Activities) PreparePayroll(ctx context.Context, in PayrollMonth) (PreparePayrollResult, error) {
	m, err := domain.ParseMonth(in.Period)
	if err != nil {
		return PreparePayrollResult{}, asTemporal(err)
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	if err := domain.PayablePeriod(m, now(), domain.PaymentDayOr(a.PaymentDay)); err != nil {
		return PreparePayrollResult{}, asTemporal(err)
	}
	release, err := a.DB.LockPayrolls(ctx)
	if err != nil {
		return PreparePayrollResult{}, err // another payroll is prepared: retried once it is done
	}
	defer release()
	if err := a.DB.EnsurePayroll(ctx, in.PayrollID, m.First()); err != nil {
		return PreparePayrollResult{}, err
	}
	window := domain.Month(m.First().AddDate(0, 1-PayrollLookbackMonths, 0))
	// Computing and storing run side by side: one goroutine reads the
	// rights a page at a time and computes their payments while the
	// previous chunk is being copied into PostgreSQL.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	perChunk := a.PaymentsPerChunk
	if perChunk <= 0 {
		perChunk = DefaultPaymentsPerChunk
	}
	page := min(perChunk, 5000)
	chunks := make(chan []store.Payment, 1)
	// Three buffers go round (one filled, one waiting, one being copied):
	// fresh ones for every chunk cost more in allocation and page faults
	// than computing their payments.
	free := make(chan []store.Payment, 3)
	for range 3 {
		free <- make([]store.Payment, 0, perChunk+64) // a right's arrears may overfill a chunk a little
	}
	var res PreparePayrollResult
	computed := make(chan error, 1)
	go func() {
		defer close(chunks)
		c := chunk{rows: <-free, payroll: in.PayrollID, month: m, window: window}
		c.res.Total = decimal.Zero
		err := a.DB.EachPayableRights(ctx, in.PayrollID, window.First(), m.Last(), page, func(rights []store.PayableRight) error {
			for i := range rights {
				c.add(&rights[i])
			}
			if err := a.DB.RecordOverpayments(ctx, c.over); err != nil {
				return err
			}
			c.over = c.over[:0]
			if len(c.rows) >= perChunk {
				select {
				case chunks <- c.rows:
				case <-ctx.Done():
					return ctx.Err()
				}
				select {
				case c.rows = <-free:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
		if err == nil && len(c.rows) > 0 {
			select {
			case chunks <- c.rows:
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
		res.Exceptions, res.Total, res.Overpayments = c.res.Exceptions, c.res.Total, c.res.Overpayments
		computed <- err
	}()
	var stored int64
	for rows := range chunks {
		n, err := a.DB.InsertPayments(ctx, rows)
		if err != nil {
			cancel()
			for range chunks {
			}
			_ = <-computed // cancelled: the insert's error is the one to report
			return PreparePayrollResult{}, err
		}
		stored += n
		clear(rows) // let the strings go before the buffer is filled again
		free <- rows[:0]
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, stored)
		}
	}
	if err := <-computed; err != nil {
		return PreparePayrollResult{}, err
	}
	if err := a.DB.CheckPayments(ctx, in.PayrollID); err != nil {
		return PreparePayrollResult{}, err
	}
	// The employers' refunds decided for months up to the payroll's, each
	// once (issue 18): their own batch of the files, their own account.
	if res.Refunds, _, err = a.DB.PrepareRefundPayments(ctx, in.PayrollID, m.Last(), RefundFundingAccount.IBAN, RefundEndToEndID); err != nil {
		return PreparePayrollResult{}, err
	}
	// The providers' cost reports approved for months up to the payroll's,
	// each once (issue 23): their own batch, their own account.
	if res.CostReports, _, err = a.DB.PrepareCostReportPayments(ctx, in.PayrollID, m.Last(), CostReportFundingAccount.IBAN,
		CostReportEndToEndID); err != nil {
		return PreparePayrollResult{}, err
	}
	res.New = stored
	return res, nil
}

// DefaultPaymentsPerChunk is how many payments are copied into PostgreSQL
// in one transaction: a retry after a crash skips the chunks already stored.
const DefaultPaymentsPerChunk = 50000

// chunk gathers the payments and overpayments computed from rights.
type chunk struct {
	rows          []store.Payment
	over          []store.Overpayment
	res           PreparePayrollResult
	payroll       string
	month, window domain.Month
}

// add settles a right's months from its start (or the window's) up to the
// payroll's month.
func (c *chunk) add(r *store.PayableRight) {
	t := r.Timeline
	if len(t) == 0 { // a right stored without versions: its own columns are its grant
		t = domain.Timeline{{Seq: 1, From: r.ValidFrom, Amount: r.Amount, State: domain.RightActive, Reason: domain.ReasonGrant}}
	}
	if r.SuspendedFrom != nil { // an activation sanction's suspension, from its month on
		t = append(t[:len(t):len(t)], domain.RightVersion{Seq: t.Next(), From: *r.SuspendedFrom, State: domain.RightSuspended,
			Reason: domain.ReasonSanction})
	}
	channel, state, reason := "bank", "prepared", ""
	municipality, settlement, street := r.Municipality, "", ""
	if r.Channel == "post" || r.PayeeIBAN == "" {
		channel, municipality, settlement, street = "post", r.PostMunicipality, r.PostSettlement, r.PostStreet
	} else if _, err := domain.ParseIBAN("payee_account", r.PayeeIBAN); err != nil {
		state, reason = "exception", domain.ErrorMessage(err)
	}
	start := domain.MonthOf(r.ValidFrom)
	for _, v := range t {
		if mv := domain.MonthOf(v.From); mv.Before(start) {
			start = mv
		}
	}
	end := c.month
	if r.Periodicity == "one_off" {
		end = start // owed in the month it starts, once
	}
	if start.Before(c.window) {
		start = c.window
	}
	for mo := start; !end.Before(mo); mo = mo.Next() {
		paid := r.Paid[mo]
		if owed, quick := quickOwed(t, mo, r); quick && owed.Equal(paid.Paid) {
			continue // settled: nothing to pay, nothing overpaid
		}
		var owed domain.MonthlyPayment
		if r.Periodicity == "one_off" {
			owed = t.OneOffOwed(mo)
		} else {
			owed = t.MonthlyOwed(mo)
		}
		if deducts(r, mo) {
			owed = deduct(owed, r.Deduction, r.DeductionReason)
		}
		toPay, over, lines := domain.Settle(owed, paid.Paid)
		if over.IsPositive() {
			c.over = append(c.over, store.Overpayment{EntitlementID: r.EntitlementID, Period: mo.First(), PayrollID: c.payroll, Amount: over, Lines: lines})
			c.res.Overpayments++
			continue
		}
		if !toPay.IsPositive() {
			continue
		}
		kind := "regular"
		switch {
		case paid.Standing > 0:
			kind = "difference"
		case r.Periodicity == "one_off":
			kind = "one_off"
		}
		if state == "exception" {
			c.res.Exceptions++
		}
		c.res.Total = c.res.Total.Add(toPay)
		c.rows = append(c.rows, store.Payment{PayrollID: c.payroll, EntitlementID: r.EntitlementID, Period: mo.First(),
			Amount: toPay, Channel: channel, PayeeIBAN: r.PayeeIBAN, PayeeName: r.PayeeName, Benefit: r.Benefit,
			Municipality: municipality, Settlement: settlement, Street: street, FundingAccount: FundingAccount.IBAN,
			EndToEndID: EndToEndID(r.EntitlementID, mo.First(), paid.Payments), State: state, Reason: reason, Lines: lines, Kind: kind})
	}
}

// quickOwed is what month mo owes when one version holds the whole month
// (no version starts or ends inside it), less the deduction: the common
// case, computed without walking the month's days. quick is false when
// the month needs the full computation.
func quickOwed(t domain.Timeline, mo domain.Month, r *store.PayableRight) (owed decimal.Decimal, quick bool) {
	if r.Periodicity == "one_off" {
		return decimal.Zero, false
	}
	if !t.HoldsWholeMonth(mo) {
		return decimal.Zero, false
	}
	v, ok := t.On(mo.First())
	if !ok || v.State != domain.RightActive {
		return decimal.Zero, true
	}
	owed = v.Amount.Round(2)
	if deducts(r, mo) && r.Deduction.IsPositive() {
		owed = owed.Sub(decimal.Min(r.Deduction.Round(2), owed))
	}
	return owed, true
}

// deducts reports whether the right's deduction is taken in month mo: from
// its first month on (every month when none is set).
func deducts(r *store.PayableRight, mo domain.Month) bool {
	return r.Deduction.IsPositive() && (r.DeductionFrom == nil || !mo.Before(domain.MonthOf(*r.DeductionFrom)))
}

// deduct takes a deduction a decision ordered from what a month owes, at
// most all of it, and says so in the lines.
func deduct(p domain.MonthlyPayment, amount decimal.Decimal, reason string) domain.MonthlyPayment {
	if !amount.IsPositive() || !p.Amount.IsPositive() {
		return p
	}
	take := decimal.Min(amount.Round(2), p.Amount)
	p.Amount = p.Amount.Sub(take)
	p.Lines = append(p.Lines[:len(p.Lines):len(p.Lines)],
		domain.PaymentLine{What: "deduction (" + reason + ")", Value: "-" + take.StringFixed(2)},
		domain.PaymentLine{What: "owed for " + p.Month.String() + " after the deduction", Value: p.Amount.StringFixed(2)})
	return p
}

// PayrollFile is a generated file and its hash.
type PayrollFile struct {
	Name   string
	SHA256 string
}

// GeneratePayrollFilesResult lists the files.
type GeneratePayrollFilesResult struct {
	Files []PayrollFile
}

// DefaultTransfersPerFile is the most transfers one pain.001 file carries;
// a month with more is split into numbered files (GUESS: the treasury's
// limit per file is to be confirmed; 50,000 transfers is ~20 MB of XML).
const DefaultTransfersPerFile = 50000

// GeneratePayrollFiles writes the month's pain.001 files (bank payments,
// one batch per funding account, executed mid-month after the period; at
// most TransfersPerFile per file) and the Post's list (CSV: payee, the address it pays to, month, kind, amount) to the object
// store, and records their SHA-256. Payments are read a file at a time,
// so memory stays flat in the size of the month. The same payments give
// the same bytes.
func (a *Activities) GeneratePayrollFiles(ctx context.Context, in PayrollMonth) (GeneratePayrollFilesResult, error) {
	m, err := domain.ParseMonth(in.Period)
	if err != nil {
		return GeneratePayrollFilesResult{}, asTemporal(err)
	}
	var out GeneratePayrollFilesResult
	save := func(name, kind string, data []byte, n int, sum decimal.Decimal) error {
		key := payrollFileKey(m.String(), name)
		sha, err := a.Objects.Put(ctx, key, "application/octet-stream", data)
		if err != nil {
			return err
		}
		out.Files = append(out.Files, PayrollFile{Name: name, SHA256: sha})
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, len(out.Files))
		}
		return a.DB.SavePaymentFile(ctx, store.PaymentFile{PayrollID: in.PayrollID, Name: name, Kind: kind, ObjectKey: key, SHA256: sha, Transfers: n, Total: sum})
	}
	counts, err := a.DB.PaymentCounts(ctx, in.PayrollID, "prepared")
	if err != nil {
		return GeneratePayrollFilesResult{}, err
	}
	perFile := a.TransfersPerFile
	if perFile <= 0 {
		perFile = DefaultTransfersPerFile
	}
	files := (counts["bank"] + perFile - 1) / perFile
	// The employers' refunds go in the first file, in a batch of their own
	// with their own debtor account (issue 18).
	refundsDue, err := a.DB.RefundPaymentsOf(ctx, in.PayrollID, "prepared")
	if err != nil {
		return GeneratePayrollFilesResult{}, err
	}
	// So do the providers' cost reports (issue 23).
	costsDue, err := a.DB.CostReportPaymentsOf(ctx, in.PayrollID, "prepared")
	if err != nil {
		return GeneratePayrollFilesResult{}, err
	}
	if files == 0 && len(refundsDue)+len(costsDue) > 0 {
		files = 1
	}
	execution := m.Next().First().AddDate(0, 0, 14) // the 15th of the next month
	// The next file's payments are read while this one is written.
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type page struct {
		rows []store.Payment
		err  error
	}
	pages := make(chan page, 1)
	go func() {
		defer close(pages)
		after := ""
		for k := 1; k <= files; k++ {
			rows, err := a.DB.TransfersPage(pctx, in.PayrollID, after, perFile)
			select {
			case pages <- page{rows, err}:
			case <-pctx.Done():
				return
			}
			if err != nil || len(rows) == 0 {
				return
			}
			after = rows[len(rows)-1].EndToEndID
		}
	}()
	k := 0
	var xmlBuf bytes.Buffer // one for every file: no fresh tens of megabytes each
	for pg := range pages {
		if pg.err != nil {
			return GeneratePayrollFilesResult{}, pg.err
		}
		bank := pg.rows
		if len(bank) == 0 && (k > 0 || len(refundsDue)+len(costsDue) == 0) {
			break
		}
		k++
		id, name := in.PayrollID, "pain001-"+m.String()+".xml"
		if files > 1 {
			id, name = fmt.Sprintf("%s/%02d", in.PayrollID, k), fmt.Sprintf("pain001-%s-%02d.xml", m, k)
		}
		msg := iso20022.Message{ID: id, Created: m.Next().First().AddDate(0, 0, 9).Add(9 * time.Hour), Initiating: FundingAccount.Name}
		batch := iso20022.Batch{ID: id + "/1", Debtor: FundingAccount, Execution: execution, Transfers: make([]iso20022.Transfer, 0, len(bank))}
		total := decimal.Zero
		for _, p := range bank {
			batch.Transfers = append(batch.Transfers, iso20022.Transfer{EndToEndID: p.EndToEndID, Amount: p.Amount, Creditor: p.PayeeName,
				IBAN: p.PayeeIBAN, Remittance: remittance(p)})
			total = total.Add(p.Amount)
		}
		msg.Batches = nil
		if len(batch.Transfers) > 0 {
			msg.Batches = append(msg.Batches, batch)
		}
		n := len(batch.Transfers)
		if k == 1 && len(refundsDue) > 0 {
			rb := refundBatch(id, execution, refundsDue)
			msg.Batches = append(msg.Batches, rb)
			n += len(rb.Transfers)
			for _, t := range rb.Transfers {
				total = total.Add(t.Amount)
			}
		}
		if k == 1 && len(costsDue) > 0 {
			sb := costReportBatch(id, execution, costsDue)
			msg.Batches = append(msg.Batches, sb)
			n += len(sb.Transfers)
			for _, t := range sb.Transfers {
				total = total.Add(t.Amount)
			}
		}
		err := iso20022.MarshalTo(&xmlBuf, msg)
		xml := xmlBuf.Bytes()
		if err != nil {
			return GeneratePayrollFilesResult{}, asTemporal(domain.Errorf(domain.CodeInvalid, "pain.001: %v", err))
		}
		if err := save(name, "pain.001", xml, n, total); err != nil {
			return GeneratePayrollFilesResult{}, err
		}
	}
	cancel()
	post, err := a.DB.PaymentsOf(ctx, in.PayrollID, "post", "prepared")
	if err != nil {
		return GeneratePayrollFilesResult{}, err
	}
	if len(post) > 0 {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		_ = w.Write([]string{"end_to_end_id", "payee", "settlement", "street", "municipality", "benefit", "period", "kind", "amount_eur"})
		sum := decimal.Zero
		for _, p := range post {
			municipality := p.Municipality
			if m, ok := domain.MunicipalityByCode(p.Municipality); ok {
				municipality = m.Name // the Post reads names, not codes
			}
			// the settlement as the territorial register spells it in the month paid
			settlement := domain.SettlementName(p.Municipality, p.Settlement, p.Period)
			_ = w.Write([]string{p.EndToEndID, p.PayeeName, settlement, p.Street, municipality, p.Benefit, p.Period.Format("2006-01"), p.Kind,
				p.Amount.StringFixed(2)})
			sum = sum.Add(p.Amount)
		}
		w.Flush()
		if err := save("post-"+m.String()+".csv", "post.csv", buf.Bytes(), len(post), sum); err != nil {
			return GeneratePayrollFilesResult{}, err
		}
	}
	return out, nil
}

// refundBatch is the employers' refunds of a payroll's file: a batch
// (PmtInf) of its own, debited to the refunds' funding account.
func refundBatch(id string, execution time.Time, ps []store.RefundPayment) iso20022.Batch {
	b := iso20022.Batch{ID: id + "/R", Debtor: RefundFundingAccount, Execution: execution, Transfers: make([]iso20022.Transfer, 0, len(ps))}
	for _, p := range ps {
		b.Transfers = append(b.Transfers, iso20022.Transfer{EndToEndID: p.EndToEndID, Amount: p.Amount, Creditor: p.PayeeName, IBAN: p.PayeeIBAN,
			Remittance: "Refundacija naknade zarade " + p.LeaveNumber + " " + p.Month.Format("2006-01")})
	}
	return b
}

// remittance is the transfer's text for the payee: the benefit and the
// month, and "razlika" (difference) for a month paid before.
func remittance(p store.Payment) string {
	r := p.Benefit + " " + p.Period.Format("2006-01")
	if p.Kind == "difference" {
		r += " razlika"
	}
	return r
}

// payrollFileKey is where a payroll's file is kept in the object store.
func payrollFileKey(period, name string) string { return "payrolls/" + period + "/" + name }

// VerifyPayrollFilesInput lists the hashes an approver signed.
type VerifyPayrollFilesInput struct {
	PayrollID string
	Files     []PayrollFile
}

// VerifyPayrollFilesResult says whether the stored files are still the ones approved.
type VerifyPayrollFilesResult struct {
	Unchanged bool
	Changed   []string
}

// VerifyPayrollFiles reads every approved file back from the object store
// and compares its SHA-256 with the approved one.
func (a *Activities) VerifyPayrollFiles(ctx context.Context, in VerifyPayrollFilesInput) (VerifyPayrollFilesResult, error) {
	m := in.PayrollID[len("payroll/"):]
	res := VerifyPayrollFilesResult{Unchanged: true}
	for _, f := range in.Files {
		data, err := a.Objects.Get(ctx, payrollFileKey(m, f.Name))
		if err != nil {
			return VerifyPayrollFilesResult{}, err
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != f.SHA256 {
			res.Unchanged = false
			res.Changed = append(res.Changed, f.Name)
		}
	}
	return res, nil
}

// SetPayrollStateInput records a payroll's state.
type SetPayrollStateInput struct {
	PayrollID, State, PreparedBy, ApprovedBy string
}

// SetPayrollState records where the payroll stands.
func (a *Activities) SetPayrollState(ctx context.Context, in SetPayrollStateInput) error {
	return asTemporal(a.DB.SetPayrollState(ctx, in.PayrollID, in.State, in.PreparedBy, in.ApprovedBy))
}

// Treasury is the client of the treasury's payment gateway.
type Treasury = counterpart.Treasury

// BankAnswers counts what the bank's answers changed, sent files' or an
// imported bank file's.
type BankAnswers struct {
	Counts map[string]int
}

// SendPayrollFiles sends the approved pain.001 to the treasury, keeps its
// answers (pain.002, camt.054) in the object store, and applies them to the
// payments; the Post's payments are marked sent. Sending again is safe: the
// treasury answers the same message id with the same statuses, and applying
// them again changes nothing.
func (a *Activities) SendPayrollFiles(ctx context.Context, in PayrollMonth) (BankAnswers, error) {
	files, err := a.DB.PaymentFiles(ctx, in.PayrollID)
	if err != nil {
		return BankAnswers{}, err
	}
	res := BankAnswers{Counts: map[string]int{}}
	for _, f := range files {
		data, err := a.Objects.Get(ctx, f.ObjectKey)
		if err != nil {
			return BankAnswers{}, err
		}
		if f.Kind == "post.csv" {
			if err := a.DB.MarkPostSent(ctx, in.PayrollID); err != nil {
				return BankAnswers{}, err
			}
			continue
		}
		answer, err := a.Treasury.Pay(ctx, data)
		if err != nil {
			return BankAnswers{}, fmt.Errorf("send %s to the treasury: %w", f.Name, err)
		}
		for name, body := range map[string]string{"pain002": answer.Pain002, "camt054": answer.Camt054} {
			if _, err := a.Objects.Put(ctx, strings.TrimSuffix(f.ObjectKey, ".xml")+"-"+name+".xml", "application/xml", []byte(body)); err != nil {
				return BankAnswers{}, err
			}
		}
		counts, err := a.ImportBankFile(ctx, ImportBankFileInput{PayrollID: in.PayrollID, Files: [][]byte{[]byte(answer.Pain002), []byte(answer.Camt054)}})
		if err != nil {
			return BankAnswers{}, err
		}
		for k, v := range counts.Counts {
			res.Counts[k] += v
		}
	}
	return res, nil
}

// ImportBankFileInput is one or more bank files (pain.002, camt.054) for a payroll.
type ImportBankFileInput struct {
	PayrollID string
	Files     [][]byte
}

// ImportBankFile reads pain.002 statuses and camt.054 bookings and returns
// and applies them in one transaction; lines that match no payment of the
// payroll refuse the whole import (CodeInvalid, listing them).
func (a *Activities) ImportBankFile(ctx context.Context, in ImportBankFileInput) (BankAnswers, error) {
	ans, err := iso20022.ReadBankFiles(in.Files)
	if err != nil {
		return BankAnswers{}, asTemporal(domain.FieldError("bank_file", "%v", err))
	}
	counts, err := a.DB.ApplyBankAnswer(ctx, in.PayrollID, ans)
	if err != nil {
		return BankAnswers{}, asTemporal(err)
	}
	return BankAnswers{Counts: counts}, nil
}

// UnpaidResult lists the payments the bank did not pay.
type UnpaidResult struct {
	Payments []store.UnpaidPayment
}

// ListUnpaid lists the payroll's rejected and returned payments.
func (a *Activities) ListUnpaid(ctx context.Context, in PayrollMonth) (UnpaidResult, error) {
	u, err := a.DB.Unpaid(ctx, in.PayrollID)
	return UnpaidResult{Payments: u}, asTemporal(err)
}

// SetPayeeAccountInput is a corrected account for a right.
type SetPayeeAccountInput struct {
	EntitlementID string
	IBAN          string
}

// SetPayeeAccount records the corrected account; the next payroll pays the
// carried-over months to it.
func (a *Activities) SetPayeeAccount(ctx context.Context, in SetPayeeAccountInput) error {
	if _, err := domain.ParseIBAN("payee_account", in.IBAN); err != nil {
		return asTemporal(err)
	}
	return asTemporal(a.DB.SetPayeeAccount(ctx, in.EntitlementID, in.IBAN))
}
