package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
)

// The cash desk of a residential institution (issue 22 item 4): the
// cashier keeps the residents' deposit accounts (entries with receipts,
// the monthly co-payment) and closes the day; the director approves the
// withdrawals above the limit; the social worker reads the accounts and
// statements. Everyone acts in the institution their token names: another
// institution's resident, entry or withdrawal does not exist for them
// (404). Every request naming residents is audited with their persons.

// CashKindName names a kind of entry in lang (the pages use it too).
func CashKindName(kind, lang string) string {
	return licencePick(lang, map[string][2]string{
		string(institutions.EntryPension):     {"Penzija", "Pension"},
		string(institutions.EntryBenefit):     {"Novčana naknada", "Benefit"},
		string(institutions.EntryFamily):      {"Uplata porodice", "Paid in by the family"},
		string(institutions.EntryPocketMoney): {"Džeparac", "Pocket money"},
		string(institutions.EntryWithdrawal):  {"Isplata", "Withdrawal"},
		string(institutions.EntryCopayment):   {"Učešće u troškovima smještaja", "Co-payment for the placement"},
	}, kind)
}

// CashStateName names a withdrawal's state, or a co-payment line's, in lang.
func CashStateName(state, lang string) string {
	return licencePick(lang, map[string][2]string{
		store.WithdrawalPending:    {"Čeka odobrenje direktora", "Awaiting the director's approval"},
		store.WithdrawalApproved:   {"Odobrena i isplaćena", "Approved and paid"},
		store.WithdrawalRejected:   {"Odbijena", "Rejected"},
		store.CopaymentCharged:     {"Naplaćeno", "Charged"},
		store.CopaymentAlready:     {"Naplaćeno ranije", "Charged before"},
		store.CopaymentNone:        {"Učešće nije utvrđeno", "No co-payment set"},
		store.CopaymentNotResident: {"Primljen nakon tog mjeseca", "Admitted after that month"},
	}, state)
}

func cashLang(c *gin.Context) string {
	if c.Query("lang") == "en" {
		return "en"
	}
	return "cnr"
}

type cashAccountView struct {
	PlacementID int64           `json:"placement_id"`
	PersonID    string          `json:"person_id"`
	Name        string          `json:"name"`
	Unit        string          `json:"unit"`
	Room        string          `json:"room"`
	Bed         string          `json:"bed"`
	AdmittedOn  string          `json:"admitted_on"`
	Balance     decimal.Decimal `json:"balance"`
	Owed        decimal.Decimal `json:"owed"`
	Copayment   *string         `json:"copayment"` // null: the centre's decision set none
	Pending     int             `json:"pending_withdrawals"`
}

func cashAccountOut(a store.CashAccount) cashAccountView {
	v := cashAccountView{PlacementID: a.PlacementID, PersonID: string(a.PersonID), Name: a.Name, Unit: a.UnitName, Room: a.RoomName, Bed: a.BedLabel,
		AdmittedOn: a.AdmittedOn.Format(time.DateOnly), Balance: a.Balance, Owed: a.Owed, Pending: a.Pending}
	if a.Copayment != nil {
		s := a.Copayment.StringFixed(2)
		v.Copayment = &s
	}
	return v
}

type cashEntryView struct {
	ID           int64           `json:"id"`
	PlacementID  int64           `json:"placement_id"`
	Kind         string          `json:"kind"`
	KindName     string          `json:"kind_name"`
	In           bool            `json:"in"`
	Amount       decimal.Decimal `json:"amount"`
	BalanceAfter decimal.Decimal `json:"balance_after"`
	Purpose      string          `json:"purpose"`
	Day          string          `json:"day"`
	Receipt      string          `json:"receipt"`
	RecordedBy   string          `json:"recorded_by"`
	RecordedName string          `json:"recorded_by_name"`
	ApprovedBy   string          `json:"approved_by,omitempty"`
	ApprovedName string          `json:"approved_by_name,omitempty"`
	RecordedAt   time.Time       `json:"recorded_at"`
}

