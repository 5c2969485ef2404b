package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
)

// Waiting lists (issue 23, item 6; migration 00053): a provider's waiting
// list for a service is the referrals to its contracts in state waiting,
// in the order they came (waiting since, then id). Each month a provider
// with a contract reports its list of the month before by the 5th
// (Hungary's KENYSZI); a daily run reminds it from the 3rd and escalates
// from the 6th. The referral's states are the ServiceReferral workflow's
// to change; this file only reads them.

// WaitingListDueDay is the day of the next month by which a month's
// waiting-list report is due; WaitingListReminderDay the day a provider
// that has not reported is reminded, and from the day after the due day
// it is escalated to the centres that referred to it.
const (
	WaitingListDueDay      = 5
	WaitingListReminderDay = 3
)

// Kinds of waiting-list reminders.
const (
	ReminderKindReminder   = "reminder"
	ReminderKindEscalation = "escalation"
)

// MaxReportNote is the longest the provider's note of differences may be.
const MaxReportNote = 4000

// WaitingEntry is a referral on a waiting list. The person is named only
// when the reader may see them (Named); otherwise PersonID and the names
// are empty.
type WaitingEntry struct {
	ReferralID     int64
	Position       int // 1 first
	Since          time.Time
	Days           int // days waiting on the day the list was read
	ContractID     int64
	ContractNumber string
	CentreID       string // the referring centre
	CaseNumber     string // only when named
	Named          bool
	PersonID       domain.PersonID
	GivenName      string
	FamilyName     string
	dv             bool
}

// ProviderWaitingList is a provider's waiting list for one service: how
// many wait, the longest wait, and the entries the reader may see.
type ProviderWaitingList struct {
	ProviderID   int64
	ProviderPIB  string
	ProviderName string
	Service      string
	Count        int
	LongestDays  int
	Entries      []WaitingEntry
	// Others counts the entries left out for a centre's reader: the
	// persons of other centres (and of the DV compartment for a reader
	// outside it).
	Others int
}

// WaitingListViewer is who reads a waiting list, which decides whose names
// they see. Exactly one of its kinds applies:
//   - ProviderPIB: a provider's staff (their own provider's lists only);
//     a person is named only per DelegatedAccessTo (identity scope);
//   - CentreID: a centre's staff: their centre's persons by name (DV
//     referrals only when DV is set), others' counted in Others;
//   - neither: the ministry: counts and the longest wait only.
type WaitingListViewer struct {
	ProviderPIB string
	CentreID    string
	DV          bool
}

// WaitingList returns the waiting lists of provider pib ("" every
// provider) for service ("" every service) on day, with each entry's
// position and days waiting, named as viewer may see them. A provider's
// staff read only their own provider's lists, whatever pib asks.
func (db *DB) WaitingList(ctx context.Context, viewer WaitingListViewer, pib, service string, day time.Time) ([]ProviderWaitingList, error) {
	if viewer.ProviderPIB != "" {
		pib = viewer.ProviderPIB
	}
	day = domain.CalendarDay(day)
	lists, err := waitingLists(ctx, db.pool, pib, service, day)
	if err != nil {
		return nil, err
	}
	for i := range lists {
		if err := db.redactWaitingList(ctx, &lists[i], viewer, day); err != nil {
			return nil, err
		}
	}
	return seenLists(lists), nil
}

// seenLists drops the lists left empty once the DV compartment's entries
// are out: a list exists only while someone waits on it, so an empty one
// would say that a hidden referral waits there.
func seenLists(lists []ProviderWaitingList) []ProviderWaitingList {
	return slices.DeleteFunc(lists, func(l ProviderWaitingList) bool { return l.Count == 0 })
}

// redactWaitingList leaves in l what viewer may see. A referral of the
// DV compartment does not exist for whoever is outside it: not in the
// entries, the positions, the count nor the longest wait (a provider sees
// it only through its DV delegation, a centre only its own DV staff, the
// ministry never); then each entry is named per the viewer's rights.
func (db *DB) redactWaitingList(ctx context.Context, l *ProviderWaitingList, viewer WaitingListViewer, day time.Time) error {
	access := map[domain.PersonID]DelegatedAccess{}
	if viewer.ProviderPIB != "" {
		for _, e := range l.Entries {
			if _, done := access[e.PersonID]; done {
				continue
			}
			a, _, err := db.DelegatedAccessTo(ctx, viewer.ProviderPIB, e.PersonID, day)
			if err != nil {
				return err
			}
			access[e.PersonID] = a
		}
	}
	l.keep(func(e WaitingEntry) bool {
		switch {
		case !e.dv:
		case viewer.ProviderPIB != "" && access[e.PersonID].Covers(e.ReferralID):
		case viewer.CentreID != "" && viewer.DV && e.CentreID == viewer.CentreID:
		default:
			return false
		}
		return true
	})
	switch {
	case viewer.ProviderPIB != "":
		for i := range l.Entries {
			e := &l.Entries[i]
			if a := access[e.PersonID]; !a.Covers(e.ReferralID) || !a.AllowsFor(e.ReferralID, services.ScopeIdentity) {
				e.hide()
			}
		}
	case viewer.CentreID != "":
		kept := l.Entries[:0]
		for _, e := range l.Entries {
			if e.CentreID == viewer.CentreID {
				kept = append(kept, e)
			} else {
				l.Others++
			}
		}
		l.Entries = kept
	default:
		l.Entries = nil
	}
	return nil
}

