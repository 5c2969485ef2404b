package api

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
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
// encoder's that writeJSON uses for every other answer.
func TestListsWriteWhatEncodingJSONWrites(t *testing.T) {
	f := filler{rand.New(rand.NewPCG(24, 2026))}
	for i := range 400 {
		for _, body := range []appendsJSON{&caseList{}, &taskList{}} {
			if i > 0 {
				f.fill(reflect.ValueOf(body).Elem())
			}
			var want bytes.Buffer
			if err := json.NewEncoder(&want).Encode(body); err != nil {
				t.Fatal(err)
			}
			got, err := body.appendJSON([]byte("x"))
			if err != nil {
				t.Fatalf("%T: %v", body, err)
			}
			if got := string(got) + "\n"; got != "x"+want.String() {
				t.Fatalf("%T, fill %d:\n got %s\nwant x%s", body, i, got, want.String())
			}
		}
	}
}

// TestListsRefuseWhatEncodingJSONRefuses: a time encoding/json refuses, or
// a task's data that is not JSON, is an error, not a broken answer.
func TestListsRefuseWhatEncodingJSONRefuses(t *testing.T) {
	far := instant(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
	bodies := []appendsJSON{
		&caseList{Cases: []caseListItem{{caseSummary: caseSummary{OpenedAt: far}}}},
		&caseList{Cases: []caseListItem{{caseSummary: caseSummary{StageDue: &far}}}},
		&taskList{Tasks: []taskDTO{{CompletedAt: &far}}},
		&taskList{Tasks: []taskDTO{{Data: json.RawMessage(`{"case":`)}}},
		&taskList{Tasks: []taskDTO{{OutcomeData: json.RawMessage(``)}}},
	}
	for _, body := range bodies {
		if _, err := json.Marshal(body); err == nil {
			t.Fatalf("encoding/json took %+v", body)
		}
		if got, err := body.appendJSON(nil); err == nil {
			t.Errorf("%T written with no error: %s", body, got)
		}
	}
}
