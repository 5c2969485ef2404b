package api

import (
	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
)

// The domestic-violence compartment (docs/security.md): its notifications,
// tasks, cases and their sub-procedures exist only for the staff cleared
// for it in the centre. For anyone else they answer 404 and are absent from
// lists, counts, boards, e-files and access logs; every access to them is
// written to the audit log as restricted, which only auditors read.

// mayDV reports whether the policy clears the user for the DV compartment
// of their centre.
func (h *handler) mayDV(c *gin.Context) bool {
	u := userOf(c)
	return u.CentreID != "" && h.enforcer.Allow(string(u.Role), u.CentreID, u.CentreID, "dv_case", "read")
}

// cleared lists the compartments the user may see.
func (h *handler) cleared(c *gin.Context) []string {
	if h.mayDV(c) {
		return []string{domain.CompartmentDV}
	}
	return []string{}
}

// sees reports whether a record of compartment ("" for none) exists for
// the user.
func (h *handler) sees(c *gin.Context, compartment string) bool {
	return compartment == "" || (compartment == domain.CompartmentDV && h.mayDV(c))
}

// restrict marks the request's audit record restricted: it touched the
// compartment, so it never shows in a citizen's access log or an e-file.
func restrict(c *gin.Context) { c.Set("audit_restricted", true) }

// compartmentOf is the compartment of a case.
func compartmentOf(dv bool) string {
	if dv {
		return domain.CompartmentDV
	}
	return ""
}