// keep leaves the entries seen says exist, renumbered, counted and with
// their longest wait.
func (l *ProviderWaitingList) keep(seen func(WaitingEntry) bool) {
	kept := l.Entries[:0]
	for _, e := range l.Entries {
		if seen(e) {
			kept = append(kept, e)
		}
	}
	l.Entries, l.Count, l.LongestDays = kept, len(kept), 0
	for i := range l.Entries {
		l.Entries[i].Position = i + 1
		l.LongestDays = max(l.LongestDays, l.Entries[i].Days)
	}
}

// DV reports whether any entry of the list is of the DV compartment.
func (l ProviderWaitingList) DV() bool {
	return slices.ContainsFunc(l.Entries, func(e WaitingEntry) bool { return e.dv })
}

func (e *WaitingEntry) hide() {
	e.Named, e.PersonID, e.GivenName, e.FamilyName, e.CaseNumber = false, "", "", "", ""
}

// waitingLists reads every entry of the lists, named, on day: the
// referrals waiting on day (waiting since that day or before, neither
// started nor ended by then, not cancelled since).
func waitingLists(ctx context.Context, q providerQuerier, pib, service string, day time.Time) ([]ProviderWaitingList, error) {
	rows, err := q.Query(ctx, `SELECT p.id, p.pib, p.name, r.service, r.id, coalesce(r.waiting_since, r.referred_on), c.id, c.number, r.centre_id,
			r.case_number, r.dv, r.person_id, pe.given_name, pe.family_name
		FROM service_referrals r JOIN service_contracts c ON c.id = r.contract_id JOIN providers p ON p.id = c.provider_id
			JOIN persons pe ON pe.id = r.person_id
		WHERE (@pib = '' OR p.pib = @pib) AND (@service = '' OR r.service = @service)
			AND coalesce(r.waiting_since, r.referred_on) <= @day
			AND (r.state = 'waiting' OR r.waiting_since IS NOT NULL AND (r.started_on > @day OR r.started_on IS NULL AND r.ended_on > @day))
		ORDER BY p.name, p.id, r.service, 6, r.id`,
		pgx.NamedArgs{"pib": pib, "service": service, "day": day})
	if err != nil {
		return nil, fmt.Errorf("waiting lists: %w", err)
	}
	defer rows.Close()
	var out []ProviderWaitingList
	for rows.Next() {
		var l ProviderWaitingList
		var e WaitingEntry
		if err := rows.Scan(&l.ProviderID, &l.ProviderPIB, &l.ProviderName, &l.Service, &e.ReferralID, &e.Since, &e.ContractID, &e.ContractNumber,
			&e.CentreID, &e.CaseNumber, &e.dv, &e.PersonID, &e.GivenName, &e.FamilyName); err != nil {
			return nil, fmt.Errorf("scan waiting list: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].ProviderID != l.ProviderID || out[n-1].Service != l.Service {
			out = append(out, l)
		}
		cur := &out[len(out)-1]
		e.Named = true
		e.Position = len(cur.Entries) + 1
		e.Days = int(day.Sub(domain.CalendarDay(e.Since)).Hours() / 24)
		cur.Entries = append(cur.Entries, e)
		cur.Count++
		cur.LongestDays = max(cur.LongestDays, e.Days)
	}
	return out, rows.Err()
}

// ReportedService is one service of a waiting-list report: how many
// waited at the month's end, and each referral's position and days
// waiting (referral ids, never a name).
type ReportedService struct {
	Service string          `json:"service"`
	Count   int             `json:"count"`
	Entries []ReportedEntry `json:"entries"`
}

// ReportedEntry is a referral's place in a reported list.
type ReportedEntry struct {
	ReferralID int64 `json:"referral_id"`
	Position   int   `json:"position"`
	Days       int   `json:"days"`
}

// WaitingListReport is a provider's monthly waiting-list report.
type WaitingListReport struct {
	ID           int64
	ProviderID   int64
	ProviderPIB  string
	ProviderName string
	Month        time.Time // the month reported, its first day
	DueOn        time.Time
	SubmittedAt  time.Time
	SubmittedBy  string
	Late         bool
	Services     []ReportedService
	Matches      bool
	Differences  string
}

// WaitingListDue is the day the report of month is due: the 5th of the
// month after.
func WaitingListDue(month time.Time) time.Time {
	m := firstOfMonth(month)
	return m.AddDate(0, 1, WaitingListDueDay-1)
}

// firstOfMonth is the first day of t's month.
func firstOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// WaitingListSubmission is what a provider sends: the month reported,
// whether Karton's list of its end matches the provider's own (Matches,
// nil when the provider did not say), and else the differences.
type WaitingListSubmission struct {
	Month       time.Time
	Matches     *bool
	Differences string
}

// SubmitWaitingListReport records provider pib's report of a month: the
// list of the month's last day as Karton holds it, and the provider's
// confirmation or its differences. Every fault of the submission is a 400
// at once (a month not ended, no confirmation, differences without a
// note, a month the provider had no contract in force); a month
// reported already is a 409 naming when and by whom; after
// the due day the report is recorded as late.
func (db *DB) SubmitWaitingListReport(ctx context.Context, pib string, s WaitingListSubmission, by string, at time.Time) (WaitingListReport, error) {
	today := domain.CalendarDay(at)
	var errs []*domain.Error
	switch {
	case s.Month.IsZero():
		errs = append(errs, domain.FieldError("month", "the month reported is required (YYYY-MM)"))
	case !firstOfMonth(s.Month).Before(firstOfMonth(today)):
		errs = append(errs, domain.FieldError("month", "the month %s has not ended: a month is reported once it is over", s.Month.Format("2006-01")))
	}
	note := strings.TrimSpace(s.Differences)
	switch {
	case s.Matches == nil:
		errs = append(errs, domain.FieldError("matches", "say whether the list matches the provider's own (true) or not (false, with the differences)"))
	case !*s.Matches && note == "":
		errs = append(errs, domain.FieldError("differences", "a list that does not match says how it differs"))
	}
	if len([]rune(note)) > MaxReportNote {
		errs = append(errs, domain.FieldError("differences", "the note has %d characters; at most %d", len([]rune(note)), MaxReportNote))
	}
	if len(errs) > 0 {
		return WaitingListReport{}, domain.Invalid(errs)
	}
	month := firstOfMonth(s.Month)
	var out WaitingListReport
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var pid int64
		if err := tx.QueryRow(ctx, `SELECT id FROM providers WHERE pib = $1`, pib).Scan(&pid); err != nil {
			return translate(err, "provider "+pib)
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('waiting-list-report'), $1::int)`, pid); err != nil {
			return fmt.Errorf("lock waiting-list report: %w", err)
		}
		var owes bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM service_contracts c WHERE c.provider_id = @id AND `+contractInForceDuring+`)`,
			pgx.NamedArgs{"id": pid, "first": month, "last": month.AddDate(0, 1, -1)}).Scan(&owes); err != nil {
			return fmt.Errorf("contracts of provider %d: %w", pid, err)
		}
		if !owes {
			return domain.FieldError("month", "the provider had no contract in force in %s: no waiting-list report is due", month.Format("2006-01"))
		}
		var when time.Time
		var who string
		err := tx.QueryRow(ctx, `SELECT submitted_at, submitted_by FROM waiting_list_reports WHERE provider_id = $1 AND month = $2`, pid, month).Scan(&when, &who)
		if err == nil {
			return domain.Errorf(domain.CodeConflict, "the waiting-list report of %s was submitted on %s by %s", month.Format("2006-01"),
				when.UTC().Format(time.DateOnly), who)
		} else if err != pgx.ErrNoRows {
			return fmt.Errorf("waiting-list report: %w", err)
		}
		last := month.AddDate(0, 1, -1)
		lists, err := waitingLists(ctx, tx, pib, "", last)
		if err != nil {
			return err
		}
		for i := range lists { // the DV compartment's referrals are not reported outside it
			lists[i].keep(func(e WaitingEntry) bool { return !e.dv })
		}
		list := reportedServices(seenLists(lists))
		body, err := json.Marshal(list)
		if err != nil {
			return err
		}
		due := WaitingListDue(month)
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO waiting_list_reports (provider_id, month, due_on, submitted_at, submitted_by, late, list, matches, differences)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, pid, month, due, at, by, today.After(due), body, *s.Matches, note).Scan(&id); err != nil {
			return translate(err, "waiting-list report of "+month.Format("2006-01"))
		}
		reports, err := waitingListReports(ctx, tx, `r.id = $1`, id)
		if err != nil {
			return err
		}
		out = reports[0]
		return nil
	})
	return out, err
}

