package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

type answerForTest struct {
	Name   string  `json:"name"`
	Amount float64 `json:"amount"`
}

// TestServeWritesTheBodyAsJSONMarshalDoes: the answer is json.Marshal's
// bytes (HTML characters escaped, as c.JSON wrote them) and a newline, with
// the route's status; a body that cannot be encoded is a clear 500, not a
// panic or half an answer.
func TestServeWritesTheBodyAsJSONMarshalDoes(t *testing.T) {
	gin.SetMode(gin.TestMode)
	h := &handler{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	call := func(body *answerForTest) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(rec)
		c.Request = httptest.NewRequest(http.MethodGet, "/x", nil)
		serve(h, http.StatusCreated, func(*gin.Context) (*answerForTest, error) { return body, nil })(c)
		return rec
	}

	body := &answerForTest{Name: "<Ana & Marko> \u2028 Đurđević", Amount: 12.5}
	rec := call(body)
	want, _ := json.Marshal(body)
	if rec.Code != http.StatusCreated || !bytes.Equal(rec.Body.Bytes(), append(want, '\n')) {
		t.Errorf("got %d %q; want 201 %q", rec.Code, rec.Body.String(), want)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}

	rec = call(&answerForTest{Name: "x", Amount: math.NaN()})
	var e errorBody
	if rec.Code != http.StatusInternalServerError || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error.Code == "" {
		t.Errorf("a body that cannot be encoded: got %d %q; want a 500 with an error body", rec.Code, rec.Body.String())
	}
}
