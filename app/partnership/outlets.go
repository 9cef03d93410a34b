package partnership

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
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
)

// OutletStatus is where a record of outlet space stands.
type OutletStatus string

const (
	OutletReported  OutletStatus = "reported"
	OutletConfirmed OutletStatus = "confirmed"
	OutletDisputed  OutletStatus = "disputed"
	OutletRejected  OutletStatus = "rejected"
	OutletWithdrawn OutletStatus = "withdrawn"
)

// OutletStatuses lists every status, for filters and documents.
var OutletStatuses = []OutletStatus{OutletReported, OutletConfirmed, OutletDisputed, OutletRejected, OutletWithdrawn}

// OutletAction is something done to an outlet record.
type OutletAction string

const (
	OutletConfirm  OutletAction = "confirm"  // the IKM agrees it has the place
	OutletDispute  OutletAction = "dispute"  // the IKM says it does not, and why
	OutletVerify   OutletAction = "verify"   // an officer confirms after a field check
	OutletReject   OutletAction = "reject"   // an officer finds it is not so
	OutletWithdraw OutletAction = "withdraw" // the company takes back an unconfirmed record
	OutletEnd      OutletAction = "end"      // the company says when the place ends
)

type outletTransition struct {
	from []OutletStatus
	to   OutletStatus // "" keeps the status
}

// outletTransitions is the whole life of an outlet record. Only confirmed
// outlets count in an evaluation.
var outletTransitions = map[OutletAction]outletTransition{
	OutletConfirm:  {from: []OutletStatus{OutletReported}, to: OutletConfirmed},
	OutletDispute:  {from: []OutletStatus{OutletReported}, to: OutletDisputed},
	OutletVerify:   {from: []OutletStatus{OutletReported, OutletDisputed}, to: OutletConfirmed},
	OutletReject:   {from: []OutletStatus{OutletReported, OutletDisputed}, to: OutletRejected},
	OutletWithdraw: {from: []OutletStatus{OutletReported, OutletDisputed}, to: OutletWithdrawn},
	OutletEnd:      {from: []OutletStatus{OutletReported, OutletConfirmed}},
}

var outletActionNames = map[OutletAction]string{
	OutletConfirm:  "dikonfirmasi",
	OutletDispute:  "dibantah",
	OutletVerify:   "diverifikasi",
	OutletReject:   "ditolak",
	OutletWithdraw: "ditarik",
	OutletEnd:      "diakhiri",
}

func (act OutletAction) next(current OutletStatus) (OutletStatus, error) {
	t := outletTransitions[act]
	if !slices.Contains(t.from, current) {
		return "", conflictState("outlet_state",
			fmt.Sprintf("Penyediaan tempat berstatus %s tidak dapat %s.", current, outletActionNames[act]), string(current))
	}
	if t.to == "" {
		return current, nil
	}
	return t.to, nil
}

// Outlet is a place a business gives an IKM to sell (a booth, a display
// corner, a shop unit), with how many slots and for how long.
type Outlet struct {
	ID               int64        `json:"id" gorm:"primaryKey"`
	BusinessID       int64        `json:"business_id"`
	BusinessName     string       `json:"business_name,omitempty" gorm:"->;-:migration"`
	IKMID            int64        `json:"ikm_id" gorm:"column:ikm_id"`
	IKMName          string       `json:"ikm_name,omitempty" gorm:"column:ikm_name;->;-:migration"`
	AgreementID      *int64       `json:"agreement_id"`
	Location         string       `json:"location"`
	Slots            int          `json:"slots"`
	StartDate        time.Time    `json:"start_date"`
	EndDate          *time.Time   `json:"end_date"`
	Status           OutletStatus `json:"status"`
	ConfirmedAt      *time.Time   `json:"confirmed_at,omitempty"`
	ConfirmedBy      *int64       `json:"confirmed_by,omitempty"`
	Verified         bool         `json:"verified"`
	DisputeReason    string       `json:"dispute_reason,omitempty"`
	ResolutionReason string       `json:"resolution_reason,omitempty"`
	DecidedAt        *time.Time   `json:"decided_at,omitempty"`
	DecidedBy        *int64       `json:"decided_by,omitempty"`
	CreatedBy        *int64       `json:"created_by,omitempty"`
	CreatedAt        time.Time    `json:"created_at"`
	UpdatedAt        time.Time    `json:"updated_at"`
}