// reportedServices is lists as a report keeps them: ids and numbers only.
func reportedServices(lists []ProviderWaitingList) []ReportedService {
	out := []ReportedService{}
	for _, l := range lists {
		s := ReportedService{Service: l.Service, Count: l.Count, Entries: []ReportedEntry{}}
		for _, e := range l.Entries {
			s.Entries = append(s.Entries, ReportedEntry{ReferralID: e.ReferralID, Position: e.Position, Days: e.Days})
		}
		out = append(out, s)
	}
	return out
}

func waitingListReports(ctx context.Context, q providerQuerier, where string, args ...any) ([]WaitingListReport, error) {
	rows, err := q.Query(ctx, `SELECT r.id, r.provider_id, p.pib, p.name, r.month, r.due_on, r.submitted_at, r.submitted_by, r.late, r.list,
			r.matches, r.differences
		FROM waiting_list_reports r JOIN providers p ON p.id = r.provider_id WHERE `+where+` ORDER BY r.month DESC, p.name, r.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("waiting-list reports: %w", err)
	}
	defer rows.Close()
	out := []WaitingListReport{}
	for rows.Next() {
		var r WaitingListReport
		var list []byte
		if err := rows.Scan(&r.ID, &r.ProviderID, &r.ProviderPIB, &r.ProviderName, &r.Month, &r.DueOn, &r.SubmittedAt, &r.SubmittedBy, &r.Late, &list,
			&r.Matches, &r.Differences); err != nil {
			return nil, fmt.Errorf("scan waiting-list report: %w", err)
		}
		if err := json.Unmarshal(list, &r.Services); err != nil {
			return nil, fmt.Errorf("waiting-list report %d: %w", r.ID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// WaitingListReports lists the reports of provider pib ("" every
// provider), of month (zero: every month), the newest month first.
func (db *DB) WaitingListReports(ctx context.Context, pib string, month time.Time) ([]WaitingListReport, error) {
	var m *time.Time
	if !month.IsZero() {
		s := firstOfMonth(month)
		m = &s
	}
	return waitingListReports(ctx, db.pool, `($1 = '' OR p.pib = $1) AND ($2::date IS NULL OR r.month = $2::date)`, pib, m)
}

// WaitingListDueProvider is a provider that owes a month's report: one
// with a contract in force during the month.
type WaitingListDueProvider struct {
	ProviderID   int64
	ProviderPIB  string
	ProviderName string
	Report       *WaitingListReport // nil: not reported
	// Overdue: not reported and the due day is past.
	Overdue bool
}

// contractInForceDuring is the SQL condition of contract c being in force
// on a day of the month from @first to @last (not ended before it).
const contractInForceDuring = `c.valid_from <= @last AND c.valid_until >= @first AND (c.ended_on IS NULL OR c.ended_on >= @first)`

// WaitingListStatus lists, for month, every provider (of pib, "" all)
// with a contract in force during it, with its report or, on today, whether
// it is overdue: who reported and who is late.
func (db *DB) WaitingListStatus(ctx context.Context, pib string, month, today time.Time) ([]WaitingListDueProvider, error) {
	first := firstOfMonth(month)
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT p.id, p.pib, p.name FROM providers p JOIN service_contracts c ON c.provider_id = p.id
		WHERE (@pib = '' OR p.pib = @pib) AND `+contractInForceDuring+` ORDER BY p.name, p.id`,
		pgx.NamedArgs{"pib": pib, "first": first, "last": first.AddDate(0, 1, -1)})
	if err != nil {
		return nil, fmt.Errorf("providers owing a waiting-list report: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (WaitingListDueProvider, error) {
		var d WaitingListDueProvider
		err := r.Scan(&d.ProviderID, &d.ProviderPIB, &d.ProviderName)
		return d, err
	})
	if err != nil {
		return nil, err
	}
	reports, err := db.WaitingListReports(ctx, pib, first)
	if err != nil {
		return nil, err
	}
	due := WaitingListDue(first)
	for i := range out {
		for j := range reports {
			if reports[j].ProviderID == out[i].ProviderID {
				out[i].Report = &reports[j]
			}
		}
		out[i].Overdue = out[i].Report == nil && domain.CalendarDay(today).After(due)
	}
	return out, nil
}

