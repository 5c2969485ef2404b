package web

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain/bi"
	"github.com/karton-social/karton/web/charts"
)

// The statistics' pages (issue 19 item 4): a dashboard of charts drawn on
// the server (the trend of amounts and persons over the last twelve
// months, bars by benefit and by municipality, a map of the 25
// municipalities coloured by a chosen measure) and the pivot table behind
// each chart, with drill-down and drill-up, the filters as removable chips,
// and its CSV and XLSX. Every number comes from the API's pivot
// (GET /api/v1/bi/{fact}) called in-process with the reader's token: the
// same Casbin rule (bi:read: the ministry's analysts every centre, a
// centre's supervisors and head their own, the API filtering to it), the
// same audit, the same suppression of cells under five persons ("<5").

// registerBI adds the statistics' pages, for the roles that read them.
func (s *server) registerBI(page func(string, gin.HandlerFunc)) {
	only := func(h gin.HandlerFunc) gin.HandlerFunc { return s.onlyFor("bi", "read", "bi_not_yours", h) }
	page("/bi", only(s.biDashboard))
	page("/bi/pivot", only(s.biPivotPage))
	page("/bi/pivot.csv", only(s.biPivotCSV))
	page("/bi/pivot.xlsx", only(s.biPivotXLSX))
}

// ---- a pivot query as the pages pass it around

// biQuery is a pivot as the pages link to it: the facts, the axes
// ("geography.municipality"), the filters, the measures (none: all of the
// fact's).
type biQuery struct {
	Fact     string
	Axes     []string
	Filters  []biFilter
	Measures []string
}

type biFilter struct {
	Axis   string
	Values []string
}

