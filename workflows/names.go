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
	// NameReassessment re-rates the rights a new parameter value affects
	// (issue 16); QueryReassessment is its progress.
	NameReassessment  = "Reassessment"
	QueryReassessment = "reassessment"
	NameRevision      = "Revision"      // revision.go
	NameRevisionSweep = "RevisionSweep" // revision_sweep.go; the daily schedule starts it
)

// Names of the appeal procedure (appeal.go).
const (
	NameAppeal   = "Appeal"           // an appeal against a decision
	NameFinality = "DecisionFinality" // waits for a delivered sanction to become final
)

// NameLicence is a provider's e-application for a licence (licence.go,
// issue 21).
const NameLicence = "Licence"

// NamePlacement is a person's placement in a residential institution
// (placement.go, issue 22).
const NamePlacement = "Placement"

// RefreshEvidenceID is the workflow id of a person's evidence refresh: one
// at a time per person.
func RefreshEvidenceID(p domain.PersonID) string { return "evidence/" + string(p) }
