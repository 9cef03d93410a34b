package procurement

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/audit"
	"kemitraan/app/compliance"
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

// Report records one purchase for the caller's business with its
// confirmation link, the request to confirm (when the IKM has an e-mail
// address) and its audit event. It takes two statements: one reads all that
// the checks need, one writes everything at once, so the write needs no
// transaction of its own. With an Idempotency-Key the two run in the key's
// transaction, and a repeated request replays the first answer.
func (s *Service) Report(ctx context.Context, in ReportInput, idem *Idem[Purchase]) (Purchase, *Replay, error) {
	a, err := reporter(ctx)
	if err != nil {
		return Purchase{}, nil, err
	}
	secret, err := s.signingSecret(ctx)
	if err != nil {
		return Purchase{}, nil, err
	}
	if idem == nil || idem.Key == "" {
		p, err := s.report(ctx, s.db, a, in, secret, nil)
		return p, nil, err
	}
	return withIdem(ctx, s, a.BusinessID, idem, func(tx *gorm.DB, answer func(Purchase) (database.Stmt, error)) (Purchase, error) {
		return s.report(ctx, tx, a, in, secret, answer)
	})
}

// reportLookup is everything a report's checks read, in one row.
type reportLookup struct {
	ID              int64 // the new purchase's id, drawn before it is written
	IKMID           *int64
	IKMNIB          string
	IKMName         string
	IKMStatus       string
	IKMEmail        *string
	BusinessName    string
	AgreementID     *int64
	AgreementStatus string
	AgreementStart  *time.Time
	AgreementEnd    *time.Time
	AgreementHasIKM bool
	WindowDays      *int
	FirstJudged     *time.Time
}