// WaitingListReminder is a reminder or escalation sent of a month's report.
type WaitingListReminder struct {
	ProviderPIB  string
	ProviderName string
	Month        time.Time
	Kind         string
	SentOn       time.Time
	SentTo       []string // "provider:<PIB>", "centre:<id>"
}

// WaitingListReminderCounts is what a daily run found and sent.
type WaitingListReminderCounts struct {
	Month       time.Time
	Unreported  int // providers owing the month's report on the day
	Reminders   int // reminders recorded now
	Escalations int // escalations recorded now
}

// RemindWaitingLists sends, on day, what is due of the previous month's
// reports: from the 3rd to the 5th a reminder to each provider with a
// contract in force during the month that has not reported it; from the
// 6th an escalation to the provider and to the centres that referred to
// it (and the centres whose contract it holds). Each is recorded once per
// provider, month and kind, so running again the same day, or the next,
// sends nothing twice. Before the 3rd it does nothing.
func (db *DB) RemindWaitingLists(ctx context.Context, day time.Time) (WaitingListReminderCounts, error) {
	day = domain.CalendarDay(day)
	month := firstOfMonth(day).AddDate(0, -1, 0)
	res := WaitingListReminderCounts{Month: month}
	if day.Day() < WaitingListReminderDay {
		return res, nil
	}
	due, err := db.WaitingListStatus(ctx, "", month, day)
	if err != nil {
		return res, err
	}
	kind := ReminderKindReminder
	if day.Day() > WaitingListDueDay {
		kind = ReminderKindEscalation
	}
	err = db.InTx(ctx, func(tx pgx.Tx) error {
		for _, d := range due {
			if d.Report != nil {
				continue
			}
			res.Unreported++
			to := []string{"provider:" + d.ProviderPIB}
			if kind == ReminderKindEscalation {
				centres, err := referringCentres(ctx, tx, d.ProviderID, month)
				if err != nil {
					return err
				}
				for _, c := range centres {
					to = append(to, "centre:"+c)
				}
			}
			tag, err := tx.Exec(ctx, `INSERT INTO waiting_list_reminders (provider_id, month, kind, sent_on, sent_to) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT DO NOTHING`, d.ProviderID, month, kind, day, to)
			if err != nil {
				return fmt.Errorf("waiting-list %s of provider %d: %w", kind, d.ProviderID, err)
			}
			if tag.RowsAffected() == 1 && kind == ReminderKindReminder {
				res.Reminders++
			} else if tag.RowsAffected() == 1 {
				res.Escalations++
			}
		}
		return nil
	})
	return res, err
}

