package seed_test

import (
	"context"
	"io"
	"testing"

	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/platform/files"
	"kemitraan/app/seed"
)

func TestDemoPartnershipsAreApprovedDocumentedAndIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	store := files.NewStore(t.TempDir(), 10<<20, clock.System{})
	if _, err := seed.DemoData(ctx, db); err != nil {
		t.Fatal(err)
	}
	first, err := seed.DemoPartnerships(ctx, db, store)
	if err != nil {
		t.Fatal(err)
	}
	if first.Agreements < 5 || first.Outlets < 4 {
		t.Fatalf("inserted %+v, want a believable set", first)
	}
	second, err := seed.DemoPartnerships(ctx, db, store)
	if err != nil || second != (seed.DemoPartnership{}) {
		t.Fatalf("second run inserted %+v, %v", second, err)
	}

	var bad int64
	must(t, db.Raw(`SELECT count(*) FROM agreements a
		WHERE a.status <> 'approved' OR a.document_file_id IS NULL
		   OR NOT EXISTS (SELECT 1 FROM agreement_ikms x WHERE x.agreement_id = a.id)`).Scan(&bad))
	if bad != 0 {
		t.Errorf("%d demo agreements not approved, undocumented or without IKM", bad)
	}
	var inactivePartners int64
	must(t, db.Raw(`SELECT count(*) FROM agreement_ikms x JOIN ikms i ON i.id = x.ikm_id WHERE i.status <> 'active'`).Scan(&inactivePartners))
	if inactivePartners != 0 {
		t.Errorf("%d demo agreements name an inactive IKM", inactivePartners)
	}
	var outletsWithoutAgreement int64
	must(t, db.Raw(`SELECT count(*) FROM outlets WHERE agreement_id IS NULL OR status <> 'confirmed'`).Scan(&outletsWithoutAgreement))
	if outletsWithoutAgreement != 0 {
		t.Errorf("%d demo outlets not confirmed under an agreement", outletsWithoutAgreement)
	}

	// Every document is a real PDF the store can serve.
	var ids []int64
	must(t, db.Raw(`SELECT DISTINCT document_file_id FROM agreements`).Scan(&ids))
	for _, id := range ids {
		f, rc, err := store.Open(ctx, db, id)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(rc)
		rc.Close()
		if ct, reason := files.Detect(body, body); ct != files.PDF || reason != "" || f.ContentType != files.PDF {
			t.Errorf("document %d: %s %s", id, ct, reason)
		}
	}
}
