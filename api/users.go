package api

import (
	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
)

// HeaderUser names the acting demo user until real login (issue [3])
// replaces it.
const HeaderUser = "X-Karton-User"

// actingUser requires a known demo user and puts it on the context.
func actingUser(log interface{ Error(string, ...any) }) gin.HandlerFunc {
	return func(c *gin.Context) {
		name := c.GetHeader(HeaderUser)
		if name == "" {
			c.AbortWithStatusJSON(401, errorBody{Error: errorDetail{Code: "unauthenticated", Message: "say who you are in the " + HeaderUser + " header (a demo user, e.g. ana.caseworker)"}})
			return
		}
		u, ok := domain.DemoUser(name)
		if !ok {
			c.AbortWithStatusJSON(401, errorBody{Error: errorDetail{Code: "unauthenticated", Message: "unknown user " + name}})
			return
		}
		c.Set("user", u)
		c.Next()
	}
}

func userOf(c *gin.Context) domain.User {
	u, _ := c.Get("user")
	return u.(domain.User)
}
