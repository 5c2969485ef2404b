package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
)

// The e-file against the population register (issue 17 item 2): when the
// register's latest evidence states another name or address than Karton
// holds, the e-file says so, side by side, and a caseworker of the
// person's centre takes the register's values or corrects the
// registration by hand; the API authorises and audits both.

// differenceView is one line of the e-file's banner.
type differenceView struct {
	Field, Karton, Register string
}

// correctionForm is the correction by hand as the form shows it: Karton's
// values, or what was typed when the API sent it back, with the messages
// beside each field.
type correctionForm struct {
	Values url.Values
	Errs   map[string]string
	Open   bool // sent back: the form is shown open
}

// Get is the value of a field of the form.
func (f correctionForm) Get(name string) string { return f.Values.Get(name) }

const (
	ctxCorrection = "web_correction" // a correction sent back (correctionForm)
)

// registerData adds to the e-file's data the register's differences, the
// correction form and what the reader may do; it returns the page's
// status (400 when a correction comes back with its messages).
func registerData(c *gin.Context, f obj, data gin.H) int {
	u := userOf(c)
	p := personOf(f)
	data["Differences"] = registerDifferences(p, f)
	data["CanCorrect"] = may(u, "person", "update")
	data["CanRefresh"] = may(u, "evidence", "refresh")
	data["CanClaim"] = may(u, "claim", "create")
	data["CanCase"] = may(u, "case", "create")
	data["Municipalities"] = domain.Municipalities()
	form := correctionForm{Values: url.Values{"given_name": {p.GivenName}, "family_name": {p.FamilyName},
		"municipality": {p.Address.Municipality}, "settlement": {p.Address.Settlement}, "street": {p.Address.Street}}}
	status := http.StatusOK
	if v, ok := c.Get(ctxCorrection); ok {
		form = v.(correctionForm)
		form.Open = true
		status = http.StatusBadRequest
	}
	data["Correction"] = form
	return status
}

// personOf reads the e-file's person.
func personOf(f obj) domain.Person {
	p, _ := f["person"].(obj)
	a, _ := p["address"].(obj)
	s := func(m obj, k string) string { v, _ := m[k].(string); return v }
	return domain.Person{ID: domain.PersonID(s(p, "id")), GivenName: s(p, "given_name"), FamilyName: s(p, "family_name"),
		Address: domain.Address{Municipality: s(a, "municipality"), Settlement: s(a, "settlement"), Street: s(a, "street")}}
}

// registerDifferences compares the person with the population register's
// current identity and residence evidence on the e-file (a declaration is
// not the register's word).
func registerDifferences(p domain.Person, f obj) []differenceView {
	var identity, residence []byte
	for _, e := range asList(f["evidence"]) {
		if e["source"] != string(domain.SourcePopulation) || e["declared"] == true {
			continue
		}
		raw, err := json.Marshal(e["value"])
		if err != nil {
			continue
		}
		switch e["kind"] {
		case string(domain.KindIdentity):
			identity = raw
		case string(domain.KindResidence):
			residence = raw
		}
	}
	reg, err := domain.ParseRegisterValues(identity, residence)
	if err != nil {
		return nil
	}
	var out []differenceView
	for _, d := range reg.Differences(p) {
		out = append(out, differenceView{Field: d.Field, Karton: d.Karton, Register: d.Register})
	}
	return out
}

// takeRegisterValues asks the API to take the register's name and address.
func (s *server) takeRegisterValues(c *gin.Context) {
	path := "/persons/" + url.PathEscape(c.Param("id"))
	r := s.call(c, http.MethodPost, "/api/v1"+path+"/register-values", obj{}, "")
	if !r.ok() {
		backError(c, path, s.say(c, r))
		return
	}
	var res struct{ Changed []string }
	_ = json.Unmarshal(r.body, &res)
	lang := s.lang(c)
	if len(res.Changed) == 0 {
		back(c, path, t(lang, "register_same"))
		return
	}
	back(c, path, t(lang, "register_taken")+" "+fieldWords(lang, res.Changed)+".")
}

// correctPerson sends the correction typed by hand; the API's refusal of a
// field comes back on the e-file beside that field, with what was typed.
func (s *server) correctPerson(c *gin.Context) {
	path := "/persons/" + url.PathEscape(c.Param("id"))
	values := url.Values{}
	for _, k := range []string{"given_name", "family_name", "municipality", "settlement", "street", "reason"} {
		values.Set(k, c.PostForm(k))
	}
	body := obj{"given_name": values.Get("given_name"), "family_name": values.Get("family_name"), "reason": values.Get("reason"),
		"address": obj{"municipality": values.Get("municipality"), "settlement": values.Get("settlement"), "street": values.Get("street")}}
	r := s.call(c, http.MethodPost, "/api/v1"+path+"/corrections", body, "")
	if r.status == http.StatusBadRequest {
		errs, _ := fieldErrors(s.lang(c), r, "")
		for k, v := range errs {
			if name, ok := strings.CutPrefix(k, "address."); ok {
				delete(errs, k)
				errs[name] = v
			}
		}
		c.Set(ctxCorrection, correctionForm{Values: values, Errs: errs})
		s.personPage(c)
		return
	}
	if !r.ok() {
		backError(c, path, s.say(c, r))
		return
	}
	var res struct{ Changed []string }
	_ = json.Unmarshal(r.body, &res)
	lang := s.lang(c)
	if len(res.Changed) == 0 {
		back(c, path, t(lang, "correction_same"))
		return
	}
	back(c, path, t(lang, "correction_saved")+" "+fieldWords(lang, res.Changed)+".")
}

// fieldWords names the fields of a registration in lang: "ime, adresa".
func fieldWords(lang string, fields []string) string {
	words := make([]string, 0, len(fields))
	for _, f := range fields {
		words = append(words, t(lang, f))
	}
	return strings.Join(words, ", ")
}

// correctionOrder is the order of the correction form's fields.
var correctionOrder = []string{"given_name", "family_name", "municipality", "settlement", "street", "reason"}

// Summary is the form's messages for the summary at its top, in the order
// of its fields, each linking to its field.
func (f correctionForm) Summary() []formError {
	var out []formError
	for _, name := range correctionOrder {
		if m, ok := f.Errs[name]; ok {
			path := name
			if name == "municipality" || name == "settlement" || name == "street" {
				path = "address." + name
			}
			out = append(out, formError{Anchor: "c-" + name, Path: path, Message: m})
		}
	}
	if m, ok := f.Errs["(form)"]; ok {
		out = append(out, formError{Message: m})
	}
	return out
}
