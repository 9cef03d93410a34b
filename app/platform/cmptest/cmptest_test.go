package cmptest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOnly(t *testing.T) {
	t.Parallel()
	type inner struct{ A, B int }
	type outer struct {
		X, Y string
		In   inner
		P    *inner
	}
	want := outer{X: "x", In: inner{A: 1}, P: &inner{A: 2}}
	only := cmp.Options{Only[outer]("X", "In", "P"), Only[inner]("A")}

	same := outer{X: "x", Y: "ignored", In: inner{A: 1, B: 9}, P: &inner{A: 2, B: 9}}
	if diff := cmp.Diff(want, same, only); diff != "" {
		t.Errorf("fields outside the list are compared:\n%s", diff)
	}
	for name, got := range map[string]outer{
		"X":       {X: "y", In: inner{A: 1}, P: &inner{A: 2}},
		"In.A":    {X: "x", In: inner{A: 3}, P: &inner{A: 2}},
		"P.A":     {X: "x", In: inner{A: 1}, P: &inner{A: 3}},
		"P (nil)": {X: "x", In: inner{A: 1}},
	} {
		if cmp.Equal(want, got, only) {
			t.Errorf("a difference in %s goes unnoticed", name)
		}
	}
	for _, bad := range []string{"Z", "A"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Only[outer](%q) does not panic", bad)
				}
			}()
			Only[outer](bad)
		}()
	}
}
