package procurement_test

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/platform/fault"
	"kemitraan/app/procurement"
)

// A link issued before purchases kept their own (its hash in
// confirmation_tokens) still opens, answers and is used up like a new one.
func TestLinksKeptInConfirmationTokensStillWork(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := actor.With(context.Background(), actor.SystemActor)
	now := time.Date(2025, 3, 20, 3, 0, 0, 0, time.UTC)
	secret := "a-secret-of-at-least-thirty-two-bytes"
	svc := procurement.New(db, clock.NewFixed(now), procurement.Config{MaxAmount: 1e10, PublicURL: "http://127.0.0.1:8080",
		TokenSecret: secret}, nil, nil)
	var purchaseID int64
	business, ikm := dbtest.AddBusiness(t, db, dbtest.Business{}), dbtest.AddIKM(t, db, dbtest.IKM{})
	if err := db.Raw(`INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, description, quantity,
			amount, status, confirm_by, source, created_at, updated_at)
		VALUES (?, ?, 'F-1', '2025-03-10', 'Besek', 1, 100000, 'reported', ?, 'manual', ?, ?) RETURNING id`,
		business, ikm, now.Add(14*24*time.Hour), now, now).Row().Scan(&purchaseID); err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, 16)
	rand.Read(nonce)
	value, hash := procurement.LegacyLink([]byte(secret), nonce)
	if err := db.Exec(`INSERT INTO confirmation_tokens (purchase_id, nonce, token_hash, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?)`, purchaseID, nonce, hash, now.Add(14*24*time.Hour), now).Error; err != nil {
		t.Fatal(err)
	}

	if url, _, ok, err := svc.ConfirmationURL(ctx, purchaseID); err != nil || !ok || !strings.HasSuffix(url, "/"+value) {
		t.Errorf("officer's link: %q %t %v, want one ending in %q", url, ok, err, value)
	}
	if p, err := svc.ShowByToken(ctx, value); err != nil || p.Amount != 100000 {
		t.Fatalf("show: %+v %v", p, err)
	}
	if p, err := svc.DecideByToken(ctx, value, procurement.Confirm, ""); err != nil || p.Status != procurement.StatusConfirmed {
		t.Fatalf("confirm: %+v %v", p, err)
	}
	_, err := svc.ShowByToken(ctx, value)
	if fe, ok := fault.As(err); !ok || fe.Code != "token_used" {
		t.Errorf("the used link: %v, want token_used", err)
	}
	if _, _, ok, _ := svc.ConfirmationURL(ctx, purchaseID); ok {
		t.Error("the officer still sees the used link")
	}
	// A token signed alike for a nonce nobody issued is unknown.
	rand.Read(nonce)
	unissued, _ := procurement.LegacyLink([]byte(secret), nonce)
	_, err = svc.ShowByToken(ctx, unissued)
	if !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("an unissued link: %v, want not found", err)
	}
}
