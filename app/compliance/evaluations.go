package compliance

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
	"kemitraan/app/registry"
)

// Evaluation is one business's evaluation for one period, as lists show it.
type Evaluation struct {
	ID                    int64
	BusinessID            int64
	BusinessName          string
	BusinessNIB           string
	Category              string
	KecamatanCode         string
	Period                string
	RuleSetVersion        string
	TargetPurchaseValue   int64
	TargetIKMCount        int
	TargetOutletSlots     int
	RealisedPurchaseValue int64
	RealisedIKMCount      int
	RealisedOutletSlots   float64
	RatioPurchaseValue    *float64
	RatioIKMCount         *float64
	RatioOutletSlots      *float64
	MeanRatio             *float64
	Status                string
	ReportStatus          string
	ExemptionID           *int64
	// CountsWhen is what counted: CountsConfirmed or CountsPaid.
	CountsWhen string
	// How the business paid for the period's purchases, at the report due
	// date: rupiah within terms, late, unpaid past due; the share on time
	// (nil when nothing was paid or due); the rule set's minimum share
	// (0: none) and the ratio to it.
	PaidOnTimeValue         int64
	PaidLateValue           int64
	OverdueValue            int64
	SharePaidOnTime         *float64
	TargetPaidOnTimePercent int
	RatioPaidOnTime         *float64
	ComputedAt              time.Time
}

// Shortfall is what a business is short by on each metric (0 where met).
type Shortfall struct {
	PurchaseValue int64
	IKMCount      int
	OutletSlots   float64
}

// Shortfall computes what is missing to reach each target.
func (e Evaluation) Shortfall() Shortfall {
	return Shortfall{
		PurchaseValue: max(e.TargetPurchaseValue-e.RealisedPurchaseValue, 0),
		IKMCount:      max(e.TargetIKMCount-e.RealisedIKMCount, 0),
		OutletSlots:   max(float64(e.TargetOutletSlots)-e.RealisedOutletSlots, 0),
	}
}

// EvaluationFilter narrows the evaluation list. BusinessID alone gives a
// business's history.
type EvaluationFilter struct {
	Period     string
	Status     string
	Category   string
	Kecamatan  string
	BusinessID int64
}

// EvaluationPage asks for rows with an id below Cursor (0: from the newest).
type EvaluationPage struct {
	Cursor int64
	Limit  int
}

// evaluationQuery is the scoped base of evaluation reads: staff see every
// business, a company only its own, anyone else nothing. Only the rows made
// with the rule set that judges each period are shown (a period
// re-evaluated under a later version keeps its old row for the record).
func evaluationQuery(ctx context.Context, db *gorm.DB) *gorm.DB {
	q := db.WithContext(ctx).Table("evaluations AS e").
		Joins("JOIN businesses b ON b.id = e.business_id").
		Joins("JOIN rule_sets rs ON rs.id = e.rule_set_id").
		Joins(TimelinessJoin).
		Where(`e.rule_set_id = (SELECT r.id FROM rule_sets r WHERE r.effective_from <= e.period_end
			ORDER BY r.effective_from DESC LIMIT 1)`).
		Select(`e.id, e.business_id, b.name AS business_name, b.nib AS business_nib, e.category,
			b.kecamatan_code, e.period, rs.version AS rule_set_version,
			e.target_purchase_value, e.target_ikm_count, e.target_outlet_slots,
			e.realised_purchase_value, e.realised_ikm_count, e.realised_outlet_slots,
			e.ratio_purchase_value, e.ratio_ikm_count, e.ratio_outlet_slots, e.mean_ratio,
			e.status, e.report_status, e.exemption_id,
			coalesce(rs.body->>'counts_when', '` + CountsConfirmed + `') AS counts_when,
			` + TimelinessColumns + `,
			coalesce((rs.body->>'minimum_paid_on_time_percent')::int, 0) AS target_paid_on_time_percent,
			e.ratio_paid_on_time, e.computed_at`)
	cond, args := actor.From(ctx).BusinessScope("e.business_id")
	return q.Where(cond, args...)
}

// Evaluations lists evaluations newest first with the next page's
// cursor (0 when this is the last page).
func (x *Service) Evaluations(ctx context.Context, f EvaluationFilter, page EvaluationPage) ([]Evaluation, int64, error) {
	var c fault.Checker
	if f.Period != "" {
		if p, err := ParsePeriod(f.Period); err != nil {
			c.Add("period", err.Error())
		} else {
			f.Period = p.String()
		}
	}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		c.Add("status", fault.OneOf(Statuses))
	}
	if f.Category != "" && !slices.Contains(registry.Categories, f.Category) {
		c.Add("category", "kategori tidak dikenal")
	}
	if err := c.Err(); err != nil {
		return nil, 0, err
	}
	limit := database.PageSize(page.Limit)
	q := evaluationQuery(ctx, x.db)
	if f.Period != "" {
		q = q.Where("e.period = ?", f.Period)
	}
	if f.Status != "" {
		q = q.Where("e.status = ?", f.Status)
	}
	if f.Category != "" {
		q = q.Where("e.category = ?", f.Category)
	}
	if f.Kecamatan != "" {
		q = q.Where("b.kecamatan_code = ?", f.Kecamatan)
	}
	if f.BusinessID != 0 {
		q = q.Where("e.business_id = ?", f.BusinessID)
	}
	if page.Cursor > 0 {
		q = q.Where("e.id < ?", page.Cursor)
	}
	var rows []Evaluation
	if err := q.Order("e.id DESC").Limit(limit + 1).Scan(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("compliance: list evaluations: %w", err)
	}
	rows, next := database.KeysetPage(rows, limit, func(e Evaluation) int64 { return e.ID })
	return rows, next, nil
}

// Evaluation returns one evaluation the caller may see.
func (x *Service) Evaluation(ctx context.Context, id int64) (Evaluation, error) {
	var rows []Evaluation
	if err := evaluationQuery(ctx, x.db).Where("e.id = ?", id).Limit(1).Scan(&rows).Error; err != nil {
		return Evaluation{}, fmt.Errorf("compliance: evaluation %d: %w", id, err)
	}
	if len(rows) == 0 {
		return Evaluation{}, fault.NotFound("evaluation_not_found", "Evaluasi tidak ditemukan.")
	}
	return rows[0], nil
}
