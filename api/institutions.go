package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
)

// The capacity of the residential institutions (issue 22 items 1 and 6):
// the list of institutions with their beds (the ministry and the centres;
// an institution's staff their own), an institution's units, rooms and
// beds with who holds each (the resident's name for its own staff only),
// the director's changes to them, occupancy by day, free beds across
// institutions for a centre's placement, and the month's statistics and
// placement costs by budget line.

type institutionSummaryView struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Municipality     string `json:"municipality"`
	MunicipalityName string `json:"municipality_name"`
	Beds             int    `json:"beds"` // in service
	Held             int    `json:"held"`
	Free             int    `json:"free"`
}

type institutionListView struct {
	Institutions []institutionSummaryView `json:"institutions"`
}

// mayIn reports, without refusing, whether the caller may act on resource
// of institution inst.
func (h *handler) mayIn(c *gin.Context, resource, action, inst string) bool {
	u := userOf(c)
	return h.enforcer.Allow(string(u.Role), u.Home(), inst, resource, action)
}

// listInstitutions answers GET /api/v1/institutions: every institution
// the caller may see the capacity of (an institution's staff their own),
// by name, with its beds in service, held and free.
func (h *handler) listInstitutions(c *gin.Context) (*institutionListView, error) {
	list, err := h.db.ListInstitutions(c.Request.Context())
	if err != nil {
		return nil, err
	}
	out := &institutionListView{Institutions: []institutionSummaryView{}}
	for _, s := range list {
		if !h.mayIn(c, "institution_capacity", "read", s.ID) {
			continue
		}
		out.Institutions = append(out.Institutions, institutionSummaryView{ID: s.ID, Name: s.Name, Municipality: s.Municipality,
			MunicipalityName: municipalityName(s.Municipality), Beds: s.Beds, Held: s.Held, Free: max(0, s.Beds-s.Held)})
	}
	return out, nil
}

type bedView struct {
	ID           int64  `json:"id"`
	Label        string `json:"label"`
	OutOfService bool   `json:"out_of_service"`
	// Status: free, reserved (accepted or decided, not yet admitted),
	// occupied (admitted), out_of_service.
	Status      string `json:"status"`
	PlacementID int64  `json:"placement_id,omitempty"` // the institution's own staff only
	Resident    string `json:"resident,omitempty"`     // the institution's own staff only
}

type roomView struct {
	ID     int64     `json:"id"`
	Name   string    `json:"name"`
	Gender string    `json:"gender"`
	Beds   []bedView `json:"beds"`
}

type unitView struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Kind      string     `json:"kind"`
	CareLevel int        `json:"care_level"`
	Rooms     []roomView `json:"rooms"`
}

type residentView struct {
	PlacementID int64  `json:"placement_id"`
	PersonID    string `json:"person_id"`
	Name        string `json:"name"`
	BirthDate   string `json:"birth_date"`
	Unit        string `json:"unit"`
	Room        string `json:"room"`
	Bed         string `json:"bed"`
	AdmittedOn  string `json:"admitted_on"`
}

type bedCounts struct {
	Beds         int `json:"beds"`
	InService    int `json:"in_service"`
	Occupied     int `json:"occupied"`
	Reserved     int `json:"reserved"`
	Free         int `json:"free"`
	OutOfService int `json:"out_of_service"`
}

type institutionView struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	Street           string         `json:"street"`
	Municipality     string         `json:"municipality"`
	MunicipalityName string         `json:"municipality_name"`
	Counts           bedCounts      `json:"counts"`
	Units            []unitView     `json:"units"`
	Residents        []residentView `json:"residents,omitempty"` // the institution's own staff only
	MayUpdate        bool           `json:"may_update"`
}

// institutionID is the :id of the path, for the institution's staff
// scoped by the policy before anything is read.
func (h *handler) institutionID(c *gin.Context, resource, action string) (string, error) {
	id := c.Param("id")
	if id == "" || len(id) > 60 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return "", domain.Errorf(domain.CodeNotFound, "institution %q not found", printable(id, 60))
	}
	if err := h.allow(c, resource, action, id); err != nil {
		return "", err
	}
	return id, nil
}

