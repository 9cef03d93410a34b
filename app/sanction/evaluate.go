package sanction

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/audit"
	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
)

// EvaluationResult is what evaluating one period did: the evaluation's
// counts and the cases it opened or extended.
type EvaluationResult struct {
	compliance.EvaluationRun
	CasesOpened   int64 `json:"cases_opened"`
	FindingsAdded int64 `json:"findings_added"`
	CasesCured    int64 `json:"cases_cured"`
}

// EvaluatePeriod evaluates every business for p and files the findings, in
// one transaction: each non_compliant or not_reported evaluation without a
// finding yet becomes a finding of the business's open case, or of a new
// case queued for a reviewer. It issues no warning. Running it again over
// the same data changes nothing.
func EvaluatePeriod(ctx context.Context, db *gorm.DB, p compliance.Period, now time.Time) (EvaluationResult, error) {
	ctx = systemIfAnonymous(ctx)
	rs, err := compliance.CheckEvaluable(ctx, db, p, now)
	if err != nil {
		return EvaluationResult{}, err
	}
	var res EvaluationResult
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		run, err := compliance.Evaluate(ctx, tx, p, rs, now)
		if err != nil {
			return err
		}
		res.EvaluationRun = run
		if res.CasesOpened, res.FindingsAdded, err = fileFindings(ctx, tx, p, rs.ID, now); err != nil {
			return err
		}
		if res.CasesCured, err = refreshCures(ctx, tx, now); err != nil {
			return err
		}
		if run.Inserted+run.Updated+res.FindingsAdded == 0 {
			return nil // nothing changed: nothing to record
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "evaluation.run", EntityType: "period",
			EntityID: p.String(), After: res})
	})
	if err != nil {
		return EvaluationResult{}, err
	}
	return res, nil
}

func systemIfAnonymous(ctx context.Context) context.Context {
	if !actor.From(ctx).Authenticated() {
		return actor.With(ctx, actor.SystemActor)
	}
	return ctx
}

// The events of the cases evaluation opens and of the findings it files.
var (
	caseOpened = audit.Selected{From: "opened o", Action: "'case.open'", EntityType: "sanction_case",
		EntityID: "o.id::text",
		After:    "jsonb_build_object('id', o.id, 'business_id', o.business_id, 'stage', 'queued', 'period', CAST(@period AS text))"}
	findingAdded = audit.Selected{From: "added a", Action: "'case.finding'", EntityType: "sanction_case",
		EntityID: "a.case_id::text",
		After:    "jsonb_build_object('finding_id', a.id, 'business_id', a.business_id, 'period', CAST(@period AS text), 'status', a.status)"}
)

// fileFindings opens a case for each business found wanting in p that has no
// open case, then attaches every new finding to its business's open case.
// Both steps are single statements writing their audit events alongside
// (audit.Record writes one row; these write one per case or finding, still
// in one statement).
func fileFindings(ctx context.Context, tx *gorm.DB, p compliance.Period, ruleSetID int64, now time.Time) (opened, added int64, err error) {
	args := []any{sql.Named("now", now.UTC()), sql.Named("period", p.String()), sql.Named("rs", ruleSetID)}
	err = tx.WithContext(ctx).Raw(`
		WITH wanting AS (
			SELECT e.business_id
			FROM evaluations e
			WHERE e.period = @period AND e.rule_set_id = @rs AND e.status IN ('non_compliant', 'not_reported')
			  AND NOT EXISTS (SELECT 1 FROM sanction_findings f WHERE f.business_id = e.business_id AND f.period = e.period)
			  AND NOT EXISTS (SELECT 1 FROM sanction_cases c WHERE c.business_id = e.business_id
			                  AND c.stage NOT IN ('closed', 'recommended'))
		), opened AS (
			INSERT INTO sanction_cases (business_id, stage, rung, rule_set_id, opened_at, updated_at)
			SELECT business_id, 'queued', 0, @rs, @now, @now FROM wanting
			ON CONFLICT (business_id) WHERE stage NOT IN ('closed', 'recommended') DO NOTHING
			RETURNING id, business_id
		), logged AS (`+caseOpened.Named()+` RETURNING 1)
		SELECT count(*) FROM logged`, append(args, caseOpened.NamedArgs(ctx, now)...)...).Scan(&opened).Error
	if err != nil {
		return 0, 0, fmt.Errorf("sanction: open cases for %s: %w", p, err)
	}
	err = tx.WithContext(ctx).Raw(`
		WITH added AS (
			INSERT INTO sanction_findings (case_id, business_id, evaluation_id, period, status,
				target_purchase_value, target_ikm_count, target_outlet_slots,
				realised_purchase_value, realised_ikm_count, realised_outlet_slots, report_status, found_at)
			SELECT c.id, e.business_id, e.id, e.period, e.status,
				e.target_purchase_value, e.target_ikm_count, e.target_outlet_slots,
				e.realised_purchase_value, e.realised_ikm_count, e.realised_outlet_slots, e.report_status, @now
			FROM evaluations e
			JOIN sanction_cases c ON c.business_id = e.business_id AND c.stage NOT IN ('closed', 'recommended')
			WHERE e.period = @period AND e.rule_set_id = @rs AND e.status IN ('non_compliant', 'not_reported')
			ON CONFLICT (business_id, period) DO NOTHING
			RETURNING id, case_id, business_id, status
		), touched AS (
			-- A new finding makes the case news again for the cure check (a
			-- data-modifying CTE runs whether or not it is read).
			UPDATE sanction_cases c SET updated_at = @now, cured_at = NULL
			FROM (SELECT DISTINCT case_id FROM added) a WHERE c.id = a.case_id
			RETURNING c.id
		), logged AS (`+findingAdded.Named()+` RETURNING 1)
		SELECT count(*) FROM logged`, append(args, findingAdded.NamedArgs(ctx, now)...)...).Scan(&added).Error
	if err != nil {
		return 0, 0, fmt.Errorf("sanction: attach findings for %s: %w", p, err)
	}
	return opened, added, nil
}
