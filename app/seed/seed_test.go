package seed_test

import (
	"context"
	"testing"

	"kemitraan/app/platform/dbtest"
	"kemitraan/app/seed"
)

func TestSeedIsIdempotent(t *testing.T) {
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
	db.Table("businesses").Where("parent_id IS NOT NULL").Count(&withParent)
	if withParent == 0 {
		t.Error("no factory names its industrial estate")
	}
	var categories int64
	db.Raw("SELECT count(DISTINCT category) FROM businesses").Scan(&categories)
	if categories < 5 {
		t.Errorf("demo covers %d categories, want every one the rules name", categories)
	}
}
