package api

import (
	"net/http"
	"slices"
	"strconv"
	"testing"

	"kemitraan/app/platform/actor"
)

// paymentOf is what a purchase's row says of its payment ("" for NULL).
type paymentOf struct {
	PaymentDays       int
	DueDate           string
	Consignment       bool
	PaidDate          string
	IKMPayment        string
	IKMPaidAmount     int64
	PaymentResolution string
	PaidOn            string
}

func (s *testServer) paymentOf(id int64) paymentOf {
	s.t.Helper()
	var p paymentOf
	if err := s.db.Raw(`SELECT payment_days, to_char(due_date, 'YYYY-MM-DD') AS due_date, consignment,
			coalesce(to_char(paid_date, 'YYYY-MM-DD'), '') AS paid_date, coalesce(ikm_payment, '') AS ikm_payment,
			coalesce(ikm_paid_amount, 0) AS ikm_paid_amount, coalesce(payment_resolution, '') AS payment_resolution,
			coalesce(to_char(paid_on, 'YYYY-MM-DD'), '') AS paid_on
		FROM purchases WHERE id = ?`, id).Scan(&p).Error; err != nil {
		s.t.Fatal(err)
	}
	return p
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// TestPaymentTermsOnReport: a purchase outside an agreement is due in the
// rule set's 30 days; under an agreement with its own terms, in those, and
// consignment is named.
func TestPaymentTermsOnReport(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	business := s.newBusiness("hotel")
	company := s.asCompany(business)
	ikm := s.newIKM()

	plain := purchaseBody(ikm)
	delete(plain, "paid_date")
	p := s.report(company, plain)
	if p.PaymentDays != 30 || p.DueDate != "2025-04-09" || p.Consignment || p.PaidOn != nil || p.PaymentStatus != nil {
		t.Errorf("outside an agreement: %d days, due %s, consignment %v, paid on %v, payment %v",
			p.PaymentDays, p.DueDate, p.Consignment, p.PaidOn, p.PaymentStatus)
	}
	if got := s.paymentOf(p.ID); got.PaymentDays != 30 || got.DueDate != "2025-04-09" {
		t.Errorf("stored: %+v", got)
	}

	agreement := s.approvedAgreement(business, ikm)
	if err := s.db.Exec(`UPDATE agreements SET payment_days = 14, consignment = true WHERE id = ?`, agreement).Error; err != nil {
		t.Fatal(err)
	}
	under := purchaseBody(ikm)
	under["agreement_id"] = agreement
	q := s.report(company, under)
	if q.PaymentDays != 14 || q.DueDate != "2025-03-24" || !q.Consignment || str(q.PaidOn) != "2025-03-12" ||
		str(q.PaymentStatus) != "paid" {
		t.Errorf("under the agreement: %d days, due %s, consignment %v, paid on %s, payment %s",
			q.PaymentDays, q.DueDate, q.Consignment, str(q.PaidOn), str(q.PaymentStatus))
	}
	got := decode[purchaseResponse](s.call(company, http.MethodGet, purchasePath(q.ID, ""), nil), http.StatusOK)
	if got.PaymentDays != 14 || got.DueDate != "2025-03-24" || !got.Consignment {
		t.Errorf("read back: %+v", got)
	}
}

// TestPaymentAnswersDisputesAndMarks: the IKM's word on payment with its
// confirmation and after it, the payment dispute it opens and an officer's
// decision, the company's "sudah dibayar", and every refusal naming its
// field and writing nothing.
func TestPaymentAnswersDisputesAndMarks(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	business := s.newBusiness("factory")
	s.db.Exec("UPDATE businesses SET contact_email = 'keuangan@pabrik.co.id' WHERE id = ?", business)
	company := s.asCompany(business)
	otherCompany := s.asCompany(s.newBusiness("hotel"))
	ikm := s.newIKM()
	ikmUser := s.asIKM(ikm)
	officer := s.as(actor.RoleOfficer)

	refused := func(who caller, id int64, action string, body map[string]any, status int, field string) {
		t.Helper()
		before, audits := s.paymentOf(id), s.count("SELECT count(*) FROM audit_events")
		p := s.call(who, http.MethodPost, purchasePath(id, action), body).problem(status)
		if field != "" && !slices.Contains(fields(p), field) {
			t.Errorf("%s %v: fields %v, want %s", action, body, fields(p), field)
		}
		if after := s.paymentOf(id); after != before || s.count("SELECT count(*) FROM audit_events") != audits {
			t.Errorf("%s %v wrote: %+v → %+v", action, body, before, after)
		}
	}

	// Reported paid on 12 March; the IKM confirms and says only part came.
	a := s.report(company, purchaseBody(ikm))
	refused(ikmUser, a.ID, "payment", map[string]any{"payment": "unpaid"}, http.StatusConflict, "payment")
	refused(ikmUser, a.ID, "confirm", map[string]any{"payment": "sebagian"}, 422, "payment")
	refused(ikmUser, a.ID, "confirm", map[string]any{"payment": "partial", "amount_received": 1_500_000}, 422, "amount_received")
	refused(ikmUser, a.ID, "confirm", map[string]any{"payment": "partial"}, 422, "amount_received")
	refused(ikmUser, a.ID, "confirm", map[string]any{"payment": "paid", "payment_date": "2025-03-21"}, 422, "payment_date")
	c := decode[purchaseResponse](s.call(ikmUser, http.MethodPost, purchasePath(a.ID, "confirm"),
		map[string]any{"payment": "partial", "amount_received": 500_000}), http.StatusOK)
	if c.Status != "confirmed" || str(c.PaymentStatus) != "disputed" || c.PaidOn != nil || *c.IKMPaidAmount != 500_000 {
		t.Fatalf("confirmed, partly paid: %+v", c)
	}
	if n := s.count(`SELECT count(*) FROM outbox WHERE kind = 'purchase.payment_disputed_office'
			AND recipient = 'disperin@bekasikab.go.id' AND body LIKE '%baru menerima Rp500.000%'`); n != 1 {
		t.Errorf("%d payment dispute notices to the Dinas", n)
	}
	if n := s.count(`SELECT count(*) FROM outbox WHERE kind = 'purchase.payment_disputed' AND recipient = 'keuangan@pabrik.co.id'`); n != 1 {
		t.Errorf("%d payment dispute notices to the company", n)
	}
	// While it is open the company cannot overwrite it; the officer decides.
	refused(company, a.ID, "paid", map[string]any{"paid_date": "2025-03-15"}, http.StatusConflict, "")
	refused(officer, a.ID, "payment-resolution", map[string]any{"decision": "paid"}, 422, "reason")
	refused(officer, a.ID, "payment-resolution", map[string]any{"decision": "lunas", "reason": "x"}, 422, "decision")
	refused(company, a.ID, "payment-resolution", map[string]any{"decision": "paid", "reason": "x"}, http.StatusForbidden, "")
	r := decode[purchaseResponse](s.call(officer, http.MethodPost, purchasePath(a.ID, "payment-resolution"),
		map[string]any{"decision": "paid", "reason": "Bukti transfer 12 Maret diperiksa"}), http.StatusOK)
	if str(r.PaymentStatus) != "paid" || str(r.PaidOn) != "2025-03-12" || str(r.PaymentResolution) != "paid" {
		t.Errorf("resolved as paid: %+v", r)
	}
	refused(officer, a.ID, "payment-resolution", map[string]any{"decision": "paid", "reason": "lagi"}, http.StatusConflict, "")
	refused(ikmUser, a.ID, "payment", map[string]any{"payment": "unpaid"}, http.StatusConflict, "")

	// Reported unpaid; confirmed without a word on payment. The company
	// marks it paid: not in the future, not before the purchase, not
	// another company's.
	plain := purchaseBody(ikm)
	delete(plain, "paid_date")
	b := s.report(company, plain)
	decode[purchaseResponse](s.call(ikmUser, http.MethodPost, purchasePath(b.ID, "confirm"), nil), http.StatusOK)
	refused(company, b.ID, "paid", map[string]any{"paid_date": "2025-03-21"}, 422, "paid_date")
	refused(company, b.ID, "paid", map[string]any{"paid_date": "2025-03-09"}, 422, "paid_date")
	refused(company, b.ID, "paid", map[string]any{"paid_date": "20-03-2025"}, 422, "paid_date")
	refused(company, b.ID, "paid", map[string]any{}, 422, "paid_date")
	refused(otherCompany, b.ID, "paid", map[string]any{"paid_date": "2025-03-15"}, http.StatusNotFound, "")
	m := decode[purchaseResponse](s.call(company, http.MethodPost, purchasePath(b.ID, "paid"),
		map[string]any{"paid_date": "2025-03-15"}), http.StatusOK)
	if str(m.PaidOn) != "2025-03-15" || str(m.PaymentStatus) != "paid" {
		t.Errorf("marked paid: %+v", m)
	}
	// The IKM says no: a dispute; the officer finds it unpaid, which
	// strikes the company's date.
	s.call(ikmUser, http.MethodPost, purchasePath(b.ID, "payment"), map[string]any{"payment": "unpaid"})
	if got := s.paymentOf(b.ID); got.IKMPayment != "unpaid" || got.PaidOn != "" {
		t.Fatalf("after the IKM's no: %+v", got)
	}
	decode[purchaseResponse](s.call(officer, http.MethodPost, purchasePath(b.ID, "payment-resolution"),
		map[string]any{"decision": "unpaid", "reason": "Perusahaan tidak dapat menunjukkan bukti"}), http.StatusOK)
	if got := s.paymentOf(b.ID); got.PaidDate != "" || got.PaidOn != "" || got.PaymentResolution != "unpaid" {
		t.Errorf("resolved as unpaid: %+v", got)
	}
	// Paid later after all: the new report stands.
	decode[purchaseResponse](s.call(company, http.MethodPost, purchasePath(b.ID, "paid"),
		map[string]any{"paid_date": "2025-03-19"}), http.StatusOK)
	if got := s.paymentOf(b.ID); got.PaidOn != "2025-03-19" || got.IKMPayment != "" || got.PaymentResolution != "" {
		t.Errorf("paid after the decision: %+v", got)
	}
	var events []string
	s.db.Raw(`SELECT action FROM audit_events WHERE entity_type = 'purchase' AND entity_id = ? AND action LIKE '%pa%'
		ORDER BY id`, strconv.FormatInt(b.ID, 10)).Scan(&events)
	want := []string{"purchase.mark_paid", "purchase.payment_answer", "purchase.payment_resolve", "purchase.mark_paid"}
	if !slices.Equal(events, want) {
		t.Errorf("audit events %v, want %v", events, want)
	}

	// A reversal carries the payment of what it corrects, and freezes it.
	rev := decode[purchaseResponse](s.call(company, http.MethodPost, purchasePath(b.ID, "reverse"),
		map[string]any{"reason": "Nilai salah"}), http.StatusCreated)
	if got := s.paymentOf(rev.ID); got.PaidOn != "2025-03-19" || got.PaymentDays != 30 {
		t.Errorf("the reversal's payment: %+v", got)
	}
	refused(company, b.ID, "paid", map[string]any{"paid_date": "2025-03-18"}, http.StatusConflict, "")
	refused(ikmUser, rev.ID, "confirm", map[string]any{"payment": "paid"}, 422, "payment")
}

// TestPaymentAnswerThroughTheLink: the IKM without an account answers
// payment with its confirmation on the password-less link.
func TestPaymentAnswerThroughTheLink(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	company := s.asCompany(s.newBusiness("restaurant"))
	ikm := s.newIKM()
	officer := s.as(actor.RoleOfficer)
	plain := purchaseBody(ikm)
	delete(plain, "paid_date")
	p := s.report(company, plain)
	token := s.linkToken(officer, p.ID)
	s.call(caller{}, http.MethodPost, "/api/v1/confirmations/"+token,
		map[string]any{"decision": "dispute", "reason": "salah", "payment": "paid"}).problem(422)
	decode[confirmationResponse](s.call(caller{}, http.MethodPost, "/api/v1/confirmations/"+token,
		map[string]any{"decision": "confirm", "payment": "paid", "payment_date": "2025-03-11"}), http.StatusOK)
	if got := s.paymentOf(p.ID); got.IKMPayment != "paid" || got.PaidOn != "2025-03-11" {
		t.Errorf("answered through the link: %+v", got)
	}
}
