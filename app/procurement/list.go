package procurement

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"kemitraan/app/audit"
	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/files"
)

// Filter narrows a list of purchases. Zero fields do not filter. From and
// To bound the purchase date (inclusive); a period is turned into them by
// the caller.
type Filter struct {
	BusinessID  int64
	IKMID       int64
	AgreementID int64
	Status      Status
	// Answered keeps only purchases no longer awaiting the IKM's answer.
	Answered bool
	From, To *time.Time
	// After is the keyset cursor: the id of the last purchase of the
	// previous page (lists run newest first).
	After int64
	Limit int
}

// FilterText is the part of a filter a person types or a query string
// carries: a status, a period ("2025-Q1") and dates (YYYY-MM-DD).
type FilterText struct{ Status, Period, From, To string }

// Narrow checks t and narrows f by it; each bad field is added to c. A
// period and a date bound together: the narrower one wins.
func (f *Filter) Narrow(c *fault.Checker, t FilterText) {
	if t.Status != "" {
		f.Status = Status(t.Status)
		c.Check(slices.Contains(Statuses, f.Status), "status", fault.OneOf(Statuses))
	}
	if t.Period != "" {
		period, err := compliance.ParsePeriod(t.Period)
		if err != nil {
			c.Add("period", err.Error())
		} else {
			from, to := period.FirstDay(), period.LastDay()
			f.From, f.To = &from, &to
		}
	}
	if day, ok := filterDate(c, "from", t.From); ok && (f.From == nil || day.After(*f.From)) {
		f.From = &day
	}
	if day, ok := filterDate(c, "to", t.To); ok && (f.To == nil || day.Before(*f.To)) {
		f.To = &day
	}
}

// filterDate reads a filter's date bound; a bad one is added to c.
func filterDate(c *fault.Checker, field, raw string) (time.Time, bool) {
	if raw == "" {
		return time.Time{}, false
	}
	day, ok := parseDate(raw)
	c.Check(ok, field, reasonDate)
	return day, ok
}

// Page is one page of purchases and the cursor of the next, 0 at the end.
type Page struct {
	Items      []Purchase
	NextCursor int64
}

// MaxPageSize is the largest page a caller may ask for.
const MaxPageSize = database.MaxPageSize

// List returns the caller's purchases matching f, newest first, one page at
// a time by keyset: a company sees its own, an IKM those against it, staff
// everything.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	f.Limit = database.PageSize(f.Limit)
	q := withNames(ctx, s.db, actor.From(ctx))
	if f.BusinessID != 0 {
		q = q.Where("p.business_id = ?", f.BusinessID)
	}
	if f.IKMID != 0 {
		q = q.Where("p.ikm_id = ?", f.IKMID)
	}
	if f.AgreementID != 0 {
		q = q.Where("p.agreement_id = ?", f.AgreementID)
	}
	if f.Status != "" {
		q = q.Where("p.status = ?", f.Status)
	}
	if f.Answered {
		q = q.Where("p.status <> ?", StatusReported)
	}
	if f.From != nil {
		q = q.Where("p.purchase_date >= ?", *f.From)
	}
	if f.To != nil {
		q = q.Where("p.purchase_date <= ?", *f.To)
	}
	if f.After > 0 {
		q = q.Where("p.id < ?", f.After)
	}
	var items []Purchase
	if err := q.Order("p.id DESC").Limit(f.Limit + 1).Find(&items).Error; err != nil {
		return Page{}, fmt.Errorf("procurement: list: %w", err)
	}
	var page Page
	page.Items, page.NextCursor = database.KeysetPage(items, f.Limit, func(p Purchase) int64 { return p.ID })
	return page, nil
}

// Get returns one purchase the caller may see (404 otherwise).
func (s *Service) Get(ctx context.Context, id int64) (Purchase, error) {
	return find(ctx, s.db, actor.From(ctx), id)
}

// withNames selects purchases (aliased p) with the names of their business
// and IKM, limited to what a sees.
func withNames(ctx context.Context, db *gorm.DB, a actor.Actor) *gorm.DB {
	return scope(db.WithContext(ctx).Table("purchases p"), a, "p").
		Select("p.*, b.name AS business_name, i.name AS ikm_name, i.nib AS ikm_nib").
		Joins("JOIN businesses b ON b.id = p.business_id").Joins("JOIN ikms i ON i.id = p.ikm_id")
}

