package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"kemitraan/app/platform/actor"
	"kemitraan/app/sanction"
)

// issueLetter has a reviewer issue a first warning on one of the cases the
// evaluation opened, and returns the letter's number and code.
func (s *site) issueLetter(t *testing.T) (number, code string) {
	t.Helper()
	var caseID, reviewer int64
	if err := s.db.Raw(`SELECT id FROM sanction_cases WHERE stage = 'queued' ORDER BY id LIMIT 1`).Row().Scan(&caseID); err != nil {
		t.Fatalf("no queued case: %v", err)
	}
	username, _ := s.user(actor.RoleReviewer, 0, 0)
	if err := s.db.Raw(`SELECT id FROM users WHERE username = ?`, username).Row().Scan(&reviewer); err != nil {
		t.Fatal(err)
	}
	ctx := actor.With(context.Background(), actor.Actor{UserID: reviewer, Username: username, Role: actor.RoleReviewer})
	res, err := s.svc.Sanction.Decide(ctx, caseID, sanction.DecisionInput{Decision: sanction.Warn,
		Reason: "Rahasia: catatan peninjau"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Raw(`SELECT verification_code FROM sanction_letters WHERE id = ?`, res.Letter.ID).Row().Scan(&code); err != nil {
		t.Fatal(err)
	}
	return res.Letter.Number, code
}

func TestLetterVerificationPage(t *testing.T) {
	s := newSite(t)
	s.evaluated()
	number, code := s.issueLetter(t)
	b := s.browser()
	typed := strings.ToLower(sanction.FormatVerificationCode(code))
	page := b.get("/verifikasi/"+typed).must(t, http.StatusOK, "Surat ini asli", number, "Surat Peringatan Pertama (SP1)", "WIB")
	if strings.Contains(page.body, "Rahasia") {
		t.Error("the verification page shows more than what the letter is")
	}
	b.get("/verifikasi").must(t, http.StatusOK, "Periksa keaslian surat", `name="kode"`)
	res := b.get("/verifikasi?kode=ABCDE-FGH23")
	if res.status != http.StatusSeeOther || res.location() != "/verifikasi/ABCDE-FGH23" {
		t.Fatalf("form: %d to %q", res.status, res.location())
	}
	b.get(res.location()).must(t, http.StatusNotFound, "Kode verifikasi tidak dikenal", `value="ABCDE-FGH23"`)
}