// getInstitution answers GET /api/v1/institutions/:id: the institution's
// units, rooms and beds with each bed's status, the counts, and for its
// own staff who holds each bed and the residents' list (names and beds,
// nothing else of the e-file). Another institution's staff: 404.
func (h *handler) getInstitution(c *gin.Context) (*institutionView, error) {
	id, err := h.institutionID(c, "institution", "read")
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	in, err := h.db.InstitutionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	holders, err := h.db.BedHolders(ctx, id)
	if err != nil {
		return nil, err
	}
	own := userOf(c).Role.Institution() && h.mayIn(c, "resident", "read", id)
	v := &institutionView{ID: in.ID, Name: in.Name, Street: in.Street, Municipality: in.Municipality, MunicipalityName: municipalityName(in.Municipality),
		Units: []unitView{}, MayUpdate: h.mayIn(c, "institution", "update", id)}
	for _, u := range in.Units {
		uv := unitView{ID: u.ID, Name: u.Name, Kind: string(u.Kind), CareLevel: u.CareLevel, Rooms: []roomView{}}
		for _, r := range u.Rooms {
			rv := roomView{ID: r.ID, Name: r.Name, Gender: r.Gender, Beds: []bedView{}}
			for _, b := range r.Beds {
				bv := bedView{ID: b.ID, Label: b.Label, OutOfService: b.OutOfService, Status: "free"}
				holder, held := holders[b.ID]
				switch {
				case held && holder.State == store.PlacementAdmitted:
					bv.Status = "occupied"
				case held:
					bv.Status = "reserved"
				case b.OutOfService:
					bv.Status = "out_of_service"
				}
				if held && own {
					bv.PlacementID, bv.Resident = holder.PlacementID, holder.Name
					auditPersons(c, holder.PersonID)
				}
				v.Counts.add(bv)
				rv.Beds = append(rv.Beds, bv)
			}
			uv.Rooms = append(uv.Rooms, rv)
		}
		v.Units = append(v.Units, uv)
	}
	if own {
		list, err := h.db.Residents(ctx, id)
		if err != nil {
			return nil, err
		}
		v.Residents = []residentView{}
		for _, r := range list {
			auditPersons(c, r.PersonID)
			v.Residents = append(v.Residents, residentView{PlacementID: r.PlacementID, PersonID: string(r.PersonID), Name: r.Name,
				BirthDate: r.BirthDate.Format(time.DateOnly), Unit: r.UnitName, Room: r.RoomName, Bed: r.BedLabel, AdmittedOn: r.AdmittedOn.Format(time.DateOnly)})
		}
	}
	return v, nil
}

func (n *bedCounts) add(b bedView) {
	n.Beds++
	switch b.Status {
	case "occupied":
		n.Occupied++
	case "reserved":
		n.Reserved++
	case "free":
		n.Free++
	}
	if b.OutOfService {
		n.OutOfService++
	} else {
		n.InService++
	}
}

type addUnitRequest struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	CareLevel int    `json:"care_level"`
}

