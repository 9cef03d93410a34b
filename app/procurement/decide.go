package procurement

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"kemitraan/app/audit"
	"kemitraan/app/notify"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/format"
)

// Decision is what someone decides about a reported purchase.
type Decision string

const (
	Confirm         Decision = "confirm"         // the IKM: it is right
	Dispute         Decision = "dispute"         // the IKM: it is wrong (reason)
	Verify          Decision = "verify"          // an officer, after a field check
	ResolveConfirm  Decision = "resolve_confirm" // an officer settles a dispute for the company (reason)
	ResolveReject   Decision = "resolve_reject"  // an officer settles a dispute for the IKM (reason)
	Reject          Decision = "reject"          // an officer refuses a report for errors (reason)
	WithdrawOwnItem Decision = "withdraw"        // the company takes back an unconfirmed report
)

// transition is one allowed move: from which statuses, to which, and
// whether a reason is required.
type transition struct {
	from         []Status
	to           Status
	needsReason  bool
	inWindowOnly bool // the IKM decides only inside its confirmation window
}

// transitions is the one table of what may happen to a purchase. A
// confirmed purchase appears in no "from": it is locked.
var transitions = map[Decision]transition{
	Confirm:         {from: []Status{StatusReported}, to: StatusConfirmed, inWindowOnly: true},
	Dispute:         {from: []Status{StatusReported}, to: StatusDisputed, needsReason: true, inWindowOnly: true},
	Verify:          {from: []Status{StatusReported, StatusDisputed}, to: StatusConfirmed},
	ResolveConfirm:  {from: []Status{StatusDisputed}, to: StatusConfirmed, needsReason: true},
	ResolveReject:   {from: []Status{StatusDisputed}, to: StatusRejected, needsReason: true},
	Reject:          {from: []Status{StatusReported, StatusDisputed}, to: StatusRejected, needsReason: true},
	WithdrawOwnItem: {from: []Status{StatusReported, StatusDisputed}, to: StatusWithdrawn},
}

// Allowed reports whether d may be taken on a purchase in status st.
func Allowed(d Decision, st Status) bool {
	t, ok := transitions[d]
	return ok && slices.Contains(t.from, st)
}

const maxReasonLen = 2000

// Decide takes decision d on purchase id for the caller: an IKM user
// confirms or disputes its own purchases, a company withdraws its own, an
// officer verifies, resolves or rejects any. Scoping answers 404 for
// another's purchase; a decision the status forbids answers 409 with the
// current status.
func (s *Service) Decide(ctx context.Context, id int64, d Decision, reason string) (Purchase, error) {
	return s.Answer(ctx, id, d, reason, nil)
}

// Answer is Decide with, for a confirmation, the IKM's word on payment
// (nil: not given).
func (s *Service) Answer(ctx context.Context, id int64, d Decision, reason string, pay *PaymentAnswer) (Purchase, error) {
	a := actor.From(ctx)
	var out Purchase
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p, err := s.lockScoped(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := s.checkRole(a, p, d); err != nil {
			return err
		}
		out, err = s.apply(ctx, tx, a, p, d, reason, "", pay)
		return err
	})
	return out, err
}

// checkRole keeps each decision to whom it belongs, beyond the route's
// permission: the IKM of the purchase, the company that reported it.
func (s *Service) checkRole(a actor.Actor, p Purchase, d Decision) error {
	switch d {
	case Confirm, Dispute:
		if a.IKMID == 0 || a.IKMID != p.IKMID {
			return notFound()
		}
	case WithdrawOwnItem:
		if a.BusinessID == 0 || a.BusinessID != p.BusinessID {
			return notFound()
		}
	}
	return nil
}

// lockScoped reads a purchase FOR UPDATE, as a 404 when it is outside the
// caller's scope.
func (s *Service) lockScoped(ctx context.Context, tx *gorm.DB, a actor.Actor, id int64) (Purchase, error) {
	var p Purchase
	q := scope(tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}), a, "purchases").Where("id = ?", id)
	res := q.Limit(1).Find(&p)
	if res.Error != nil {
		return p, fmt.Errorf("procurement: lock %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return p, notFound()
	}
	return p, nil
}

// scope limits a query on purchases (aliased as table) to what a sees.
func scope(q *gorm.DB, a actor.Actor, table string) *gorm.DB {
	switch {
	case a.Staff():
		return q
	case a.BusinessID != 0:
		return q.Where(table+".business_id = ?", a.BusinessID)
	case a.IKMID != 0:
		return q.Where(table+".ikm_id = ?", a.IKMID)
	default:
		return q.Where("false")
	}
}

