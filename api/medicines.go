package api

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
)

// The medicines of a residential institution (issue 22, the resident's
// care): the pharmacist keeps the catalogue and the stock by batch
// (receives batches, writes off what expired or broke) and reads the
// warnings first; the medical staff read the stock, write a resident's
// prescriptions and give each dose (from the batch expiring first unless
// they name one); the day's round lists every dose due, given or not.
// Everything is in the caller's own institution: another institution's
// medicine or resident is a 404. Each request that names a resident is
// audited with the resident's person.

type batchView struct {
	Batch        string          `json:"batch"`
	ExpiresOn    string          `json:"expires_on"`
	Received     decimal.Decimal `json:"received"`
	Dispensed    decimal.Decimal `json:"dispensed"`
	WrittenOff   decimal.Decimal `json:"written_off"`
	Stock        decimal.Decimal `json:"stock"`
	State        string          `json:"state"` // usable, expiring, expired, empty
	SupplierNote string          `json:"supplier_note"`
	ReceivedOn   string          `json:"received_on"`
	ReceivedBy   string          `json:"received_by"`
}

type warningView struct {
	Kind       string          `json:"kind"`
	MedicineID int64           `json:"medicine_id"`
	Medicine   string          `json:"medicine"`
	Batch      string          `json:"batch,omitempty"`
	ExpiresOn  string          `json:"expires_on,omitempty"`
	Stock      decimal.Decimal `json:"stock"`
	Unit       string          `json:"unit"`
}

type medicineView struct {
	ID       int64           `json:"id"`
	Name     string          `json:"name"`
	Form     string          `json:"form"`
	Strength string          `json:"strength"`
	Unit     string          `json:"unit"`
	LowStock decimal.Decimal `json:"low_stock"`
	Stock    decimal.Decimal `json:"stock"` // in batches not expired
	Batches  []batchView     `json:"batches"`
	Warnings []warningView   `json:"warnings"`
}

type medicinesView struct {
	Institution string         `json:"institution"`
	Day         string         `json:"day"`
	Warnings    []warningView  `json:"warnings"` // every medicine's: expired first, then expiring, then low stock
	Medicines   []medicineView `json:"medicines"`
}

func (h *handler) medicineDay() time.Time { return domain.CalendarDay(h.now()) }

func medicineViewOf(m store.Medicine, day time.Time) medicineView {
	v := medicineView{ID: m.ID, Name: m.Name, Form: m.Form, Strength: m.Strength, Unit: m.Unit, LowStock: m.LowStock,
		Stock: institutions.UsableStock(m.BatchesOf(), day), Batches: []batchView{}, Warnings: []warningView{}}
	for _, b := range m.Batches {
		state := "usable"
		switch {
		case !b.Stock().IsPositive():
			state = "empty"
		case b.Expired(day):
			state = "expired"
		case b.Expiring(day):
			state = "expiring"
		}
		v.Batches = append(v.Batches, batchView{Batch: b.Number, ExpiresOn: b.ExpiresOn.Format(time.DateOnly), Received: b.Received,
			Dispensed: b.Dispensed, WrittenOff: b.WrittenOff, Stock: b.Stock(), State: state, SupplierNote: b.SupplierNote,
			ReceivedOn: b.ReceivedOn.Format(time.DateOnly), ReceivedBy: b.ReceivedBy})
	}
	for _, w := range institutions.Warnings(m.Medicine, m.BatchesOf(), day) {
		wv := warningView{Kind: w.Kind, MedicineID: m.ID, Medicine: m.Label(), Batch: w.Batch, Stock: w.Stock, Unit: m.Unit}
		if !w.ExpiresOn.IsZero() {
			wv.ExpiresOn = w.ExpiresOn.Format(time.DateOnly)
		}
		v.Warnings = append(v.Warnings, wv)
	}
	return v
}

// staffInstitution is the caller's institution, once the policy lets them
// act on resource there.
func (h *handler) staffInstitution(c *gin.Context, resource, action string) (string, error) {
	u := userOf(c)
	if u.InstitutionID == "" {
		return "", domain.Errorf(domain.CodeNotFound, "this %s does not exist", resource)
	}
	if err := h.allow(c, resource, action, u.InstitutionID); err != nil {
		return "", err
	}
	return u.InstitutionID, nil
}

