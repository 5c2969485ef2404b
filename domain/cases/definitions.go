// Package cases holds the case-management procedures (DOMAIN.md §4) as
// data: each procedure's stages, the JSON Schema form of each stage, its
// deadlines, who acts and who approves, the decisions it can issue, the
// sub-procedures it may start and the documents it produces. One generic
// Case workflow runs every procedure from these definitions; nothing here
// knows of Temporal, SQL or HTTP.
package cases

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/schema"
)

//go:embed procedures.yaml forms/*.json
var files embed.FS

// The generic stages of a case, in order (DOMAIN.md §4.3).
const (
	StageIntake             = "intake"
	StageOpening            = "opening"
	StageInitialAssessment  = "initial_assessment"
	StageDetailedAssessment = "detailed_assessment"
	StagePlan               = "plan"
	StageMonitoring         = "monitoring"
	StageClosing            = "closing"
)

// stageOrder is the order the stages run in; a procedure may skip some
// but never reorders them.
var stageOrder = []string{StageIntake, StageOpening, StageInitialAssessment, StageDetailedAssessment, StagePlan, StageMonitoring, StageClosing}

// StageIndex is a stage's place in the order of stages, or -1 for none.
func StageIndex(name string) int { return slices.Index(stageOrder, name) }

// Text is a name in both languages of the system.
type Text struct {
	CNR string `yaml:"cnr" json:"cnr"`
	EN  string `yaml:"en" json:"en"`
}

// Stage is one step of a procedure: the form it records, how long it may
// take, who acts and whether a supervisor approves it.
type Stage struct {
	Name     string        `json:"name"`
	Form     string        `json:"form"`
	Deadline time.Duration `json:"deadline"`
	// DeadlineVerified is false for the placeholder values of §4.4 that
	// were not found in the rulebook.
	DeadlineVerified bool        `json:"deadline_verified"`
	Role             domain.Role `json:"role"`
	Approval         bool        `json:"approval"`
}

// DecisionKind is a rješenje a procedure can issue.
type DecisionKind struct {
	Code string `yaml:"code" json:"code"`
	Name Text   `yaml:"name" json:"name"`
}

// Definition is one procedure, in the version a case started with.
type Definition struct {
	Code    string `json:"code"`
	Version int    `json:"version"`
	Slug    string `json:"slug"`
	Name    Text   `json:"name"`
	Group   string `json:"group"` // children, adults, cross
	// Ages is whom the procedure is for by age: minor (under 18), adult,
	// or any; by default its group's (children: minor, adults: adult,
	// cross: any), unless procedures.yaml says otherwise (ages:).
	Ages          string         `json:"ages"`
	Source        string         `json:"source"` // S: named in a seed, L: listed service, G: GUESS
	Target        string         `json:"target"`
	LegalBasis    string         `json:"legal_basis"`
	Role          domain.Role    `json:"role"` // who acts as case manager
	Urgent        bool           `json:"urgent"`
	DV            bool           `json:"dv"` // its cases are in the domestic-violence compartment
	Stages        []Stage        `json:"stages"`
	Approver      domain.Role    `json:"approver"`
	ApprovalDue   time.Duration  `json:"approval_deadline"`
	Escalation    []domain.Role  `json:"escalation"`
	ReviewEvery   time.Duration  `json:"review_every"` // 0: no periodic review
	Decisions     []DecisionKind `json:"decisions"`
	SubProcedures []string       `json:"subprocedures"`
	Documents     []string       `json:"documents"`
	// LicensedManager: its case manager must hold a professional's
	// licence to work in force (issue 21; procedures.yaml licensed_manager).
	LicensedManager bool `json:"licensed_manager"`
}

// Stage returns the procedure's stage called name.
func (d Definition) Stage(name string) (Stage, bool) {
	for _, s := range d.Stages {
		if s.Name == name {
			return s, true
		}
	}
	return Stage{}, false
}

