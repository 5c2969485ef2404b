package domain

// Role is what a user may do; Casbin policies (issue [3]) will map roles
// to resources and actions.
type Role string

// Roles that act in the procedures so far.
const (
	RoleCaseworker Role = "caseworker"
	RoleSupervisor Role = "supervisor"
)

// User is someone who works in the system.
type User struct {
	Username string
	Name     string
	Role     Role
	CentreID string
}

// DemoUsers are the people of `karton dev`: until real login arrives they
// act through the X-Karton-User header.
var demoUsers = []User{
	{"ana.caseworker", "Ana Radović", RoleCaseworker, "csr-podgorica"},
	{"ivan.caseworker", "Ivan Bošković", RoleCaseworker, "csr-podgorica"},
	{"marko.supervisor", "Marko Vuković", RoleSupervisor, "csr-podgorica"},
	{"jelena.caseworker", "Jelena Lekić", RoleCaseworker, "csr-niksic"},
	{"petar.supervisor", "Petar Knežević", RoleSupervisor, "csr-niksic"},
	{"mila.caseworker", "Mila Hodžić", RoleCaseworker, "csr-bar"},
	{"vuk.supervisor", "Vuk Popović", RoleSupervisor, "csr-bar"},
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