// listMedicines answers GET /api/v1/medicines: the institution's catalogue
// with its stock by batch and the warnings, every medicine's first.
func (h *handler) listMedicines(c *gin.Context) (*medicinesView, error) {
	inst, err := h.staffInstitution(c, "medicine_stock", "read")
	if err != nil {
		return nil, err
	}
	list, err := h.db.Medicines(c.Request.Context(), inst)
	if err != nil {
		return nil, err
	}
	day := h.medicineDay()
	out := &medicinesView{Institution: inst, Day: day.Format(time.DateOnly), Warnings: []warningView{}, Medicines: []medicineView{}}
	for _, m := range list {
		v := medicineViewOf(m, day)
		out.Medicines = append(out.Medicines, v)
		out.Warnings = append(out.Warnings, v.Warnings...)
	}
	order := map[string]int{institutions.WarnExpired: 0, institutions.WarnExpiring: 1, institutions.WarnLowStock: 2}
	slices.SortStableFunc(out.Warnings, func(a, b warningView) int { return order[a.Kind] - order[b.Kind] })
	return out, nil
}

type medicineRequest struct {
	Name     string          `json:"name"`
	Form     string          `json:"form"`
	Strength string          `json:"strength"`
	Unit     string          `json:"unit"`
	LowStock json.RawMessage `json:"low_stock"`
}

// parseQuantity reads a decimal quantity given as a JSON string ("2.5")
// or number; absent or null is zero.
func parseQuantity(field string, raw json.RawMessage) (decimal.Decimal, *domain.Error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return decimal.Zero, nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return decimal.Zero, domain.FieldError(field, "is not a quantity (e.g. \"2.5\")")
		}
	}
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil {
		return decimal.Zero, domain.FieldError(field, "%q is not a quantity (e.g. \"2.5\")", printable(s, 40))
	}
	return d, nil
}