// addUnit answers POST /api/v1/institutions/:id/units (the director): 201
// with the unit, every fault named; a name the institution has is a 409.
func (h *handler) addUnit(c *gin.Context) (*unitView, error) {
	id, err := h.institutionID(c, "institution", "update")
	if err != nil {
		return nil, err
	}
	var req addUnitRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	u := store.Unit{Name: strings.TrimSpace(req.Name), Kind: institutions.Kind(strings.TrimSpace(req.Kind)), CareLevel: req.CareLevel}
	errs := store.ValidUnit(u)
	if len(u.Name) > 120 {
		errs = append(errs, domain.FieldError("name", "is longer than 120 characters"))
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	out, err := h.db.AddUnit(c.Request.Context(), id, u)
	if err != nil {
		return nil, err
	}
	return &unitView{ID: out.ID, Name: out.Name, Kind: string(out.Kind), CareLevel: out.CareLevel, Rooms: []roomView{}}, nil
}

type addRoomRequest struct {
	Name   string `json:"name"`
	Gender string `json:"gender"`
}

// addRoom answers POST /api/v1/institutions/:id/units/:unit/rooms (the
// director): 201 with the room.
func (h *handler) addRoom(c *gin.Context) (*roomView, error) {
	id, err := h.institutionID(c, "institution", "update")
	if err != nil {
		return nil, err
	}
	unit, err := positiveID(c, "unit", "unit")
	if err != nil {
		return nil, err
	}
	var req addRoomRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	r := store.Room{Name: strings.TrimSpace(req.Name), Gender: strings.TrimSpace(req.Gender)}
	var errs []*domain.Error
	switch {
	case r.Name == "":
		errs = append(errs, domain.FieldError("name", "is required"))
	case len(r.Name) > 60:
		errs = append(errs, domain.FieldError("name", "is longer than 60 characters"))
	}
	if !institutions.ValidGender(r.Gender) {
		errs = append(errs, domain.FieldError("gender", "%q is not a room's gender: send any, female or male", printable(r.Gender, 20)))
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	out, err := h.db.AddRoom(c.Request.Context(), id, unit, r)
	if err != nil {
		return nil, err
	}
	return &roomView{ID: out.ID, Name: out.Name, Gender: out.Gender, Beds: []bedView{}}, nil
}

type addBedRequest struct {
	Label        string `json:"label"`
	OutOfService bool   `json:"out_of_service"`
}

// addBed answers POST /api/v1/institutions/:id/rooms/:room/beds (the
// director): 201 with the bed.
func (h *handler) addBed(c *gin.Context) (*bedView, error) {
	id, err := h.institutionID(c, "institution", "update")
	if err != nil {
		return nil, err
	}
	room, err := positiveID(c, "room", "room")
	if err != nil {
		return nil, err
	}
	var req addBedRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	label := strings.TrimSpace(req.Label)
	switch {
	case label == "":
		return nil, domain.Invalid([]*domain.Error{domain.FieldError("label", "is required")})
	case len(label) > 30:
		return nil, domain.Invalid([]*domain.Error{domain.FieldError("label", "is longer than 30 characters")})
	}
	out, err := h.db.AddBed(c.Request.Context(), id, room, store.Bed{Label: label, OutOfService: req.OutOfService})
	if err != nil {
		return nil, err
	}
	return bedOf(out), nil
}

func bedOf(b store.Bed) *bedView {
	v := &bedView{ID: b.ID, Label: b.Label, OutOfService: b.OutOfService, Status: "free"}
	if b.OutOfService {
		v.Status = "out_of_service"
	}
	return v
}

type updateBedRequest struct {
	OutOfService *bool `json:"out_of_service"`
}

// updateBed answers PUT /api/v1/institutions/:id/beds/:bed (the
// director): out of service or back; a bed a placement holds cannot go
// out of service (409).
func (h *handler) updateBed(c *gin.Context) (*bedView, error) {
	id, err := h.institutionID(c, "institution", "update")
	if err != nil {
		return nil, err
	}
	bed, err := positiveID(c, "bed", "bed")
	if err != nil {
		return nil, err
	}
	var req updateBedRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	if req.OutOfService == nil {
		return nil, domain.Invalid([]*domain.Error{domain.FieldError("out_of_service", "is required: true or false")})
	}
	out, err := h.db.SetBedOutOfService(c.Request.Context(), id, bed, *req.OutOfService, h.now(), userOf(c).Username)
	if err != nil {
		return nil, err
	}
	return bedOf(out), nil
}

type dayOccupancyView struct {
	Day       string `json:"day"`
	InService int    `json:"in_service"`
	Occupied  int    `json:"occupied"`
	Reserved  int    `json:"reserved"`
	Free      int    `json:"free"`
}

type occupancyView struct {
	Institution string             `json:"institution"`
	From        string             `json:"from"`
	To          string             `json:"to"`
	Days        []dayOccupancyView `json:"days"`
}

// maxOccupancyDays is the longest period of occupancy one request asks.
const maxOccupancyDays = 366

// occupancy answers GET /api/v1/institutions/:id/occupancy?from=&to=:
// each day's beds in service, occupied, reserved and free (the last 30
// days by default).
func (h *handler) occupancy(c *gin.Context) (*occupancyView, error) {
	id, err := h.institutionID(c, "institution", "read")
	if err != nil {
		return nil, err
	}
	today := domain.CalendarDay(h.now())
	from, to := today.AddDate(0, 0, -29), today
	var errs []*domain.Error
	if s := c.Query("from"); s != "" {
		if from, err = parseDay("from", s); err != nil {
			errs = append(errs, err.(*domain.Error))
		}
	}
	if s := c.Query("to"); s != "" {
		if to, err = parseDay("to", s); err != nil {
			errs = append(errs, err.(*domain.Error))
		}
	}
	if errs == nil && to.Before(from) {
		errs = append(errs, domain.FieldError("to", "%s is before from (%s)", to.Format(time.DateOnly), from.Format(time.DateOnly)))
	}
	if errs == nil && to.Sub(from) >= maxOccupancyDays*24*time.Hour {
		errs = append(errs, domain.FieldError("to", "the period is longer than %d days: ask for a shorter one", maxOccupancyDays))
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	ctx := c.Request.Context()
	if _, err := h.db.InstitutionByID(ctx, id); err != nil {
		return nil, err
	}
	days, err := h.db.Occupancy(ctx, id, from, to)
	if err != nil {
		return nil, err
	}
	v := &occupancyView{Institution: id, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Days: []dayOccupancyView{}}
	for _, d := range days {
		v.Days = append(v.Days, dayOccupancyView{Day: d.Day.Format(time.DateOnly), InService: d.InService, Occupied: d.Occupied, Reserved: d.Reserved, Free: d.Free})
	}
	return v, nil
}

type freeBedView struct {
	InstitutionID    string `json:"institution_id"`
	InstitutionName  string `json:"institution_name"`
	Municipality     string `json:"municipality"`
	MunicipalityName string `json:"municipality_name"`
	UnitID           int64  `json:"unit_id"`
	UnitName         string `json:"unit_name"`
	Kind             string `json:"kind"`
	CareLevel        int    `json:"care_level"`
	Room             string `json:"room"`
	Gender           string `json:"gender"`
	BedID            int64  `json:"bed_id"`
	Bed              string `json:"bed"`
}

type freeBedsView struct {
	Day  string        `json:"day"`
	Beds []freeBedView `json:"beds"`
}

// freeBeds answers GET /api/v1/free-beds?kind=&gender=&care_level=&day=:
// the free beds of every institution with a licence in force on the day
// (today by default) for the kind, by institution, unit, room and bed.
func (h *handler) freeBeds(c *gin.Context) (*freeBedsView, error) {
	f := store.FreeBedFilter{Kind: institutions.Kind(c.Query("kind")), Gender: c.Query("gender"), Day: domain.CalendarDay(h.now())}
	var errs []*domain.Error
	if f.Kind != "" && !f.Kind.Valid() {
		errs = append(errs, domain.FieldError("kind", "%q is not a kind of bed: send elderly, children, youth or disabled_adults", printable(string(f.Kind), 30)))
	}
	if f.Gender != "" && !institutions.ValidGender(f.Gender) {
		errs = append(errs, domain.FieldError("gender", "%q is not a room's gender: send any, female or male", printable(f.Gender, 20)))
	}
	if s := c.Query("care_level"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || !institutions.ValidCareLevel(n) {
			errs = append(errs, domain.FieldError("care_level", "%q is not a care level: send 1, 2 or 3", printable(s, 20)))
		}
		f.CareLevel = n
	}
	if s := c.Query("day"); s != "" {
		d, err := parseDay("day", s)
		if err != nil {
			errs = append(errs, err.(*domain.Error))
		}
		f.Day = d
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	list, err := h.db.FreeBeds(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	v := &freeBedsView{Day: f.Day.Format(time.DateOnly), Beds: []freeBedView{}}
	for _, b := range list {
		if !h.mayIn(c, "institution_capacity", "read", b.InstitutionID) {
			continue
		}
		v.Beds = append(v.Beds, freeBedView{InstitutionID: b.InstitutionID, InstitutionName: b.InstitutionName, Municipality: b.Municipality,
			MunicipalityName: municipalityName(b.Municipality), UnitID: b.UnitID, UnitName: b.UnitName, Kind: string(b.Kind), CareLevel: b.CareLevel,
			Room: b.RoomName, Gender: b.Gender, BedID: b.BedID, Bed: b.BedLabel})
	}
	return v, nil
}

type institutionMonthView struct {
	ID                  string          `json:"id"`
	Name                string          `json:"name"`
	BedDaysAvailable    int             `json:"bed_days_available"`
	BedDaysOccupied     int             `json:"bed_days_occupied"`
	OccupancyRate       decimal.Decimal `json:"occupancy_rate"` // occupied / available, 4 decimals (0.8125)
	Admissions          int             `json:"admissions"`
	Discharges          int             `json:"discharges"`
	ResidentsAtMonthEnd int             `json:"residents_at_month_end"`
}

type budgetLineView struct {
	Line       string          `json:"budget_line"`
	Placements int             `json:"placements"`
	Days       int             `json:"placement_days"`
	Cost       decimal.Decimal `json:"cost"`
	Copayment  decimal.Decimal `json:"copayment"`
	Net        decimal.Decimal `json:"net"`
}

type statisticsView struct {
	Month        string                 `json:"month"`
	DaysInMonth  int                    `json:"days_in_month"`
	Institution  string                 `json:"institution,omitempty"`
	Institutions []institutionMonthView `json:"institutions"`
	Costs        []budgetLineView       `json:"costs"`
	Total        budgetLineView         `json:"total"`
	// How the costs are reckoned, in English (the pages say it in their
	// language).
	Method string `json:"method"`
}

// costMethod says how a month's placement costs are reckoned.
const costMethod = "Each placement's monthly cost and co-payment count for the days of the month it ran (from the admission, or the decision " +
	"for a placement outside an institution, up to the day before it ended) over the days of the month, rounded to the cent " +
	"(half away from zero); a line's cost is the sum of its placements' and its net is cost less co-payment."

// institutionStatistics answers GET /api/v1/institution-statistics?month=
// YYYY-MM[&institution=]: the month's occupancy (bed-days available and
// occupied, the rate), admissions and discharges of each institution, and
// the placement costs by budget line. An institution's director sees
// their own institution only (another is 404); the ministry's analysts and
// finance officers every one.
func (h *handler) institutionStatistics(c *gin.Context) (*statisticsView, error) {
	month, err := time.Parse("2006-01", strings.TrimSpace(c.Query("month")))
	if err != nil {
		return nil, domain.Invalid([]*domain.Error{domain.FieldError("month", "%q is not a month (YYYY-MM)", printable(c.Query("month"), 20))})
	}
	inst := c.Query("institution")
	if u := userOf(c); u.Role.Institution() && inst == "" {
		inst = u.InstitutionID
	}
	if inst != "" {
		if strings.Trim(inst, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || len(inst) > 60 {
			return nil, domain.Errorf(domain.CodeNotFound, "institution %q not found", printable(inst, 60))
		}
		if err := h.allow(c, "institution_stats", "read", inst); err != nil {
			return nil, err
		}
		if _, err := h.db.InstitutionByID(c.Request.Context(), inst); err != nil {
			return nil, err
		}
	}
	st, err := h.db.Statistics(c.Request.Context(), month, inst)
	if err != nil {
		return nil, err
	}
	v := &statisticsView{Month: month.Format("2006-01"), DaysInMonth: st.DaysInMonth, Institution: inst, Institutions: []institutionMonthView{},
		Costs: []budgetLineView{}, Method: costMethod, Total: budgetLineView{Line: "total", Cost: decimal.Zero, Copayment: decimal.Zero, Net: decimal.Zero}}
	for _, m := range st.Institutions {
		rate := decimal.Zero
		if m.BedDaysAvailable > 0 {
			rate = decimal.NewFromInt(int64(m.BedDaysOccupied)).Div(decimal.NewFromInt(int64(m.BedDaysAvailable))).Round(4)
		}
		v.Institutions = append(v.Institutions, institutionMonthView{ID: m.ID, Name: m.Name, BedDaysAvailable: m.BedDaysAvailable,
			BedDaysOccupied: m.BedDaysOccupied, OccupancyRate: rate, Admissions: m.Admissions, Discharges: m.Discharges, ResidentsAtMonthEnd: m.ResidentsAtMonthEnd})
	}
	for _, l := range st.Costs {
		v.Costs = append(v.Costs, budgetLineView{Line: l.Line, Placements: l.Placements, Days: l.Days, Cost: l.Cost, Copayment: l.Copayment, Net: l.Net})
		v.Total.Placements += l.Placements
		v.Total.Days += l.Days
		v.Total.Cost = v.Total.Cost.Add(l.Cost)
		v.Total.Copayment = v.Total.Copayment.Add(l.Copayment)
		v.Total.Net = v.Total.Net.Add(l.Net)
	}
	return v, nil
}
