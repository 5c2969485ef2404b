package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestServiceUsePageNamesTheReferral (review-access #1): the provider's
// page never carries the person's JMBG (even were the API to give one):
// its forms name the referral, and a day recorded by hand goes to the API
// as referral_id.
func TestServiceUsePageNamesTheReferral(t *testing.T) {
	gin.SetMode(gin.TestMode)
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	api := gin.New()
	var sent map[string][]map[string]any
	api.Use(func(c *gin.Context) { // the fake API's record refuses every day: this one takes it and keeps what came
		if c.Request.Method == http.MethodPost && c.Request.URL.Path == "/api/v1/service-use" {
			b, _ := io.ReadAll(c.Request.Body)
			_ = json.Unmarshal(b, &sent)
			c.Data(http.StatusCreated, "application/json", []byte(`{"batch":"page-1","written":1,"records":[]}`))
			c.Abort()
		}
	})
	serviceUseFakeAPI(api)
	s := &server{cfg: Config{API: api, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, pages: pages}

	html, status := s.request(t, "en", "tamara.sunce", http.MethodGet, "/provider/service-use?month=2026-11&referral=7", nil, nil, s.serviceUsePage)
	if status != http.StatusOK || !strings.Contains(html, `id="form-record"`) || strings.Contains(html, "0106016215000") || strings.Contains(html, `name="jmbg"`) {
		t.Fatalf("the referral's page = %d, carries a JMBG %v or a jmbg field %v", status, strings.Contains(html, "0106016215000"), strings.Contains(html, `name="jmbg"`))
	}
	form := url.Values{"csrf": {"test-csrf"}, "month": {"2026-11"}, "referral": {"7"}, "service": {"day_care_disability"}, "day": {"2026-11-04"}, "quantity": {"1"}}
	_, status = s.request(t, "en", "tamara.sunce", http.MethodPost, "/provider/service-use/records", nil, form, s.serviceUseRecord)
	if len(sent["records"]) != 1 {
		t.Fatalf("record by hand = %d; the API got %v", status, sent)
	}
	rec := sent["records"][0]
	if _, has := rec["jmbg"]; has || rec["referral_id"] != float64(7) {
		t.Fatalf("the record sent to the API = %v; want referral_id 7 and no jmbg", rec)
	}
}
