package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
)

// LicenceApplication is a provider's e-application for a licence, a
// modification or a deletion (issue 21), or a renewal Karton opened, with
// where its Licence workflow stands.
type LicenceApplication struct {
	ID           int64
	Kind         string
	PIB          string
	ProviderID   *int64
	Name         string
	Street       string
	Municipality string
	FoundedOn    *time.Time
	Services     []string
	StartOn      *time.Time
	Reason       string
	State        string
	InspectionOn *time.Time
	Inspection   json.RawMessage
	InspectedBy  string
	Draft        *providers.Draft
	DraftedBy    string
	ApprovedBy   string
	Decision     string // the decision's number, once issued
	DecisionKey  string
	DecisionSHA  string
	DecidedAt    *time.Time
	Licences     []string // the licences the decision recorded
	ValidUntil   *time.Time
	RenewalOf    *int64
	FiledBy      string
	FiledAt      time.Time
	UpdatedAt    time.Time
	Documents    []LicenceDocument
}

// LicenceDocument is a document of an application, kept in the object store.
type LicenceDocument struct {
	Kind        string
	ObjectKey   string
	FileName    string
	ContentType string
	Size        int64
	SHA256      string
}

// LicenceNotice is a notice of a licence's coming expiry.
type LicenceNotice struct {
	ApplicationID int64
	Kind          string // expiry_6m, expiry_3m
	PIB           string
	ProviderName  string
	ValidUntil    time.Time
	CreatedAt     time.Time
}

const applicationColumns = `id, kind, pib, provider_id, name, street, municipality, founded_on, services, start_on, reason, state,
	inspection_on, inspection, coalesce(inspected_by, ''), draft, coalesce(drafted_by, ''), coalesce(approved_by, ''),
	coalesce(decision_number, ''), coalesce(decision_key, ''), coalesce(decision_sha256, ''), decided_at, licences, valid_until,
	renewal_of, filed_by, filed_at, updated_at`

func scanApplication(r pgx.Row) (LicenceApplication, error) {
	var a LicenceApplication
	var draft []byte
	err := r.Scan(&a.ID, &a.Kind, &a.PIB, &a.ProviderID, &a.Name, &a.Street, &a.Municipality, &a.FoundedOn, &a.Services, &a.StartOn,
		&a.Reason, &a.State, &a.InspectionOn, &a.Inspection, &a.InspectedBy, &draft, &a.DraftedBy, &a.ApprovedBy, &a.Decision,
		&a.DecisionKey, &a.DecisionSHA, &a.DecidedAt, &a.Licences, &a.ValidUntil, &a.RenewalOf, &a.FiledBy, &a.FiledAt, &a.UpdatedAt)
	if err == nil && len(draft) > 0 {
		a.Draft = &providers.Draft{}
		err = json.Unmarshal(draft, a.Draft)
	}
	return a, err
}

func applicationByID(ctx context.Context, q providerQuerier, id int64, lock bool) (LicenceApplication, error) {
	sql := `SELECT ` + applicationColumns + ` FROM licence_applications WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	a, err := scanApplication(q.QueryRow(ctx, sql, id))
	if err != nil {
		return LicenceApplication{}, translate(err, fmt.Sprintf("licence application %d", id))
	}
	rows, err := q.Query(ctx, `SELECT kind, object_key, file_name, content_type, size, sha256 FROM licence_documents
		WHERE application_id = $1 ORDER BY uploaded_at, kind`, id)
	if err != nil {
		return LicenceApplication{}, fmt.Errorf("application's documents: %w", err)
	}
	defer rows.Close()
	a.Documents = []LicenceDocument{}
	for rows.Next() {
		var d LicenceDocument
		if err := rows.Scan(&d.Kind, &d.ObjectKey, &d.FileName, &d.ContentType, &d.Size, &d.SHA256); err != nil {
			return LicenceApplication{}, fmt.Errorf("scan document: %w", err)
		}
		a.Documents = append(a.Documents, d)
	}
	return a, rows.Err()
}

// LicenceApplicationByID returns an application with its documents.
func (db *DB) LicenceApplicationByID(ctx context.Context, id int64) (LicenceApplication, error) {
	return applicationByID(ctx, db.pool, id, false)
}

// ProviderByPIB returns the provider on the register with the PIB; ok
// false when none is.
func (db *DB) ProviderByPIB(ctx context.Context, pib string) (Provider, bool, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT id FROM providers WHERE pib = $1`, pib).Scan(&id)
	if err == pgx.ErrNoRows {
		return Provider{}, false, nil
	}
	if err != nil {
		return Provider{}, false, fmt.Errorf("provider by PIB: %w", err)
	}
	p, err := db.ProviderByID(ctx, id)
	return p, err == nil, err
}