// biDefaultAxes are each fact's first table.
var biDefaultAxes = map[string]string{
	"payments":  "geography.municipality,benefit.group",
	"decisions": "time.month,kind.kind",
	"claims":    "time.month,channel.channel",
	// placements (issue 22 item 6): the month's cost of each budget line.
	"placements": "time.month,budget_line.budget_line",
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// biQueryOf reads the pivot a page asks for: axes= (a link), or the
// form's selects a1..a3 and measure boxes m, else the fact's first table.
func biQueryOf(c *gin.Context) biQuery {
	q := biQuery{Fact: c.DefaultQuery("fact", "payments")}
	axes, given := c.GetQuery("axes")
	if !given {
		var picked []string
		for _, k := range []string{"a1", "a2", "a3"} {
			if v := c.Query(k); v != "" {
				picked = append(picked, v)
			}
		}
		axes = strings.Join(picked, ",")
		if c.Query("form") == "" && len(picked) == 0 {
			axes = biDefaultAxes[q.Fact]
		}
	}
	q.Axes = splitComma(axes)
	for _, f := range c.QueryArray("filter") {
		axis, values, _ := strings.Cut(f, "=")
		q.Filters = append(q.Filters, biFilter{Axis: strings.TrimSpace(axis), Values: splitComma(values)})
	}
	measures := c.Query("measures")
	if ms := c.QueryArray("m"); len(ms) > 0 {
		measures = strings.Join(ms, ",")
	}
	q.Measures = splitComma(measures)
	return q
}

func (q biQuery) values() url.Values {
	v := url.Values{"fact": {q.Fact}, "axes": {strings.Join(q.Axes, ",")}}
	for _, f := range q.Filters {
		v.Add("filter", f.Axis+"="+strings.Join(f.Values, ","))
	}
	if len(q.Measures) > 0 {
		v.Set("measures", strings.Join(q.Measures, ","))
	}
	return v
}

// link is the query on a page of path: /bi/pivot, /bi/pivot.csv, /bi/pivot.xlsx.
func (q biQuery) link(path string) string { return path + "?" + q.values().Encode() }

// api is the API's pivot of the query, its names in lang.
func (q biQuery) api(lang, format string) string {
	v := q.values()
	v.Del("fact")
	v.Set("lang", lang)
	if format != "" {
		v.Set("format", format)
	}
	return "/api/v1/bi/" + url.PathEscape(q.Fact) + "?" + v.Encode()
}

func (q biQuery) clone() biQuery {
	n := biQuery{Fact: q.Fact, Axes: slices.Clone(q.Axes), Measures: slices.Clone(q.Measures)}
	for _, f := range q.Filters {
		n.Filters = append(n.Filters, biFilter{f.Axis, slices.Clone(f.Values)})
	}
	return n
}

// axisOf reads "dimension.level" (a dimension alone: its first level).
func axisOf(s string) (bi.Axis, bool) {
	d, l, ok := strings.Cut(s, ".")
	ls := bi.Levels(bi.Dimension(d))
	if len(ls) == 0 {
		return bi.Axis{}, false
	}
	if !ok {
		l = ls[0]
	}
	return bi.Axis{Dimension: bi.Dimension(d), Level: l}, slices.Contains(ls, l)
}

func levelIndex(a bi.Axis) int { return slices.Index(bi.Levels(a.Dimension), a.Level) }

// down is the table of the member key of the i-th axis one level down:
// filtered to it, the axis one level finer (or, at its finest, gone).
func (q biQuery) down(i int, key string) biQuery {
	n := q.clone()
	a, _ := axisOf(q.Axes[i])
	n.Filters = slices.DeleteFunc(n.Filters, func(f biFilter) bool {
		fa, _ := axisOf(f.Axis)
		return fa.Dimension == a.Dimension
	})
	n.Filters = append(n.Filters, biFilter{a.String(), []string{key}})
	if d, ok := a.Down(); ok {
		n.Axes[i] = d.String()
	} else {
		n.Axes = slices.Delete(n.Axes, i, i+1)
	}
	return n
}

// up is the table with the i-th axis one level coarser (above its first
// level: gone, the whole), without the filters of its dimension at that
// level or finer: the settlements of Podgorica drill up to every
// municipality.
func (q biQuery) up(i int) (biQuery, string) {
	n := q.clone()
	a, _ := axisOf(q.Axes[i])
	from, to := 0, ""
	if u, ok := a.Up(); ok {
		n.Axes[i], from, to = u.String(), levelIndex(u), u.String()
	} else {
		n.Axes = slices.Delete(n.Axes, i, i+1)
	}
	n.Filters = slices.DeleteFunc(n.Filters, func(f biFilter) bool {
		fa, _ := axisOf(f.Axis)
		return fa.Dimension == a.Dimension && levelIndex(fa) >= from
	})
	return n, to
}

// without is the table without its k-th filter.
func (q biQuery) without(k int) biQuery {
	n := q.clone()
	n.Filters = slices.Delete(n.Filters, k, k+1)
	return n
}

// ---- the API's answer

// biPivot is the API's pivot (api/bi.go, pivotView).
type biPivot struct {
	Fact string `json:"fact"`
	Axes []struct {
		Axis, Label, Up, Down string
	} `json:"axes"`
	Filters []struct {
		Axis           string
		Values, Labels []string
	} `json:"filters"`
	Measures []struct {
		Measure, Label string
	} `json:"measures"`
	Cells []struct {
		Keys, Labels []string
		Values       map[string]string
		Suppressed   bool
	} `json:"cells"`
	Suppressed int       `json:"suppressed"`
	AsOf       time.Time `json:"as_of"`
}

// pivot asks the API for q; the answer and, on a refusal, its status.
func (s *server) pivot(c *gin.Context, q biQuery) (biPivot, apiResult) {
	var p biPivot
	r := s.getJSON(c, q.api(s.lang(c), ""), &p)
	return p, r
}

// biScope names the centre a reader is kept to (the filter the API added
// that the query did not ask for), or "" for every centre.
func biScope(q biQuery, p biPivot) string {
	for _, f := range p.Filters {
		if f.Axis == "organisation.centre" && !slices.ContainsFunc(q.Filters, func(g biFilter) bool { return g.Axis == f.Axis }) && len(f.Labels) > 0 {
			return strings.Join(f.Labels, ", ")
		}
	}
	return ""
}

// ---- numbers in the page's language

// biText is a measure's value as the page says it: amounts as money, days
// with a decimal comma in Montenegrin, counts with their thousands
// grouped; "<5" as it is.
func biText(lang, measure, v string) string {
	if v == "" || strings.HasPrefix(v, "<") {
		return v
	}
	switch bi.Measure(measure) {
	case bi.Amount, bi.AmountRegular, bi.AmountOneOff, bi.AmountInKind, bi.Copayment, bi.Net:
		return money(lang, v)
	case bi.DaysToDecide:
		if lang == "cnr" {
			return strings.Replace(v, ".", ",", 1)
		}
		return v
	}
	return groupDigits(lang, v)
}

// groupDigits groups an integer's thousands: 12.345 in Montenegrin,
// 12,345 in English.
func groupDigits(lang, n string) string {
	sign := ""
	if strings.HasPrefix(n, "-") {
		sign, n = "-", n[1:]
	}
	if strings.Trim(n, "0123456789") != "" {
		return sign + n
	}
	sep := "."
	if lang == "en" {
		sep = ","
	}
	var groups []string
	for len(n) > 3 {
		groups = append([]string{n[len(n)-3:]}, groups...)
		n = n[:len(n)-3]
	}
	return sign + strings.Join(append([]string{n}, groups...), sep)
}

// biTick formats a chart's tick: whole euros or counts.
func biTick(lang string, euros bool) func(float64) string {
	return func(v float64) string {
		s := groupDigits(lang, strconv.FormatFloat(math.Round(v), 'f', 0, 64))
		if v != math.Trunc(v) {
			s = strconv.FormatFloat(v, 'f', 2, 64)
			if lang == "cnr" {
				s = strings.Replace(s, ".", ",", 1)
			}
		}
		switch {
		case !euros:
			return s
		case lang == "en":
			return "€" + s
		}
		return s + " €"
	}
}

// biMonths are the month names an axis of a chart shows, short.
var biMonths = map[string][12]string{
	"cnr": {"jan", "feb", "mar", "apr", "maj", "jun", "jul", "avg", "sep", "okt", "nov", "dec"},
	"en":  {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
}

// shortMonth is "mar 2026" for 2026-03.
func shortMonth(lang, ym string) string {
	t, err := time.Parse("2006-01", ym)
	if err != nil {
		return ym
	}
	return biMonths[lang][t.Month()-1] + " " + t.Format("2006")
}

// ---- the pivot table

type biAxisView struct {
	Label   string
	Up      string // drill-up link
	UpLabel string
}

type biMember struct{ Label, Href string }

type biRow struct {
	Members    []biMember
	Values     []string
	Suppressed bool
}

// biChip is a filter shown as a chip: Remove is the table without it;
// empty for the centre a reader is kept to.
type biChip struct{ Label, Values, Remove string }

// biSelect is the form's choice of its n-th axis.
type biSelect struct {
	N       int
	Options []biOption
}

type biOption struct {
	Value, Label string
	Selected     bool
}

func (s *server) biPivotPage(c *gin.Context) {
	lang := s.lang(c)
	q := biQueryOf(c)
	data := gin.H{"Q": q, "FactLabel": t(lang, "bi_fact_"+q.Fact), "Facts": biFactLinks(lang, q.Fact), "Min": bi.MinPersons}
	biPivotForm(lang, q, data)
	p, r := s.pivot(c, q)
	switch {
	case r.status == http.StatusBadRequest || r.status == http.StatusNotFound && strings.HasPrefix(r.apiError().Message, "no facts"):
		data["Error"] = biSay(lang, r)
		data["Chips"] = biChips(lang, q, biPivot{})
		s.render(c, http.StatusBadRequest, "bi_pivot", data)
		return
	case !r.ok():
		s.refused(c, r)
		return
	}
	var axes []biAxisView
	for i, a := range p.Axes {
		up, to := q.up(i)
		label := bi.Word("all", lang)
		if to != "" {
			label = bi.Word(to, lang)
		} else if ax, _ := axisOf(a.Axis); ax.Dimension != bi.Geography {
			label = t(lang, "bi_total")
		}
		axes = append(axes, biAxisView{Label: a.Label, Up: up.link("/bi/pivot"), UpLabel: label})
	}
	var measures, keys []string
	for _, m := range p.Measures {
		measures, keys = append(measures, m.Label), append(keys, m.Measure)
	}
	var rows []biRow
	for _, cell := range p.Cells {
		row := biRow{Suppressed: cell.Suppressed}
		for i, k := range cell.Keys {
			m := biMember{Label: cell.Labels[i]}
			if k != "" && i < len(q.Axes) {
				m.Href = q.down(i, k).link("/bi/pivot")
			}
			row.Members = append(row.Members, m)
		}
		for _, m := range keys {
			row.Values = append(row.Values, biText(lang, m, cell.Values[m]))
		}
		rows = append(rows, row)
	}
	data["Axes"], data["Measures"], data["Rows"], data["Cols"] = axes, measures, rows, max(len(axes)+len(measures), 1)
	data["Chips"] = biChips(lang, q, p)
	data["Scope"] = biScope(q, p)
	data["Suppressed"], data["AsOf"] = p.Suppressed, p.AsOf
	data["Title"] = biTitle(lang, p)
	data["CSV"], data["XLSX"] = q.link("/bi/pivot.csv"), q.link("/bi/pivot.xlsx")
	s.render(c, http.StatusOK, "bi_pivot", data)
}

// biTitle names a pivot: its facts and axes ("Isplate: Opština ×
// Davanje").
func biTitle(lang string, p biPivot) string {
	var axes []string
	for _, a := range p.Axes {
		axes = append(axes, a.Label)
	}
	title := t(lang, "bi_fact_"+p.Fact)
	if len(axes) > 0 {
		title += ": " + strings.Join(axes, " × ")
	}
	return title
}

// biChips are the query's filters, each removable, and the centre the
// reader is kept to.
func biChips(lang string, q biQuery, p biPivot) []biChip {
	var chips []biChip
	for k, f := range q.Filters {
		a, ok := axisOf(f.Axis)
		if !ok {
			continue
		}
		var names []string
		for _, v := range f.Values {
			names = append(names, bi.Label(a, v, lang))
		}
		for _, pf := range p.Filters { // the API's names (an institution's is in the database)
			if pf.Axis == a.String() && len(pf.Labels) == len(f.Values) && slices.Equal(pf.Values, f.Values) {
				names = pf.Labels
			}
		}
		chips = append(chips, biChip{Label: bi.Word(a.String(), lang), Values: strings.Join(names, ", "), Remove: q.without(k).link("/bi/pivot")})
	}
	if scope := biScope(q, p); scope != "" {
		chips = append(chips, biChip{Label: bi.Word("organisation.centre", lang), Values: scope})
	}
	return chips
}

// biFactLinks are the three facts' first tables.
func biFactLinks(lang, current string) []biOption {
	var out []biOption
	for _, f := range bi.Facts() {
		out = append(out, biOption{Value: biQuery{Fact: f.Name, Axes: splitComma(biDefaultAxes[f.Name])}.link("/bi/pivot"),
			Label: t(lang, "bi_fact_"+f.Name), Selected: f.Name == current})
	}
	return out
}

// biPivotForm gives the form that changes the table's axes and measures:
// each axis a choice of the fact's dimensions at each level.
func biPivotForm(lang string, q biQuery, data gin.H) {
	f, err := bi.FactByName(q.Fact)
	if err != nil {
		return
	}
	var selects []biSelect
	for i := range bi.MaxAxes {
		cur := ""
		if i < len(q.Axes) {
			cur = q.Axes[i]
		}
		opts := []biOption{{Value: "", Label: t(lang, "bi_no_axis"), Selected: cur == ""}}
		for _, d := range f.Dimensions {
			for _, l := range bi.Levels(d) {
				a := bi.Axis{Dimension: d, Level: l}
				label := bi.Word(a.String(), lang)
				if w := bi.Word(string(d), lang); w != label {
					label = w + ": " + label
				}
				opts = append(opts, biOption{Value: a.String(), Label: label, Selected: cur == a.String()})
			}
		}
		selects = append(selects, biSelect{N: i + 1, Options: opts})
	}
	var measures []biOption
	for _, m := range f.Measures {
		measures = append(measures, biOption{Value: string(m), Label: bi.Word(string(m), lang),
			Selected: len(q.Measures) == 0 || slices.Contains(q.Measures, string(m))})
	}
	var hidden []string
	for _, fl := range q.Filters {
		hidden = append(hidden, fl.Axis+"="+strings.Join(fl.Values, ","))
	}
	data["AxisSelects"], data["MeasureBoxes"], data["HiddenFilters"] = selects, measures, hidden
}

// biSay says the API's refusal of a pivot in lang: the statistics' own
// messages by their shape, any other as the pages say refusals.
func biSay(lang string, r apiResult) string {
	e := r.apiError()
	msgs := []string{e.Message}
	if len(e.Fields) > 0 {
		msgs = msgs[:0]
		for _, f := range e.Fields {
			msgs = append(msgs, f.Message)
		}
	}
	var out []string
	for _, m := range msgs {
		said := ""
		for _, sh := range biShapes {
			if x := sh.re.FindStringSubmatch(m); x != nil {
				args := make([]any, len(x)-1)
				for i, v := range x[1:] {
					args[i] = v
				}
				said = tf(lang, sh.key, args...)
				break
			}
		}
		if said == "" {
			return sayError(lang, r)
		}
		out = append(out, said)
	}
	return strings.Join(out, " ")
}

// biShapes are the pivot's refusals (domain/bi, store.Pivot) by their shape.
var biShapes = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^unknown dimension "([^"]*)"`), "bi_err_dimension"},
	{regexp.MustCompile(`^unknown level "([^"]*)"`), "bi_err_level"},
	{regexp.MustCompile(`^unknown measure "([^"]*)"`), "bi_err_measure"},
	{regexp.MustCompile(`is crossed twice`), "bi_err_twice"},
	{regexp.MustCompile(`^(\d+) dimensions crossed: at most (\d+)`), "bi_err_axes"},
	{regexp.MustCompile(`is filtered twice`), "bi_err_filtered_twice"},
	{regexp.MustCompile(`is finer than the axis`), "bi_err_finer"},
	{regexp.MustCompile(`takes one value here`), "bi_err_one_value"},
	{regexp.MustCompile(`^"([^"]*)" is not a value of`), "bi_err_value"},
	{regexp.MustCompile(`is not dimension\.level=value`), "bi_err_filter"},
	{regexp.MustCompile(`(?:has|more than) (\d+) cells`), "bi_err_cells"},
	{regexp.MustCompile(`^no facts "([^"]*)"`), "bi_err_fact"},
	{regexp.MustCompile(`is not a format`), "bi_err_format"},
}

