package procurement

import (
	"context"
	"crypto/rand"
	"encoding/json"
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
	ID                int64
	NIB               string
	Name              string
	Status            string
	Email             *string
	Phone             string
	WhatsAppConsentAt *time.Time `gorm:"column:whatsapp_consent_at"`
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
// address) and its audit event, in one statement: it reads what the checks
// need (the IKM, the agreement, the business's name, the rule set's
// confirmation window, the first day judged) and writes all of it only when
// they pass, so it needs no transaction of its own. With an Idempotency-Key
// it runs in the key's transaction, and a repeated request replays the
// first answer.
func (s *Service) Report(ctx context.Context, in ReportInput, idem *Idem[Purchase]) (Purchase, *Replay, error) {
	a, err := reporter(ctx)
	if err != nil {
		return Purchase{}, nil, err
	}
	if idem == nil || idem.Key == "" {
		p, err := s.report(ctx, s.db, a, in)
		return p, nil, err
	}
	return withIdem(ctx, s, a.BusinessID, idem, func(tx *gorm.DB) (Purchase, error) {
		return s.report(ctx, tx, a, in)
	})
}

// reportChecks is what a report's statement read, and what it wrote.
type reportChecks struct {
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
	ID              *int64 // the purchase written: nil when a check failed
	ConfirmBy       *time.Time
	PaymentDays     int
	Consignment     bool
}

// report checks and writes one purchase on db: the caller's transaction, or
// the pool.
func (s *Service) report(ctx context.Context, db *gorm.DB, a actor.Actor, in ReportInput) (Purchase, error) {
	var c fault.Checker
	qty := int64(1)
	if in.Quantity != nil {
		qty = *in.Quantity
	}
	f := s.checkFields(&c, rawFields{invoice: in.InvoiceNumber, purchaseDate: in.PurchaseDate, paidDate: in.PaidDate,
		description: in.Description, quantity: qty, amount: in.Amount}, jsonName)
	field, cond, key := ikmKey(&c, in.IKMID, in.IKMNIB)

	// As PostgreSQL keeps it, so the answer now and every later read agree.
	now := s.now().Truncate(time.Microsecond)
	p := Purchase{
		BusinessID: a.BusinessID, AgreementID: in.AgreementID, InvoiceNumber: f.invoice,
		PurchaseDate: f.purchaseDate, PaidDate: f.paidDate, Description: f.description, Quantity: f.quantity,
		Amount: f.amount, Status: StatusReported, Source: sourceOf(a, SourceManual), CreatedAt: now, UpdatedAt: now,
	}
	setCreator(&p, a)
	st, err := s.reportStmt(ctx, p, c.Err() == nil, cond, key, now)
	if err != nil {
		return Purchase{}, err
	}
	var r reportChecks
	if err := database.QueryRow(ctx, db, st.SQL, st.Args...).Scan(&r.IKMID, &r.IKMNIB, &r.IKMName, &r.IKMStatus,
		&r.IKMEmail, &r.BusinessName, &r.AgreementID, &r.AgreementStatus, &r.AgreementStart, &r.AgreementEnd,
		&r.AgreementHasIKM, &r.WindowDays, &r.FirstJudged, &r.ID, &r.ConfirmBy, &r.PaymentDays, &r.Consignment); err != nil {
		return Purchase{}, insertError(err)
	}
	if r.ID != nil {
		p.ID, p.IKMID, p.ConfirmBy = *r.ID, *r.IKMID, *r.ConfirmBy
		p.PaymentDays, p.Consignment = r.PaymentDays, r.Consignment
		p.DueDate = p.PurchaseDate.AddDate(0, 0, r.PaymentDays)
		p.PaidOn = p.PaidDate
		p.BusinessName, p.IKMName, p.IKMNIB = r.BusinessName, r.IKMName, r.IKMNIB
		return p, nil
	}

	// Nothing was written: say why, every reason at once.
	switch {
	case field == "":
	case r.IKMID == nil:
		c.Add(field, reasonIKMUnknown)
	case r.IKMStatus != "active":
		c.Add(field, reasonIKMInactive)
	}
	if in.AgreementID != nil && r.IKMID != nil {
		switch {
		case r.AgreementID == nil:
			c.Add("agreement_id", reasonAgreementGone)
		case r.AgreementStatus != "approved" && r.AgreementStatus != "ended":
			c.Add("agreement_id", reasonAgreementStatus(r.AgreementStatus))
		case !r.AgreementHasIKM:
			c.Add("agreement_id", reasonAgreementIKM)
		case !f.purchaseDate.IsZero() && (f.purchaseDate.Before(*r.AgreementStart) || f.purchaseDate.After(*r.AgreementEnd)):
			c.Add("agreement_id", reasonAgreementDate)
		}
	}
	if !f.purchaseDate.IsZero() && r.FirstJudged != nil && f.purchaseDate.Before(*r.FirstJudged) {
		c.Add("purchase_date", reasonBeforeRules(*r.FirstJudged))
	}
	// Refused anyway: say too whether the invoice number is taken, so the
	// one answer lists everything to fix. A clean report learns it from the
	// unique index when it is written (409).
	if f.invoice != "" && !c.Has("invoice_number") {
		var taken bool
		if err := database.QueryRow(ctx, db, `SELECT EXISTS (SELECT 1 FROM purchases
				WHERE business_id = ? AND invoice_number = ?)`, a.BusinessID, f.invoice).Scan(&taken); err != nil {
			return Purchase{}, fmt.Errorf("procurement: invoice check: %w", err)
		}
		if taken {
			c.Add("invoice_number", reasonInvoiceTaken)
		}
	}
	if err := c.Err(); err != nil {
		return Purchase{}, err
	}
	return Purchase{}, fmt.Errorf("procurement: report of %q written nowhere, though every check passed", f.invoice)
}

// reportStmt is a report's one statement: chk reads what the checks need,
// ok is the purchase to write when every check passes (fieldsOK: the
// request's own fields did) with its id drawn and its deadline set, and the
// parts after it write the purchase, the request to confirm and the audit
// event. There is one statement per shape of request (the IKM by id or by
// NIB, with an agreement or without), so each keeps one generic plan.
func (s *Service) reportStmt(ctx context.Context, p Purchase, fieldsOK bool, ikmCond string, ikmKey any,
	now time.Time) (database.Stmt, error) {
	salt := make([]byte, 8)
	if _, err := rand.Read(salt); err != nil {
		return database.Stmt{}, err
	}
	request, err := json.Marshal(baseOf(p))
	if err != nil {
		return database.Stmt{}, err
	}
	after, err := json.Marshal(AuditView(p))
	if err != nil {
		return database.Stmt{}, err
	}
	agreementCols := `NULL::bigint AS agreement_id, '' AS agreement_status, NULL::date AS agreement_start,
		NULL::date AS agreement_end, false AS agreement_has_ikm, NULL::int AS agreement_payment_days,
		false AS agreement_consignment`
	agreementJoin, agreementOK := "", ""
	chkArgs := []any{s.today(), p.PurchaseDate, p.BusinessID, ikmKey}
	okArgs := []any{string(request), string(after), salt, now, int(DefaultConfirmationWindow.Hours() / 24), fieldsOK,
		p.PurchaseDate}
	if p.AgreementID != nil {
		agreementCols = `ag.id AS agreement_id, coalesce(ag.status, '') AS agreement_status, ag.start_date AS agreement_start,
			ag.end_date AS agreement_end, coalesce(ag.has_ikm, false) AS agreement_has_ikm,
			ag.payment_days AS agreement_payment_days, coalesce(ag.consignment, false) AS agreement_consignment`
		agreementJoin = `LEFT JOIN LATERAL (SELECT a.id, a.status, a.start_date, a.end_date, a.payment_days, a.consignment,
				EXISTS (SELECT 1 FROM agreement_ikms ai WHERE ai.agreement_id = a.id AND ai.ikm_id = i.id) AS has_ikm
			FROM agreements a WHERE a.id = ? AND a.business_id = ?) ag ON true`
		chkArgs = append(chkArgs, *p.AgreementID, p.BusinessID)
		agreementOK = `AND chk.agreement_id IS NOT NULL AND chk.agreement_status IN ('approved', 'ended')
			AND chk.agreement_has_ikm AND ?::date BETWEEN chk.agreement_start AND chk.agreement_end`
		okArgs = append(okArgs, p.PurchaseDate)
	}
	channel, recipient := s.routeSQL("ok.ikm_phone", "ok.ikm_wa_consent", "ok.ikm_email")
	mail := notify.EnqueueFrom(now, notify.From{Kind: KindConfirmationRequest, Rows: "ok", Channel: channel, Recipient: recipient,
		Payload: `ok.request || jsonb_build_object('purchase_id', ok.id, 'ikm_id', ok.ikm_id, 'ikm_name', ok.ikm_name,
			'business_name', ok.business_name, 'confirm_by', ok.confirm_by,
			'link_nonce', encode(int8send(ok.id) || ok.salt, 'hex'))`})
	event := audit.Selected{From: "ok", Action: "'purchase.report'", EntityType: "purchase", EntityID: "ok.id::text",
		After: `ok.after || jsonb_build_object('id', ok.id, 'ikm_id', ok.ikm_id,
			'payment_days', coalesce(ok.agreement_payment_days, ok.rule_payment_days),
			'consignment', ok.agreement_consignment)`}.Stmt(ctx, now)
	// Each part's text is written only the first time its shape is seen.
	parts := []struct {
		name string
		sql  func() string
		args []any
	}{
		{"chk", func() string {
			return `SELECT i.id AS ikm_id, coalesce(i.nib, '') AS ikm_nib,
			coalesce(i.name, '') AS ikm_name, coalesce(i.status, '') AS ikm_status, i.email AS ikm_email,
			coalesce(i.phone, '') AS ikm_phone, i.whatsapp_consent_at AS ikm_wa_consent,
			coalesce(b.name, '') AS business_name, ` + agreementCols + `,
			` + compliance.ConfirmationWindowDaysSQL("?") + ` AS window_days,
			` + compliance.PaymentDueDaysSQL("?::date") + ` AS rule_payment_days,
			` + compliance.FirstJudgedDaySQL + ` AS first_judged
		FROM (SELECT 1) one
		LEFT JOIN businesses b ON b.id = ?
		LEFT JOIN ikms i ON ` + ikmCond + ` ` + agreementJoin
		}, chkArgs},
		{"ok", func() string {
			return `SELECT nextval('purchases_id_seq') AS id, chk.*,
			?::jsonb AS request, ?::jsonb AS after, ?::bytea AS salt,
			?::timestamptz + make_interval(days => coalesce(chk.window_days, ?)) AS confirm_by
		FROM chk
		WHERE ?::boolean AND chk.ikm_status = 'active' AND (chk.first_judged IS NULL OR ?::date >= chk.first_judged)
		` + agreementOK
		}, okArgs},
		{"ins", func() string {
			return `INSERT INTO purchases (id, business_id, ikm_id, agreement_id, invoice_number,
			purchase_date, paid_date, description, quantity, amount, status, confirm_by, source, created_by,
			created_token_id, created_at, updated_at, link_nonce, payment_days, consignment)
		SELECT ok.id, ?, ok.ikm_id, ?, ?, ?, ?, ?, ?, ?, 'reported', ok.confirm_by, ?, ?, ?, ?, ?, int8send(ok.id) || ok.salt,
			coalesce(ok.agreement_payment_days, ok.rule_payment_days), ok.agreement_consignment
		FROM ok`
		}, []any{p.BusinessID, p.AgreementID, p.InvoiceNumber, p.PurchaseDate, p.PaidDate, p.Description,
			p.Quantity, p.Amount, string(p.Source), p.CreatedBy, p.CreatedTokenID, now, now}},
		{"mail", func() string { return mail.SQL }, mail.Args},
		{"audit", func() string { return event.SQL }, event.Args},
	}
	var args []any
	for _, part := range parts {
		args = append(args, part.args...)
	}
	// The text depends on the shape alone: built once per shape.
	shape := ikmCond + strconv.FormatBool(p.AgreementID != nil)
	if sql, ok := s.reportSQL.Load(shape); ok {
		return database.Stmt{SQL: sql.(string), Args: args}, nil
	}
	var w database.With
	for _, part := range parts {
		w.Part(part.name, database.Stmt{SQL: part.sql()})
	}
	st := w.Then(database.Stmt{SQL: `SELECT chk.ikm_id, chk.ikm_nib, chk.ikm_name, chk.ikm_status, chk.ikm_email,
			chk.business_name, chk.agreement_id, chk.agreement_status, chk.agreement_start, chk.agreement_end,
			chk.agreement_has_ikm, chk.window_days, chk.first_judged, ok.id, ok.confirm_by,
			coalesce(chk.agreement_payment_days, chk.rule_payment_days), chk.agreement_consignment
		FROM chk LEFT JOIN ok ON true`})
	s.reportSQL.Store(shape, st.SQL)
	return database.Stmt{SQL: st.SQL, Args: args}, nil
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
			source, created_by, created_token_id, created_at, updated_at, link_nonce, payment_days, consignment)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		Args: []any{p.ID, p.BusinessID, p.IKMID, p.AgreementID, p.InvoiceNumber, p.PurchaseDate, p.PaidDate,
			p.Description, p.Quantity, p.Amount, string(p.Status), p.ConfirmBy, p.ReversesID, p.ReversalReason,
			string(p.Source), p.CreatedBy, p.CreatedTokenID, p.CreatedAt, p.UpdatedAt, p.LinkNonce, p.PaymentDays,
			p.Consignment}}
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

