package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
)

// The provider's pages (issue 23 items 1 and 3): a provider's staff land
// on /provider, their provider's contracts with the places used and free,
// and the persons referred to it that they may see today (by name when
// the delegation's scope holds the identity), each opening
// /provider/persons/{id}: what the scope allows and the referrals to the
// provider. Both pages read the API with the user's token: a person
// without a referral under a delegation in force is the API's 404 here
// too, and the pages name nobody else.

// registerProvider adds the provider's pages and the contracts' and
// delegations' pages of the centres and the ministry (servicecontracts.go).
func (s *server) registerProvider(page, form func(string, gin.HandlerFunc)) {
	page("/provider", s.providerHome)
	page("/provider/persons/:id", s.providerPersonPage)
	s.registerServiceContracts(page, form)
}

// providerLinks are the provider's other pages, each built by its own
// part of issue 23.
var providerLinks = []struct{ Path, Key string }{
	{"/provider/referrals", "sp.link_referrals"},
	{"/provider/service-use", "sp.link_service_use"},
	{"/provider/cost-reports", "sp.link_cost_reports"},
	{"/provider/waiting-list", "sp.link_waiting_list"},
}

// providerHome is a provider's staff's home.
func (s *server) providerHome(c *gin.Context) {
	var persons struct {
		ProviderName string `json:"provider_name"`
		Persons      []obj
	}
	if r := s.getJSON(c, "/api/v1/provider/persons?lang="+s.lang(c), &persons); !r.ok() {
		s.refused(c, r)
		return
	}
	var contracts struct{ Contracts []obj }
	if r := s.getJSON(c, "/api/v1/service-contracts?lang="+s.lang(c), &contracts); !r.ok() {
		s.refused(c, r)
		return
	}
	name := persons.ProviderName
	if name == "" && len(contracts.Contracts) > 0 {
		name = str(contracts.Contracts[0]["provider_name"])
	}
	s.render(c, http.StatusOK, "provider_home", gin.H{"ProviderName": name, "Persons": persons.Persons, "Contracts": contracts.Contracts,
		"Links": providerLinks})
}

// providerPersonPage is a person referred to the provider, as its staff
// may see them.
func (s *server) providerPersonPage(c *gin.Context) {
	var p obj
	if r := s.getJSON(c, "/api/v1/provider/persons/"+url.PathEscape(c.Param("id"))+"?lang="+s.lang(c), &p); !r.ok() {
		s.refused(c, r)
		return
	}
	s.render(c, http.StatusOK, "provider_person", gin.H{"P": p})
}
