package workflows

import (
	"github.com/karton-social/karton/domain"
)

// TaskQueue is where Karton's workers listen.
const TaskQueue = "karton"

// Registered workflow names. Renaming a Go function must not strand
// running procedures, so the names are fixed here.
const (
	NameRefreshEvidence = "RefreshEvidence"
	NameTrivial         = "Trivial"
)

// RefreshEvidenceID is the workflow id of a person's evidence refresh: one
// at a time per person.
func RefreshEvidenceID(p domain.PersonID) string { return "evidence/" + string(p) }
