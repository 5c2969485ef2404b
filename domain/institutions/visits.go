package institutions

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/karton-social/karton/domain"
)

// The gatehouse (issue 22 item 5): visitors logged in and out, residents'
// leaves and returns, each checked against the visit rules of the
// resident's individual plan.

// VisitRule is one line of a resident's individual plan on visits: a
// person, by name and (when known) JMBG, allowed or excluded, and why.
type VisitRule struct {
	Name    string
	JMBG    string
	Allowed bool
	Reason  string
}

// Caller is a person at the gate: a visitor, or whoever a resident leaves
// with. JMBG is empty when the person showed another ID document.
type Caller struct {
	Name string
	JMBG string
}

// FoldName is a person's name as the rules compare it: lower case, without
// diacritics (š, đ, č, ć, ž), the spaces between words collapsed.
func FoldName(s string) string {
	s = strings.Join(strings.Fields(strings.ToLower(s)), " ")
	return nameFold.Replace(s)
}

var nameFold = strings.NewReplacer("š", "s", "đ", "dj", "dž", "dz", "č", "c", "ć", "c", "ž", "z")

// matches reports whether the rule names p: by JMBG when both have one;
// by name (FoldName) when the rule has no JMBG, or when p gave none (the
// gatekeeper cannot tell two persons of one name apart without it).
func (r VisitRule) matches(p Caller) bool {
	if r.JMBG != "" && p.JMBG != "" {
		return r.JMBG == p.JMBG
	}
	return FoldName(r.Name) == FoldName(p.Name)
}

// allows reports whether an allowing rule lets p in as one the plan
// names: a rule with a JMBG only by that JMBG.
func (r VisitRule) allows(p Caller) bool {
	if !r.Allowed {
		return false
	}
	if r.JMBG != "" {
		return r.JMBG == p.JMBG
	}
	return FoldName(r.Name) == FoldName(p.Name)
}

// Role of a caller in a check: who the rule is about in its message.
const (
	AsVisitor   = "visitor"
	AsCompanion = "companion"
)

// CheckCaller returns nil when the resident's plan (rules) lets p in as a
// visitor, or out with the resident as a companion (as: AsVisitor or
// AsCompanion); otherwise a conflict naming the rule, on field. An
// excluding rule wins over an allowing one. For a child (under 18) only
// the persons the plan allows may come or go with them (GUESS: the law
// names the barred persons; the institutions admit a child's visitors
// from the list the centre agreed, so a name missing from the plan is
// refused too).
func CheckCaller(rules []VisitRule, p Caller, child bool, as, field string) error {
	for _, r := range rules {
		if !r.Allowed && r.matches(p) {
			reason := strings.TrimSpace(r.Reason)
			if reason == "" {
				reason = "no reason given"
			}
			return &domain.Error{Code: domain.CodeConflict, Field: field, Message: fmt.Sprintf("the resident's plan excludes this %s: %s", as, reason)}
		}
	}
	if !child {
		return nil
	}
	for _, r := range rules {
		if r.allows(p) {
			return nil
		}
	}
	return &domain.Error{Code: domain.CodeConflict, Field: field,
		Message: fmt.Sprintf("the resident is a child: only a %s the plan allows by name or JMBG is let through, and the plan does not allow this %s", as, as)}
}

// Child reports whether a resident born on born is a child (under 18) on day.
func Child(born, day time.Time) bool { return Age(born, day) < 18 }

// Kinds of leave.
const (
	LeaveHomeVisit = "home_visit"
	LeaveHospital  = "hospital"
	LeaveOuting    = "outing"
)

// LeaveKinds lists the kinds of leave in their order.
func LeaveKinds() []string { return []string{LeaveHomeVisit, LeaveHospital, LeaveOuting} }

// ValidLeaveKind reports whether k is a kind of leave.
func ValidLeaveKind(k string) bool {
	for _, x := range LeaveKinds() {
		if x == k {
			return true
		}
	}
	return false
}

