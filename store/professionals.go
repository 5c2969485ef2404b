package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/professionals"
)

// Professional is a staff user on the register of licensed professional
// workers (issue 21, item 2): the exam, the licences to work (newest
// first), the hours credited by passed courses, and the warnings of a
// licence short of hours.
type Professional struct {
	ID             int64
	Username       string
	CentreID       string
	ExamPassedOn   *time.Time
	ExamRecordedBy string
	CreatedBy      string
	CreatedAt      time.Time
	Licences       []ProfessionalLicence
	Credits        []professionals.Credit
	Warnings       []LicenceWarning
}

// ProfessionalLicence is one licence to work of a professional.
type ProfessionalLicence struct {
	professionals.Licence
	RecordedBy string
	RecordedAt time.Time
}

// LicenceWarning is the warning of a licence not renewable for lack of
// hours, as one recipient has it.
type LicenceWarning struct {
	Licence   string
	Recipient string
	Username  string // the professional's
	CentreID  string
	Hours     decimal.Decimal
	Required  decimal.Decimal
	WarnedOn  time.Time
	Until     time.Time // the licence's last day
}

// Rules are the professional's licences as domain/professionals has them.
func (p Professional) Rules() []professionals.Licence {
	out := make([]professionals.Licence, 0, len(p.Licences))
	for _, l := range p.Licences {
		out = append(out, l.Licence)
	}
	return out
}

// Current is the licence in force on day and the hours credited in its period.
func (p Professional) Current(day time.Time) (professionals.Licence, decimal.Decimal, bool) {
	l, ok := professionals.Current(p.Rules(), day)
	if !ok {
		return l, decimal.Zero, false
	}
	return l, professionals.HoursIn(l, p.Credits), true
}

// CreateProfessional puts a staff user on the register; one on it already
// is a conflict. The caller has checked that the user is staff of the centre.
func (db *DB) CreateProfessional(ctx context.Context, p Professional) (Professional, error) {
	err := db.pool.QueryRow(ctx, `INSERT INTO professionals (username, centre_id, created_by) VALUES ($1, $2, $3) RETURNING id`,
		p.Username, p.CentreID, p.CreatedBy).Scan(&p.ID)
	if err != nil {
		if e := translate(err, "professional"); domain.ErrorCode(e) == domain.CodeConflict {
			return Professional{}, &domain.Error{Code: domain.CodeConflict, Field: "username", Message: fmt.Sprintf("%s is on the register already", p.Username)}
		}
		return Professional{}, fmt.Errorf("insert professional: %w", err)
	}
	return db.ProfessionalByID(ctx, p.ID)
}

const professionalColumns = `id, username, centre_id, exam_passed_on, coalesce(exam_recorded_by, ''), created_by, created_at`

func professionalWhere(ctx context.Context, q providerQuerier, where string, arg any, lock bool) (Professional, error) {
	sql := `SELECT ` + professionalColumns + ` FROM professionals WHERE ` + where
	if lock {
		sql += ` FOR UPDATE`
	}
	var p Professional
	err := q.QueryRow(ctx, sql, arg).Scan(&p.ID, &p.Username, &p.CentreID, &p.ExamPassedOn, &p.ExamRecordedBy, &p.CreatedBy, &p.CreatedAt)
	if err != nil {
		return Professional{}, translate(err, "professional")
	}
	return p, fillProfessional(ctx, q, &p)
}