// referringCentres are the centres that referred persons to the provider
// (any referral not withdrawn) and those whose contract with it was in
// force during month, in order.
func referringCentres(ctx context.Context, tx pgx.Tx, providerID int64, month time.Time) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT r.centre_id FROM service_referrals r JOIN service_contracts c ON c.id = r.contract_id
			WHERE c.provider_id = @id AND r.state <> 'cancelled'
		UNION SELECT c.centre_id FROM service_contracts c WHERE c.provider_id = @id AND c.centre_id <> '' AND `+contractInForceDuring+`
		ORDER BY 1`, pgx.NamedArgs{"id": providerID, "first": month, "last": month.AddDate(0, 1, -1)})
	if err != nil {
		return nil, fmt.Errorf("centres referring to provider %d: %w", providerID, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// WaitingListReminders lists the reminders and escalations of provider
// pib ("" every provider) sent to centre ("" anyone), the newest first.
func (db *DB) WaitingListReminders(ctx context.Context, pib, centre string) ([]WaitingListReminder, error) {
	rows, err := db.pool.Query(ctx, `SELECT p.pib, p.name, m.month, m.kind, m.sent_on, m.sent_to
		FROM waiting_list_reminders m JOIN providers p ON p.id = m.provider_id
		WHERE ($1 = '' OR p.pib = $1) AND ($2 = '' OR ('centre:' || $2) = ANY (m.sent_to))
		ORDER BY m.sent_on DESC, p.name, m.kind LIMIT 500`, pib, centre)
	if err != nil {
		return nil, fmt.Errorf("waiting-list reminders: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (WaitingListReminder, error) {
		var m WaitingListReminder
		err := r.Scan(&m.ProviderPIB, &m.ProviderName, &m.Month, &m.Kind, &m.SentOn, &m.SentTo)
		return m, err
	})
}
