package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain/providers"
)

// The provider's page of service-use records (issue 23 item 4): its staff
// choose a referral (the person named as the delegation's scope allows)
// and a month, see the month's days with what is recorded, record a day
// by hand, correct or cancel one, and upload a CSV file of records (or
// paste it) with its report: the records written, or every bad row by its
// line and nothing written. Every form goes to the API with the user's
// token (api/serviceuse.go); a form names the referral by its number,
// never the person's JMBG (a provider is never shown it).

// registerServiceUse adds the page and its forms.
func (s *server) registerServiceUse(page, form func(string, gin.HandlerFunc)) {
	page("/provider/service-use", s.onlyFor("service_use", "create", "su.not_yours", s.serviceUsePage))
	form("/provider/service-use/records", s.onlyFor("service_use", "create", "su.not_yours", s.serviceUseRecord))
	form("/provider/service-use/upload", s.onlyFor("service_use", "create", "su.not_yours", s.serviceUseUpload))
}

// useReferral is a referral of the month as the API lists it.
type useReferral struct {
	ReferralID int64  `json:"referral_id"`
	Person     string `json:"person"`
	Service    string `json:"service"`
	Unit       string `json:"unit"`
	State      string `json:"state"`
	StartedOn  string `json:"started_on"`
	EndedOn    string `json:"ended_on"`
	Days       int    `json:"days"`
	Quantity   string `json:"quantity"`
}

// useRecord is a record as the API gives it.
type useRecord struct {
	ID           int64  `json:"id"`
	Day          string `json:"day"`
	Quantity     string `json:"quantity"`
	Note         string `json:"note"`
	Supersedes   *int64 `json:"supersedes"`
	SupersededBy *int64 `json:"superseded_by"`
	Effective    bool   `json:"effective"`
	Channel      string `json:"channel"`
	RecordedBy   string `json:"recorded_by"`
}

// useGridDay is a day of the month's grid: its effective record (if any)
// and the records it replaced or that cancelled it.
type useGridDay struct {
	Day      string
	Num      int
	Weekday  int
	Future   bool
	Outside  bool       // before the service started or after it ended
	Current  *useRecord // the record nobody superseded (quantity 0: cancelled)
	Replaced []useRecord
}

// useProblem is a bad row of an upload or a form, in the reader's words.
type useProblem struct{ Where, Message string }

// useView is what the page shows besides the API's data.
type useView struct {
	Form     string // the form sent back: record, upload
	Problems []useProblem
	Summary  string
	Written  int // rows an upload wrote
	Uploaded bool
	CSV      string
}

func (s *server) serviceUsePage(c *gin.Context) { s.renderServiceUse(c, http.StatusOK, useView{}) }

// useQuery is the page's month (this month if none or a bad one) and referral.
func useQuery(c *gin.Context) (month string, referral int64) {
	month = c.Query("month")
	if month == "" {
		month = c.PostForm("month")
	}
	if _, err := time.Parse("2006-01", month); err != nil {
		month = time.Now().In(montenegro).Format("2006-01")
	}
	r := c.Query("referral")
	if r == "" {
		r = c.PostForm("referral")
	}
	referral, _ = strconv.ParseInt(r, 10, 64)
	return month, max(referral, 0)
}

func usePageURL(month string, referral int64) string {
	q := url.Values{"month": {month}}
	if referral > 0 {
		q.Set("referral", strconv.FormatInt(referral, 10))
	}
	return "/provider/service-use?" + q.Encode()
}

func (s *server) renderServiceUse(c *gin.Context, status int, v useView) {
	month, referral := useQuery(c)
	var list struct{ Referrals []useReferral }
	if r := s.getJSON(c, "/api/v1/service-use?month="+url.QueryEscape(month), &list); !r.ok() {
		s.refused(c, r)
		return
	}
	data := gin.H{"Month": month, "Referrals": list.Referrals, "View": v, "Values": formValues(c), "Services": serviceNames(s.lang(c))}
	m, _ := time.Parse("2006-01", month)
	data["Prev"], data["Next"] = m.AddDate(0, -1, 0).Format("2006-01"), m.AddDate(0, 1, 0).Format("2006-01")
	if referral > 0 {
		var one struct {
			Referrals []useReferral
			Records   []useRecord
		}
		if r := s.getJSON(c, fmt.Sprintf("/api/v1/service-use?month=%s&referral=%d", url.QueryEscape(month), referral), &one); !r.ok() {
			s.refused(c, r)
			return
		}
		if len(one.Referrals) == 1 {
			data["Referral"] = one.Referrals[0]
			data["Grid"] = useGrid(m, one.Referrals[0], one.Records)
		}
	}
	s.render(c, status, "provider_service_use", data)
}

// serviceNames are the catalogue's services in lang, by code.
func serviceNames(lang string) map[string]string {
	out := map[string]string{}
	for _, sv := range providers.Services() {
		out[sv.Code] = sv.Label(lang)
	}
	return out
}

