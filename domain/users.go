package domain

import "sort"

// Role is what a user may do; the Casbin policy (policies/) maps roles to
// resources and actions within a scope.
type Role string

// The roles of the brief.
const (
	RoleCaseworker        Role = "caseworker"
	RoleSupervisor        Role = "supervisor"
	RoleCentreHead        Role = "centre_head"
	RoleDVCaseworker      Role = "dv_caseworker"
	RoleDVSupervisor      Role = "dv_supervisor"
	RoleFinanceOfficer    Role = "finance_officer"
	RoleMinistryAnalyst   Role = "ministry_analyst"
	RoleAppealsOfficer    Role = "appeals_officer" // the ministry's second instance on appeals (issue 16)
	RolePoliceOfficer     Role = "police_officer"
	RoleEmploymentOfficer Role = "employment_officer"
	RoleEmployer          Role = "employer"
	RoleCitizen           Role = "citizen"
	RoleAuditor           Role = "auditor"
	RoleAdmin             Role = "admin"
	// RoleMinistryOfficer publishes new values of the law's parameters
	// (indexation), each approved by a second one (issue 16).
	RoleMinistryOfficer Role = "ministry_officer"
	// RoleProviderMaintainer files a social service provider's
	// e-applications for licences (issue 21); their token's PIB is the
	// provider they act for.
	RoleProviderMaintainer Role = "provider_maintainer"
	// The staff of a residential institution (issue 22), each acting for
	// the institution their token names: the social service (admission,
	// individual plan, notes, the referral's answer), the medical service
	// (nurses and doctors: medical records, prescriptions, doses), the
	// pharmacy (stock), the cash desk, the gatehouse, and the director.
	RoleInstitutionSocialWorker Role = "institution_social_worker"
	RoleInstitutionMedical      Role = "institution_medical"
	RoleInstitutionPharmacist   Role = "institution_pharmacist"
	RoleInstitutionCashier      Role = "institution_cashier"
	RoleInstitutionGatekeeper   Role = "institution_gatekeeper"
	RoleInstitutionDirector     Role = "institution_director"
	// RoleProviderStaff is a licensed provider's staff member acting as a
	// delegated processor (issue 23): their token's PIB is the provider
	// they work for; they see only the persons referred to it, under a
	// centre's delegation in force.
	RoleProviderStaff Role = "provider_staff"
)

// InstitutionRoles lists the roles of an institution's staff.
func InstitutionRoles() []Role {
	return []Role{RoleInstitutionSocialWorker, RoleInstitutionMedical, RoleInstitutionPharmacist, RoleInstitutionCashier,
		RoleInstitutionGatekeeper, RoleInstitutionDirector}
}

// Institution reports whether r is a role of an institution's staff.
func (r Role) Institution() bool {
	for _, x := range InstitutionRoles() {
		if x == r {
			return true
		}
	}
	return false
}

// Roles lists every role.
func Roles() []Role {
	return []Role{RoleCaseworker, RoleSupervisor, RoleCentreHead, RoleDVCaseworker, RoleDVSupervisor, RoleFinanceOfficer, RoleMinistryAnalyst,
		RoleAppealsOfficer, RolePoliceOfficer, RoleEmploymentOfficer, RoleEmployer, RoleCitizen, RoleAuditor, RoleAdmin,
		RoleMinistryOfficer, RoleProviderMaintainer, RoleInstitutionSocialWorker, RoleInstitutionMedical, RoleInstitutionPharmacist,
		RoleInstitutionCashier, RoleInstitutionGatekeeper, RoleInstitutionDirector, RoleProviderStaff}
}

// Acts reports whether a user of role r acts as role want: the same role,
// or one that inherits it (a centre head and a DV caseworker act as
// caseworkers; a centre head as a supervisor; a DV supervisor as a
// supervisor and a DV caseworker).
func (r Role) Acts(want Role) bool {
	switch {
	case r == want:
		return true
	case want == RoleCaseworker:
		return r == RoleSupervisor || r == RoleCentreHead || r == RoleDVCaseworker || r == RoleDVSupervisor
	case want == RoleSupervisor:
		return r == RoleCentreHead || r == RoleDVSupervisor
	case want == RoleDVCaseworker:
		return r == RoleDVSupervisor
	}
	return false
}