func cashEntryOut(e store.CashEntry, lang string) cashEntryView {
	v := cashEntryView{ID: e.ID, PlacementID: e.PlacementID, Kind: string(e.Kind), KindName: CashKindName(string(e.Kind), lang), In: e.Kind.In(),
		Amount: e.Amount, BalanceAfter: e.BalanceAfter, Purpose: e.Purpose, Day: e.Day.Format(time.DateOnly), Receipt: e.Receipt,
		RecordedBy: e.RecordedBy, RecordedName: staffName(e.RecordedBy), ApprovedBy: e.ApprovedBy, RecordedAt: e.RecordedAt}
	if e.ApprovedBy != "" {
		v.ApprovedName = staffName(e.ApprovedBy)
	}
	return v
}

func cashEntriesOut(list []store.CashEntry, lang string) []cashEntryView {
	out := make([]cashEntryView, 0, len(list))
	for _, e := range list {
		out = append(out, cashEntryOut(e, lang))
	}
	return out
}

type cashWithdrawalView struct {
	ID            int64           `json:"id"`
	PlacementID   int64           `json:"placement_id"`
	Name          string          `json:"name"`
	Kind          string          `json:"kind"`
	KindName      string          `json:"kind_name"`
	Amount        decimal.Decimal `json:"amount"`
	Purpose       string          `json:"purpose"`
	State         string          `json:"state"`
	StateName     string          `json:"state_name"`
	RequestedBy   string          `json:"requested_by"`
	RequestedName string          `json:"requested_by_name"`
	RequestedAt   time.Time       `json:"requested_at"`
	DecidedBy     string          `json:"decided_by,omitempty"`
	DecidedName   string          `json:"decided_by_name,omitempty"`
	DecidedAt     *time.Time      `json:"decided_at,omitempty"`
	Reason        string          `json:"reason,omitempty"`
	EntryID       *int64          `json:"entry_id,omitempty"`
}

func cashWithdrawalOut(w store.CashWithdrawal, lang string) cashWithdrawalView {
	v := cashWithdrawalView{ID: w.ID, PlacementID: w.PlacementID, Name: w.ResidentName, Kind: string(w.Kind), KindName: CashKindName(string(w.Kind), lang),
		Amount: w.Amount, Purpose: w.Purpose, State: w.State, StateName: CashStateName(w.State, lang), RequestedBy: w.RequestedBy,
		RequestedName: staffName(w.RequestedBy), RequestedAt: w.RequestedAt, DecidedBy: w.DecidedBy, DecidedAt: w.DecidedAt, Reason: w.Reason, EntryID: w.EntryID}
	if w.DecidedBy != "" {
		v.DecidedName = staffName(w.DecidedBy)
	}
	return v
}

// cashInstitution is the caller's institution once the policy lets them do
// action on the cash desk there; for anyone not on an institution's staff
// the desk does not exist.
func (h *handler) cashInstitution(c *gin.Context, action string) (string, error) {
	u := userOf(c)
	if u.InstitutionID == "" {
		return "", domain.Errorf(domain.CodeNotFound, "this cash desk does not exist")
	}
	if err := h.allow(c, "cash", action, u.InstitutionID); err != nil {
		return "", err
	}
	return u.InstitutionID, nil
}

// cashAccountFor is the deposit account of the path's :placement in the
// caller's institution, audited with the resident's person.
func (h *handler) cashAccountFor(c *gin.Context, action string) (store.CashAccount, string, error) {
	inst, err := h.cashInstitution(c, action)
	if err != nil {
		return store.CashAccount{}, "", err
	}
	id, err := positiveID(c, "placement", "resident")
	if err != nil {
		return store.CashAccount{}, "", err
	}
	a, err := h.db.CashAccountOf(c.Request.Context(), inst, id)
	if err != nil {
		return store.CashAccount{}, "", err
	}
	auditPersons(c, a.PersonID)
	return a, inst, nil
}

type cashAccountsView struct {
	Institution string            `json:"institution"`
	Day         string            `json:"day"`
	Limit       decimal.Decimal   `json:"withdrawal_limit"`
	Accounts    []cashAccountView `json:"accounts"`
	Total       decimal.Decimal   `json:"total"`
}

