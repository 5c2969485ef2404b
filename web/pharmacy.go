package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
)

// The medicines of a residential institution (issue 22): the pharmacist's
// page (/pharmacy: the warnings first, then every medicine with its
// batches; add a medicine, receive a batch, write off) and the medical
// staff's (/medication: the day's round, every dose due given or not,
// with a dose given from the row; /medication/residents/:placement: a
// resident's prescriptions, a new one, stop one, the doses of the day).
// Every page calls the API with the user's token: another institution's
// medicine or resident is a 404 there and here.

// registerPharmacy adds the medicines' pages.
func (s *server) registerPharmacy(page, form func(string, gin.HandlerFunc)) {
	page("/pharmacy", s.phPharmacyPage)
	form("/pharmacy/medicines", s.phAddMedicine)
	form("/pharmacy/medicines/:id/batches", s.phReceiveBatch)
	form("/pharmacy/medicines/:id/batches/:batch/write-off", s.phWriteOff)
	page("/medication", s.phMedicationPage)
	page("/medication/residents/:placement", s.phResidentPage)
	form("/medication/residents/:placement/prescriptions", s.phPrescribe)
	form("/medication/residents/:placement/prescriptions/:id/stop", s.phStopPrescription)
	form("/medication/residents/:placement/doses", s.phGiveDose)
}

// phChoices lists an enumeration's codes with their words in lang.
func phChoices(lang, name string, codes []string) []choice {
	out := make([]choice, 0, len(codes))
	for _, c := range codes {
		out = append(out, choice{c, enum(lang, name, c)})
	}
	return out
}

// phWarningLine says a warning of the API in lang.
func phWarningLine(lang string, w obj) string {
	unit := enum(lang, "medicine_unit", str(w["unit"]))
	return tf(lang, "ph.warn."+str(w["kind"]), str(w["batch"]), str(w["medicine"]), phDate(lang, str(w["expires_on"])),
		phQuantity(lang, w["stock"])+" "+unit)
}

// phPharmacyPage is the pharmacist's page: warnings first, the catalogue
// with each batch's stock and state, and the forms.
func (s *server) phPharmacyPage(c *gin.Context) {
	var res struct {
		Day       string
		Warnings  []obj
		Medicines []obj
	}
	if r := s.getJSON(c, "/api/v1/medicines", &res); !r.ok() {
		s.refused(c, r)
		return
	}
	lang := s.lang(c)
	var warnings []obj
	for _, w := range res.Warnings {
		warnings = append(warnings, obj{"kind": w["kind"], "text": phWarningLine(lang, w)})
	}
	var medicines []obj
	for _, m := range res.Medicines {
		unit := enum(lang, "medicine_unit", str(m["unit"]))
		var batches []obj
		list, _ := m["batches"].([]any)
		for _, x := range list {
			b, _ := x.(map[string]any)
			batches = append(batches, obj{"batch": b["batch"], "expires_on": b["expires_on"], "state": b["state"],
				"received": phQuantity(lang, b["received"]), "dispensed": phQuantity(lang, b["dispensed"]), "written_off": phQuantity(lang, b["written_off"]),
				"stock": phQuantity(lang, b["stock"]), "positive": str(b["stock"]) != "0", "supplier_note": b["supplier_note"],
				"received_on": b["received_on"], "received_by": b["received_by"]})
		}
		medicines = append(medicines, obj{"id": m["id"], "name": m["name"], "strength": m["strength"], "form": m["form"], "unit": unit,
			"stock": phQuantity(lang, m["stock"]), "low_stock": phQuantity(lang, m["low_stock"]), "batches": batches})
	}
	s.render(c, http.StatusOK, "pharmacy", gin.H{"Warnings": warnings, "Medicines": medicines,
		"Forms": phChoices(lang, "medicine_form", institutions.MedicineForms()), "Units": phChoices(lang, "medicine_unit", institutions.MedicineUnits()),
		"Reasons": phChoices(lang, "write_off_reason", institutions.WriteOffReasons())})
}

// phAnswer answers a form the API has taken (back to path, "saved"
// or done) or refused (back to path with the refusal in the page's
// language).
func (s *server) phAnswer(c *gin.Context, r apiResult, path, done string) {
	if !r.ok() {
		backError(c, path, s.say(c, r))
		return
	}
	back(c, path, t(s.lang(c), done))
}

