package partnership

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/audit"
	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/format"
	"kemitraan/app/registry"
)

// ReportStatus is a business's standing for one period's report.
type ReportStatus string

const (
	ReportSubmitted ReportStatus = "submitted" // before the deadline
	ReportLate      ReportStatus = "late"      // after the deadline
	ReportMissing   ReportStatus = "missing"   // not (yet) submitted
)

// ReportStatuses lists every report standing, in the order lists count them.
var ReportStatuses = []ReportStatus{ReportSubmitted, ReportLate, ReportMissing}

// PeriodReport is a company's declaration that its purchases and outlets
// for a period are complete.
type PeriodReport struct {
	ID          int64     `json:"id" gorm:"primaryKey"`
	BusinessID  int64     `json:"business_id"`
	Period      string    `json:"period"`
	SubmittedAt time.Time `json:"submitted_at"`
	SubmittedBy *int64    `json:"submitted_by,omitempty"`
	Deadline    time.Time `json:"deadline"`
	OnTime      bool      `json:"on_time"`
	CreatedAt   time.Time `json:"created_at"`
}

func (PeriodReport) TableName() string { return "period_reports" }

// Status is the report's standing: submitted (on time) or late.
func (r PeriodReport) Status() ReportStatus {
	if r.OnTime {
		return ReportSubmitted
	}
	return ReportLate
}

// SubmitReport records that a business declares period complete. The period
// must be over; a report is on time when it arrives before the rule set's
// deadline (by default the end of the 15th of the month after the period,
// WIB). A second submission is a 409.
func (s *Service) SubmitReport(ctx context.Context, businessID int64, period string) (PeriodReport, error) {
	a := actor.From(ctx)
	now := s.clock.Now()
	if !a.Staff() && a.BusinessID != businessID {
		return PeriodReport{}, businessNotFound()
	}
	p, rules, err := s.periodRules(ctx, period)
	if err != nil {
		return PeriodReport{}, err
	}
	if !p.Closed(now) {
		e := fault.Conflict("period_open", fmt.Sprintf(
			"Periode %s belum berakhir; laporan dapat dikirim mulai %s.", p, format.Date(p.End())))
		e.Extra = map[string]any{"period": p.String(), "period_end": p.End()}
		return PeriodReport{}, e
	}
	var out PeriodReport
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		status, err := businessState(ctx, tx, businessID)
		if err != nil {
			return err
		}
		if status == "" {
			return businessNotFound()
		}
		deadline := rules.ReportDeadline(p)
		r := PeriodReport{BusinessID: businessID, Period: p.String(), SubmittedAt: now,
			SubmittedBy: a.OptionalUserID(), Deadline: deadline, OnTime: now.Before(deadline), CreatedAt: now}
		// ON CONFLICT keeps a double click from becoming a 500; the first
		// report stands and the second is told when it came.
		res := tx.Raw(`INSERT INTO period_reports (business_id, period, submitted_at, submitted_by, deadline, on_time, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (business_id, period) DO NOTHING
			RETURNING id`, r.BusinessID, r.Period, r.SubmittedAt, r.SubmittedBy, r.Deadline, r.OnTime, r.CreatedAt).
			Scan(&r.ID)
		if res.Error != nil {
			return fmt.Errorf("partnership: submit report: %w", res.Error)
		}
		if r.ID == 0 {
			var first PeriodReport
			if err := tx.Where("business_id = ? AND period = ?", businessID, r.Period).Take(&first).Error; err != nil {
				return fmt.Errorf("partnership: existing report: %w", err)
			}
			e := fault.Conflict("report_exists", fmt.Sprintf("Laporan periode %s sudah dikirim pada %s.",
				r.Period, first.SubmittedAt.In(clock.WIB).Format("02-01-2006 15:04 WIB")))
			e.Extra = map[string]any{"submitted_at": first.SubmittedAt, "current_status": first.Status()}
			return e
		}
		out = r
		return audit.Record(ctx, tx, now, audit.Event{Action: "report.submit", EntityType: "period_report",
			EntityID: strconv.FormatInt(r.ID, 10), After: r})
	})
	return out, err
}

// ReportFilter narrows the report list of one period.
type ReportFilter struct {
	Period        string
	Status        string // submitted, late or missing
	Category      string
	KecamatanCode string
}

// ReportRow is one business's standing for the period.
type ReportRow struct {
	BusinessID    int64
	BusinessName  string
	NIB           string
	Category      string
	KecamatanCode string
	Status        ReportStatus
	SubmittedAt   *time.Time
}

// ReportList is one page of a period's report standings.
type ReportList struct {
	Period   string
	Deadline time.Time
	Closed   bool
	Rows     []ReportRow
	Next     int64 // cursor of the next page, 0 when none
	Counts   map[ReportStatus]int64
}

