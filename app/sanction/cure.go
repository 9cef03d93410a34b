package sanction

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/audit"
)

// cureSQL judges every finding of the open cases (or of one case when
// @case_id is not 0) against what the business has done since: purchases and
// outlets confirmed before the cutoff (the running warning's response
// deadline; no cutoff before the first warning) and dated inside the
// finding's period (and paid before the cutoff where the rule set counts
// only paid purchases, and for a consignment delivery always), and a period report submitted by then. A finding is
// made up when each metric reaches the rule set's compliant percentage of
// the target the finding recorded and the report is in; a case is cured
// when all its findings are.
const cureSQL = `
WITH open_cases AS (
    SELECT c.id, c.business_id, coalesce(c.response_deadline, 'infinity'::timestamptz) AS cutoff,
           (rs.body #>> '{thresholds,compliant_percent}')::int AS cp,
           coalesce(rs.body->>'counts_when', 'confirmed') = 'paid' AS paid_only
    FROM sanction_cases c
    JOIN rule_sets rs ON rs.id = c.rule_set_id
    WHERE c.stage NOT IN ('closed', 'recommended') AND (CAST(@case_id AS bigint) = 0 OR c.id = @case_id)
),
fnd AS (
    SELECT f.id, f.case_id, f.business_id, f.period, e.period_start, e.period_end,
           (e.period_end - e.period_start + 1) AS days, oc.cutoff, oc.cp, oc.paid_only,
           f.target_purchase_value AS t_pv, f.target_ikm_count AS t_ik, f.target_outlet_slots AS t_os
    FROM sanction_findings f
    JOIN open_cases oc ON oc.id = f.case_id
    JOIN evaluations e ON e.id = f.evaluation_id
),
per_ikm AS (
    SELECT fnd.id AS finding_id, p.ikm_id, sum(p.amount) AS amount
    FROM fnd
    JOIN purchases p ON p.business_id = fnd.business_id AND p.status = 'confirmed'
         AND p.purchase_date BETWEEN fnd.period_start AND fnd.period_end AND p.confirmed_at < fnd.cutoff
         -- Paid before the cutoff (a WIB day) where payment is asked: a
         -- consignment delivery always, any purchase under counts_when: paid.
         AND ((NOT p.consignment AND NOT fnd.paid_only)
              OR (p.paid_on::timestamp AT TIME ZONE 'Asia/Jakarta') < fnd.cutoff)
    GROUP BY fnd.id, p.ikm_id
),
bought AS (
    SELECT finding_id, sum(amount) AS pv, count(*) FILTER (WHERE amount > 0) AS ik
    FROM per_ikm GROUP BY finding_id
),
slots AS (
    SELECT fnd.id AS finding_id,
           sum(o.slots::bigint * (least(coalesce(o.end_date, fnd.period_end), fnd.period_end)
                                  - greatest(o.start_date, fnd.period_start) + 1)) AS slot_days
    FROM fnd
    JOIN outlets o ON o.business_id = fnd.business_id AND o.status = 'confirmed'
         AND o.start_date <= fnd.period_end AND (o.end_date IS NULL OR o.end_date >= fnd.period_start)
         AND o.confirmed_at < fnd.cutoff
    GROUP BY fnd.id
),
judged AS (
    SELECT fnd.id AS finding_id, fnd.case_id, fnd.period,
           coalesce(b.pv, 0)::bigint AS realised_purchase_value,
           coalesce(b.ik, 0)::int AS realised_ikm_count,
           round(coalesce(s.slot_days, 0)::numeric / fnd.days, 2) AS realised_outlet_slots,
           EXISTS (SELECT 1 FROM period_reports r WHERE r.business_id = fnd.business_id
                   AND r.period = fnd.period AND r.submitted_at < fnd.cutoff) AS reported,
           coalesce(b.pv, 0)::numeric * 100 >= fnd.t_pv::numeric * fnd.cp
             AND coalesce(b.ik, 0) * 100 >= fnd.t_ik * fnd.cp
             AND coalesce(s.slot_days, 0) * 100 >= fnd.t_os::bigint * fnd.days * fnd.cp AS met
    FROM fnd
    LEFT JOIN bought b ON b.finding_id = fnd.id
    LEFT JOIN slots s ON s.finding_id = fnd.id
)`

// findingNow is a finding judged against today's records.
type findingNow struct {
	FindingID             int64
	CaseID                int64
	Period                string
	RealisedPurchaseValue int64
	RealisedIKMCount      int
	RealisedOutletSlots   float64
	Reported              bool
	Met                   bool
}

// Cured reports whether the finding is made up.
func (f findingNow) Cured() bool { return f.Reported && f.Met }

// judgeFindings judges the findings of one open case (caseID) as they stand.
func judgeFindings(ctx context.Context, db *gorm.DB, caseID int64) ([]findingNow, error) {
	var out []findingNow
	err := db.WithContext(ctx).Raw(cureSQL+`
		SELECT finding_id, case_id, period, realised_purchase_value, realised_ikm_count,
		       realised_outlet_slots, reported, met
		FROM judged ORDER BY period`, sql.Named("case_id", caseID)).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("sanction: judge findings of case %d: %w", caseID, err)
	}
	return out, nil
}

// caseCured is the event of a case flagged (or no longer flagged) as cured.
var caseCured = audit.Selected{From: "flagged f", Action: "CASE WHEN f.cured THEN 'case.cured' ELSE 'case.uncured' END",
	EntityType: "sanction_case", EntityID: "f.id::text", After: "jsonb_build_object('id', f.id, 'cured', f.cured)"}

// refreshCures flags (or unflags) every open case whose findings are all
// made up, for the reviewer to close with close_cured; it closes nothing
// itself. One statement, with an audit event per case it changes. It
// returns how many cases it newly flagged as cured.
func refreshCures(ctx context.Context, tx *gorm.DB, now time.Time) (int64, error) {
	args := append([]any{sql.Named("now", now.UTC()), sql.Named("case_id", int64(0))}, caseCured.NamedArgs(ctx, now)...)
	var n int64
	err := tx.WithContext(ctx).Raw(cureSQL+`,
		per_case AS (
			SELECT case_id, bool_and(reported AND met) AS cured FROM judged GROUP BY case_id
		), flagged AS (
			UPDATE sanction_cases c
			SET cured_at = CASE WHEN pc.cured THEN CAST(@now AS timestamptz) END, updated_at = @now
			FROM per_case pc
			WHERE c.id = pc.case_id AND (c.cured_at IS NOT NULL) <> pc.cured
			RETURNING c.id, pc.cured
		), logged AS (`+caseCured.Named()+` RETURNING 1)
		SELECT count(*) FILTER (WHERE cured) FROM flagged`, args...).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("sanction: refresh cures: %w", err)
	}
	return n, nil
}
