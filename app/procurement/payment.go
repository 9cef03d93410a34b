package procurement

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/audit"
	"kemitraan/app/notify"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/format"
)

// What an IKM says of a purchase's payment.
const (
	PaymentPaid    = "paid"    // Sudah dibayar
	PaymentUnpaid  = "unpaid"  // Belum dibayar
	PaymentPartial = "partial" // Sebagian, with the amount received
)

// PaymentAnswers lists what an IKM may answer.
var PaymentAnswers = []string{PaymentPaid, PaymentUnpaid, PaymentPartial}

// Where a purchase's payment stands, as pages and the API show it: the
// answers above, and PaymentDisputed while an officer has a payment dispute
// to decide. "" when nobody has said anything of payment.
const PaymentDisputed = "disputed"

// PaymentState says where p's payment stands.
func (p Purchase) PaymentState() string {
	switch {
	case p.PaymentDisputeOpen():
		return PaymentDisputed
	case p.PaidOn != nil:
		return PaymentPaid
	case p.IKMPayment != nil:
		return *p.IKMPayment
	case p.PaymentResolution != nil && *p.PaymentResolution == PaymentUnpaid:
		return PaymentUnpaid
	}
	return ""
}

// PaymentDisputeOpen reports whether the company says p is paid and its IKM
// says not (or not all), with no officer's decision yet.
func (p Purchase) PaymentDisputeOpen() bool {
	return p.PaidDate != nil && p.PaymentResolution == nil && p.IKMPayment != nil &&
		(*p.IKMPayment == PaymentUnpaid || *p.IKMPayment == PaymentPartial)
}

// PaymentAnswer is an IKM's word on payment.
type PaymentAnswer struct {
	Status string // PaymentAnswers
	// AmountReceived, for PaymentPartial: the rupiah received so far.
	AmountReceived int64
	// Date the money came (YYYY-MM-DD; for PaymentPaid), default today.
	Date string
}

// paymentSet checks ans for p on today and returns the columns it sets.
// Field names are the API's (payment, amount_received, payment_date).
func paymentSet(c *fault.Checker, p Purchase, ans PaymentAnswer, today, now time.Time) map[string]any {
	if !slices.Contains(PaymentAnswers, ans.Status) {
		c.Add("payment", fault.OneOf(PaymentAnswers))
		return nil
	}
	set := map[string]any{"ikm_payment": ans.Status, "ikm_payment_at": now, "ikm_paid_amount": nil, "ikm_payment_on": today}
	if ans.Status == PaymentPartial {
		switch {
		case ans.AmountReceived <= 0:
			c.Add("amount_received", "wajib diisi: berapa rupiah yang sudah diterima")
		case ans.AmountReceived >= p.Amount:
			c.Add("amount_received", "harus kurang dari nilai pembelian ("+format.Rupiah(p.Amount)+"); bila sudah semua, pilih Sudah dibayar")
		default:
			set["ikm_paid_amount"] = ans.AmountReceived
		}
	}
	if d := strings.TrimSpace(ans.Date); d != "" && ans.Status == PaymentPaid {
		if on, ok := paymentDay(c, "payment_date", d, p, today); ok {
			set["ikm_payment_on"] = on
		}
	}
	if today.Before(p.PurchaseDate) {
		// A purchase dated ahead of today is refused when reported; an
		// answer on it is dated on the purchase day at the earliest.
		set["ikm_payment_on"] = p.PurchaseDate
	}
	return set
}

// paymentDay reads the day a payment was made, as field: a date, not in
// the future (after today), not before p's purchase date.
func paymentDay(c *fault.Checker, field, raw string, p Purchase, today time.Time) (time.Time, bool) {
	on, ok := parseDate(raw)
	switch {
	case !ok:
		c.Add(field, reasonDate)
	case on.After(today):
		c.Add(field, reasonFutureDate)
	case on.Before(p.PurchaseDate):
		c.Add(field, reasonPaidBefore)
	default:
		return on, true
	}
	return time.Time{}, false
}