// ListReports gives, for one period, every active business (registered by
// the period's end) with its report status: staff see all, a company its
// own. One query with a LEFT JOIN decides "missing".
func (s *Service) ListReports(ctx context.Context, f ReportFilter, page Page) (ReportList, error) {
	a := actor.From(ctx)
	var c fault.Checker
	c.Check(f.Status == "" || slices.Contains(ReportStatuses, ReportStatus(f.Status)), "status", fault.OneOf(ReportStatuses))
	if f.Category != "" && !slices.Contains(registry.Categories, f.Category) {
		c.Add("category", fault.OneOf(registry.Categories))
	}
	if f.Period == "" {
		c.Add("period", "wajib diisi, misalnya 2025-Q1")
	}
	if err := c.Err(); err != nil {
		return ReportList{}, err
	}
	p, rules, err := s.periodRules(ctx, f.Period)
	if err != nil {
		return ReportList{}, err
	}
	out := ReportList{Period: p.String(), Deadline: rules.ReportDeadline(p), Closed: p.Closed(s.clock.Now())}

	base := func() *gorm.DB {
		q := s.db.WithContext(ctx).Table("businesses b").
			Joins("LEFT JOIN period_reports r ON r.business_id = b.id AND r.period = ?", p.String())
		switch {
		case a.Staff():
			q = q.Where("b.status = 'active' AND b.registered_at <= ?", p.LastDay())
		case a.BusinessID != 0:
			q = q.Where("b.id = ?", a.BusinessID)
		default:
			q = q.Where("false")
		}
		if f.Category != "" {
			q = q.Where("b.category = ?", f.Category)
		}
		if f.KecamatanCode != "" {
			q = q.Where("b.kecamatan_code = ?", f.KecamatanCode)
		}
		return q
	}

	q := base().Select(`b.id AS business_id, b.name AS business_name, b.nib, b.category, b.kecamatan_code,
		r.submitted_at,
		CASE WHEN r.id IS NULL THEN 'missing' WHEN r.on_time THEN 'submitted' ELSE 'late' END AS status`)
	switch ReportStatus(f.Status) {
	case ReportMissing:
		q = q.Where("r.id IS NULL")
	case ReportSubmitted:
		q = q.Where("r.on_time")
	case ReportLate:
		q = q.Where("NOT r.on_time")
	}
	if page.Cursor > 0 {
		q = q.Where("b.id > ?", page.Cursor)
	}
	limit := page.limit()
	if err := q.Order("b.id").Limit(limit + 1).Scan(&out.Rows).Error; err != nil {
		return ReportList{}, fmt.Errorf("partnership: list reports: %w", err)
	}
	out.Rows, out.Next = database.KeysetPage(out.Rows, limit, func(r ReportRow) int64 { return r.BusinessID })

	var counts struct{ Submitted, Late, Missing int64 }
	err = base().Select(`count(*) FILTER (WHERE r.on_time) AS submitted,
		count(*) FILTER (WHERE NOT r.on_time) AS late,
		count(*) FILTER (WHERE r.id IS NULL) AS missing`).Scan(&counts).Error
	if err != nil {
		return ReportList{}, fmt.Errorf("partnership: count reports: %w", err)
	}
	out.Counts = map[ReportStatus]int64{ReportSubmitted: counts.Submitted, ReportLate: counts.Late, ReportMissing: counts.Missing}
	return out, nil
}

// periodRules parses a period and finds the rule set in force on its last
// day, which must speak of periods of that kind.
func (s *Service) periodRules(ctx context.Context, raw string) (compliance.Period, compliance.RuleSet, error) {
	p, err := compliance.ParsePeriod(raw)
	if err != nil {
		return p, compliance.RuleSet{}, fault.Invalid(fault.Field("period", err.Error()))
	}
	rules, err := s.rules(ctx, s.db, p.LastDay())
	if errors.Is(err, fault.ErrNotFound) {
		return p, rules, fault.Invalid(fault.Field("period", "tidak ada aturan yang berlaku untuk periode "+p.String()))
	}
	if err != nil {
		return p, rules, fmt.Errorf("partnership: rule set for %s: %w", p, err)
	}
	if msg := rules.PeriodMismatch(p); msg != "" {
		return p, rules, fault.Invalid(fault.Field("period", msg))
	}
	return p, rules, nil
}

func businessNotFound() *fault.Error {
	return fault.NotFound("business_not_found", "Usaha tidak ditemukan.")
}

// Report is the business's submitted report of period (not found when
// none is in).
func (s *Service) Report(ctx context.Context, businessID int64, period string) (PeriodReport, error) {
	a := actor.From(ctx)
	if !a.Staff() && a.BusinessID != businessID {
		return PeriodReport{}, businessNotFound()
	}
	var r PeriodReport
	err := s.db.WithContext(ctx).Where("business_id = ? AND period = ?", businessID, period).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return PeriodReport{}, fault.NotFound("report_not_found", "Laporan periode ini belum dikirim.")
	}
	if err != nil {
		return PeriodReport{}, fmt.Errorf("partnership: report %d %s: %w", businessID, period, err)
	}
	return r, nil
}
