package procurement

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/audit"
	"kemitraan/app/notify"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
)

// ReportInput is one purchase as a company or its ERP reports it. The IKM
// is named by id or by NIB.
type ReportInput struct {
	IKMID         int64
	IKMNIB        string
	AgreementID   *int64
	InvoiceNumber string
	PurchaseDate  string // YYYY-MM-DD
	PaidDate      string // optional
	Description   string
	Quantity      *int64 // default 1
	Amount        int64
}

// ikmRow is what a report needs to know of an IKM.
type ikmRow struct {
	ID     int64
	NIB    string
	Name   string
	Status string
	Email  *string
}

type agreementRow struct {
	ID        int64
	Status    string
	StartDate time.Time
	EndDate   time.Time
	HasIKM    bool
}

// reporter is the business a company user or ERP token reports for.
func reporter(ctx context.Context) (actor.Actor, error) {
	a := actor.From(ctx)
	if a.BusinessID == 0 {
		return a, &fault.Error{Kind: fault.KindForbidden, Code: "forbidden",
			Detail: "Hanya pengguna perusahaan atau token ERP yang dapat melaporkan pembelian."}
	}
	return a, nil
}

func sourceOf(a actor.Actor, fallback Source) Source {
	if a.TokenID != 0 {
		return SourceERP
	}
	return fallback
}

func jsonName(n string) string { return n }

// Report records one purchase for the caller's business, issues its
// confirmation link and, when the IKM has an e-mail address, queues the
// request to confirm, all in one transaction with the audit event. With an
// Idempotency-Key a repeated request replays the first answer.
func (s *Service) Report(ctx context.Context, in ReportInput, idem *Idem[Purchase]) (Purchase, *Replay, error) {
	a, err := reporter(ctx)
	if err != nil {
		return Purchase{}, nil, err
	}
	secret, err := s.signingSecret(ctx)
	if err != nil {
		return Purchase{}, nil, err
	}
	return withIdem(ctx, s, a.BusinessID, idem, func(tx *gorm.DB) (Purchase, error) {
		return s.report(ctx, tx, a, in, secret)
	})
}

func (s *Service) report(ctx context.Context, tx *gorm.DB, a actor.Actor, in ReportInput, secret []byte) (Purchase, error) {
	var c fault.Checker
	qty := int64(1)
	if in.Quantity != nil {
		qty = *in.Quantity
	}
	f := s.checkFields(&c, rawFields{invoice: in.InvoiceNumber, purchaseDate: in.PurchaseDate, paidDate: in.PaidDate,
		description: in.Description, quantity: qty, amount: in.Amount}, jsonName)

	ikm, err := s.lookupIKM(ctx, tx, &c, in.IKMID, in.IKMNIB)
	if err != nil {
		return Purchase{}, err
	}
	if in.AgreementID != nil && ikm.ID != 0 {
		if err := s.checkAgreement(ctx, tx, &c, a.BusinessID, *in.AgreementID, ikm.ID, f.purchaseDate); err != nil {
			return Purchase{}, err
		}
	}
	if f.invoice != "" && !c.Has("invoice_number") {
		var taken int64
		if err := tx.WithContext(ctx).Raw(`SELECT count(*) FROM purchases WHERE business_id = ? AND invoice_number = ?`,
			a.BusinessID, f.invoice).Scan(&taken).Error; err != nil {
			return Purchase{}, err
		}
		if taken > 0 {
			c.Add("invoice_number", reasonInvoiceTaken)
		}
	}
	if err := c.Err(); err != nil {
		return Purchase{}, duplicateAsConflict(err)
	}

	now := s.now()
	window, err := s.confirmationWindow(ctx, tx, now)
	if err != nil {
		return Purchase{}, err
	}
	p := Purchase{
		BusinessID: a.BusinessID, IKMID: ikm.ID, AgreementID: in.AgreementID, InvoiceNumber: f.invoice,
		PurchaseDate: f.purchaseDate, PaidDate: f.paidDate, Description: f.description, Quantity: f.quantity,
		Amount: f.amount, Status: StatusReported, ConfirmBy: now.Add(window), Source: sourceOf(a, SourceManual),
		CreatedAt: now, UpdatedAt: now,
	}
	setCreator(&p, a)
	if err := s.insert(ctx, tx, &p); err != nil {
		return Purchase{}, err
	}
	if err := s.afterCreate(ctx, tx, p, ikm, "purchase.report", secret); err != nil {
		return Purchase{}, err
	}
	return s.get(ctx, tx, p.ID)
}