// ---- exports

// biPivotCSV hands over the API's CSV of the table, its names in the
// page's language.
func (s *server) biPivotCSV(c *gin.Context) {
	q := biQueryOf(c)
	r := s.call(c, http.MethodGet, q.api(s.lang(c), "csv"), nil, "")
	if !r.ok() {
		s.refused(c, r)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="karton-%s-%s.csv"`, q.Fact, time.Now().In(montenegro).Format("2006-01-02")))
	c.Data(http.StatusOK, "text/csv; charset=utf-8", r.body)
}

// biPivotXLSX is the table as an Excel workbook (bi_xlsx.go).
func (s *server) biPivotXLSX(c *gin.Context) {
	lang := s.lang(c)
	q := biQueryOf(c)
	p, r := s.pivot(c, q)
	if !r.ok() {
		s.refused(c, r)
		return
	}
	b, err := pivotXLSX(lang, q, p)
	if err != nil {
		s.cfg.Log.Error("pivot xlsx", "query", q.values().Encode(), "error", err)
		s.render(c, http.StatusInternalServerError, "message", gin.H{"Title": "error", "Message": t(lang, "page_failed")})
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="karton-%s-%s.xlsx"`, q.Fact, p.AsOf.In(montenegro).Format("2006-01-02")))
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b)
}

