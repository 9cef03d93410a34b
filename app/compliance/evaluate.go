package compliance

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/format"
	"kemitraan/app/registry"
)

// Evaluation statuses. Precedence, first match wins:
//
//  1. exempt: an officer's exemption for the period, or a business whose
//     registry status is exempt;
//  2. not_reported: no period report submitted before the report deadline
//     (missing, or submitted late). The metrics are still computed and kept
//     beside it, so a reviewer sees what a late reporter achieved;
//  3. compliant: every metric with a target at or above compliant_percent of
//     it (a business with no target at all is compliant);
//  4. partial: the mean of the ratios, each capped at 100%, at or above
//     partial_mean_percent;
//  5. non_compliant: otherwise.
const (
	StatusCompliant    = "compliant"
	StatusPartial      = "partial"
	StatusNonCompliant = "non_compliant"
	StatusNotReported  = "not_reported"
	StatusExempt       = "exempt"
)

// Statuses lists every evaluation status.
var Statuses = []string{StatusCompliant, StatusPartial, StatusNonCompliant, StatusNotReported, StatusExempt}

// Report statuses of a business for a period, judged against the deadline.
const (
	ReportOnTime  = "on_time"
	ReportLate    = "late"
	ReportMissing = "missing"
)

// EvaluationRun counts what one evaluation pass did.
type EvaluationRun struct {
	Period     string           `json:"period"`
	RuleSet    string           `json:"rule_set"`
	Businesses int64            `json:"businesses"`
	Inserted   int64            `json:"inserted"`
	Updated    int64            `json:"updated"`
	Unchanged  int64            `json:"unchanged"`
	ByStatus   map[string]int64 `json:"by_status"`
	Elapsed    time.Duration    `json:"-"`
}

// CheckEvaluable returns the rule set judging p and an error unless p can be
// evaluated at now: the period uses the rule set's period kind and its
// report deadline has passed (before it, a missing report is not yet late).
func CheckEvaluable(ctx context.Context, db *gorm.DB, p Period, now time.Time) (StoredRuleSet, error) {
	rs, err := RuleSetFor(ctx, db, p)
	if err != nil {
		return rs, err
	}
	if why := rs.PeriodMismatch(p); why != "" {
		return rs, fault.Invalid(fault.Field("period", why))
	}
	if deadline := rs.ReportDeadline(p); now.Before(deadline) {
		e := fault.Conflict("period_not_due", fmt.Sprintf(
			"Periode %s baru dapat dievaluasi setelah batas laporan berkala %s.", p, format.Date(rs.ReportDueDate(p))))
		e.Extra = map[string]any{"report_deadline": deadline.UTC().Format(time.RFC3339)}
		return rs, e
	}
	return rs, nil
}

// LatestDue is the latest period whose report deadline has passed at now,
// in the period kind of the rule set in force today.
func LatestDue(ctx context.Context, db *gorm.DB, now time.Time) (Period, error) {
	rs, err := RuleSetAt(ctx, db, clock.DateIn(now))
	if err != nil {
		return Period{}, err
	}
	p := PeriodContaining(rs.Period, now).Prev()
	for now.Before(rs.ReportDeadline(p)) {
		p = p.Prev()
	}
	return p, nil
}