// apply checks and makes the transition, closes open links, notifies and
// audits. via is "link" for a password-less decision. pay is the IKM's word
// on payment given with a confirmation, or nil.
func (s *Service) apply(ctx context.Context, tx *gorm.DB, a actor.Actor, p Purchase, d Decision, reason, via string,
	pay *PaymentAnswer) (Purchase, error) {
	t, ok := transitions[d]
	if !ok {
		return p, fmt.Errorf("procurement: unknown decision %q", d)
	}
	reason = strings.TrimSpace(reason)
	var c fault.Checker
	c.Check(!t.needsReason || reason != "", "reason", "wajib diisi: jelaskan alasannya")
	c.Check(len([]rune(reason)) <= maxReasonLen, "reason", fmt.Sprintf("paling panjang %d karakter", maxReasonLen))
	var paySet map[string]any
	if pay != nil {
		switch {
		case d != Confirm:
			c.Add("payment", "hanya dijawab bersama konfirmasi bahwa pembelian benar")
		case p.ReversesID != nil:
			c.Add("payment", "entri pembalik tidak dibayar; kosongkan jawaban pembayaran")
		default:
			paySet = paymentSet(&c, p, *pay, s.today(), s.now())
		}
	}
	if err := c.Err(); err != nil {
		return p, err
	}
	if !slices.Contains(t.from, p.Status) {
		return p, stateConflict(p)
	}
	now := s.now()
	if t.inWindowOnly && !now.Before(p.ConfirmBy) {
		e := fault.Conflict("confirmation_window_closed",
			"Batas waktu konfirmasi sudah lewat. Pembelian ini hanya dapat diverifikasi oleh petugas Dinas.")
		e.Extra = map[string]any{"current_status": p.Status, "confirm_by": p.ConfirmBy}
		return p, e
	}
	before := AuditView(p)
	actorID := a.OptionalUserID()
	set := map[string]any{"status": t.to, "updated_at": now}
	switch d {
	case Confirm:
		if via == "" {
			via = "app"
		}
		set["confirmed_via"], set["confirmed_at"], set["confirmed_by"] = via, now, actorID
	case Dispute:
		set["disputed_at"], set["dispute_reason"] = now, reason
	case Verify:
		set["confirmed_via"], set["confirmed_at"], set["confirmed_by"] = "officer", now, actorID
		set["verified"], set["verified_at"], set["verified_by"] = true, now, actorID
		if reason != "" {
			set["resolution_reason"] = reason
		}
	case ResolveConfirm:
		set["confirmed_via"], set["confirmed_at"], set["confirmed_by"] = "officer", now, actorID
		set["resolved_at"], set["resolved_by"], set["resolution_reason"] = now, actorID, reason
	case ResolveReject, Reject:
		set["resolved_at"], set["resolved_by"], set["resolution_reason"] = now, actorID, reason
	case WithdrawOwnItem:
		set["withdrawn_at"] = now
		if reason != "" {
			set["resolution_reason"] = reason
		}
	}
	for k, v := range paySet {
		set[k] = v
	}
	if err := tx.WithContext(ctx).Model(&Purchase{}).Where("id = ?", p.ID).Updates(set).Error; err != nil {
		return p, fmt.Errorf("procurement: %s %d: %w", d, p.ID, err)
	}
	if err := useTokens(ctx, tx, now, p.ID); err != nil {
		return p, err
	}
	out, err := s.get(ctx, tx, p.ID)
	if err != nil {
		return p, err
	}
	if d == Dispute {
		if err := s.notifyDispute(ctx, tx, out); err != nil {
			return p, err
		}
	}
	if out.PaymentDisputeOpen() {
		if err := s.notifyPaymentDispute(ctx, tx, out); err != nil {
			return p, err
		}
	}
	if err := audit.Record(ctx, tx, now, audit.Event{Action: "purchase." + string(d), EntityType: "purchase",
		EntityID: strconv.FormatInt(p.ID, 10), Before: before, After: AuditView(out)}); err != nil {
		return p, err
	}
	return out, nil
}

func stateConflict(p Purchase) error {
	detail := fmt.Sprintf("Pembelian berstatus %s; tindakan ini tidak dapat dilakukan.", p.Status)
	if p.Locked() {
		detail = "Pembelian sudah dikonfirmasi atau diverifikasi dan terkunci. Koreksi dilakukan dengan entri pembalik."
	}
	e := fault.Conflict("purchase_state_conflict", detail)
	e.Extra = map[string]any{"current_status": p.Status}
	return e
}