// fillProfessional reads the licences, credits and warnings of p.
func fillProfessional(ctx context.Context, q providerQuerier, p *Professional) error {
	p.Licences, p.Credits, p.Warnings = []ProfessionalLicence{}, []professionals.Credit{}, []LicenceWarning{}
	rows, err := q.Query(ctx, `SELECT number, valid_from, valid_until, recorded_by, recorded_at FROM professional_licences
		WHERE professional_id = $1 ORDER BY valid_from DESC, number`, p.ID)
	if err != nil {
		return fmt.Errorf("professional's licences: %w", err)
	}
	for rows.Next() {
		var l ProfessionalLicence
		if err := rows.Scan(&l.Number, &l.ValidFrom, &l.ValidUntil, &l.RecordedBy, &l.RecordedAt); err != nil {
			rows.Close()
			return fmt.Errorf("scan licence: %w", err)
		}
		p.Licences = append(p.Licences, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.Query(ctx, `SELECT credited_on, hours FROM course_attempts WHERE username = $1 AND passed ORDER BY credited_on, id`, p.Username)
	if err != nil {
		return fmt.Errorf("professional's credits: %w", err)
	}
	for rows.Next() {
		var c professionals.Credit
		if err := rows.Scan(&c.On, &c.Hours); err != nil {
			rows.Close()
			return fmt.Errorf("scan credit: %w", err)
		}
		p.Credits = append(p.Credits, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	p.Warnings, err = licenceWarnings(ctx, q, `w.professional_id = $1 AND w.recipient = p.username`, p.ID)
	return err
}

func licenceWarnings(ctx context.Context, q providerQuerier, where string, arg any) ([]LicenceWarning, error) {
	rows, err := q.Query(ctx, `SELECT w.licence_number, w.recipient, p.username, w.centre_id, w.hours, w.required, w.warned_on, l.valid_until
		FROM licence_warnings w JOIN professionals p ON p.id = w.professional_id JOIN professional_licences l ON l.number = w.licence_number
		WHERE `+where+` ORDER BY w.warned_on DESC, w.licence_number`, arg)
	if err != nil {
		return nil, fmt.Errorf("licence warnings: %w", err)
	}
	defer rows.Close()
	out := []LicenceWarning{}
	for rows.Next() {
		var w LicenceWarning
		if err := rows.Scan(&w.Licence, &w.Recipient, &w.Username, &w.CentreID, &w.Hours, &w.Required, &w.WarnedOn, &w.Until); err != nil {
			return nil, fmt.Errorf("scan licence warning: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// ProfessionalByID returns a professional with licences, credits and warnings.
func (db *DB) ProfessionalByID(ctx context.Context, id int64) (Professional, error) {
	return professionalWhere(ctx, db.pool, `id = $1`, id, false)
}

// ProfessionalByUsername returns the professional who is user username.
func (db *DB) ProfessionalByUsername(ctx context.Context, username string) (Professional, error) {
	return professionalWhere(ctx, db.pool, `username = $1`, username, false)
}

// Professionals lists the register, of a centre or ("") all, by username.
func (db *DB) Professionals(ctx context.Context, centre string) ([]Professional, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+professionalColumns+` FROM professionals WHERE $1 = '' OR centre_id = $1 ORDER BY username`, centre)
	if err != nil {
		return nil, fmt.Errorf("professionals: %w", err)
	}
	out := []Professional{}
	for rows.Next() {
		var p Professional
		if err := rows.Scan(&p.ID, &p.Username, &p.CentreID, &p.ExamPassedOn, &p.ExamRecordedBy, &p.CreatedBy, &p.CreatedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan professional: %w", err)
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := fillProfessional(ctx, db.pool, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LicensedOn lists the usernames of a centre's professionals holding a
// licence in force on day: whom a procedure that needs a licensed case
// manager may be given to.
func (db *DB) LicensedOn(ctx context.Context, centre string, day time.Time) (map[string]bool, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT p.username FROM professionals p JOIN professional_licences l ON l.professional_id = p.id
		WHERE p.centre_id = $1 AND l.valid_from <= $2::date AND l.valid_until >= $2::date`, centre, day)
	if err != nil {
		return nil, fmt.Errorf("licensed professionals: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out[u] = true
	}
	return out, rows.Err()
}

// RecordExam records professional id's exam as passed on passed.
func (db *DB) RecordExam(ctx context.Context, id int64, passed time.Time, by string) (Professional, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE professionals SET exam_passed_on = $2, exam_recorded_by = $3 WHERE id = $1`, id, passed, by)
	if err != nil {
		return Professional{}, fmt.Errorf("record exam: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return Professional{}, domain.Errorf(domain.CodeNotFound, "professional %d not found", id)
	}
	return db.ProfessionalByID(ctx, id)
}

// AddProfessionalLicence records a licence of professional id after
// checking it (professionals.CheckLicence, against the exam: every fault
// by field); a number on record is a conflict. Nothing is written on a fault.
func (db *DB) AddProfessionalLicence(ctx context.Context, id int64, l ProfessionalLicence) (Professional, error) {
	var out Professional
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		p, err := professionalWhere(ctx, tx, `id = $1`, id, true)
		if err != nil {
			return err
		}
		if errs := professionals.CheckLicence(l.Licence, p.ExamPassedOn); errs != nil {
			return domain.Invalid(errs)
		}
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM professional_licences WHERE number = $1)`, l.Number).Scan(&taken); err != nil {
			return fmt.Errorf("check licence number: %w", err)
		}
		if taken {
			return &domain.Error{Code: domain.CodeConflict, Field: "number", Message: fmt.Sprintf("licence %s is on record already", l.Number)}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO professional_licences (number, professional_id, valid_from, valid_until, recorded_by)
			VALUES ($1, $2, $3, $4, $5)`, l.Number, id, l.ValidFrom, l.ValidUntil, l.RecordedBy); err != nil {
			return translate(err, "licence "+l.Number)
		}
		out, err = professionalWhere(ctx, tx, `id = $1`, id, false)
		return err
	})
	return out, err
}

// PublishCourse adds a version of a course, the next after its last,
// after checking it (professionals.CheckCourse); the versions before stay
// as they were, with their enrolments and completions.
func (db *DB) PublishCourse(ctx context.Context, c professionals.Course, by string) (professionals.Course, error) {
	if errs := professionals.CheckCourse(c); errs != nil {
		return professionals.Course{}, domain.Invalid(errs)
	}
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('course:' || $1))`, c.Code); err != nil {
			return fmt.Errorf("lock course: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) + 1 FROM courses WHERE code = $1`, c.Code).Scan(&c.Version); err != nil {
			return fmt.Errorf("next course version: %w", err)
		}
		content, err := json.Marshal(c)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO courses (code, version, content, hours, pass_mark, published_by) VALUES ($1, $2, $3, $4, $5, $6)`,
			c.Code, c.Version, content, c.Hours, c.PassMark, by)
		return translate(err, "course "+c.Code)
	})
	return c, err
}

// Course returns a version of a course; version 0 is its latest.
func (db *DB) Course(ctx context.Context, code string, version int) (professionals.Course, error) {
	var raw []byte
	err := db.pool.QueryRow(ctx, `SELECT content FROM courses WHERE code = $1 AND ($2 = 0 OR version = $2) ORDER BY version DESC LIMIT 1`,
		code, version).Scan(&raw)
	if err != nil {
		if version == 0 {
			return professionals.Course{}, translate(err, "course "+code)
		}
		return professionals.Course{}, translate(err, fmt.Sprintf("course %s version %d", code, version))
	}
	var c professionals.Course
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("course %s: %w", code, err)
	}
	return c, nil
}

// Courses lists the latest version of every course, by code.
func (db *DB) Courses(ctx context.Context) ([]professionals.Course, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT ON (code) content FROM courses ORDER BY code, version DESC`)
	if err != nil {
		return nil, fmt.Errorf("courses: %w", err)
	}
	defer rows.Close()
	out := []professionals.Course{}
	for rows.Next() {
		var raw []byte
		var c professionals.Course
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("course: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Enrolment is a user's enrolment in a version of a course and its outcome.
type Enrolment struct {
	Code       string
	Version    int
	EnrolledAt time.Time
	Attempts   int
	Passed     bool
	Hours      decimal.Decimal // credited
	PassedOn   *time.Time
}

// Enrol enrols username in a version of a course; enrolling again changes nothing.
func (db *DB) Enrol(ctx context.Context, username, code string, version int) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO course_enrolments (username, code, version) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		username, code, version)
	return translate(err, "enrolment")
}

// Enrolments lists username's enrolments with their outcomes, newest first.
func (db *DB) Enrolments(ctx context.Context, username string) ([]Enrolment, error) {
	rows, err := db.pool.Query(ctx, `SELECT e.code, e.version, e.enrolled_at, count(a.id), coalesce(bool_or(a.passed), false),
		coalesce(sum(a.hours), 0), min(a.credited_on) FILTER (WHERE a.passed)
		FROM course_enrolments e LEFT JOIN course_attempts a ON a.username = e.username AND a.code = e.code AND a.version = e.version
		WHERE e.username = $1 GROUP BY e.code, e.version, e.enrolled_at ORDER BY e.enrolled_at DESC, e.code`, username)
	if err != nil {
		return nil, fmt.Errorf("enrolments: %w", err)
	}
	defer rows.Close()
	out := []Enrolment{}
	for rows.Next() {
		var e Enrolment
		if err := rows.Scan(&e.Code, &e.Version, &e.EnrolledAt, &e.Attempts, &e.Passed, &e.Hours, &e.PassedOn); err != nil {
			return nil, fmt.Errorf("scan enrolment: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Attempt is a test taken: the answers, the score and the hours credited.
type Attempt struct {
	Username string
	Code     string
	Version  int
	Answers  []int
	Result   professionals.Result
	Hours    decimal.Decimal
	On       time.Time
}

// RecordAttempt scores answers against the version the user is enrolled
// in and records the attempt; a pass credits the course's hours on day.
// Not enrolled, or passed already: a conflict. Bad answers: every one
// named, nothing written.
func (db *DB) RecordAttempt(ctx context.Context, username, code string, version int, answers []int, day time.Time) (Attempt, error) {
	c, err := db.Course(ctx, code, version)
	if err != nil {
		return Attempt{}, err
	}
	res, errs := professionals.Score(c, answers)
	if errs != nil {
		return Attempt{}, domain.Invalid(errs)
	}
	a := Attempt{Username: username, Code: code, Version: c.Version, Answers: answers, Result: res, Hours: decimal.Zero, On: day}
	if res.Passed {
		a.Hours = c.Hours
	}
	err = db.InTx(ctx, func(tx pgx.Tx) error {
		var enrolled, passed bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM course_enrolments WHERE username = $1 AND code = $2 AND version = $3),
			EXISTS (SELECT 1 FROM course_attempts WHERE username = $1 AND code = $2 AND version = $3 AND passed)`, username, code, c.Version).
			Scan(&enrolled, &passed)
		switch {
		case err != nil:
			return fmt.Errorf("check enrolment: %w", err)
		case !enrolled:
			return domain.Errorf(domain.CodeConflict, "not enrolled in course %s version %d", code, c.Version)
		case passed:
			return domain.Errorf(domain.CodeConflict, "course %s version %d is passed already; its hours were credited", code, c.Version)
		}
		_, err = tx.Exec(ctx, `INSERT INTO course_attempts (username, code, version, answers, right_count, total, passed, hours, credited_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, username, code, c.Version, answers, res.Right, res.Total, res.Passed, a.Hours, day)
		return translate(err, "attempt")
	})
	if err != nil {
		return Attempt{}, err
	}
	return a, nil
}

// LicencesEnding lists the professionals holding a licence in force on
// day whose last day is within professionals.WarnDays and who were not
// warned of it yet: what the daily sweep looks at.
func (db *DB) LicencesEnding(ctx context.Context, day time.Time) ([]Professional, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT p.id FROM professionals p JOIN professional_licences l ON l.professional_id = p.id
		WHERE l.valid_from <= $1::date AND l.valid_until >= $1::date AND l.valid_until <= $1::date + $2::int
		AND NOT EXISTS (SELECT 1 FROM licence_warnings w WHERE w.licence_number = l.number AND w.recipient = p.username) ORDER BY p.id`,
		day, professionals.WarnDays)
	if err != nil {
		return nil, fmt.Errorf("licences ending: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Professional, 0, len(ids))
	for _, id := range ids {
		p, err := db.ProfessionalByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// WarnLicence records the warning of a licence short of hours for each
// recipient (the professional and their centre's heads); a recipient
// warned of it already is left as they were, so the sweep may run again.
// It reports how many warnings were new.
func (db *DB) WarnLicence(ctx context.Context, p Professional, licence string, hours decimal.Decimal, day time.Time, recipients []string) (int, error) {
	n := 0
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		for _, r := range recipients {
			tag, err := tx.Exec(ctx, `INSERT INTO licence_warnings (licence_number, recipient, professional_id, centre_id, hours, required, warned_on)
				VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`, licence, r, p.ID, p.CentreID, hours, professionals.RequiredHours, day)
			if err != nil {
				return fmt.Errorf("warn licence: %w", err)
			}
			n += int(tag.RowsAffected())
		}
		return nil
	})
	return n, err
}

// WarningsFor lists the licence warnings recipient has: of their own
// licence, and of their centre's professionals for a head.
func (db *DB) WarningsFor(ctx context.Context, recipient string) ([]LicenceWarning, error) {
	return licenceWarnings(ctx, db.pool, `w.recipient = $1`, recipient)
}
