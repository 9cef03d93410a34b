package partnership

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"kemitraan/app/audit"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/files"
)

// AgreementStatus is where an agreement stands.
type AgreementStatus string

const (
	AgreementDraft     AgreementStatus = "draft"
	AgreementSubmitted AgreementStatus = "submitted"
	AgreementApproved  AgreementStatus = "approved"
	AgreementRejected  AgreementStatus = "rejected"
	AgreementEnded     AgreementStatus = "ended"
)

// AgreementStatuses lists every status, for filters and documents.
var AgreementStatuses = []AgreementStatus{AgreementDraft, AgreementSubmitted, AgreementApproved, AgreementRejected, AgreementEnded}

// Forms are the kinds of partnership the Perbup names.
var Forms = []string{"procurement", "outlet_space", "subcontract", "distribution", "other"}

// AgreementAction is something done to an agreement.
type AgreementAction string

const (
	AgreementEdit    AgreementAction = "edit"
	AgreementAttach  AgreementAction = "attach_document"
	AgreementSubmit  AgreementAction = "submit"
	AgreementApprove AgreementAction = "approve"
	AgreementReject  AgreementAction = "reject"
	AgreementRevise  AgreementAction = "revise" // a rejected agreement back to draft, to fix and resubmit
	AgreementEnd     AgreementAction = "end"
)

type agreementTransition struct {
	from []AgreementStatus
	to   AgreementStatus
}

// agreementTransitions is the whole life of an agreement: each action, the
// states it may start from and the state it leaves. Anything else is a 409.
var agreementTransitions = map[AgreementAction]agreementTransition{
	AgreementEdit:    {from: []AgreementStatus{AgreementDraft}, to: AgreementDraft},
	AgreementAttach:  {from: []AgreementStatus{AgreementDraft}, to: AgreementDraft},
	AgreementSubmit:  {from: []AgreementStatus{AgreementDraft}, to: AgreementSubmitted},
	AgreementApprove: {from: []AgreementStatus{AgreementSubmitted}, to: AgreementApproved},
	AgreementReject:  {from: []AgreementStatus{AgreementSubmitted}, to: AgreementRejected},
	AgreementRevise:  {from: []AgreementStatus{AgreementRejected}, to: AgreementDraft},
	AgreementEnd:     {from: []AgreementStatus{AgreementApproved}, to: AgreementEnded},
}

// agreementActionNames say in Bahasa Indonesia what was refused.
var agreementActionNames = map[AgreementAction]string{
	AgreementEdit:    "diubah",
	AgreementAttach:  "diberi dokumen",
	AgreementSubmit:  "diajukan",
	AgreementApprove: "disetujui",
	AgreementReject:  "ditolak",
	AgreementRevise:  "diperbaiki",
	AgreementEnd:     "diakhiri",
}

// next returns the state action leads to from current, or the 409.
func (act AgreementAction) next(current AgreementStatus) (AgreementStatus, error) {
	t := agreementTransitions[act]
	if !slices.Contains(t.from, current) {
		return "", conflictState("agreement_state",
			fmt.Sprintf("Perjanjian berstatus %s tidak dapat %s.", current, agreementActionNames[act]), string(current))
	}
	return t.to, nil
}

