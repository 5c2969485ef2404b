package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// unreachableTemporal answers every call as a Temporal cluster that is down:
// the matrix is about who may call, not about what the procedures do.
type unreachableTemporal struct{ client.Client }

var errDown = errors.New("temporal is not reachable in this test")

func (unreachableTemporal) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, errDown
}

func (unreachableTemporal) SignalWorkflow(context.Context, string, string, string, any) error {
	return errDown
}

func (unreachableTemporal) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, errDown
}

// allowed is the access the brief gives each role, written out here
// independently of policies/policy.csv: resource:action -> role -> the
// variants it may reach ("own": its own centre, or for a citizen its own
// data; "other": another centre's data).
var allowed = map[string]map[domain.Role][]string{
	"person:create":     staff("own"),
	"person:update":     staff("own"), // a registration corrected (issue 17)
	"person:read":       with(with(staff("own"), domain.RoleCitizen, "own"), domain.RoleAppealsOfficer, "own", "other"),
	"evidence:refresh":  staff("own"),
	"claim:create":      staff("own"),
	"claim:read":        with(staff("own"), domain.RoleCitizen, "own"), // a citizen the claims they applied for (issue 18)
	"claim:update":      with(staff("own"), domain.RoleCitizen, "own"),
	"decision:read":     with(with(with(staff("own"), domain.RoleFinanceOfficer, "own", "other"), domain.RoleAppealsOfficer, "own", "other"), domain.RoleCitizen, "own"),
	"task:read":         with(staff("own"), domain.RoleAppealsOfficer, "own", "other"),
	"task:update":       with(staff("own"), domain.RoleAppealsOfficer, "own", "other"),
	"task:assign":       {domain.RoleSupervisor: {"own"}, domain.RoleCentreHead: {"own"}, domain.RoleDVSupervisor: {"own"}}, // the board (issue 17)
	"catalogue:read":    everyone("own", "other"),
	"access_log:read":   {domain.RoleCitizen: {"own"}},
	"payroll:create":    {domain.RoleFinanceOfficer: {"own"}},
	"payroll:read":      {domain.RoleFinanceOfficer: {"own"}},
	"payroll:submit":    {domain.RoleFinanceOfficer: {"own"}},
	"payroll:approve":   {domain.RoleFinanceOfficer: {"own"}},
	"payroll:reconcile": {domain.RoleFinanceOfficer: {"own"}},
	"change:read":       {domain.RoleAdmin: {"own"}}, // the operator's list of change events
	// Revisions (issue 16): the centre's staff read and start a right's
	// revisions; its supervisors see the board of due ones.
	"revision:read":       staff("own"),
	"revision:create":     staff("own"),
	"revision_board:read": {domain.RoleSupervisor: {"own"}, domain.RoleCentreHead: {"own"}, domain.RoleDVSupervisor: {"own"}},
	// Parameters of the law: the ministry's officers publish and approve;
	// finance and analysts read (issue 16).
	"parameter:create":  {domain.RoleMinistryOfficer: {"own"}},
	"parameter:approve": {domain.RoleMinistryOfficer: {"own"}},
	"parameter:read":    {domain.RoleMinistryOfficer: {"own"}, domain.RoleFinanceOfficer: {"own"}, domain.RoleMinistryAnalyst: {"own"}},
	"audit:read":        {domain.RoleSupervisor: {"own"}, domain.RoleCentreHead: {"own"}, domain.RoleDVSupervisor: {"own"}, domain.RoleAuditor: {"own", "other"}},
	"case:create":       staff("own"),
	"case:read":         staff("own"),
	"case:update":       staff("own"),
	"case_report:read":  {domain.RoleSupervisor: {"own"}, domain.RoleCentreHead: {"own"}, domain.RoleDVSupervisor: {"own"}, domain.RoleMinistryAnalyst: {"own"}},
	// Domestic violence: the police what they sent; the DV caseworkers
	// their centre's; analysts the statistics only.
	"dv_notification:create": {domain.RolePoliceOfficer: {"own", "other"}},
	"dv_notification:read":   {domain.RolePoliceOfficer: {"own", "other"}, domain.RoleDVCaseworker: {"own"}, domain.RoleDVSupervisor: {"own"}},
	"dv_notification:update": {domain.RolePoliceOfficer: {"own", "other"}},
	"dv_report:create":       {domain.RoleDVCaseworker: {"own"}, domain.RoleDVSupervisor: {"own"}},
	"dv_case:create":         {domain.RoleDVCaseworker: {"own"}, domain.RoleDVSupervisor: {"own"}}, // a case from a notification (issue 17)
	"dv_register:read":       {domain.RolePoliceOfficer: {"own", "other"}, domain.RoleDVCaseworker: {"own"}, domain.RoleDVSupervisor: {"own"}},
	"dv_statistics:read":     {domain.RoleMinistryAnalyst: {"own", "other"}},
	"bi:read":                {domain.RoleMinistryAnalyst: {"own", "other"}, domain.RoleSupervisor: {"own"}, domain.RoleCentreHead: {"own"}, domain.RoleDVSupervisor: {"own"}, domain.RoleAuditor: {"own", "other"}}, // the statistics (issue 19)
	// Activation: a centre its own referrals; the agency every referral
	// and the steps it reports, never the centre's decisions.
	"activation:create":        staff("own"),
	"activation:read":          with(staff("own"), domain.RoleEmploymentOfficer, "own", "other"),
	"activation:report":        {domain.RoleEmploymentOfficer: {"own", "other"}},
	"activation_decision:read": with(staff("own"), domain.RoleAppealsOfficer, "own", "other"),
	// Appeals (issue 16): the centre records delivery and files for the
	// person, the citizen for their own decision; the ministry's appeals
	// officers read every appeal.
	"decision:deliver": staff("own"),
	"appeal:create":    with(staff("own"), domain.RoleCitizen, "own"),
	"appeal:read":      with(with(staff("own"), domain.RoleCitizen, "own"), domain.RoleAppealsOfficer, "own", "other"),
	// Employers' refunds (issue 18): an employer its own company's; the
	// centre that handles them reads its own centre's.
	"refund:create": {domain.RoleEmployer: {"own"}},
	"refund:read":   with(staff("own"), domain.RoleEmployer, "own"),
	"refund:update": {domain.RoleEmployer: {"own"}},
	// The citizens' benefits portal (issue 18): the citizen's own file,
	// their data asked for, applying online.
	"portal:read":    {domain.RoleCitizen: {"own"}},
	"portal:refresh": {domain.RoleCitizen: {"own"}},
	"portal:apply":   {domain.RoleCitizen: {"own"}},
	// The register of licensed providers (issue 21): the ministry's
	// officers keep it; the public reads it without login.
	"provider:create": {domain.RoleMinistryOfficer: {"own"}},
	"provider:read":   {domain.RoleMinistryOfficer: {"own"}},
	"provider:update": {domain.RoleMinistryOfficer: {"own"}},
	// Licensing by e-application (issue 21): a maintainer files and reads
	// their own company's applications; the officers read, inspect, draft
	// and approve.
	"licence_application:create":  {domain.RoleProviderMaintainer: {"own"}},
	"licence_application:read":    {domain.RoleProviderMaintainer: {"own"}, domain.RoleMinistryOfficer: {"own"}},
	"licence_application:update":  {domain.RoleProviderMaintainer: {"own"}},
	"licence_application:inspect": {domain.RoleMinistryOfficer: {"own"}},
	"licence_application:decide":  {domain.RoleMinistryOfficer: {"own"}},
	"licence_application:approve": {domain.RoleMinistryOfficer: {"own"}},
	// The register of licensed professionals and e-learning (issue 21,
	// item 2): the ministry's officers keep it, a head reads the centre's,
	// each professional their own record and courses.
	"professional_register:create":   {domain.RoleMinistryOfficer: {"own"}},
	"professional_register:read":     {domain.RoleMinistryOfficer: {"own"}, domain.RoleCentreHead: {"own"}},
	"professional_register:update":   {domain.RoleMinistryOfficer: {"own"}},
	"professional_register:read_own": staff("own"),
	"learning:read":                  with(staff("own"), domain.RoleMinistryOfficer, "own"),
	"learning:publish":               {domain.RoleMinistryOfficer: {"own"}},
	"learning:enrol":                 staff("own"),
	"learning:complete":              staff("own"),
	// The registers of guardians, foster carers and beneficiaries (issue
	// 21): a centre's staff their centre's, the ministry's officers every
	// centre's; the staff record the carers' assessments.
	"carer_register:read":       with(staff("own"), domain.RoleMinistryOfficer, "own", "other"),
	"carer_register:create":     staff("own"),
	"beneficiary_register:read": with(staff("own"), domain.RoleMinistryOfficer, "own", "other"),

	// The farmers' old-age allowance (issue 21): the finance officers
	// upload the ministry's file and read the files' reports.
	"agriculture:create": {domain.RoleFinanceOfficer: {"own"}},
	"agriculture:read":   {domain.RoleFinanceOfficer: {"own"}},

	// Inspections, fines, suspension (issue 21 item 1): the ministry's
	// officers; the providers in force: whoever names one in a placement.
	"provider_inspection:create":  {domain.RoleMinistryOfficer: {"own"}},
	"provider_inspection:read":    {domain.RoleMinistryOfficer: {"own"}},
	"provider_inspection:update":  {domain.RoleMinistryOfficer: {"own"}},
	"provider_inspection:approve": {domain.RoleMinistryOfficer: {"own"}},
	"provider_in_force:read":      with(staff("own"), domain.RoleMinistryOfficer, "own"),

	// The residential institutions' capacity (issue 22 items 1 and 6): all
	// of an institution's staff read their own institution (and its
	// capacity), the director changes its beds; the ministry's officers
	// read every institution, the centres search the free beds; the
	// director, the ministry's analysts and finance read the statistics.
	"institution:read": {domain.RoleInstitutionSocialWorker: {"own"}, domain.RoleInstitutionMedical: {"own"}, domain.RoleInstitutionPharmacist: {"own"},
		domain.RoleInstitutionCashier: {"own"}, domain.RoleInstitutionGatekeeper: {"own"}, domain.RoleInstitutionDirector: {"own"}, domain.RoleMinistryOfficer: {"own"}},
	"institution:update": {domain.RoleInstitutionDirector: {"own"}},
	"institution_capacity:read": with(with(with(with(with(with(with(staff("own"), domain.RoleMinistryOfficer, "own"), domain.RoleInstitutionSocialWorker, "own"),
		domain.RoleInstitutionMedical, "own"), domain.RoleInstitutionPharmacist, "own"), domain.RoleInstitutionCashier, "own"),
		domain.RoleInstitutionGatekeeper, "own"), domain.RoleInstitutionDirector, "own"),
	"institution_stats:read": {domain.RoleInstitutionDirector: {"own"}, domain.RoleMinistryAnalyst: {"own"}, domain.RoleFinanceOfficer: {"own"}},

	// The gatehouse (issue 22 item 5): the gatekeeper logs visits, leaves
	// and returns in their own institution; its social worker and director
	// read them.
	"gatehouse:read":   {domain.RoleInstitutionGatekeeper: {"own"}, domain.RoleInstitutionSocialWorker: {"own"}, domain.RoleInstitutionDirector: {"own"}},
	"gatehouse:create": {domain.RoleInstitutionGatekeeper: {"own"}},
	"gatehouse:update": {domain.RoleInstitutionGatekeeper: {"own"}},

	// Medicines (issue 22 item 3): the pharmacist keeps the stock, the
	// medical staff read it, prescribe and give doses; the pharmacist
	// reads the prescriptions and doses.
	"medicine_stock:read":   {domain.RoleInstitutionPharmacist: {"own"}, domain.RoleInstitutionMedical: {"own"}},
	"medicine_stock:create": {domain.RoleInstitutionPharmacist: {"own"}},
	"medicine_stock:update": {domain.RoleInstitutionPharmacist: {"own"}},
	"prescription:read":     {domain.RoleInstitutionMedical: {"own"}, domain.RoleInstitutionPharmacist: {"own"}},
	"prescription:create":   {domain.RoleInstitutionMedical: {"own"}},
	"prescription:update":   {domain.RoleInstitutionMedical: {"own"}},
	"dose:read":             {domain.RoleInstitutionMedical: {"own"}, domain.RoleInstitutionPharmacist: {"own"}},
	"dose:create":           {domain.RoleInstitutionMedical: {"own"}},
	// The resident's care (issue 22 item 3): every institution role reads
	// its residents; the social workers keep the plan and notes (the
	// director reads them); the medical records are the medical staff's
	// compartment (404 for everyone else).
	"resident:read": {domain.RoleInstitutionSocialWorker: {"own"}, domain.RoleInstitutionMedical: {"own"}, domain.RoleInstitutionPharmacist: {"own"},
		domain.RoleInstitutionCashier: {"own"}, domain.RoleInstitutionGatekeeper: {"own"}, domain.RoleInstitutionDirector: {"own"}},
	"care_plan:read":        {domain.RoleInstitutionSocialWorker: {"own"}, domain.RoleInstitutionDirector: {"own"}},
	"care_plan:update":      {domain.RoleInstitutionSocialWorker: {"own"}},
	"social_note:read":      {domain.RoleInstitutionSocialWorker: {"own"}, domain.RoleInstitutionDirector: {"own"}},
	"social_note:create":    {domain.RoleInstitutionSocialWorker: {"own"}},
	"medical_record:read":   {domain.RoleInstitutionMedical: {"own"}},
	"medical_record:create": {domain.RoleInstitutionMedical: {"own"}},
	// Placements (issue 22 item 2): the centre's staff propose, refer,
	// draft, review and end their centre's; a supervisor approves the
	// decision; the institution's social worker reads, answers and ends
	// those of their institution, the director reads them, the gatekeeper
	// admits.
	"placement:read":    with(with(staff("own"), domain.RoleInstitutionSocialWorker, "own"), domain.RoleInstitutionDirector, "own"),
	"placement:create":  staff("own"),
	"placement:update":  with(staff("own"), domain.RoleInstitutionSocialWorker, "own"),
	"placement:approve": {domain.RoleSupervisor: {"own"}, domain.RoleCentreHead: {"own"}, domain.RoleDVSupervisor: {"own"}},
	"placement:decide":  {domain.RoleInstitutionSocialWorker: {"own"}},
	"placement:admit":   {domain.RoleInstitutionGatekeeper: {"own"}, domain.RoleInstitutionSocialWorker: {"own"}},

	// The electricity subsidy's list for the power utility (issue 21): the finance officers.
	"electricity:read":      {domain.RoleFinanceOfficer: {"own"}},
	"electricity:create":    {domain.RoleFinanceOfficer: {"own"}},
	"electricity:submit":    {domain.RoleFinanceOfficer: {"own"}},
	"electricity:approve":   {domain.RoleFinanceOfficer: {"own"}},
	"electricity:reconcile": {domain.RoleFinanceOfficer: {"own"}},

	// The cash desk of a residential institution (issue 22 item 4): the
	// cashier keeps it and closes the day, the director approves the
	// withdrawals above the limit, the social worker reads.
	"cash:read":    {domain.RoleInstitutionCashier: {"own"}, domain.RoleInstitutionDirector: {"own"}, domain.RoleInstitutionSocialWorker: {"own"}},
	"cash:create":  {domain.RoleInstitutionCashier: {"own"}},
	"cash:close":   {domain.RoleInstitutionCashier: {"own"}},
	"cash:approve": {domain.RoleInstitutionDirector: {"own"}},

	// Contracts with providers and delegations (issue 23 items 1 and 3):
	// caseworkers (and so supervisors and heads), finance, the ministry
	// and a provider's staff (their own provider's) read contracts; a
	// centre's head and the ministry contract, renew, end and resume; a
	// centre's supervisors and head, the ministry and a provider's staff
	// read delegations, the head grants and revokes them; only a
	// provider's staff read the persons delegated to them.
	"service_contract:read": with(with(with(staff("own"), domain.RoleFinanceOfficer, "own"), domain.RoleMinistryOfficer, "own"),
		domain.RoleProviderStaff, "own"),
	"service_contract:create":   {domain.RoleCentreHead: {"own"}, domain.RoleMinistryOfficer: {"own"}},
	"service_contract:update":   {domain.RoleCentreHead: {"own"}, domain.RoleMinistryOfficer: {"own"}},
	"service_delegation:read":   {domain.RoleSupervisor: {"own"}, domain.RoleCentreHead: {"own"}, domain.RoleDVSupervisor: {"own"}, domain.RoleMinistryOfficer: {"own"}, domain.RoleProviderStaff: {"own"}},
	"service_delegation:create": {domain.RoleCentreHead: {"own"}},
	"service_delegation:update": {domain.RoleCentreHead: {"own"}},
	"service_person:read":       {domain.RoleProviderStaff: {"own"}},

	// Service-use records (issue 23 item 4): a provider's staff record and read
	// their own provider's; the referring centre's staff read them.
	"service_use:read":   with(staff("own"), domain.RoleProviderStaff, "own"),
	"service_use:create": {domain.RoleProviderStaff: {"own"}},
	// Monthly cost reports (issue 23 item 5): a provider's staff submit and
	// read their own; finance officers and the ministry read every one;
	// finance officers check, approve and reject (four eyes, in the store).
	"cost_report:read":    {domain.RoleProviderStaff: {"own"}, domain.RoleFinanceOfficer: {"own"}, domain.RoleMinistryOfficer: {"own"}},
	"cost_report:create":  {domain.RoleProviderStaff: {"own"}},
	"cost_report:approve": {domain.RoleFinanceOfficer: {"own"}},
	// Referrals to a provider's service (issue 23 item 2): the centre's
	// staff refer, read, review, end and cancel their centre's; a
	// provider's staff read, answer, start and end those to their provider.
	"service_referral:read":   with(staff("own"), domain.RoleProviderStaff, "own"),
	"service_referral:create": staff("own"),
	"service_referral:update": with(staff("own"), domain.RoleProviderStaff, "own"),
	"service_referral:decide": {domain.RoleProviderStaff: {"own"}},
	// Waiting lists (issue 23 item 6): a provider's staff read their own
	// provider's lists and submit its monthly report; the centres' staff
	// and the ministry read every provider's (names as the lists allow).
	"waiting_list:read":   with(with(staff("own"), domain.RoleMinistryOfficer, "own"), domain.RoleProviderStaff, "own"),
	"waiting_list:create": {domain.RoleProviderStaff: {"own"}},
}