// find reads one purchase a may see, with its names (404 otherwise).
func find(ctx context.Context, db *gorm.DB, a actor.Actor, id int64) (Purchase, error) {
	var p Purchase
	res := withNames(ctx, db, a).Where("p.id = ?", id).Limit(1).Find(&p)
	if res.Error != nil {
		return p, fmt.Errorf("procurement: get %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return p, notFound()
	}
	return p, nil
}

// Evidence is a file attached to a purchase.
type Evidence struct {
	FileID       int64
	ContentType  string
	SizeBytes    int64
	OriginalName string
	CreatedAt    time.Time
}

// EvidenceOf lists the files of a purchase the caller may see.
func (s *Service) EvidenceOf(ctx context.Context, purchaseID int64) ([]Evidence, error) {
	if _, err := s.Get(ctx, purchaseID); err != nil {
		return nil, err
	}
	var out []Evidence
	err := s.db.WithContext(ctx).Raw(`SELECT f.id AS file_id, f.content_type, f.size_bytes, f.original_name, pf.created_at
		FROM purchase_files pf JOIN files f ON f.id = pf.file_id WHERE pf.purchase_id = ? ORDER BY pf.created_at, f.id`,
		purchaseID).Scan(&out).Error
	return out, err
}

// OpenEvidence opens a file of a purchase the caller may see, for
// download; the caller closes it.
func (s *Service) OpenEvidence(ctx context.Context, purchaseID, fileID int64) (files.File, *os.File, error) {
	if _, err := s.Get(ctx, purchaseID); err != nil {
		return files.File{}, nil, err
	}
	var n int64
	if err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM purchase_files WHERE purchase_id = ? AND file_id = ?`,
		purchaseID, fileID).Scan(&n).Error; err != nil {
		return files.File{}, nil, err
	}
	if n == 0 {
		return files.File{}, nil, files.NotFound()
	}
	return s.files.Open(ctx, s.db, fileID)
}

// AttachEvidence stores a file (PDF, JPEG or PNG by content) and attaches
// it to a purchase of the caller's business that is not yet locked.
func (s *Service) AttachEvidence(ctx context.Context, purchaseID int64, r io.Reader, name string) (Evidence, error) {
	a, err := reporter(ctx)
	if err != nil {
		return Evidence{}, err
	}
	var out Evidence
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p, err := s.lockScoped(ctx, tx, a, purchaseID)
		if err != nil {
			return err
		}
		if p.Status != StatusReported && p.Status != StatusDisputed {
			return stateConflict(p)
		}
		f, err := s.files.Save(ctx, tx, r, name, files.Options{Field: "file"})
		if err != nil {
			return err
		}
		now := s.now()
		if err := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Table("purchase_files").
			Create(map[string]any{"purchase_id": p.ID, "file_id": f.ID, "created_at": now}).Error; err != nil {
			return fmt.Errorf("procurement: attach: %w", err)
		}
		out = Evidence{FileID: f.ID, ContentType: f.ContentType, SizeBytes: f.SizeBytes, OriginalName: f.OriginalName, CreatedAt: now}
		return audit.Record(ctx, tx, now, audit.Event{Action: "purchase.attach_evidence", EntityType: "purchase",
			EntityID: strconv.FormatInt(p.ID, 10), After: map[string]any{"file_id": f.ID, "content_type": f.ContentType,
				"size_bytes": f.SizeBytes, "original_name": f.OriginalName}})
	})
	return out, err
}

// Sale is what one business bought from an IKM in one quarter and the IKM
// confirmed.
type Sale struct {
	Period       string // 2025-Q1
	BusinessName string
	Purchases    int64
	Amount       int64
}

// Sales are the confirmed purchases the caller may see, summed per quarter
// and buyer, newest quarter first and the largest buyer first within it:
// an IKM's own sales, what it sold to whom.
func (s *Service) Sales(ctx context.Context) ([]Sale, error) {
	var out []Sale
	err := scope(s.db.WithContext(ctx).Table("purchases p"), actor.From(ctx), "p").
		Select(`to_char(p.purchase_date, 'YYYY-"Q"Q') AS period, b.name AS business_name,
			count(*) AS purchases, sum(p.amount) AS amount`).
		Joins("JOIN businesses b ON b.id = p.business_id").
		Where("p.status = ?", StatusConfirmed).
		Group("1, 2").Order("1 DESC, 4 DESC, 2").Limit(400).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("procurement: sales: %w", err)
	}
	return out, nil
}

// PeriodSummary is what a business reported for a span of days: per
// status, how many purchases and their rupiah.
type PeriodSummary struct {
	Status Status
	Count  int64
	Amount int64
}

// Summary sums the caller's purchases dated from..to (inclusive) per
// status, in one statement.
func (s *Service) Summary(ctx context.Context, from, to time.Time) ([]PeriodSummary, error) {
	var out []PeriodSummary
	err := scope(s.db.WithContext(ctx).Table("purchases p"), actor.From(ctx), "p").
		Select("p.status, count(*) AS count, coalesce(sum(p.amount), 0) AS amount").
		Where("p.purchase_date BETWEEN ? AND ?", from, to).Group("p.status").Order("p.status").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("procurement: summary: %w", err)
	}
	return out, nil
}

// Awaiting counts the caller's purchases awaiting the IKM's answer, and of
// those, the ones past their window, in one statement.
func (s *Service) Awaiting(ctx context.Context) (total, late int64, err error) {
	err = scope(s.db.WithContext(ctx).Table("purchases p"), actor.From(ctx), "p").
		Select("count(*), count(*) FILTER (WHERE p.confirm_by <= ?)", s.now()).
		Where("p.status = ?", StatusReported).Row().Scan(&total, &late)
	if err != nil {
		return 0, 0, fmt.Errorf("procurement: awaiting: %w", err)
	}
	return total, late, nil
}
