package store

import (
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/karton-social/karton/domain"
)

// TestTimelineMergePlacesVersionsOnTheirRights: versions read in id order
// go to the page's rights with their ids, in order; a right with none has
// none, and the versions of a right in the page's range that is not on
// the page go nowhere.
func TestTimelineMergePlacesVersionsOnTheirRights(t *testing.T) {
	id := func(n int) string { return fmt.Sprintf("0196%04x-0000-7000-8000-000000000000", n) }
	page := []PayableRight{{EntitlementID: id(1)}, {EntitlementID: id(3)}, {EntitlementID: id(5)}, {EntitlementID: id(6)}}
	page[1].Timeline = domain.Timeline{{Seq: 99}} // left from a page before: replaced
	m, err := newTimelineMerge(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []struct{ right, seq int }{{1, 1}, {1, 2}, {2, 1}, {4, 1}, {4, 2}, {5, 1}, {6, 1}, {6, 2}, {6, 3}} {
		m.add(uuid.MustParse(id(row.right)), domain.RightVersion{Seq: row.seq})
	}
	m.finish()
	want := map[int][]int{0: {1, 2}, 1: nil, 2: {1}, 3: {1, 2, 3}}
	for i, seqs := range want {
		got := []int(nil)
		for _, v := range page[i].Timeline {
			got = append(got, v.Seq)
		}
		if fmt.Sprint(got) != fmt.Sprint(seqs) {
			t.Errorf("right %d: versions %v; want %v", i, got, seqs)
		}
	}
	page[0].Timeline = append(page[0].Timeline, domain.RightVersion{Seq: 3})
	if page[2].Timeline[0].Seq != 1 {
		t.Errorf("an append to one right's versions wrote over the next right's: %+v", page[2].Timeline)
	}
	if _, err := newTimelineMerge([]PayableRight{{EntitlementID: "not an id"}}); err == nil {
		t.Error("a page with an id that is not a uuid: no error")
	}
}
