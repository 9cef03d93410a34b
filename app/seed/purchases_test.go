package seed_test

import (
	"context"
	"testing"

	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/procurement"
	"kemitraan/app/seed"
)

func TestDemoPurchasesAreIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	svc := procurement.New(db, clock.System{}, procurement.Config{MaxAmount: 10_000_000_000, ImportMaxRows: 10,
		PublicURL: "http://127.0.0.1:8080"}, nil, nil)
	if _, err := seed.DemoData(ctx, db); err != nil {
		t.Fatal(err)
	}
	first, err := seed.DemoPurchases(ctx, db, svc)
	if err != nil {
		t.Fatal(err)
	}
	if first < 12 {
		t.Fatalf("inserted %d purchases, want a believable set", first)
	}
	second, err := seed.DemoPurchases(ctx, db, svc)
	if err != nil || second != 0 {
		t.Fatalf("second run inserted %d, %v", second, err)
	}
	var byStatus []struct {
		Status   string
		Verified bool
		N        int
		Links    int
	}
	db.Raw(`SELECT status, verified, count(*) AS n,
			count(*) FILTER (WHERE p.link_nonce IS NOT NULL) AS links
		FROM purchases p GROUP BY status, verified ORDER BY status, verified`).Scan(&byStatus)
	want := map[string]bool{"confirmed": false, "confirmed+verified": false, "disputed": false, "reported": false}
	for _, s := range byStatus {
		key := s.Status
		if s.Verified {
			key += "+verified"
		}
		want[key] = true
		if s.Status == "reported" && s.Links != s.N {
			t.Errorf("%d of %d purchases awaiting confirmation have a link", s.Links, s.N)
		}
	}
	for k, ok := range want {
		if !ok {
			t.Errorf("no demo purchase %s (have %+v)", k, byStatus)
		}
	}
	// Every payment state shows: paid, late, unpaid, consignment, disputed.
	var pay struct{ Paid, Late, Unpaid, Consigned, Disputed int }
	db.Raw(`SELECT count(*) FILTER (WHERE paid_on <= due_date) AS paid, count(*) FILTER (WHERE paid_on > due_date) AS late,
			count(*) FILTER (WHERE paid_on IS NULL AND status = 'confirmed') AS unpaid,
			count(*) FILTER (WHERE consignment) AS consigned,
			count(*) FILTER (WHERE ikm_payment = 'partial' AND paid_date IS NOT NULL AND payment_resolution IS NULL) AS disputed
		FROM purchases`).Scan(&pay)
	if pay.Paid == 0 || pay.Late == 0 || pay.Unpaid < 2 || pay.Consigned == 0 || pay.Disputed != 1 {
		t.Errorf("demo payments: %+v", pay)
	}
}
