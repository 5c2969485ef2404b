package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/store"
)

// The law's parameters as the rules read them: the embedded files
// (a.Params) with the values the ministry published and approved merged
// over them in approval order (benefits.Params.With). The merge is cached
// by the parameters' version (the last approval's order number), so a
// calculation costs one small query until the next approval.

type paramsKey struct {
	db      *store.DB
	base    *benefits.Params
	version int64
}

var (
	paramsMu    sync.Mutex
	paramsCache = map[paramsKey]*benefits.Params{}
)

// params returns the parameters with the approved values up to approval
// upTo merged in; upTo 0 takes every approved value (the parameters in
// force now).
func (a *Activities) params(ctx context.Context, upTo int64) (*benefits.Params, error) {
	if upTo == 0 {
		v, err := a.DB.ParametersVersion(ctx)
		if err != nil {
			return nil, err
		}
		upTo = v
	}
	if upTo == 0 {
		return a.Params, nil
	}
	key := paramsKey{a.DB, a.Params, upTo}
	paramsMu.Lock()
	p, ok := paramsCache[key]
	paramsMu.Unlock()
	if ok {
		return p, nil
	}
	values, err := a.DB.ApprovedParameterValues(ctx, upTo)
	if err != nil {
		return nil, err
	}
	p = a.Params
	for _, v := range values {
		if p, err = p.With(v.Name, benefits.Dated{From: v.ValidFrom, Value: v.Value, Ref: v.LegalRef,
			Note: "published value " + strconv.FormatInt(v.ID, 10)}); err != nil {
			return nil, fmt.Errorf("merge published value %d: %w", v.ID, err)
		}
	}
	paramsMu.Lock()
	if len(paramsCache) > 32 {
		clear(paramsCache)
	}
	paramsCache[key] = p
	paramsMu.Unlock()
	return p, nil
}

// DefaultReassessChunk is how many rights one chunk of a reassessment
// re-rates in one transaction.
const DefaultReassessChunk = 5000

// ReassessChunkInput names the chunk after right After ("" for the first)
// in part Part of Parts (Parts 0: the whole, as before parts).
type ReassessChunkInput struct {
	ReassessmentID int64
	After          string
	Limit          int // 0: DefaultReassessChunk
	Part, Parts    int
}

// ReassessChunkResult is the chunk's progress: where the reassessment
// stands, what this chunk did.
type ReassessChunkResult struct {
	Cursor                                        string
	Rights, Rerated, Unchanged, NoBasis, NotRated int
	Done                                          bool
	// Replayed: the chunk had been done by an earlier attempt whose answer
	// was lost; nothing was done again and Cursor is where it stands.
	Replayed bool
}

// ReassessChunk re-rates the next chunk of a reassessment's rights with
// the parameters up to its approval: each right with a basis is
// recalculated from the effective day on (benefits.Rerate); a changed
// amount adds versions (reason indexation, source "reassessment:<id>",
// ex officio, no decision) and a notice to the beneficiary. Exactly once
// per chunk, however often retried (store.ReassessChunk).
func (a *Activities) ReassessChunk(ctx context.Context, in ReassessChunkInput) (ReassessChunkResult, error) {
	r, err := a.DB.ReassessmentByID(ctx, in.ReassessmentID)
	if err != nil {
		return ReassessChunkResult{}, asTemporal(err)
	}
	p, err := a.params(ctx, r.ParamsVersion)
	if err != nil {
		return ReassessChunkResult{}, err
	}
	limit := in.Limit
	if limit <= 0 {
		limit = DefaultReassessChunk
	}
	res, err := a.DB.ReassessChunk(ctx, in.ReassessmentID, store.Part{N: in.Part, Of: in.Parts}, in.After, limit, func(r store.Reassessment, rights []store.RightToRerate) ([]store.RightOutcome, error) {
		out := rerateChunk(p, r, rights)
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, in.After) // rated; the versions are written next
		}
		return out, nil
	})
	if err != nil {
		return ReassessChunkResult{}, asTemporal(err)
	}
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, res.Cursor)
	}
	return ReassessChunkResult(res), nil
}

// rerateChunk rates a chunk's rights on the cores there are: each right is
// independent of the others.
func rerateChunk(p *benefits.Params, r store.Reassessment, rights []store.RightToRerate) []store.RightOutcome {
	out := make([]store.RightOutcome, len(rights))
	const workers = 2
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(rights); i += workers {
				out[i] = rerateRight(p, r, rights[i])
			}
		}()
	}
	wg.Wait()
	return out
}

// ReassessmentSource is the source of a reassessment's versions and notices.
func ReassessmentSource(id int64) string { return "reassessment:" + strconv.FormatInt(id, 10) }

