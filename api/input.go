package api

import (
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
)

// storableText refuses a request whose path parameters or query hold text
// PostgreSQL cannot keep, a NUL or a byte that is not UTF-8: a 400 naming
// the parameter, where the query that received it answered 500. Bodies are
// checked where they are read (bindJSON, schema.CheckText).
func storableText(log *slog.Logger) gin.HandlerFunc {
	bad := func(s string) bool { return strings.ContainsRune(s, 0) || !utf8.ValidString(s) }
	refuse := func(c *gin.Context, field string) {
		if bad(field) {
			field = "query"
		}
		writeError(c, log, domain.FieldError(field, "has a NUL character or a byte that is not UTF-8"))
	}
	return func(c *gin.Context) {
		for _, p := range c.Params {
			if bad(p.Value) {
				refuse(c, p.Key)
				return
			}
		}
		for k, vs := range c.Request.URL.Query() {
			for _, v := range append(vs, k) {
				if bad(v) {
					refuse(c, k)
					return
				}
			}
		}
		c.Next()
	}
}
