package registry

import (
	"context"
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

// Business is a large business (pelaku usaha besar) as the registry shows
// it. It is also the before/after shape of its audit events.
type Business struct {
	ID            int64     `json:"id"`
	NIB           string    `json:"nib"`
	Name          string    `json:"name"`
	LegalForm     string    `json:"legal_form"`
	Category      string    `json:"category"`
	KBLI          []string  `json:"kbli"`
	Address       string    `json:"address"`
	KecamatanCode string    `json:"kecamatan_code"`
	KecamatanName string    `json:"kecamatan_name"`
	ParentID      *int64    `json:"parent_id"`
	ParentName    string    `json:"parent_name,omitempty"`
	EmployeeCount int       `json:"employee_count"`
	ContactName   string    `json:"contact_name"`
	ContactPhone  string    `json:"contact_phone"`
	ContactEmail  string    `json:"contact_email"`
	Status        string    `json:"status"`
	RegisteredAt  time.Time `json:"registered_at"` // a date: midnight UTC
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// BusinessInput is what an officer writes when creating or replacing a
// business. Fields left empty take their defaults (on update: RegisteredAt
// and Status keep their current values).
type BusinessInput struct {
	NIB           string
	Name          string
	LegalForm     string
	Category      string
	KBLI          []string
	Address       string
	KecamatanCode string
	ParentID      *int64 // the industrial estate a factory lies in
	EmployeeCount int
	ContactName   string
	ContactPhone  string // normalised to +62…
	ContactEmail  string
	RegisteredAt  string // YYYY-MM-DD; empty: today
	Status        string // active, closed or exempt; empty: active
}

// businessRow is the stored shape of a business.
type businessRow struct {
	ID            int64 `gorm:"primaryKey"`
	NIB           string
	Name          string
	LegalForm     string
	Category      string
	KBLI          textArray `gorm:"column:kbli"`
	Address       string
	KecamatanCode string
	ParentID      *int64
	EmployeeCount int
	ContactName   string
	ContactPhone  string
	ContactEmail  string
	Status        string
	RegisteredAt  time.Time
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt     time.Time `gorm:"autoUpdateTime:false"`
}

func (businessRow) TableName() string { return "businesses" }

// businessView is a row with the names the API shows beside the codes.
type businessView struct {
	Row           businessRow `gorm:"embedded"`
	KecamatanName string
	ParentName    *string
}

func (v businessView) business() Business {
	r := v.Row
	b := Business{
		ID: r.ID, NIB: r.NIB, Name: r.Name, LegalForm: r.LegalForm, Category: r.Category,
		KBLI: []string(r.KBLI), Address: r.Address, KecamatanCode: r.KecamatanCode,
		KecamatanName: v.KecamatanName, ParentID: r.ParentID, EmployeeCount: r.EmployeeCount,
		ContactName: r.ContactName, ContactPhone: r.ContactPhone, ContactEmail: r.ContactEmail,
		Status: r.Status, RegisteredAt: r.RegisteredAt.UTC(), CreatedAt: r.CreatedAt.UTC(),
		UpdatedAt: r.UpdatedAt.UTC(),
	}
	if b.KBLI == nil {
		b.KBLI = []string{}
	}
	if v.ParentName != nil {
		b.ParentName = *v.ParentName
	}
	return b
}

func businessQuery(ctx context.Context, db *gorm.DB) *gorm.DB {
	return db.WithContext(ctx).Table("businesses AS b").
		Select("b.*, k.name AS kecamatan_name, p.name AS parent_name").
		Joins("JOIN kecamatan k ON k.code = b.kecamatan_code").
		Joins("LEFT JOIN businesses p ON p.id = b.parent_id")
}

func errBusinessNotFound() error {
	return fault.NotFound("business_not_found", "Pelaku usaha tidak ditemukan.")
}

// GetBusiness returns one business the actor may see.
func (s *Service) GetBusiness(ctx context.Context, id int64) (Business, error) {
	var v businessView
	res := businessScope(businessQuery(ctx, s.db), actor.From(ctx)).Where("b.id = ?", id).Limit(1).Scan(&v)
	if res.Error != nil {
		return Business{}, fmt.Errorf("registry: get business %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return Business{}, errBusinessNotFound()
	}
	return v.business(), nil
}

// business reads one business inside tx, whoever asks.
func (s *Service) business(ctx context.Context, tx *gorm.DB, id int64) (Business, error) {
	var v businessView
	if err := businessQuery(ctx, tx).Where("b.id = ?", id).Limit(1).Scan(&v).Error; err != nil {
		return Business{}, fmt.Errorf("registry: read business %d: %w", id, err)
	}
	return v.business(), nil
}

// lockBusiness reads a business the actor may see, as the registry shows
// it, and locks its row for the rest of the transaction.
func (s *Service) lockBusiness(ctx context.Context, tx *gorm.DB, id int64) (businessView, error) {
	var v businessView
	res := businessScope(businessQuery(ctx, tx), actor.From(ctx)).Where("b.id = ?", id).
		Clauses(clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: "b"}}).Limit(1).Scan(&v)
	if res.Error != nil {
		return v, fmt.Errorf("registry: lock business %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return v, errBusinessNotFound()
	}
	return v, nil
}

// fields checks the input on its own, without the database, and returns
// the row it describes.
func (in BusinessInput) fields(c *fault.Checker, today time.Time) businessRow {
	checkNIB(c, "nib", &in.NIB)
	checkText(c, "name", &in.Name, true, 200, false)
	checkText(c, "legal_form", &in.LegalForm, false, 50, false)
	checkOneOf(c, "category", &in.Category, true, Categories)
	kbli := checkKBLI(c, "kbli", in.KBLI)
	checkText(c, "address", &in.Address, false, 500, true)
	checkText(c, "kecamatan_code", &in.KecamatanCode, true, 20, false)
	c.Check(in.EmployeeCount >= 0, "employee_count", "tidak boleh negatif")
	c.Check(in.EmployeeCount <= maxEmployees, "employee_count", fmt.Sprintf("tidak wajar (lebih dari %d)", maxEmployees))
	checkText(c, "contact_name", &in.ContactName, false, 200, false)
	checkPhone(c, "contact_phone", &in.ContactPhone)
	checkEmail(c, "contact_email", &in.ContactEmail)
	registered := checkDate(c, "registered_at", in.RegisteredAt, today)
	checkOneOf(c, "status", &in.Status, false, BusinessStatuses)
	if in.ParentID != nil && in.Category != CategoryFactory && !c.Has("category") {
		c.Add("parent_id", "hanya pabrik (factory) yang dapat berada di kawasan industri induk")
	}
	return businessRow{
		NIB: in.NIB, Name: in.Name, LegalForm: in.LegalForm, Category: in.Category, KBLI: kbli,
		Address: in.Address, KecamatanCode: in.KecamatanCode, ParentID: in.ParentID,
		EmployeeCount: in.EmployeeCount, ContactName: in.ContactName, ContactPhone: in.ContactPhone,
		ContactEmail: in.ContactEmail, Status: in.Status, RegisteredAt: registered,
	}
}

// checkRefs checks what only the database knows: the kecamatan exists, the
// parent is an industrial estate, and an estate that stops being one has
// no factories left inside it. before is nil for a new business.
func (s *Service) checkRefs(ctx context.Context, tx *gorm.DB, c *fault.Checker, row businessRow, before *businessRow) error {
	db := tx.WithContext(ctx)
	if row.KecamatanCode != "" && !c.Has("kecamatan_code") {
		var n int64
		if err := db.Table("kecamatan").Where("code = ?", row.KecamatanCode).Count(&n).Error; err != nil {
			return fmt.Errorf("registry: kecamatan: %w", err)
		}
		c.Check(n > 0, "kecamatan_code", "kecamatan tidak dikenal; pakai kode dari GET /api/v1/kecamatan")
	}
	if row.ParentID != nil && !c.Has("parent_id") {
		var parent struct{ Category string }
		res := db.Table("businesses").Select("category").Where("id = ?", *row.ParentID).Limit(1).Scan(&parent)
		switch {
		case res.Error != nil:
			return fmt.Errorf("registry: parent: %w", res.Error)
		case before != nil && *row.ParentID == before.ID:
			c.Add("parent_id", "pelaku usaha tidak dapat menjadi induk bagi dirinya sendiri")
		case res.RowsAffected == 0:
			c.Add("parent_id", "kawasan industri induk tidak ditemukan")
		case parent.Category != CategoryIndustrialEstate:
			c.Add("parent_id", "induk harus pelaku usaha berkategori industrial_estate")
		}
	}
	if before != nil && before.Category == CategoryIndustrialEstate && row.Category != CategoryIndustrialEstate {
		var n int64
		if err := db.Table("businesses").Where("parent_id = ?", before.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("registry: children: %w", err)
		}
		c.Check(n == 0, "category", fmt.Sprintf(
			"masih menjadi kawasan induk bagi %d pabrik; lepaskan pabrik tersebut dahulu", n))
	}
	return nil
}

// nibFree answers 409 when another record of table already holds nib.
func nibFree(ctx context.Context, tx *gorm.DB, table, nib string, self int64) error {
	var other struct{ ID int64 }
	res := tx.WithContext(ctx).Table(table).Select("id").Where("nib = ? AND id <> ?", nib, self).Limit(1).Scan(&other)
	if res.Error != nil {
		return fmt.Errorf("registry: nib lookup: %w", res.Error)
	}
	if res.RowsAffected > 0 {
		return nibTaken(other.ID)
	}
	return nil
}

func nibTaken(existing int64) error {
	e := fault.Conflict("nib_taken", "NIB ini sudah terdaftar.")
	e.Fields = []fault.FieldError{{Field: "nib", Reason: "NIB sudah dipakai oleh data lain"}}
	if existing != 0 {
		e.Extra = map[string]any{"existing_id": existing}
	}
	return e
}

// writeError turns what the database refuses into the caller's error: a
// NIB taken by a concurrent writer is a 409; anything else is a bug.
func writeError(err error, what string) error {
	if _, ok := database.UniqueViolation(err); ok {
		return nibTaken(0)
	}
	return fmt.Errorf("registry: write %s: %w", what, err)
}

// CreateBusiness registers a business.
func (s *Service) CreateBusiness(ctx context.Context, in BusinessInput) (Business, error) {
	var out Business
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c fault.Checker
		row := in.fields(&c, s.today())
		if err := s.checkRefs(ctx, tx, &c, row, nil); err != nil {
			return err
		}
		if err := c.Err(); err != nil {
			return err
		}
		if err := nibFree(ctx, tx, "businesses", row.NIB, 0); err != nil {
			return err
		}
		now := s.clock.Now()
		row.CreatedAt, row.UpdatedAt = now, now
		if row.Status == "" {
			row.Status = StatusActive
		}
		if err := tx.WithContext(ctx).Create(&row).Error; err != nil {
			return writeError(err, "business")
		}
		var err error
		if out, err = s.business(ctx, tx, row.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{
			Action: "business.create", EntityType: "business", EntityID: strconv.FormatInt(row.ID, 10), After: out,
		})
	})
	return out, err
}

