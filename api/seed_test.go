package api_test

import (
	"context"
	"testing"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// seedPerson registers a person living in municipality, as the tests'
// records need one.
func seedPerson(tb testing.TB, db *store.DB, jmbg, municipality, given, family string) domain.Person {
	tb.Helper()
	addr, _ := domain.ParseAddress(municipality, municipality, "")
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: jmbg, GivenName: given, FamilyName: family, Address: addr})
	if err != nil {
		tb.Fatal(err)
	}
	if p, err = db.CreatePerson(context.Background(), p, "seed"); err != nil {
		tb.Fatal(err)
	}
	return p
}
