package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
)

// TestTaskTypesSaidOnce: every kind of task the inbox and the board filter
// by has its words in both languages, and no two kinds are said alike
// (the inbox listed "Odobrenje rješenja" twice: a claim's and a case's).
func TestTaskTypesSaidOnce(tt *testing.T) {
	t := tt
	for _, lang := range languages {
		said := map[string]string{}
		for _, ty := range taskTypes {
			w := messages[ty][lang]
			if w == "" {
				t.Errorf("%s: task type %s has no words", lang, ty)
			}
			if other, ok := said[w]; ok {
				t.Errorf("%s: %s and %s are both said %q", lang, other, ty, w)
			}
			said[w] = ty
		}
	}
}

// TestAgeWords: a task's age is said in days and hours, hours and minutes,
// or minutes; never "0 h" for a task of days.
func TestAgeWords(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		ago  time.Duration
		want string
	}{{50*time.Hour + 20*time.Minute, "2 d 2 h"}, {3*time.Hour + 5*time.Minute, "3 h 5 min"}, {42 * time.Minute, "42 min"}, {-time.Hour, "0 min"}} {
		if got := ageWords("cnr", now.Add(-c.ago), now); got != c.want {
			t.Errorf("age of %v = %q; want %q", c.ago, got, c.want)
		}
	}
}

// boardsAPI stands in for the API the boards' forms call, remembering
// what they sent.
type boardsAPI struct {
	got  map[string][]byte
	code map[string]int
	body map[string]string
}