// UpdateBusiness replaces a business's data with in. An update that changes
// nothing writes nothing.
func (s *Service) UpdateBusiness(ctx context.Context, id int64, in BusinessInput) (Business, error) {
	var out Business
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		current, err := s.lockBusiness(ctx, tx, id)
		if err != nil {
			return err
		}
		out, err = s.replace(ctx, tx, current, in, "business.update")
		return err
	})
	return out, err
}

// ProfileInput is what a company may change about its own business: how to
// reach it and what it does. NIB, category, kecamatan, parent estate and
// status decide its obligations and stay with the Dinas. Nil leaves a field
// as it is.
type ProfileInput struct {
	LegalForm     *string
	KBLI          *[]string
	Address       *string
	EmployeeCount *int
	ContactName   *string
	ContactPhone  *string
	ContactEmail  *string
}

// UpdateProfile changes the profile fields of a business the actor may see
// (a company user: only its own; another's answers not found).
func (s *Service) UpdateProfile(ctx context.Context, id int64, p ProfileInput) (Business, error) {
	var out Business
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		current, err := s.lockBusiness(ctx, tx, id)
		if err != nil {
			return err
		}
		in := current.Row.input()
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&in.LegalForm, p.LegalForm)
		set(&in.Address, p.Address)
		set(&in.ContactName, p.ContactName)
		set(&in.ContactPhone, p.ContactPhone)
		set(&in.ContactEmail, p.ContactEmail)
		if p.KBLI != nil {
			in.KBLI = *p.KBLI
		}
		if p.EmployeeCount != nil {
			in.EmployeeCount = *p.EmployeeCount
		}
		out, err = s.replace(ctx, tx, current, in, "business.profile_update")
		return err
	})
	return out, err
}