// Next is the stage after name, or "" after the last.
func (d Definition) Next(name string) string {
	for i, s := range d.Stages {
		if s.Name == name && i+1 < len(d.Stages) {
			return d.Stages[i+1].Name
		}
	}
	return ""
}

// Decision returns the decision kind code of the procedure.
func (d Definition) Decision(code string) (DecisionKind, bool) {
	for _, k := range d.Decisions {
		if k.Code == code {
			return k, true
		}
	}
	return DecisionKind{}, false
}

// Whom a procedure is for by age (Definition.Ages).
const (
	AgesMinor = "minor"
	AgesAdult = "adult"
	AgesAny   = "any"
)

// ForAge reports whether the procedure is for a person of age (in
// years); a negative age (not known) fits every procedure.
func (d Definition) ForAge(age int) bool {
	switch {
	case age < 0 || d.Ages == AgesAny:
		return true
	case d.Ages == AgesMinor:
		return age < 18
	}
	return age >= 18
}

// MayStart reports whether the procedure may start sub-procedure code.
func (d Definition) MayStart(code string) bool { return slices.Contains(d.SubProcedures, code) }

// Catalogue is every procedure in every version, with the compiled forms.
type Catalogue struct {
	byKey  map[string]Definition // code@version
	latest map[string]int
	codes  []string
	forms  *schema.Set
}

// Load reads and checks the embedded definitions and forms. A definition
// that names a missing form, role, stage or sub-procedure, or a deadline
// that does not parse, fails here with a message naming it, never later.
func Load() (*Catalogue, error) { return load(files) }

// Procedures are the case-management definitions, read once from the
// embedded, tested files. A released version is never edited: a change is
// a new version, and a case keeps the version it started with. The API and
// the workflows read them here.
var Procedures = MustLoad()

// MustLoad is Load for the embedded, tested files: a failure is a build defect.
func MustLoad() *Catalogue {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

type yamlStage struct {
	Name           string `yaml:"name"`
	Form           string `yaml:"form"`
	Deadline       string `yaml:"deadline"`
	UrgentDeadline string `yaml:"urgent_deadline"`
	Verified       bool   `yaml:"verified"`
}

type yamlProcedure struct {
	Code          string            `yaml:"code"`
	Slug          string            `yaml:"slug"`
	Name          Text              `yaml:"name"`
	Group         string            `yaml:"group"`
	Ages          string            `yaml:"ages"`
	Source        string            `yaml:"source"`
	Target        string            `yaml:"target"`
	LegalBasis    string            `yaml:"legal_basis"`
	Role          string            `yaml:"role"`
	Urgent        bool              `yaml:"urgent"`
	DV            bool              `yaml:"dv"`
	Forms         map[string]string `yaml:"forms"`
	Skip          []string          `yaml:"skip"`
	Deadlines     map[string]string `yaml:"deadlines"`
	Approval      []string          `yaml:"approval"`
	ReviewEvery   string            `yaml:"review_every"`
	Decisions     []DecisionKind    `yaml:"decisions"`
	SubProcedures []string          `yaml:"subprocedures"`
	Documents     []string          `yaml:"documents"`
	// LicensedManager: only a licensed professional may manage its cases.
	LicensedManager bool `yaml:"licensed_manager"`
}

type yamlFile struct {
	Version          int             `yaml:"version"`
	Stages           []yamlStage     `yaml:"stages"`
	Approver         string          `yaml:"approver"`
	ApprovalDeadline string          `yaml:"approval_deadline"`
	Escalation       []string        `yaml:"escalation"`
	Procedures       []yamlProcedure `yaml:"procedures"`
}

func load(fsys fs.FS) (*Catalogue, error) {
	forms, err := schema.Load(fsys, "forms")
	if err != nil {
		return nil, err
	}
	c := &Catalogue{byKey: map[string]Definition{}, latest: map[string]int{}, forms: forms}
	b, err := fs.ReadFile(fsys, "procedures.yaml")
	if err != nil {
		return nil, err
	}
	var f yamlFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("procedures.yaml: %v", err)
	}
	if f.Version < 1 {
		return nil, fmt.Errorf("procedures.yaml: version must be 1 or more")
	}
	approver, err := role(f.Approver)
	if err != nil {
		return nil, fmt.Errorf("procedures.yaml: approver: %v", err)
	}
	approvalDue, err := ParseDuration(f.ApprovalDeadline)
	if err != nil {
		return nil, fmt.Errorf("procedures.yaml: approval_deadline: %v", err)
	}
	var ladder []domain.Role
	for _, r := range f.Escalation {
		x, err := role(r)
		if err != nil {
			return nil, fmt.Errorf("procedures.yaml: escalation: %v", err)
		}
		ladder = append(ladder, x)
	}
	defaults := map[string]yamlStage{}
	for i, s := range f.Stages {
		if i >= len(stageOrder) || s.Name != stageOrder[i] {
			return nil, fmt.Errorf("procedures.yaml: stage %d is %q; the stages are %v, in that order", i+1, s.Name, stageOrder)
		}
		defaults[s.Name] = s
	}
	if len(defaults) != len(stageOrder) {
		return nil, fmt.Errorf("procedures.yaml: %d stages defined; want all of %v", len(defaults), stageOrder)
	}
	for _, p := range f.Procedures {
		d, err := c.build(p, f.Version, defaults, approver, approvalDue, ladder)
		if err != nil {
			return nil, fmt.Errorf("procedure %s: %v", p.Code, err)
		}
		key := d.Code + "@" + strconv.Itoa(d.Version)
		if _, dup := c.byKey[key]; dup {
			return nil, fmt.Errorf("procedure %s is defined twice", d.Code)
		}
		c.byKey[key] = d
		c.latest[d.Code] = max(c.latest[d.Code], d.Version)
		c.codes = append(c.codes, d.Code)
	}
	for _, d := range c.byKey {
		for _, sub := range d.SubProcedures {
			if _, ok := c.latest[sub]; !ok {
				return nil, fmt.Errorf("procedure %s: sub-procedure %s is not defined", d.Code, sub)
			}
		}
	}
	slices.Sort(c.codes)
	return c, nil
}