func (Outlet) TableName() string { return "outlets" }

// OutletInput is what a company reports. Dates are YYYY-MM-DD; an empty end
// date means open-ended.
type OutletInput struct {
	BusinessID  int64
	IKMID       int64
	AgreementID int64 // 0: none
	Location    string
	Slots       int
	StartDate   string
	EndDate     string
}

// OutletFilter narrows the outlet list.
type OutletFilter struct {
	BusinessID  int64
	IKMID       int64
	AgreementID int64
	Status      string
}

// ListOutlets returns one page of the outlet records a may see, newest
// first, and the next page's cursor (0 when this is the last).
func (s *Service) ListOutlets(ctx context.Context, f OutletFilter, page Page) ([]Outlet, int64, error) {
	if f.Status != "" && !slices.Contains(OutletStatuses, OutletStatus(f.Status)) {
		return nil, 0, fault.Invalid(fault.Field("status", fault.OneOf(OutletStatuses)))
	}
	q := outletQuery(ctx, s.db, actor.From(ctx))
	if f.BusinessID != 0 {
		q = q.Where("o.business_id = ?", f.BusinessID)
	}
	if f.IKMID != 0 {
		q = q.Where("o.ikm_id = ?", f.IKMID)
	}
	if f.AgreementID != 0 {
		q = q.Where("o.agreement_id = ?", f.AgreementID)
	}
	if f.Status != "" {
		q = q.Where("o.status = ?", f.Status)
	}
	if page.Cursor > 0 {
		q = q.Where("o.id < ?", page.Cursor)
	}
	limit := page.limit()
	var list []Outlet
	if err := q.Order("o.id DESC").Limit(limit + 1).Find(&list).Error; err != nil {
		return nil, 0, fmt.Errorf("partnership: list outlets: %w", err)
	}
	list, next := database.KeysetPage(list, limit, func(o Outlet) int64 { return o.ID })
	return list, next, nil
}

// Outlet returns one outlet record a may see.
func (s *Service) Outlet(ctx context.Context, id int64) (Outlet, error) {
	return findOutlet(ctx, s.db, actor.From(ctx), id, false)
}

// ReportOutlet records a place a business gives an IKM. The IKM confirms it
// (or an officer verifies it) before it counts.
func (s *Service) ReportOutlet(ctx context.Context, in OutletInput) (Outlet, error) {
	a := actor.From(ctx)
	now := s.clock.Now()
	var out Outlet
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		o, err := s.validateOutlet(ctx, tx, a, in)
		if err != nil {
			return err
		}
		o.Status = OutletReported
		o.CreatedBy = a.OptionalUserID()
		o.CreatedAt, o.UpdatedAt = now, now
		if err := tx.Create(&o).Error; err != nil {
			return fmt.Errorf("partnership: report outlet: %w", err)
		}
		if out, err = findOutlet(ctx, tx, actor.SystemActor, o.ID, false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "outlet.report", EntityType: "outlet",
			EntityID: strconv.FormatInt(o.ID, 10), After: out})
	})
	return out, err
}

// ConfirmOutlet is the IKM saying it has the place.
func (s *Service) ConfirmOutlet(ctx context.Context, id int64) (Outlet, error) {
	return s.outletTransition(ctx, id, OutletConfirm, func(o Outlet, set map[string]any) error {
		set["confirmed_at"] = s.clock.Now()
		set["confirmed_by"] = actor.From(ctx).OptionalUserID()
		return nil
	})
}

