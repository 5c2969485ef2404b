package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/agriculture"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// fakeS3 is as much of an S3 store as the objects package uses (a
// bucket's location, PUT and GET of an object, the aws-chunked body of an
// upload over plain http), so that the test needs no MinIO binary.
type fakeS3 struct {
	mu      sync.Mutex
	objects map[string][]byte
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.URL.Query().Has("location"):
		w.Header().Set("Content-Type", "application/xml")
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">us-east-1</LocationConstraint>`)
	case r.Method == http.MethodPut:
		b, _ := io.ReadAll(r.Body)
		if strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
			b = unchunk(b)
		}
		f.objects[r.URL.Path] = b
		w.Header().Set("ETag", `"0123456789abcdef0123456789abcdef"`)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		b, ok := f.objects[r.URL.Path]
		if !ok {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>`)
			return
		}
		w.Header().Set("ETag", `"0123456789abcdef0123456789abcdef"`)
		w.Header().Set("Last-Modified", time.Now().UTC().Format(http.TimeFormat))
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		if r.Method == http.MethodGet {
			_, _ = w.Write(b)
		}
	default:
		w.WriteHeader(http.StatusNotImplemented)
	}
}

// unchunk decodes an aws-chunked body: hex size;chunk-signature=..., CRLF,
// the bytes, CRLF, until a chunk of size 0.
func unchunk(b []byte) []byte {
	var out []byte
	for len(b) > 0 {
		line, rest, ok := bytes.Cut(b, []byte("\r\n"))
		if !ok {
			break
		}
		size, err := strconv.ParseInt(string(bytes.SplitN(line, []byte(";"), 2)[0]), 16, 64)
		if err != nil || size == 0 || int(size) > len(rest) {
			break
		}
		out = append(out, rest[:size]...)
		b = bytes.TrimPrefix(rest[size:], []byte("\r\n"))
	}
	return out
}

func uploadAgriculture(t *testing.T, ts *httptest.Server, user string, file []byte) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", "staracke-2026-11.csv")
	_, _ = w.Write(file)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/exchanges/agriculture", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tokens[user])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func grantAgricultureMO(t *testing.T, db *store.DB, p domain.Person) {
	t.Helper()
	ctx := context.Background()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := db.CreateClaim(ctx, store.Claim{Benefit: "MO", ApplicantID: p.ID, CentreID: p.CentreID, Consent: true, FiledBy: "t",
		Period: from, Members: []domain.PersonID{p.ID}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "MO",
		Amount: decimal.RequireFromString("90.00"), PeriodFrom: from, PreparedBy: "a", ApprovedBy: "b", IssuedAt: from})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
		Amount: decimal.RequireFromString("90.00"), Periodicity: "monthly", ValidFrom: from, CreatedBy: "b"}); err != nil {
		t.Fatal(err)
	}
}

// TestAgricultureImportOverTheAPI: a finance officer uploads the ministry's
// file; one with bad rows is a 400 listing every fault and imports and
// writes nothing; a caseworker may not upload; the good file is imported
// (201), its persons audited, and the workflow opening the MO conflicts'
// tasks started; the same file again is a 200 that changes nothing;
// another file for the month is refused; the files and their reports are
// read back.
func TestAgricultureImportOverTheAPI(t *testing.T) {
	ctx := context.Background()
	s3 := httptest.NewServer(&fakeS3{objects: map[string][]byte{}})
	t.Cleanup(s3.Close)
	obj, err := objects.Open(objects.Config{Endpoint: strings.TrimPrefix(s3.URL, "http://"), AccessKey: "k", SecretKey: "secret-key", Bucket: "karton"})
	if err != nil {
		t.Fatal(err)
	}
	tc := &startingTemporal{}
	today := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	ts, db := newServerFor(t, func(d *api.Deps) { d.Objects = obj; d.Temporal = tc; d.Now = func() time.Time { return today } })
	j := func(serial int) string {
		x, _ := domain.MakeJMBG(time.Date(1955, 5, 5, 0, 0, 0, 0, time.UTC), 21, serial)
		return string(x)
	}
	holder := seedPerson(t, db, j(101), "Podgorica", "Milo", "Vuković")
	farmer := seedPerson(t, db, j(102), "Podgorica", "Vido", "Radović")
	grantAgricultureMO(t, db, holder)
	nov, _ := domain.ParseMonth("2026-11")
	row := func(jmbg, amount string) agriculture.Row {
		return agriculture.Row{JMBG: domain.JMBG(jmbg), Amount: decimal.RequireFromString(amount), Period: nov}
	}
	good := agriculture.Write([]agriculture.Row{row(j(101), "207.45"), row(j(102), "207.45")})

	// An unknown JMBG, a bad amount and a wrong total: all listed, nothing kept.
	bad := []byte(strings.Replace(string(agriculture.Write([]agriculture.Row{row(j(101), "207.45"), row(j(103), "207.45")})), "#total;2;414.90", "#total;2;414.00", 1))
	code, b := uploadAgriculture(t, ts, "nina.finance", bad)
	var e struct {
		Error struct {
			Code   string
			Fields []struct{ Field, Message string }
		}
	}
	_ = json.Unmarshal(b, &e)
	fields := map[string]bool{}
	for _, f := range e.Error.Fields {
		fields[f.Field] = true
	}
	if code != http.StatusBadRequest || !fields["line 4.jmbg"] || !fields["line 5.total"] {
		t.Fatalf("a bad file = %d %s; want a 400 naming line 4.jmbg and line 5.total", code, b)
	}
	if strings.Contains(string(b), j(103)) {
		t.Errorf("the report quotes a JMBG: %s", b)
	}
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM agriculture_files) + (SELECT count(*) FROM agriculture_allowances) + (SELECT count(*) FROM evidence)`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a refused file wrote %d rows (%v)", n, err)
	}
	if code, b := uploadAgriculture(t, ts, "ana.caseworker", good); code != http.StatusForbidden {
		t.Errorf("a caseworker's upload = %d %s; want 403", code, b)
	}

	code, b = uploadAgriculture(t, ts, "nina.finance", good)
	var got struct {
		ID         int64
		Period     string
		State      string
		Rows       int
		Total      string
		Conflicts  int
		Duplicate  bool
		WorkflowID string `json:"workflow_id"`
	}
	_ = json.Unmarshal(b, &got)
	if code != http.StatusCreated || got.State != "imported" || got.Period != "2026-11" || got.Rows != 2 || got.Total != "414.90" || got.Conflicts != 1 ||
		got.Duplicate || got.WorkflowID != workflows.AgricultureImportID(agriculture.Hash(good)) {
		t.Fatalf("the good file = %d %s", code, b)
	}
	if len(tc.started) != 1 || tc.started[0] != got.WorkflowID {
		t.Errorf("workflows started: %v; want %s", tc.started, got.WorkflowID)
	}
	var audited int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE $1 = ANY(person_ids) AND resource = 'agriculture' AND purpose = 'agriculture_import'`,
		farmer.ID).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("the farmer's import audited %d times (%v); want 1", audited, err)
	}

	code, b = uploadAgriculture(t, ts, "marija.finance", good)
	if code != http.StatusOK || !strings.Contains(string(b), `"duplicate":true`) || !strings.Contains(string(b), fmt.Sprintf(`"id":%d`, got.ID)) {
		t.Errorf("the same file again = %d %s; want 200, the first import", code, b)
	}
	other := agriculture.Write([]agriculture.Row{row(j(102), "210.00")})
	if code, b := uploadAgriculture(t, ts, "nina.finance", other); code != http.StatusBadRequest || !strings.Contains(string(b), "imported already") {
		t.Errorf("another file for November = %d %s; want a 400 on its period", code, b)
	}

	code, b = doAs(t, ts, "nina.finance", "GET", "/api/v1/exchanges/agriculture", "")
	if code != http.StatusOK || strings.Count(string(b), `"sha256"`) != 1 {
		t.Errorf("the files = %d %s; want the one imported", code, b)
	}
	if code, b := doAs(t, ts, "nina.finance", "GET", fmt.Sprintf("/api/v1/exchanges/agriculture/%d", got.ID), ""); code != http.StatusOK || !strings.Contains(string(b), `"state":"imported"`) {
		t.Errorf("the file = %d %s", code, b)
	}
	if code, _ := doAs(t, ts, "nina.finance", "GET", "/api/v1/exchanges/agriculture/999999", ""); code != http.StatusNotFound {
		t.Errorf("no such file = %d; want 404", code)
	}
	if code, _ := doAs(t, ts, "nina.finance", "GET", "/api/v1/exchanges/agriculture/x1", ""); code != http.StatusBadRequest {
		t.Errorf("a file number x1 = %d; want 400", code)
	}
}
