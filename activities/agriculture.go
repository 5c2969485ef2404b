package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/agriculture"
	"github.com/karton-social/karton/interop/counterpart"
	"github.com/karton-social/karton/store"
)

// TaskAgricultureConflict is the task a conflict between the farmers'
// allowance and an MO right opens for the right's centre: outcome
// "revise" starts a revision of the right, "no_action" closes the task
// (e.g. the allowance ended, or the right was already revised).
const TaskAgricultureConflict = "agriculture.mo_conflict"

// AgricultureFileKey is where a file of the farmers' allowance is kept in
// the object store: by its SHA-256, so a file stored twice is one object.
func AgricultureFileKey(hash string) string { return "exchanges/agriculture/" + hash + ".csv" }

// FetchAgricultureFileInput names the month whose file to fetch.
type FetchAgricultureFileInput struct {
	Period string // YYYY-MM
}

// AgricultureFileRef is a file kept in the object store.
type AgricultureFileRef struct {
	Key  string
	Hash string
	Size int
}

// ErrTypeNotPublished is the type of the error FetchAgricultureFile
// returns while the ministry has not published the month (the workflow
// waits and asks again).
const ErrTypeNotPublished = "not_published"

// FetchAgricultureFile fetches the month's file from the Ministry of
// Agriculture (at the registry's address: counterpart.Agriculture) and
// keeps it in the object store under its hash; a retry stores the same
// object again. A month not published yet is a not_found error that no
// retry fixes now (the workflow asks again later).
func (a *Activities) FetchAgricultureFile(ctx context.Context, in FetchAgricultureFileInput) (AgricultureFileRef, error) {
	if _, err := domain.ParseMonth(in.Period); err != nil {
		return AgricultureFileRef{}, asTemporal(err)
	}
	if a.Registry == nil {
		return AgricultureFileRef{}, errors.New("no registry address for the ministry of agriculture")
	}
	ministry := counterpart.Agriculture{URL: a.Registry.BaseURL, HTTP: a.Registry.HTTP}
	b, err := ministry.MonthFile(ctx, in.Period)
	if errors.Is(err, counterpart.ErrNotPublished) {
		return AgricultureFileRef{}, asTemporal(domain.Errorf(domain.CodeNotFound, "the file of %s is not published yet", in.Period))
	}
	if err != nil {
		return AgricultureFileRef{}, err
	}
	return a.KeepAgricultureFile(ctx, b)
}

// KeepAgricultureFile stores a file's bytes under its hash (the API's
// upload does it before starting the import).
func (a *Activities) KeepAgricultureFile(ctx context.Context, b []byte) (AgricultureFileRef, error) {
	hash := agriculture.Hash(b)
	key := AgricultureFileKey(hash)
	if _, err := a.Objects.Put(ctx, key, "text/csv", b); err != nil {
		return AgricultureFileRef{}, fmt.Errorf("store agriculture file %s: %w", hash[:12], err)
	}
	return AgricultureFileRef{Key: key, Hash: hash, Size: len(b)}, nil
}

// ImportAgricultureFileInput names a kept file to import.
type ImportAgricultureFileInput struct {
	Key        string
	Hash       string
	ReceivedBy string // a username, or "schedule"
	WorkflowID string
}

// AgricultureConflictRef is a conflict by ids: the person, the centre of
// their MO right, the month, and whether the person is in the DV
// compartment (the task is sealed in it).
type AgricultureConflictRef struct {
	PersonID      domain.PersonID
	CentreID      string
	Period        string // YYYY-MM
	EntitlementID string
	Restricted    bool
}

// ImportAgricultureFileResult is what the import did: State imported or
// refused (Faults counts the report's faults, kept with the file's
// record); Duplicate when the same file was imported before.
type ImportAgricultureFileResult struct {
	FileID    int64
	State     string
	Period    string
	Duplicate bool
	Rows      int
	Faults    int
	Conflicts []AgricultureConflictRef
}

// ImportAgricultureFile reads the kept file, checks it (agriculture.Parse,
// then the registers in store.ImportAgriculture) and imports it whole or
// records it refused with its report. A refused file is a result, not an
// error: the report is the file's record, and the history holds only its
// counts. A retry after a crash finds the import done (by hash) and
// returns it.
func (a *Activities) ImportAgricultureFile(ctx context.Context, in ImportAgricultureFileInput) (ImportAgricultureFileResult, error) {
	b, err := a.Objects.Get(ctx, in.Key)
	if err != nil {
		return ImportAgricultureFileResult{}, fmt.Errorf("read agriculture file %s: %w", in.Key, err)
	}
	f, faults := agriculture.Parse(b)
	if in.Hash != "" && f.Hash != in.Hash {
		return ImportAgricultureFileResult{}, asTemporal(domain.Errorf(domain.CodeConflict, "the file kept at %s is not the one named (hash %s)", in.Key, in.Hash[:12]))
	}
	res, err := a.DB.ImportAgriculture(ctx, store.AgricultureImport{File: f, Faults: faults, ObjectKey: in.Key, ReceivedBy: in.ReceivedBy,
		WorkflowID: in.WorkflowID, At: a.Now(), RecordRefusal: true})
	out := ImportAgricultureFileResult{FileID: res.File.ID, State: res.File.State, Period: res.File.Period, Duplicate: res.Duplicate,
		Rows: res.File.Rows, Faults: len(res.File.Faults)}
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeInvalid && res.File.ID != 0 {
			return out, nil
		}
		return ImportAgricultureFileResult{}, asTemporal(err)
	}
	restricted, err := a.DB.RestrictedPersons(ctx, conflictPersons(res.Conflicts))
	if err != nil {
		return ImportAgricultureFileResult{}, err
	}
	for _, c := range res.Conflicts {
		out.Conflicts = append(out.Conflicts, AgricultureConflictRef{PersonID: c.PersonID, CentreID: c.CentreID, Period: c.Period.String(),
			EntitlementID: c.EntitlementID, Restricted: restricted[c.PersonID]})
	}
	return out, nil
}

func conflictPersons(cs []agriculture.Conflict) []domain.PersonID {
	out := make([]domain.PersonID, len(cs))
	for i, c := range cs {
		out[i] = c.PersonID
	}
	return out
}
