// Package activities is everything a workflow does to the world: reading
// and writing records, asking registries. Each activity takes one input
// struct and returns one result struct, carries ids rather than personal
// data, and is safe to retry: its writes are keyed so a second run changes
// nothing the first one did.
package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/interop/xroad"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/temporalerr"
)

// Activities holds what the activities need. Workflows call its methods
// through a nil *Activities; the worker registers a real one.
type Activities struct {
	DB       *store.DB
	Registry *xroad.Client
	Objects  *objects.Store
	Params   *benefits.Params
	Treasury Treasury
	Police   Police
	Agency   Agency
	// Electricity is the power utility's endpoint for the subsidy's lists (electricity.go).
	Electricity Electricity
	Now         func() time.Time
	// TransfersPerFile is the most transfers in one pain.001 file
	// (0: DefaultTransfersPerFile).
	TransfersPerFile int
	// PaymentsPerChunk is how many payments one transaction stores
	// (0: DefaultPaymentsPerChunk).
	PaymentsPerChunk int
	// PaymentDay is the day of a month from which that month itself may
	// be paid (0: domain.DefaultPaymentDay).
	PaymentDay int
	// Revisions is how often rights are revised; nil: the catalogue's
	// intervals (benefits.Benefit.Revision).
	Revisions benefits.RevisionSchedule
}

// asTemporal marks errors that no retry can fix as non-retryable, typed
// with their domain code so workflows can branch on them, and carrying
// the whole domain error (temporalerr.ToTemporal).
func asTemporal(err error) error { return temporalerr.ToTemporal(err) }

// Noop does nothing. The benchmark's baseline workflow runs it to measure
// the cost of one activity round trip.
func (a *Activities) Noop(ctx context.Context) error { return nil }

// MarkEvidencePendingInput names the sources a refresh is about to ask.
type MarkEvidencePendingInput struct {
	PersonID   domain.PersonID
	WorkflowID string
	Sources    []domain.Source
}

// MarkEvidencePending records every source as pending for the person.
func (a *Activities) MarkEvidencePending(ctx context.Context, in MarkEvidencePendingInput) error {
	return asTemporal(a.DB.MarkSourcesPending(ctx, in.PersonID, in.WorkflowID, in.Sources, a.Now()))
}

// FetchEvidenceInput asks one source about one person.
type FetchEvidenceInput struct {
	PersonID domain.PersonID
	Source   domain.Source
	Issue    string // case number sent to the registry in X-Road-Issue
}

// FetchEvidenceResult says what the answer changed.
type FetchEvidenceResult struct {
	RequestID string
	// Changes lists "kind:change" for each new evidence version, sorted.
	Changes []string
}

// FetchEvidence asks the source, then stores the answer and any changed
// facts in one transaction and marks the source answered. The population
// register's answer also links the household it states. A registry that
// cannot answer leaves the source pending with the error noted, and the
// error is returned for Temporal to retry.
func (a *Activities) FetchEvidence(ctx context.Context, in FetchEvidenceInput) (FetchEvidenceResult, error) {
	p, err := a.DB.PersonByID(ctx, in.PersonID)
	if err != nil {
		return FetchEvidenceResult{}, asTemporal(err)
	}
	res, err := a.fetchOne(ctx, p, in.Source, in.Issue, activity.GetInfo(ctx).Attempt)
	a.auditQuery(ctx, p, []domain.Source{in.Source}, in.Issue, err)
	return res, asTemporal(err)
}

// auditQuery writes the registry query to the audit log: the worker asked
// these sources about the person, for this case.
func (a *Activities) auditQuery(ctx context.Context, p domain.Person, sources []domain.Source, issue string, err error) {
	names := make([]string, len(sources))
	for i, s := range sources {
		names[i] = string(s)
	}
	// Purposes are codes the pages put in words (api.Route.Purposes): a
	// claim's queries are the claim's, a case's name the case; queries
	// for a DV case are restricted, as the case is.
	purpose, restricted := "evidence_refresh", false
	switch {
	case strings.HasPrefix(issue, "Z-"):
		purpose = "benefit_claim"
	case issue != "":
		purpose = "case:" + issue
		if x, err := a.DB.CaseByNumber(ctx, issue); err == nil && x.DV {
			restricted = true
		}
	}
	outcome, status := "allowed", 200
	if err != nil {
		outcome, status = "failed", 503
	}
	rec := store.AuditRecord{At: a.Now(), Username: "system:worker", Role: "system", Action: "registry.query " + strings.Join(names, ","),
		Resource: "evidence", PersonIDs: []domain.PersonID{p.ID}, TargetCentre: p.CentreID, Purpose: purpose,
		RequestID: activity.GetInfo(ctx).WorkflowExecution.ID, Status: status, Outcome: outcome, Restricted: restricted}
	if err := a.DB.AppendAudit(ctx, rec); err != nil {
		activity.GetLogger(ctx).Warn("audit registry query", "error", err)
	}
}