// ---- the dashboard

// biFigure is a chart with the table behind it: its picture, its values
// as rows with their drill-down links (the text alternative the keyboard
// and screen readers use), the table's page and exports.
type biFigure struct {
	ID, Title, Member, Value string
	Chart                    template.HTML
	Rows                     []biMember // Label and Href of each member
	Texts                    []string   // the value of each row
	Table, CSV, XLSX         string
	Error                    string
}

// biMeasures are the measures the dashboard's bars and map may show.
var biMeasures = []bi.Measure{bi.Amount, bi.Persons, bi.Rights, bi.Payments}

func (s *server) biDashboard(c *gin.Context) {
	lang := s.lang(c)
	measure := bi.Measure(c.Query("measure"))
	if !slices.Contains(biMeasures, measure) {
		measure = bi.Amount
	}
	// Every month paid: the months to choose from and the trend.
	all := biQuery{Fact: "payments", Axes: []string{"time.month"}, Measures: []string{string(bi.Amount), string(bi.Persons)}}
	trend, r := s.pivot(c, all)
	if !r.ok() {
		s.refused(c, r)
		return
	}
	data := gin.H{"Measure": string(measure), "Scope": biScope(all, trend), "Min": bi.MinPersons}
	var measures []biOption
	for _, m := range biMeasures {
		measures = append(measures, biOption{Value: string(m), Label: bi.Word(string(m), lang), Selected: m == measure})
	}
	data["Measures"] = measures
	data["Other"] = biOtherTables(lang)
	byMonth := map[string]int{}
	var months []string
	for i, cell := range trend.Cells {
		if len(cell.Keys) == 1 {
			byMonth[cell.Keys[0]] = i
			months = append(months, cell.Keys[0])
		}
	}
	sort.Strings(months)
	if len(months) == 0 {
		s.render(c, http.StatusOK, "bi_dashboard", data)
		return
	}
	month := c.Query("month")
	if !slices.Contains(months, month) {
		month = months[len(months)-1]
	}
	var options []biOption
	for i := len(months) - 1; i >= 0; i-- {
		options = append(options, biOption{Value: months[i], Label: bi.Label(bi.Axis{Dimension: bi.Time, Level: "month"}, months[i], lang), Selected: months[i] == month})
	}
	data["Months"], data["Month"] = options, month
	monthName := bi.Label(bi.Axis{Dimension: bi.Time, Level: "month"}, month, lang)
	data["MonthName"] = monthName

	// The trend: the twelve months up to the chosen one (from the first paid).
	window := biWindow(months, month)
	trendQ := biQuery{Fact: "payments", Axes: []string{"time.month"}, Filters: []biFilter{{"time.month", window}},
		Measures: []string{string(bi.Amount), string(bi.Persons)}}
	var amounts, persons []charts.Datum
	for _, m := range window {
		d := charts.Datum{Key: m, Label: bi.Label(bi.Axis{Dimension: bi.Time, Level: "month"}, m, lang), Short: shortMonth(lang, m),
			Href: biQuery{Fact: "payments", Axes: []string{"benefit.benefit"}, Filters: []biFilter{{"time.month", []string{m}}}}.link("/bi/pivot")}
		amount, count, suppressed := "0.00", "0", false // a month with no payment line paid nothing
		if i, ok := byMonth[m]; ok {
			cell := trend.Cells[i]
			amount, count, suppressed = cell.Values[string(bi.Amount)], cell.Values[string(bi.Persons)], cell.Suppressed
		}
		amounts = append(amounts, biDatum(d, lang, bi.Amount, amount, suppressed))
		persons = append(persons, biDatum(d, lang, bi.Persons, count, suppressed))
	}
	first, last := shortMonth(lang, window[0]), shortMonth(lang, window[len(window)-1])
	trendA := biFig(lang, "chart-trend-amount", tf(lang, "bi_trend_amount", first, last), bi.Word("time.month", lang), bi.Word(string(bi.Amount), lang), trendQ, amounts)
	trendA.Chart = charts.Line(biChart(lang, trendA, tf(lang, "bi_trend_desc", first, last), bi.Word(string(bi.Amount), lang), true, amounts))
	trendP := biFig(lang, "chart-trend-persons", tf(lang, "bi_trend_persons", first, last), bi.Word("time.month", lang), bi.Word(string(bi.Persons), lang), trendQ, persons)
	trendP.Chart = charts.Line(biChart(lang, trendP, tf(lang, "bi_trend_desc", first, last), bi.Word(string(bi.Persons), lang), false, persons))
	data["TrendAmount"], data["TrendPersons"] = trendA, trendP

	// Bars by benefit, bars and a map by municipality, in the chosen month.
	in := biFilter{"time.month", []string{month}}
	word := bi.Word(string(measure), lang)
	euros := measure == bi.Amount
	benQ := biQuery{Fact: "payments", Axes: []string{"benefit.benefit"}, Filters: []biFilter{in}}
	benD, benErr := s.biData(c, benQ, measure, func(key string) string {
		return biQuery{Fact: "payments", Axes: []string{"geography.municipality"}, Filters: []biFilter{in, {"benefit.benefit", []string{key}}}}.link("/bi/pivot")
	})
	ben := biFig(lang, "chart-benefits", tf(lang, "bi_by_benefit", word, monthName), bi.Word("benefit.benefit", lang), word, benQ, benD)
	ben.Error = benErr
	ben.Chart = charts.Bars(biChart(lang, ben, tf(lang, "bi_by_benefit", word, monthName), word, euros, benD))
	munQ := biQuery{Fact: "payments", Axes: []string{"geography.municipality"}, Filters: []biFilter{in}}
	munD, munErr := s.biData(c, munQ, measure, func(key string) string {
		return biQuery{Fact: "payments", Axes: []string{"geography.settlement", "benefit.benefit"}, Filters: []biFilter{in, {"geography.municipality", []string{key}}}}.link("/bi/pivot")
	})
	mapF := biFig(lang, "chart-map", tf(lang, "bi_map", word, monthName), bi.Word("geography.municipality", lang), word, munQ, munD)
	mapF.Error = munErr
	mapF.Chart = charts.Map(biChart(lang, mapF, tf(lang, "bi_map_desc", word, monthName), word, euros, munD), municipalityNames())
	munF := biFig(lang, "chart-municipalities", tf(lang, "bi_by_municipality", word, monthName), bi.Word("geography.municipality", lang), word, munQ, munD)
	munF.Error = munErr
	munF.Chart = charts.Bars(biChart(lang, munF, tf(lang, "bi_by_municipality", word, monthName), word, euros, munD))
	data["Benefits"], data["Map"], data["Municipalities"] = ben, mapF, munF
	s.render(c, http.StatusOK, "bi_dashboard", data)
}

