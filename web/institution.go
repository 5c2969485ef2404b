package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain/institutions"
)

// The residential institutions' pages (issue 22 items 1 and 6): the home
// of every institution's staff (/institution: the institution, its units,
// rooms and beds with who holds each, the residents, the other services'
// pages), the ministry's list and each institution's page (/institutions),
// the centres' search of free beds (/institutions/free-beds), and the
// month's occupancy and placement costs (/institutions/statistics).
// Everything goes through the API as the user: another institution is a
// 404 there and here.

func (s *server) registerInstitution(page, form func(string, gin.HandlerFunc)) {
	page("/institution", s.institutionHome)
	form("/institution/beds/:bed", s.institutionBed)
	form("/institution/units", s.institutionAdd)
	form("/institution/units/:unit/rooms", s.institutionAdd)
	form("/institution/rooms/:room/beds", s.institutionAdd)
	page("/institutions", s.institutionsList)
	page("/institutions/free-beds", s.freeBedsPage)
	page("/institutions/statistics", s.institutionStatsPage)
	page("/institutions/:id", s.institutionPage)
}

// institutionHome is the home page of an institution's staff: their own
// institution.
func (s *server) institutionHome(c *gin.Context) {
	u := userOf(c)
	if !u.Role.Institution() {
		s.render(c, http.StatusForbidden, "message", gin.H{"Title": "forbidden", "Message": t(s.lang(c), "home_no_pages")})
		return
	}
	s.renderInstitution(c, u.InstitutionID, true)
}

// institutionPage is an institution's page for the ministry.
func (s *server) institutionPage(c *gin.Context) { s.renderInstitution(c, c.Param("id"), false) }

func (s *server) renderInstitution(c *gin.Context, id string, home bool) {
	var v obj
	r := s.getJSON(c, "/api/v1/institutions/"+url.PathEscape(id), &v)
	if home && r.status == http.StatusNotFound {
		// The staff's institution not on record yet: the page says so, the
		// menu still leads to the services.
		s.render(c, http.StatusOK, "institution", gin.H{"Missing": true, "Home": true, "Modules": modulesOf(c)})
		return
	}
	if !r.ok() {
		s.refused(c, r)
		return
	}
	units := asList(v["units"])
	for _, u := range units {
		u["RoomsList"] = asList(u["rooms"])
		for _, rm := range u["RoomsList"].([]obj) {
			rm["BedsList"] = asList(rm["beds"])
		}
	}
	counts, _ := v["counts"].(obj)
	data := gin.H{"I": v, "Units": units, "Counts": counts, "Residents": asList(v["residents"]), "Own": home && userOf(c).Role.Institution(),
		"MayUpdate": v["may_update"] == true, "Home": home}
	if home {
		data["Modules"] = modulesOf(c)
		data["Kinds"] = bedKinds(s.lang(c))
	}
	s.render(c, http.StatusOK, "institution", data)
}

// modulesOf is the menu's pages of the user but the home: the services of
// the institution their role works in (the other parts of issue 22 add
// their menu links).
func modulesOf(c *gin.Context) []menuLink {
	var out []menuLink
	for _, l := range menuOf(userOf(c)) {
		if l.Path != "/institution" {
			out = append(out, l)
		}
	}
	return out
}

// institutionBed is the director's form on a bed: out of service, or back.
func (s *server) institutionBed(c *gin.Context) {
	_ = c.Request.ParseForm()
	out := c.Request.PostForm.Get("out_of_service") == "true"
	bed := c.Param("bed")
	if _, err := strconv.ParseInt(bed, 10, 64); err != nil {
		s.render(c, http.StatusNotFound, "message", gin.H{"Title": "not_found", "Message": t(s.lang(c), "not_found")})
		return
	}
	u := userOf(c)
	r := s.call(c, http.MethodPut, "/api/v1/institutions/"+url.PathEscape(u.InstitutionID)+"/beds/"+bed, obj{"out_of_service": out}, "")
	if !r.ok() {
		backError(c, "/institution", s.say(c, r))
		return
	}
	done := "ih.bed_back"
	if out {
		done = "ih.bed_out"
	}
	back(c, "/institution", t(s.lang(c), done))
}

// institutionAdd is the director's forms adding a unit, a room to a unit
// and a bed to a room: the API's POST of the same path under the
// institution, with what was filled in.
func (s *server) institutionAdd(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	base := "/api/v1/institutions/" + url.PathEscape(userOf(c).InstitutionID)
	var path, done string
	var body obj
	switch unit, room := c.Param("unit"), c.Param("room"); {
	case unit != "":
		path, done, body = base+"/units/"+url.PathEscape(unit)+"/rooms", "ih.room_added", obj{"name": f.Get("name"), "gender": f.Get("gender")}
	case room != "":
		path, done, body = base+"/rooms/"+url.PathEscape(room)+"/beds", "ih.bed_added", obj{"label": f.Get("label")}
	default:
		care, _ := strconv.Atoi(f.Get("care_level"))
		path, done, body = base+"/units", "ih.unit_added", obj{"name": f.Get("name"), "kind": f.Get("kind"), "care_level": care}
	}
	r := s.call(c, http.MethodPost, path, body, "")
	if !r.ok() {
		backError(c, "/institution", s.say(c, r))
		return
	}
	back(c, "/institution", t(s.lang(c), done))
}