// input is the row as the input that would write it unchanged.
func (r businessRow) input() BusinessInput {
	return BusinessInput{
		NIB: r.NIB, Name: r.Name, LegalForm: r.LegalForm, Category: r.Category,
		KBLI: append([]string(nil), r.KBLI...), Address: r.Address, KecamatanCode: r.KecamatanCode,
		ParentID: r.ParentID, EmployeeCount: r.EmployeeCount, ContactName: r.ContactName,
		ContactPhone: r.ContactPhone, ContactEmail: r.ContactEmail,
		RegisteredAt: r.RegisteredAt.Format(time.DateOnly), Status: r.Status,
	}
}

// replace writes in over the locked current business inside tx, with its
// audit event under action. Nothing changed: nothing written.
func (s *Service) replace(ctx context.Context, tx *gorm.DB, current businessView, in BusinessInput, action string) (Business, error) {
	id := current.Row.ID
	var c fault.Checker
	row := in.fields(&c, s.today())
	if err := s.checkRefs(ctx, tx, &c, row, &current.Row); err != nil {
		return Business{}, err
	}
	if err := c.Err(); err != nil {
		return Business{}, err
	}
	if err := nibFree(ctx, tx, "businesses", row.NIB, id); err != nil {
		return Business{}, err
	}
	row.ID, row.CreatedAt, row.UpdatedAt = id, current.Row.CreatedAt, current.Row.UpdatedAt
	if strings.TrimSpace(in.RegisteredAt) == "" {
		row.RegisteredAt = current.Row.RegisteredAt
	}
	if row.Status == "" {
		row.Status = current.Row.Status
	}
	before := current.business()
	if sameBusiness(row, current.Row) {
		return before, nil
	}
	row.UpdatedAt = s.clock.Now()
	if err := tx.WithContext(ctx).Model(&businessRow{ID: id}).Select("*").Omit("id", "created_at").Updates(&row).Error; err != nil {
		return Business{}, writeError(err, "business")
	}
	out, err := s.business(ctx, tx, id)
	if err != nil {
		return Business{}, err
	}
	return out, audit.Record(ctx, tx, row.UpdatedAt, audit.Event{
		Action: action, EntityType: "business", EntityID: strconv.FormatInt(id, 10),
		Before: before, After: out,
	})
}

