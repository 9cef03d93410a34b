package auth_test

import (
	"context"
	"testing"
	"time"

	"kemitraan/app/auth"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/platform/fault"
)

// TestSignerProfile: the position, rank and NIP a reviewer signs letters
// with are set when the account is made and changed later: nil leaves a
// field, "" clears it (NULL), a NIP typed in its printed groups is stored
// as its 18 digits, and anything else is a field error that writes
// nothing.
func TestSignerProfile(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := actor.With(context.Background(), actor.SystemActor)
	svc := auth.NewService(db, clock.NewFixed(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)), config.Default().Auth)
	text := func(p *string) string {
		if p == nil {
			return "<nil>"
		}
		return *p
	}

	u, err := svc.CreateUser(ctx, auth.NewUser{Username: "kabid", Name: "Ir. Siti Rahayu, M.T.", Role: actor.RoleReviewer,
		Password: "rahasia-siti-2025", Position: "  Kepala Bidang Pengembangan Industri", NIP: " 19700101 199503 2 001 "})
	if err != nil {
		t.Fatal(err)
	}
	if text(u.Position) != "Kepala Bidang Pengembangan Industri" || u.Rank != nil || text(u.NIP) != "197001011995032001" {
		t.Fatalf("created %s | %s | %s", text(u.Position), text(u.Rank), text(u.NIP))
	}

	rank, none := "Pembina Tingkat I (IV/b)", ""
	u, err = svc.UpdateUser(ctx, u.ID, auth.UserUpdate{Rank: &rank, NIP: &none})
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if text(got.Position) != "Kepala Bidang Pengembangan Industri" || text(got.Rank) != rank || got.NIP != nil {
		t.Errorf("after the update %s | %s | %s", text(got.Position), text(got.Rank), text(got.NIP))
	}

	for _, nip := range []string{"12345", "19700101199503200X", "1970010119950320011"} {
		_, err := svc.UpdateUser(ctx, u.ID, auth.UserUpdate{NIP: &nip})
		if fe, ok := fault.As(err); !ok || len(fe.Fields) != 1 || fe.Fields[0].Field != "nip" {
			t.Errorf("NIP %q: %v", nip, err)
		}
	}
	if after, _ := svc.GetUser(ctx, u.ID); after.NIP != nil {
		t.Errorf("a refused NIP was stored: %s", *after.NIP)
	}
}
