package database

import (
	"slices"
	"testing"
)

func TestPageSize(t *testing.T) {
	t.Parallel()
	for limit, want := range map[int]int{-1: DefaultPageSize, 0: DefaultPageSize, 1: 1, 200: 200, 201: MaxPageSize} {
		if got := PageSize(limit); got != want {
			t.Errorf("PageSize(%d) = %d, want %d", limit, got, want)
		}
	}
}

func TestKeysetPage(t *testing.T) {
	t.Parallel()
	id := func(n int64) int64 { return n * 10 }
	for _, tc := range []struct {
		name     string
		rows     []int64
		size     int
		wantRows []int64
		wantNext int64
	}{
		{"empty", nil, 2, nil, 0},
		{"short", []int64{9}, 2, []int64{9}, 0},
		{"exactly full", []int64{9, 8}, 2, []int64{9, 8}, 0},
		{"one more", []int64{9, 8, 7}, 2, []int64{9, 8}, 80},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, next := KeysetPage(tc.rows, tc.size, id)
			if !slices.Equal(rows, tc.wantRows) || next != tc.wantNext {
				t.Errorf("KeysetPage = %v, %d; want %v, %d", rows, next, tc.wantRows, tc.wantNext)
			}
		})
	}
}