// cashAccounts answers GET /api/v1/cash-desk/accounts: every resident's
// account with its balance, by name.
func (h *handler) cashAccounts(c *gin.Context) (*cashAccountsView, error) {
	inst, err := h.cashInstitution(c, "read")
	if err != nil {
		return nil, err
	}
	list, err := h.db.CashAccounts(c.Request.Context(), inst)
	if err != nil {
		return nil, err
	}
	v := &cashAccountsView{Institution: inst, Day: h.now().Format(time.DateOnly), Limit: institutions.WithdrawalLimit, Accounts: []cashAccountView{}, Total: decimal.Zero}
	for _, a := range list {
		auditPersons(c, a.PersonID)
		v.Accounts = append(v.Accounts, cashAccountOut(a))
		v.Total = v.Total.Add(a.Balance)
	}
	return v, nil
}

type cashAccountDetail struct {
	Account     cashAccountView      `json:"account"`
	Entries     []cashEntryView      `json:"entries"`
	Withdrawals []cashWithdrawalView `json:"withdrawals"`
	Limit       decimal.Decimal      `json:"withdrawal_limit"`
}

// cashAccount answers GET /api/v1/cash-desk/accounts/{placement}: the
// account, its entries (newest first) and its withdrawals above the limit.
func (h *handler) cashAccount(c *gin.Context) (*cashAccountDetail, error) {
	a, inst, err := h.cashAccountFor(c, "read")
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	entries, err := h.db.CashEntries(ctx, inst, a.PlacementID)
	if err != nil {
		return nil, err
	}
	ws, err := h.db.CashWithdrawals(ctx, inst, "")
	if err != nil {
		return nil, err
	}
	lang := cashLang(c)
	v := &cashAccountDetail{Account: cashAccountOut(a), Entries: []cashEntryView{}, Withdrawals: []cashWithdrawalView{}, Limit: institutions.WithdrawalLimit}
	for i := len(entries) - 1; i >= 0; i-- {
		v.Entries = append(v.Entries, cashEntryOut(entries[i], lang))
	}
	for _, w := range ws {
		if w.PlacementID == a.PlacementID {
			v.Withdrawals = append(v.Withdrawals, cashWithdrawalOut(w, lang))
		}
	}
	return v, nil
}

type cashEntryRequest struct {
	Kind    string `json:"kind"`
	Amount  string `json:"amount"`
	Purpose string `json:"purpose"`
}

type cashRecordedView struct {
	Entry      *cashEntryView      `json:"entry,omitempty"`
	Withdrawal *cashWithdrawalView `json:"withdrawal,omitempty"`
}

// httpStatus: 201 for an entry made, 202 for a withdrawal that waits.
func (v *cashRecordedView) httpStatus() int {
	if v.Withdrawal != nil {
		return http.StatusAccepted
	}
	return http.StatusCreated
}

// parseMoney reads an amount of money sent as a string (or a number's
// text) for field.
func parseMoney(field, s string) (decimal.Decimal, *domain.Error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return decimal.Zero, domain.FieldError(field, "is required")
	}
	d, err := decimal.NewFromString(strings.Replace(s, ",", ".", 1))
	if err != nil {
		return decimal.Zero, domain.FieldError(field, "%q is not an amount", printable(s, 40))
	}
	return d, nil
}

// recordCashEntry answers POST /api/v1/cash-desk/accounts/{placement}/entries:
// an entry made at once with its receipt (201), or a withdrawal above the
// limit waiting for the director (202); 409 naming the balance when it
// overdraws the account or the day is closed.
func (h *handler) recordCashEntry(c *gin.Context) (*cashRecordedView, error) {
	a, inst, err := h.cashAccountFor(c, "create")
	if err != nil {
		return nil, err
	}
	var req cashEntryRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	in := institutions.EntryInput{Kind: institutions.EntryKind(req.Kind), Purpose: strings.TrimSpace(req.Purpose)}
	amount, aerr := parseMoney("amount", req.Amount)
	if aerr != nil {
		in.Amount = decimal.NewFromInt(1) // the rest checked with a valid amount: every problem listed
		return nil, joinInvalid(in.Check(), aerr)
	}
	in.Amount = amount
	r, err := h.db.RecordCashEntry(c.Request.Context(), inst, a.PlacementID, in, userOf(c).Username, h.now())
	if err != nil {
		return nil, err
	}
	lang := cashLang(c)
	v := &cashRecordedView{}
	if r.Entry != nil {
		e := cashEntryOut(*r.Entry, lang)
		v.Entry = &e
	}
	if r.Withdrawal != nil {
		w := cashWithdrawalOut(*r.Withdrawal, lang)
		v.Withdrawal = &w
	}
	return v, nil
}

