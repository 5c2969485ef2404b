package devstack

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/store"
)

// demoInstitution is a residential institution of the demo (issue 22,
// DOMAIN.md §7.1 names the real ones): its provider on the register with
// a licence for its kind of care, its units, each with rooms of beds.
type demoInstitution struct {
	id, name, pib, street, municipality string
	licence                             string // the licence's number; "" for none in force
	units                               []demoUnit
	residents                           int // demo persons admitted already
}

type demoUnit struct {
	name   string
	kind   institutions.Kind
	care   int
	rooms  int
	beds   int // per room
	gender []string
}

var demoInstitutions = []demoInstitution{
	{"dom-grabovac", `JU Dom za stare "Grabovac"`, "03000010", "Grabovac bb, Risan", "ME-10", "L-DEMO-101", []demoUnit{
		{"Odjeljenje A (stambeni dio)", institutions.KindElderly, institutions.CareBasic, 3, 2, []string{institutions.GenderFemale, institutions.GenderMale, institutions.GenderAny}},
		{"Odjeljenje B (pojačana njega)", institutions.KindElderly, institutions.CareIntensive, 2, 2, []string{institutions.GenderFemale, institutions.GenderMale}},
	}, 4},
	{"dom-bijelo-polje", `JU Dom za stare "Bijelo Polje"`, "03001016", "Nedakusi bb", "ME-04", "L-DEMO-102", []demoUnit{
		{"Stambeni dio", institutions.KindElderly, institutions.CareEnhanced, 2, 2, []string{institutions.GenderAny, institutions.GenderAny}},
	}, 0},
	{"dom-mladost", `JU Dječji dom "Mladost"`, "03002020", "Bijela bb", "ME-08", "L-DEMO-103", []demoUnit{
		{"Mlađi uzrast", institutions.KindChildren, institutions.CareEnhanced, 2, 3, []string{institutions.GenderAny, institutions.GenderAny}},
		{"Mladi", institutions.KindYouth, institutions.CareBasic, 2, 2, []string{institutions.GenderFemale, institutions.GenderMale}},
	}, 0},
}

// LoadDemoInstitutions records the demo institutions, their providers and
// licences (residential care, in force from 500 days ago) and a few demo
// persons of 75 and over admitted to Grabovac, unless the institution is
// on record; returns how many institutions it recorded.
func LoadDemoInstitutions(ctx context.Context, db *store.DB, today time.Time) (int, error) {
	n := 0
	for _, d := range demoInstitutions {
		if _, err := db.InstitutionByID(ctx, d.id); err == nil {
			continue // loaded before
		}
		p, err := db.CreateProvider(ctx, store.Provider{Name: d.name, PIB: d.pib, Street: d.street, Municipality: d.municipality,
			FoundedOn: today.AddDate(-40, 0, 0), CreatedBy: "demo"})
		if err != nil {
			return n, fmt.Errorf("demo institution's provider %s: %w", d.name, err)
		}
		from := today.AddDate(0, 0, -500)
		if _, err := db.AddLicence(ctx, p.ID, store.ProviderLicence{Licence: providers.Licence{Number: d.licence, Service: d.units[0].kind.Service(),
			ValidFrom: from, ValidUntil: providers.ValidUntil(from)}, RecordedBy: "demo"}); err != nil {
			return n, fmt.Errorf("demo licence %s: %w", d.licence, err)
		}
		in, err := db.CreateInstitution(ctx, demoBuilding(d, p.ID))
		if err != nil {
			return n, fmt.Errorf("demo institution %s: %w", d.id, err)
		}
		if err := admitDemoResidents(ctx, db, in, d.residents, today); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func demoBuilding(d demoInstitution, provider int64) store.Institution {
	in := store.Institution{ID: d.id, Name: d.name, ProviderID: provider, Street: d.street, Municipality: d.municipality}
	for _, u := range d.units {
		unit := store.Unit{Name: u.name, Kind: u.kind, CareLevel: u.care}
		for r := range u.rooms {
			room := store.Room{Name: fmt.Sprintf("Soba %d", r+1), Gender: u.gender[r%len(u.gender)]}
			for b := range u.beds {
				room.Beds = append(room.Beds, store.Bed{Label: fmt.Sprintf("%d/%c", r+1, 'A'+b)})
			}
			unit.Rooms = append(unit.Rooms, room)
		}
		in.Units = append(in.Units, unit)
	}
	return in
}

// admitDemoResidents admits up to n demo persons of 75 and over into the
// institution's beds that fit them, as if they came months ago.
func admitDemoResidents(ctx context.Context, db *store.DB, in store.Institution, n int, today time.Time) error {
	if n == 0 {
		return nil
	}
	ids, err := db.PersonsBornBetween(ctx, today.AddDate(-100, 0, 0), today.AddDate(-75, 0, 0), n)
	if err != nil {
		return err
	}
	taken := map[int64]bool{}
	for k, id := range ids {
		p, err := db.PersonByID(ctx, id)
		if err != nil {
			return err
		}
		bed, ok := demoBedFor(in, p, taken)
		if !ok {
			continue
		}
		taken[bed] = true
		on := today.AddDate(0, -3*(k+1), 0)
		decided, err := demoDecision(k, on)
		if err != nil {
			return err
		}
		if _, err := db.InsertPlacement(ctx, store.Placement{PersonID: id, CentreID: p.CentreID, InstitutionID: in.ID, BedID: bed,
			State: store.PlacementAdmitted, AdmittedOn: &on, CreatedBy: "demo", Decided: decided}); err != nil {
			return fmt.Errorf("demo resident: %w", err)
		}
	}
	return nil
}

// demoDecision is the k-th demo resident's placement decision: EUR 520 a
// month for the home (maintenance in homes), the co-payment reckoned from
// a pension of EUR 300 + 40k (no relatives), as the decision of a centre
// would have it.
func demoDecision(k int, on time.Time) (*store.DecisionFigures, error) {
	cost := decimal.RequireFromString("520.00")
	c, err := institutions.CoPay(institutions.CoPaymentInput{MonthlyCost: cost, ResidentIncome: decimal.NewFromInt(int64(300 + 40*k)),
		SingleMO: decimal.RequireFromString("80.00")})
	if err != nil {
		return nil, fmt.Errorf("demo co-payment: %w", err)
	}
	return &store.DecisionFigures{MonthlyCost: cost, CoPayment: c, BudgetLine: "maintenance_in_homes", On: on.AddDate(0, 0, -7)}, nil
}

func demoBedFor(in store.Institution, p domain.Person, taken map[int64]bool) (int64, bool) {
	for _, u := range in.Units {
		for _, r := range u.Rooms {
			if !institutions.AdmitsGender(r.Gender, p.Sex) {
				continue
			}
			for _, b := range r.Beds {
				if !taken[b.ID] {
					return b.ID, true
				}
			}
		}
	}
	return 0, false
}
