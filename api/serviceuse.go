package api

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
	"github.com/karton-social/karton/store"
)

// The service-use records (issue 23 item 4, docs/service-use.md): a
// provider's staff, or its own software (a client-credentials token of
// the provider), record the days, visits or hours of service per person
// referred to them, as JSON records or a CSV file; nothing is written
// when any row is bad, and the answer lists every bad row. The provider's
// staff read their referrals' months, the referring centre's caseworkers
// theirs. Every person a request names is in the audit log.

// MaxUseFile is the largest CSV file of records (10,000 rows with notes).
const MaxUseFile = 8 << 20

// useRecordIn is a record as JSON: the person by JMBG (the provider's
// software, as in the CSV file) or the referral by its number (the page).
type useRecordIn struct {
	JMBG       string      `json:"jmbg"`
	ReferralID int64       `json:"referral_id"`
	Service    string      `json:"service"`
	Day        string      `json:"day"`
	Quantity   json.Number `json:"quantity"`
	Note       string      `json:"note"`
	Corrects   int64       `json:"corrects"`
}

type useRecordOut struct {
	ID           int64           `json:"id"`
	ReferralID   int64           `json:"referral_id"`
	Day          string          `json:"day"`
	Quantity     decimal.Decimal `json:"quantity"`
	Note         string          `json:"note"`
	Supersedes   *int64          `json:"supersedes,omitempty"`
	SupersededBy *int64          `json:"superseded_by,omitempty"`
	Effective    bool            `json:"effective"`
	Channel      string          `json:"channel"`
	Batch        string          `json:"batch"`
	RecordedBy   string          `json:"recorded_by"`
	RecordedAt   time.Time       `json:"recorded_at"`
}

type useWritten struct {
	Batch   string         `json:"batch"`
	Written int            `json:"written"`
	Records []useRecordOut `json:"records"`
}

type useReferralOut struct {
	ReferralID int64           `json:"referral_id"`
	Person     string          `json:"person,omitempty"` // the name, where the delegation's scope holds the identity
	JMBG       string          `json:"jmbg,omitempty"`   // to the centre's staff only: never to a provider
	CentreID   string          `json:"centre_id"`
	Service    string          `json:"service"`
	Unit       string          `json:"unit"`
	State      string          `json:"state"`
	StartedOn  string          `json:"started_on,omitempty"`
	EndedOn    string          `json:"ended_on,omitempty"`
	Days       int             `json:"days"`
	Quantity   decimal.Decimal `json:"quantity"`
}

type useMonthOut struct {
	Month     string           `json:"month"`
	Referrals []useReferralOut `json:"referrals"`
	Records   []useRecordOut   `json:"records"`
}

func toUseRecord(u store.ServiceUse) useRecordOut {
	return useRecordOut{ID: u.ID, ReferralID: u.ReferralID, Day: u.Day.Format(time.DateOnly), Quantity: u.Quantity, Note: u.Note, Supersedes: u.Supersedes,
		SupersededBy: u.SupersededBy, Effective: u.Effective(), Channel: u.Channel, Batch: u.Batch, RecordedBy: u.RecordedBy, RecordedAt: u.RecordedAt}
}

// useBatchID names an upload's records.
func useBatchID(channel string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return channel + "-" + hex.EncodeToString(b[:])
}

