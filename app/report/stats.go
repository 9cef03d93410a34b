package report

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
	"kemitraan/app/registry"
)

// CaseOutcomes are the ways a case ends.
var CaseOutcomes = []string{"dismissed", "response_accepted", "cured", "recommended"}

// Rate is a compliance rate: compliant businesses over the evaluated ones
// that were not exempt.
type Rate struct {
	Base      int64 // evaluated, not exempt
	Compliant int64
	Rate      *float64 // nil when Base is 0
}

func newRate(base, compliant int64) Rate {
	return Rate{Base: base, Compliant: compliant, Rate: ratio(compliant, base)}
}

// GroupStats is the evaluation of one category or kecamatan.
type GroupStats struct {
	Key       string // category code or kecamatan BPS code
	Name      string // kecamatan name ("" for a category)
	Evaluated int64
	ByStatus  map[string]int64
	Rate      Rate
}

// ReportCounts are the period reports of the evaluated businesses.
type ReportCounts struct {
	OnTime, Late, Missing int64
}

// CaseStats are the sanction cases that took up a finding of the period:
// Opened counts those the period's finding opened (the rest were already
// open and were extended), ByStage where each stands now, Closed how the
// finished ones ended.
type CaseStats struct {
	Total, Opened int64
	ByStage       map[string]int64
	Closed        map[string]int64 // by outcome
}

// IKMStats are the outcomes for IKM, the reason the regulation exists.
type IKMStats struct {
	IKMPeriod
	PerActiveIKM *int64      // rupiah per active IKM; nil with none active
	Series       []IKMPeriod // SeriesPeriods periods, oldest first, ending with this one
	Top          []TopIKM    // the ten with the most partners
	AsOf         time.Time   // when the counted purchases were read
}

// Stats are the figures of one period for officials.
type Stats struct {
	Period      compliance.Period
	RuleSet     string
	Evaluated   int64 // businesses evaluated
	ByStatus    map[string]int64
	Overall     Rate
	ByCategory  []GroupStats
	ByKecamatan []GroupStats
	Reports     ReportCounts
	// PurchaseValue is the rupiah counted as bought from IKM in the period
	// (every business, from the purchases); OutletSlots the average outlet
	// slots in place over the period, summed over the evaluated businesses.
	PurchaseValue int64
	OutletSlots   float64
	Cases         CaseStats
	IKM           IKMStats
	// Payment is how businesses paid their IKM for the period's purchases.
	Payment PaymentStats
	// Compliance is the rate of each of the SeriesPeriods periods ending
	// with this one, oldest first.
	Compliance  []PeriodRate
	GeneratedAt time.Time
}

// Stats returns the figures of a period (raw, or the latest evaluated) for
// staff.
func (s *Service) Stats(ctx context.Context, raw string) (Stats, error) {
	if !actor.From(ctx).Staff() {
		return Stats{}, &fault.Error{Kind: fault.KindForbidden, Code: "forbidden",
			Detail: "Statistik lengkap hanya untuk petugas Dinas."}
	}
	pc, err := s.resolvePeriod(ctx, raw, "period")
	if err != nil {
		return Stats{}, err
	}
	return s.stats(ctx, pc, true)
}

