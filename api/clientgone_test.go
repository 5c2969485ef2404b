package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestARequestItsClientAbandonedIsNotAServerError: a query cut short
// because the client hung up is answered 499 and logged as information,
// not as a 500 for the operator; a cancellation of ours while the client
// still waits stays an internal error.
func TestARequestItsClientAbandonedIsNotAServerError(t *testing.T) {
	gin.SetMode(gin.TestMode)
	for _, tc := range []struct {
		name        string
		clientGone  bool
		err         error
		status      int
		errorLogged bool
	}{
		{"client hung up", true, fmt.Errorf("list cases: %w", context.Canceled), statusClientClosed, false},
		{"cancelled by us, client waiting", false, fmt.Errorf("list cases: %w", context.Canceled), http.StatusInternalServerError, true},
		{"another failure after the client hung up", true, errors.New("list cases: connection reset"), http.StatusInternalServerError, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logged bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
			rec := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(rec)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.clientGone {
				cancel()
			}
			c.Request = httptest.NewRequest(http.MethodGet, "/api/v1/cases", nil).WithContext(ctx)
			writeError(c, log, tc.err)
			if c.Writer.Status() != tc.status {
				t.Errorf("status %d, want %d", c.Writer.Status(), tc.status)
			}
			if got := strings.Contains(logged.String(), "level=ERROR"); got != tc.errorLogged {
				t.Errorf("logged as an error: %v, want %v; log: %s", got, tc.errorLogged, logged.String())
			}
		})
	}
}
