package seed_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/seed"
)

func TestScaleDataIsSetBasedAndRepeatable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	sc := seed.Scale{Businesses: 200, Purchases: 8000, IKMs: 50}
	first, err := seed.ScaleData(ctx, db, sc)
	if err != nil {
		t.Fatal(err)
	}
	want := seed.ScaleResult{Businesses: 200, Purchases: 8000, IKMs: 50, Agreements: 20, Outlets: 10, Reports: 180}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Fatalf("first run (-want +got):\n%s", diff)
	}
	again, err := seed.ScaleData(ctx, db, sc)
	if err != nil || again != (seed.ScaleResult{}) {
		t.Fatalf("second run: %+v %v", again, err)
	}
	var q1, confirmed, categories int64
	db.Raw("SELECT count(*) FROM purchases WHERE purchase_date < '2025-04-01'").Scan(&q1)
	db.Raw("SELECT count(*) FROM purchases WHERE status = 'confirmed'").Scan(&confirmed)
	db.Raw("SELECT count(DISTINCT category) FROM businesses").Scan(&categories)
	// A quarter of the year's purchases fall in Q1 (90 of 365 days), about
	// 85% are confirmed, and every category appears.
	if q1 < 1800 || q1 > 2150 || confirmed < 6400 || confirmed > 7200 || categories != 6 {
		t.Errorf("shape: %d in Q1, %d confirmed, %d categories", q1, confirmed, categories)
	}
	// Payment: about 60% paid within terms, 20% late, 20% not, and 5%
	// consignment.
	var onTime, late, unpaid, consigned int64
	db.Raw("SELECT count(*) FROM purchases WHERE paid_date <= due_date").Scan(&onTime)
	db.Raw("SELECT count(*) FROM purchases WHERE paid_date > due_date").Scan(&late)
	db.Raw("SELECT count(*) FROM purchases WHERE paid_date IS NULL").Scan(&unpaid)
	db.Raw("SELECT count(*) FROM purchases WHERE consignment").Scan(&consigned)
	if onTime < 4400 || onTime > 5200 || late < 1300 || late > 1900 || unpaid < 1300 || unpaid > 1900 ||
		consigned < 300 || consigned > 500 {
		t.Errorf("payment: %d on time, %d late, %d unpaid, %d consignment", onTime, late, unpaid, consigned)
	}
}