// createMedicine answers POST /api/v1/medicines: 201 with the medicine; a
// 400 names every fault, the same name, form and strength twice is a 409.
func (h *handler) createMedicine(c *gin.Context) (*medicineView, error) {
	inst, err := h.staffInstitution(c, "medicine_stock", "create")
	if err != nil {
		return nil, err
	}
	var req medicineRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	m := institutions.Medicine{Name: strings.TrimSpace(req.Name), Form: req.Form, Strength: strings.TrimSpace(req.Strength), Unit: req.Unit}
	var errs []*domain.Error
	q, qerr := parseQuantity("low_stock", req.LowStock)
	if qerr != nil {
		errs = append(errs, qerr)
	}
	m.LowStock = q
	for _, e := range institutions.CheckMedicine(m) {
		if e.Field != "low_stock" || qerr == nil {
			errs = append(errs, e)
		}
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	out, err := h.db.CreateMedicine(c.Request.Context(), inst, m, userOf(c).Username)
	if err != nil {
		return nil, err
	}
	c.Header("Location", "/api/v1/medicines/"+strconv.FormatInt(out.ID, 10))
	v := medicineViewOf(out, h.medicineDay())
	return &v, nil
}

type receiveBatchRequest struct {
	Batch        string          `json:"batch"`
	ExpiresOn    string          `json:"expires_on"`
	Quantity     json.RawMessage `json:"quantity"`
	SupplierNote string          `json:"supplier_note"`
}

// receiveBatch answers POST /api/v1/medicines/:id/batches: 201 with the
// medicine and its batches. A batch already expired, a quantity not above
// zero and a missing number are a 400 naming each; a number the medicine
// has is a 409.
func (h *handler) receiveBatch(c *gin.Context) (*medicineView, error) {
	inst, err := h.staffInstitution(c, "medicine_stock", "update")
	if err != nil {
		return nil, err
	}
	id, err := positiveID(c, "id", "medicine")
	if err != nil {
		return nil, err
	}
	var req receiveBatchRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	r := institutions.Receipt{Number: strings.TrimSpace(req.Batch), SupplierNote: strings.TrimSpace(req.SupplierNote)}
	var errs []*domain.Error
	if req.ExpiresOn != "" {
		d, err := parseDay("expires_on", req.ExpiresOn)
		if err != nil {
			errs = append(errs, err.(*domain.Error))
		}
		r.ExpiresOn = d
	}
	q, qerr := parseQuantity("quantity", req.Quantity)
	if qerr != nil {
		errs = append(errs, qerr)
	}
	r.Quantity = q
	for _, e := range institutions.CheckReceipt(r, h.medicineDay()) {
		if (e.Field == "expires_on" && req.ExpiresOn != "" && r.ExpiresOn.IsZero()) || (e.Field == "quantity" && qerr != nil) {
			continue // named above
		}
		errs = append(errs, e)
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	ctx := c.Request.Context()
	if _, err := h.db.ReceiveBatch(ctx, inst, id, r, h.medicineDay(), userOf(c).Username); err != nil {
		return nil, err
	}
	m, err := h.db.MedicineByID(ctx, inst, id)
	if err != nil {
		return nil, err
	}
	v := medicineViewOf(m, h.medicineDay())
	return &v, nil
}

type writeOffRequest struct {
	Quantity json.RawMessage `json:"quantity"`
	Reason   string          `json:"reason"`
	Note     string          `json:"note"`
}

// writeOffBatch answers POST /api/v1/medicines/:id/batches/:batch/write-off:
// the medicine with the batch's stock less the quantity, recorded with its
// reason. More than the batch holds is a 409 saying what it holds.
func (h *handler) writeOffBatch(c *gin.Context) (*medicineView, error) {
	inst, err := h.staffInstitution(c, "medicine_stock", "update")
	if err != nil {
		return nil, err
	}
	id, err := positiveID(c, "id", "medicine")
	if err != nil {
		return nil, err
	}
	var req writeOffRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	var errs []*domain.Error
	q, qerr := parseQuantity("quantity", req.Quantity)
	if qerr != nil {
		errs = append(errs, qerr)
	} else {
		errs = append(errs, institutions.CheckQuantity("quantity", q)...)
	}
	if !slices.Contains(institutions.WriteOffReasons(), req.Reason) {
		errs = append(errs, domain.FieldError("reason", "%q is not a reason to write off: one of %s", printable(req.Reason, 40),
			strings.Join(institutions.WriteOffReasons(), ", ")))
	}
	if len([]rune(req.Note)) > 500 {
		errs = append(errs, domain.FieldError("note", "is longer than 500 characters"))
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	ctx := c.Request.Context()
	if _, err := h.db.WriteOffStock(ctx, inst, id, store.WriteOff{Batch: c.Param("batch"), Quantity: q, Reason: req.Reason,
		Note: strings.TrimSpace(req.Note), WrittenBy: userOf(c).Username}); err != nil {
		return nil, err
	}
	m, err := h.db.MedicineByID(ctx, inst, id)
	if err != nil {
		return nil, err
	}
	v := medicineViewOf(m, h.medicineDay())
	return &v, nil
}

// medicationResident is the resident of the path's :placement in the caller's
// institution, once the policy lets them act on resource; audited with
// the resident's person. Another institution's resident, or a placement
// not admitted, is a 404.
func (h *handler) medicationResident(c *gin.Context, resource, action string) (store.Resident, string, error) {
	inst, err := h.staffInstitution(c, resource, action)
	if err != nil {
		return store.Resident{}, "", err
	}
	id, err := positiveID(c, "placement", "resident")
	if err != nil {
		return store.Resident{}, "", err
	}
	r, err := h.db.ResidentOf(c.Request.Context(), inst, id)
	if err != nil {
		return store.Resident{}, "", err
	}
	auditPersons(c, r.PersonID)
	return r, inst, nil
}

type prescriptionView struct {
	ID           int64           `json:"id"`
	PlacementID  int64           `json:"placement_id"`
	MedicineID   int64           `json:"medicine_id"`
	Medicine     string          `json:"medicine"`
	Unit         string          `json:"unit"`
	Dose         decimal.Decimal `json:"dose"`
	Times        []string        `json:"times"`
	From         string          `json:"from"`
	Until        string          `json:"until,omitempty"`
	PrescribedBy string          `json:"prescribed_by"`
	StoppedOn    string          `json:"stopped_on,omitempty"`
	StoppedBy    string          `json:"stopped_by,omitempty"`
	InForce      bool            `json:"in_force"` // today
	CreatedBy    string          `json:"created_by"`
}

type prescriptionsView struct {
	PlacementID   int64              `json:"placement_id"`
	Prescriptions []prescriptionView `json:"prescriptions"`
}

func prescriptionViewOf(p store.Prescription, day time.Time) prescriptionView {
	v := prescriptionView{ID: p.ID, PlacementID: p.PlacementID, MedicineID: p.MedicineID, Medicine: p.Medicine, Unit: p.Unit, Dose: p.Dose,
		Times: p.Times, From: p.From.Format(time.DateOnly), PrescribedBy: p.PrescribedBy, StoppedBy: p.StoppedBy, InForce: p.InForce(day),
		CreatedBy: p.CreatedBy}
	if p.Until != nil {
		v.Until = p.Until.Format(time.DateOnly)
	}
	if p.StoppedOn != nil {
		v.StoppedOn = p.StoppedOn.Format(time.DateOnly)
	}
	return v
}

// listPrescriptions answers GET /api/v1/residents/:placement/prescriptions:
// the resident's prescriptions, newest first, each saying whether it is in
// force today.
func (h *handler) listPrescriptions(c *gin.Context) (*prescriptionsView, error) {
	r, _, err := h.medicationResident(c, "prescription", "read")
	if err != nil {
		return nil, err
	}
	list, err := h.db.Prescriptions(c.Request.Context(), r.PlacementID)
	if err != nil {
		return nil, err
	}
	out := &prescriptionsView{PlacementID: r.PlacementID, Prescriptions: []prescriptionView{}}
	for _, p := range list {
		out.Prescriptions = append(out.Prescriptions, prescriptionViewOf(p, h.medicineDay()))
	}
	return out, nil
}

type prescriptionRequest struct {
	MedicineID   int64           `json:"medicine_id"`
	Dose         json.RawMessage `json:"dose"`
	Times        []string        `json:"times"`
	From         string          `json:"from"`
	Until        string          `json:"until"`
	PrescribedBy string          `json:"prescribed_by"`
}

// medicalStaff reports whether username is on the medical staff of
// institution inst.
func medicalStaff(inst, username string) bool {
	for _, u := range domain.DemoUsers() {
		if u.Username == username && u.InstitutionID == inst && u.Role == domain.RoleInstitutionMedical {
			return true
		}
	}
	return false
}

// createPrescription answers POST /api/v1/residents/:placement/prescriptions:
// 201 with the prescription. The medicine must be in the institution's
// catalogue, the dose above zero, the times HH:MM, from a day (default
// today) until a day not before it; the doctor who prescribed it is the
// caller unless they name another of the medical staff. A 400 names every
// fault.
func (h *handler) createPrescription(c *gin.Context) (*prescriptionView, error) {
	r, inst, err := h.medicationResident(c, "prescription", "create")
	if err != nil {
		return nil, err
	}
	var req prescriptionRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	u := userOf(c)
	p := store.Prescription{PlacementID: r.PlacementID, MedicineID: req.MedicineID, PrescribedBy: req.PrescribedBy, CreatedBy: u.Username}
	var errs []*domain.Error
	if req.MedicineID <= 0 {
		errs = append(errs, domain.FieldError("medicine_id", "is required"))
	}
	if q, e := parseQuantity("dose", req.Dose); e != nil {
		errs = append(errs, e)
	} else {
		p.Dose = q
		errs = append(errs, institutions.CheckQuantity("dose", q)...)
	}
	times, terrs := institutions.ParseTimes(req.Times)
	p.Times, errs = times, append(errs, terrs...)
	p.From = h.medicineDay()
	if req.From != "" {
		if d, err := parseDay("from", req.From); err != nil {
			errs = append(errs, err.(*domain.Error))
		} else {
			p.From = d
		}
	}
	if req.Until != "" {
		if d, err := parseDay("until", req.Until); err != nil {
			errs = append(errs, err.(*domain.Error))
		} else if d.Before(p.From) {
			errs = append(errs, domain.FieldError("until", "%s is before the first day %s", req.Until, p.From.Format(time.DateOnly)))
		} else {
			p.Until = &d
		}
	}
	if p.PrescribedBy == "" {
		p.PrescribedBy = u.Username
	}
	if !medicalStaff(inst, p.PrescribedBy) {
		errs = append(errs, domain.FieldError("prescribed_by", "%q is not on the medical staff of %s", printable(p.PrescribedBy, 40), inst))
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	out, err := h.db.CreatePrescription(c.Request.Context(), inst, p)
	if err != nil {
		return nil, err
	}
	v := prescriptionViewOf(out, h.medicineDay())
	return &v, nil
}

// stopPrescription answers POST /api/v1/residents/:placement/prescriptions/:id/stop:
// the prescription stopped from today (no dose is due from today on); a
// stopped one is a 409.
func (h *handler) stopPrescription(c *gin.Context) (*prescriptionView, error) {
	r, _, err := h.medicationResident(c, "prescription", "update")
	if err != nil {
		return nil, err
	}
	id, err := positiveID(c, "id", "prescription")
	if err != nil {
		return nil, err
	}
	out, err := h.db.StopPrescription(c.Request.Context(), r.PlacementID, id, h.medicineDay(), userOf(c).Username)
	if err != nil {
		return nil, err
	}
	v := prescriptionViewOf(out, h.medicineDay())
	return &v, nil
}

type doseView struct {
	ID             int64           `json:"id"`
	PrescriptionID int64           `json:"prescription_id"`
	Medicine       string          `json:"medicine"`
	Unit           string          `json:"unit"`
	Batch          string          `json:"batch"`
	BatchExpiresOn string          `json:"batch_expires_on"`
	Quantity       decimal.Decimal `json:"quantity"`
	Day            string          `json:"day"`
	Time           string          `json:"time,omitempty"`
	GivenAt        time.Time       `json:"given_at"`
	GivenBy        string          `json:"given_by"`
}

func doseViewOf(d store.Dose) doseView {
	return doseView{ID: d.ID, PrescriptionID: d.PrescriptionID, Medicine: d.Medicine, Unit: d.Unit, Batch: d.Batch,
		BatchExpiresOn: d.BatchExpiresOn.Format(time.DateOnly), Quantity: d.Quantity, Day: d.DueOn.Format(time.DateOnly), Time: d.DueTime,
		GivenAt: d.GivenAt.UTC(), GivenBy: d.GivenBy}
}

type dueView struct {
	PlacementID    int64           `json:"placement_id"`
	Resident       string          `json:"resident"`
	PrescriptionID int64           `json:"prescription_id"`
	Medicine       string          `json:"medicine"`
	Unit           string          `json:"unit"`
	Dose           decimal.Decimal `json:"dose"`
	Time           string          `json:"time"`
	Given          *doseView       `json:"given,omitempty"`
}

// residentLine is a resident as the round names them: name and bed.
type residentLine struct {
	PlacementID int64  `json:"placement_id"`
	Name        string `json:"name"`
	Unit        string `json:"unit"`
	Room        string `json:"room"`
	Bed         string `json:"bed"`
}

func residentLineOf(r store.Resident) residentLine {
	return residentLine{PlacementID: r.PlacementID, Name: r.Name, Unit: r.UnitName, Room: r.RoomName, Bed: r.BedLabel}
}

type roundView struct {
	Day       string         `json:"day"`
	Resident  *residentLine  `json:"resident,omitempty"`  // a resident's doses: whose
	Residents []residentLine `json:"residents,omitempty"` // the round: every resident, by name
	Due       []dueView      `json:"due"`
	Given     []doseView     `json:"given,omitempty"` // a resident's doses of the day, also those outside the times
}

// medicationDay is ?day= (default today).
func (h *handler) medicationDay(c *gin.Context) (time.Time, error) {
	if s := c.Query("day"); s != "" {
		return parseDay("day", s)
	}
	return h.medicineDay(), nil
}

func dueViews(list []store.DueDose) []dueView {
	out := []dueView{}
	for _, d := range list {
		v := dueView{PlacementID: d.PlacementID, Resident: d.Resident, PrescriptionID: d.PrescriptionID, Medicine: d.Medicine, Unit: d.Unit,
			Dose: d.Dose, Time: d.Time}
		if d.Given != nil {
			g := doseViewOf(*d.Given)
			v.Given = &g
		}
		out = append(out, v)
	}
	return out
}

// listDoses answers GET /api/v1/residents/:placement/doses?day=: the
// resident's doses due on the day (default today), given or not, and
// every dose given that day.
func (h *handler) listDoses(c *gin.Context) (*roundView, error) {
	r, inst, err := h.medicationResident(c, "dose", "read")
	if err != nil {
		return nil, err
	}
	day, err := h.medicationDay(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	due, err := h.db.DueDoses(ctx, inst, r.PlacementID, day)
	if err != nil {
		return nil, err
	}
	given, err := h.db.Doses(ctx, r.PlacementID, day)
	if err != nil {
		return nil, err
	}
	line := residentLineOf(r)
	out := &roundView{Day: day.Format(time.DateOnly), Resident: &line, Due: dueViews(due), Given: []doseView{}}
	for _, d := range given {
		out.Given = append(out.Given, doseViewOf(d))
	}
	return out, nil
}

// dayRound answers GET /api/v1/doses?day=: the nurse's round of the
// institution on the day (default today), every resident's doses due by
// time, given or not, and the residents by name; audited with each
// resident named.
func (h *handler) dayRound(c *gin.Context) (*roundView, error) {
	inst, err := h.staffInstitution(c, "dose", "read")
	if err != nil {
		return nil, err
	}
	day, err := h.medicationDay(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	residents, err := h.db.Residents(ctx, inst)
	if err != nil {
		return nil, err
	}
	out := &roundView{Day: day.Format(time.DateOnly), Residents: []residentLine{}}
	for _, r := range residents {
		auditPersons(c, r.PersonID)
		out.Residents = append(out.Residents, residentLineOf(r))
	}
	due, err := h.db.DueDoses(ctx, inst, 0, day)
	if err != nil {
		return nil, err
	}
	out.Due = dueViews(due)
	return out, nil
}

type giveDoseRequest struct {
	PrescriptionID int64           `json:"prescription_id"`
	Time           string          `json:"time"`
	Batch          string          `json:"batch"`
	Quantity       json.RawMessage `json:"quantity"`
}

// giveDose answers POST /api/v1/residents/:placement/doses: 201 with the
// dose given now by the caller, from the batch named or else the one
// expiring first. A batch expired is a 400 naming it and its expiry; too
// little stock, a time given already or a prescription not in force is a
// 409.
func (h *handler) giveDose(c *gin.Context) (*doseView, error) {
	r, inst, err := h.medicationResident(c, "dose", "create")
	if err != nil {
		return nil, err
	}
	var req giveDoseRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	var errs []*domain.Error
	if req.PrescriptionID <= 0 {
		errs = append(errs, domain.FieldError("prescription_id", "is required"))
	}
	q, qerr := parseQuantity("quantity", req.Quantity)
	if qerr != nil {
		errs = append(errs, qerr)
	} else if !q.IsZero() {
		errs = append(errs, institutions.CheckQuantity("quantity", q)...)
	}
	if req.Time != "" {
		if _, terrs := institutions.ParseTimes([]string{req.Time}); terrs != nil {
			errs = append(errs, domain.FieldError("time", "%q is not a time of day (HH:MM)", printable(req.Time, 20)))
		}
	}
	if len(req.Batch) > 40 {
		errs = append(errs, domain.FieldError("batch", "is longer than 40 characters"))
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	d, err := h.db.GiveDose(c.Request.Context(), store.GiveDoseInput{Institution: inst, Placement: r.PlacementID, PrescriptionID: req.PrescriptionID,
		Batch: strings.TrimSpace(req.Batch), Quantity: q, DueTime: req.Time, At: h.now(), By: userOf(c).Username})
	if err != nil {
		return nil, err
	}
	c.Header("Location", fmt.Sprintf("/api/v1/residents/%d/doses?day=%s", r.PlacementID, d.DueOn.Format(time.DateOnly)))
	v := doseViewOf(d)
	return &v, nil
}