// notifyDispute tells the company (its contact address and its active
// users) that its report was disputed, with a link to the purchase's page,
// and the Dinas (office.disputes_email) that a dispute waits in its queue.
func (s *Service) notifyDispute(ctx context.Context, tx *gorm.DB, p Purchase) error {
	var emails []string
	if err := tx.WithContext(ctx).Raw(`SELECT DISTINCT e FROM (
			SELECT lower(btrim(contact_email)) AS e FROM businesses WHERE id = ?
			UNION SELECT lower(btrim(email)) FROM users WHERE business_id = ? AND role = 'company' AND active
		) x WHERE e <> '' ORDER BY e`, p.BusinessID, p.BusinessID).Scan(&emails).Error; err != nil {
		return err
	}
	base := strings.TrimRight(s.cfg.PublicURL, "/")
	facts := fmt.Sprintf(`  Nomor faktur : %s
  Tanggal      : %s
  Nilai        : %s
  Alasan       : %s`, p.InvoiceNumber, format.Date(p.PurchaseDate), format.Rupiah(p.Amount), p.DisputeReason)
	payload := map[string]any{"purchase_id": p.ID, "business_id": p.BusinessID}
	var msgs []notify.Message
	for _, e := range emails {
		msgs = append(msgs, notify.Message{Kind: "purchase.disputed", Recipient: e,
			Subject: fmt.Sprintf("Pembelian %s disanggah oleh %s", p.InvoiceNumber, p.IKMName),
			Body: fmt.Sprintf(`Yth. %s,

%s menyanggah pembelian yang Anda laporkan:

%s

Petugas Dinas akan menindaklanjuti sanggahan ini. Pembelian yang disanggah
tidak dihitung sampai diselesaikan. Rincian dan riwayatnya:
%s/perusahaan/pembelian/%d

%s`, p.BusinessName, p.IKMName, facts, base, p.ID, notify.Signature(s.cfg.Office)),
			Payload: payload})
	}
	if to := strings.TrimSpace(s.cfg.Office.DisputesEmail); to != "" {
		msgs = append(msgs, notify.Message{Kind: "purchase.disputed_office", Recipient: to,
			Subject: fmt.Sprintf("Sanggahan baru: %s atas laporan %s", p.IKMName, p.BusinessName),
			Body: fmt.Sprintf(`%s menyanggah pembelian yang dilaporkan %s:

%s

Sanggahan ini menunggu di antrean kerja petugas:
%s/dinas/pembelian/%d
`, p.IKMName, p.BusinessName, facts, base, p.ID),
			Payload: payload})
	}
	return notify.Enqueue(ctx, tx, s.now(), msgs...)
}

// ReverseInput asks for a reversing entry of a counted purchase.
type ReverseInput struct {
	Reason string
	// InvoiceNumber of the correction (a credit note); default
	// "<original>-BATAL".
	InvoiceNumber string
}