// afterCreate queues the request to confirm (when the IKM can be reached:
// see route) and records the audit event of a new purchase.
func (s *Service) afterCreate(ctx context.Context, tx *gorm.DB, p Purchase, ikm ikmRow, action string) error {
	if channel, recipient := s.route(ikm); recipient != "" {
		var business string
		if err := tx.WithContext(ctx).Raw("SELECT name FROM businesses WHERE id = ?", p.BusinessID).Scan(&business).Error; err != nil {
			return err
		}
		msg, err := confirmationRequest(p, ikm, business)
		if err != nil {
			return err
		}
		msg.Channel, msg.Recipient = channel, recipient
		if err := notify.Enqueue(ctx, tx, s.now(), msg); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, s.now(), audit.Event{Action: action, EntityType: "purchase",
		EntityID: strconv.FormatInt(p.ID, 10), After: AuditView(p)})
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
func AuditView(p Purchase) PurchaseAudit {
	v := PurchaseAudit{
		ID: p.ID, BusinessID: p.BusinessID, IKMID: p.IKMID, AgreementID: p.AgreementID,
		InvoiceNumber: p.InvoiceNumber, PurchaseDate: p.PurchaseDate.Format(time.DateOnly),
		Description: p.Description, Quantity: p.Quantity, Amount: p.Amount, Status: p.Status,
		Verified: p.Verified, Source: p.Source, ReversesID: p.ReversesID,
		DisputeReason: p.DisputeReason, ResolutionReason: p.ResolutionReason,
	}
	if p.PaidDate != nil {
		v.PaidDate = p.PaidDate.Format(time.DateOnly)
	}
	if p.ReversesID != nil {
		v.ReversalReason = p.ReversalReason
	}
	v.PaymentDays, v.Consignment = p.PaymentDays, p.Consignment
	if p.IKMPayment != nil {
		v.IKMPayment, v.IKMPaidAmount = *p.IKMPayment, p.IKMPaidAmount
	}
	return v
}

// PurchaseAudit is a purchase as its audit events record it.
type PurchaseAudit struct {
	ID               int64  `json:"id"`
	BusinessID       int64  `json:"business_id"`
	IKMID            int64  `json:"ikm_id"`
	AgreementID      *int64 `json:"agreement_id"`
	InvoiceNumber    string `json:"invoice_number"`
	PurchaseDate     string `json:"purchase_date"`
	PaidDate         string `json:"paid_date,omitempty"`
	Description      string `json:"description"`
	Quantity         int64  `json:"quantity"`
	Amount           int64  `json:"amount"`
	Status           Status `json:"status"`
	Verified         bool   `json:"verified"`
	Source           Source `json:"source"`
	ReversesID       *int64 `json:"reverses_id,omitempty"`
	ReversalReason   string `json:"reversal_reason,omitempty"`
	DisputeReason    string `json:"dispute_reason,omitempty"`
	ResolutionReason string `json:"resolution_reason,omitempty"`
	PaymentDays      int    `json:"payment_days"`
	Consignment      bool   `json:"consignment,omitempty"`
	IKMPayment       string `json:"ikm_payment,omitempty"`
	IKMPaidAmount    *int64 `json:"ikm_paid_amount,omitempty"`
}