// joinInvalid lists the problems of a domain check (but its amount's,
// which extra says better) with extra's.
func joinInvalid(checked error, extra *domain.Error) error {
	fields := []*domain.Error{}
	if de, ok := checked.(*domain.Error); ok {
		list := de.Fields
		if len(list) == 0 {
			list = []*domain.Error{de}
		}
		for _, f := range list {
			if f.Field != extra.Field {
				fields = append(fields, f)
			}
		}
	}
	return domain.Invalid(append(fields, extra))
}

// cashReceipt answers GET .../entries/{entry}/receipt: the entry's receipt
// as a PDF in Montenegrin.
func (h *handler) cashReceipt(c *gin.Context) error {
	a, inst, err := h.cashAccountFor(c, "read")
	if err != nil {
		return err
	}
	id, err := positiveID(c, "entry", "entry")
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	e, err := h.db.CashEntryByID(ctx, inst, id)
	if err != nil {
		return err
	}
	if e.PlacementID != a.PlacementID {
		return domain.Errorf(domain.CodeNotFound, "entry %d not found", id)
	}
	name, err := h.institutionName(c, inst)
	if err != nil {
		return err
	}
	pdf, err := cashReceiptPDF(name, a, e)
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", fmt.Sprintf("inline; filename=%q", "priznanica-"+e.Receipt+".pdf"))
	c.Data(http.StatusOK, "application/pdf", pdf)
	return nil
}

func (h *handler) institutionName(c *gin.Context, inst string) (string, error) {
	in, err := h.db.InstitutionByID(c.Request.Context(), inst)
	if err != nil {
		return "", err
	}
	return in.Name, nil
}

type cashStatementView struct {
	Account cashAccountView `json:"account"`
	Month   string          `json:"month"`
	Opening decimal.Decimal `json:"opening_balance"`
	In      decimal.Decimal `json:"paid_in"`
	Out     decimal.Decimal `json:"paid_out"`
	Closing decimal.Decimal `json:"closing_balance"`
	Entries []cashEntryView `json:"entries"`
}

// statementMonth reads ?month= (YYYY-MM; default this month); a month not
// begun is a 400.
func (h *handler) statementMonth(c *gin.Context) (time.Time, error) {
	now := h.now()
	s := c.Query("month")
	if s == "" {
		return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC), nil
	}
	m, err := institutions.ParseMonth(s)
	if err != nil {
		return time.Time{}, domain.FieldError("month", "%q is not a month (YYYY-MM)", printable(s, 20))
	}
	if m.After(domain.CalendarDay(now)) {
		return time.Time{}, domain.FieldError("month", "%s has not begun", s)
	}
	return m, nil
}

func (h *handler) statementOf(c *gin.Context) (store.CashStatement, string, error) {
	a, inst, err := h.cashAccountFor(c, "read")
	if err != nil {
		return store.CashStatement{}, "", err
	}
	m, err := h.statementMonth(c)
	if err != nil {
		return store.CashStatement{}, "", err
	}
	s, err := h.db.CashStatementOf(c.Request.Context(), inst, a.PlacementID, m)
	return s, inst, err
}