// institutionsList is the ministry's list of the institutions with their
// beds, each a link to its page for those who may read it.
func (s *server) institutionsList(c *gin.Context) {
	var v struct {
		Institutions []obj `json:"institutions"`
	}
	if r := s.getJSON(c, "/api/v1/institutions", &v); !r.ok() {
		s.refused(c, r)
		return
	}
	s.render(c, http.StatusOK, "institutions", gin.H{"List": v.Institutions, "Link": may(userOf(c), "institution", "read")})
}

// freeGroup is the free beds of one institution, as the search lists them.
type freeGroup struct {
	ID, Name, Municipality string
	Beds                   []obj
}

// freeBedsPage is the centres' search of free beds: kind, the person's
// gender, the care needed and the day; the results by institution with
// their counts.
func (s *server) freeBedsPage(c *gin.Context) {
	lang := s.lang(c)
	q := url.Values{}
	for _, k := range []string{"kind", "gender", "care_level", "day"} {
		if v := c.Query(k); v != "" {
			q.Set(k, v)
		}
	}
	data := gin.H{"Kinds": bedKinds(lang), "Q": q, "Day": c.Query("day")}
	var v struct {
		Day  string `json:"day"`
		Beds []obj  `json:"beds"`
	}
	r := s.getJSON(c, "/api/v1/free-beds?"+q.Encode(), &v)
	switch {
	case r.status == http.StatusBadRequest:
		data["Error"] = s.say(c, r)
	case !r.ok():
		s.refused(c, r)
		return
	default:
		var groups []*freeGroup
		for _, b := range v.Beds {
			id := str(b["institution_id"])
			if n := len(groups); n == 0 || groups[n-1].ID != id {
				groups = append(groups, &freeGroup{ID: id, Name: str(b["institution_name"]), Municipality: str(b["municipality_name"])})
			}
			g := groups[len(groups)-1]
			g.Beds = append(g.Beds, b)
		}
		data["Groups"], data["Total"], data["On"] = groups, len(v.Beds), v.Day
		data["Searched"] = true
	}
	if data["Day"] == "" {
		data["Day"] = time.Now().Format(time.DateOnly)
	}
	s.render(c, http.StatusOK, "institution_free_beds", data)
}

// percent says a rate (0.8125) as a percentage in lang: 81,3 % or 81.3%.
func percent(lang, rate string) string {
	d, err := decimal.NewFromString(rate)
	if err != nil {
		return rate
	}
	p := d.Mul(decimal.NewFromInt(100)).StringFixed(1)
	if lang == "cnr" {
		return strings.Replace(p, ".", ",", 1) + " %"
	}
	return p + "%"
}

func bedKinds(lang string) []choice {
	var out []choice
	for _, k := range institutions.Kinds() {
		out = append(out, choice{string(k), enum(lang, "bed_kind", string(k))})
	}
	return out
}

// institutionStatsPage is the month's occupancy, admissions, discharges
// and placement costs by budget line: the director's institution, every
// institution for the ministry's analysts and finance officers.
func (s *server) institutionStatsPage(c *gin.Context) {
	month := c.Query("month")
	if month == "" {
		month = time.Now().Format("2006-01")
	}
	q := url.Values{"month": {month}}
	if i := c.Query("institution"); i != "" {
		q.Set("institution", i)
	}
	data := gin.H{"Month": month}
	var v obj
	r := s.getJSON(c, "/api/v1/institution-statistics?"+q.Encode(), &v)
	switch {
	case r.status == http.StatusNotFound && userOf(c).Role.Institution() && c.Query("institution") == "":
		data["Missing"] = true // the director's institution not on record yet
	case r.status == http.StatusBadRequest:
		data["Error"] = s.say(c, r)
	case !r.ok():
		s.refused(c, r)
		return
	default:
		rows := asList(v["institutions"])
		for _, row := range rows {
			row["Rate"] = percent(s.lang(c), str(row["occupancy_rate"]))
		}
		data["S"], data["Rows"], data["Costs"] = v, rows, asList(v["costs"])
		if tot, ok := v["total"].(obj); ok {
			data["Total"] = tot
		}
	}
	s.render(c, http.StatusOK, "institution_stats", data)
}