// DisputeOutlet is the IKM saying it does not have the place, and why.
func (s *Service) DisputeOutlet(ctx context.Context, id int64, reason string) (Outlet, error) {
	var c fault.Checker
	requireText(&c, "reason", &reason, maxReasonLen)
	if err := c.Err(); err != nil {
		return Outlet{}, err
	}
	return s.outletTransition(ctx, id, OutletDispute, func(o Outlet, set map[string]any) error {
		set["dispute_reason"] = reason
		return nil
	})
}

// VerifyOutlet is an officer confirming the place after a field check, for
// an IKM that has not answered or has disputed it.
func (s *Service) VerifyOutlet(ctx context.Context, id int64, note string) (Outlet, error) {
	note = strings.TrimSpace(note)
	if len([]rune(note)) > maxReasonLen {
		return Outlet{}, fault.Invalid(fault.Field("note", fmt.Sprintf("paling banyak %d karakter", maxReasonLen)))
	}
	return s.outletTransition(ctx, id, OutletVerify, func(o Outlet, set map[string]any) error {
		now, by := s.clock.Now(), actor.From(ctx).OptionalUserID()
		set["confirmed_at"], set["confirmed_by"], set["verified"] = now, by, true
		set["decided_at"], set["decided_by"], set["resolution_reason"] = now, by, note
		return nil
	})
}

// RejectOutlet is an officer finding the place is not given as reported.
func (s *Service) RejectOutlet(ctx context.Context, id int64, reason string) (Outlet, error) {
	var c fault.Checker
	requireText(&c, "reason", &reason, maxReasonLen)
	if err := c.Err(); err != nil {
		return Outlet{}, err
	}
	return s.outletTransition(ctx, id, OutletReject, func(o Outlet, set map[string]any) error {
		set["decided_at"], set["decided_by"], set["resolution_reason"] = s.clock.Now(), actor.From(ctx).OptionalUserID(), reason
		return nil
	})
}

// WithdrawOutlet is the company taking back a record its IKM has not
// confirmed.
func (s *Service) WithdrawOutlet(ctx context.Context, id int64) (Outlet, error) {
	return s.outletTransition(ctx, id, OutletWithdraw, func(Outlet, map[string]any) error { return nil })
}

// EndOutlet sets (or brings forward) the last day of a place, when an
// open-ended or longer arrangement stops.
func (s *Service) EndOutlet(ctx context.Context, id int64, endDate string) (Outlet, error) {
	var c fault.Checker
	var end time.Time
	parseDate(&c, "end_date", endDate, true, &end)
	if err := c.Err(); err != nil {
		return Outlet{}, err
	}
	return s.outletTransition(ctx, id, OutletEnd, func(o Outlet, set map[string]any) error {
		switch {
		case end.Before(o.StartDate):
			c.Add("end_date", "tidak boleh sebelum start_date ("+o.StartDate.Format(time.DateOnly)+")")
		case o.EndDate != nil && end.After(*o.EndDate):
			c.Add("end_date", "hanya dapat dimajukan dari "+o.EndDate.Format(time.DateOnly)+"; laporkan tempat baru untuk memperpanjang")
		}
		set["end_date"] = end
		return c.Err()
	})
}

func (s *Service) outletTransition(ctx context.Context, id int64, act OutletAction,
	apply func(o Outlet, set map[string]any) error) (Outlet, error) {
	a := actor.From(ctx)
	now := s.clock.Now()
	var out Outlet
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := findOutlet(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		to, err := act.next(before.Status)
		if err != nil {
			return err
		}
		set := map[string]any{"status": to, "updated_at": now}
		if err := apply(before, set); err != nil {
			return err
		}
		if err := tx.Model(&Outlet{}).Where("id = ?", id).Updates(set).Error; err != nil {
			return fmt.Errorf("partnership: %s outlet %d: %w", act, id, err)
		}
		if out, err = findOutlet(ctx, tx, actor.SystemActor, id, false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "outlet." + string(act), EntityType: "outlet",
			EntityID: strconv.FormatInt(id, 10), Before: before, After: out})
	})
	return out, err
}