// biWindow is the twelve months up to month, from the first month paid.
func biWindow(months []string, month string) []string {
	end, err := time.Parse("2006-01", month)
	if err != nil {
		return []string{month}
	}
	first, _ := time.Parse("2006-01", months[0])
	var out []string
	for m := end.AddDate(0, -11, 0); !m.After(end); m = m.AddDate(0, 1, 0) {
		if !m.Before(first) {
			out = append(out, m.Format("2006-01"))
		}
	}
	return out
}

// biData is the pivot q's cells as a chart's data of measure, each with
// its drill-down; a refusal said in the page's language.
func (s *server) biData(c *gin.Context, q biQuery, measure bi.Measure, drill func(key string) string) ([]charts.Datum, string) {
	lang := s.lang(c)
	q.Measures = []string{string(measure)}
	p, r := s.pivot(c, q)
	if !r.ok() {
		return nil, biSay(lang, r)
	}
	var out []charts.Datum
	for _, cell := range p.Cells {
		if len(cell.Keys) != 1 {
			continue
		}
		d := charts.Datum{Key: cell.Keys[0], Label: cell.Labels[0], Href: drill(cell.Keys[0])}
		out = append(out, biDatum(d, lang, measure, cell.Values[string(measure)], cell.Suppressed))
	}
	return out, ""
}