// Agreement is a partnership agreement with the IKM it names.
type Agreement struct {
	ID                  int64     `json:"id" gorm:"primaryKey"`
	BusinessID          int64     `json:"business_id"`
	BusinessName        string    `json:"business_name,omitempty" gorm:"->;-:migration"`
	Form                string    `json:"form"`
	Number              string    `json:"number"`
	AgreementDate       time.Time `json:"agreement_date"`
	StartDate           time.Time `json:"start_date"`
	EndDate             time.Time `json:"end_date"`
	TargetPurchaseValue int64     `json:"target_purchase_value"`
	TargetIKMCount      int       `json:"target_ikm_count" gorm:"column:target_ikm_count"`
	TargetOutletSlots   int       `json:"target_outlet_slots"`
	// PaymentDays is how many days after a purchase the business pays its
	// IKM under this agreement; nil leaves it to the rule set.
	PaymentDays *int `json:"payment_days"`
	// Consignment: deliveries are titip jual, paid once the goods sell.
	Consignment    bool            `json:"consignment"`
	DocumentFileID *int64          `json:"document_file_id"`
	Status         AgreementStatus `json:"status"`
	SubmittedAt    *time.Time      `json:"submitted_at,omitempty"`
	DecidedAt      *time.Time      `json:"decided_at,omitempty"`
	DecidedBy      *int64          `json:"decided_by,omitempty"`
	RejectReason   string          `json:"reject_reason,omitempty"`
	EndedAt        *time.Time      `json:"ended_at,omitempty"`
	CreatedBy      *int64          `json:"created_by,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
	IKMs           []PartnerIKM    `json:"ikms" gorm:"-"`
}

func (Agreement) TableName() string { return "agreements" }

// PartnerIKM is an IKM named by an agreement.
type PartnerIKM struct {
	AgreementID int64  `json:"-"`
	ID          int64  `json:"id"`
	Name        string `json:"name"`
}

// AgreementInput is what a company (or an officer) writes on a draft.
// Dates are YYYY-MM-DD; they are parsed here so every bad field is reported
// at once.
type AgreementInput struct {
	BusinessID          int64 // staff choose; a company's own business otherwise
	IKMIDs              []int64
	Form                string
	Number              string
	AgreementDate       string
	StartDate           string
	EndDate             string
	TargetPurchaseValue int64
	TargetIKMCount      int
	TargetOutletSlots   int
	PaymentDays         *int // 0–180; nil: the rule set's term
	Consignment         bool
}

// MaxPaymentDays is the longest payment term an agreement may set.
const MaxPaymentDays = 180

// AgreementFilter narrows the agreement list.
type AgreementFilter struct {
	BusinessID int64
	IKMID      int64
	Status     string
	Form       string
	Query      string // agreement number or business name, partial
}

// ListAgreements returns one page of the agreements a may see, newest first,
// and the cursor of the next page (0 when this is the last).
func (s *Service) ListAgreements(ctx context.Context, f AgreementFilter, page Page) ([]Agreement, int64, error) {
	var c fault.Checker
	c.Check(f.Status == "" || slices.Contains(AgreementStatuses, AgreementStatus(f.Status)), "status",
		fault.OneOf(AgreementStatuses))
	c.Check(f.Form == "" || slices.Contains(Forms, f.Form), "form", fault.OneOf(Forms))
	if err := c.Err(); err != nil {
		return nil, 0, err
	}
	q := s.agreementQuery(ctx, s.db, actor.From(ctx))
	if f.BusinessID != 0 {
		q = q.Where("a.business_id = ?", f.BusinessID)
	}
	if f.IKMID != 0 {
		q = q.Where("EXISTS (SELECT 1 FROM agreement_ikms x WHERE x.agreement_id = a.id AND x.ikm_id = ?)", f.IKMID)
	}
	if f.Status != "" {
		q = q.Where("a.status = ?", f.Status)
	}
	if f.Form != "" {
		q = q.Where("a.form = ?", f.Form)
	}
	if term := strings.TrimSpace(f.Query); term != "" {
		like := database.LikeContaining(term)
		q = q.Where("(a.number ILIKE ? OR b.name ILIKE ?)", like, like)
	}
	if page.Cursor > 0 {
		q = q.Where("a.id < ?", page.Cursor)
	}
	limit := page.limit()
	var list []Agreement
	if err := q.Order("a.id DESC").Limit(limit + 1).Find(&list).Error; err != nil {
		return nil, 0, fmt.Errorf("partnership: list agreements: %w", err)
	}
	list, next := database.KeysetPage(list, limit, func(a Agreement) int64 { return a.ID })
	if err := s.loadPartners(ctx, s.db, list); err != nil {
		return nil, 0, err
	}
	return list, next, nil
}

// CountAgreements is how many agreements a may see are in status (an
// officer's queue: submitted, awaiting a decision).
func (s *Service) CountAgreements(ctx context.Context, status AgreementStatus) (int64, error) {
	var n int64
	if err := s.agreementQuery(ctx, s.db, actor.From(ctx)).Where("a.status = ?", status).Select("count(*)").
		Row().Scan(&n); err != nil {
		return 0, fmt.Errorf("partnership: count agreements: %w", err)
	}
	return n, nil
}

// Agreement returns one agreement a may see.
func (s *Service) Agreement(ctx context.Context, id int64) (Agreement, error) {
	return s.findAgreement(ctx, s.db, actor.From(ctx), id, false)
}

// CreateAgreement drafts an agreement.
func (s *Service) CreateAgreement(ctx context.Context, in AgreementInput) (Agreement, error) {
	a := actor.From(ctx)
	now := s.clock.Now()
	var out Agreement
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ag, ikmIDs, err := s.validateAgreement(ctx, tx, a, in, 0)
		if err != nil {
			return err
		}
		ag.Status = AgreementDraft
		ag.CreatedBy = a.OptionalUserID()
		ag.CreatedAt, ag.UpdatedAt = now, now
		if err := tx.Create(&ag).Error; err != nil {
			return agreementWriteError(err)
		}
		if err := replacePartners(ctx, tx, ag.ID, ikmIDs); err != nil {
			return err
		}
		if out, err = s.findAgreement(ctx, tx, actor.SystemActor, ag.ID, false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "agreement.create", EntityType: "agreement",
			EntityID: strconv.FormatInt(ag.ID, 10), After: out})
	})
	return out, err
}

// UpdateAgreement rewrites a draft.
func (s *Service) UpdateAgreement(ctx context.Context, id int64, in AgreementInput) (Agreement, error) {
	a := actor.From(ctx)
	now := s.clock.Now()
	var out Agreement
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := s.findAgreement(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		if _, err := AgreementEdit.next(before.Status); err != nil {
			return err
		}
		if in.BusinessID == 0 {
			in.BusinessID = before.BusinessID
		}
		ag, ikmIDs, err := s.validateAgreement(ctx, tx, a, in, before.BusinessID)
		if err != nil {
			return err
		}
		err = tx.Model(&Agreement{}).Where("id = ?", id).Updates(map[string]any{
			"form": ag.Form, "number": ag.Number, "agreement_date": ag.AgreementDate,
			"start_date": ag.StartDate, "end_date": ag.EndDate,
			"target_purchase_value": ag.TargetPurchaseValue, "target_ikm_count": ag.TargetIKMCount,
			"target_outlet_slots": ag.TargetOutletSlots, "payment_days": ag.PaymentDays,
			"consignment": ag.Consignment, "updated_at": now,
		}).Error
		if err != nil {
			return agreementWriteError(err)
		}
		if err := replacePartners(ctx, tx, id, ikmIDs); err != nil {
			return err
		}
		if out, err = s.findAgreement(ctx, tx, actor.SystemActor, id, false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "agreement.update", EntityType: "agreement",
			EntityID: strconv.FormatInt(id, 10), Before: before, After: out})
	})
	return out, err
}

// AttachDocument stores the signed agreement (a PDF, judged by its content)
// on a draft, replacing any earlier one.
func (s *Service) AttachDocument(ctx context.Context, id int64, name string, r io.Reader) (Agreement, error) {
	return s.transition(ctx, id, AgreementAttach, func(tx *gorm.DB, ag Agreement, set map[string]any) error {
		f, err := s.files.Save(ctx, tx, r, name, files.Options{Field: "document", Types: []string{files.PDF}})
		if err != nil {
			return err
		}
		set["document_file_id"] = f.ID
		return nil
	})
}

// Document opens the signed document of an agreement a may see.
func (s *Service) Document(ctx context.Context, id int64) (files.File, io.ReadSeekCloser, error) {
	ag, err := s.findAgreement(ctx, s.db, actor.From(ctx), id, false)
	if err != nil {
		return files.File{}, nil, err
	}
	if ag.DocumentFileID == nil {
		return files.File{}, nil, fault.NotFound("document_not_found", "Perjanjian ini belum memiliki dokumen.")
	}
	return s.files.Open(ctx, s.db, *ag.DocumentFileID)
}

// SubmitAgreement sends a complete draft to the Dinas for approval. The
// IKM must still be active and the signed document attached.
func (s *Service) SubmitAgreement(ctx context.Context, id int64) (Agreement, error) {
	return s.transition(ctx, id, AgreementSubmit, func(tx *gorm.DB, ag Agreement, set map[string]any) error {
		var c fault.Checker
		c.Check(ag.DocumentFileID != nil, "document", "unggah dokumen perjanjian bertanda tangan (PDF) sebelum mengajukan")
		ids := make([]int64, len(ag.IKMs))
		for i, p := range ag.IKMs {
			ids[i] = p.ID
		}
		states, err := ikmStates(ctx, tx, ids)
		if err != nil {
			return err
		}
		for i, id := range ids {
			c.Check(states[id] == "active", fmt.Sprintf("ikm_ids[%d]", i), "IKM tidak aktif lagi; ubah daftar IKM")
		}
		c.Check(len(ids) > 0, "ikm_ids", "minimal satu IKM")
		if err := c.Err(); err != nil {
			return err
		}
		set["submitted_at"] = s.clock.Now()
		return nil
	})
}

// ApproveAgreement accepts a submitted agreement: from now on its targets
// count in every period it overlaps.
func (s *Service) ApproveAgreement(ctx context.Context, id int64) (Agreement, error) {
	return s.transition(ctx, id, AgreementApprove, func(tx *gorm.DB, ag Agreement, set map[string]any) error {
		s.decided(ctx, set)
		return nil
	})
}

// RejectAgreement refuses a submitted agreement, saying why.
func (s *Service) RejectAgreement(ctx context.Context, id int64, reason string) (Agreement, error) {
	var c fault.Checker
	requireText(&c, "reason", &reason, maxReasonLen)
	if err := c.Err(); err != nil {
		return Agreement{}, err
	}
	return s.transition(ctx, id, AgreementReject, func(tx *gorm.DB, ag Agreement, set map[string]any) error {
		s.decided(ctx, set)
		set["reject_reason"] = reason
		return nil
	})
}

// ReviseAgreement turns a rejected agreement back into a draft so the company
// can correct and resubmit it under the same number.
func (s *Service) ReviseAgreement(ctx context.Context, id int64) (Agreement, error) {
	return s.transition(ctx, id, AgreementRevise, func(tx *gorm.DB, ag Agreement, set map[string]any) error {
		set["submitted_at"], set["decided_at"], set["decided_by"], set["reject_reason"] = nil, nil, nil, ""
		return nil
	})
}

// EndAgreement ends an approved agreement early (an officer's decision),
// saying why; the reason goes into the audit trail.
func (s *Service) EndAgreement(ctx context.Context, id int64, reason string) (Agreement, error) {
	var c fault.Checker
	requireText(&c, "reason", &reason, maxReasonLen)
	if err := c.Err(); err != nil {
		return Agreement{}, err
	}
	return s.transition(ctx, id, AgreementEnd, func(tx *gorm.DB, ag Agreement, set map[string]any) error {
		set["ended_at"] = s.clock.Now()
		set["_reason"] = reason
		return nil
	})
}

func (s *Service) decided(ctx context.Context, set map[string]any) {
	set["decided_at"] = s.clock.Now()
	set["decided_by"] = actor.From(ctx).OptionalUserID()
}

// transition runs one action on one agreement: lock it (in the caller's
// scope), check the table, let apply add columns, write, audit, all in one
// transaction. A "_reason" entry in set goes to the audit event only.
func (s *Service) transition(ctx context.Context, id int64, act AgreementAction,
	apply func(tx *gorm.DB, ag Agreement, set map[string]any) error) (Agreement, error) {
	a := actor.From(ctx)
	now := s.clock.Now()
	var out Agreement
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := s.findAgreement(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		to, err := act.next(before.Status)
		if err != nil {
			return err
		}
		set := map[string]any{"status": to, "updated_at": now}
		if err := apply(tx, before, set); err != nil {
			return err
		}
		reason, _ := set["_reason"].(string)
		delete(set, "_reason")
		if err := tx.Model(&Agreement{}).Where("id = ?", id).Updates(set).Error; err != nil {
			return fmt.Errorf("partnership: %s agreement %d: %w", act, id, err)
		}
		if out, err = s.findAgreement(ctx, tx, actor.SystemActor, id, false); err != nil {
			return err
		}
		var after any = out
		if reason != "" {
			after = struct {
				Agreement
				Reason string `json:"reason"`
			}{out, reason}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "agreement." + string(act), EntityType: "agreement",
			EntityID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
	return out, err
}

// validateAgreement checks every field at once and returns the row to write
// and the IKM ids. fixedBusiness is the business of an existing agreement
// (0 for a new one), which an edit may not change.
func (s *Service) validateAgreement(ctx context.Context, tx *gorm.DB, a actor.Actor, in AgreementInput, fixedBusiness int64) (Agreement, []int64, error) {
	var c fault.Checker
	var ag Agreement
	ag.BusinessID = ownBusiness(a, in.BusinessID, &c)
	if fixedBusiness != 0 && ag.BusinessID != fixedBusiness && !c.Has("business_id") {
		c.Add("business_id", "tidak dapat diubah")
	}
	ag.Form = strings.TrimSpace(in.Form)
	c.Check(slices.Contains(Forms, ag.Form), "form", fault.OneOf(Forms))
	ag.Number = in.Number
	requireText(&c, "number", &ag.Number, 100)

	if parseDate(&c, "agreement_date", in.AgreementDate, true, &ag.AgreementDate) {
		c.Check(!ag.AgreementDate.After(s.today()), "agreement_date", "tidak boleh setelah hari ini")
	}
	okStart := parseDate(&c, "start_date", in.StartDate, true, &ag.StartDate)
	okEnd := parseDate(&c, "end_date", in.EndDate, true, &ag.EndDate)
	if okStart && okEnd {
		switch {
		case ag.EndDate.Before(ag.StartDate):
			c.Add("end_date", "tidak boleh sebelum start_date")
		case ag.EndDate.After(ag.StartDate.AddDate(maxYearsSpan, 0, 0)):
			c.Add("end_date", fmt.Sprintf("jangka perjanjian paling lama %d tahun", maxYearsSpan))
		}
	}

	ag.TargetPurchaseValue, ag.TargetIKMCount, ag.TargetOutletSlots = in.TargetPurchaseValue, in.TargetIKMCount, in.TargetOutletSlots
	c.Check(ag.TargetPurchaseValue >= 0 && ag.TargetPurchaseValue <= maxTargetPurchaseValue, "targets.purchase_value",
		"harus antara 0 dan 1.000.000.000.000 rupiah")
	c.Check(ag.TargetIKMCount >= 0 && ag.TargetIKMCount <= maxCount, "targets.ikm_count", "harus antara 0 dan 10.000")
	c.Check(ag.TargetOutletSlots >= 0 && ag.TargetOutletSlots <= maxCount, "targets.outlet_slots", "harus antara 0 dan 10.000")
	if !c.Has("targets.purchase_value") && !c.Has("targets.ikm_count") && !c.Has("targets.outlet_slots") {
		c.Check(ag.TargetPurchaseValue > 0 || ag.TargetIKMCount > 0 || ag.TargetOutletSlots > 0, "targets",
			"minimal satu target (nilai pembelian, jumlah IKM atau slot gerai) harus lebih dari 0")
	}

	ag.PaymentDays, ag.Consignment = in.PaymentDays, in.Consignment
	if in.PaymentDays != nil {
		c.Check(*in.PaymentDays >= 0 && *in.PaymentDays <= MaxPaymentDays, "payment_days",
			fmt.Sprintf("harus antara 0 dan %d hari", MaxPaymentDays))
	}

	ikmIDs := checkIKMList(&c, in.IKMIDs)
	if !c.Has("business_id") {
		status, err := businessState(ctx, tx, ag.BusinessID)
		if err != nil {
			return ag, nil, err
		}
		switch {
		case status == "":
			c.Add("business_id", "usaha tidak ditemukan")
		case status != "active" && fixedBusiness == 0:
			c.Add("business_id", "usaha tidak aktif")
		}
	}
	if len(ikmIDs) > 0 {
		states, err := ikmStates(ctx, tx, ikmIDs)
		if err != nil {
			return ag, nil, err
		}
		for i, id := range in.IKMIDs {
			field := fmt.Sprintf("ikm_ids[%d]", i)
			switch states[id] {
			case "active":
			case "":
				if !c.Has(field) { // a bad id is reported once
					c.Add(field, "IKM tidak ditemukan")
				}
			default:
				c.Add(field, "IKM tidak aktif")
			}
		}
	}
	return ag, ikmIDs, c.Err()
}

// checkIKMList checks the shape of an IKM id list and returns it without
// duplicates (which are reported).
func checkIKMList(c *fault.Checker, ids []int64) []int64 {
	switch {
	case len(ids) == 0:
		c.Add("ikm_ids", "minimal satu IKM")
		return nil
	case len(ids) > maxIKMsPerAgreement:
		c.Add("ikm_ids", fmt.Sprintf("paling banyak %d IKM", maxIKMsPerAgreement))
		return nil
	}
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for i, id := range ids {
		field := fmt.Sprintf("ikm_ids[%d]", i)
		switch {
		case id <= 0:
			c.Add(field, "IKM tidak ditemukan")
		case seen[id]:
			c.Add(field, "IKM disebut lebih dari sekali")
		default:
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// agreementWriteError turns a duplicate number into a 409 naming the field.
func agreementWriteError(err error) error {
	if constraint, ok := database.UniqueViolation(err); ok && constraint == "agreements_business_number_key" {
		e := fault.Conflict("agreement_number_taken", "Nomor perjanjian sudah dipakai oleh perjanjian lain usaha ini.")
		e.Fields = []fault.FieldError{fault.Field("number", "sudah dipakai")}
		return e
	}
	return fmt.Errorf("partnership: write agreement: %w", err)
}

func replacePartners(ctx context.Context, tx *gorm.DB, agreementID int64, ikmIDs []int64) error {
	if err := tx.WithContext(ctx).Exec("DELETE FROM agreement_ikms WHERE agreement_id = ?", agreementID).Error; err != nil {
		return fmt.Errorf("partnership: agreement ikms: %w", err)
	}
	err := tx.WithContext(ctx).Exec(`INSERT INTO agreement_ikms (agreement_id, ikm_id)
		SELECT ?, unnest(?::bigint[])`, agreementID, database.Array(ikmIDs)).Error
	if err != nil {
		return fmt.Errorf("partnership: agreement ikms: %w", err)
	}
	return nil
}

// agreementQuery selects agreements with their business's name, narrowed to
// what a may see: a company its own business's, an IKM those naming it
// (once submitted; drafts are the company's own business).
func (s *Service) agreementQuery(ctx context.Context, db *gorm.DB, a actor.Actor) *gorm.DB {
	q := db.WithContext(ctx).Table("agreements AS a").
		Select("a.*, b.name AS business_name").
		Joins("JOIN businesses b ON b.id = a.business_id")
	if a.IKMID != 0 && !a.Staff() {
		return q.Where("a.status <> ? AND EXISTS (SELECT 1 FROM agreement_ikms x WHERE x.agreement_id = a.id AND x.ikm_id = ?)",
			AgreementDraft, a.IKMID)
	}
	return scopeByBusiness(q, a, "a")
}

// findAgreement loads one agreement in a's scope with its IKM, locking the
// row when lock is set. Out of scope is "not found".
func (s *Service) findAgreement(ctx context.Context, db *gorm.DB, a actor.Actor, id int64, lock bool) (Agreement, error) {
	q := s.agreementQuery(ctx, db, a).Where("a.id = ?", id)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: "a"}})
	}
	var ag Agreement
	err := q.Take(&ag).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Agreement{}, fault.NotFound("agreement_not_found", "Perjanjian kemitraan tidak ditemukan.")
	}
	if err != nil {
		return Agreement{}, fmt.Errorf("partnership: agreement %d: %w", id, err)
	}
	list := []Agreement{ag}
	if err := s.loadPartners(ctx, db, list); err != nil {
		return Agreement{}, err
	}
	return list[0], nil
}

// loadPartners fills the IKM of every agreement in list with one query.
func (s *Service) loadPartners(ctx context.Context, db *gorm.DB, list []Agreement) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	at := make(map[int64]int, len(list))
	for i, ag := range list {
		ids[i] = ag.ID
		at[ag.ID] = i
		list[i].IKMs = []PartnerIKM{}
	}
	var rows []PartnerIKM
	err := db.WithContext(ctx).Table("agreement_ikms x").
		Select("x.agreement_id, i.id, i.name").
		Joins("JOIN ikms i ON i.id = x.ikm_id").
		Where("x.agreement_id IN ?", ids).Order("x.agreement_id, i.name, i.id").Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("partnership: agreement ikms: %w", err)
	}
	for _, r := range rows {
		list[at[r.AgreementID]].IKMs = append(list[at[r.AgreementID]].IKMs, r)
	}
	return nil
}