// report checks and writes one purchase on db: the caller's transaction, or
// the pool. answer, when given, is the statement that stores the answer for
// replays, written with the purchase.
func (s *Service) report(ctx context.Context, db *gorm.DB, a actor.Actor, in ReportInput, secret []byte,
	answer func(Purchase) (database.Stmt, error)) (Purchase, error) {
	var c fault.Checker
	qty := int64(1)
	if in.Quantity != nil {
		qty = *in.Quantity
	}
	f := s.checkFields(&c, rawFields{invoice: in.InvoiceNumber, purchaseDate: in.PurchaseDate, paidDate: in.PaidDate,
		description: in.Description, quantity: qty, amount: in.Amount}, jsonName)
	field, cond, key := ikmKey(&c, in.IKMID, in.IKMNIB)

	// One statement per shape of request (the IKM by id or by NIB, with an
	// agreement or without), so each keeps one generic plan: a parameter
	// that prunes half the query made PostgreSQL plan it afresh every time.
	agreement := `NULL::bigint, '', NULL::date, NULL::date, false`
	from := ""
	args := []any{a.BusinessID, s.today(), key}
	if in.AgreementID != nil {
		agreement = `ag.id, coalesce(ag.status, ''), ag.start_date, ag.end_date, coalesce(ag.has_ikm, false)`
		from = `LEFT JOIN LATERAL (SELECT a.id, a.status, a.start_date, a.end_date,
				EXISTS (SELECT 1 FROM agreement_ikms ai WHERE ai.agreement_id = a.id AND ai.ikm_id = i.id) AS has_ikm
			FROM agreements a WHERE a.id = ? AND a.business_id = ?) ag ON true`
		args = append(args, *in.AgreementID, a.BusinessID)
	}
	var l reportLookup
	if err := database.QueryRow(ctx, db, `SELECT nextval('purchases_id_seq'),
			coalesce((SELECT b.name FROM businesses b WHERE b.id = ?), ''),
			`+compliance.ConfirmationWindowDaysSQL("?")+`, `+compliance.FirstJudgedDaySQL+`,
			i.id, coalesce(i.nib, ''), coalesce(i.name, ''), coalesce(i.status, ''), i.email, `+agreement+`
		FROM (SELECT 1) one
		LEFT JOIN ikms i ON `+cond+` `+from, args...).Scan(&l.ID, &l.BusinessName, &l.WindowDays, &l.FirstJudged,
		&l.IKMID, &l.IKMNIB, &l.IKMName, &l.IKMStatus, &l.IKMEmail,
		&l.AgreementID, &l.AgreementStatus, &l.AgreementStart, &l.AgreementEnd, &l.AgreementHasIKM); err != nil {
		return Purchase{}, fmt.Errorf("procurement: report checks: %w", err)
	}
	switch {
	case field == "":
	case l.IKMID == nil:
		c.Add(field, reasonIKMUnknown)
	case l.IKMStatus != "active":
		c.Add(field, reasonIKMInactive)
	}
	if in.AgreementID != nil && l.IKMID != nil {
		switch {
		case l.AgreementID == nil:
			c.Add("agreement_id", reasonAgreementGone)
		case l.AgreementStatus != "approved" && l.AgreementStatus != "ended":
			c.Add("agreement_id", reasonAgreementStatus(l.AgreementStatus))
		case !l.AgreementHasIKM:
			c.Add("agreement_id", reasonAgreementIKM)
		case !f.purchaseDate.IsZero() && (f.purchaseDate.Before(*l.AgreementStart) || f.purchaseDate.After(*l.AgreementEnd)):
			c.Add("agreement_id", reasonAgreementDate)
		}
	}
	if !f.purchaseDate.IsZero() && l.FirstJudged != nil && f.purchaseDate.Before(*l.FirstJudged) {
		c.Add("purchase_date", reasonBeforeRules(*l.FirstJudged))
	}
	if c.Err() != nil {
		// Refused anyway: say too whether the invoice number is taken, so
		// the one answer lists everything to fix. A clean report learns it
		// from the unique index when it is written (409).
		if f.invoice != "" && !c.Has("invoice_number") {
			var taken bool
			if err := db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM purchases
					WHERE business_id = ? AND invoice_number = ?)`, a.BusinessID, f.invoice).Row().Scan(&taken); err != nil {
				return Purchase{}, fmt.Errorf("procurement: invoice check: %w", err)
			}
			if taken {
				c.Add("invoice_number", reasonInvoiceTaken)
			}
		}
		return Purchase{}, c.Err()
	}

	// As PostgreSQL keeps it, so the answer now and every later read agree.
	now := s.now().Truncate(time.Microsecond)
	window := DefaultConfirmationWindow
	if l.WindowDays != nil {
		window = time.Duration(*l.WindowDays) * 24 * time.Hour
	}
	p := Purchase{
		ID: l.ID, BusinessID: a.BusinessID, IKMID: *l.IKMID, AgreementID: in.AgreementID, InvoiceNumber: f.invoice,
		PurchaseDate: f.purchaseDate, PaidDate: f.paidDate, Description: f.description, Quantity: f.quantity,
		Amount: f.amount, Status: StatusReported, ConfirmBy: now.Add(window), Source: sourceOf(a, SourceManual),
		CreatedAt: now, UpdatedAt: now, BusinessName: l.BusinessName, IKMName: l.IKMName, IKMNIB: l.IKMNIB,
	}
	setCreator(&p, a)
	var err error
	if p.LinkNonce, err = linkNonce(p.ID); err != nil {
		return Purchase{}, err
	}
	parts := []database.Stmt{insertStmt(p)}
	if l.IKMEmail != nil {
		ikm := ikmRow{ID: p.IKMID, NIB: l.IKMNIB, Name: l.IKMName, Email: l.IKMEmail}
		link := s.link(tokenFor(secret, p.LinkNonce).value)
		mail, ok, err := notify.EnqueueStmt(now, s.confirmationRequest(p, ikm, l.BusinessName, link))
		if err != nil {
			return Purchase{}, err
		}
		if ok {
			parts = append(parts, mail)
		}
	}
	event, err := audit.Insert(ctx, now, audit.Event{Action: "purchase.report", EntityType: "purchase",
		EntityID: strconv.FormatInt(p.ID, 10), After: AuditView(p)})
	if err != nil {
		return Purchase{}, err
	}
	parts = append(parts, event)
	if answer != nil {
		st, err := answer(p)
		if err != nil {
			return Purchase{}, err
		}
		parts = append(parts, st)
	}
	if err := database.Together(ctx, db, parts...); err != nil {
		return Purchase{}, insertError(err)
	}
	return p, nil
}

// ikmKey reads how a report names its IKM: the field to blame, the join
// condition over ikms i (with one ? parameter) and its value. An unusable
// key is a field error, and the condition then matches nothing.
func ikmKey(c *fault.Checker, id int64, nib string) (field, cond string, key any) {
	nib = strings.TrimSpace(nib)
	switch {
	case id != 0 && nib != "":
		c.Add("ikm_id", "isi ikm_id atau ikm_nib, bukan keduanya")
	case id != 0:
		return "ikm_id", "i.id = ?", id
	case nib == "":
		c.Add("ikm_id", "wajib diisi (atau ikm_nib)")
	case !nibPattern.MatchString(nib):
		c.Add("ikm_nib", reasonNIB)
	default:
		return "ikm_nib", "i.nib = ?", nib
	}
	return "", "i.id = ?", int64(0)
}

// insertStmt writes a new purchase, its id (and so its link) drawn
// beforehand.
func insertStmt(p Purchase) database.Stmt {
	return database.Stmt{SQL: `INSERT INTO purchases (id, business_id, ikm_id, agreement_id, invoice_number,
			purchase_date, paid_date, description, quantity, amount, status, confirm_by, reverses_id, reversal_reason,
			source, created_by, created_token_id, created_at, updated_at, link_nonce)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		Args: []any{p.ID, p.BusinessID, p.IKMID, p.AgreementID, p.InvoiceNumber, p.PurchaseDate, p.PaidDate,
			p.Description, p.Quantity, p.Amount, string(p.Status), p.ConfirmBy, p.ReversesID, p.ReversalReason,
			string(p.Source), p.CreatedBy, p.CreatedTokenID, p.CreatedAt, p.UpdatedAt, p.LinkNonce}}
}

