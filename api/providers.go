package api

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/store"
)

// The register of licensed social service providers (issue 21, a first
// slice): the ministry's officers record providers and their licences, one
// per service, for six years, and withdraw them; anyone reads the register
// without logging in (GET /api/v1/public/providers). No person's data is
// kept or shown.

type providerAddress struct {
	Street           string `json:"street"`
	Municipality     string `json:"municipality"`
	MunicipalityName string `json:"municipality_name,omitempty"`
}

type createProviderRequest struct {
	Name      string          `json:"name"`
	PIB       string          `json:"pib"`
	Address   providerAddress `json:"address"`
	FoundedOn string          `json:"founded_on"`
}

type licenceView struct {
	Number           string `json:"number"`
	Service          string `json:"service"`
	ServiceName      string `json:"service_name"`
	ValidFrom        string `json:"valid_from"`
	ValidUntil       string `json:"valid_until"`
	State            string `json:"state"`
	WithdrawnOn      string `json:"withdrawn_on,omitempty"`
	WithdrawalReason string `json:"withdrawal_reason,omitempty"`
	RecordedBy       string `json:"recorded_by"`
}

type providerView struct {
	ID        int64           `json:"id"`
	Name      string          `json:"name"`
	PIB       string          `json:"pib"`
	Address   providerAddress `json:"address"`
	FoundedOn string          `json:"founded_on"`
	CreatedBy string          `json:"created_by"`
	Licences  []licenceView   `json:"licences"`
}

func municipalityName(code string) string {
	m, _ := domain.MunicipalityByCode(code)
	return m.Name
}

func serviceName(code, lang string) string {
	s, _ := providers.ServiceByCode(code)
	return s.Label(lang)
}

func (h *handler) providerView(c *gin.Context, p store.Provider) *providerView {
	lang, today := h.pivotLanguage(c), h.now()
	v := &providerView{ID: p.ID, Name: p.Name, PIB: p.PIB, FoundedOn: p.FoundedOn.Format(time.DateOnly), CreatedBy: p.CreatedBy,
		Address:  providerAddress{Street: p.Street, Municipality: p.Municipality, MunicipalityName: municipalityName(p.Municipality)},
		Licences: []licenceView{}}
	for _, l := range p.Licences {
		lv := licenceView{Number: l.Number, Service: l.Service, ServiceName: serviceName(l.Service, lang), ValidFrom: l.ValidFrom.Format(time.DateOnly),
			ValidUntil: l.ValidUntil.Format(time.DateOnly), State: l.State(today), WithdrawalReason: l.WithdrawalReason, RecordedBy: l.RecordedBy}
		if l.WithdrawnOn != nil {
			lv.WithdrawnOn = l.WithdrawnOn.Format(time.DateOnly)
		}
		v.Licences = append(v.Licences, lv)
	}
	return v
}

// createProvider answers POST /api/v1/providers: 201 with the provider.
// Every field is checked first and every fault named; a PIB on record is
// a 409.
func (h *handler) createProvider(c *gin.Context) (*providerView, error) {
	var req createProviderRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	p := store.Provider{Name: strings.TrimSpace(req.Name), PIB: strings.TrimSpace(req.PIB), Street: strings.TrimSpace(req.Address.Street),
		CreatedBy: userOf(c).Username}
	var errs []*domain.Error
	if m, err := domain.ParseMunicipality(strings.TrimSpace(req.Address.Municipality)); err == nil {
		p.Municipality = m.Code
	} else {
		p.Municipality = printable(req.Address.Municipality, 40)
	}
	if req.FoundedOn != "" {
		d, err := parseDay("founded_on", req.FoundedOn)
		if err != nil {
			errs = append(errs, err.(*domain.Error))
		}
		p.FoundedOn = d
		if d.After(h.now()) {
			errs = append(errs, domain.FieldError("founded_on", "%s is in the future", req.FoundedOn))
		}
	}
	for _, e := range providers.CheckProvider(p.Rules()) {
		if e.Field == "founded_on" && req.FoundedOn != "" {
			continue // named above
		}
		errs = append(errs, e)
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	out, err := h.db.CreateProvider(c.Request.Context(), p)
	if err != nil {
		return nil, err
	}
	c.Header("Location", "/api/v1/providers/"+strconv.FormatInt(out.ID, 10))
	return h.providerView(c, out), nil
}

func providerID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.Errorf(domain.CodeNotFound, "provider %q not found", printable(c.Param("id"), 40))
	}
	return id, nil
}