// Outside reports whether the role is someone outside the social work
// centres and the ministry: a citizen, or another institution (police,
// employment agency, employer, a provider, a residential institution's
// staff). A refusal tells them nothing: what they may not see does not
// exist for them.
func (r Role) Outside() bool {
	switch r {
	case RoleCitizen, RolePoliceOfficer, RoleEmploymentOfficer, RoleEmployer, RoleProviderMaintainer, RoleProviderStaff:
		return true
	}
	return r.Institution()
}

// CompartmentMedical is the residents' medical records (issue 22): they
// exist only for an institution's medical staff.
const CompartmentMedical = "medical"

// CompartmentDV is the domestic-violence compartment: its notifications,
// tasks, cases and their sub-procedures exist only for the staff cleared
// for it in the centre (DOMAIN.md §5.6).
const CompartmentDV = "dv"

// In is the role that does work of role r inside a compartment: in the DV
// compartment a caseworker's work goes to the DV caseworkers and a
// supervisor's or head's (approvals, escalations) to the DV supervisors,
// so that nobody outside the compartment is ever asked to act on it.
func (r Role) In(compartment string) Role {
	if compartment != CompartmentDV {
		return r
	}
	switch r {
	case RoleCaseworker:
		return RoleDVCaseworker
	case RoleSupervisor, RoleCentreHead:
		return RoleDVSupervisor
	}
	return r
}

// User is someone, or some system, that works in Karton: a verified
// token's subject.
type User struct {
	Username string
	Name     string
	Role     Role
	CentreID string // empty for ministry-wide roles, citizens and other institutions
	JMBG     JMBG   // citizens: whose data is their own
	Machine  bool   // a client of another institution (OAuth2 client credentials)
	// PIB is the company an employer's user or payroll system acts for
	// (issue 18): its refunds are the employer's own data.
	PIB PIB
	// InstitutionID is the residential institution an institution's staff
	// member works in (issue 22): the scope of everything they do.
	InstitutionID string
}

// Home is the organisation a user acts in, the policy's home: their
// institution for an institution's staff, their provider's PIB for a
// provider's staff, else their centre (empty for the ministry, citizens
// and other institutions).
func (u User) Home() string {
	if u.Role.Institution() {
		return u.InstitutionID
	}
	if u.Role == RoleProviderStaff {
		return string(u.PIB)
	}
	return u.CentreID
}

