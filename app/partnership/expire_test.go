package partnership_test

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"

	"kemitraan/app/partnership"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/platform/files"
)

var pdf = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// approvedAgreement drafts, documents, submits and approves an agreement
// through the service, as an officer would.
func approvedAgreement(t *testing.T, ctx context.Context, svc *partnership.Service, business, ikm int64, number, start, end string) int64 {
	t.Helper()
	ag, err := svc.CreateAgreement(ctx, partnership.AgreementInput{
		BusinessID: business, IKMIDs: []int64{ikm}, Form: "procurement", Number: number,
		AgreementDate: start, StartDate: start, EndDate: end, TargetPurchaseValue: 10_000_000,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AttachDocument(ctx, ag.ID, "pks.pdf", bytes.NewReader(pdf)); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SubmitAgreement(ctx, ag.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ApproveAgreement(ctx, ag.ID); err != nil {
		t.Fatal(err)
	}
	return ag.ID
}

func TestEndExpiredEndsAgreementsPastTheirEndDate(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	// 1 Jan 2026, 00:30 WIB: 31 Dec 2025 is over, 1 Jan 2026 is not.
	now := time.Date(2025, 12, 31, 17, 30, 0, 0, time.UTC)
	clk := clock.NewFixed(now.AddDate(0, -6, 0))
	svc := partnership.New(db, clk, files.NewStore(t.TempDir(), 1<<20, clk), nil)
	ctx := actor.With(context.Background(), actor.Actor{UserID: 1, Username: "petugas", Role: actor.RoleOfficer})

	business := dbtest.AddBusiness(t, db, dbtest.Business{})
	ikm := dbtest.AddIKM(t, db, dbtest.IKM{})
	expired := approvedAgreement(t, ctx, svc, business, ikm, "PKS/1", "2025-01-01", "2025-12-31")
	running := approvedAgreement(t, ctx, svc, business, ikm, "PKS/2", "2025-01-01", "2026-01-01")
	draft, err := svc.CreateAgreement(ctx, partnership.AgreementInput{
		BusinessID: business, IKMIDs: []int64{ikm}, Form: "other", Number: "PKS/3",
		AgreementDate: "2025-01-01", StartDate: "2025-01-01", EndDate: "2025-03-31", TargetIKMCount: 1,
	})
	if err != nil {
		t.Fatal(err)
	}

	jobCtx := actor.With(context.Background(), actor.SystemActor)
	n, err := partnership.EndExpired(jobCtx, db, now)
	if err != nil || n != 1 {
		t.Fatalf("ended %d, %v; want 1", n, err)
	}
	status := func(id int64) (s string) {
		db.Raw("SELECT status FROM agreements WHERE id = ?", id).Scan(&s)
		return s
	}
	if status(expired) != "ended" || status(running) != "approved" || status(draft.ID) != "draft" {
		t.Errorf("statuses expired=%s running=%s draft=%s", status(expired), status(running), status(draft.ID))
	}
	var ev struct {
		Actor string
		After string
	}
	if err := db.Raw(`SELECT actor, after::text AS after FROM audit_events
		WHERE action = 'agreement.end' AND entity_type = 'agreement' AND entity_id = ?`,
		strconv.FormatInt(expired, 10)).Scan(&ev).Error; err != nil {
		t.Fatal(err)
	}
	if ev.Actor != "system" || !bytes.Contains([]byte(ev.After), []byte(`"status": "ended"`)) {
		t.Errorf("audit event %+v", ev)
	}

	again, err := partnership.EndExpired(jobCtx, db, now)
	if err != nil || again != 0 {
		t.Fatalf("second run ended %d, %v; want 0", again, err)
	}
	var events int64
	db.Table("audit_events").Where("action = 'agreement.end'").Count(&events)
	if events != 1 {
		t.Errorf("%d agreement.end events, want 1", events)
	}
}