// FileLicenceApplication records an application in one transaction with
// its documents: keep stores the documents (in the object store, under
// keys of the new id) and returns them; any failure leaves nothing
// recorded. The caller has checked the application (providers.CheckApplication).
func (db *DB) FileLicenceApplication(ctx context.Context, a LicenceApplication, keep func(id int64) ([]LicenceDocument, error)) (LicenceApplication, error) {
	var out LicenceApplication
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO licence_applications (kind, pib, provider_id, name, street, municipality, founded_on, services,
			start_on, reason, state, filed_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			a.Kind, a.PIB, a.ProviderID, a.Name, a.Street, a.Municipality, a.FoundedOn, nonNil(a.Services), a.StartOn, a.Reason,
			providers.StateSubmitted, a.FiledBy).Scan(&id); err != nil {
			return fmt.Errorf("insert licence application: %w", err)
		}
		if err := keepDocuments(ctx, tx, id, keep); err != nil {
			return err
		}
		var err error
		out, err = applicationByID(ctx, tx, id, false)
		return err
	})
	return out, err
}

func keepDocuments(ctx context.Context, tx pgx.Tx, id int64, keep func(id int64) ([]LicenceDocument, error)) error {
	docs, err := keep(id)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if _, err := tx.Exec(ctx, `INSERT INTO licence_documents (application_id, kind, object_key, file_name, content_type, size, sha256)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, d.Kind, d.ObjectKey, d.FileName, d.ContentType, d.Size, d.SHA256); err != nil {
			return translate(err, "document "+d.Kind)
		}
	}
	return nil
}

// SubmitRenewal takes the maintainer's documents of a renewal waiting for
// them, in one transaction, and marks it submitted; a renewal not waiting
// for documents is a conflict.
func (db *DB) SubmitRenewal(ctx context.Context, id int64, keep func(id int64) ([]LicenceDocument, error)) (LicenceApplication, error) {
	var out LicenceApplication
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		a, err := applicationByID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if a.State != providers.StateAwaitingDocuments {
			return domain.Errorf(domain.CodeConflict, "application %d is %s: it waits for no documents", id, a.State)
		}
		if err := keepDocuments(ctx, tx, id, keep); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE licence_applications SET state = $2, updated_at = now() WHERE id = $1`, id, providers.StateSubmitted); err != nil {
			return fmt.Errorf("submit renewal: %w", err)
		}
		out, err = applicationByID(ctx, tx, id, false)
		return err
	})
	return out, err
}

