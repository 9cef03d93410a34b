package sanction_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"kemitraan/app/platform/fault"
	"kemitraan/app/sanction"
)

// TestLetterVerification: an issued letter carries a verification code and
// a QR code; the code, typed as a person would, finds the letter's number,
// kind, date and business, and nothing else does.
func TestLetterVerification(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cs := f.caseIn(sanction.StageQueued, 0, false)
	res, err := f.svc.Decide(f.reviewer, cs, sanction.DecisionInput{Decision: sanction.Warn, Reason: "Kekurangan pembelian."})
	if err != nil {
		t.Fatal(err)
	}
	var code string
	var pdf []byte
	if err := f.db.Raw(`SELECT verification_code, pdf FROM sanction_letters WHERE id = ?`, res.Letter.ID).
		Row().Scan(&code, &pdf); err != nil {
		t.Fatal(err)
	}
	if len(code) != 10 || strings.ContainsAny(code, "01OIL") {
		t.Fatalf("verification code %q", code)
	}
	if !bytes.Contains(pdf, []byte("/Subtype /Image")) {
		t.Error("the letter has no QR code image")
	}
	typed := strings.ToLower(sanction.FormatVerificationCode(code))
	got, err := f.svc.VerifyLetter(f.reviewer, " "+typed+" ")
	if err != nil {
		t.Fatal(err)
	}
	if got.Number != res.Letter.Number || got.Kind != "SP1" || got.BusinessName != "PT Contoh Abadi" || !got.IssuedAt.Equal(f.clock.Now()) {
		t.Errorf("verification: %+v", got)
	}
	for _, bad := range []string{"", "ABCDE-FGHJK", code[:9], code + "2", "'; DROP TABLE x; --"} {
		if _, err := f.svc.VerifyLetter(f.reviewer, bad); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("code %q: %v", bad, err)
		}
	}
	if got := f.svc.VerificationURL(code); got != "http://127.0.0.1:8080/verifikasi/"+code {
		t.Errorf("verification URL %q", got)
	}
}
