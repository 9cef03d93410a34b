package report

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/fault"
)

// Dashboard is a company's own standing in the open period, computed live
// from what counts today, with its last evaluation and open case.
type Dashboard struct {
	BusinessID int64
	Name       string
	NIB        string
	Category   string
	Period     compliance.Period
	RuleSet    string
	// DaysLeft counts the days of the period still to come, today
	// included (WIB).
	DaysLeft      int
	ReportDue     time.Time // the last day the period report is on time
	PurchaseValue Metric
	IKMCount      Metric
	OutletSlots   SlotMetric
	MeanRatio     *float64 // nil when the business has no target
	// Outlook is the status the figures would earn if the period ended
	// today and the report came in on time: compliant, partial or
	// non_compliant (exempt for an exempt business).
	Outlook        string
	LastEvaluation *Evaluated
	OpenCase       *CaseSummary
}

// Evaluated is a business's latest evaluation.
type Evaluated struct {
	Period       string
	Status       string
	ReportStatus string
}

// CompanyDashboard returns the dashboard of the caller's own business. Only
// a company user (or an ERP token) has one; anyone else gets not found.
func (s *Service) CompanyDashboard(ctx context.Context) (Dashboard, error) {
	a := actor.From(ctx)
	if a.BusinessID == 0 {
		return Dashboard{}, fault.NotFound("business_not_found", "Dasbor ini hanya untuk pengguna perusahaan.")
	}
	now := s.clock.Now()
	rs, err := compliance.RuleSetAt(ctx, s.db, clock.DateIn(now))
	if err != nil {
		return Dashboard{}, err
	}
	p := compliance.PeriodContaining(rs.Period, now)
	// The version in force at the period's end judges it; when an amendment
	// already scheduled for later in the period exists, that one.
	if judged, err := compliance.RuleSetFor(ctx, s.db, p); err == nil && judged.Period == p.Kind {
		rs = judged
	}
	out := Dashboard{Period: p, RuleSet: rs.Version, ReportDue: rs.ReportDueDate(p),
		DaysLeft: int(p.LastDay().Sub(clock.DateIn(now)).Hours()/24) + 1}

	var live struct {
		ID                  int64
		Name, NIB, Category string
		Status              string
		APv, AIk, AOs       int64
		RPv, RIk, SlotDays  int64
		ExemptionID         *int64
		LastPeriod          *string
		LastStatus          *string
		LastReport          *string
		CaseID              *int64
		Stage               *string
		Rung                *int
		OpenedAt            *time.Time
		ResponseDue         *time.Time
		ResponseDeadline    *time.Time
	}
	res := s.db.WithContext(ctx).Raw(dashboardSQL,
		sql.Named("b", a.BusinessID), sql.Named("period", p.String()),
		sql.Named("pstart", p.FirstDay()), sql.Named("pend", p.LastDay()), sql.Named("pstart_at", p.Start()), sql.Named("paid", rs.CountsOnlyPaid())).Scan(&live)
	if res.Error != nil {
		return Dashboard{}, fmt.Errorf("report: dashboard: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return Dashboard{}, fault.NotFound("business_not_found", "Usaha tidak ditemukan.")
	}
	out.BusinessID, out.Name, out.NIB, out.Category = live.ID, live.Name, live.NIB, live.Category

	minimum := rs.Minimum(live.Category)
	tPv := max(minimum.PurchaseValue, live.APv)
	tIk := max(int64(minimum.IKMCount), live.AIk)
	tOs := max(int64(minimum.OutletSlots), live.AOs)
	days := int64(p.Days())
	realisedOs := float64((live.SlotDays*100+days/2)/days) / 100
	out.PurchaseValue = Metric{Target: tPv, Realised: live.RPv, Missing: max(tPv-live.RPv, 0)}
	out.IKMCount = Metric{Target: tIk, Realised: live.RIk, Missing: max(tIk-live.RIk, 0)}
	out.OutletSlots = SlotMetric{Target: tOs, Realised: realisedOs, Missing: max(float64(tOs)-realisedOs, 0)}
	out.OutletSlots.Missing = float64(int64(out.OutletSlots.Missing*100+0.5)) / 100

	// The same arithmetic as the evaluation (compliance.Evaluate): status
	// comparisons in integers, the mean of the ratios each capped at 1.
	cp, pp := int64(rs.Thresholds.CompliantPercent), int64(rs.Thresholds.PartialMeanPercent)
	var ratios []float64
	allMet := true
	if tPv > 0 {
		ratios = append(ratios, min1(float64(live.RPv)/float64(tPv)))
		allMet = allMet && live.RPv*100 >= tPv*cp
	}
	if tIk > 0 {
		ratios = append(ratios, min1(float64(live.RIk)/float64(tIk)))
		allMet = allMet && live.RIk*100 >= tIk*cp
	}
	if tOs > 0 {
		ratios = append(ratios, min1(float64(live.SlotDays)/float64(days*tOs)))
		allMet = allMet && live.SlotDays*100 >= tOs*days*cp
	}
	if len(ratios) > 0 {
		var sum float64
		for _, r := range ratios {
			sum += r
		}
		mean := float64(int64(sum/float64(len(ratios))*10000+0.5)) / 10000
		out.MeanRatio = &mean
	}
	switch {
	case live.Status == "exempt" || live.ExemptionID != nil:
		out.Outlook = compliance.StatusExempt
	case allMet:
		out.Outlook = compliance.StatusCompliant
	case out.MeanRatio != nil && *out.MeanRatio*100 >= float64(pp):
		out.Outlook = compliance.StatusPartial
	default:
		out.Outlook = compliance.StatusNonCompliant
	}
	if live.LastPeriod != nil {
		out.LastEvaluation = &Evaluated{Period: *live.LastPeriod, Status: deref(live.LastStatus), ReportStatus: deref(live.LastReport)}
	}
	if live.CaseID != nil {
		out.OpenCase = &CaseSummary{ID: *live.CaseID, Stage: deref(live.Stage), Rung: derefInt(live.Rung), Open: true,
			ResponseDue: live.ResponseDue, ResponseDeadline: live.ResponseDeadline}
		if live.OpenedAt != nil {
			out.OpenCase.OpenedAt = *live.OpenedAt
		}
		out.OpenCase.Overdue = out.OpenCase.Stage == "lapsed" ||
			(out.OpenCase.Stage == "warned" && live.ResponseDeadline != nil && !now.Before(*live.ResponseDeadline))
	}
	return out, nil
}

func min1(r float64) float64 {
	if r > 1 {
		return 1
	}
	return r
}

// dashboardSQL is compliance.evaluateSQL's arithmetic for one business and
// the open period, read-only: approved agreements' targets, counted
// purchases (under the rule set's counts_when) and their distinct IKM (kept
// in purchase_totals), confirmed
// outlets' slot-days.
const dashboardSQL = `
WITH agr AS (
    SELECT coalesce(sum(a.target_purchase_value), 0)::bigint AS pv, coalesce(sum(a.target_ikm_count), 0)::bigint AS ik,
           coalesce(sum(a.target_outlet_slots), 0)::bigint AS os
    FROM agreements a
    WHERE a.business_id = @b
      AND (a.status = 'approved' OR (a.status = 'ended' AND a.ended_at >= CAST(@pstart_at AS timestamptz)))
      AND a.start_date <= CAST(@pend AS date) AND a.end_date >= CAST(@pstart AS date)
),
bought AS (
    SELECT coalesce(sum(CASE WHEN CAST(@paid AS boolean) THEN t.paid_amount ELSE t.amount END), 0)::bigint AS pv,
           coalesce(sum(CASE WHEN CAST(@paid AS boolean) THEN t.paid_ikm_count ELSE t.ikm_count END), 0)::bigint AS ik
    FROM purchase_totals t
    WHERE t.business_id = @b AND t.period = @period
),
slots AS (
    SELECT coalesce(sum(o.slots::bigint * (least(coalesce(o.end_date, CAST(@pend AS date)), CAST(@pend AS date))
                                           - greatest(o.start_date, CAST(@pstart AS date)) + 1)), 0)::bigint AS slot_days
    FROM outlets o
    WHERE o.business_id = @b AND o.status = 'confirmed' AND o.start_date <= CAST(@pend AS date)
      AND (o.end_date IS NULL OR o.end_date >= CAST(@pstart AS date))
)
SELECT b.id, b.name, b.nib, b.category, b.status,
       agr.pv AS a_pv, agr.ik AS a_ik, agr.os AS a_os, bought.pv AS r_pv, bought.ik AS r_ik, slots.slot_days,
       ex.id AS exemption_id,
       last.period AS last_period, last.status AS last_status, last.report_status AS last_report,
       c.id AS case_id, c.stage, c.rung, c.opened_at, c.response_due, c.response_deadline
FROM businesses b
CROSS JOIN agr CROSS JOIN bought CROSS JOIN slots
LEFT JOIN exemptions ex ON ex.business_id = b.id AND ex.period = @period AND ex.revoked_at IS NULL
LEFT JOIN LATERAL (
    SELECT e.period, e.status, e.report_status FROM evaluations e
    WHERE e.business_id = b.id ORDER BY e.period_end DESC, e.computed_at DESC LIMIT 1
) last ON true
LEFT JOIN sanction_cases c ON c.business_id = b.id AND c.stage NOT IN ('closed', 'recommended')
WHERE b.id = @b`
