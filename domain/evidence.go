package domain

import (
	"time"

	"github.com/shopspring/decimal"
)

// Source is a registry service of another institution (DOMAIN.md §5.1).
// The interior ministry (MUP) offers two: the population register and the
// motor-vehicle register; the other eight institutions one each.
type Source string

// The registry services Karton asks.
const (
	SourcePopulation  Source = "population"
	SourceVehicles    Source = "vehicles"
	SourceTax         Source = "tax"
	SourcePension     Source = "pension"
	SourceHealth      Source = "health"
	SourceEmployment  Source = "employment"
	SourceRealEstate  Source = "realestate"
	SourceEducation   Source = "education"
	SourceAgriculture Source = "agriculture"
	SourceVeterinary  Source = "veterinary"
)

// Institution describes who answers for a source and under which X-Road
// member and service code.
type Institution struct {
	Source  Source
	Name    string // English
	Member  string // X-Road member code (GUESS: the real codes are not public)
	Service string // X-Road service code
	Kinds   []EvidenceKind
}

var institutions = []Institution{
	{SourcePopulation, "Ministry of Interior: central population register", "MUP", "population-register", []EvidenceKind{KindIdentity, KindResidence, KindHousehold}},
	{SourceVehicles, "Ministry of Interior: motor-vehicle register", "MUP", "vehicle-register", []EvidenceKind{KindVehicles}},
	{SourceTax, "Tax Administration", "UPC", "registered-income", []EvidenceKind{KindIncome}},
	{SourcePension, "Pension and Disability Insurance Fund", "PIO", "pensions", []EvidenceKind{KindPension}},
	{SourceHealth, "Health Insurance Fund", "FZO", "insured-status", []EvidenceKind{KindHealthInsurance}},
	{SourceEmployment, "Employment Agency", "ZZZ", "unemployment-register", []EvidenceKind{KindUnemployment}},
	{SourceRealEstate, "Real Estate Administration", "UZN", "cadastre-holdings", []EvidenceKind{KindRealEstate}},
	{SourceEducation, "Ministry of Education", "MPNI", "enrolment", []EvidenceKind{KindEducation}},
	{SourceAgriculture, "Ministry of Agriculture", "MPSV", "farm-support", []EvidenceKind{KindAgriculture}},
	{SourceVeterinary, "Veterinary Administration", "UBH", "livestock-register", []EvidenceKind{KindLivestock}},
}

// Institutions lists every registry service in a fixed order.
func Institutions() []Institution { return append([]Institution(nil), institutions...) }

// InstitutionFor returns the institution behind source: one of the nine
// institutions' evidence services, or a service the employers' refunds
// ask (RefundServices).
func InstitutionFor(s Source) (Institution, bool) {
	for _, in := range append(Institutions(), refundServices...) {
		if in.Source == s {
			return in, true
		}
	}
	return Institution{}, false
}

// EvidenceKind names one kind of fact.
type EvidenceKind string

// The kinds of evidence the registries supply.
const (
	KindIdentity        EvidenceKind = "identity"
	KindResidence       EvidenceKind = "residence"
	KindHousehold       EvidenceKind = "household"
	KindVehicles        EvidenceKind = "vehicles"
	KindIncome          EvidenceKind = "registered_income"
	KindPension         EvidenceKind = "pension"
	KindHealthInsurance EvidenceKind = "health_insurance"
	KindUnemployment    EvidenceKind = "unemployment"
	KindRealEstate      EvidenceKind = "real_estate"
	KindEducation       EvidenceKind = "education"
	KindAgriculture     EvidenceKind = "agriculture"
	KindLivestock       EvidenceKind = "livestock"
)

// Evidence is one fact about a person, as a source stated it.
type Evidence struct {
	ID       int64
	PersonID PersonID
	Kind     EvidenceKind
	Source   Source
	// Value is the fact as canonical JSON (one of the *Fact types below).
	Value     []byte
	ValidFrom time.Time  // from when the source says the fact holds
	ValidTo   *time.Time // set when a newer record replaced this one
	FetchedAt time.Time
	// Declared is true for facts a person stated (with a document), false
	// for facts verified with the source.
	Declared   bool
	Provenance Provenance
	Change     Change
}

// Provenance ties a record to the exchange that produced it.
type Provenance struct {
	RequestID    string // the X-Road-Id of the answer
	ResponseHash string // the X-Road-Request-Hash / SHA-256 of the body
	Issue        string // the case number the query was made for
}

// Change says why a record was written.
type Change string