// recordServiceUse takes the provider's records as JSON.
func (h *handler) recordServiceUse(c *gin.Context) (*useWritten, error) {
	var req struct {
		Records []useRecordIn `json:"records"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	if len(req.Records) == 0 {
		return nil, domain.FieldError("records", "give at least one record")
	}
	if len(req.Records) > services.MaxUseRows {
		return nil, domain.FieldError("records", "%d records: at most %d in one request", len(req.Records), services.MaxUseRows)
	}
	var b services.UseBatch
	for i, r := range req.Records {
		corrects := ""
		if r.Corrects != 0 {
			corrects = strconv.FormatInt(r.Corrects, 10)
		}
		where := fmt.Sprintf("records[%d]", i)
		switch {
		case r.ReferralID != 0 && r.JMBG != "":
			b.Problems = append(b.Problems, services.UseProblem{Line: i + 1, Where: where, Message: "name the person by jmbg or the referral by referral_id, not both"})
		case r.ReferralID != 0:
			b.ReferralRow(i+1, where, r.ReferralID, r.Service, r.Day, r.Quantity.String(), r.Note, corrects)
		default:
			b.Row(i+1, where, r.JMBG, r.Service, r.Day, r.Quantity.String(), r.Note, corrects)
		}
	}
	return h.writeServiceUse(c, b, store.UseByAPI)
}

// uploadServiceUse takes the provider's records as a CSV file, the body
// itself (text/csv).
func (h *handler) uploadServiceUse(c *gin.Context) (*useWritten, error) {
	if mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); strings.HasPrefix(mt, "multipart/") {
		return nil, domain.FieldError("file", "send the CSV file itself as the body (Content-Type text/csv), not a form")
	}
	data, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxUseFile))
	var me *http.MaxBytesError
	if errors.As(err, &me) {
		return nil, domain.FieldError("file", "is larger than %d MiB: split it", MaxUseFile>>20)
	} else if err != nil {
		return nil, domain.FieldError("file", "could not be read: send it again")
	}
	return h.writeServiceUse(c, services.ParseUseCSV(data), store.UseByCSV)
}

func (h *handler) writeServiceUse(c *gin.Context, b services.UseBatch, channel string) (*useWritten, error) {
	u := userOf(c)
	if err := h.allow(c, "service_use", "create", string(u.PIB)); err != nil {
		return nil, err
	}
	report, err := h.db.RecordServiceUse(c.Request.Context(), string(u.PIB), b, channel, useBatchID(channel), u.Username, h.now())
	if report.DV {
		restrict(c)
	}
	auditPersons(c, report.Persons...)
	if err != nil {
		return nil, err
	}
	out := &useWritten{Batch: report.Batch, Written: len(report.Written), Records: []useRecordOut{}}
	for _, r := range report.Written {
		out.Records = append(out.Records, toUseRecord(r))
	}
	return out, nil
}

// listServiceUse answers a month's referrals with their effective
// records' days and quantity (the provider's own, or the caseworker's
// centre's), and with referral= one referral's records of the month.
func (h *handler) listServiceUse(c *gin.Context) (*useMonthOut, error) {
	ctx := c.Request.Context()
	month := domain.MonthOf(h.now())
	if m := c.Query("month"); m != "" {
		var err *domain.Error
		if month, err = serviceMonth("month", m); err != nil {
			return nil, err
		}
	}
	out := &useMonthOut{Month: month.String(), Referrals: []useReferralOut{}, Records: []useRecordOut{}}
	if s := c.Query("referral"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 1 {
			return nil, domain.FieldError("referral", "%q is not a referral's number", s)
		}
		return h.referralServiceUse(c, id, month, out)
	}
	u := userOf(c)
	pib := ""
	if u.Role == domain.RoleProviderStaff {
		pib = string(u.PIB)
	}
	months, err := h.db.UseByMonth(ctx, pib, month)
	if err != nil {
		return nil, err
	}
	for _, m := range months {
		scope, ok, err := h.mayReadUse(c, m.UseReferral)
		if err != nil {
			return nil, err
		}
		if ok {
			auditPersons(c, m.PersonID)
			out.Referrals = append(out.Referrals, toUseReferral(m, scope, u.Role != domain.RoleProviderStaff))
		}
	}
	return out, nil
}

func (h *handler) referralServiceUse(c *gin.Context, id int64, month domain.Month, out *useMonthOut) (*useMonthOut, error) {
	ctx := c.Request.Context()
	ref, err := h.db.UseReferralByID(ctx, id)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil, notFound(fmt.Sprintf("no referral %d", id))
	} else if err != nil {
		return nil, err
	}
	scope, ok, err := h.mayReadUse(c, ref)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound(fmt.Sprintf("no referral %d", id))
	}
	auditPersons(c, ref.PersonID)
	months, err := h.db.UseByMonth(ctx, ref.ProviderPIB, month)
	if err != nil {
		return nil, err
	}
	line := store.UseMonth{UseReferral: ref, Quantity: decimal.Zero}
	for _, m := range months {
		if m.ID == id {
			line = m
		}
	}
	if line.JMBG == "" {
		p, err := h.db.PersonByID(ctx, ref.PersonID)
		if err != nil {
			return nil, err
		}
		line.GivenName, line.FamilyName, line.JMBG = p.GivenName, p.FamilyName, p.JMBG
	}
	out.Referrals = append(out.Referrals, toUseReferral(line, scope, userOf(c).Role != domain.RoleProviderStaff))
	recs, err := h.db.ServiceUse(ctx, id, month)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		out.Records = append(out.Records, toUseRecord(r))
	}
	return out, nil
}

// mayReadUse reports whether the caller reads a referral's records and
// whether they see the person's identity: a provider's staff through
// DelegatedAccessTo (the referral one of those it grants; the identity as
// that referral's own delegation allows), a centre's
// staff by the policy for the referral's centre (a DV referral only inside
// the compartment).
func (h *handler) mayReadUse(c *gin.Context, ref store.UseReferral) (identity, ok bool, err error) {
	u := userOf(c)
	if u.Role == domain.RoleProviderStaff {
		if ref.ProviderPIB != string(u.PIB) || h.allow(c, "service_use", "read", ref.ProviderPIB) != nil {
			return false, false, nil
		}
		a, ok, err := h.db.DelegatedAccessTo(c.Request.Context(), string(u.PIB), ref.PersonID, h.now())
		if err != nil || !ok || !a.Covers(ref.ID) {
			return false, false, err
		}
		if ref.DV {
			restrict(c)
		}
		return a.AllowsFor(ref.ID, services.ScopeIdentity), true, nil
	}
	if !h.enforcer.Allow(string(u.Role), u.Home(), ref.CentreID, "service_use", "read") {
		return false, false, nil
	}
	if ref.DV {
		if !h.enforcer.Allow(string(u.Role), u.Home(), ref.CentreID, "dv_case", "read") {
			return false, false, nil
		}
		restrict(c)
	}
	return true, true, nil
}

// toUseReferral is a referral's month; the name where identity, the JMBG
// only to the centre's staff (jmbg): a provider never reads it.
func toUseReferral(m store.UseMonth, identity, jmbg bool) useReferralOut {
	out := useReferralOut{ReferralID: m.ID, CentreID: m.CentreID, Service: m.Service, Unit: string(m.Unit), State: m.State, Days: m.Days, Quantity: m.Quantity}
	if identity {
		out.Person = strings.TrimSpace(m.GivenName + " " + m.FamilyName)
	}
	if identity && jmbg {
		out.JMBG = string(m.JMBG)
	}
	if m.StartedOn != nil {
		out.StartedOn = m.StartedOn.Format(time.DateOnly)
	}
	if m.EndedOn != nil {
		out.EndedOn = m.EndedOn.Format(time.DateOnly)
	}
	return out
}