// Evaluate computes every active business's evaluation for period p in one
// set-based statement (a MERGE of the period's computed rows into
// evaluations: the equivalent of INSERT … SELECT … ON CONFLICT DO UPDATE,
// with plain inserts instead of speculative ones) inside tx, never a query
// per business. The caller serialises runs (the evaluate job's advisory
// lock); a concurrent run would fail on the unique key, never duplicate. A
// row whose figures have not changed is left alone, computed_at included,
// so a re-run over the same data changes nothing. The period is recorded
// in evaluated_periods on its first evaluation with rows. tx must be READ
// COMMITTED (the default). The caller has checked the period with
// CheckEvaluable.
func Evaluate(ctx context.Context, tx *gorm.DB, p Period, rs StoredRuleSet, now time.Time) (EvaluationRun, error) {
	started := time.Now()
	run := EvaluationRun{Period: p.String(), RuleSet: rs.Version, ByStatus: map[string]int64{}}
	cats := make([]string, 0, len(registry.Categories))
	var mpv []int64
	var mik, mos []int32
	for _, c := range registry.Categories {
		m := rs.Minimum(c)
		cats, mpv = append(cats, c), append(mpv, m.PurchaseValue)
		mik, mos = append(mik, int32(m.IKMCount)), append(mos, int32(m.OutletSlots))
	}
	// The hash joins over every business want more than the default 4MB of
	// work memory to stay in memory; this is the one batch statement. JIT
	// compiling the statement costs more than it saves at this size.
	for _, set := range []string{"SET LOCAL work_mem = '256MB'", "SET LOCAL jit = off"} {
		if err := tx.WithContext(ctx).Exec(set).Error; err != nil {
			return run, fmt.Errorf("compliance: %s: %w", set, err)
		}
	}
	db := tx.WithContext(ctx)
	// The guard that keeps evaluations' businesses, rule sets and exemptions
	// (migration 00009) relies on each statement seeing what was committed
	// before it began.
	var isolation string
	if err := db.Raw(`SELECT current_setting('transaction_isolation')`).Scan(&isolation).Error; err != nil {
		return run, fmt.Errorf("compliance: isolation level: %w", err)
	}
	if isolation != "read committed" {
		return run, fmt.Errorf("compliance: evaluate needs a READ COMMITTED transaction, not %s", isolation)
	}
	// MERGE (unlike INSERT … RETURNING) cannot say which rows it inserted:
	// count the period's rows around it.
	var before, after int64
	if err := db.Raw(`SELECT count(*) FROM evaluations WHERE period = ? AND rule_set_id = ?`, p.String(), rs.ID).
		Scan(&before).Error; err != nil {
		return run, fmt.Errorf("compliance: count evaluations: %w", err)
	}
	res := db.Exec(evaluateSQL[evaluateVariant{paid: rs.CountsOnlyPaid(), onTime: rs.MinimumPaidOnTimePercent > 0}],
		sql.Named("cats", database.Array(cats)), sql.Named("mpv", database.Array(mpv)), sql.Named("mik", database.Array(mik)),
		sql.Named("mos", database.Array(mos)),
		sql.Named("period", p.String()), sql.Named("pstart", p.FirstDay()), sql.Named("pend", p.LastDay()),
		sql.Named("pstart_at", p.Start()), sql.Named("days", p.Days()),
		sql.Named("deadline", rs.ReportDeadline(p)), sql.Named("rs", rs.ID),
		sql.Named("cp", rs.Thresholds.CompliantPercent), sql.Named("pp", rs.Thresholds.PartialMeanPercent),
		sql.Named("now", now.UTC()), sql.Named("mot", rs.MinimumPaidOnTimePercent),
	)
	if res.Error != nil {
		return run, fmt.Errorf("compliance: evaluate %s: %w", p, res.Error)
	}
	var byStatus []struct {
		Status string
		N      int64
	}
	if err := db.Raw(`SELECT status, count(*) AS n FROM evaluations
		WHERE period = ? AND rule_set_id = ? GROUP BY status`, p.String(), rs.ID).Scan(&byStatus).Error; err != nil {
		return run, fmt.Errorf("compliance: count statuses: %w", err)
	}
	for _, s := range byStatus {
		run.ByStatus[s.Status] = s.N
		after += s.N
	}
	if err := db.Raw(`SELECT count(*) FROM businesses WHERE status IN ('active', 'exempt') AND registered_at <= ?`,
		p.LastDay()).Scan(&run.Businesses).Error; err != nil {
		return run, fmt.Errorf("compliance: count businesses: %w", err)
	}
	run.Inserted = after - before
	run.Updated = res.RowsAffected - run.Inserted
	run.Unchanged = run.Businesses - run.Inserted - run.Updated
	if after == 0 {
		run.Elapsed = time.Since(started)
		return run, nil // no business to evaluate: the period has no evaluations to show
	}
	if err := db.Exec(`INSERT INTO evaluated_periods (period, rule_set_id, period_start, period_end, first_evaluated_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (period, rule_set_id) DO NOTHING`,
		p.String(), rs.ID, p.FirstDay(), p.LastDay(), now.UTC()).Error; err != nil {
		return run, fmt.Errorf("compliance: record evaluated period: %w", err)
	}
	run.Elapsed = time.Since(started)
	return run, nil
}