func sameBusiness(a, b businessRow) bool {
	samePtr := (a.ParentID == nil) == (b.ParentID == nil) && (a.ParentID == nil || *a.ParentID == *b.ParentID)
	return samePtr && a.RegisteredAt.Equal(b.RegisteredAt) && slices.Equal(a.KBLI, b.KBLI) &&
		a.NIB == b.NIB && a.Name == b.Name && a.LegalForm == b.LegalForm && a.Category == b.Category &&
		a.Address == b.Address && a.KecamatanCode == b.KecamatanCode && a.EmployeeCount == b.EmployeeCount &&
		a.ContactName == b.ContactName && a.ContactPhone == b.ContactPhone &&
		a.ContactEmail == b.ContactEmail && a.Status == b.Status
}

// DeactivateBusiness closes a business; records are never deleted, so its
// agreements, purchases and cases keep their history.
func (s *Service) DeactivateBusiness(ctx context.Context, id int64) (Business, error) {
	var out Business
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		current, err := s.lockBusiness(ctx, tx, id)
		if err != nil {
			return err
		}
		if current.Row.Status == StatusClosed {
			e := fault.Conflict("business_already_closed", "Pelaku usaha ini sudah berstatus tutup.")
			e.Extra = map[string]any{"current_status": current.Row.Status}
			return e
		}
		before := current.business()
		now := s.clock.Now()
		if err := tx.WithContext(ctx).Model(&businessRow{ID: id}).
			Updates(map[string]any{"status": StatusClosed, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("registry: close business %d: %w", id, err)
		}
		if out, err = s.business(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{
			Action: "business.deactivate", EntityType: "business", EntityID: strconv.FormatInt(id, 10),
			Before: before, After: out,
		})
	})
	return out, err
}