// DeleteLicenceApplication removes an application whose workflow could
// not be started (the filing is undone; its documents' rows go with it).
func (db *DB) DeleteLicenceApplication(ctx context.Context, id int64) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM licence_applications WHERE id = $1 AND decided_at IS NULL`, id)
	return err
}

// ReopenRenewal puts a renewal whose workflow could not be started back
// to waiting for its documents (they are removed).
func (db *DB) ReopenRenewal(ctx context.Context, id int64) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM licence_documents WHERE application_id = $1`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE licence_applications SET state = $2 WHERE id = $1`, id, providers.StateAwaitingDocuments)
		return err
	})
}

// ApplicationFilter narrows the list of applications: by PIB (a
// maintainer sees their company's only) and states (empty: any).
type ApplicationFilter struct {
	PIB    string
	States []string
}

// LicenceApplications lists applications, newest first (at most 500).
func (db *DB) LicenceApplications(ctx context.Context, f ApplicationFilter) ([]LicenceApplication, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+applicationColumns+` FROM licence_applications
		WHERE ($1 = '' OR pib = $1) AND (cardinality($2::text[]) = 0 OR state = ANY($2)) ORDER BY id DESC LIMIT 500`, f.PIB, nonNil(f.States))
	if err != nil {
		return nil, fmt.Errorf("licence applications: %w", err)
	}
	defer rows.Close()
	out := []LicenceApplication{}
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, fmt.Errorf("scan application: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// MoveLicenceApplication moves an application from state from to state
// to (with the day of its inspection, when scheduled); an application in
// state to already is left as it is (a retried activity).
func (db *DB) MoveLicenceApplication(ctx context.Context, id int64, from []string, to string, inspectionOn *time.Time) (LicenceApplication, error) {
	var out LicenceApplication
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		a, err := applicationByID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if a.State != to {
			ok := false
			for _, s := range from {
				ok = ok || s == a.State
			}
			if !ok {
				return domain.Errorf(domain.CodeConflict, "application %d is %s, not %v", id, a.State, from)
			}
			if _, err := tx.Exec(ctx, `UPDATE licence_applications SET state = $2, inspection_on = coalesce($3, inspection_on), updated_at = now()
				WHERE id = $1`, id, to, inspectionOn); err != nil {
				return fmt.Errorf("move application: %w", err)
			}
		}
		out, err = applicationByID(ctx, tx, id, false)
		return err
	})
	return out, err
}

// SaveLicenceInspection keeps an officer's inspection report on an
// application waiting for its inspection; the workflow accepts it
// (RecordLicenceInspection) or a later report replaces it.
func (db *DB) SaveLicenceInspection(ctx context.Context, id int64, report json.RawMessage, by string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE licence_applications SET inspection = $2, inspected_by = $3, updated_at = now()
		WHERE id = $1 AND state = $4`, id, report, by, providers.StateInspection)
	if err != nil {
		return fmt.Errorf("save inspection: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return db.expectState(ctx, id, "", "inspection report")
	}
	return nil
}

// RecordLicenceInspection accepts the report by saved and moves the
// application on to the decision's draft; a retry changes nothing.
func (db *DB) RecordLicenceInspection(ctx context.Context, id int64, by string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE licence_applications SET state = $2, updated_at = now()
		WHERE id = $1 AND state = $3 AND inspected_by = $4 AND inspection IS NOT NULL`, id, providers.StateDrafting, providers.StateInspection, by)
	if err != nil {
		return fmt.Errorf("record inspection: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return db.expectState(ctx, id, providers.StateDrafting, "inspection report")
	}
	return nil
}

// SaveLicenceDraft keeps an officer's draft of the decision on an
// application waiting for one; the workflow accepts it (RecordLicenceDraft).
func (db *DB) SaveLicenceDraft(ctx context.Context, id int64, d providers.Draft, by string) error {
	b, _ := json.Marshal(d)
	tag, err := db.pool.Exec(ctx, `UPDATE licence_applications SET draft = $2, drafted_by = $3, approved_by = NULL, updated_at = now()
		WHERE id = $1 AND state = $4`, id, b, by, providers.StateDrafting)
	if err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return db.expectState(ctx, id, "", "draft")
	}
	return nil
}

// RecordLicenceDraft accepts the draft by saved and puts it before a
// second officer; a retry changes nothing.
func (db *DB) RecordLicenceDraft(ctx context.Context, id int64, by string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE licence_applications SET state = $2, updated_at = now()
		WHERE id = $1 AND state = $3 AND drafted_by = $4 AND draft IS NOT NULL`, id, providers.StateApproval, providers.StateDrafting, by)
	if err != nil {
		return fmt.Errorf("record draft: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return db.expectState(ctx, id, providers.StateApproval, "draft")
	}
	return nil
}

// RecordLicenceApproval records the second officer's approval of the
// draft (the decision is then issued), or sends the draft back to be
// drafted again. The drafter may not approve (four eyes; the workflow has
// refused it already, the database checks again).
func (db *DB) RecordLicenceApproval(ctx context.Context, id int64, approve bool, by string) error {
	sql := `UPDATE licence_applications SET approved_by = $2, updated_at = now() WHERE id = $1 AND state = $3 AND drafted_by <> $2 AND $4 <> ''`
	if !approve {
		sql = `UPDATE licence_applications SET draft = NULL, drafted_by = NULL, approved_by = NULL, state = $4, updated_at = now()
			WHERE id = $1 AND state = $3 AND drafted_by <> $2`
	}
	tag, err := db.pool.Exec(ctx, sql, id, by, providers.StateApproval, providers.StateDrafting)
	if err != nil {
		return fmt.Errorf("record approval: %w", err)
	}
	if tag.RowsAffected() == 0 {
		a, err := db.LicenceApplicationByID(ctx, id)
		switch {
		case err != nil:
			return err
		case a.DraftedBy == by:
			return domain.Errorf(domain.CodeForbidden, "four eyes: %s drafted this decision and may not approve it", by)
		case approve && a.ApprovedBy == by, !approve && a.State == providers.StateDrafting:
			return nil // a retry
		}
		return domain.Errorf(domain.CodeConflict, "application %d is %s: it waits for no approval", id, a.State)
	}
	return nil
}