func biDatum(d charts.Datum, lang string, m bi.Measure, v string, suppressed bool) charts.Datum {
	d.Suppressed = suppressed
	d.Text = biText(lang, string(m), v)
	if !suppressed {
		d.Value, _ = strconv.ParseFloat(v, 64)
	}
	return d
}

// biFig is a figure's table: its rows from the data, its links.
func biFig(lang, id, title, member, value string, q biQuery, data []charts.Datum) biFigure {
	f := biFigure{ID: id, Title: title, Member: member, Value: value, Table: q.link("/bi/pivot"), CSV: q.link("/bi/pivot.csv"), XLSX: q.link("/bi/pivot.xlsx")}
	for _, d := range data {
		f.Rows = append(f.Rows, biMember{Label: d.Label, Href: d.Href})
		f.Texts = append(f.Texts, d.Text)
	}
	return f
}

func biChart(lang string, f biFigure, desc, unit string, euros bool, data []charts.Datum) charts.Chart {
	return charts.Chart{ID: f.ID, Title: f.Title, Desc: desc, Unit: unit, Tick: biTick(lang, euros), Data: data,
		SuppressedWord: tf(lang, "bi_suppressed_short", bi.MinPersons), NoDataWord: t(lang, "bi_no_data")}
}

func municipalityNames() map[string]string {
	out := map[string]string{}
	for _, code := range charts.Codes() {
		out[code] = municipalityName(code)
	}
	return out
}