// DemoUsers are the people and systems of `karton dev`'s development
// issuer. The citizen is the person of the README's example.
var demoUsers = []User{
	{Username: "ana.caseworker", Name: "Ana Radović", Role: RoleCaseworker, CentreID: "csr-podgorica"},
	{Username: "ivan.caseworker", Name: "Ivan Bošković", Role: RoleCaseworker, CentreID: "csr-podgorica"},
	{Username: "marko.supervisor", Name: "Marko Vuković", Role: RoleSupervisor, CentreID: "csr-podgorica"},
	{Username: "sanja.head", Name: "Sanja Perović", Role: RoleCentreHead, CentreID: "csr-podgorica"},
	{Username: "dragana.dv", Name: "Dragana Vujović", Role: RoleDVCaseworker, CentreID: "csr-podgorica"},
	{Username: "milena.dvsupervisor", Name: "Milena Šćepanović", Role: RoleDVSupervisor, CentreID: "csr-podgorica"},
	{Username: "jelena.caseworker", Name: "Jelena Lekić", Role: RoleCaseworker, CentreID: "csr-niksic"},
	{Username: "petar.supervisor", Name: "Petar Knežević", Role: RoleSupervisor, CentreID: "csr-niksic"},
	{Username: "mila.caseworker", Name: "Mila Hodžić", Role: RoleCaseworker, CentreID: "csr-bar"},
	{Username: "vuk.supervisor", Name: "Vuk Popović", Role: RoleSupervisor, CentreID: "csr-bar"},
	{Username: "nina.finance", Name: "Nina Đukanović", Role: RoleFinanceOfficer},
	{Username: "marija.finance", Name: "Marija Raičević", Role: RoleFinanceOfficer},
	{Username: "luka.analyst", Name: "Luka Marković", Role: RoleMinistryAnalyst},
	{Username: "vesna.appeals", Name: "Vesna Bulatović", Role: RoleAppealsOfficer},
	{Username: "tea.auditor", Name: "Tea Kalač", Role: RoleAuditor},
	{Username: "admin", Name: "System administrator", Role: RoleAdmin},
	{Username: "citizen.demo", Name: "Stefan Bulatović", Role: RoleCitizen, JMBG: "2101006500003"},
	{Username: "police-system", Name: "Police information system", Role: RolePoliceOfficer, Machine: true},
	{Username: "employment-system", Name: "Employment Agency system", Role: RoleEmploymentOfficer, Machine: true},
	{Username: "zorana.zzz", Name: "Zorana Milić", Role: RoleEmploymentOfficer},
	{Username: "employer-02655284", Name: "Demo d.o.o. (PIB 02655284)", Role: RoleEmployer, Machine: true, PIB: "02655284"},
	{Username: "maja.employer", Name: "Maja Kovačević (Demo d.o.o.)", Role: RoleEmployer, PIB: "02655284"},
	{Username: "goran.ministry", Name: "Goran Vujošević", Role: RoleMinistryOfficer},
	{Username: "jovana.ministry", Name: "Jovana Pejović", Role: RoleMinistryOfficer},
	// Providers' maintainers (issue 21): one of a company not yet on the
	// register, one of a demo provider on it (devstack/demo_providers.go).
	{Username: "nikola.maintainer", Name: "Nikola Vučinić (Centar Oslonac d.o.o.)", Role: RoleProviderMaintainer, PIB: "03111008"},
	{Username: "dusica.maintainer", Name: "Dušica Bojović (Pomoć u kući Nikšić d.o.o.)", Role: RoleProviderMaintainer, PIB: "02000008"},
	// The staff of the demo residential institutions (issue 22,
	// devstack/demo_institutions.go): the home for the elderly Grabovac
	// has every service; Bijelo Polje's home and the children's home
	// Mladost a social worker each.
	{Username: "bojana.social", Name: "Bojana Ivanović", Role: RoleInstitutionSocialWorker, InstitutionID: "dom-grabovac"},
	{Username: "milan.nurse", Name: "Milan Đurović", Role: RoleInstitutionMedical, InstitutionID: "dom-grabovac"},
	{Username: "olivera.pharmacist", Name: "Olivera Kovač", Role: RoleInstitutionPharmacist, InstitutionID: "dom-grabovac"},
	{Username: "dejan.cashier", Name: "Dejan Perišić", Role: RoleInstitutionCashier, InstitutionID: "dom-grabovac"},
	{Username: "rade.gate", Name: "Rade Mijatović", Role: RoleInstitutionGatekeeper, InstitutionID: "dom-grabovac"},
	{Username: "vera.director", Name: "Vera Stanišić", Role: RoleInstitutionDirector, InstitutionID: "dom-grabovac"},
	{Username: "senad.social", Name: "Senad Muratović", Role: RoleInstitutionSocialWorker, InstitutionID: "dom-bijelo-polje"},
	{Username: "ivana.social", Name: "Ivana Radulović", Role: RoleInstitutionSocialWorker, InstitutionID: "dom-mladost"},
	// Providers' staff (issue 23): the day-care centre Sunce (its staff
	// and its own software, a client of the API) and the home-help
	// provider of Nikšić.
	{Username: "tamara.sunce", Name: "Tamara Bulatović (Dnevni centar Sunce)", Role: RoleProviderStaff, PIB: "02655284"},
	{Username: "sunce-system", Name: "Dnevni centar Sunce: evidencija usluga", Role: RoleProviderStaff, PIB: "02655284", Machine: true},
	{Username: "dusan.pomoc", Name: "Dušan Lakić (Pomoć u kući Nikšić)", Role: RoleProviderStaff, PIB: "02000008"},
}

// DemoUsers lists the demo users.
func DemoUsers() []User { return append([]User(nil), demoUsers...) }

// DemoUser returns the demo user called username.
func DemoUser(username string) (User, bool) {
	for _, u := range demoUsers {
		if u.Username == username {
			return u, true
		}
	}
	return User{}, false
}

// Staff are the people (not systems) of a centre who act as role, by
// name: whom a case may be given to (issue 17: a case manager is chosen
// from the centre's staff, never typed).
func Staff(centreID string, role Role) []User {
	var out []User
	for _, u := range demoUsers {
		if u.CentreID == centreID && centreID != "" && !u.Machine && u.Role.Acts(role) {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
