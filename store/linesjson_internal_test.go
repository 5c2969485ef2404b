package store

import (
	"encoding/json"
	"testing"

	"github.com/karton-social/karton/domain"
)

func TestLinesJSONIsEncodingJSON(t *testing.T) {
	var all []byte
	for c := 0; c < 128; c++ {
		all = append(all, byte(c))
	}
	cases := [][]domain.PaymentLine{
		nil,
		{},
		{line("whole month 2024-02 at 123.45 a month (version 1, grant, 2024/0012)", "123.45"), line("owed for 2024-02", "123.45")},
		{line(string(all), "x")},
		{line("<b>&amp;</b> \"quoted\" back\\slash", "tab\tline\nfeed\rcr")},
		{line("invalid \xff\xfe utf-8 \xe2\x82", "line sep \u2028 para sep \u2029")},
		{line("Đurđević Šćepan ž € 😀", "")},
	}
	for _, lines := range cases {
		want, err := json.Marshal(lines)
		if err != nil {
			t.Fatal(err)
		}
		if got := linesJSON(lines); string(got) != string(want) {
			t.Errorf("linesJSON(%q)\n got %s\nwant %s", lines, got, want)
		}
	}
}

func line(what, value string) domain.PaymentLine { return domain.PaymentLine{What: what, Value: value} }

func FuzzLinesJSONIsEncodingJSON(f *testing.F) {
	f.Add("whole month 2024-02", "12.30")
	f.Add("\x00<\u2028\xff", "\"\\")
	f.Fuzz(func(t *testing.T, what, value string) {
		lines := []domain.PaymentLine{line(what, value), line(value, what)}
		want, _ := json.Marshal(lines)
		if got := linesJSON(lines); string(got) != string(want) {
			t.Errorf("linesJSON(%q)\n got %s\nwant %s", lines, got, want)
		}
	})
}