func (c *Catalogue) build(p yamlProcedure, version int, defaults map[string]yamlStage, approver domain.Role, approvalDue time.Duration, ladder []domain.Role) (Definition, error) {
	if len(p.Code) != 3 || p.Code[0] != 'P' {
		return Definition{}, fmt.Errorf("code %q: want P and two digits", p.Code)
	}
	if p.Name.CNR == "" || p.Name.EN == "" || p.LegalBasis == "" || p.Target == "" {
		return Definition{}, fmt.Errorf("names in both languages, a target group and a legal basis are required")
	}
	if !slices.Contains([]string{"children", "adults", "cross"}, p.Group) {
		return Definition{}, fmt.Errorf("group %q: want children, adults or cross", p.Group)
	}
	if !slices.Contains([]string{"S", "L", "G"}, p.Source) {
		return Definition{}, fmt.Errorf("source %q: want S, L or G", p.Source)
	}
	ages := p.Ages
	if ages == "" {
		ages = map[string]string{"children": AgesMinor, "adults": AgesAdult, "cross": AgesAny}[p.Group]
	}
	if !slices.Contains([]string{AgesMinor, AgesAdult, AgesAny}, ages) {
		return Definition{}, fmt.Errorf("ages %q: want minor, adult or any", ages)
	}
	r, err := role(p.Role)
	if err != nil {
		return Definition{}, err
	}
	d := Definition{Code: p.Code, Version: version, Slug: p.Slug, Name: p.Name, Group: p.Group, Ages: ages, Source: p.Source, Target: p.Target,
		LegalBasis: p.LegalBasis, Role: r, Urgent: p.Urgent, DV: p.DV, Approver: approver, ApprovalDue: approvalDue, Escalation: ladder,
		Decisions: p.Decisions, SubProcedures: p.SubProcedures, Documents: p.Documents, LicensedManager: p.LicensedManager}
	for _, name := range append(append(append(append([]string{}, p.Skip...), p.Approval...), keys(p.Forms)...), keys(p.Deadlines)...) {
		if !slices.Contains(stageOrder, name) {
			return Definition{}, fmt.Errorf("stage %q does not exist (stages: %v)", name, stageOrder)
		}
	}
	for _, must := range []string{StageIntake, StageOpening, StageClosing} {
		if slices.Contains(p.Skip, must) {
			return Definition{}, fmt.Errorf("stage %s cannot be skipped", must)
		}
	}
	for _, name := range stageOrder {
		if slices.Contains(p.Skip, name) {
			continue
		}
		def := defaults[name]
		s := Stage{Name: name, Form: def.Form, Role: r, Approval: slices.Contains(p.Approval, name), DeadlineVerified: def.Verified}
		if f, ok := p.Forms[name]; ok {
			s.Form = f
		}
		if !c.forms.Has(s.Form) {
			return Definition{}, fmt.Errorf("stage %s: form %q does not exist", name, s.Form)
		}
		deadline := def.Deadline
		if p.Urgent && def.UrgentDeadline != "" {
			deadline = def.UrgentDeadline
		}
		if x, ok := p.Deadlines[name]; ok {
			deadline = x
		}
		if s.Deadline, err = ParseDuration(deadline); err != nil {
			return Definition{}, fmt.Errorf("stage %s: deadline: %v", name, err)
		}
		d.Stages = append(d.Stages, s)
	}
	if p.ReviewEvery != "" {
		if d.ReviewEvery, err = ParseDuration(p.ReviewEvery); err != nil {
			return Definition{}, fmt.Errorf("review_every: %v", err)
		}
	}
	seen := map[string]bool{}
	for _, k := range d.Decisions {
		if k.Code == "" || k.Name.CNR == "" || k.Name.EN == "" || seen[k.Code] {
			return Definition{}, fmt.Errorf("decision %q: a unique code and names in both languages are required", k.Code)
		}
		seen[k.Code] = true
	}
	return d, nil
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func role(s string) (domain.Role, error) {
	r := domain.Role(s)
	for _, known := range domain.Roles() {
		if known == r {
			return r, nil
		}
	}
	return "", fmt.Errorf("role %q does not exist", s)
}

// ParseDuration reads a deadline: a number of days (7d), hours (24h) or minutes (30m).
func ParseDuration(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("%q: want a number of days (7d), hours (24h) or minutes (30m)", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q: want a positive number of days (7d), hours (24h) or minutes (30m)", s)
	}
	switch s[len(s)-1] {
	case 'd':
		return time.Duration(n) * 24 * time.Hour, nil
	case 'h':
		return time.Duration(n) * time.Hour, nil
	case 'm':
		return time.Duration(n) * time.Minute, nil
	}
	return 0, fmt.Errorf("%q: want a number of days (7d), hours (24h) or minutes (30m)", s)
}

// Codes lists the procedures' codes.
func (c *Catalogue) Codes() []string { return slices.Clone(c.codes) }

// Get returns a procedure in a version (0: the latest). Returns CodeInvalid
// for an unknown procedure or version.
func (c *Catalogue) Get(code string, version int) (Definition, error) {
	if version == 0 {
		v, ok := c.latest[code]
		if !ok {
			return Definition{}, domain.FieldError("procedure", "procedure %q does not exist (P01 to P42)", code)
		}
		version = v
	}
	d, ok := c.byKey[code+"@"+strconv.Itoa(version)]
	if !ok {
		return Definition{}, domain.FieldError("version", "procedure %s has no version %d", code, version)
	}
	return d, nil
}

// Form returns a form's JSON Schema as written.
func (c *Catalogue) Form(name string) (json.RawMessage, bool) { return c.forms.Raw(name) }

// Validate checks data against the form: every failing field is listed
// (CodeInvalid, one domain.FieldError per field).
func (c *Catalogue) Validate(form string, data json.RawMessage) error {
	return c.forms.Validate(form, data)
}