func rerateRight(p *benefits.Params, r store.Reassessment, x store.RightToRerate) store.RightOutcome {
	o := store.RightOutcome{EntitlementID: x.ID}
	if len(x.Basis) == 0 || string(x.Basis) == "null" {
		o.NoBasis = true
		return o
	}
	var s benefits.Situation
	if err := json.Unmarshal(x.Basis, &s); err != nil {
		o.Unrated = "the basis cannot be read: " + err.Error()
		return o
	}
	rr, err := benefits.Rerate(p, benefits.Code(x.Benefit), s, x.Timeline, r.EffectiveFrom)
	switch {
	case err != nil:
		o.Unrated = "not recalculated: " + domain.ErrorMessage(err)
		if domain.ErrorCode(err) == domain.CodeInternal {
			o.Unrated = "not recalculated: " + err.Error()
		}
		return o
	case rr.Ineligible != "":
		o.Unrated = "the new values no longer grant it (" + rr.Ineligible + "): a revision decides, nothing is changed ex officio"
		return o
	case len(rr.Versions) == 0:
		return o
	}
	source := ReassessmentSource(r.ID)
	ref := r.LegalRef // the version's source names the reassessment
	next := x.Timeline.Next()
	for i, v := range rr.Versions {
		src := source
		if i > 0 {
			src += "@" + v.From.Format(time.DateOnly)
		}
		v.Seq, v.Ref = next+i, ref
		o.Versions = append(o.Versions, store.Version{EntitlementID: x.ID, RightVersion: v, Source: src, CreatedBy: "system:reassessment"})
	}
	o.Notice = &store.Notice{EntitlementID: x.ID, PersonID: x.PersonID, Kind: "indexation", Source: source, ValidFrom: rr.Versions[0].From,
		OldAmount: rr.Old, NewAmount: rr.New, Lines: noticeLines(rr, r.Parameter)}
	return o
}

// noticeLines are what a notice explains: the new value of the parameter,
// the new amount, and each period re-rated (the rest of the calculation
// is the grant's, unchanged).
func noticeLines(rr benefits.Rerating, parameter string) json.RawMessage {
	var out []lineJSON
	for _, l := range rr.Lines {
		if strings.HasPrefix(l.Source, "parameter "+parameter+" ") || l.Source == "result" || strings.HasPrefix(l.What, "from ") {
			out = append(out, lineJSON(l))
		}
	}
	b, _ := json.Marshal(out)
	return b
}

// RerateGrant gives a right just granted from a day before later known
// changes of its benefit's parameters (MO from January 2024, thresholds
// of 17 February 2024) its versions from those days on, recalculated on
// its basis, ex officio, with a notice; the grant's own amount stands.
// A right without a basis, or not monthly, is left as it is. Safe to
// repeat: one version per right and day ("indexation:<day>").
func (a *Activities) RerateGrant(ctx context.Context, entitlementID string) error {
	e, err := a.DB.EntitlementByID(ctx, entitlementID)
	if err != nil || len(e.Basis) == 0 || string(e.Basis) == "null" || e.Periodicity != string(benefits.Monthly) {
		return err
	}
	p, err := a.params(ctx, 0)
	if err != nil {
		return err
	}
	changes := p.Changes(benefits.Code(e.Benefit), e.ValidFrom)
	if len(changes) == 0 {
		return nil
	}
	vs, err := a.DB.Versions(ctx, e.ID)
	if err != nil {
		return err
	}
	var s benefits.Situation
	if err := json.Unmarshal(e.Basis, &s); err != nil {
		return fmt.Errorf("basis of %s: %w", e.ID, err)
	}
	rr, err := benefits.Rerate(p, benefits.Code(e.Benefit), s, store.Timeline(vs), changes[0])
	if err != nil || rr.Ineligible != "" || len(rr.Versions) == 0 {
		return err
	}
	for _, v := range rr.Versions {
		v.Ref = p.RefOn(benefits.Code(e.Benefit), v.From)
		src := "indexation:" + v.From.Format(time.DateOnly)
		if _, _, err := a.DB.AddVersion(ctx, store.Version{EntitlementID: e.ID, RightVersion: v, Source: src, CreatedBy: "system:grant"}); err != nil {
			return err
		}
	}
	return a.DB.AddNotice(ctx, store.Notice{EntitlementID: e.ID, PersonID: e.BeneficiaryID, Kind: "indexation", Source: "grant",
		ValidFrom: rr.Versions[0].From, OldAmount: rr.Old, NewAmount: rr.New, Lines: noticeLines(rr, "")})
}
