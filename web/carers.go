package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
)

// The staff's registers (issue 21): guardians, foster carers and the
// beneficiaries of a benefit on a day, one at a time, filtered by centre,
// read through the API as the user (who may read only their centre's, the
// ministry every centre's; every person listed is audited there).

// registers are the registers the page shows, in the order of its tabs.
var registers = []string{"guardians", "foster-carers", "beneficiaries"}

// registersPage answers GET /registers: ?register= (guardians, the
// default, foster-carers or beneficiaries), ?centre_id=; for the carers
// ?name= and ?state=, for the beneficiaries ?benefit= (MO by default) and
// ?on=.
func (s *server) registersPage(c *gin.Context) {
	reg := c.DefaultQuery("register", registers[0])
	known := false
	for _, r := range registers {
		known = known || r == reg
	}
	if !known {
		reg = registers[0]
	}
	q := url.Values{}
	data := gin.H{"Register": reg, "Registers": registers, "Centres": domain.Centres(), "CentreID": c.Query("centre_id"),
		"Name": c.Query("name"), "State": c.DefaultQuery("state", "current"), "Benefit": c.DefaultQuery("benefit", "MO"), "On": c.Query("on"), "States": []string{"current", "ended", "all"}}
	if v := c.Query("centre_id"); v != "" {
		q.Set("centre_id", v)
	}
	path := "/api/v1/registers/" + reg
	if reg == "beneficiaries" {
		q.Set("benefit", data["Benefit"].(string))
		if v := c.Query("on"); v != "" {
			q.Set("on", v)
		}
		var codes []string
		for _, b := range benefits.Catalogue() {
			codes = append(codes, string(b.Code))
		}
		data["Benefits"] = codes
	} else {
		if v := c.Query("name"); v != "" {
			q.Set("name", v)
		}
		q.Set("state", data["State"].(string))
	}
	var res obj
	if r := s.getJSON(c, path+"?"+q.Encode(), &res); !r.ok() {
		s.refused(c, r)
		return
	}
	data["Res"] = res
	s.render(c, http.StatusOK, "registers", data)
}
