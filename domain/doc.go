// Package domain is the law as code. It does no I/O and knows nothing of
// SQL, HTTP or Temporal; the other packages speak to each other in its
// terms, and its errors (Error, Errorf, FieldError with a Code) are what
// the API turns into 4xx answers.
//
// This package holds what every procedure shares: persons and their JMBG
// (person.go, jmbg.go), households (household.go), municipalities and the
// centres that cover them (territory.go), IBAN and PIB, the registries'
// evidence and its facts (evidence.go, facts.go), users, roles and the
// domestic-violence compartment (users.go), rights and their versions
// (rights.go), payments and the payable period (payments.go, payroll.go),
// appeals and finality (appeals.go), and the kinds of change registries
// publish (changes.go).
//
// Its sub-packages hold each area's rules and data:
//   - benefits: the catalogue, dated parameters (params/*.yaml), eligibility
//     and amounts with explanation lines, revisions and exclusions;
//   - cases: the 42 case-management procedures (procedures.yaml) and their
//     forms (forms/*.json);
//   - violence: the police's notifications and the DV register's rules;
//   - activation: referrals to the Employment Agency and its steps;
//   - schema: JSON Schema validation with field-level messages.
package domain