// useGrid lays a month's records on its days: each day's current record
// (the one nobody superseded) and the ones it replaced; the days outside
// the referral's service are marked.
func useGrid(month time.Time, ref useReferral, recs []useRecord) []useGridDay {
	today := time.Now().In(montenegro).Format(time.DateOnly)
	var grid []useGridDay
	byDay := map[string]int{}
	for d := month; d.Month() == month.Month(); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		byDay[day] = len(grid)
		outside := ref.StartedOn == "" || day < ref.StartedOn || (ref.EndedOn != "" && day > ref.EndedOn)
		grid = append(grid, useGridDay{Day: day, Num: d.Day(), Weekday: int(d.Weekday()), Future: day > today, Outside: outside})
	}
	for _, r := range recs {
		i, ok := byDay[r.Day]
		if !ok {
			continue
		}
		if r.SupersededBy == nil {
			cur := r
			grid[i].Current = &cur
		} else {
			grid[i].Replaced = append(grid[i].Replaced, r)
		}
	}
	return grid
}

// serviceUseRecord records or corrects a day by hand.
func (s *server) serviceUseRecord(c *gin.Context) {
	lang := s.lang(c)
	month, referral := useQuery(c)
	rec := obj{"referral_id": referral, "service": c.PostForm("service"), "day": c.PostForm("day"),
		"quantity": strings.TrimSpace(c.PostForm("quantity")), "note": c.PostForm("note")}
	if q := rec["quantity"]; q == "" {
		s.renderServiceUse(c, http.StatusBadRequest, useView{Form: "record", Problems: []useProblem{{Message: t(lang, "su.quantity_required")}}})
		return
	}
	if id, err := strconv.ParseInt(c.PostForm("corrects"), 10, 64); err == nil && id > 0 {
		rec["corrects"] = id
	}
	r := s.call(c, http.MethodPost, "/api/v1/service-use", obj{"records": []obj{rec}}, "")
	if r.status == http.StatusBadRequest {
		s.renderServiceUse(c, r.status, useView{Form: "record", Problems: useProblems(lang, r)})
		return
	}
	if !r.ok() {
		backError(c, usePageURL(month, referral), s.say(c, r))
		return
	}
	done := "su.recorded"
	if _, ok := rec["corrects"]; ok {
		done = "su.corrected"
	}
	back(c, usePageURL(month, referral), t(lang, done))
}

// serviceUseUpload sends a CSV file (or the text pasted) to the API and
// shows its report.
func (s *server) serviceUseUpload(c *gin.Context) {
	lang := s.lang(c)
	var data []byte
	if fh, err := c.FormFile("file"); err == nil {
		if fh.Size > 8<<20 {
			s.renderServiceUse(c, http.StatusBadRequest, useView{Form: "upload", Problems: []useProblem{{Message: t(lang, "su.too_large")}}})
			return
		}
		f, err := fh.Open()
		if err == nil {
			data, err = io.ReadAll(io.LimitReader(f, 8<<20))
			_ = f.Close() // read only
		}
		if err != nil {
			s.renderServiceUse(c, http.StatusBadRequest, useView{Form: "upload", Problems: []useProblem{{Message: t(lang, "su.unreadable")}}})
			return
		}
	}
	pasted := c.PostForm("csv")
	if len(data) == 0 {
		data = []byte(pasted)
	}
	if strings.TrimSpace(string(data)) == "" {
		s.renderServiceUse(c, http.StatusBadRequest, useView{Form: "upload", Problems: []useProblem{{Message: t(lang, "su.no_file")}}})
		return
	}
	r := s.call(c, http.MethodPost, "/api/v1/service-use/upload", data, "text/csv")
	switch {
	case r.ok():
		var w struct{ Written int }
		_ = json.Unmarshal(r.body, &w)
		s.renderServiceUse(c, http.StatusOK, useView{Form: "upload", Uploaded: true, Written: w.Written})
	case r.status == http.StatusBadRequest:
		s.renderServiceUse(c, r.status, useView{Form: "upload", Problems: useProblems(lang, r), CSV: pasted,
			Summary: tf(lang, "su.nothing_written", len(r.apiError().Fields))})
	default:
		s.renderServiceUse(c, r.status, useView{Form: "upload", Problems: []useProblem{{Message: s.say(c, r)}}, CSV: pasted})
	}
}

// useProblems are the API's bad rows in lang, each where it is (a line of
// the file, a record of the form) and what is wrong.
func useProblems(lang string, r apiResult) []useProblem {
	e := r.apiError()
	if len(e.Fields) == 0 {
		return []useProblem{{Where: useWhere(lang, e.Field), Message: sayMessage(lang, e.Code, e.Field, e.Message)}}
	}
	out := make([]useProblem, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = useProblem{Where: useWhere(lang, f.Field), Message: sayMessage(lang, e.Code, f.Field, f.Message)}
	}
	return out
}

// useWhere says a problem's place in lang: a file's line, the form's
// record (the only one: nothing), the file as a whole.
func useWhere(lang, field string) string {
	switch {
	case strings.HasPrefix(field, "line "):
		return tf(lang, "su.line", strings.TrimPrefix(field, "line "))
	case field == "file":
		return t(lang, "su.file")
	}
	return ""
}