// phAddMedicine passes the form of a new medicine on to the API.
func (s *server) phAddMedicine(c *gin.Context) {
	body := obj{"name": c.PostForm("name"), "form": c.PostForm("form"), "strength": c.PostForm("strength"), "unit": c.PostForm("unit")}
	if v := strings.TrimSpace(c.PostForm("low_stock")); v != "" {
		body["low_stock"] = phDecimal(v)
	}
	s.phAnswer(c, s.call(c, http.MethodPost, "/api/v1/medicines", body, ""), "/pharmacy", "ph.saved")
}

// phDecimal is a quantity typed on a page: a decimal comma or point.
func phDecimal(v string) string { return strings.Replace(strings.TrimSpace(v), ",", ".", 1) }

// phReceiveBatch passes a batch received on to the API.
func (s *server) phReceiveBatch(c *gin.Context) {
	body := obj{"batch": c.PostForm("batch"), "expires_on": c.PostForm("expires_on"), "quantity": phDecimal(c.PostForm("quantity")),
		"supplier_note": c.PostForm("supplier_note")}
	s.phAnswer(c, s.call(c, http.MethodPost, "/api/v1/medicines/"+url.PathEscape(c.Param("id"))+"/batches", body, ""), "/pharmacy", "ph.saved")
}

// phWriteOff passes a write-off on to the API.
func (s *server) phWriteOff(c *gin.Context) {
	body := obj{"quantity": phDecimal(c.PostForm("quantity")), "reason": c.PostForm("reason"), "note": c.PostForm("note")}
	path := "/api/v1/medicines/" + url.PathEscape(c.Param("id")) + "/batches/" + url.PathEscape(c.Param("batch")) + "/write-off"
	s.phAnswer(c, s.call(c, http.MethodPost, path, body, ""), "/pharmacy", "ph.saved")
}

// phDueRows turns the API's doses due into the rows of a page in lang.
func phDueRows(lang string, due []obj) []obj {
	var out []obj
	for _, d := range due {
		unit := enum(lang, "medicine_unit", str(d["unit"]))
		row := obj{"placement_id": d["placement_id"], "resident": d["resident"], "prescription_id": d["prescription_id"], "time": d["time"],
			"medicine": d["medicine"], "dose": phQuantity(lang, d["dose"]) + " " + unit}
		if g, ok := d["given"].(map[string]any); ok {
			row["given"] = tf(lang, "ph.given", datetime(lang, g["given_at"]), staffName(lang, str(g["given_by"])), str(g["batch"]))
		}
		out = append(out, row)
	}
	return out
}

// phMedicationPage is the medical staff's page: the day's round (?day=,
// default today) and the residents, each a link to their medication.
func (s *server) phMedicationPage(c *gin.Context) {
	q := url.Values{}
	if d := c.Query("day"); d != "" {
		q.Set("day", d)
	}
	var res struct {
		Day       string
		Residents []obj
		Due       []obj
	}
	if r := s.getJSON(c, "/api/v1/doses?"+q.Encode(), &res); !r.ok() {
		s.refused(c, r)
		return
	}
	lang := s.lang(c)
	s.render(c, http.StatusOK, "pharmacy_medication", gin.H{"Day": res.Day, "DayWords": phDate(lang, res.Day), "Residents": res.Residents,
		"Due": phDueRows(lang, res.Due), "MayGive": may(userOf(c), "dose", "create")})
}

// phPlacementPath is the resident's medication page.
func phPlacementPath(c *gin.Context) string {
	return "/medication/residents/" + url.PathEscape(c.Param("placement"))
}

