// Package store keeps Karton's records in PostgreSQL (pgx/v5), one file
// per area: persons, households and the registries' evidence (person.go,
// evidence.go), claims and their calculations (claims.go), tasks
// (tasks.go), decisions and documents (decisions.go), rights and their
// versions (rights.go), payrolls, payments and their files
// (payroll.go), cases (cases.go), domestic-violence notifications
// (violence.go), activation referrals (activation.go), appeals
// (appeals.go), parameters and reassessments (parameters.go,
// reassessments.go), revisions (revisions.go), change events
// (changes.go), the audit log (audit.go) and revoked sessions
// (sessions.go).
//
// SQL is written by hand next to the method that runs it; uniqueness
// constraints make every write safe to retry. Migrations
// (migrations/*.sql) are embedded and run by goose; storetest gives each
// test a fresh database cloned from a migrated template.
package store