func staff(v ...string) map[domain.Role][]string {
	return map[domain.Role][]string{domain.RoleCaseworker: v, domain.RoleSupervisor: v, domain.RoleCentreHead: v, domain.RoleDVCaseworker: v,
		domain.RoleDVSupervisor: v}
}

func with(m map[domain.Role][]string, r domain.Role, v ...string) map[domain.Role][]string {
	m[r] = v
	return m
}

func everyone(v ...string) map[domain.Role][]string {
	m := map[domain.Role][]string{}
	for _, u := range domain.DemoUsers() {
		m[u.Role] = v
	}
	return m
}

// TestRouteMatrix sends every protected route, as every role, for data of
// the caller's own centre and of another, and checks the answer: 401
// without a token, 403 where the brief gives no access (404 for the DV
// compartment, and for citizens and other institutions, for whom what they
// may not see does not exist), anything else
// (2xx, or a 4xx/503 about the request itself) where it does. Every
// audited request, allowed or denied, adds exactly one audit record.
// A route missing from the table above fails the test.
func TestRouteMatrix(t *testing.T) {
	ctx := context.Background()
	ts, db := newServerWith(t, unreachableTemporal{})

	// Seed: the demo citizen lives in Podgorica ("own"); another person in Nikšić ("other").
	person := func(jmbg, municipality string) domain.Person {
		return seedPerson(t, db, jmbg, municipality, "Test", "Osoba")
	}
	own, other := person("2101006500003", "Podgorica"), person("0101900350008", "Nikšić")
	seedClaim := func(p domain.Person) (store.Claim, store.Decision, store.Task) {
		c, err := db.CreateClaim(ctx, store.Claim{Benefit: "DNJP", ApplicantID: p.ID, CentreID: p.CentreID, Consent: true, FiledBy: "seed",
			Period: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Members: []domain.PersonID{p.ID}})
		if err != nil {
			t.Fatal(err)
		}
		d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "DNJP",
			Amount: decimal.RequireFromString("87.24"), PeriodFrom: c.Period, PreparedBy: "a", ApprovedBy: "b", IssuedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		task, err := db.CreateTask(ctx, store.Task{ID: "claim:" + c.Number + ":review-1", WorkflowID: "claim/" + c.Number, Type: "claim.review",
			Subject: c.Number, PersonID: p.ID, CentreID: p.CentreID, CandidateRole: "caseworker", DueAt: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		return c, d, task
	}
	ownClaim, ownDecision, ownTask := seedClaim(own)
	otherClaim, otherDecision, otherTask := seedClaim(other)
	// The board's reassignment moves a task of its own, so that the task
	// routes after it still find theirs unclaimed.
	spareTask, spareErr := db.CreateTask(ctx, store.Task{ID: ownTask.ID + "-spare", WorkflowID: ownTask.WorkflowID, Type: "claim.review",
		Subject: ownTask.Subject, PersonID: ownTask.PersonID, CentreID: ownTask.CentreID, CandidateRole: "caseworker", DueAt: time.Now().Add(time.Hour)})
	if spareErr != nil {
		t.Fatal(spareErr)
	}
	seedDocument := func(c store.Claim) string {
		d, err := db.CreateDocument(ctx, store.Document{ClaimNumber: c.Number, Kind: "evidence", ObjectKey: "claims/" + c.Number + "/x", SHA256: "x",
			ContentType: "application/pdf", Size: 1, UploadedBy: "seed"})
		if err != nil {
			t.Fatal(err)
		}
		return d.ID
	}
	ownDocument, otherDocument := seedDocument(ownClaim), seedDocument(otherClaim)
	seedCase := func(p domain.Person) (string, string) {
		number, err := db.NextCaseNumber(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: "P07", Version: 1, CentreID: p.CentreID,
			Status: "open", Stage: "opening", OpenedBy: "seed", OpenedAt: time.Now(), Persons: []store.CasePerson{{PersonID: p.ID, Role: "beneficiary"}}}}); err != nil {
			t.Fatal(err)
		}
		d, err := db.IssueCaseDecision(ctx, store.CaseDecision{CaseNumber: number, Seq: 1, Kind: "x", Reasoning: "seed", PreparedBy: "a", ApprovedBy: "b",
			IssuedAt: time.Now()}, p.CentreID, func(store.CaseDecision) (string, string, error) { return "", "", nil })
		if err != nil {
			t.Fatal(err)
		}
		return number, d.ID
	}
	ownCase, ownCaseDecision := seedCase(own)
	otherCase, otherCaseDecision := seedCase(other)
	seedDV := func(p domain.Person, police string) string {
		n, _, err := db.RecordDVNotification(ctx, store.DVNotification{Direction: "from_police", PoliceReference: police, Sender: "police-system",
			ReceivedAt: time.Now(), OccurredAt: time.Now(), Municipality: "ME-16", CentreID: p.CentreID, Description: "seed notification",
			Body: json.RawMessage(`{}`), State: "received", Persons: []store.DVPerson{{Role: "victim", PersonID: p.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		return n.Reference
	}
	ownDV, otherDV := seedDV(own, "UP-SEED-1"), seedDV(other, "UP-SEED-2")
	seedReferral := func(p domain.Person, c store.Claim, d store.Decision) (string, string) {
		e, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
			Amount: decimal.RequireFromString("87.91"), Periodicity: "monthly", ValidFrom: c.Period})
		if err != nil {
			t.Fatal(err)
		}
		r, err := db.CreateReferral(ctx, store.Referral{PersonID: p.ID, EntitlementID: e.ID, CentreID: p.CentreID, ReferredBy: "seed", ReferredAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		ad, err := db.IssueActivationDecision(ctx, store.ActivationDecision{ReferralID: r.ID, Seq: 1, EntitlementID: e.ID, Measure: "suspend",
			EffectiveFrom: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Reasoning: "seed", PreparedBy: "a", ApprovedBy: "b", IssuedAt: time.Now()},
			p.CentreID, func(store.ActivationDecision) (string, string, error) { return "", "", nil })
		if err != nil {
			t.Fatal(err)
		}
		return r.ID, ad.ID
	}
	ownReferral, ownActivationDecision := seedReferral(own, ownClaim, ownDecision)
	otherReferral, otherActivationDecision := seedReferral(other, otherClaim, otherDecision)
	// The demo employer's leave, handled in Podgorica ("own"); another
	// employer's, handled in Nikšić ("other"); a decision on each.
	seedRefund := func(pib, centre string, serial int) (string, string) {
		e, _ := domain.MakeJMBG(time.Date(1991, 3, 3, 0, 0, 0, 0, time.UTC), 21, 500+serial)
		c, _ := domain.MakeJMBG(time.Date(2026, 7, 29, 0, 0, 0, 0, time.UTC), 21, serial)
		first := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
		l, err := db.FileRefundLeave(ctx, store.Employer{PIB: pib, Name: "Firma", IBAN: "ME25510000000265528422", CentreID: centre},
			store.RefundLeave{Benefit: "RNZ", Kind: "maternity", EmployeeJMBG: e, ChildJMBG: c, FirstDay: first, LastDay: first.AddDate(0, 0, 97),
				PayeeIBAN: "ME25510000000265528422", FiledBy: "seed", FiledAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		d, err := db.IssueRefundDecision(ctx, store.RefundDecision{LeaveNumber: l.Number, CentreID: centre, Kind: "rejection", PreparedBy: "a",
			ApprovedBy: "b", IssuedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return l.Number, d.ID
	}
	ownLeave, ownRefundDecision := seedRefund("02655284", "csr-podgorica", 1)
	otherLeave, otherRefundDecision := seedRefund("02000008", "csr-niksic", 2)
	notification := func(ref, municipality string, p domain.Person) string {
		return fmt.Sprintf(`{"police_reference":%q,"occurred_at":"2026-11-29T22:00:00Z","place":{"municipality":%q},`+
			`"description":"Neighbours called the police after a fight.","persons":[{"role":"victim","jmbg":%q}],`+
			`"officer":{"name":"Marko Perić","badge":"4471"}}`, ref, municipality, p.JMBG)
	}

	type variant struct{ path, body string }
	variants := func(rt api.Route) map[string]variant {
		sub := func(o, x string) map[string]variant {
			r := strings.NewReplacer(":id", o, ":number", o)
			s := strings.NewReplacer(":id", x, ":number", x)
			return map[string]variant{"own": {r.Replace(rt.Path), ""}, "other": {s.Replace(rt.Path), ""}}
		}
		switch {
		case strings.HasPrefix(rt.Path, "/api/v1/persons/"), strings.HasPrefix(rt.Path, "/api/v1/audit/persons/"):
			return sub(string(own.ID), string(other.ID))
		case strings.HasPrefix(rt.Path, "/api/v1/claims/"):
			return sub(ownClaim.Number, otherClaim.Number)
		case strings.HasPrefix(rt.Path, "/api/v1/decisions/"):
			return sub(ownDecision.ID, otherDecision.ID)
		case strings.HasPrefix(rt.Path, "/api/v1/documents/"):
			return sub(ownDocument, otherDocument)
		case rt.Path == "/api/v1/tasks/workload": // the reader's own centre's, always
			return map[string]variant{"own": {rt.Path, ""}}
		case rt.Path == "/api/v1/tasks/reassign": // tasks of the reader's own centre only (another's: a 400 naming it)
			return map[string]variant{"own": {rt.Path, fmt.Sprintf(`{"task_ids":[%q],"to":"ivan.caseworker","reason":"matrix"}`, spareTask.ID)}}
		case strings.HasPrefix(rt.Path, "/api/v1/tasks/"):
			return sub(ownTask.ID, otherTask.ID)
		case strings.HasPrefix(rt.Path, "/api/v1/cases/"):
			v := sub(ownCase, otherCase)
			for k, x := range v {
				x.path = strings.Replace(x.path, ":stage", "opening", 1)
				v[k] = x
			}
			return v
		case rt.Path == "/api/v1/violence-notifications":
			return map[string]variant{"own": {rt.Path, notification("UP-M-1", "Podgorica", own)}, "other": {rt.Path, notification("UP-M-2", "Nikšić", other)}}
		case strings.HasPrefix(rt.Path, "/api/v1/violence-notifications/"):
			r, x := strings.Replace(rt.Path, ":reference", ownDV, 1), strings.Replace(rt.Path, ":reference", otherDV, 1)
			return map[string]variant{"own": {r, ""}, "other": {x, ""}}
		case rt.Path == "/api/v1/violence-reports":
			report := func(p domain.Person) string {
				return fmt.Sprintf(`{"occurred_at":"2026-11-29T22:00:00Z","place":{"municipality":"Podgorica"},"description":"The mother told the school.",`+
					`"persons":[{"role":"victim","person_id":%q}],"risk_level":"medium"}`, p.ID)
			}
			return map[string]variant{"own": {rt.Path, report(own)}, "other": {rt.Path, report(other)}}
		case strings.HasPrefix(rt.Path, "/api/v1/bi/reports/"), strings.HasPrefix(rt.Path, "/api/v1/bi/controls/"): // the reader's own centre's, or every centre's
			return map[string]variant{"own": {strings.NewReplacer(":name", map[bool]string{true: "recipients", false: "incompatible"}[strings.Contains(rt.Path, "reports")]).Replace(rt.Path), ""}}
		case rt.Path == "/api/v1/bi/annual/:centre": // a centre's annual report (a year without its facts: a 409 after the policy allowed it)
			return map[string]variant{"own": {"/api/v1/bi/annual/csr-podgorica?year=2026", ""}, "other": {"/api/v1/bi/annual/csr-niksic?year=2026", ""}}
		case rt.Path == "/api/v1/bi/:fact": // a centre's own figures; another's by its filter
			return map[string]variant{"own": {"/api/v1/bi/payments?axes=benefit", ""}, "other": {"/api/v1/bi/claims?filter=organisation.centre=csr-niksic", ""}}
		case rt.Path == "/api/v1/registers/guardians", rt.Path == "/api/v1/registers/foster-carers":
			return map[string]variant{"own": {rt.Path, ""}, "other": {rt.Path + "?centre_id=csr-niksic", ""}}
		case rt.Path == "/api/v1/registers/beneficiaries":
			return map[string]variant{"own": {rt.Path + "?benefit=MO", ""}, "other": {rt.Path + "?benefit=MO&centre_id=csr-niksic", ""}}
		case rt.Path == "/api/v1/registers/carers/:id/assessments":
			v := sub(string(own.ID), string(other.ID))
			for k, x := range v {
				x.body = `{"kind":"suitability","role":"foster_carer","held_on":"` + time.Now().AddDate(0, 0, -7).Format(time.DateOnly) + `","outcome":"suitable"}`
				v[k] = x
			}
			return v
		case rt.Path == "/api/v1/dv-register":
			return map[string]variant{"own": {rt.Path, ""}, "other": {rt.Path + "?centre_id=csr-niksic", ""}}
		case strings.HasPrefix(rt.Path, "/api/v1/activation/referrals/"):
			return sub(ownReferral, otherReferral)
		case strings.HasPrefix(rt.Path, "/api/v1/activation-decisions/"):
			return sub(ownActivationDecision, otherActivationDecision)
		case rt.Method == "POST" && rt.Path == "/api/v1/activation/referrals":
			return map[string]variant{"own": {rt.Path, fmt.Sprintf(`{"person_id":%q}`, own.ID)}, "other": {rt.Path, fmt.Sprintf(`{"person_id":%q}`, other.ID)}}
		case strings.HasPrefix(rt.Path, "/api/v1/case-decisions/"):
			return sub(ownCaseDecision, otherCaseDecision)
		case strings.HasPrefix(rt.Path, "/api/v1/refund-leaves/"):
			return sub(ownLeave, otherLeave)
		case strings.HasPrefix(rt.Path, "/api/v1/refund-decisions/"):
			return sub(ownRefundDecision, otherRefundDecision)
		case rt.Method == "GET" && rt.Path == "/api/v1/refund-leaves":
			return map[string]variant{"own": {rt.Path, ""}, "other": {rt.Path + "?centre_id=csr-niksic", ""}}
		case rt.Method == "POST" && rt.Path == "/api/v1/refund-leaves":
			leave := `{%s"employee_jmbg":"0303991215503","kind":"parental","first_day":"2026-08-01","last_day":"2026-09-30",` +
				`"child_jmbg":"2907026215001","payee_account":"ME25510000000265528422"}`
			return map[string]variant{"own": {rt.Path, fmt.Sprintf(leave, "")}, "other": {rt.Path, fmt.Sprintf(leave, `"employer_pib":"02000008",`)}}
		case rt.Method == "GET" && rt.Path == "/api/v1/cases":
			return map[string]variant{"own": {rt.Path, ""}, "other": {rt.Path + "?centre_id=csr-niksic", ""}}
		case rt.Method == "POST" && rt.Path == "/api/v1/cases":
			intake := `"intake":{"source":"walk_in","description":"A family asks for counselling.","urgency":"routine","outcome":"open_case"}`
			return map[string]variant{
				"own":   {rt.Path, fmt.Sprintf(`{"procedure":"P07","persons":[{"person_id":%q,"role":"beneficiary"}],%s}`, own.ID, intake)},
				"other": {rt.Path, fmt.Sprintf(`{"procedure":"P07","persons":[{"person_id":%q,"role":"beneficiary"}],%s}`, other.ID, intake)}}
		case rt.Method == "GET" && rt.Path == "/api/v1/persons":
			return map[string]variant{"own": {rt.Path + "?jmbg=" + string(own.JMBG), ""}, "other": {rt.Path + "?jmbg=" + string(other.JMBG), ""}}
		case rt.Method == "POST" && rt.Path == "/api/v1/persons":
			return map[string]variant{
				"own":   {rt.Path, fmt.Sprintf(`{"jmbg":%q,"given_name":"Nova","family_name":"Osoba","address":{"municipality":"Podgorica","settlement":"Podgorica"}}`, newJMBG(21))},
				"other": {rt.Path, fmt.Sprintf(`{"jmbg":%q,"given_name":"Nova","family_name":"Osoba","address":{"municipality":"Nikšić","settlement":"Nikšić"}}`, newJMBG(26))}}
		case rt.Method == "POST" && rt.Path == "/api/v1/claims":
			return map[string]variant{
				"own":   {rt.Path, fmt.Sprintf(`{"benefit":"JNP","applicant_person_id":%q,"consent":true,"declared":{"requested_amount":"10"}}`, own.ID)},
				"other": {rt.Path, fmt.Sprintf(`{"benefit":"JNP","applicant_person_id":%q,"consent":true,"declared":{"requested_amount":"10"}}`, other.ID)}}
		case strings.Contains(rt.Path, ":period"):
			return map[string]variant{"own": {strings.Replace(rt.Path, ":period", "2026-11", 1), ""}}
		case rt.Path == "/api/v1/payrolls":
			return map[string]variant{"own": {rt.Path, `{"period":"2026-11"}`}}
		}
		// Routes without a record: the same request stands for both.
		return map[string]variant{"own": {rt.Path, ""}}
	}
	bodies := map[string]string{
		"/api/v1/persons/:id/evidence/refresh":              `{}`,
		"/api/v1/persons/:id/corrections":                   `{"given_name":"Test","family_name":"Osoba","address":{"municipality":"Podgorica","settlement":"Podgorica"},"reason":"matrix"}`,
		"/api/v1/claims/:number/withdraw":                   `{"reason":"matrix"}`,
		"/api/v1/claims/:number/documents":                  `{}`,
		"/api/v1/tasks/:id/delegate":                        `{"to":"ivan.caseworker"}`,
		"/api/v1/tasks/:id/complete":                        `{"outcome":"accept"}`,
		"/api/v1/cases/:number/stages/:stage":               `{"data":{"case_manager":"ana.caseworker"}}`,
		"/api/v1/cases/:number/actions":                     `{"action":"note","data":{"text":"matrix"}}`,
		"/api/v1/violence-notifications/:reference/updates": `{"update_id":"u1","kind":"court_outcome","at":"2026-11-30T10:00:00Z","outcome":"fined"}`,
		"/api/v1/violence-notifications/:reference/case":    `{"case_number":""}`,
		"/api/v1/activation/referrals/:id/steps":            `{"step_id":"ZZZ-1","kind":"plan_created","occurred_at":"2026-11-01T10:00:00Z"}`,
		"/api/v1/decisions/:id/delivery":                    `{"delivered_on":"` + time.Now().Format(time.DateOnly) + `"}`,
		"/api/v1/decisions/:id/appeals":                     `{"filed_on":"` + time.Now().Format(time.DateOnly) + `","grounds":"matrix"}`,
		"/api/v1/refund-leaves/:number/end":                 `{"last_day":"2026-08-31","reason":"return_to_work"}`,
		"/api/v1/providers":                                 `{"name":"Matrica","pib":"02655284","address":{"street":"Ulica 1","municipality":"ME-16"},"founded_on":"2020-01-01"}`,
		"/api/v1/providers/:id/licences":                    `{"number":"L-MATRIX","service":"counselling","valid_from":"2026-01-01"}`,
		"/api/v1/providers/:id/licences/:number/withdraw":   `{"reason":"matrix"}`,
		"/api/v1/professionals":                             `{"username":"ivan.caseworker"}`,
		"/api/v1/professionals/:id/exam":                    `{"passed_on":"2020-01-01"}`,
		"/api/v1/professionals/:id/licences":                `{"number":"LR-MATRIX","valid_from":"2026-01-01"}`,
		"/api/v1/courses/:code/enrolment":                   `{}`,
		"/api/v1/courses/:code/attempts":                    `{"version":1,"answers":[0]}`,
	}
	users := map[domain.Role]string{}
	for _, u := range domain.DemoUsers() {
		if _, seen := users[u.Role]; !seen && (u.CentreID == "" || u.CentreID == "csr-podgorica") {
			users[u.Role] = u.Username
		}
	}
	auditCount := func() int {
		var n int
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	requests := 0
	for _, rt := range api.Routes() {
		grants, ok := allowed[rt.Resource+":"+rt.Action]
		if !ok {
			t.Errorf("route %s %s (%s:%s) has no row in the access table", rt.Method, rt.Path, rt.Resource, rt.Action)
			continue
		}
		for name, v := range variants(rt) {
			body := v.body
			if body == "" {
				body = bodies[rt.Path]
			}
			// Without a token: refused (429 once this address has sent too
			// many), counted in aggregate and not chained (see gate).
			before := auditCount()
			if code, b := doAs(t, ts, "", rt.Method, v.path, body); code != http.StatusUnauthorized && code != http.StatusTooManyRequests {
				t.Errorf("%s %s without a token = %d %s; want 401 (or 429)", rt.Method, v.path, code, b)
			}
			if n := auditCount() - before; n != 0 {
				t.Errorf("%s %s without a token wrote %d audit records; want none", rt.Method, rt.Path, n)
			}
			for role, username := range users {
				want := false
				for _, g := range grants[role] {
					want = want || g == name
				}
				before := auditCount()
				code, b := doAs(t, ts, username, rt.Method, v.path, body)
				requests++
				// The policy's refusals say "may not"; a 403 for another
				// reason (a task held by someone else) is the task's state,
				// after the policy allowed the call.
				policyDenied := code == http.StatusForbidden && strings.Contains(string(b), " may not ")
				if code == http.StatusNotFound && (sealedResource(rt.Resource) || role.Outside()) && !want {
					policyDenied = true
				}
				if role == domain.RoleCitizen && rt.Method == "GET" && rt.Path == "/api/v1/persons" && strings.HasPrefix(string(b), `{"persons":[],"total":0,`) {
					policyDenied = true // a citizen's search finds the citizen only
				}
				switch {
				case want && (code == http.StatusUnauthorized || policyDenied):
					t.Errorf("%s %s %s as %s (%s) = %d %s; want access", name, rt.Method, rt.Path, username, role, code, b)
				case !want && !policyDenied:
					t.Errorf("%s %s %s as %s (%s) = %d %s; want 403", name, rt.Method, rt.Path, username, role, code, b)
				case code >= 500 && code != http.StatusServiceUnavailable:
					t.Errorf("%s %s %s as %s = %d %s; a 5xx other than 503 (Temporal down)", name, rt.Method, rt.Path, username, code, b)
				}
				if rt.Audited {
					if n := auditCount() - before; n != 1 {
						t.Errorf("%s %s %s as %s wrote %d audit records; want 1", name, rt.Method, rt.Path, username, n)
					}
				}
			}
		}
	}
	if requests < 300 {
		t.Errorf("the matrix sent %d requests; want every route x role x centre", requests)
	}
	if _, broken, why, err := db.VerifyAudit(ctx); err != nil || broken != 0 {
		t.Errorf("audit chain after the matrix: broken at %d (%s), %v", broken, why, err)
	}
	// A denied access names whose data was asked for, too.
	var persons int
	err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE outcome = 'denied' AND person_ids @> ARRAY[$1]::uuid[]`, string(other.ID)).Scan(&persons)
	if err != nil || persons == 0 {
		t.Errorf("no denied audit record names the other centre's person (%v)", err)
	}
}

// sealedResource: the DV compartment's resources and the residents'
// medical records (issue 22), which answer 404 to those outside them.
func sealedResource(r string) bool {
	return r == "dv_case" || r == "dv_notification" || r == "dv_report" || r == "dv_register" || r == "medical_record"
}

var jmbgSerial = 100

func newJMBG(region int) string {
	jmbgSerial++
	j, err := domain.MakeJMBG(time.Date(1990, 2, 2, 0, 0, 0, 0, time.UTC), region, jmbgSerial)
	if err != nil {
		panic(err)
	}
	return string(j)
}