// cashStatement answers GET .../statement?month=YYYY-MM: the opening
// balance, the month's entries and the closing balance.
func (h *handler) cashStatement(c *gin.Context) (*cashStatementView, error) {
	s, _, err := h.statementOf(c)
	if err != nil {
		return nil, err
	}
	return &cashStatementView{Account: cashAccountOut(s.Account), Month: s.Month.Format("2006-01"), Opening: s.Opening, In: s.In, Out: s.Out,
		Closing: s.Closing, Entries: cashEntriesOut(s.Entries, cashLang(c))}, nil
}

// cashStatementPDF answers GET .../statement.pdf?month=YYYY-MM: the
// statement as a PDF in Montenegrin, for the resident or the guardian.
func (h *handler) cashStatementPDF(c *gin.Context) error {
	s, inst, err := h.statementOf(c)
	if err != nil {
		return err
	}
	name, err := h.institutionName(c, inst)
	if err != nil {
		return err
	}
	pdf, err := cashStatementDocument(name, s, h.now())
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", fmt.Sprintf("inline; filename=%q", fmt.Sprintf("izvod-%d-%s.pdf", s.Account.PlacementID, s.Month.Format("2006-01"))))
	c.Data(http.StatusOK, "application/pdf", pdf)
	return nil
}

type cashWithdrawalsView struct {
	Withdrawals []cashWithdrawalView `json:"withdrawals"`
}

// cashWithdrawals answers GET /api/v1/cash-desk/withdrawals?state=: the
// institution's withdrawals above the limit (the director's approvals).
func (h *handler) cashWithdrawals(c *gin.Context) (*cashWithdrawalsView, error) {
	inst, err := h.cashInstitution(c, "read")
	if err != nil {
		return nil, err
	}
	state := c.Query("state")
	if state != "" && state != store.WithdrawalPending && state != store.WithdrawalApproved && state != store.WithdrawalRejected {
		return nil, domain.FieldError("state", "%q is not a state of a withdrawal (pending, approved, rejected)", printable(state, 40))
	}
	list, err := h.db.CashWithdrawals(c.Request.Context(), inst, state)
	if err != nil {
		return nil, err
	}
	return h.withdrawalsOut(c, inst, list)
}

func (h *handler) withdrawalsOut(c *gin.Context, inst string, list []store.CashWithdrawal) (*cashWithdrawalsView, error) {
	accounts, err := h.db.CashAccounts(c.Request.Context(), inst)
	if err != nil {
		return nil, err
	}
	persons := map[int64]domain.PersonID{}
	for _, a := range accounts {
		persons[a.PlacementID] = a.PersonID
	}
	v := &cashWithdrawalsView{Withdrawals: []cashWithdrawalView{}}
	lang := cashLang(c)
	for _, w := range list {
		p, ok := persons[w.PlacementID]
		if !ok { // a resident who has left: still a person whose withdrawal is read
			if pl, err := h.db.PlacementByID(c.Request.Context(), w.PlacementID); err == nil {
				p, ok = pl.PersonID, true
				persons[w.PlacementID] = p
			}
		}
		if ok {
			auditPersons(c, p)
		}
		v.Withdrawals = append(v.Withdrawals, cashWithdrawalOut(w, lang))
	}
	return v, nil
}

type cashDecisionRequest struct {
	Reason string `json:"reason"`
}

func (h *handler) decideCashWithdrawal(c *gin.Context, approve bool) (*cashWithdrawalView, error) {
	inst, err := h.cashInstitution(c, "approve")
	if err != nil {
		return nil, err
	}
	id, err := positiveID(c, "id", "withdrawal")
	if err != nil {
		return nil, err
	}
	var req cashDecisionRequest
	if c.Request.ContentLength != 0 {
		if err := bindJSON(c, &req); err != nil {
			return nil, err
		}
	}
	req.Reason = strings.TrimSpace(req.Reason)
	if !approve && req.Reason == "" {
		return nil, domain.FieldError("reason", "a rejection gives its reason")
	}
	ctx := c.Request.Context()
	w, err := h.db.DecideCashWithdrawal(ctx, inst, id, approve, req.Reason, userOf(c).Username, h.now())
	if err != nil {
		return nil, err
	}
	if r, err := h.db.PlacementByID(ctx, w.PlacementID); err == nil {
		auditPersons(c, r.PersonID)
	}
	v := cashWithdrawalOut(w, cashLang(c))
	return &v, nil
}