// FetchAllEvidenceInput asks several sources about one person at once.
type FetchAllEvidenceInput struct {
	PersonID domain.PersonID
	Sources  []domain.Source
	Issue    string
}

// FetchAllEvidenceResult has one entry per source asked, in order.
type FetchAllEvidenceResult struct {
	Answered []FetchEvidenceResult // zero value where the source failed
	// Failed lists the sources that did not answer this time, with the
	// error noted on each; the workflow retries them one by one.
	Failed []domain.Source
	// Refused lists the sources that refused the query (not worth a retry).
	Refused []domain.Source
}

// FetchAllEvidence asks every source in parallel in one activity (a local
// one since issue 24) and records every answer in one transaction: the
// fast path of a refresh. Sources that fail are reported, not retried here.
func (a *Activities) FetchAllEvidence(ctx context.Context, in FetchAllEvidenceInput) (FetchAllEvidenceResult, error) {
	p, err := a.DB.PersonByID(ctx, in.PersonID)
	if err != nil {
		return FetchAllEvidenceResult{}, asTemporal(err)
	}
	type answer struct {
		ans xroad.Answer
		err error
	}
	answers := make([]answer, len(in.Sources))
	var wg sync.WaitGroup
	for i, s := range in.Sources {
		wg.Go(func() { answers[i].ans, answers[i].err = a.ask(ctx, p, s, in.Issue, 1) })
	}
	wg.Wait()
	a.auditQuery(ctx, p, in.Sources, in.Issue, nil)
	// The answers are recorded in one transaction (a household the
	// population register states linked first); a source whose answer
	// cannot be taken (a household in no known municipality) is refused.
	var record []store.Answer
	var recorded []int
	for i, ans := range answers {
		if ans.err != nil {
			continue
		}
		if in.Sources[i] == domain.SourcePopulation {
			if answers[i].err = a.linkHousehold(ctx, ans.ans.Facts); answers[i].err != nil {
				continue
			}
		}
		record, recorded = append(record, answerOf(p, in.Sources[i], in.Issue, ans.ans)), append(recorded, i)
	}
	changes, err := a.DB.RecordAnswers(ctx, record)
	if err != nil {
		return FetchAllEvidenceResult{}, err
	}
	out := FetchAllEvidenceResult{Answered: make([]FetchEvidenceResult, len(in.Sources))}
	for k, i := range recorded {
		out.Answered[i] = resultOf(answers[i].ans, changes[k])
	}
	for i, ans := range answers {
		switch code := domain.ErrorCode(ans.err); {
		case ans.err == nil:
		case code == domain.CodeInvalid || code == domain.CodeNotFound:
			out.Refused = append(out.Refused, in.Sources[i])
		default:
			out.Failed = append(out.Failed, in.Sources[i])
		}
	}
	return out, nil
}

// fetchOne asks one source and records its answer.
func (a *Activities) fetchOne(ctx context.Context, p domain.Person, source domain.Source, issue string, attempt int32) (FetchEvidenceResult, error) {
	ans, err := a.ask(ctx, p, source, issue, attempt)
	if err != nil {
		return FetchEvidenceResult{}, err
	}
	if source == domain.SourcePopulation {
		if err := a.linkHousehold(ctx, ans.Facts); err != nil {
			return FetchEvidenceResult{}, err
		}
	}
	a1 := answerOf(p, source, issue, ans)
	changes, err := a.DB.RecordAnswer(ctx, a1.Exchange, a1.Facts)
	if err != nil {
		return FetchEvidenceResult{}, err
	}
	return resultOf(ans, changes), nil
}

