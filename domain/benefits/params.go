package benefits

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"
)

//go:embed params/*.yaml
var paramFiles embed.FS

// Parameter is a legal amount or threshold whose value changes over time,
// the way OpenFisca keeps them: each value holds from its date until the
// next one.
type Parameter struct {
	Name        string
	Description string
	// DescriptionCnr is the description in Montenegrin, for decisions.
	DescriptionCnr string
	Unit           string
	Values         []Dated // sorted by From
}

// Dated is one value of a parameter.
type Dated struct {
	From  time.Time
	Value decimal.Decimal
	Ref   string // the legal reference
	// RefCnr is the legal reference in Montenegrin ("" for a value
	// published through the API: its reference is written in it).
	RefCnr string
	// Guess marks a value reconstructed from the brief, not read in the law.
	Guess bool
	Note  string
}

// Params is the set of parameters.
type Params struct {
	byName map[string]Parameter
}

type yamlParam struct {
	Description    string `yaml:"description"`
	DescriptionCnr string `yaml:"description_cnr"`
	Unit           string `yaml:"unit"`
	Values         []struct {
		From   string `yaml:"from"`
		Value  string `yaml:"value"`
		Ref    string `yaml:"ref"`
		RefCnr string `yaml:"ref_cnr"`
		Guess  bool   `yaml:"guess"`
		Note   string `yaml:"note"`
	} `yaml:"values"`
}

// LoadParams reads the embedded parameter files. It fails on a file that
// is not well formed: a value that is not a decimal, a date that is not a
// date, a value without a legal reference, or values out of order.
func LoadParams() (*Params, error) {
	return loadParams(paramFiles, "params")
}

// MustLoadParams is LoadParams for static tables: the files are embedded
// and checked by tests, so a failure is a build defect.
func MustLoadParams() *Params {
	p, err := LoadParams()
	if err != nil {
		panic(err)
	}
	return p
}

func loadParams(fsys fs.FS, dir string) (*Params, error) {
	p := &Params{byName: map[string]Parameter{}}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		b, err := fs.ReadFile(fsys, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		var doc map[string]yamlParam
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		for name, yp := range doc {
			if _, dup := p.byName[name]; dup {
				return nil, fmt.Errorf("%s: parameter %s defined twice", e.Name(), name)
			}
			par := Parameter{Name: name, Description: yp.Description, DescriptionCnr: yp.DescriptionCnr, Unit: yp.Unit}
			for _, v := range yp.Values {
				from, err := time.Parse(time.DateOnly, v.From)
				if err != nil {
					return nil, fmt.Errorf("%s: %s: from %q is not a date", e.Name(), name, v.From)
				}
				val, err := decimal.NewFromString(v.Value)
				if err != nil {
					return nil, fmt.Errorf("%s: %s: value %q is not a decimal", e.Name(), name, v.Value)
				}
				if strings.TrimSpace(v.Ref) == "" {
					return nil, fmt.Errorf("%s: %s from %s has no legal reference", e.Name(), name, v.From)
				}
				par.Values = append(par.Values, Dated{From: from, Value: val, Ref: v.Ref, RefCnr: v.RefCnr, Guess: v.Guess, Note: v.Note})
			}
			if len(par.Values) == 0 {
				return nil, fmt.Errorf("%s: %s has no values", e.Name(), name)
			}
			if !sort.SliceIsSorted(par.Values, func(i, j int) bool { return par.Values[i].From.Before(par.Values[j].From) }) {
				return nil, fmt.Errorf("%s: %s: values are not in date order", e.Name(), name)
			}
			p.byName[name] = par
		}
	}
	return p, nil
}

// At returns the value of name in force on day.
func (p *Params) At(name string, day time.Time) (Dated, error) {
	par, ok := p.byName[name]
	if !ok {
		return Dated{}, fmt.Errorf("unknown parameter %s", name)
	}
	var found *Dated
	for i := range par.Values {
		if !par.Values[i].From.After(day) {
			found = &par.Values[i]
		}
	}
	if found == nil {
		return Dated{}, fmt.Errorf("parameter %s has no value on %s (first from %s)", name, day.Format(time.DateOnly), par.Values[0].From.Format(time.DateOnly))
	}
	return *found, nil
}

// Names lists every parameter, sorted.
func (p *Params) Names() []string {
	out := make([]string, 0, len(p.byName))
	for n := range p.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Parameter returns the parameter called name.
func (p *Params) Parameter(name string) (Parameter, bool) {
	par, ok := p.byName[name]
	return par, ok
}