// Reverse records a reversing entry for a confirmed purchase of the
// caller's business: the same IKM, date and agreement, the negative amount,
// linked to the original. The IKM confirms it like any other purchase; once
// confirmed the two cancel out in every sum.
func (s *Service) Reverse(ctx context.Context, id int64, in ReverseInput, idem *Idem[Purchase]) (Purchase, *Replay, error) {
	a, err := reporter(ctx)
	if err != nil {
		return Purchase{}, nil, err
	}
	return withIdem(ctx, s, a.BusinessID, idem, func(tx *gorm.DB) (Purchase, error) {
		var c fault.Checker
		reason := strings.TrimSpace(in.Reason)
		c.Check(reason != "", "reason", "wajib diisi: jelaskan kesalahan yang dikoreksi")
		c.Check(len([]rune(reason)) <= maxReasonLen, "reason", fmt.Sprintf("paling panjang %d karakter", maxReasonLen))
		invoice := strings.TrimSpace(in.InvoiceNumber)
		c.Check(len([]rune(invoice)) <= maxInvoiceLen, "invoice_number", fmt.Sprintf("paling panjang %d karakter", maxInvoiceLen))
		if err := c.Err(); err != nil {
			return Purchase{}, err
		}
		orig, err := s.lockScoped(ctx, tx, a, id)
		if err != nil {
			return Purchase{}, err
		}
		if orig.ReversesID != nil {
			e := fault.Conflict("reversal_of_reversal", "Entri pembalik tidak dapat dibalik lagi.")
			e.Extra = map[string]any{"current_status": orig.Status}
			return Purchase{}, e
		}
		if orig.Status != StatusConfirmed {
			e := fault.Conflict("purchase_not_confirmed",
				"Hanya pembelian yang sudah dikonfirmasi yang dikoreksi dengan entri pembalik; tarik kembali laporan yang belum dikonfirmasi.")
			e.Extra = map[string]any{"current_status": orig.Status}
			return Purchase{}, e
		}
		if invoice == "" {
			invoice = orig.InvoiceNumber + "-BATAL"
			if len([]rune(invoice)) > maxInvoiceLen {
				invoice = string([]rune(invoice)[:maxInvoiceLen])
			}
		}
		var ikm ikmRow
		if err := tx.WithContext(ctx).Table("ikms").Select("id, nib, name, status, email, phone, whatsapp_consent_at").
			Where("id = ?", orig.IKMID).Take(&ikm).Error; err != nil {
			return Purchase{}, err
		}
		now := s.now()
		window, err := s.confirmationWindow(ctx, tx, now)
		if err != nil {
			return Purchase{}, err
		}
		origID := orig.ID
		p := Purchase{
			BusinessID: orig.BusinessID, IKMID: orig.IKMID, AgreementID: orig.AgreementID, InvoiceNumber: invoice,
			PurchaseDate: orig.PurchaseDate, Description: "Pembatalan faktur " + orig.InvoiceNumber + ": " + reason,
			Quantity: orig.Quantity, Amount: -orig.Amount, Status: StatusReported, ConfirmBy: now.Add(window),
			ReversesID: &origID, ReversalReason: reason, Source: sourceOf(a, SourceManual), CreatedAt: now, UpdatedAt: now,
			// The reversal carries the original's terms and payment, so
			// the two cancel out in every total, paid or not (payment.go
			// then keeps the original's payment as it is).
			PaymentDays: orig.PaymentDays, Consignment: orig.Consignment, PaidDate: orig.PaidOn,
		}
		if len([]rune(p.Description)) > maxDescriptionLen {
			p.Description = string([]rune(p.Description)[:maxDescriptionLen])
		}
		setCreator(&p, a)
		if err := database.QueryRow(ctx, tx, `SELECT nextval('purchases_id_seq')`).Scan(&p.ID); err != nil {
			return Purchase{}, fmt.Errorf("procurement: purchase id: %w", err)
		}
		if p.LinkNonce, err = linkNonce(p.ID); err != nil {
			return Purchase{}, err
		}
		if err := database.Exec(ctx, tx, insertStmt(p)); err != nil {
			return Purchase{}, insertError(err)
		}
		if err := s.afterCreate(ctx, tx, p, ikm, "purchase.reverse"); err != nil {
			return Purchase{}, err
		}
		return s.get(ctx, tx, p.ID)
	})
}

// PublicPurchase is what a confirmation link shows: nothing beyond what the
// IKM needs to recognise the purchase.
type PublicPurchase struct {
	BusinessName string
	PurchaseDate time.Time
	Amount       int64
	Description  string
	Status       Status
	ExpiresAt    time.Time
}

// openToken finds the purchase a link leads to, refusing a forged or
// unknown (404), used (409) or expired (410) one.
func (s *Service) openToken(ctx context.Context, tx *gorm.DB, value string, lock bool) (openLink, error) {
	secret, err := s.signingSecret(ctx)
	if err != nil {
		return openLink{}, err
	}
	return s.findToken(ctx, tx, secret, value, lock)
}

func (s *Service) findToken(ctx context.Context, tx *gorm.DB, secret []byte, value string, lock bool) (openLink, error) {
	unknown := fault.NotFound("token_not_found", "Tautan konfirmasi tidak dikenal. Periksa kembali alamatnya.")
	tok, ok := checkToken(secret, value)
	if !ok {
		return openLink{}, unknown
	}
	l, found, err := lookupLink(ctx, tx, tok, lock)
	switch {
	case err != nil:
		return l, err
	case !found:
		return l, unknown
	case l.Used:
		return l, fault.Conflict("token_used",
			"Tautan konfirmasi ini sudah dipakai. Hubungi Dinas Perindustrian bila ada yang perlu diperbaiki.")
	case !s.now().Before(l.ExpiresAt):
		return l, &fault.Error{Kind: fault.KindGone, Code: "token_expired",
			Detail: "Tautan konfirmasi sudah kedaluwarsa. Hubungi Dinas Perindustrian untuk verifikasi."}
	}
	return l, nil
}

// LinkState is where a confirmation link stands.
type LinkState string

const (
	LinkOpen    LinkState = "open"    // awaiting the IKM's answer
	LinkUsed    LinkState = "used"    // answered, or the purchase moved on otherwise
	LinkExpired LinkState = "expired" // unanswered past its deadline
)

