package api

import (
	"testing"

	"github.com/karton-social/karton/domain"
)

// TestLicenceDocumentErrorsNamedOnce: a document sent but empty is named
// once ("is empty"), not also "is required"; the other fields' errors stay.
func TestLicenceDocumentErrorsNamedOnce(t *testing.T) {
	read := []*domain.Error{domain.FieldError("documents.statute", "is empty")}
	checked := []*domain.Error{domain.FieldError("documents.statute", "is required"), domain.FieldError("documents.premises", "is required"),
		domain.FieldError("name", "is required")}
	got := otherFields(checked, read)
	if len(got) != 2 || got[0].Field != "documents.premises" || got[1].Field != "name" {
		t.Errorf("otherFields = %v; want documents.premises and name", got)
	}
	if otherFields(nil, read) != nil {
		t.Error("otherFields of nothing is not nothing")
	}
}