// ask asks one source about p; a source that cannot answer has the error
// noted on it.
func (a *Activities) ask(ctx context.Context, p domain.Person, source domain.Source, issue string, attempt int32) (xroad.Answer, error) {
	ans, err := a.Registry.Fetch(ctx, source, p.JMBG, issue)
	if err != nil {
		msg := err.Error()
		if !errors.Is(err, xroad.ErrUnavailable) {
			msg = domain.ErrorMessage(err)
		}
		if noteErr := a.DB.NoteSourceError(ctx, p.ID, source, fmt.Sprintf("attempt %d: %s", attempt, msg), false); noteErr != nil {
			activity.GetLogger(ctx).Warn("note source error", "error", noteErr)
		}
		return xroad.Answer{}, err
	}
	return ans, nil
}

// answerOf is a registry's answer about p as the store records it.
func answerOf(p domain.Person, source domain.Source, issue string, ans xroad.Answer) store.Answer {
	facts := make([]store.Fact, len(ans.Facts))
	for i, f := range ans.Facts {
		facts[i] = store.Fact{Kind: f.Kind, Value: f.Value, ValidFrom: f.ValidFrom}
	}
	return store.Answer{Exchange: store.Exchange{
		RequestID: ans.RequestID, PersonID: p.ID, Source: source, Issue: issue,
		RequestedAt: ans.RequestedAt, AnsweredAt: ans.AnsweredAt, ResponseHash: ans.ResponseHash, Body: ans.Body,
	}, Facts: facts}
}

// resultOf says what an answer changed, kind by kind in a fixed order.
func resultOf(ans xroad.Answer, changes map[domain.EvidenceKind]domain.Change) FetchEvidenceResult {
	res := FetchEvidenceResult{RequestID: ans.RequestID}
	for _, in := range domain.Institutions() { // fixed order
		for _, k := range in.Kinds {
			if c, ok := changes[k]; ok {
				res.Changes = append(res.Changes, string(k)+":"+string(c))
			}
		}
	}
	return res
}

func (a *Activities) linkHousehold(ctx context.Context, facts []xroad.Fact) error {
	var (
		hf  domain.HouseholdFact
		res domain.ResidenceFact
	)
	for _, f := range facts {
		var err error
		switch f.Kind {
		case domain.KindHousehold:
			err = json.Unmarshal(f.Value, &hf)
		case domain.KindResidence:
			err = json.Unmarshal(f.Value, &res)
		}
		if err != nil {
			return fmt.Errorf("decode %s: %w", f.Kind, err)
		}
	}
	if hf.HouseholdNumber == "" {
		return nil
	}
	if _, ok := domain.MunicipalityByCode(res.Municipality); !ok {
		return domain.Errorf(domain.CodeInvalid, "population register states unknown municipality %q", res.Municipality)
	}
	link := store.HouseholdLink{
		RegisterNumber: hf.HouseholdNumber,
		Address:        domain.Address(res),
	}
	for _, m := range hf.Members {
		j, info, err := domain.ParseJMBG(m.JMBG)
		if err != nil {
			return domain.Errorf(domain.CodeInvalid, "population register lists a member with an invalid JMBG: %s", domain.ErrorMessage(err))
		}
		rel := m.Relation
		if !domain.ValidRelation(rel) {
			rel = domain.RelationOther
		}
		link.Members = append(link.Members, store.HouseholdLinkMember{
			JMBG: j, GivenName: m.GivenName, FamilyName: m.FamilyName,
			BirthDate: info.BirthDate, Sex: info.Sex, Relation: rel,
		})
	}
	_, err := a.DB.LinkHousehold(ctx, link)
	return err
}

// GiveUpSourceInput names a source a refresh stopped waiting for.
type GiveUpSourceInput struct {
	PersonID domain.PersonID
	Source   domain.Source
	Reason   string
}

// GiveUpSource marks the source failed: no answer is recorded, and the
// previous answer (if any) stands. Missing data is never "no income".
func (a *Activities) GiveUpSource(ctx context.Context, in GiveUpSourceInput) error {
	return asTemporal(a.DB.NoteSourceError(ctx, in.PersonID, in.Source, in.Reason, true))
}