// Bounds of the times the gatehouse records (GUESS: a gatekeeper writes a
// time down late by a shift at most; a month back is plenty).
const (
	// Skew is how far a time given may run ahead of the server's clock,
	// and lag how far behind it before it counts as back-dated.
	Skew = time.Minute
	Lag  = 5 * time.Minute
	// MaxBackdate is how far back a time may be written down.
	MaxBackdate = 30 * 24 * time.Hour
)

// EventTime is when an arrival, departure, leave or return happened: now
// when at is nil; a time given is never in the future, and, when earlier
// than now (back-dated), needs a reason and is at most MaxBackdate ago.
// The errors name field (and reasonField for a missing reason).
func EventTime(field string, at *time.Time, now time.Time, reason, reasonField string) (time.Time, *domain.Error) {
	if at == nil {
		return now, nil
	}
	switch t := *at; {
	case t.After(now.Add(Skew)):
		return time.Time{}, domain.FieldError(field, "%s is in the future; a time may not be recorded ahead", t.UTC().Format(time.RFC3339))
	case t.Before(now.Add(-MaxBackdate)):
		return time.Time{}, domain.FieldError(field, "%s is more than 30 days ago", t.UTC().Format(time.RFC3339))
	case t.Before(now.Add(-Lag)) && strings.TrimSpace(reason) == "":
		return time.Time{}, domain.FieldError(reasonField, "a time in the past (back-dated) needs a reason")
	}
	return *at, nil
}

// Visitor is a visitor as the gatekeeper writes them down.
type Visitor struct {
	Name     string
	JMBG     string // or
	Document string // the number of another ID document
	Relation string // to the resident: daughter, friend, lawyer
}

// ParseVisitor checks a visitor's data, every problem listed, the fields
// named prefix+"name", prefix+"jmbg", prefix+"document" ("visitor_",
// "companion_") and relField; an ID (document or JMBG) and the relation
// are required only when needID.
func ParseVisitor(prefix, relField string, v Visitor, needID bool) (Visitor, []*domain.Error) {
	var errs []*domain.Error
	v.Name = strings.Join(strings.Fields(v.Name), " ")
	if name, err := checkName(prefix+"name", v.Name); err != nil {
		errs = append(errs, err)
	} else {
		v.Name = name
	}
	v.JMBG, v.Document = strings.TrimSpace(v.JMBG), strings.TrimSpace(v.Document)
	if v.JMBG != "" {
		if _, _, err := domain.ParseJMBG(v.JMBG); err != nil {
			errs = append(errs, domain.FieldError(prefix+"jmbg", "%s", domain.ErrorMessage(err)))
		}
	}
	if v.Document != "" && !validDocument(v.Document) {
		errs = append(errs, domain.FieldError(prefix+"document", "an ID document's number has 5 to 20 letters and digits"))
	}
	if needID && v.JMBG == "" && v.Document == "" {
		errs = append(errs, domain.FieldError(prefix+"document", "give the number of an ID document or the JMBG"))
	}
	v.Relation = strings.TrimSpace(v.Relation)
	if needID && v.Relation == "" {
		errs = append(errs, domain.FieldError(relField, "is required"))
	} else if utf8.RuneCountInString(v.Relation) > 100 {
		errs = append(errs, domain.FieldError(relField, "at most 100 characters"))
	}
	return v, errs
}

func checkName(field, s string) (string, *domain.Error) {
	if s == "" {
		return "", domain.FieldError(field, "is required")
	}
	if utf8.RuneCountInString(s) > 100 {
		return "", domain.FieldError(field, "must be valid text of at most 100 characters")
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && r != ' ' && r != '-' && r != '\'' && r != '.' {
			return "", domain.FieldError(field, "may contain letters, spaces, hyphens and apostrophes only")
		}
	}
	return s, nil
}

func validDocument(s string) bool {
	if len(s) < 5 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9') && !(r >= 'A' && r <= 'Z') && !(r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// Overdue reports whether a leave expected back at expected, not yet
// returned, is overdue at now.
func Overdue(expected time.Time, returned *time.Time, now time.Time) bool {
	return returned == nil && now.After(expected)
}