func (a *boardsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	key := r.Method + " " + r.URL.Path
	a.got[key] = b
	code, ok := a.code[key]
	if !ok {
		code = http.StatusNotFound
	}
	if strings.HasSuffix(r.URL.Path, ".xml") {
		w.Header().Set("Content-Type", "application/xml")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(code)
	_, _ = io.WriteString(w, a.body[key])
}

// send runs h as marko.supervisor (or user) would reach it, and answers
// the recorder.
func (s *server) send(user, method, target string, form url.Values, params gin.Params, h gin.HandlerFunc) *httptest.ResponseRecorder {
	u, _ := domain.DemoUser(user)
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	c.Request = httptest.NewRequest(method, target, body)
	if form != nil {
		c.Request.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	c.Request.AddCookie(&http.Cookie{Name: cookieLang, Value: "cnr"})
	c.Params = params
	c.Set("user", u)
	c.Set("token", "test-token")
	c.Set("csrf", "test-csrf")
	h(c)
	return w
}

// flashOf is the message a form's answer leaves for the next page.
func flashOf(w *httptest.ResponseRecorder) string {
	for _, ck := range w.Result().Cookies() {
		if ck.Name == cookieFlash {
			m, _, _ := strings.Cut(ck.Value, ".")
			b, _ := base64.RawURLEncoding.DecodeString(m)
			return strings.TrimPrefix(string(b), flashErrorMark)
		}
	}
	return ""
}

// TestBoardFormsSendWhatWasChosen: the board's reassignment sends the
// checked tasks, the worker chosen and the reason, and goes back to the
// board as it was filtered, saying how many went to whom by name; a
// payment file is handed over as the API gave it, as an attachment; a
// case opened from a police notification is said back with its number.
func TestBoardFormsSendWhatWasChosen(t *testing.T) {
	gin.SetMode(gin.TestMode)
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	api := &boardsAPI{got: map[string][]byte{},
		code: map[string]int{"POST /api/v1/tasks/reassign": 200, "GET /api/v1/payrolls/2026-10/files/pain001-2026-10.xml": 200,
			"POST /api/v1/violence-notifications/NS-2026-000007/case": 200},
		body: map[string]string{"POST /api/v1/tasks/reassign": `{"to":"ivan.caseworker","reason":"x","tasks":[]}`,
			"GET /api/v1/payrolls/2026-10/files/pain001-2026-10.xml":  `<Document>pain.001</Document>`,
			"POST /api/v1/violence-notifications/NS-2026-000007/case": `{"reference":"NS-2026-000007","case_number":"S-2026-000042","opened":true}`}}
	s := &server{cfg: Config{API: api, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, pages: pages}

	w := s.send("marko.supervisor", "POST", "/board/reassign?overdue=true&worker=ana.caseworker",
		url.Values{"task": {"t1", "t2"}, "to": {"ivan.caseworker"}, "reason": {" Ana je na odmoru "}}, nil, s.reassign)
	var sent struct {
		TaskIDs    []string `json:"task_ids"`
		To, Reason string
	}
	if err := json.Unmarshal(api.got["POST /api/v1/tasks/reassign"], &sent); err != nil || strings.Join(sent.TaskIDs, ",") != "t1,t2" ||
		sent.To != "ivan.caseworker" || sent.Reason != "Ana je na odmoru" {
		t.Errorf("sent %s; want both tasks to ivan.caseworker with the reason", api.got["POST /api/v1/tasks/reassign"])
	}
	if loc := w.Header().Get("Location"); loc != "/board?overdue=true&worker=ana.caseworker" {
		t.Errorf("after the reassignment: to %q; want the board as it was filtered", loc)
	}
	if f := flashOf(w); f != "Preraspodijeljeno zadataka: 2. Preuzima ih: Ivan Bošković." {
		t.Errorf("flash = %q", f)
	}

	w = s.send("nina.finance", "GET", "/payrolls/2026-10/files/pain001-2026-10.xml", nil,
		gin.Params{{Key: "period", Value: "2026-10"}, {Key: "name", Value: "pain001-2026-10.xml"}}, s.paymentFile)
	if w.Code != http.StatusOK || w.Body.String() != `<Document>pain.001</Document>` || w.Header().Get("Content-Disposition") != `attachment; filename="pain001-2026-10.xml"` {
		t.Errorf("the payment file = %d %v %q", w.Code, w.Header(), w.Body.String())
	}

	w = s.send("dragana.dv", "POST", "/dv/NS-2026-000007/case", url.Values{"case_number": {""}}, gin.Params{{Key: "reference", Value: "NS-2026-000007"}}, s.dvCase)
	if got := string(api.got["POST /api/v1/violence-notifications/NS-2026-000007/case"]); got != `{"case_number":""}` {
		t.Errorf("sent %s; want a case opened", got)
	}
	if loc := w.Header().Get("Location"); loc != "/dv/NS-2026-000007" || flashOf(w) != "Otvoren je predmet S-2026-000042." {
		t.Errorf("after opening the case: %q with %q", loc, flashOf(w))
	}
}

// TestBankFilesImportedFromThePage: the bank's files chosen on the payroll's
// page go to the API as they were chosen, each a "file" field, and what
// became of the payments is said back; none chosen is said, nothing sent.
func TestBankFilesImportedFromThePage(t *testing.T) {
	gin.SetMode(gin.TestMode)
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	const path = "POST /api/v1/payrolls/2026-10/bank-files"
	api := &boardsAPI{got: map[string][]byte{}, code: map[string]int{path: 200},
		body: map[string]string{path: `{"id":"payroll/2026-10","applied":{"paid":12,"rejected":1}}`}}
	s := &server{cfg: Config{API: api, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, pages: pages}
	post := func(files map[string]string) *httptest.ResponseRecorder {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for name, content := range files {
			w, _ := mw.CreateFormFile("file", name)
			_, _ = io.WriteString(w, content)
		}
		_ = mw.Close()
		u, _ := domain.DemoUser("nina.finance")
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest("POST", "/payrolls/2026-10/bank-files", &buf)
		c.Request.Header.Set("Content-Type", mw.FormDataContentType())
		c.Request.AddCookie(&http.Cookie{Name: cookieLang, Value: "cnr"})
		c.Params = gin.Params{{Key: "period", Value: "2026-10"}, {Key: "action", Value: "bank-files"}}
		c.Set("user", u)
		c.Set("token", "test-token")
		s.payrollAction(c)
		return w
	}
	w := post(map[string]string{"pain002.xml": "<pain002/>", "camt054.xml": "<camt054/>"})
	got := string(api.got[path])
	if !strings.Contains(got, `name="file"; filename="pain002.xml"`) || !strings.Contains(got, "<camt054/>") {
		t.Errorf("sent %q; want both files as file fields", got)
	}
	if f := flashOf(w); f != "Odgovori banke su primijenjeni. isplaćena: 12, odbijena: 1" || w.Header().Get("Location") != "/payrolls/2026-10#h-bank" {
		t.Errorf("after the import: %q to %q; want what became of the payments, on the page", f, w.Header().Get("Location"))
	}
	delete(api.got, path)
	w = post(nil)
	if _, sent := api.got[path]; sent || flashOf(w) != "izaberite datoteku" {
		t.Errorf("no file chosen: sent %v, said %q", sent, flashOf(w))
	}
}
