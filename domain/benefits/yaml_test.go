package benefits_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
)

// yamlCase is a test in OpenFisca's shape: name, period, input, output.
type yamlCase struct {
	Name            string `yaml:"name"`
	Period          string `yaml:"period"`
	Benefit         string `yaml:"benefit"`
	ApplicationDate string `yaml:"application_date"`
	Input           struct {
		Members []struct {
			ID                     string   `yaml:"id"`
			BirthDate              string   `yaml:"birth_date"`
			Relation               string   `yaml:"relation"`
			NetIncome              string   `yaml:"net_income"`
			Pension                string   `yaml:"pension"`
			UnemploymentBenefit    string   `yaml:"unemployment_benefit"`
			FarmerAllowance        string   `yaml:"farmer_allowance"`
			PremiumsYearly         string   `yaml:"premiums_yearly"`
			Vehicles               []string `yaml:"vehicles"`
			Dwellings              int      `yaml:"dwellings"`
			LandM2                 string   `yaml:"land_m2"`
			ReceivesMO             bool     `yaml:"receives_mo"`
			ReceivesLI             bool     `yaml:"receives_li"`
			ReceivesDNJP           bool     `yaml:"receives_dnjp"`
			DisabilityPercent      int      `yaml:"disability_percent"`
			NeedsCare              bool     `yaml:"needs_care"`
			FormerChildWithoutCare bool     `yaml:"former_child_without_care"`
			DeathDate              string   `yaml:"death_date"`
		} `yaml:"members"`
		Subject  string `yaml:"subject"`
		Declared struct {
			RequestedAmount string `yaml:"requested_amount"`
			GrantsThisYear  int    `yaml:"grants_this_year"`
			FuneralCost     string `yaml:"funeral_cost"`
			DeceasedWasMO   bool   `yaml:"deceased_was_mo"`
			Guardian        bool   `yaml:"guardian"`
			FamilyMO        bool   `yaml:"family_mo"`
		} `yaml:"declared"`
	} `yaml:"input"`
	Output struct {
		Eligible       bool     `yaml:"eligible"`
		Amount         string   `yaml:"amount"`
		ReasonsContain []string `yaml:"reasons_contain"`
		LinesContain   []string `yaml:"lines_contain"`
	} `yaml:"output"`
}

func dec(t *testing.T, s string) decimal.Decimal {
	t.Helper()
	if s == "" {
		return decimal.Zero
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatalf("decimal %q: %v", s, err)
	}
	return d
}

func day(t *testing.T, s string) time.Time {
	t.Helper()
	for _, layout := range []string{time.DateOnly, "2006-01"} {
		if d, err := time.Parse(layout, s); err == nil {
			return d
		}
	}
	t.Fatalf("date %q", s)
	return time.Time{}
}

func TestYAMLCases(t *testing.T) {
	params := benefits.MustLoadParams()
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no YAML cases: %v", err)
	}
	perBenefit := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cases []yamlCase
		if err := yaml.Unmarshal(b, &cases); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, tc := range cases {
			perBenefit[tc.Benefit]++
			t.Run(tc.Name, func(t *testing.T) {
				s := benefits.Situation{Period: day(t, tc.Period), Subject: tc.Input.Subject}
				s.ApplicationDate = s.Period
				if tc.ApplicationDate != "" {
					s.ApplicationDate = day(t, tc.ApplicationDate)
				}
				for i, m := range tc.Input.Members {
					mm := benefits.Member{ID: m.ID, Name: m.ID, BirthDate: day(t, m.BirthDate), Relation: domain.Relation(m.Relation),
						NetIncome: dec(t, m.NetIncome), Pension: dec(t, m.Pension), UnemploymentBenefit: dec(t, m.UnemploymentBenefit),
						FarmerAllowance: dec(t, m.FarmerAllowance), PremiumsYearly: dec(t, m.PremiumsYearly), Dwellings: m.Dwellings,
						LandM2: dec(t, m.LandM2), ReceivesMO: m.ReceivesMO, ReceivesLI: m.ReceivesLI, ReceivesDNJP: m.ReceivesDNJP,
						DisabilityPercent: m.DisabilityPercent, NeedsCare: m.NeedsCare, FormerChildWithoutCare: m.FormerChildWithoutCare}
					if mm.Relation == "" && i == 0 {
						mm.Relation = domain.RelationHead
					}
					for _, v := range m.Vehicles {
						mm.Vehicles = append(mm.Vehicles, dec(t, v))
					}
					if m.DeathDate != "" {
						d := day(t, m.DeathDate)
						mm.DeathDate = &d
					}
					s.Members = append(s.Members, mm)
				}
				d := tc.Input.Declared
				s.Declared = benefits.Declared{RequestedAmount: dec(t, d.RequestedAmount), GrantsThisYear: d.GrantsThisYear,
					FuneralCost: dec(t, d.FuneralCost), DeceasedWasMO: d.DeceasedWasMO, Guardian: d.Guardian, FamilyMO: d.FamilyMO}
				res, err := benefits.Calculate(params, benefits.Code(tc.Benefit), s)
				if err != nil {
					t.Fatalf("Calculate: %v", err)
				}
				if res.Eligible != tc.Output.Eligible {
					t.Errorf("eligible = %v (reasons %q); want %v", res.Eligible, res.Reasons, tc.Output.Eligible)
				}
				if want := dec(t, tc.Output.Amount); !res.Amount.Equal(want) {
					t.Errorf("amount = %s; want %s\n%s", res.Amount, want, explain(res))
				}
				for _, r := range tc.Output.ReasonsContain {
					if !strings.Contains(strings.Join(res.Reasons, "; "), r) {
						t.Errorf("reasons %q do not mention %q", res.Reasons, r)
					}
				}
				if len(res.Lines) == 0 || res.Lines[len(res.Lines)-1].What != "amount" {
					t.Errorf("the explanation does not end with the amount: %v", res.Lines)
				}
				for _, w := range tc.Output.LinesContain {
					if !strings.Contains(explain(res), w) {
						t.Errorf("the explanation does not say %q:\n%s", w, explain(res))
					}
				}
				checkPhrases(t, res)
			})
		}
	}
	for _, b := range benefits.Catalogue() {
		if b.Implemented && perBenefit[string(b.Code)] < 5 {
			t.Errorf("benefit %s has %d YAML cases; want at least 5", b.Code, perBenefit[string(b.Code)])
		}
	}
}

func explain(r benefits.Result) string {
	var b strings.Builder
	for _, l := range r.Lines {
		b.WriteString("  " + l.What + " = " + l.Value + "  [" + l.Source + "]\n")
	}
	return b.String()
}
