package seed_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gorm.io/gorm"

	"kemitraan/app/platform/dbtest"
	"kemitraan/app/registry"
	"kemitraan/app/seed"
)

func TestSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t) // the migrations carry the reference data
	rows := func(table string) int64 {
		var n int64
		if err := db.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := rows("kecamatan"); got != 23 {
		t.Fatalf("kecamatan: %d rows, want 23", got)
	}

	first, err := seed.DemoData(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if first.Businesses < 10 || first.IKMs < 24 {
		t.Fatalf("demo inserted %+v, want a believable set", first)
	}
	businesses, ikms := rows("businesses"), rows("ikms")

	second, err := seed.DemoData(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if second != (seed.Demo{}) {
		t.Fatalf("second run inserted %+v", second)
	}
	if rows("businesses") != businesses || rows("ikms") != ikms {
		t.Fatal("row counts changed on the second run")
	}

	var withParent int64
	must(t, db.Table("businesses").Where("parent_id IS NOT NULL").Count(&withParent))
	if withParent == 0 {
		t.Error("no factory names its industrial estate")
	}
	// Every category but the catch-all "other" has a business in the demo.
	var categories []string
	must(t, db.Raw("SELECT DISTINCT category FROM businesses ORDER BY category").Scan(&categories))
	var want []string
	for _, c := range registry.Categories {
		if c != "other" {
			want = append(want, c)
		}
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, categories); diff != "" {
		t.Errorf("demo categories (-want +got):\n%s", diff)
	}
}

// must fails the test when the query q ran failed, so a broken query never
// passes a "count must be 0" check.
func must(t *testing.T, q *gorm.DB) {
	t.Helper()
	if q.Error != nil {
		t.Fatal(q.Error)
	}
}