func (db *DB) expectState(ctx context.Context, id int64, want, what string) error {
	a, err := db.LicenceApplicationByID(ctx, id)
	if err != nil {
		return err
	}
	if a.State == want {
		return nil
	}
	return domain.Errorf(domain.CodeConflict, "application %d is %s: it takes no %s", id, a.State, what)
}

// LicenceDecision is a decision on an application as its activity issues it.
type LicenceDecision struct {
	Number     string
	Key        string // the PDF's object key
	SHA256     string
	At         time.Time
	ValidFrom  time.Time // the licence's first day, or the day a change or deletion takes effect
	ValidUntil time.Time // the licences' last day (grants with services)
}

// LicenceNumbers are the numbers of the licences application id's
// decision records, one per service: "ML-<id>-<n>".
func LicenceNumbers(id int64, services []string) []string {
	out := make([]string, len(services))
	for i := range services {
		out[i] = fmt.Sprintf("ML-%d-%d", id, i+1)
	}
	return out
}

// RecordLicenceDecision records an approved decision on application id in
// one transaction: the register as it decides (a registration's provider
// and its licences; a modification's changed data and added licences; a
// renewal's new licences; a deletion withdraws every licence in force),
// and the application's outcome. A decision recorded already (a retried
// activity) is returned as it was, recording nothing twice.
func (db *DB) RecordLicenceDecision(ctx context.Context, id int64, d LicenceDecision) (LicenceApplication, error) {
	var out LicenceApplication
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		a, err := applicationByID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if a.DecidedAt != nil {
			out = a
			return nil
		}
		if a.State != providers.StateApproval || a.ApprovedBy == "" || a.Draft == nil {
			return domain.Errorf(domain.CodeConflict, "application %d is %s without an approved draft: no decision to issue", id, a.State)
		}
		state, numbers := providers.StateRefused, []string{}
		var until *time.Time
		if a.Draft.Granted() {
			state = providers.StateGranted
			if a.ProviderID, err = applyToRegister(ctx, tx, a, d); err != nil {
				return err
			}
			if a.Kind != providers.KindDeletion && len(a.Services) > 0 {
				numbers, until = LicenceNumbers(id, a.Services), &d.ValidUntil
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE licence_applications SET state = $2, decision_number = $3, decision_key = $4, decision_sha256 = $5,
			decided_at = $6, licences = $7, valid_until = $8, provider_id = $9, updated_at = now() WHERE id = $1`,
			id, state, d.Number, d.Key, d.SHA256, d.At, numbers, until, a.ProviderID); err != nil {
			return translate(err, "decision "+d.Number)
		}
		out, err = applicationByID(ctx, tx, id, false)
		return err
	})
	return out, err
}

// applyToRegister writes a granted application into the register and
// returns its provider's id.
func applyToRegister(ctx context.Context, tx pgx.Tx, a LicenceApplication, d LicenceDecision) (*int64, error) {
	var pid int64
	switch a.Kind {
	case providers.KindRegistration:
		err := tx.QueryRow(ctx, `INSERT INTO providers (name, pib, street, municipality, founded_on, created_by)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, a.Name, a.PIB, a.Street, a.Municipality, a.FoundedOn, a.ApprovedBy).Scan(&pid)
		if err != nil {
			return nil, translate(err, "provider with PIB "+a.PIB)
		}
	default:
		if a.ProviderID == nil {
			return nil, domain.Errorf(domain.CodeConflict, "application %d names no provider", a.ID)
		}
		pid = *a.ProviderID
	}
	switch a.Kind {
	case providers.KindModification:
		if _, err := tx.Exec(ctx, `UPDATE providers SET name = coalesce(nullif($2, ''), name), street = coalesce(nullif($3, ''), street),
			municipality = coalesce(nullif($4, ''), municipality) WHERE id = $1`, pid, a.Name, a.Street, a.Municipality); err != nil {
			return nil, fmt.Errorf("modify provider: %w", err)
		}
	case providers.KindDeletion:
		if _, err := tx.Exec(ctx, `UPDATE provider_licences SET withdrawn_on = $2, withdrawal_reason = $3, withdrawn_by = $4
			WHERE provider_id = $1 AND withdrawn_on IS NULL AND valid_until >= $2`, pid, d.ValidFrom,
			fmt.Sprintf("deleted from the register at the provider's request (decision %s)", d.Number), a.ApprovedBy); err != nil {
			return nil, fmt.Errorf("delete provider's licences: %w", err)
		}
		if _, err := SuspendContractsWithoutLicence(ctx, tx, pid, d.ValidFrom); err != nil { // issue 23: its contracts
			return nil, err
		}
		return &pid, nil
	}
	for i, number := range LicenceNumbers(a.ID, a.Services) {
		if _, err := tx.Exec(ctx, `INSERT INTO provider_licences (number, provider_id, service, valid_from, valid_until, recorded_by)
			VALUES ($1, $2, $3, $4, $5, $6)`, number, pid, a.Services[i], d.ValidFrom, d.ValidUntil, a.ApprovedBy); err != nil {
			return nil, translate(err, "licence "+number)
		}
	}
	return &pid, nil
}

