package api

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// filler sets every field of a value, those added to the structs later
// too, from values encoding/json treats in its own ways: strings to
// escape, nil and empty pointers, slices and raw JSON, times in zones.
type filler struct{ r *rand.Rand }

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
	strange  = []string{"", "PG-2026-00001", "Đurđević <Šćepan> & \"sin\"", "tab\tnew\nline\x01", "bad \xff utf-8", "sep \u2028\u2029", "😀"}
	raws     = []json.RawMessage{nil, json.RawMessage("null"), json.RawMessage(`{"case": "PG-2026-00001", "stage": "plan"}`),
		json.RawMessage(`[1, 2.50, {"a": "<b> & \u2028"}]`), json.RawMessage(` "x" `)}
	zones = []*time.Location{time.UTC, time.FixedZone("CET", 3600), time.FixedZone("", -(3*3600 + 30*60))}
)

func (f filler) fill(v reflect.Value) {
	switch {
	case v.Type() == rawType:
		v.Set(reflect.ValueOf(raws[f.r.IntN(len(raws))]))
		return
	case v.Type().ConvertibleTo(timeType) && v.Kind() == reflect.Struct:
		at := time.Date(1990+f.r.IntN(60), time.Month(1+f.r.IntN(12)), 1+f.r.IntN(28), f.r.IntN(24), f.r.IntN(60), f.r.IntN(60),
			[]int{0, 120000000, 123456789}[f.r.IntN(3)], zones[f.r.IntN(len(zones))])
		v.Set(reflect.ValueOf(at).Convert(v.Type()))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(strange[f.r.IntN(len(strange))])
	case reflect.Int:
		v.SetInt(f.r.Int64N(2000) - 1000)
	case reflect.Bool:
		v.SetBool(f.r.IntN(2) == 1)
	case reflect.Pointer:
		if f.r.IntN(3) > 0 {
			v.Set(reflect.New(v.Type().Elem()))
			f.fill(v.Elem())
		}
	case reflect.Slice:
		if n := f.r.IntN(4) - 1; n >= 0 {
			v.Set(reflect.MakeSlice(v.Type(), n, n))
			for i := range n {
				f.fill(v.Index(i))
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f.fill(v.Field(i))
		}
	default:
		panic("listjson_test: fill a " + v.Type().String())
	}
}

// TestListsWriteWhatEncodingJSONWrites fills the pages of the case list
// and the inbox at random and compares writeAppended's bytes with the
// encoder's that writeJSON uses for every other answer: the case list's
// with its page as a caseList, the answer's documented shape.
func TestListsWriteWhatEncodingJSONWrites(t *testing.T) {
	f := filler{rand.New(rand.NewPCG(24, 2026))}
	for i := range 400 {
		cases := &casePage{persons: map[string][]store.CasePerson{}, now: time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)}
		tasks := &taskPage{names: map[domain.PersonID]string{}, online: map[string]bool{}}
		if i > 0 {
			f.fill(reflect.ValueOf(&cases.cases).Elem())
			for _, x := range cases.cases {
				var persons []store.CasePerson
				f.fill(reflect.ValueOf(&persons).Elem())
				cases.persons[x.Number] = persons
			}
			f.fill(reflect.ValueOf(&tasks.tasks).Elem())
			f.fill(reflect.ValueOf(&tasks.counts).Elem())
			for j, x := range tasks.tasks {
				if j%2 == 0 { // named, or not; a claim's type, filed online or not
					var name string
					f.fill(reflect.ValueOf(&name).Elem())
					tasks.names[x.PersonID] = name
				}
				if j%3 == 0 {
					tasks.tasks[j].Type = "claim.review"
					tasks.online[x.Subject] = j%2 == 0
				}
			}
		}
		for _, a := range []struct {
			body appendsJSON
			as   any
		}{{cases, cases.list()}, {tasks, tasks.list()}} {
			var want bytes.Buffer
			if err := json.NewEncoder(&want).Encode(a.as); err != nil {
				t.Fatal(err)
			}
			got, err := a.body.appendJSON([]byte("x"))
			if err != nil {
				t.Fatalf("%T: %v", a.body, err)
			}
			if got := string(got) + "\n"; got != "x"+want.String() {
				t.Fatalf("%T, fill %d:\n got %s\nwant x%s", a.body, i, got, want.String())
			}
		}
	}
}

// TestListsRefuseWhatEncodingJSONRefuses: a time encoding/json refuses, or
// a task's data that is not JSON, is an error, not a broken answer.
func TestListsRefuseWhatEncodingJSONRefuses(t *testing.T) {
	farTime := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	pages := []*casePage{{cases: []store.Case{{OpenedAt: farTime}}}, {cases: []store.Case{{StageDue: &farTime}}}}
	for _, p := range pages {
		if _, err := json.Marshal(p.list()); err == nil {
			t.Fatalf("encoding/json took %+v", p.list())
		}
		if got, err := p.appendJSON(nil); err == nil {
			t.Errorf("a case page written with no error: %s", got)
		}
	}
	bodies := []*taskPage{
		{tasks: []store.Task{{CompletedAt: &farTime}}},
		{tasks: []store.Task{{DueAt: farTime}}},
		{tasks: []store.Task{{Data: json.RawMessage(`{"case":`)}}},
		{tasks: []store.Task{{OutcomeData: json.RawMessage(``)}}},
	}
	for _, body := range bodies {
		if _, err := json.Marshal(body.list()); err == nil {
			t.Fatalf("encoding/json took %+v", body.list())
		}
		if got, err := body.appendJSON(nil); err == nil {
			t.Errorf("a task page written with no error: %s", got)
		}
	}
}

// TestPagesGoBackEmptied: a written page goes back to be listed into
// again, with none of its cases or tasks left in it, and only once.
func TestPagesGoBackEmptied(t *testing.T) {
	keptCases, keptTasks := new([]store.Case), new([]store.Task)
	*keptCases, *keptTasks = make([]store.Case, 0, 100), make([]store.Task, 0, 50)
	cases := &casePage{cases: append((*keptCases)[:0], store.Case{Number: "PG-2026-00001", Manager: "ana"}, store.Case{Number: "PG-2026-00002"}), kept: keptCases}
	tasks := &taskPage{tasks: append((*keptTasks)[:0], store.Task{ID: "t1", Data: json.RawMessage(`{}`)}, store.Task{ID: "t2"}), kept: keptTasks}
	for _, p := range []releaser{cases, tasks} {
		p.release()
		p.release() // a second release gives nothing back
	}
	if len(*keptCases) != 0 || cap(*keptCases) != 100 || len(*keptTasks) != 0 || cap(*keptTasks) != 50 {
		t.Fatalf("kept pages len %d, %d cap %d, %d; want 0 and 100, 50", len(*keptCases), len(*keptTasks), cap(*keptCases), cap(*keptTasks))
	}
	for i := range 2 {
		if x := (*keptCases)[:2][i]; !reflect.DeepEqual(x, store.Case{}) {
			t.Errorf("case %d left in the kept page: %+v", i, x)
		}
		if x := (*keptTasks)[:2][i]; !reflect.DeepEqual(x, store.Task{}) {
			t.Errorf("task %d left in the kept page: %+v", i, x)
		}
	}
	if cases.cases != nil || cases.kept != nil || tasks.tasks != nil || tasks.kept != nil {
		t.Error("a released page still holds its rows")
	}
}