// Timeliness is how a business paid its IKM for a period's purchases, as
// purchase_totals keeps it beside the evaluation (t: the row of the
// evaluation's business and period): rupiah paid within terms, paid late,
// unpaid past due at the report due date, and the share paid on time (four
// places, as the ratios; NULL when nothing was paid or due). Readers join
// TimelinessJoin and select TimelinessColumns.
const (
	TimelinessJoin    = `LEFT JOIN purchase_totals pt ON pt.period = e.period AND pt.business_id = e.business_id`
	TimelinessColumns = `coalesce(pt.on_time_amount, 0) AS paid_on_time_value,
		coalesce(pt.late_amount, 0) AS paid_late_value, coalesce(pt.overdue_amount, 0) AS overdue_value,
		CASE WHEN pt.on_time_amount + pt.late_amount + pt.overdue_amount > 0
			THEN round(pt.on_time_amount::numeric / (pt.on_time_amount + pt.late_amount + pt.overdue_amount), 4)
		END AS share_paid_on_time`
)

// evaluateSQL is the whole evaluation of one period (PostgreSQL 15's MERGE). Parameters are cast
// with CAST(@name AS type): gorm does not see the end of a name before "::".
//
//   - Businesses: active (or registry-exempt) ones registered by the period's
//     last day.
//   - Targets: the larger of the category minimum and the sum of the
//     approved agreements overlapping the period (an agreement ended early
//     counts for the periods it was in force in).
//   - Purchases count when status = 'confirmed' (confirmed by the IKM or
//     verified by an officer) and dated inside the period; under
//     counts_when: paid only once paid by the period's report due date, and
//     a consignment delivery under either setting (the variant reads the
//     totals of one setting or the other). Their net rupiah
//     (a reversal is a counted negative entry) and the IKM whose purchases
//     net above zero are kept per business and period in purchase_totals by
//     the purchases table's triggers (migration 00008), in the transaction
//     of every change, so this reads one row per business.
//   - Outlet slots: slot-days of confirmed outlets inside the period over
//     the period's days.
//   - Timeliness: the period's rupiah paid on time, late, and unpaid past
//     due at the report due date (purchase_totals too); and, when the rule
//     set names a minimum share (minimum_paid_on_time_percent), a fourth
//     metric: the share paid on time over the minimum, with its ratio
//     stored. Readers read the sums and share from purchase_totals
//     (TimelinessColumns), so the rows stay narrow; a statement without the
//     metric carries none of it (evaluateVariant).
//   - q and s end in OFFSET 0, which keeps each a step of its own: without
//     it PostgreSQL pastes a ratio's expression into every place that uses
//     it (the mean uses each ratio three times, the status the mean twice)
//     and computes the same numeric division a dozen times per business.
//   - Status comparisons are made in integers, so no rounding decides a
//     status: realised·100 ≥ target·percent, and for rupiah the same as
//     realised ≥ ⌈target·percent/100⌉, which never multiplies the realised
//     sum. The stored ratios are rounded to four places for display, the
//     average outlet slots to two (half up, in integers: slot-days are never
//     negative).
const evaluateTemplate = `
WITH mins (category, purchase_value, ikm_count, outlet_slots) AS (
    SELECT * FROM unnest(CAST(@cats AS text[]), CAST(@mpv AS bigint[]), CAST(@mik AS int[]), CAST(@mos AS int[]))
),
biz AS (
    SELECT b.id, b.category, b.status
    FROM businesses b
    WHERE b.status IN ('active', 'exempt') AND b.registered_at <= CAST(@pend AS date)
),
agr AS (
    SELECT a.business_id, sum(a.target_purchase_value) AS pv,
           sum(a.target_ikm_count) AS ik, sum(a.target_outlet_slots) AS os
    FROM agreements a
    WHERE (a.status = 'approved' OR (a.status = 'ended' AND a.ended_at >= CAST(@pstart_at AS timestamptz)))
      AND a.start_date <= CAST(@pend AS date) AND a.end_date >= CAST(@pstart AS date)
    GROUP BY a.business_id
),
bought AS (
    SELECT t.business_id, {{counted}}{{bought.on_time}}
    FROM purchase_totals t
    WHERE t.period = @period
),
slots AS (
    SELECT o.business_id,
           sum(o.slots::bigint * (least(coalesce(o.end_date, CAST(@pend AS date)), CAST(@pend AS date))
                                  - greatest(o.start_date, CAST(@pstart AS date)) + 1)) AS slot_days
    FROM outlets o
    WHERE o.status = 'confirmed' AND o.start_date <= CAST(@pend AS date)
      AND (o.end_date IS NULL OR o.end_date >= CAST(@pstart AS date))
    GROUP BY o.business_id
),
m AS (
    SELECT biz.id AS business_id, biz.category, biz.status AS business_status,
           greatest(coalesce(mins.purchase_value, 0), coalesce(agr.pv, 0))::bigint AS t_pv,
           greatest(coalesce(mins.ikm_count, 0), coalesce(agr.ik, 0))::int AS t_ik,
           greatest(coalesce(mins.outlet_slots, 0), coalesce(agr.os, 0))::int AS t_os,
           coalesce(bought.pv, 0)::bigint AS r_pv,
           coalesce(bought.ik, 0)::int AS r_ik,{{m.on_time}}
           coalesce(slots.slot_days, 0)::bigint AS slot_days,
           CASE WHEN rep.submitted_at IS NULL THEN 'missing'
                WHEN rep.submitted_at < CAST(@deadline AS timestamptz) THEN 'on_time'
                ELSE 'late' END AS report_status,
           ex.id AS exemption_id
    FROM biz
    LEFT JOIN mins ON mins.category = biz.category
    LEFT JOIN agr ON agr.business_id = biz.id
    LEFT JOIN bought ON bought.business_id = biz.id
    LEFT JOIN slots ON slots.business_id = biz.id
    LEFT JOIN period_reports rep ON rep.business_id = biz.id AND rep.period = @period
    LEFT JOIN exemptions ex ON ex.business_id = biz.id AND ex.period = @period AND ex.revoked_at IS NULL
),
q AS (
    SELECT m.*,
           CASE WHEN t_pv > 0 THEN r_pv::numeric / t_pv END AS q_pv,
           CASE WHEN t_ik > 0 THEN r_ik::numeric / t_ik END AS q_ik,
           CASE WHEN t_os > 0 THEN slot_days::numeric / (CAST(@days AS int) * t_os) END AS q_os,
{{q.on_time}}           (t_pv = 0 OR r_pv >= (t_pv * CAST(@cp AS int) + 99) / 100)
             AND (t_ik = 0 OR r_ik * 100 >= t_ik * CAST(@cp AS int))
             AND (t_os = 0 OR slot_days * 100 >= t_os::bigint * CAST(@days AS int) * CAST(@cp AS int)){{met.on_time}} AS all_met
    FROM m
    OFFSET 0 -- keep q and s as their own steps (see above)
),
s AS (
    SELECT q.*,
           -- least() skips NULLs (least(NULL, 1) is 1): a metric without a
           -- target must add nothing, so test for it first.
           ((CASE WHEN q_pv IS NULL THEN 0 ELSE least(q_pv, 1) END)
            + (CASE WHEN q_ik IS NULL THEN 0 ELSE least(q_ik, 1) END)
            + (CASE WHEN q_os IS NULL THEN 0 ELSE least(q_os, 1) END){{sum.on_time}})
             / nullif((q_pv IS NOT NULL)::int + (q_ik IS NOT NULL)::int + (q_os IS NOT NULL)::int{{count.on_time}}, 0) AS mean
    FROM q
    OFFSET 0
),
x AS (
    SELECT business_id, category, t_pv, t_ik, t_os, r_pv, r_ik,
           (slot_days * 200 + CAST(@days AS int)) / (2 * CAST(@days AS int)) * 0.01 AS r_os,
           round(q_pv, 4) AS q_pv, round(q_ik, 4) AS q_ik, round(q_os, 4) AS q_os, round(mean, 4) AS mean,
{{x.on_time}}           CASE WHEN exemption_id IS NOT NULL OR business_status = 'exempt' THEN 'exempt'
                WHEN report_status <> 'on_time' THEN 'not_reported'
                WHEN all_met THEN 'compliant'
                WHEN mean * 100 >= CAST(@pp AS int) THEN 'partial'
                ELSE 'non_compliant' END AS status,
           report_status, exemption_id
    FROM s
)
MERGE INTO evaluations AS e
USING x ON e.business_id = x.business_id AND e.period = @period AND e.rule_set_id = CAST(@rs AS bigint)
WHEN MATCHED AND (e.category, e.target_purchase_value, e.target_ikm_count, e.target_outlet_slots,
                  e.realised_purchase_value, e.realised_ikm_count, e.realised_outlet_slots,
                  e.ratio_purchase_value, e.ratio_ikm_count, e.ratio_outlet_slots, e.mean_ratio,
                  e.status, e.report_status, e.exemption_id, e.ratio_paid_on_time)
                 IS DISTINCT FROM
                 (x.category, x.t_pv, x.t_ik, x.t_os, x.r_pv, x.r_ik, x.r_os,
                  x.q_pv, x.q_ik, x.q_os, x.mean, x.status, x.report_status, x.exemption_id,
                  {{x.q_ot}}) THEN
    UPDATE SET category = x.category,
               target_purchase_value = x.t_pv, target_ikm_count = x.t_ik, target_outlet_slots = x.t_os,
               realised_purchase_value = x.r_pv, realised_ikm_count = x.r_ik, realised_outlet_slots = x.r_os,
               ratio_purchase_value = x.q_pv, ratio_ikm_count = x.q_ik, ratio_outlet_slots = x.q_os,
               mean_ratio = x.mean, status = x.status, report_status = x.report_status,
               exemption_id = x.exemption_id, ratio_paid_on_time = {{x.q_ot}}, computed_at = CAST(@now AS timestamptz)
WHEN NOT MATCHED THEN
    INSERT (business_id, period, period_start, period_end, rule_set_id, category,
            target_purchase_value, target_ikm_count, target_outlet_slots,
            realised_purchase_value, realised_ikm_count, realised_outlet_slots,
            ratio_purchase_value, ratio_ikm_count, ratio_outlet_slots, mean_ratio,
            status, report_status, exemption_id, ratio_paid_on_time, computed_at)
    VALUES (x.business_id, @period, CAST(@pstart AS date), CAST(@pend AS date), CAST(@rs AS bigint), x.category,
            x.t_pv, x.t_ik, x.t_os, x.r_pv, x.r_ik, x.r_os, x.q_pv, x.q_ik, x.q_os, x.mean,
            x.status, x.report_status, x.exemption_id, {{x.q_ot}}, CAST(@now AS timestamptz))`