func (s *Service) validateOutlet(ctx context.Context, tx *gorm.DB, a actor.Actor, in OutletInput) (Outlet, error) {
	var c fault.Checker
	var o Outlet
	o.BusinessID = ownBusiness(a, in.BusinessID, &c)
	o.IKMID = in.IKMID
	o.Location = in.Location
	requireText(&c, "location", &o.Location, maxTextLen)
	o.Slots = in.Slots
	c.Check(o.Slots >= 1 && o.Slots <= maxCount, "slots", "harus antara 1 dan 10.000")
	if parseDate(&c, "start_date", in.StartDate, true, &o.StartDate) {
		c.Check(!o.StartDate.After(s.today().AddDate(1, 0, 0)), "start_date", "paling jauh satu tahun dari hari ini")
	}
	var end time.Time
	if parseDate(&c, "end_date", in.EndDate, false, &end) {
		o.EndDate = &end
		if !c.Has("start_date") {
			c.Check(!end.Before(o.StartDate), "end_date", "tidak boleh sebelum start_date")
		}
	}

	if !c.Has("business_id") {
		status, err := businessState(ctx, tx, o.BusinessID)
		if err != nil {
			return o, err
		}
		switch {
		case status == "":
			c.Add("business_id", "usaha tidak ditemukan")
		case status != "active":
			c.Add("business_id", "usaha tidak aktif")
		}
	}
	if o.IKMID <= 0 {
		c.Add("ikm_id", "wajib diisi")
	} else {
		states, err := ikmStates(ctx, tx, []int64{o.IKMID})
		if err != nil {
			return o, err
		}
		switch states[o.IKMID] {
		case "active":
		case "":
			c.Add("ikm_id", "IKM tidak ditemukan")
		default:
			c.Add("ikm_id", "IKM tidak aktif")
		}
	}
	if in.AgreementID != 0 {
		id := in.AgreementID
		o.AgreementID = &id
		var ag []struct {
			BusinessID int64
			Status     string
			NamesIKM   bool
		}
		err := tx.WithContext(ctx).Raw(`SELECT a.business_id, a.status,
				EXISTS (SELECT 1 FROM agreement_ikms x WHERE x.agreement_id = a.id AND x.ikm_id = ?) AS names_ikm
			FROM agreements a WHERE a.id = ?`, o.IKMID, id).Scan(&ag).Error
		if err != nil {
			return o, fmt.Errorf("partnership: outlet agreement: %w", err)
		}
		switch {
		case len(ag) == 0 || ag[0].BusinessID != o.BusinessID:
			// Another business's agreement is reported as absent, not as
			// someone else's.
			c.Add("agreement_id", "perjanjian tidak ditemukan untuk usaha ini")
		case ag[0].Status != string(AgreementApproved):
			c.Add("agreement_id", "perjanjian belum disetujui atau sudah berakhir")
		case !ag[0].NamesIKM && !c.Has("ikm_id"):
			c.Add("agreement_id", "IKM ini tidak termasuk dalam perjanjian tersebut")
		}
	}
	return o, c.Err()
}

// outletQuery selects outlet records with the names of both parties,
// narrowed to what a may see.
func outletQuery(ctx context.Context, db *gorm.DB, a actor.Actor) *gorm.DB {
	q := db.WithContext(ctx).Table("outlets AS o").
		Select("o.*, b.name AS business_name, i.name AS ikm_name").
		Joins("JOIN businesses b ON b.id = o.business_id").
		Joins("JOIN ikms i ON i.id = o.ikm_id")
	if a.IKMID != 0 && !a.Staff() {
		return q.Where("o.ikm_id = ?", a.IKMID)
	}
	return scopeByBusiness(q, a, "o")
}

func findOutlet(ctx context.Context, db *gorm.DB, a actor.Actor, id int64, lock bool) (Outlet, error) {
	q := outletQuery(ctx, db, a).Where("o.id = ?", id)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: "o"}})
	}
	var o Outlet
	err := q.Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Outlet{}, fault.NotFound("outlet_not_found", "Data penyediaan tempat tidak ditemukan.")
	}
	if err != nil {
		return Outlet{}, fmt.Errorf("partnership: outlet %d: %w", id, err)
	}
	return o, nil
}