// getProvider answers GET /api/v1/providers/:id: the provider with every
// licence and its state today.
func (h *handler) getProvider(c *gin.Context) (*providerView, error) {
	id, err := providerID(c)
	if err != nil {
		return nil, err
	}
	p, err := h.db.ProviderByID(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	return h.providerView(c, p), nil
}

type addLicenceRequest struct {
	Number     string `json:"number"`
	Service    string `json:"service"`
	ValidFrom  string `json:"valid_from"`
	ValidUntil string `json:"valid_until"` // optional: six years from valid_from
}

// addLicence answers POST /api/v1/providers/:id/licences: 201 with the
// provider. A licence runs six years unless valid_until says less; it may
// not start before the provider was founded; a number on record is a 409.
func (h *handler) addLicence(c *gin.Context) (*providerView, error) {
	id, err := providerID(c)
	if err != nil {
		return nil, err
	}
	var req addLicenceRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	l := store.ProviderLicence{Licence: providers.Licence{Number: strings.TrimSpace(req.Number), Service: strings.TrimSpace(req.Service)},
		RecordedBy: userOf(c).Username}
	var errs []*domain.Error
	if req.ValidFrom != "" {
		if l.ValidFrom, err = parseDay("valid_from", req.ValidFrom); err != nil {
			errs = append(errs, err.(*domain.Error))
		}
	}
	if req.ValidUntil != "" {
		if l.ValidUntil, err = parseDay("valid_until", req.ValidUntil); err != nil {
			errs = append(errs, err.(*domain.Error))
		} else if !l.ValidFrom.IsZero() && l.ValidUntil.After(providers.ValidUntil(l.ValidFrom)) {
			errs = append(errs, domain.FieldError("valid_until", "%s is more than %d years after valid_from", req.ValidUntil, providers.LicenceYears))
		}
	} else if !l.ValidFrom.IsZero() {
		l.ValidUntil = providers.ValidUntil(l.ValidFrom)
	}
	p, err := h.db.ProviderByID(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	for _, e := range providers.CheckLicence(p.Rules(), l.Licence) {
		if e.Field == "valid_from" && req.ValidFrom != "" && l.ValidFrom.IsZero() {
			continue // not a date: named above
		}
		errs = append(errs, e)
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	// The store checks again in its transaction (the founding does not
	// change, but a number may have been taken meanwhile).
	p, err = h.db.AddLicence(c.Request.Context(), id, l)
	if err != nil {
		return nil, err
	}
	return h.providerView(c, p), nil
}

type withdrawLicenceRequest struct {
	Reason string `json:"reason"`
}

// withdrawLicence answers POST /api/v1/providers/:id/licences/:number/withdraw:
// the licence is withdrawn from today, with the reason; once only.
func (h *handler) withdrawLicence(c *gin.Context) (*providerView, error) {
	id, err := providerID(c)
	if err != nil {
		return nil, err
	}
	var req withdrawLicenceRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(req.Reason)
	switch {
	case reason == "":
		return nil, domain.FieldError("reason", "is required")
	case len([]rune(reason)) > 500:
		return nil, domain.FieldError("reason", "is longer than 500 characters")
	}
	p, err := h.db.WithdrawLicence(c.Request.Context(), id, c.Param("number"), h.now(), reason, userOf(c).Username)
	if err != nil {
		return nil, err
	}
	return h.providerView(c, p), nil
}

type registerEntryView struct {
	ProviderID       int64  `json:"provider_id"`
	Name             string `json:"name"`
	Street           string `json:"street"`
	Municipality     string `json:"municipality"`
	MunicipalityName string `json:"municipality_name"`
	LicenceNumber    string `json:"licence_number"`
	Service          string `json:"service"`
	ServiceName      string `json:"service_name"`
	ValidFrom        string `json:"valid_from"`
	ValidUntil       string `json:"valid_until"`
	State            string `json:"state"`
}

type registerView struct {
	AsOf    string              `json:"as_of"`
	Entries []registerEntryView `json:"entries"`
}

// PublicRegister is the public register of licensed providers as of day,
// filtered by municipality (code or name) and service code, in lang: what
// both the public API and the public page show. Bad filters are a 400
// naming them.
func PublicRegister(c *gin.Context, db *store.DB, municipality, service, lang string, day time.Time) (*registerView, error) {
	f := store.RegisterFilter{Service: strings.TrimSpace(service)}
	var errs []*domain.Error
	if m := strings.TrimSpace(municipality); m != "" {
		mu, err := domain.ParseMunicipality(m)
		if err != nil {
			errs = append(errs, domain.FieldError("municipality", "%q is not a municipality", printable(m, 40)))
		}
		f.Municipality = mu.Code
	}
	if _, ok := providers.ServiceByCode(f.Service); f.Service != "" && !ok {
		errs = append(errs, domain.FieldError("service", "%q is not a service of the catalogue", printable(f.Service, 40)))
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	entries, err := db.PublicRegister(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	v := &registerView{AsOf: day.Format(time.DateOnly), Entries: []registerEntryView{}}
	for _, e := range entries {
		v.Entries = append(v.Entries, registerEntryView{ProviderID: e.ProviderID, Name: e.Name, Street: e.Street, Municipality: e.Municipality,
			MunicipalityName: municipalityName(e.Municipality), LicenceNumber: e.Licence.Number, Service: e.Licence.Service,
			ServiceName: serviceName(e.Licence.Service, lang), ValidFrom: e.Licence.ValidFrom.Format(time.DateOnly),
			ValidUntil: e.Licence.ValidUntil.Format(time.DateOnly), State: e.Licence.State(day)})
	}
	return v, nil
}

// publicProviders answers GET /api/v1/public/providers without login: the
// register as JSON, or CSV with ?format=csv.
func (h *handler) publicProviders(c *gin.Context) {
	lang := "cnr"
	if c.Query("lang") == "en" {
		lang = "en"
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		writeError(c, h.log, domain.FieldError("format", "%q is neither json nor csv", printable(format, 20)))
		return
	}
	v, err := PublicRegister(c, h.db, c.Query("municipality"), c.Query("service"), lang, h.now())
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	if format == "json" {
		c.JSON(200, v)
		return
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"provider_id", "name", "street", "municipality", "municipality_name", "licence_number", "service", "service_name",
		"valid_from", "valid_until", "state"})
	for _, e := range v.Entries {
		_ = w.Write([]string{strconv.FormatInt(e.ProviderID, 10), e.Name, e.Street, e.Municipality, e.MunicipalityName, e.LicenceNumber,
			e.Service, e.ServiceName, e.ValidFrom, e.ValidUntil, e.State})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		writeError(c, h.log, errors.Join(domain.Errorf(domain.CodeInternal, "internal error"), err))
		return
	}
	c.Header("Content-Disposition", "attachment; filename=karton-providers-"+v.AsOf+".csv")
	c.Data(200, "text/csv; charset=utf-8", buf.Bytes())
}