// BusinessFilter narrows a list of businesses. Kecamatan is a code or a
// name; Q matches the name (anywhere, any case) or the NIB.
type BusinessFilter struct {
	Category  string
	Kecamatan string
	Status    string
	Q         string
	Sort      string // a key of businessSorts, "-" in front for descending
	Paging
}

var businessSorts = sortKeys{
	"name": "b.name", "nib": "b.nib", "category": "b.category", "kecamatan": "k.name",
	"employee_count": "b.employee_count", "registered_at": "b.registered_at",
	"created_at": "b.created_at", "updated_at": "b.updated_at", "status": "b.status",
}

// ListBusinesses returns one page of the businesses the actor may see.
func (s *Service) ListBusinesses(ctx context.Context, f BusinessFilter) (Page[Business], error) {
	var c fault.Checker
	f.Paging.check(&c)
	checkOneOf(&c, "category", &f.Category, false, Categories)
	checkOneOf(&c, "status", &f.Status, false, BusinessStatuses)
	checkText(&c, "q", &f.Q, false, 100, false)
	order := businessSorts.orderBy(&c, f.Sort, "name", "b.id")
	kecamatan, err := s.kecamatanFilter(ctx, &c, f.Kecamatan)
	if err != nil {
		return Page[Business]{}, err
	}
	if err := c.Err(); err != nil {
		return Page[Business]{}, err
	}
	filter := func(q *gorm.DB) *gorm.DB {
		q = businessScope(q, actor.From(ctx))
		if f.Category != "" {
			q = q.Where("b.category = ?", f.Category)
		}
		if kecamatan != "" {
			q = q.Where("b.kecamatan_code = ?", kecamatan)
		}
		if f.Status != "" {
			q = q.Where("b.status = ?", f.Status)
		}
		if f.Q != "" {
			q = q.Where("(b.name ILIKE ? OR b.nib LIKE ?)", database.LikeContaining(f.Q), database.LikeContaining(f.Q))
		}
		return q
	}
	page := Page[Business]{Page: f.Page, PerPage: f.PerPage, Items: []Business{}}
	if err := filter(s.db.WithContext(ctx).Table("businesses AS b")).Count(&page.Total).Error; err != nil {
		return page, fmt.Errorf("registry: count businesses: %w", err)
	}
	var views []businessView
	if err := filter(businessQuery(ctx, s.db)).Order(order).Limit(f.PerPage).Offset(f.offset()).Scan(&views).Error; err != nil {
		return page, fmt.Errorf("registry: list businesses: %w", err)
	}
	for _, v := range views {
		page.Items = append(page.Items, v.business())
	}
	return page, nil
}

// kecamatanFilter resolves a list filter's kecamatan (code or name).
func (s *Service) kecamatanFilter(ctx context.Context, c *fault.Checker, v string) (string, error) {
	if strings.TrimSpace(v) == "" {
		return "", nil
	}
	idx, err := s.kecamatan(ctx, s.db)
	if err != nil {
		return "", err
	}
	code, ok := idx.resolve(v, true)
	c.Check(ok, "kecamatan", "kecamatan tidak dikenal; pakai kode atau nama dari GET /api/v1/kecamatan")
	return code, nil
}