// insertError turns the unique invoice number (or a second reversal) into
// a conflict.
func insertError(err error) error {
	if c, ok := database.UniqueViolation(err); ok {
		switch c {
		case "purchases_business_invoice_key":
			return duplicateInvoice()
		case "purchases_one_reversal_idx":
			return fault.Conflict("already_reversed", "Pembelian ini sudah memiliki entri pembalik.")
		}
	}
	return fmt.Errorf("procurement: insert purchase: %w", err)
}

func setCreator(p *Purchase, a actor.Actor) {
	p.CreatedBy = a.OptionalUserID()
	if a.TokenID != 0 {
		id := a.TokenID
		p.CreatedTokenID = &id
	}
}

func duplicateInvoice() error {
	e := fault.Conflict("duplicate_invoice", "Nomor faktur ini sudah pernah dilaporkan oleh usaha Anda.")
	e.Fields = []fault.FieldError{fault.Field("invoice_number", reasonInvoiceTaken)}
	return e
}

// afterCreate queues the request to confirm (when the IKM has an e-mail
// address) and records the audit event of a new purchase.
func (s *Service) afterCreate(ctx context.Context, tx *gorm.DB, p Purchase, ikm ikmRow, action string, secret []byte) error {
	if ikm.Email != nil && strings.TrimSpace(*ikm.Email) != "" {
		var business string
		if err := tx.WithContext(ctx).Raw("SELECT name FROM businesses WHERE id = ?", p.BusinessID).Scan(&business).Error; err != nil {
			return err
		}
		link := s.link(tokenFor(secret, p.LinkNonce).value)
		if err := notify.Enqueue(ctx, tx, s.now(), s.confirmationRequest(p, ikm, business, link)); err != nil {
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
