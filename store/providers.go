package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
)

// Provider is a licensed (or once licensed) social service provider
// (issue 21) with its licences, newest first.
type Provider struct {
	ID           int64
	Name         string
	PIB          string
	Street       string
	Municipality string
	FoundedOn    time.Time
	CreatedBy    string
	CreatedAt    time.Time
	Licences     []ProviderLicence
}

// ProviderLicence is one licence of a provider for one service.
type ProviderLicence struct {
	providers.Licence
	ProviderID       int64
	WithdrawalReason string
	RecordedBy       string
	RecordedAt       time.Time
}

// Rules is the provider as domain/providers checks it.
func (p Provider) Rules() providers.Provider {
	return providers.Provider{Name: p.Name, PIB: domain.PIB(p.PIB), Street: p.Street, Municipality: p.Municipality, Since: p.FoundedOn}
}

// CreateProvider records a provider; a PIB on record already is a
// conflict. The caller has checked the fields (providers.CheckProvider).
func (db *DB) CreateProvider(ctx context.Context, p Provider) (Provider, error) {
	err := db.pool.QueryRow(ctx, `INSERT INTO providers (name, pib, street, municipality, founded_on, created_by)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, created_at`, p.Name, p.PIB, p.Street, p.Municipality, p.FoundedOn, p.CreatedBy).
		Scan(&p.ID, &p.CreatedAt)
	if err != nil {
		if e := translate(err, "provider"); domain.ErrorCode(e) == domain.CodeConflict {
			return Provider{}, &domain.Error{Code: domain.CodeConflict, Field: "pib", Message: fmt.Sprintf("a provider with PIB %s is on record already", p.PIB)}
		}
		return Provider{}, fmt.Errorf("insert provider: %w", err)
	}
	p.Licences = []ProviderLicence{}
	return p, nil
}

const licenceColumns = `number, provider_id, service, valid_from, valid_until, suspended_on, withdrawn_on, coalesce(withdrawal_reason, ''), recorded_by, recorded_at`

func scanLicence(r pgx.Row) (ProviderLicence, error) {
	var l ProviderLicence
	err := r.Scan(&l.Number, &l.ProviderID, &l.Service, &l.ValidFrom, &l.ValidUntil, &l.SuspendedOn, &l.WithdrawnOn, &l.WithdrawalReason, &l.RecordedBy, &l.RecordedAt)
	return l, err
}

// providerQuerier is a pool or a transaction.
type providerQuerier interface {
	querier
	rowsQuerier
}