// RecordLicenceNotice records a notice of the coming expiry of the
// licences application id granted (once per kind); the second one
// (expiry_3m) also opens the renewal: an application of kind renewal for
// the same services from the day after they expire, waiting for the
// maintainer's documents. Returns the renewal's id (0 for expiry_6m).
func (db *DB) RecordLicenceNotice(ctx context.Context, id int64, kind string) (int64, error) {
	var renewal int64
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		a, err := applicationByID(ctx, tx, id, false)
		if err != nil {
			return err
		}
		if a.ValidUntil == nil {
			return domain.Errorf(domain.CodeConflict, "application %d granted no licence that expires", id)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO licence_notices (application_id, kind, pib, valid_until) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, id, kind, a.PIB, *a.ValidUntil); err != nil {
			return fmt.Errorf("record notice: %w", err)
		}
		if kind != "expiry_3m" {
			return nil
		}
		start := a.ValidUntil.AddDate(0, 0, 1)
		if _, err := tx.Exec(ctx, `INSERT INTO licence_applications (kind, pib, provider_id, services, start_on, state, renewal_of, filed_by, reason)
			VALUES ('renewal', $1, $2, $3, $4, $5, $6, 'karton', $7) ON CONFLICT (renewal_of) DO NOTHING`,
			a.PIB, a.ProviderID, a.Services, start, providers.StateAwaitingDocuments, id,
			fmt.Sprintf("renewal of the licences %v ending on %s", a.Licences, a.ValidUntil.Format(time.DateOnly))); err != nil {
			return fmt.Errorf("open renewal: %w", err)
		}
		return tx.QueryRow(ctx, `SELECT id FROM licence_applications WHERE renewal_of = $1`, id).Scan(&renewal)
	})
	return renewal, err
}

// LicenceNotices lists the notices of expiry, newest first: of one PIB's
// licences, or (pib empty) all.
func (db *DB) LicenceNotices(ctx context.Context, pib string) ([]LicenceNotice, error) {
	rows, err := db.pool.Query(ctx, `SELECT n.application_id, n.kind, n.pib, coalesce(p.name, a.name), n.valid_until, n.created_at
		FROM licence_notices n JOIN licence_applications a ON a.id = n.application_id LEFT JOIN providers p ON p.id = a.provider_id
		WHERE $1 = '' OR n.pib = $1 ORDER BY n.created_at DESC, n.application_id LIMIT 200`, pib)
	if err != nil {
		return nil, fmt.Errorf("licence notices: %w", err)
	}
	defer rows.Close()
	out := []LicenceNotice{}
	for rows.Next() {
		var n LicenceNotice
		if err := rows.Scan(&n.ApplicationID, &n.Kind, &n.PIB, &n.ProviderName, &n.ValidUntil, &n.CreatedAt); err != nil {
			return nil, fmt.Errorf("scan notice: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
