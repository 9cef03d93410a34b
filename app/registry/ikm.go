package registry

import (
	"context"
	"fmt"
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

// IKM is a small or medium industry as the registry shows it. It is also the
// before/after shape of its audit events.
type IKM struct {
	ID              int64      `json:"id"`
	NIB             string     `json:"nib"`
	Name            string     `json:"name"`
	OwnerName       string     `json:"owner_name"`
	Sector          string     `json:"sector"`
	Products        string     `json:"products"`
	KecamatanCode   string     `json:"kecamatan_code"`
	KecamatanName   string     `json:"kecamatan_name"`
	Desa            string     `json:"desa"`
	Address         string     `json:"address"`
	Phone           string     `json:"phone"`
	Email           *string    `json:"email"` // nil: many IKM have none
	MonthlyCapacity int64      `json:"monthly_capacity"`
	Status          string     `json:"status"`
	Verified        bool       `json:"verified"`
	VerifiedAt      *time.Time `json:"verified_at"`
	VerifiedBy      *int64     `json:"verified_by"`
	PublicContact   bool       `json:"public_contact"`
	// WhatsAppConsentAt is when the IKM agreed to WhatsApp messages on its
	// mobile number; nil: it has not (or stopped them).
	WhatsAppConsentAt *time.Time `json:"whatsapp_consent_at"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

// IKMInput is what an officer writes when creating or replacing an IKM.
// Verification is not part of it: only VerifyIKM changes it.
type IKMInput struct {
	NIB             string
	Name            string
	OwnerName       string
	Sector          string
	Products        string
	KecamatanCode   string
	Desa            string
	Address         string
	Phone           string // normalised to +62…
	Email           string // empty: none
	MonthlyCapacity int64  // declared, in rupiah
	PublicContact   bool
	// WhatsAppConsent: the IKM agrees to WhatsApp messages on its mobile
	// number (kept with the time it first agreed; false stops them).
	WhatsAppConsent bool
	Status          string // active or inactive; empty: active (update: unchanged)
}

type ikmRow struct {
	ID              int64 `gorm:"primaryKey"`
	NIB             string
	Name            string
	OwnerName       string
	Sector          string
	Products        string
	KecamatanCode   string
	Desa            string
	Address         string
	Phone           string
	Email           *string
	MonthlyCapacity int64
	Status          string
	Verified        bool
	VerifiedAt      *time.Time
	VerifiedBy      *int64
	PublicContact   bool
	// WhatsAppConsentAt is set by consentAt, never by fields.
	WhatsAppConsentAt *time.Time `gorm:"column:whatsapp_consent_at"`
	CreatedAt         time.Time  `gorm:"autoCreateTime:false"`
	UpdatedAt         time.Time  `gorm:"autoUpdateTime:false"`
}

func (ikmRow) TableName() string { return "ikms" }

// consentAt is the consent time a write keeps: the first time the IKM
// agreed while it still agrees, now when it agrees anew, nil when it does
// not (or stops).
func consentAt(agrees bool, current *time.Time, now time.Time) *time.Time {
	switch {
	case !agrees:
		return nil
	case current != nil:
		return current
	}
	return &now
}

// ikmEditable are the columns an update writes; verification is not one.
var ikmEditable = []string{
	"nib", "name", "owner_name", "sector", "products", "kecamatan_code", "desa", "address",
	"phone", "email", "monthly_capacity", "status", "public_contact", "whatsapp_consent_at", "updated_at",
}

type ikmView struct {
	Row           ikmRow `gorm:"embedded"`
	KecamatanName string
}

func (v ikmView) ikm() IKM {
	r := v.Row
	out := IKM{
		ID: r.ID, NIB: r.NIB, Name: r.Name, OwnerName: r.OwnerName, Sector: r.Sector,
		Products: r.Products, KecamatanCode: r.KecamatanCode, KecamatanName: v.KecamatanName,
		Desa: r.Desa, Address: r.Address, Phone: r.Phone, Email: r.Email,
		MonthlyCapacity: r.MonthlyCapacity, Status: r.Status, Verified: r.Verified,
		VerifiedBy: r.VerifiedBy, PublicContact: r.PublicContact,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.WhatsAppConsentAt != nil {
		t := r.WhatsAppConsentAt.UTC()
		out.WhatsAppConsentAt = &t
	}
	if r.VerifiedAt != nil {
		t := r.VerifiedAt.UTC()
		out.VerifiedAt = &t
	}
	return out
}

func ikmQuery(ctx context.Context, db *gorm.DB) *gorm.DB {
	return db.WithContext(ctx).Table("ikms AS i").
		Select("i.*, k.name AS kecamatan_name").
		Joins("JOIN kecamatan k ON k.code = i.kecamatan_code")
}

func errIKMNotFound() error { return fault.NotFound("ikm_not_found", "IKM tidak ditemukan.") }

// GetIKM returns one IKM the actor may see.
func (s *Service) GetIKM(ctx context.Context, id int64) (IKM, error) {
	var v ikmView
	res := ikmScope(ikmQuery(ctx, s.db), actor.From(ctx)).Where("i.id = ?", id).Limit(1).Scan(&v)
	if res.Error != nil {
		return IKM{}, fmt.Errorf("registry: get ikm %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return IKM{}, errIKMNotFound()
	}
	return v.ikm(), nil
}

func (s *Service) ikm(ctx context.Context, tx *gorm.DB, id int64) (IKM, error) {
	var v ikmView
	if err := ikmQuery(ctx, tx).Where("i.id = ?", id).Limit(1).Scan(&v).Error; err != nil {
		return IKM{}, fmt.Errorf("registry: read ikm %d: %w", id, err)
	}
	return v.ikm(), nil
}

// lockIKM reads an IKM the actor may see, as the registry shows it, and
// locks its row for the rest of the transaction.
func (s *Service) lockIKM(ctx context.Context, tx *gorm.DB, id int64) (ikmView, error) {
	var v ikmView
	res := ikmScope(ikmQuery(ctx, tx), actor.From(ctx)).Where("i.id = ?", id).
		Clauses(clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: "i"}}).Limit(1).Scan(&v)
	if res.Error != nil {
		return v, fmt.Errorf("registry: lock ikm %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return v, errIKMNotFound()
	}
	return v, nil
}

func (in IKMInput) fields(c *fault.Checker) ikmRow {
	checkNIB(c, "nib", &in.NIB)
	checkText(c, "name", &in.Name, true, 200, false)
	checkText(c, "owner_name", &in.OwnerName, false, 200, false)
	checkOneOf(c, "sector", &in.Sector, true, Sectors)
	checkText(c, "products", &in.Products, false, 1000, true)
	checkText(c, "kecamatan_code", &in.KecamatanCode, true, 20, false)
	checkText(c, "desa", &in.Desa, false, 100, false)
	checkText(c, "address", &in.Address, false, 500, true)
	checkPhone(c, "phone", &in.Phone)
	checkEmail(c, "email", &in.Email)
	c.Check(in.MonthlyCapacity >= 0, "monthly_capacity", "tidak boleh negatif")
	c.Check(in.MonthlyCapacity <= maxMonthlyCapacity, "monthly_capacity",
		fmt.Sprintf("tidak wajar (lebih dari Rp%d sebulan)", int64(maxMonthlyCapacity)))
	checkOneOf(c, "status", &in.Status, false, IKMStatuses)
	if in.WhatsAppConsent && !c.Has("phone") && !IsMobile(in.Phone) {
		c.Add("whatsapp_consent", "perlu nomor HP (diawali 08 atau +628) untuk pesan WhatsApp")
	}
	row := ikmRow{
		NIB: in.NIB, Name: in.Name, OwnerName: in.OwnerName, Sector: in.Sector, Products: in.Products,
		KecamatanCode: in.KecamatanCode, Desa: in.Desa, Address: in.Address, Phone: in.Phone,
		MonthlyCapacity: in.MonthlyCapacity, Status: in.Status, PublicContact: in.PublicContact,
	}
	if in.Email != "" {
		row.Email = &in.Email
	}
	return row
}

func (s *Service) checkIKMRefs(ctx context.Context, tx *gorm.DB, c *fault.Checker, row ikmRow) error {
	if row.KecamatanCode == "" || c.Has("kecamatan_code") {
		return nil
	}
	var n int64
	if err := tx.WithContext(ctx).Table("kecamatan").Where("code = ?", row.KecamatanCode).Count(&n).Error; err != nil {
		return fmt.Errorf("registry: kecamatan: %w", err)
	}
	c.Check(n > 0, "kecamatan_code", "kecamatan tidak dikenal; pakai kode dari GET /api/v1/kecamatan")
	return nil
}

// CreateIKM registers an IKM, unverified.
func (s *Service) CreateIKM(ctx context.Context, in IKMInput) (IKM, error) {
	var out IKM
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c fault.Checker
		row := in.fields(&c)
		if err := s.checkIKMRefs(ctx, tx, &c, row); err != nil {
			return err
		}
		if err := c.Err(); err != nil {
			return err
		}
		if err := nibFree(ctx, tx, "ikms", row.NIB, 0); err != nil {
			return err
		}
		now := s.clock.Now()
		row.CreatedAt, row.UpdatedAt = now, now
		row.WhatsAppConsentAt = consentAt(in.WhatsAppConsent, nil, now)
		if row.Status == "" {
			row.Status = StatusActive
		}
		if err := tx.WithContext(ctx).Create(&row).Error; err != nil {
			return writeError(err, "ikm")
		}
		var err error
		if out, err = s.ikm(ctx, tx, row.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{
			Action: "ikm.create", EntityType: "ikm", EntityID: strconv.FormatInt(row.ID, 10), After: out,
		})
	})
	return out, err
}

// UpdateIKM replaces an IKM's data with in, keeping its verification. An
// update that changes nothing writes nothing.
func (s *Service) UpdateIKM(ctx context.Context, id int64, in IKMInput) (IKM, error) {
	var out IKM
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		current, err := s.lockIKM(ctx, tx, id)
		if err != nil {
			return err
		}
		out, err = s.replaceIKM(ctx, tx, current, in, "ikm.update")
		return err
	})
	return out, err
}

// IKMProfileInput is what an IKM may change about itself: who runs it, what
// it makes, how to reach it, and whether the public directory may show its
// contact. NIB, name, sector, kecamatan, capacity, status and verification
// stay with the Dinas. Nil leaves a field as it is.
type IKMProfileInput struct {
	OwnerName     *string
	Products      *string
	Address       *string
	Phone         *string
	Email         *string
	PublicContact *bool
	// WhatsAppConsent agrees to, or stops, WhatsApp messages.
	WhatsAppConsent *bool
}

// UpdateIKMProfile changes the profile fields of an IKM the actor may see
// (an IKM user: only its own; another's answers not found).
func (s *Service) UpdateIKMProfile(ctx context.Context, id int64, p IKMProfileInput) (IKM, error) {
	var out IKM
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		current, err := s.lockIKM(ctx, tx, id)
		if err != nil {
			return err
		}
		in := current.Row.input()
		for dst, v := range map[*string]*string{&in.OwnerName: p.OwnerName, &in.Products: p.Products,
			&in.Address: p.Address, &in.Phone: p.Phone, &in.Email: p.Email} {
			if v != nil {
				*dst = *v
			}
		}
		if p.PublicContact != nil {
			in.PublicContact = *p.PublicContact
		}
		if p.WhatsAppConsent != nil {
			in.WhatsAppConsent = *p.WhatsAppConsent
		}
		out, err = s.replaceIKM(ctx, tx, current, in, "ikm.profile_update")
		return err
	})
	return out, err
}

// input is the row as the input that would write it unchanged.
func (r ikmRow) input() IKMInput {
	in := IKMInput{NIB: r.NIB, Name: r.Name, OwnerName: r.OwnerName, Sector: r.Sector, Products: r.Products,
		KecamatanCode: r.KecamatanCode, Desa: r.Desa, Address: r.Address, Phone: r.Phone,
		MonthlyCapacity: r.MonthlyCapacity, PublicContact: r.PublicContact, Status: r.Status,
		WhatsAppConsent: r.WhatsAppConsentAt != nil}
	if r.Email != nil {
		in.Email = *r.Email
	}
	return in
}

// replaceIKM writes in over the locked current IKM inside tx, with its
// audit event under action. Nothing changed: nothing written.
func (s *Service) replaceIKM(ctx context.Context, tx *gorm.DB, current ikmView, in IKMInput, action string) (IKM, error) {
	id := current.Row.ID
	var out IKM
	err := func() error {
		var c fault.Checker
		row := in.fields(&c)
		if err := s.checkIKMRefs(ctx, tx, &c, row); err != nil {
			return err
		}
		if err := c.Err(); err != nil {
			return err
		}
		if err := nibFree(ctx, tx, "ikms", row.NIB, id); err != nil {
			return err
		}
		if row.Status == "" {
			row.Status = current.Row.Status
		}
		now := s.clock.Now()
		row.WhatsAppConsentAt = consentAt(in.WhatsAppConsent, current.Row.WhatsAppConsentAt, now)
		before := current.ikm()
		if sameIKM(row, current.Row) {
			out = before
			return nil
		}
		row.UpdatedAt = now
		if err := tx.WithContext(ctx).Model(&ikmRow{ID: id}).Select(ikmEditable).Updates(&row).Error; err != nil {
			return writeError(err, "ikm")
		}
		var err error
		if out, err = s.ikm(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, row.UpdatedAt, audit.Event{
			Action: action, EntityType: "ikm", EntityID: strconv.FormatInt(id, 10), Before: before, After: out,
		})
	}()
	return out, err
}

func sameIKM(a, b ikmRow) bool {
	sameEmail := (a.Email == nil) == (b.Email == nil) && (a.Email == nil || *a.Email == *b.Email)
	return sameEmail && a.NIB == b.NIB && a.Name == b.Name && a.OwnerName == b.OwnerName &&
		a.Sector == b.Sector && a.Products == b.Products && a.KecamatanCode == b.KecamatanCode &&
		a.Desa == b.Desa && a.Address == b.Address && a.Phone == b.Phone &&
		a.MonthlyCapacity == b.MonthlyCapacity && a.Status == b.Status && a.PublicContact == b.PublicContact &&
		(a.WhatsAppConsentAt == nil) == (b.WhatsAppConsentAt == nil)
}

// DeactivateIKM marks an IKM inactive; it is never deleted.
func (s *Service) DeactivateIKM(ctx context.Context, id int64) (IKM, error) {
	return s.changeIKM(ctx, id, "ikm.deactivate", func(current ikmRow, now time.Time) (map[string]any, error) {
		if current.Status == StatusInactive {
			e := fault.Conflict("ikm_already_inactive", "IKM ini sudah berstatus tidak aktif.")
			e.Extra = map[string]any{"current_status": current.Status}
			return nil, e
		}
		return map[string]any{"status": StatusInactive, "updated_at": now}, nil
	})
}

// VerifyIKM records that an officer checked the IKM in the field (verified
// true) or withdraws that finding (false). The verifying officer comes from
// the context.
func (s *Service) VerifyIKM(ctx context.Context, id int64, verified bool) (IKM, error) {
	action := "ikm.verify"
	if !verified {
		action = "ikm.unverify"
	}
	return s.changeIKM(ctx, id, action, func(current ikmRow, now time.Time) (map[string]any, error) {
		if current.Verified == verified {
			detail := "IKM ini sudah terverifikasi."
			if !verified {
				detail = "IKM ini memang belum terverifikasi."
			}
			e := fault.Conflict("ikm_verification_unchanged", detail)
			e.Extra = map[string]any{"verified": current.Verified}
			return nil, e
		}
		set := map[string]any{"verified": verified, "verified_at": nil, "verified_by": nil, "updated_at": now}
		if verified {
			set["verified_at"] = now
			set["verified_by"] = actor.From(ctx).OptionalUserID()
		}
		return set, nil
	})
}

// changeIKM locks an IKM, asks change for the columns to set (or a refusal),
// writes them and the audit event in one transaction.
func (s *Service) changeIKM(ctx context.Context, id int64, action string,
	change func(current ikmRow, now time.Time) (map[string]any, error)) (IKM, error) {
	var out IKM
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		current, err := s.lockIKM(ctx, tx, id)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		set, err := change(current.Row, now)
		if err != nil {
			return err
		}
		before := current.ikm()
		if err := tx.WithContext(ctx).Model(&ikmRow{ID: id}).Updates(set).Error; err != nil {
			return fmt.Errorf("registry: %s %d: %w", action, id, err)
		}
		if out, err = s.ikm(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{
			Action: action, EntityType: "ikm", EntityID: strconv.FormatInt(id, 10), Before: before, After: out,
		})
	})
	return out, err
}

// IKMFilter narrows a list of IKM. Kecamatan is a code or a name; Q matches
// the name (anywhere, any case) or the NIB.
type IKMFilter struct {
	Sector    string
	Kecamatan string
	Status    string
	Verified  *bool
	Q         string
	Sort      string // a key of ikmSorts, "-" in front for descending
	Paging
}

var ikmSorts = sortKeys{
	"name": "i.name", "nib": "i.nib", "sector": "i.sector", "kecamatan": "k.name",
	"monthly_capacity": "i.monthly_capacity", "created_at": "i.created_at",
	"updated_at": "i.updated_at", "status": "i.status",
}

// ListIKMs returns one page of the IKM the actor may see.
func (s *Service) ListIKMs(ctx context.Context, f IKMFilter) (Page[IKM], error) {
	var c fault.Checker
	f.Paging.check(&c)
	checkOneOf(&c, "sector", &f.Sector, false, Sectors)
	checkOneOf(&c, "status", &f.Status, false, IKMStatuses)
	checkText(&c, "q", &f.Q, false, 100, false)
	order := ikmSorts.orderBy(&c, f.Sort, "name", "i.id")
	kecamatan, err := s.kecamatanFilter(ctx, &c, f.Kecamatan)
	if err != nil {
		return Page[IKM]{}, err
	}
	if err := c.Err(); err != nil {
		return Page[IKM]{}, err
	}
	filter := func(q *gorm.DB) *gorm.DB {
		q = ikmScope(q, actor.From(ctx))
		if f.Sector != "" {
			q = q.Where("i.sector = ?", f.Sector)
		}
		if kecamatan != "" {
			q = q.Where("i.kecamatan_code = ?", kecamatan)
		}
		if f.Status != "" {
			q = q.Where("i.status = ?", f.Status)
		}
		if f.Verified != nil {
			q = q.Where("i.verified = ?", *f.Verified)
		}
		if f.Q != "" {
			q = q.Where("(i.name ILIKE ? OR i.nib LIKE ?)", database.LikeContaining(f.Q), database.LikeContaining(f.Q))
		}
		return q
	}
	page := Page[IKM]{Page: f.Page, PerPage: f.PerPage, Items: []IKM{}}
	if err := filter(s.db.WithContext(ctx).Table("ikms AS i")).Count(&page.Total).Error; err != nil {
		return page, fmt.Errorf("registry: count ikms: %w", err)
	}
	var views []ikmView
	if err := filter(ikmQuery(ctx, s.db)).Order(order).Limit(f.PerPage).Offset(f.offset()).Scan(&views).Error; err != nil {
		return page, fmt.Errorf("registry: list ikms: %w", err)
	}
	for _, v := range views {
		page.Items = append(page.Items, v.ikm())
	}
	return page, nil
}

// StopWhatsApp stops WhatsApp messages to the IKM whose mobile numbers (in
// 62… form) replied BERHENTI, each with its audit event. A number no IKM
// holds, or one already stopped, changes nothing. It returns how many IKM
// stopped.
func (s *Service) StopWhatsApp(ctx context.Context, numbers []string) (int, error) {
	if len(numbers) == 0 {
		return 0, nil
	}
	phones := make([]string, len(numbers))
	for i, n := range numbers {
		phones[i] = "+" + strings.TrimPrefix(strings.TrimSpace(n), "+")
	}
	var ids []int64
	if err := s.db.WithContext(ctx).Raw(`SELECT id FROM ikms WHERE phone = ANY(?) AND whatsapp_consent_at IS NOT NULL`,
		database.Array(phones)).Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("registry: whatsapp stop: %w", err)
	}
	for _, id := range ids {
		if _, err := s.changeIKM(ctx, id, "ikm.whatsapp_stop", func(current ikmRow, now time.Time) (map[string]any, error) {
			return map[string]any{"whatsapp_consent_at": nil, "updated_at": now}, nil
		}); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