// phResidentPage is a resident's prescriptions, the doses due and
// given on the day, and the forms to prescribe and to give.
func (s *server) phResidentPage(c *gin.Context) {
	base := "/api/v1/residents/" + url.PathEscape(c.Param("placement"))
	var doses struct {
		Day      string
		Resident obj
		Due      []obj
		Given    []obj
	}
	q := url.Values{}
	if d := c.Query("day"); d != "" {
		q.Set("day", d)
	}
	if r := s.getJSON(c, base+"/doses?"+q.Encode(), &doses); !r.ok() {
		s.refused(c, r)
		return
	}
	var res struct{ Prescriptions []obj }
	if r := s.getJSON(c, base+"/prescriptions", &res); !r.ok() {
		s.refused(c, r)
		return
	}
	lang := s.lang(c)
	var prescriptions []obj
	for _, p := range res.Prescriptions {
		unit := enum(lang, "medicine_unit", str(p["unit"]))
		times, _ := p["times"].([]any)
		var ts []string
		for _, x := range times {
			ts = append(ts, str(x))
		}
		state := t(lang, "ph.in_force")
		switch {
		case p["stopped_on"] != nil:
			state = tf(lang, "ph.stopped", phDate(lang, str(p["stopped_on"])))
		case p["in_force"] != true:
			state = t(lang, "ph.ended")
		}
		prescriptions = append(prescriptions, obj{"id": p["id"], "medicine": p["medicine"], "dose": phQuantity(lang, p["dose"]) + " " + unit,
			"times": strings.Join(ts, ", "), "from": p["from"], "until": p["until"], "prescribed_by": staffName(lang, str(p["prescribed_by"])),
			"state": state, "active": p["in_force"] == true})
	}
	var given []obj
	for _, g := range doses.Given {
		when := str(g["time"])
		if when == "" {
			when = t(lang, "ph.extra")
		}
		given = append(given, obj{"medicine": g["medicine"], "time": when, "batch": g["batch"], "at": g["given_at"],
			"quantity": phQuantity(lang, g["quantity"]) + " " + enum(lang, "medicine_unit", str(g["unit"])), "by": staffName(lang, str(g["given_by"]))})
	}
	u := userOf(c)
	data := gin.H{"Placement": c.Param("placement"), "Resident": doses.Resident, "Day": doses.Day, "DayWords": phDate(lang, doses.Day),
		"Due": phDueRows(lang, doses.Due), "Given": given, "Prescriptions": prescriptions,
		"MayGive": may(u, "dose", "create"), "MayPrescribe": may(u, "prescription", "create"), "MayStop": may(u, "prescription", "update")}
	if may(u, "prescription", "create") {
		var stock struct{ Medicines []obj }
		if r := s.getJSON(c, "/api/v1/medicines", &stock); r.ok() {
			var meds []choice
			for _, m := range stock.Medicines {
				meds = append(meds, choice{str(m["id"]), str(m["name"]) + " " + str(m["strength"]) + ", " + enum(lang, "medicine_form", str(m["form"]))})
			}
			data["Medicines"] = meds
		}
		var doctors []choice
		for _, d := range domain.DemoUsers() {
			if d.InstitutionID == u.InstitutionID && d.Role == domain.RoleInstitutionMedical {
				doctors = append(doctors, choice{d.Username, d.Name})
			}
		}
		data["Doctors"] = doctors
	}
	s.render(c, http.StatusOK, "pharmacy_resident", data)
}

// phPrescribe passes a new prescription on to the API: the times typed as
// a list ("08:00 20:00" or "08:00, 20:00").
func (s *server) phPrescribe(c *gin.Context) {
	id, _ := strconv.ParseInt(c.PostForm("medicine_id"), 10, 64)
	times := strings.FieldsFunc(c.PostForm("times"), func(r rune) bool { return r == ',' || r == ';' || r == ' ' })
	if times == nil {
		times = []string{}
	}
	body := obj{"medicine_id": id, "dose": phDecimal(c.PostForm("dose")), "times": times, "prescribed_by": c.PostForm("prescribed_by")}
	for _, k := range []string{"from", "until"} {
		if v := c.PostForm(k); v != "" {
			body[k] = v
		}
	}
	path := phPlacementPath(c)
	s.phAnswer(c, s.call(c, http.MethodPost, "/api/v1"+strings.TrimPrefix(path, "/medication")+"/prescriptions", body, ""), path, "ph.saved")
}

// phStopPrescription stops a prescription from today.
func (s *server) phStopPrescription(c *gin.Context) {
	path := phPlacementPath(c)
	api := "/api/v1" + strings.TrimPrefix(path, "/medication") + "/prescriptions/" + url.PathEscape(c.Param("id")) + "/stop"
	s.phAnswer(c, s.call(c, http.MethodPost, api, []byte{}, "application/json"), path, "ph.stopped_done")
}

// phGiveDose records a dose given now, back to the round or the resident's
// page it was given from.
func (s *server) phGiveDose(c *gin.Context) {
	id, _ := strconv.ParseInt(c.PostForm("prescription_id"), 10, 64)
	body := obj{"prescription_id": id}
	if v := c.PostForm("time"); v != "" {
		body["time"] = v
	}
	if v := strings.TrimSpace(c.PostForm("batch")); v != "" {
		body["batch"] = v
	}
	path := phPlacementPath(c)
	if c.PostForm("back") == "round" {
		path = "/medication"
	}
	s.phAnswer(c, s.call(c, http.MethodPost, "/api/v1/residents/"+url.PathEscape(c.Param("placement"))+"/doses", body, ""), path, "ph.given_done")
}