// approveCashWithdrawal answers POST /api/v1/cash-desk/withdrawals/{id}/approve:
// the director's approval moves the money (403 for the cashier who asked;
// 409 when decided already or the balance no longer covers it).
func (h *handler) approveCashWithdrawal(c *gin.Context) (*cashWithdrawalView, error) {
	return h.decideCashWithdrawal(c, true)
}

// rejectCashWithdrawal answers POST /api/v1/cash-desk/withdrawals/{id}/reject
// with the reason.
func (h *handler) rejectCashWithdrawal(c *gin.Context) (*cashWithdrawalView, error) {
	return h.decideCashWithdrawal(c, false)
}

type copaymentRequest struct {
	Month string `json:"month"`
}

type copaymentLineView struct {
	PlacementID int64           `json:"placement_id"`
	Name        string          `json:"name"`
	Status      string          `json:"status"`
	StatusName  string          `json:"status_name"`
	Due         decimal.Decimal `json:"due"`
	Charged     decimal.Decimal `json:"charged"`
	Owed        decimal.Decimal `json:"owed"`
	Receipt     string          `json:"receipt,omitempty"`
}

type copaymentsView struct {
	Month string              `json:"month"`
	Lines []copaymentLineView `json:"lines"`
}

// chargeCopayments answers POST /api/v1/cash-desk/co-payments {month}:
// every resident charged the month's co-payment once (a second call
// changes nothing and says so line by line).
func (h *handler) chargeCopayments(c *gin.Context) (*copaymentsView, error) {
	inst, err := h.cashInstitution(c, "create")
	if err != nil {
		return nil, err
	}
	var req copaymentRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	if req.Month == "" {
		return nil, domain.FieldError("month", "is required (YYYY-MM)")
	}
	m, err := institutions.ParseMonth(req.Month)
	if err != nil {
		return nil, domain.FieldError("month", "%q is not a month (YYYY-MM)", printable(req.Month, 20))
	}
	lines, err := h.db.ChargeCopayments(c.Request.Context(), inst, m, userOf(c).Username, h.now())
	if err != nil {
		return nil, err
	}
	lang := cashLang(c)
	v := &copaymentsView{Month: m.Format("2006-01"), Lines: []copaymentLineView{}}
	for _, l := range lines {
		auditPersons(c, l.PersonID)
		v.Lines = append(v.Lines, copaymentLineView{PlacementID: l.PlacementID, Name: l.ResidentName, Status: l.Status, StatusName: CashStateName(l.Status, lang),
			Due: l.Due, Charged: l.Charged, Owed: l.Owed, Receipt: l.Receipt})
	}
	return v, nil
}

type cashClosingView struct {
	Day         string          `json:"day"`
	Opening     decimal.Decimal `json:"opening"`
	Ins         decimal.Decimal `json:"ins"`
	Outs        decimal.Decimal `json:"outs"`
	Expected    decimal.Decimal `json:"expected"`
	Counted     decimal.Decimal `json:"counted"`
	Difference  decimal.Decimal `json:"difference"`
	Explanation string          `json:"explanation"`
	Entries     int             `json:"entries"`
	ClosedBy    string          `json:"closed_by"`
	ClosedName  string          `json:"closed_by_name"`
	ClosedAt    time.Time       `json:"closed_at"`
}

func cashClosingOut(k store.CashClosing) cashClosingView {
	return cashClosingView{Day: k.Day.Format(time.DateOnly), Opening: k.Opening, Ins: k.Ins, Outs: k.Outs, Expected: k.Expected(), Counted: k.Counted,
		Difference: k.Difference(), Explanation: k.Explanation, Entries: k.Entries, ClosedBy: k.ClosedBy, ClosedName: staffName(k.ClosedBy), ClosedAt: k.ClosedAt}
}