// stats computes the figures; withCases adds the cases and the top IKM.
func (s *Service) stats(ctx context.Context, pc periodChoice, withCases bool) (Stats, error) {
	series := lastPeriods(pc.Period, SeriesPeriods)
	asOf, rebuildStale, err := s.ensureActivity(ctx, series)
	if err != nil {
		return Stats{}, err
	}
	defer rebuildStale()
	out := Stats{Period: pc.Period, RuleSet: pc.RuleSet.Version, ByStatus: zeroCounts(compliance.Statuses),
		GeneratedAt: s.clock.Now().UTC()}
	err = s.readOnly(ctx, func(tx *gorm.DB) error {
		if err := s.evaluationStats(ctx, tx, pc, &out); err != nil {
			return err
		}
		if withCases {
			if err := s.caseStats(ctx, tx, pc.Period, &out.Cases); err != nil {
				return err
			}
		}
		rows, err := s.ikmSeries(ctx, tx, series)
		if err != nil {
			return err
		}
		if out.Compliance, err = s.complianceSeries(ctx, tx, series); err != nil {
			return err
		}
		if out.Payment, err = s.paymentStats(ctx, tx, pc); err != nil {
			return err
		}
		out.IKM.Series = rows
		out.IKM.IKMPeriod = rows[len(rows)-1]
		out.IKM.AsOf = asOf[pc.Period.String()]
		out.PurchaseValue = out.IKM.PurchaseValue
		if out.IKM.Active > 0 {
			per := out.IKM.PurchaseValue / out.IKM.Active
			out.IKM.PerActiveIKM = &per
		}
		if withCases {
			if out.IKM.Top, err = s.topIKM(ctx, tx, pc.Period, 10); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func zeroCounts(keys []string) map[string]int64 {
	m := make(map[string]int64, len(keys))
	for _, k := range keys {
		m[k] = 0
	}
	return m
}

// evaluationStats folds the period's evaluations, grouped in SQL by
// category, kecamatan, status and report status (a few hundred rows at
// most), into the totals.
func (s *Service) evaluationStats(ctx context.Context, tx *gorm.DB, pc periodChoice, out *Stats) error {
	var groups []struct {
		Category, KecamatanCode, Status, ReportStatus string
		N                                             int64
		Slots                                         float64
	}
	err := tx.WithContext(ctx).Raw(`
		SELECT e.category, b.kecamatan_code, e.status, e.report_status, count(*) AS n,
		       coalesce(sum(e.realised_outlet_slots), 0) AS slots
		FROM evaluations e JOIN businesses b ON b.id = e.business_id
		WHERE e.period = ? AND e.rule_set_id = ?
		GROUP BY 1, 2, 3, 4`, pc.Period.String(), pc.RuleSet.ID).Scan(&groups).Error
	if err != nil {
		return fmt.Errorf("report: evaluation stats: %w", err)
	}
	var kecamatan []struct{ Code, Name string }
	if err := tx.WithContext(ctx).Raw(`SELECT code, name FROM kecamatan ORDER BY name`).Scan(&kecamatan).Error; err != nil {
		return fmt.Errorf("report: kecamatan: %w", err)
	}
	byCat := map[string]*GroupStats{}
	for _, c := range registry.Categories {
		byCat[c] = &GroupStats{Key: c, Name: registry.CategoryNames[c], ByStatus: zeroCounts(compliance.Statuses)}
	}
	byKec := map[string]*GroupStats{}
	for _, k := range kecamatan {
		byKec[k.Code] = &GroupStats{Key: k.Code, Name: k.Name, ByStatus: zeroCounts(compliance.Statuses)}
	}
	for _, g := range groups {
		out.Evaluated += g.N
		out.ByStatus[g.Status] += g.N
		out.OutletSlots += g.Slots
		switch g.ReportStatus {
		case compliance.ReportOnTime:
			out.Reports.OnTime += g.N
		case compliance.ReportLate:
			out.Reports.Late += g.N
		case compliance.ReportMissing:
			out.Reports.Missing += g.N
		}
		for _, grp := range []*GroupStats{byCat[g.Category], byKec[g.KecamatanCode]} {
			if grp == nil {
				continue
			}
			grp.Evaluated += g.N
			grp.ByStatus[g.Status] += g.N
		}
	}
	out.OutletSlots = float64(int64(out.OutletSlots*100+0.5)) / 100
	rateOf := func(byStatus map[string]int64, evaluated int64) Rate {
		return newRate(evaluated-byStatus[compliance.StatusExempt], byStatus[compliance.StatusCompliant])
	}
	out.Overall = rateOf(out.ByStatus, out.Evaluated)
	for _, c := range registry.Categories {
		g := byCat[c]
		g.Rate = rateOf(g.ByStatus, g.Evaluated)
		out.ByCategory = append(out.ByCategory, *g)
	}
	for _, k := range kecamatan {
		g := byKec[k.Code]
		g.Rate = rateOf(g.ByStatus, g.Evaluated)
		out.ByKecamatan = append(out.ByKecamatan, *g)
	}
	return nil
}

// PaymentGroup is how one category (or all businesses, Key "") paid their
// IKM for a period's purchases: the rupiah paid within terms, paid late and
// unpaid past due at the report due date, as the evaluations recorded
// them, the share paid on time; and the median days from purchase to
// payment over the purchases paid so far.
type PaymentGroup struct {
	Key, Name             string
	Businesses            int64 // evaluated businesses with something paid or due
	OnTime, Late, Overdue int64
	Share                 *float64 // OnTime over the three; nil when they are 0
	Paid                  int64    // purchases paid, the median's base
	Payers                int64    // businesses that made them
	MedianDays            *float64
	// Suppressed: too few businesses stand behind the group to publish
	// it (public statistics only).
	Suppressed bool
}

// PaymentStats are a period's payment figures, overall and by category.
type PaymentStats struct {
	Overall    PaymentGroup
	ByCategory []PaymentGroup
}

// paymentStats reads the period's timeliness of its evaluated businesses
// (purchase_totals beside their evaluations) and the
// days to payment from its snapshot (payment_delays), both grouped already.
func (s *Service) paymentStats(ctx context.Context, tx *gorm.DB, pc periodChoice) (PaymentStats, error) {
	var timely []struct {
		Category              string
		Businesses            int64
		OnTime, Late, Overdue int64
	}
	if err := tx.WithContext(ctx).Raw(`
		SELECT coalesce(e.category, '') AS category,
		       count(*) FILTER (WHERE pt.on_time_amount + pt.late_amount + pt.overdue_amount > 0) AS businesses,
		       coalesce(sum(pt.on_time_amount), 0) AS on_time, coalesce(sum(pt.late_amount), 0) AS late,
		       coalesce(sum(pt.overdue_amount), 0) AS overdue
		FROM evaluations e `+compliance.TimelinessJoin+`
		WHERE e.period = ? AND e.rule_set_id = ?
		GROUP BY ROLLUP (e.category)`, pc.Period.String(), pc.RuleSet.ID).Scan(&timely).Error; err != nil {
		return PaymentStats{}, fmt.Errorf("report: payment timeliness: %w", err)
	}
	var delays []struct {
		Category         string
		Paid, Businesses int64
		MedianDays       *float64
	}
	if err := tx.WithContext(ctx).Raw(`SELECT category, paid, businesses, median_days FROM payment_delays WHERE period = ?`,
		pc.Period.String()).Scan(&delays).Error; err != nil {
		return PaymentStats{}, fmt.Errorf("report: payment delays: %w", err)
	}
	groups := map[string]*PaymentGroup{"": {}}
	for _, c := range registry.Categories {
		groups[c] = &PaymentGroup{Key: c, Name: registry.CategoryNames[c]}
	}
	for _, t := range timely {
		if g := groups[t.Category]; g != nil {
			g.Businesses, g.OnTime, g.Late, g.Overdue = t.Businesses, t.OnTime, t.Late, t.Overdue
			g.Share = ratio(t.OnTime, t.OnTime+t.Late+t.Overdue)
		}
	}
	for _, d := range delays {
		if g := groups[d.Category]; g != nil {
			g.Paid, g.Payers, g.MedianDays = d.Paid, d.Businesses, d.MedianDays
		}
	}
	out := PaymentStats{Overall: *groups[""]}
	for _, c := range registry.Categories {
		out.ByCategory = append(out.ByCategory, *groups[c])
	}
	return out, nil
}

// caseStats counts the cases holding a finding of period p.
func (s *Service) caseStats(ctx context.Context, tx *gorm.DB, p compliance.Period, out *CaseStats) error {
	var groups []struct {
		Stage, Outcome string
		Opened         bool
		N              int64
	}
	err := tx.WithContext(ctx).Raw(`
		SELECT c.stage, coalesce(c.outcome, '') AS outcome,
		       NOT EXISTS (SELECT 1 FROM sanction_findings f2 WHERE f2.case_id = f.case_id AND f2.id < f.id) AS opened,
		       count(*) AS n
		FROM sanction_findings f JOIN sanction_cases c ON c.id = f.case_id
		WHERE f.period = ?
		GROUP BY 1, 2, 3`, p.String()).Scan(&groups).Error
	if err != nil {
		return fmt.Errorf("report: case stats: %w", err)
	}
	stages := make([]string, 0, 7)
	for k := range stageLabels {
		stages = append(stages, k)
	}
	out.ByStage = zeroCounts(stages)
	out.Closed = zeroCounts(CaseOutcomes)
	for _, g := range groups {
		out.Total += g.N
		if g.Opened {
			out.Opened += g.N
		}
		out.ByStage[g.Stage] += g.N
		if g.Outcome != "" {
			out.Closed[g.Outcome] += g.N
		}
	}
	return nil
}

// PeriodRate is the compliance rate of one period.
type PeriodRate struct {
	Period string
	Rate
}

// complianceSeries is the compliance rate of each of periods (oldest
// first), in one statement; a period not evaluated has a zero base.
func (s *Service) complianceSeries(ctx context.Context, tx *gorm.DB, periods []compliance.Period) ([]PeriodRate, error) {
	names := make([]string, len(periods))
	for i, p := range periods {
		names[i] = p.String()
	}
	var rows []struct {
		Period          string
		Base, Compliant int64
	}
	// A period evaluated under two rule sets (one replaced meanwhile)
	// counts under the newer, as the period's own figures do.
	err := tx.WithContext(ctx).Raw(`
		WITH chosen AS (
			SELECT period, max(rule_set_id) AS rule_set_id FROM evaluated_periods WHERE period IN ? GROUP BY period)
		SELECT e.period, count(*) FILTER (WHERE e.status <> ?) AS base,
		       count(*) FILTER (WHERE e.status = ?) AS compliant
		FROM evaluations e JOIN chosen c ON c.period = e.period AND c.rule_set_id = e.rule_set_id
		GROUP BY e.period`,
		names, compliance.StatusExempt, compliance.StatusCompliant).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("report: compliance series: %w", err)
	}
	byPeriod := make(map[string]Rate, len(rows))
	for _, r := range rows {
		byPeriod[r.Period] = newRate(r.Base, r.Compliant)
	}
	out := make([]PeriodRate, len(names))
	for i, n := range names {
		out[i] = PeriodRate{Period: n, Rate: byPeriod[n]}
	}
	return out, nil
}