func providerByID(ctx context.Context, q providerQuerier, id int64, lock bool) (Provider, error) {
	sql := `SELECT id, name, pib, street, municipality, founded_on, created_by, created_at FROM providers WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	var p Provider
	if err := q.QueryRow(ctx, sql, id).Scan(&p.ID, &p.Name, &p.PIB, &p.Street, &p.Municipality, &p.FoundedOn, &p.CreatedBy, &p.CreatedAt); err != nil {
		return Provider{}, translate(err, fmt.Sprintf("provider %d", id))
	}
	rows, err := q.Query(ctx, `SELECT `+licenceColumns+` FROM provider_licences WHERE provider_id = $1 ORDER BY valid_from DESC, number`, id)
	if err != nil {
		return Provider{}, fmt.Errorf("provider's licences: %w", err)
	}
	defer rows.Close()
	p.Licences = []ProviderLicence{}
	for rows.Next() {
		l, err := scanLicence(rows)
		if err != nil {
			return Provider{}, fmt.Errorf("scan licence: %w", err)
		}
		p.Licences = append(p.Licences, l)
	}
	return p, rows.Err()
}

// ProviderByID returns a provider with its licences.
func (db *DB) ProviderByID(ctx context.Context, id int64) (Provider, error) {
	return providerByID(ctx, db.pool, id, false)
}

// AddLicence records a licence of provider id after checking it against
// the provider (providers.CheckLicence: every fault, by field); a licence
// number on record already is a conflict. Nothing is written on a fault.
func (db *DB) AddLicence(ctx context.Context, id int64, l ProviderLicence) (Provider, error) {
	var out Provider
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		p, err := providerByID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if errs := providers.CheckLicence(p.Rules(), l.Licence); errs != nil {
			return domain.Invalid(errs)
		}
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM provider_licences WHERE number = $1)`, l.Number).Scan(&taken); err != nil {
			return fmt.Errorf("check licence number: %w", err)
		}
		if taken {
			return &domain.Error{Code: domain.CodeConflict, Field: "number", Message: fmt.Sprintf("licence %s is on record already", l.Number)}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO provider_licences (number, provider_id, service, valid_from, valid_until, recorded_by)
			VALUES ($1, $2, $3, $4, $5, $6)`, l.Number, id, l.Service, l.ValidFrom, l.ValidUntil, l.RecordedBy); err != nil {
			return translate(err, "licence "+l.Number)
		}
		out, err = providerByID(ctx, tx, id, false)
		return err
	})
	return out, err
}

// WithdrawLicence withdraws provider id's licence number from day on,
// with the reason; a licence withdrawn already is a conflict.
func (db *DB) WithdrawLicence(ctx context.Context, id int64, number string, day time.Time, reason, by string) (Provider, error) {
	var out Provider
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var withdrawn *time.Time
		err := tx.QueryRow(ctx, `SELECT withdrawn_on FROM provider_licences WHERE provider_id = $1 AND number = $2 FOR UPDATE`, id, number).Scan(&withdrawn)
		if err != nil {
			return translate(err, fmt.Sprintf("licence %s of provider %d", number, id))
		}
		if withdrawn != nil {
			return domain.Errorf(domain.CodeConflict, "licence %s was withdrawn on %s already", number, withdrawn.Format(time.DateOnly))
		}
		if _, err := tx.Exec(ctx, `UPDATE provider_licences SET withdrawn_on = $3, withdrawal_reason = $4, withdrawn_by = $5
			WHERE provider_id = $1 AND number = $2`, id, number, day, reason, by); err != nil {
			return fmt.Errorf("withdraw licence: %w", err)
		}
		if _, err := SuspendContractsWithoutLicence(ctx, tx, id, day); err != nil { // issue 23: its contracts for the service
			return err
		}
		out, err = providerByID(ctx, tx, id, false)
		return err
	})
	return out, err
}

// RegisterEntry is one licence on the public register with its provider:
// nothing about a person.
type RegisterEntry struct {
	ProviderID   int64
	Name         string
	PIB          string
	Street       string
	Municipality string
	Licence      providers.Licence
}

// RegisterFilter narrows the public register: by municipality code and
// service code (empty: any).
type RegisterFilter struct {
	Municipality string
	Service      string
}

// PublicRegister lists every licence on record with its provider, by
// provider name and licence number: the public register, which shows
// withdrawn and expired licences as such.
func (db *DB) PublicRegister(ctx context.Context, f RegisterFilter) ([]RegisterEntry, error) {
	rows, err := db.pool.Query(ctx, `SELECT p.id, p.name, p.pib, p.street, p.municipality, l.number, l.service, l.valid_from, l.valid_until,
		l.suspended_on, l.withdrawn_on FROM provider_licences l JOIN providers p ON p.id = l.provider_id
		WHERE ($1 = '' OR p.municipality = $1) AND ($2 = '' OR l.service = $2) ORDER BY p.name, p.id, l.number`, f.Municipality, f.Service)
	if err != nil {
		return nil, fmt.Errorf("public register: %w", err)
	}
	defer rows.Close()
	out := []RegisterEntry{}
	for rows.Next() {
		var e RegisterEntry
		if err := rows.Scan(&e.ProviderID, &e.Name, &e.PIB, &e.Street, &e.Municipality, &e.Licence.Number, &e.Licence.Service,
			&e.Licence.ValidFrom, &e.Licence.ValidUntil, &e.Licence.SuspendedOn, &e.Licence.WithdrawnOn); err != nil {
			return nil, fmt.Errorf("scan register entry: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