// Link is what the confirmation page shows of a link in any state: the
// purchase as the IKM knows it and, once answered, the answer and when.
type Link struct {
	State         LinkState
	Reference     int64 // the purchase's number, quoted to the Dinas
	BusinessName  string
	IKMName       string
	InvoiceNumber string
	PurchaseDate  time.Time
	Description   string
	Quantity      int64
	Amount        int64
	Status        Status
	ExpiresAt     time.Time
	ConfirmedVia  string     // "link", "app" or "officer" once confirmed
	AnsweredAt    *time.Time // when it was confirmed or disputed
	DisputeReason string
	// IKMPayment is what the IKM said of payment ("" when nothing), with
	// the amount received when partly paid.
	IKMPayment    string
	IKMPaidAmount *int64
}

// OpenLink reads a link in whatever state it is, for the page; only an
// unknown or forged link is an error (404). It changes nothing.
func (s *Service) OpenLink(ctx context.Context, value string) (Link, error) {
	secret, err := s.signingSecret(ctx)
	if err != nil {
		return Link{}, err
	}
	l, err := s.findToken(ctx, s.db, secret, value, false)
	var fe *fault.Error
	if err != nil && !(errors.As(err, &fe) && (fe.Kind == fault.KindConflict || fe.Kind == fault.KindGone)) {
		return Link{}, err
	}
	p, err := s.get(ctx, s.db, l.PurchaseID)
	if err != nil {
		return Link{}, err
	}
	return linkOf(p, l, s.now()), nil
}

func linkOf(p Purchase, l openLink, now time.Time) Link {
	out := Link{Reference: p.ID, BusinessName: p.BusinessName, IKMName: p.IKMName, InvoiceNumber: p.InvoiceNumber,
		PurchaseDate: p.PurchaseDate, Description: p.Description, Quantity: p.Quantity, Amount: p.Amount,
		Status: p.Status, ExpiresAt: l.ExpiresAt, DisputeReason: p.DisputeReason, State: LinkOpen}
	switch {
	case l.Used || p.Status != StatusReported:
		out.State = LinkUsed
	case !now.Before(l.ExpiresAt):
		out.State = LinkExpired
	}
	if p.ConfirmedVia != nil {
		out.ConfirmedVia = *p.ConfirmedVia
	}
	if p.IKMPayment != nil {
		out.IKMPayment, out.IKMPaidAmount = *p.IKMPayment, p.IKMPaidAmount
	}
	switch {
	case p.DisputedAt != nil:
		out.AnsweredAt = p.DisputedAt
	case p.ConfirmedAt != nil:
		out.AnsweredAt = p.ConfirmedAt
	}
	return out
}

// ShowByToken is what the password-less link shows.
func (s *Service) ShowByToken(ctx context.Context, value string) (PublicPurchase, error) {
	row, err := s.openToken(ctx, s.db, value, false)
	if err != nil {
		return PublicPurchase{}, err
	}
	p, err := s.get(ctx, s.db, row.PurchaseID)
	if err != nil {
		return PublicPurchase{}, err
	}
	return PublicPurchase{BusinessName: p.BusinessName, PurchaseDate: p.PurchaseDate, Amount: p.Amount,
		Description: p.Description, Status: p.Status, ExpiresAt: row.ExpiresAt}, nil
}

// DecideByToken confirms or disputes through the password-less link; the
// link is used up by it.
func (s *Service) DecideByToken(ctx context.Context, value string, d Decision, reason string) (PublicPurchase, error) {
	return s.AnswerByToken(ctx, value, d, reason, nil)
}

// AnswerByToken is DecideByToken with, for a confirmation, the IKM's word
// on payment (nil: not given).
func (s *Service) AnswerByToken(ctx context.Context, value string, d Decision, reason string, pay *PaymentAnswer) (PublicPurchase, error) {
	if d != Confirm && d != Dispute {
		return PublicPurchase{}, fault.Invalid(fault.Field("decision", "harus confirm atau dispute"))
	}
	secret, err := s.signingSecret(ctx)
	if err != nil {
		return PublicPurchase{}, err
	}
	var out PublicPurchase
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := s.findToken(ctx, tx, secret, value, true)
		if err != nil {
			return err
		}
		var p Purchase
		if err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("id = ?", row.PurchaseID).Take(&p).Error; err != nil {
			return fmt.Errorf("procurement: purchase of token: %w", err)
		}
		done, err := s.apply(ctx, tx, actor.From(ctx), p, d, reason, "link", pay)
		if err != nil {
			return err
		}
		out = PublicPurchase{BusinessName: done.BusinessName, PurchaseDate: done.PurchaseDate, Amount: done.Amount,
			Description: done.Description, Status: done.Status, ExpiresAt: row.ExpiresAt}
		return nil
	})
	return out, err
}