func setCreator(p *Purchase, a actor.Actor) {
	p.CreatedBy = a.OptionalUserID()
	if a.TokenID != 0 {
		id := a.TokenID
		p.CreatedTokenID = &id
	}
}

// insert writes p, turning the unique invoice number into a conflict.
func (s *Service) insert(ctx context.Context, tx *gorm.DB, p *Purchase) error {
	err := tx.WithContext(ctx).Omit("BusinessName", "IKMName", "IKMNIB").Create(p).Error
	if c, ok := database.UniqueViolation(err); ok {
		switch c {
		case "purchases_business_invoice_key":
			return duplicateInvoice()
		case "purchases_one_reversal_idx":
			return fault.Conflict("already_reversed", "Pembelian ini sudah memiliki entri pembalik.")
		}
	}
	if err != nil {
		return fmt.Errorf("procurement: insert purchase: %w", err)
	}
	return nil
}

func duplicateInvoice() error {
	e := fault.Conflict("duplicate_invoice", "Nomor faktur ini sudah pernah dilaporkan oleh usaha Anda.")
	e.Fields = []fault.FieldError{fault.Field("invoice_number", reasonInvoiceTaken)}
	return e
}

// duplicateAsConflict answers 409 when a duplicate invoice number is the
// only thing wrong, and 422 with every field otherwise.
func duplicateAsConflict(err error) error {
	fe, ok := fault.As(err)
	if ok && len(fe.Fields) == 1 && fe.Fields[0].Field == "invoice_number" && fe.Fields[0].Reason == reasonInvoiceTaken {
		return duplicateInvoice()
	}
	return err
}

// afterCreate issues the confirmation link, queues the e-mail and records
// the audit event of a new purchase.
func (s *Service) afterCreate(ctx context.Context, tx *gorm.DB, p Purchase, ikm ikmRow, action string, secret []byte) error {
	tok, err := s.issueToken(ctx, tx, p, secret)
	if err != nil {
		return err
	}
	if ikm.Email != nil && strings.TrimSpace(*ikm.Email) != "" {
		var business string
		if err := tx.WithContext(ctx).Raw("SELECT name FROM businesses WHERE id = ?", p.BusinessID).Scan(&business).Error; err != nil {
			return err
		}
		if err := notify.Enqueue(ctx, tx, s.now(), s.confirmationRequest(p, ikm, business, s.link(tok.value))); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, s.now(), audit.Event{Action: action, EntityType: "purchase",
		EntityID: strconv.FormatInt(p.ID, 10), After: AuditView(p)})
}

func (s *Service) confirmationRequest(p Purchase, ikm ikmRow, business, link string) notify.Message {
	what := "pembelian"
	if p.ReversesID != nil {
		what = "koreksi (pembatalan) pembelian"
	}
	deadline := p.ConfirmBy.In(s.cfg.Location)
	body := fmt.Sprintf(`Yth. %s,

%s melaporkan %s dari usaha Anda kepada Dinas Perindustrian:

  Nomor faktur : %s
  Tanggal      : %s
  Uraian       : %s
  Nilai        : %s

Mohon periksa laporan ini lalu konfirmasi bila benar, atau sanggah dengan
alasannya bila tidak sesuai, melalui tautan berikut paling lambat
%s pukul %s WIB:

%s

Tautan ini pribadi dan hanya dapat dipakai satu kali. Tanpa konfirmasi,
pembelian ini tidak dihitung kecuali diverifikasi oleh petugas Dinas.

Dinas Perindustrian
`, ikm.Name, business, what, p.InvoiceNumber, longDate(p.PurchaseDate), p.Description, Rupiah(p.Amount),
		longDate(deadline), deadline.Format("15.04"), link)
	return notify.Message{
		Kind: "purchase.confirmation_request", Recipient: *ikm.Email,
		Subject: fmt.Sprintf("Mohon konfirmasi %s dari %s (%s)", what, business, Rupiah(p.Amount)),
		Body:    body,
		Payload: map[string]any{"purchase_id": p.ID, "ikm_id": ikm.ID, "business_id": p.BusinessID},
	}
}