// The reasons a new evidence record is written.
const (
	ChangeInitial    Change = "initial"    // first record of this kind
	ChangeRealWorld  Change = "change"     // the world changed: the fact has a later valid-from
	ChangeCorrection Change = "correction" // the source corrected itself: same valid-from, new value
)

// ClassifyEvidence compares an answer with the current record of the same
// kind (nil when there is none); sameValue says whether the two values are
// equal as JSON. It returns write=false when nothing changed (the record
// stands and no new version is written); otherwise the kind of change.
func ClassifyEvidence(current *Evidence, sameValue bool, validFrom time.Time) (write bool, change Change) {
	if current == nil {
		return true, ChangeInitial
	}
	if sameValue && current.ValidFrom.Equal(validFrom) {
		return false, ""
	}
	if validFrom.After(current.ValidFrom) {
		return true, ChangeRealWorld
	}
	return true, ChangeCorrection
}

// IdentityFact is the population register's record of a person.
type IdentityFact struct {
	JMBG       string `json:"jmbg"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	BirthDate  string `json:"birth_date"`
	Sex        Sex    `json:"sex"`
	Alive      bool   `json:"alive"`
	DeathDate  string `json:"death_date,omitempty"`
}

// ResidenceFact is a registered residence.
type ResidenceFact struct {
	Municipality string `json:"municipality"`
	Settlement   string `json:"settlement"`
	Street       string `json:"street"`
}

// HouseholdFact lists the members of the household the person belongs to.
type HouseholdFact struct {
	HouseholdNumber string                `json:"household_number"`
	Members         []HouseholdMemberFact `json:"members"`
}

// HouseholdMemberFact is one member as the population register lists them.
type HouseholdMemberFact struct {
	JMBG       string   `json:"jmbg"`
	GivenName  string   `json:"given_name"`
	FamilyName string   `json:"family_name"`
	Relation   Relation `json:"relation"`
}

// VehiclesFact lists registered vehicles.
type VehiclesFact struct {
	Vehicles []Vehicle `json:"vehicles"`
}

// Vehicle is one registered motor vehicle.
type Vehicle struct {
	Registration string          `json:"registration"`
	Make         string          `json:"make"`
	Year         int             `json:"year"`
	Value        decimal.Decimal `json:"estimated_value"`
}

// IncomeFact is income registered with the tax administration, per month.
type IncomeFact struct {
	Sources      []IncomeSource  `json:"sources"`
	MonthlyTotal decimal.Decimal `json:"monthly_total_net"`
}

// IncomeSource is one payer of income.
type IncomeSource struct {
	PayerPIB string          `json:"payer_pib"`
	Kind     string          `json:"kind"` // employment, contract, self_employment
	Net      decimal.Decimal `json:"monthly_net"`
}

// PensionFact is what the pension fund pays and records.
type PensionFact struct {
	Receives        bool            `json:"receives"`
	Kind            string          `json:"kind,omitempty"` // old_age, disability, survivor
	MonthlyAmount   decimal.Decimal `json:"monthly_amount"`
	InsuredYears    int             `json:"insured_years"`
	DisabilityLevel string          `json:"disability_level,omitempty"`
}

// HealthInsuranceFact is the insured status.
type HealthInsuranceFact struct {
	Insured bool   `json:"insured"`
	Basis   string `json:"basis,omitempty"`
}

// UnemploymentFact is the employment agency's register.
type UnemploymentFact struct {
	Registered     bool            `json:"registered"`
	Since          string          `json:"since,omitempty"`
	BenefitMonthly decimal.Decimal `json:"benefit_monthly"`
	WorkCapable    bool            `json:"work_capable"`
}

// RealEstateFact lists cadastre holdings.
type RealEstateFact struct {
	Parcels []Parcel `json:"parcels"`
}

// Parcel is one holding in the cadastre.
type Parcel struct {
	Cadastre string          `json:"cadastre_number"`
	Kind     string          `json:"kind"` // dwelling, land, business
	AreaM2   decimal.Decimal `json:"area_m2"`
	Share    string          `json:"share"`
}

// EducationFact is a school or university enrolment.
type EducationFact struct {
	Enrolled    bool   `json:"enrolled"`
	Institution string `json:"institution,omitempty"`
	Level       string `json:"level,omitempty"`
}

// AgricultureFact is farm support paid by the agriculture ministry.
type AgricultureFact struct {
	FarmerAllowance decimal.Decimal `json:"farmer_allowance_monthly"`
	PremiumsYearly  decimal.Decimal `json:"premiums_yearly"`
}

// LivestockFact is the veterinary register of animals held.
type LivestockFact struct {
	Cattle     int `json:"cattle"`
	SheepGoats int `json:"sheep_goats"`
	Pigs       int `json:"pigs"`
}