// paymentFrozen refuses a payment change on a reversal or on a purchase
// with a reversal: the two carry the same payment so that they cancel out.
func paymentFrozen(ctx context.Context, tx *gorm.DB, p Purchase) error {
	if p.ReversesID != nil {
		return fault.Conflict("payment_of_reversal", "Entri pembalik mengikuti pembayaran pembelian yang dikoreksinya.")
	}
	var reversed bool
	if err := database.QueryRow(ctx, tx, `SELECT EXISTS (SELECT 1 FROM purchases
			WHERE reverses_id = ? AND status NOT IN ('withdrawn', 'rejected'))`, p.ID).Scan(&reversed); err != nil {
		return fmt.Errorf("procurement: reversal of %d: %w", p.ID, err)
	}
	if reversed {
		return fault.Conflict("purchase_reversed",
			"Pembelian ini sudah dikoreksi dengan entri pembalik; pembayarannya tidak dapat diubah lagi.")
	}
	return nil
}

// AnswerPayment records the IKM's word on the payment of a purchase it has
// confirmed: paid, unpaid, or partly paid. "Unpaid" or "partly" on a
// purchase the company marked paid opens a payment dispute for an officer
// (the company and the Dinas are told). Only the purchase's IKM may answer.
func (s *Service) AnswerPayment(ctx context.Context, id int64, ans PaymentAnswer) (Purchase, error) {
	a := actor.From(ctx)
	var out Purchase
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p, err := s.lockScoped(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if a.IKMID == 0 || a.IKMID != p.IKMID {
			return notFound()
		}
		var c fault.Checker
		set := paymentSet(&c, p, ans, s.today(), s.now())
		if err := c.Err(); err != nil {
			return err
		}
		if p.Status != StatusConfirmed {
			e := fault.Conflict("purchase_not_confirmed",
				"Konfirmasi dulu bahwa pembelian ini benar; jawaban pembayaran menyusul konfirmasi itu.")
			e.Fields = []fault.FieldError{fault.Field("payment", "pembelian ini belum Anda konfirmasi")}
			e.Extra = map[string]any{"current_status": p.Status}
			return e
		}
		if p.PaymentResolution != nil && *p.PaymentResolution == PaymentPaid {
			return fault.Conflict("payment_resolved",
				"Petugas Dinas sudah memutuskan pembayaran pembelian ini. Hubungi Dinas bila ada yang keliru.")
		}
		if err := paymentFrozen(ctx, tx, p); err != nil {
			return err
		}
		out, err = s.setPayment(ctx, tx, p, set, "purchase.payment_answer")
		return err
	})
	return out, err
}

// setPayment writes the payment columns of p, notifies a payment dispute it
// opens and records the audit event.
func (s *Service) setPayment(ctx context.Context, tx *gorm.DB, p Purchase, set map[string]any, action string) (Purchase, error) {
	set["updated_at"] = s.now()
	if err := tx.WithContext(ctx).Model(&Purchase{}).Where("id = ?", p.ID).Updates(set).Error; err != nil {
		return p, fmt.Errorf("procurement: payment of %d: %w", p.ID, err)
	}
	out, err := s.get(ctx, tx, p.ID)
	if err != nil {
		return p, err
	}
	if out.PaymentDisputeOpen() && !p.PaymentDisputeOpen() {
		if err := s.notifyPaymentDispute(ctx, tx, out); err != nil {
			return p, err
		}
	}
	return out, audit.Record(ctx, tx, s.now(), audit.Event{Action: action, EntityType: "purchase",
		EntityID: strconv.FormatInt(p.ID, 10), Before: paymentView(p), After: paymentView(out)})
}

// MarkPaid records the day the company paid a purchase of its own
// ("tandai sudah dibayar"): not before the purchase, not in the future. An
// earlier "unpaid" from the IKM, or an officer's finding that it was not
// paid, was about the purchase before this payment: the new report stands
// until the IKM says otherwise. While a payment dispute is open the company
// waits for the officer's decision.
func (s *Service) MarkPaid(ctx context.Context, id int64, paidDate string) (Purchase, error) {
	a, err := reporter(ctx)
	if err != nil {
		return Purchase{}, err
	}
	var out Purchase
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p, err := s.lockScoped(ctx, tx, a, id)
		if err != nil {
			return err
		}
		var c fault.Checker
		var d time.Time
		if raw := strings.TrimSpace(paidDate); raw == "" {
			c.Add("paid_date", "wajib diisi: tanggal pembayaran (YYYY-MM-DD)")
		} else {
			d, _ = paymentDay(&c, "paid_date", raw, p, s.today())
		}
		if err := c.Err(); err != nil {
			return err
		}
		switch {
		case p.Status == StatusWithdrawn || p.Status == StatusRejected:
			return stateConflict(p)
		case p.PaymentDisputeOpen():
			return fault.Conflict("payment_disputed",
				"IKM menyatakan pembelian ini belum (seluruhnya) dibayar. Petugas Dinas akan memutuskannya; kirim bukti pembayaran kepada Dinas.")
		case p.PaymentResolution != nil && *p.PaymentResolution == PaymentPaid:
			return fault.Conflict("payment_resolved", "Pembayaran pembelian ini sudah diputuskan petugas Dinas.")
		}
		if err := paymentFrozen(ctx, tx, p); err != nil {
			return err
		}
		set := map[string]any{"paid_date": d}
		if p.IKMPayment != nil && *p.IKMPayment != PaymentPaid {
			set["ikm_payment"], set["ikm_paid_amount"], set["ikm_payment_on"], set["ikm_payment_at"] = nil, nil, nil, nil
		}
		if p.PaymentResolution != nil {
			set["payment_resolution"], set["payment_resolved_at"], set["payment_resolved_by"] = nil, nil, nil
			set["payment_resolution_reason"] = ""
		}
		out, err = s.setPayment(ctx, tx, p, set, "purchase.mark_paid")
		return err
	})
	return out, err
}

