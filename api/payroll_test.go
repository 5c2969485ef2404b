package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/api"
)

// TestPayrollOnlyForMonthsThatHaveCome: on 10 November 2026 (payment day
// 15) a payroll for 2099, or for November itself, is refused with 400
// naming the period, before anything starts; October while September is
// still being prepared is refused with 409 (one payroll at a time).
func TestPayrollOnlyForMonthsThatHaveCome(t *testing.T) {
	today := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	ts, db := newServerFor(t, func(d *api.Deps) { d.Now = func() time.Time { return today } })
	for _, period := range []string{"2099-01", "2026-12", "2026-11"} {
		code, body := doAs(t, ts, "nina.finance", "POST", "/api/v1/payrolls", `{"period":"`+period+`"}`)
		var e errBody
		_ = json.Unmarshal(body, &e)
		if code != http.StatusBadRequest || e.Error.Field != "period" {
			t.Errorf("payroll %s on %s = %d %s; want 400 on period", period, today.Format(time.DateOnly), code, body)
		}
		if period == "2026-11" && !strings.Contains(e.Error.Message, "2026-11-15") {
			t.Errorf("the current month before its payment day: %q; want the day it may be paid from", e.Error.Message)
		}
	}
	if _, err := db.Pool().Exec(context.Background(), `INSERT INTO payrolls (id, period) VALUES ('payroll/2026-09', '2026-09-01')`); err != nil {
		t.Fatal(err)
	}
	code, body := doAs(t, ts, "nina.finance", "POST", "/api/v1/payrolls", `{"period":"2026-10"}`)
	if code != http.StatusConflict || !strings.Contains(string(body), "payroll/2026-09") {
		t.Errorf("October while September is being prepared = %d %s; want 409 naming it", code, body)
	}
}