// lookupIKM finds the IKM named by id or NIB and checks it is active.
func (s *Service) lookupIKM(ctx context.Context, tx *gorm.DB, c *fault.Checker, id int64, nib string) (ikmRow, error) {
	var ikm ikmRow
	field := "ikm_id"
	q := tx.WithContext(ctx).Table("ikms").Select("id, nib, name, status, email")
	nib = strings.TrimSpace(nib)
	switch {
	case id != 0 && nib != "":
		c.Add("ikm_id", "isi ikm_id atau ikm_nib, bukan keduanya")
		return ikm, nil
	case id != 0:
		q = q.Where("id = ?", id)
	case nib != "":
		field = "ikm_nib"
		if !nibPattern.MatchString(nib) {
			c.Add(field, reasonNIB)
			return ikm, nil
		}
		q = q.Where("nib = ?", nib)
	default:
		c.Add("ikm_id", "wajib diisi (atau ikm_nib)")
		return ikm, nil
	}
	res := q.Limit(1).Find(&ikm)
	if res.Error != nil {
		return ikm, fmt.Errorf("procurement: ikm: %w", res.Error)
	}
	switch {
	case res.RowsAffected == 0:
		c.Add(field, reasonIKMUnknown)
	case ikm.Status != "active":
		c.Add(field, reasonIKMInactive)
	}
	return ikm, nil
}

// checkAgreement requires an approved agreement of the business that names
// the IKM and covers the purchase date.
func (s *Service) checkAgreement(ctx context.Context, tx *gorm.DB, c *fault.Checker, businessID, agreementID, ikmID int64, date time.Time) error {
	var ag agreementRow
	res := tx.WithContext(ctx).Raw(`SELECT a.id, a.status, a.start_date, a.end_date,
			EXISTS (SELECT 1 FROM agreement_ikms ai WHERE ai.agreement_id = a.id AND ai.ikm_id = ?) AS has_ikm
		FROM agreements a WHERE a.id = ? AND a.business_id = ?`, ikmID, agreementID, businessID).Scan(&ag)
	if res.Error != nil {
		return fmt.Errorf("procurement: agreement: %w", res.Error)
	}
	switch {
	case res.RowsAffected == 0:
		c.Add("agreement_id", reasonAgreementGone)
	case ag.Status != "approved" && ag.Status != "ended":
		c.Add("agreement_id", reasonAgreementStatus(ag.Status))
	case !ag.HasIKM:
		c.Add("agreement_id", reasonAgreementIKM)
	case !date.IsZero() && (date.Before(ag.StartDate) || date.After(ag.EndDate)):
		c.Add("agreement_id", reasonAgreementDate)
	}
	return nil
}

// get reads one purchase with the names of its business and IKM, whoever
// asks (the caller has already checked scope).
func (s *Service) get(ctx context.Context, db *gorm.DB, id int64) (Purchase, error) {
	return find(ctx, db, actor.SystemActor, id)
}

func notFound() error {
	return fault.NotFound("purchase_not_found", "Pembelian tidak ditemukan.")
}

// AuditView is the shape audit events record of a purchase.
func AuditView(p Purchase) map[string]any {
	v := map[string]any{
		"id": p.ID, "business_id": p.BusinessID, "ikm_id": p.IKMID, "agreement_id": p.AgreementID,
		"invoice_number": p.InvoiceNumber, "purchase_date": p.PurchaseDate.Format(time.DateOnly),
		"description": p.Description, "quantity": p.Quantity, "amount": p.Amount, "status": p.Status,
		"verified": p.Verified, "source": p.Source,
	}
	if p.PaidDate != nil {
		v["paid_date"] = p.PaidDate.Format(time.DateOnly)
	}
	if p.ReversesID != nil {
		v["reverses_id"] = *p.ReversesID
		v["reversal_reason"] = p.ReversalReason
	}
	if p.DisputeReason != "" {
		v["dispute_reason"] = p.DisputeReason
	}
	if p.ResolutionReason != "" {
		v["resolution_reason"] = p.ResolutionReason
	}
	return v
}