// Payment decisions an officer takes on a payment dispute.
const (
	ResolvePaid   = "paid"   // the company paid: its date stands
	ResolveUnpaid = "unpaid" // it did not: its date is struck out
)

// ResolvePayment settles an open payment dispute, with the officer's reason
// (what was checked: a transfer receipt, a visit).
func (s *Service) ResolvePayment(ctx context.Context, id int64, decision, reason string) (Purchase, error) {
	a := actor.From(ctx)
	var out Purchase
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c fault.Checker
		reason = strings.TrimSpace(reason)
		c.Check(decision == ResolvePaid || decision == ResolveUnpaid, "decision",
			fault.OneOf([]string{ResolvePaid, ResolveUnpaid}))
		c.Check(reason != "", "reason", "wajib diisi: jelaskan apa yang diperiksa")
		c.Check(len([]rune(reason)) <= maxReasonLen, "reason", fmt.Sprintf("paling panjang %d karakter", maxReasonLen))
		if err := c.Err(); err != nil {
			return err
		}
		p, err := s.lockScoped(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !p.PaymentDisputeOpen() {
			return fault.Conflict("no_payment_dispute", "Tidak ada sengketa pembayaran yang menunggu keputusan pada pembelian ini.")
		}
		if err := paymentFrozen(ctx, tx, p); err != nil {
			return err
		}
		set := map[string]any{"payment_resolution": decision, "payment_resolved_at": s.now(),
			"payment_resolved_by": a.OptionalUserID(), "payment_resolution_reason": reason}
		if decision == ResolveUnpaid {
			set["paid_date"] = nil
		}
		out, err = s.setPayment(ctx, tx, p, set, "purchase.payment_resolve")
		return err
	})
	return out, err
}

// notifyPaymentDispute tells the Dinas (office.disputes_email) that a
// payment dispute waits in its queue, and the company what its IKM said.
func (s *Service) notifyPaymentDispute(ctx context.Context, tx *gorm.DB, p Purchase) error {
	base := strings.TrimRight(s.cfg.PublicURL, "/")
	said := "belum menerima pembayaran"
	if p.IKMPaidAmount != nil {
		said = "baru menerima " + format.Rupiah(*p.IKMPaidAmount)
	}
	facts := fmt.Sprintf(`  Nomor faktur    : %s
  Nilai           : %s
  Dibayar menurut perusahaan : %s
  Menurut IKM     : %s`, p.InvoiceNumber, format.Rupiah(p.Amount), format.Date(*p.PaidDate), said)
	payload := map[string]any{"purchase_id": p.ID, "business_id": p.BusinessID}
	var emails []string
	if err := tx.WithContext(ctx).Raw(`SELECT DISTINCT e FROM (
			SELECT lower(btrim(contact_email)) AS e FROM businesses WHERE id = ?
			UNION SELECT lower(btrim(email)) FROM users WHERE business_id = ? AND role = 'company' AND active
		) x WHERE e <> '' ORDER BY e`, p.BusinessID, p.BusinessID).Scan(&emails).Error; err != nil {
		return err
	}
	var msgs []notify.Message
	for _, e := range emails {
		msgs = append(msgs, notify.Message{Kind: "purchase.payment_disputed", Recipient: e,
			Subject: fmt.Sprintf("%s menyatakan pembelian %s %s", p.IKMName, p.InvoiceNumber, said),
			Body: fmt.Sprintf(`Yth. %s,

%s menyatakan %s untuk pembelian yang Anda tandai sudah dibayar:

%s

Sampai petugas Dinas memutuskannya, pembelian ini tidak dihitung sebagai
sudah dibayar. Kirimkan bukti pembayaran kepada Dinas. Rincian:
%s/perusahaan/pembelian/%d

%s`, p.BusinessName, p.IKMName, said, facts, base, p.ID, notify.Signature(s.cfg.Office)),
			Payload: payload})
	}
	if to := strings.TrimSpace(s.cfg.Office.DisputesEmail); to != "" {
		msgs = append(msgs, notify.Message{Kind: "purchase.payment_disputed_office", Recipient: to,
			Subject: fmt.Sprintf("Sengketa pembayaran: %s atas %s", p.IKMName, p.BusinessName),
			Body: fmt.Sprintf(`%s menyatakan %s dari %s:

%s

Sengketa ini menunggu di antrean kerja petugas:
%s/dinas/pembelian/%d
`, p.IKMName, said, p.BusinessName, facts, base, p.ID),
			Payload: payload})
	}
	return notify.Enqueue(ctx, tx, s.now(), msgs...)
}