type cashDayView struct {
	Day      string           `json:"day"`
	Opening  decimal.Decimal  `json:"opening"`
	Ins      decimal.Decimal  `json:"ins"`
	Outs     decimal.Decimal  `json:"outs"`
	Expected decimal.Decimal  `json:"expected"`
	Entries  []cashEntryView  `json:"entries"`
	Closing  *cashClosingView `json:"closing,omitempty"`
	Names    map[int64]string `json:"names"`
}

// cashDay answers GET /api/v1/cash-desk/days/{day} (YYYY-MM-DD or
// "today"): the day's entries, its ins, outs and the cash expected in the
// drawer, and its closing once made.
func (h *handler) cashDay(c *gin.Context) (*cashDayView, error) {
	inst, err := h.cashInstitution(c, "read")
	if err != nil {
		return nil, err
	}
	day := domain.CalendarDay(h.now())
	if s := c.Param("day"); s != "today" {
		if day, err = time.Parse(time.DateOnly, s); err != nil {
			return nil, domain.FieldError("day", "%q is not a day (YYYY-MM-DD)", printable(s, 20))
		}
	}
	ctx := c.Request.Context()
	tot, _, err := h.db.CashDayTotals(ctx, inst, day)
	if err != nil {
		return nil, err
	}
	entries, err := h.db.CashDayEntries(ctx, inst, day)
	if err != nil {
		return nil, err
	}
	accounts, err := h.db.CashAccounts(ctx, inst)
	if err != nil {
		return nil, err
	}
	v := &cashDayView{Day: day.Format(time.DateOnly), Opening: tot.Opening, Ins: tot.Ins, Outs: tot.Outs, Expected: tot.Expected(),
		Entries: cashEntriesOut(entries, cashLang(c)), Names: map[int64]string{}}
	names := map[int64]store.CashAccount{}
	for _, a := range accounts {
		names[a.PlacementID] = a
	}
	for _, e := range entries {
		if a, ok := names[e.PlacementID]; ok {
			v.Names[e.PlacementID] = a.Name
			auditPersons(c, a.PersonID)
		}
	}
	closings, err := h.db.CashClosings(ctx, inst)
	if err != nil {
		return nil, err
	}
	for _, k := range closings {
		if k.Day.Equal(day) {
			kv := cashClosingOut(k)
			v.Closing = &kv
		}
	}
	return v, nil
}

type cashClosingRequest struct {
	Day         string `json:"day"`
	Counted     string `json:"counted"`
	Explanation string `json:"explanation"`
}

// closeCashDay answers POST /api/v1/cash-desk/closings {day, counted,
// explanation}: the day's closing (400 for a difference unexplained, 409
// for a day closed already).
func (h *handler) closeCashDay(c *gin.Context) (*cashClosingView, error) {
	inst, err := h.cashInstitution(c, "close")
	if err != nil {
		return nil, err
	}
	var req cashClosingRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	var errs []*domain.Error
	day, derr := time.Parse(time.DateOnly, req.Day)
	if derr != nil {
		errs = append(errs, domain.FieldError("day", "%q is not a day (YYYY-MM-DD)", printable(req.Day, 20)))
	}
	counted, cerr := parseMoney("counted", req.Counted)
	if cerr != nil {
		errs = append(errs, cerr)
	}
	if len(errs) > 0 {
		return nil, domain.Invalid(errs)
	}
	k, err := h.db.CloseCashDay(c.Request.Context(), inst, day, counted, strings.TrimSpace(req.Explanation), userOf(c).Username, h.now())
	if err != nil {
		return nil, err
	}
	v := cashClosingOut(k)
	return &v, nil
}

type cashClosingsView struct {
	Closings []cashClosingView `json:"closings"`
}

// cashClosings answers GET /api/v1/cash-desk/closings: the days closed,
// newest first.
func (h *handler) cashClosings(c *gin.Context) (*cashClosingsView, error) {
	inst, err := h.cashInstitution(c, "read")
	if err != nil {
		return nil, err
	}
	list, err := h.db.CashClosings(c.Request.Context(), inst)
	if err != nil {
		return nil, err
	}
	v := &cashClosingsView{Closings: []cashClosingView{}}
	for _, k := range list {
		v.Closings = append(v.Closings, cashClosingOut(k))
	}
	return v, nil
}
