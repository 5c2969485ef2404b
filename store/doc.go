// Package store keeps Karton's records in PostgreSQL: persons, households,
// the evidence fetched from registries and the exchanges that produced it.
// SQL is written by hand next to the method that runs it; uniqueness
// constraints make every write safe to retry. Migrations are embedded and
// run by goose.
package store