// PaymentAudit is what payment events record of a purchase.
type PaymentAudit struct {
	PaidDate          string `json:"paid_date,omitempty"`
	IKMPayment        string `json:"ikm_payment,omitempty"`
	IKMPaidAmount     *int64 `json:"ikm_paid_amount,omitempty"`
	IKMPaymentOn      string `json:"ikm_payment_on,omitempty"`
	PaymentResolution string `json:"payment_resolution,omitempty"`
	Reason            string `json:"payment_resolution_reason,omitempty"`
	PaidOn            string `json:"paid_on,omitempty"`
}

func paymentView(p Purchase) PaymentAudit {
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	return PaymentAudit{PaidDate: day(p.PaidDate), IKMPayment: str(p.IKMPayment), IKMPaidAmount: p.IKMPaidAmount,
		IKMPaymentOn: day(p.IKMPaymentOn), PaymentResolution: str(p.PaymentResolution),
		Reason: p.PaymentResolutionReason, PaidOn: day(p.PaidOn)}
}

// Owed is what the caller's business owes its IKM, or what is owed to the
// calling IKM: counted purchases not yet paid, the ones due first.
type Owed struct {
	Items   []Purchase // at most the limit asked, earliest due first
	Count   int64
	Amount  int64 // rupiah, all of them
	Overdue int64 // how many are past their due date
}

// More reports whether there are more than Items shows.
func (o Owed) More() bool { return int64(len(o.Items)) < o.Count }

// Unpaid lists the caller's counted, unpaid purchases (reversed ones and
// reversals left out: they cancel out), earliest due date first, and counts
// them all, on today (a WIB date).
func (s *Service) Unpaid(ctx context.Context, limit int) (Owed, error) {
	a := actor.From(ctx)
	if a.BusinessID == 0 && a.IKMID == 0 {
		return Owed{}, &fault.Error{Kind: fault.KindForbidden, Code: "forbidden",
			Detail: "Daftar ini untuk perusahaan dan IKM."}
	}
	const unpaid = `p.status = 'confirmed' AND p.paid_on IS NULL AND p.reverses_id IS NULL
		AND NOT EXISTS (SELECT 1 FROM purchases r WHERE r.reverses_id = p.id AND r.status NOT IN ('withdrawn', 'rejected'))`
	var out Owed
	var sums struct{ Count, Amount, Overdue int64 }
	today := s.today()
	if err := scope(s.db.WithContext(ctx).Table("purchases p"), a, "p").Where(unpaid).
		Select("count(*) AS count, coalesce(sum(p.amount), 0) AS amount, count(*) FILTER (WHERE p.due_date < ?) AS overdue", today).
		Scan(&sums).Error; err != nil {
		return out, fmt.Errorf("procurement: unpaid: %w", err)
	}
	out.Count, out.Amount, out.Overdue = sums.Count, sums.Amount, sums.Overdue
	if out.Count == 0 || limit <= 0 {
		return out, nil
	}
	if err := withNames(ctx, s.db, a).Where(unpaid).Order("p.due_date, p.id").Limit(limit).Find(&out.Items).Error; err != nil {
		return out, fmt.Errorf("procurement: unpaid: %w", err)
	}
	return out, nil
}