// evaluateVariant is what changes the evaluation statement's text: which
// totals count (counts_when) and whether the share paid on time is a
// metric. Each variant is its own text, so the common one (counted when
// confirmed, no on-time metric) carries none of the on-time arithmetic.
type evaluateVariant struct{ paid, onTime bool }

// evaluateSQL is the statement of each variant, built once.
var evaluateSQL = func() map[evaluateVariant]string {
	out := map[evaluateVariant]string{}
	for _, paid := range []bool{false, true} {
		for _, onTime := range []bool{false, true} {
			counted := "t.amount AS pv, t.ikm_count AS ik"
			if paid {
				counted = "t.paid_amount AS pv, t.paid_ikm_count AS ik"
			}
			parts := []string{"{{counted}}", counted, "{{bought.on_time}}", "", "{{m.on_time}}", "",
				"{{q.on_time}}", "", "{{met.on_time}}", "", "{{sum.on_time}}", "", "{{count.on_time}}", "",
				"{{x.on_time}}", "", "{{x.q_ot}}", "NULL::numeric"}
			if onTime {
				parts = []string{"{{counted}}", counted,
					"{{bought.on_time}}", ", t.on_time_amount, t.late_amount, t.overdue_amount",
					"{{m.on_time}}", `
           coalesce(bought.on_time_amount, 0)::bigint AS on_time,
           coalesce(bought.late_amount, 0)::bigint AS late,
           coalesce(bought.overdue_amount, 0)::bigint AS overdue,`,
					// The metric counts when something was paid or fell due.
					"{{q.on_time}}", `           CASE WHEN on_time + late + overdue > 0
                THEN on_time::numeric * 100 / ((on_time + late + overdue) * CAST(@mot AS int)) END AS q_ot,
`,
					"{{met.on_time}}", `
             AND (on_time + late + overdue = 0
                  OR on_time::numeric * 10000 >= (on_time + late + overdue)::numeric * CAST(@mot AS int) * CAST(@cp AS int))`,
					"{{sum.on_time}}", `
            + (CASE WHEN q_ot IS NULL THEN 0 ELSE least(q_ot, 1) END)`,
					"{{count.on_time}}", " + (q_ot IS NOT NULL)::int",
					"{{x.on_time}}", "           round(q_ot, 4) AS q_ot,\n",
					"{{x.q_ot}}", "x.q_ot"}
			}
			out[evaluateVariant{paid, onTime}] = strings.NewReplacer(parts...).Replace(evaluateTemplate)
		}
	}
	return out
}()