// biOtherTables are the tables of the decisions and claims, and payments
// crossed otherwise, linked from the dashboard.
func biOtherTables(lang string) []biMember {
	tables := []struct {
		key string
		q   biQuery
	}{
		{"bi_t_decisions", biQuery{Fact: "decisions", Axes: []string{"time.month", "kind.kind"}}},
		{"bi_t_days", biQuery{Fact: "decisions", Axes: []string{"organisation.centre", "benefit.benefit"}, Measures: []string{string(bi.Decisions), string(bi.DaysToDecide)}}},
		{"bi_t_claims", biQuery{Fact: "claims", Axes: []string{"time.month", "channel.channel"}}},
		{"bi_t_centres", biQuery{Fact: "payments", Axes: []string{"organisation.centre", "benefit.group"}}},
		{"bi_t_people", biQuery{Fact: "payments", Axes: []string{"sex.sex", "age.band"}, Measures: []string{string(bi.Persons), string(bi.Amount)}}},
		{"bi_t_placements", biQuery{Fact: "placements", Axes: []string{"time.month", "budget_line.budget_line"}}},
	}
	var out []biMember
	for _, x := range tables {
		out = append(out, biMember{Label: t(lang, x.key), Href: x.q.link("/bi/pivot")})
	}
	return out
}
