package report

import (
	"strings"

	"gorm.io/gorm"

	"kemitraan/app/compliance"
)

// The sanction list's SQL. One row per evaluated business that is not
// compliant, joined to its business, kecamatan and case (the one holding the
// period's finding, else its open case); each page row then looks up its
// last decision and history through lateral subqueries.
//
// When the filters and the order need nothing but the evaluation (the
// default list), a page first picks its rows from evaluations alone, so
// PostgreSQL keeps only the top rows of its sort instead of sorting and
// joining the whole list; the counts likewise read evaluations alone.

// joins says which tables beyond evaluations e a condition reads.
type joins uint8

const (
	needsBusiness joins = 1 << iota // b: businesses
	needsCase                       // c: the row's case
)

// cond is one filter condition.
type cond struct {
	sql   string
	args  []any
	needs joins
}

// sortCol is one column of a sort key: its name in the list's base query,
// the same value computed from evaluations e alone ("" when it needs a
// join), and its SQL type (to read a cursor's value back).
type sortCol struct{ expr, eval, typ string }

// The shortfall and fulfilment of an evaluation row e.
const (
	missPvExpr     = "greatest(e.target_purchase_value - e.realised_purchase_value, 0)"
	missIkExpr     = "greatest(e.target_ikm_count - e.realised_ikm_count, 0)::bigint"
	missOsExpr     = "greatest(e.target_outlet_slots - e.realised_outlet_slots, 0)"
	fulfilmentExpr = "coalesce(e.mean_ratio, 1)"
)

// listSelect's only parameter is now (for overdue).
var listSelect = `
SELECT e.business_id, b.nib, b.name, lower(b.name) AS name_key, e.category, b.kecamatan_code,
       k.name AS kecamatan_name, e.status, e.report_status,
       e.target_purchase_value AS t_pv, e.realised_purchase_value AS r_pv,
       e.target_ikm_count::bigint AS t_ik, e.realised_ikm_count::bigint AS r_ik,
       e.target_outlet_slots::bigint AS t_os, e.realised_outlet_slots AS r_os, e.mean_ratio,
       ` + missPvExpr + ` AS miss_pv, ` + missIkExpr + ` AS miss_ik, ` + missOsExpr + ` AS miss_os,
       ` + fulfilmentExpr + ` AS fulfilment,
       ` + compliance.TimelinessColumns + `,
       c.id AS case_id, c.stage, c.rung, c.opened_at, c.response_due, c.response_deadline, c.outcome,
       coalesce(c.response_deadline, 'infinity') AS deadline_key,
       coalesce(c.stage = 'lapsed' OR (c.stage = 'warned' AND c.response_deadline <= ?), false) AS overdue`

// listFrom's parameters are the period and the rule set.
var listFrom = `
FROM evaluations e
JOIN businesses b ON b.id = e.business_id
JOIN kecamatan k ON k.code = b.kecamatan_code
` + compliance.TimelinessJoin + `
LEFT JOIN sanction_findings f ON f.business_id = e.business_id AND f.period = e.period
LEFT JOIN sanction_cases oc ON oc.business_id = e.business_id AND oc.stage NOT IN ('closed', 'recommended')
LEFT JOIN sanction_cases c ON c.id = coalesce(f.case_id, oc.id)
WHERE e.period = ? AND e.rule_set_id = ? AND e.status <> 'compliant'`

// wanting is the evaluations on the list, before any filter; its
// parameters are the period and the rule set.
const wanting = `e.period = ? AND e.rule_set_id = ? AND e.status <> 'compliant'`

// needs is every join the filters need.
func (q listQuery) needs() joins {
	var j joins
	for _, c := range q.conds {
		j |= c.needs
	}
	return j
}

// where appends the filters to sql.
func (q listQuery) where(sql string, args []any) (string, []any) {
	for _, c := range q.conds {
		sql += "\n  AND " + c.sql
		args = append(args, c.args...)
	}
	return sql, args
}

// fromEvaluations reports whether a page can be picked from evaluations
// alone: no filter and no sort column needs a join.
func (q listQuery) fromEvaluations() bool {
	if q.needs() != 0 {
		return false
	}
	for _, c := range q.cols {
		if c.eval == "" {
			return false
		}
	}
	return true
}

// orderBy is the ORDER BY list over the sort columns named by col.
func (q listQuery) orderBy(col func(sortCol) string, id string) string {
	dir := " ASC"
	if q.desc {
		dir = " DESC"
	}
	parts := make([]string, 0, len(q.cols)+1)
	for _, c := range q.cols {
		parts = append(parts, col(c)+dir)
	}
	return strings.Join(append(parts, id+dir), ", ")
}

// keyset is the condition "after the cursor" over the sort columns.
func (q listQuery) keyset(col func(sortCol) string, id string) (string, []any) {
	cols := make([]string, 0, len(q.cols)+1)
	params := make([]string, 0, len(q.cols)+1)
	args := make([]any, 0, len(q.cols)+1)
	for i, c := range q.cols {
		cols = append(cols, col(c))
		params = append(params, "CAST(? AS "+c.typ+")")
		args = append(args, q.cursor[i])
	}
	cols = append(cols, id)
	params = append(params, "CAST(? AS bigint)")
	args = append(args, q.cursor[len(q.cols)])
	op := " > "
	if q.desc {
		op = " < "
	}
	return "(" + strings.Join(cols, ", ") + ")" + op + "(" + strings.Join(params, ", ") + ")", args
}

func baseCol(c sortCol) string  { return c.expr }
func evalCol(c sortCol) string  { return c.eval }
func pageCol(c sortCol) string  { return "p." + c.expr }
func (q listQuery) head() []any { return []any{q.period.String(), q.ruleSet.ID} }

// rowsSQL is the ordered list with each row's last decision and history.
// With page, only the rows after the cursor, limit+1 of them (one more
// tells whether a next page exists); without, every row, for an export.
func (q listQuery) rowsSQL(page bool) (string, []any) {
	var sql string
	var args []any
	if page && q.fromEvaluations() {
		top := "WITH top AS (\n  SELECT e.business_id FROM evaluations e WHERE " + wanting
		top, args = q.where(top, q.head())
		if q.cursor != nil {
			ks, ka := q.keyset(evalCol, "e.business_id")
			top += "\n  AND " + ks
			args = append(args, ka...)
		}
		top += "\n  ORDER BY " + q.orderBy(evalCol, "e.business_id") + " LIMIT ?\n)"
		args = append(args, q.pageLimit()+1)
		sql = top + ", p AS (" + listSelect + listFrom + "\n  AND e.business_id IN (SELECT business_id FROM top)\n)"
		args = append(append(args, q.now), q.head()...)
	} else {
		base, bargs := q.where(listSelect+listFrom, append([]any{q.now}, q.head()...))
		inner := "SELECT * FROM base"
		if page && q.cursor != nil {
			ks, ka := q.keyset(baseCol, "business_id")
			inner += " WHERE " + ks
			bargs = append(bargs, ka...)
		}
		inner += " ORDER BY " + q.orderBy(baseCol, "business_id")
		if page {
			inner += " LIMIT ?"
			bargs = append(bargs, q.pageLimit()+1)
		}
		sql = "WITH base AS (" + base + "\n), p AS (" + inner + ")"
		args = bargs
	}
	keys := make([]string, 0, len(q.cols)+1)
	for _, c := range q.cols {
		keys = append(keys, "p."+c.expr)
	}
	sql += `
SELECT ` + rowColumns + `, d.decision AS last_decision, d.rung AS last_rung, d.reviewer_name, d.decided_at, h.history,
       json_build_array(` + strings.Join(append(keys, "p.business_id"), ", ") + `)::text AS cursor_key
FROM p
LEFT JOIN LATERAL (
    SELECT d.decision, d.rung, d.reviewer_name, d.decided_at FROM sanction_decisions d
    WHERE d.case_id = p.case_id ORDER BY d.id DESC LIMIT 1
) d ON true
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_array(x.period, x.status))::text AS history FROM (
        SELECT DISTINCT ON (h.period) h.period, h.status FROM evaluations h
        WHERE h.business_id = p.business_id AND h.period IN ?
        ORDER BY h.period, h.computed_at DESC
    ) x
) h ON true
ORDER BY ` + q.orderBy(pageCol, "p.business_id")
	return sql, append(args, q.history)
}

// rowColumns are the list's columns as rowsSQL returns them, before the
// last decision, history and cursor key; listRow.dest scans them in this
// order.
const rowColumns = `p.business_id, p.nib, p.name, p.category, p.kecamatan_code, p.kecamatan_name, p.status,
       p.report_status, p.t_pv, p.r_pv, p.t_ik, p.r_ik, p.t_os, p.r_os, p.mean_ratio, p.miss_pv, p.miss_ik,
       p.miss_os, p.paid_on_time_value, p.paid_late_value, p.overdue_value, p.share_paid_on_time,
       p.case_id, p.stage, p.rung, p.opened_at, p.response_due, p.response_deadline, p.outcome, p.overdue`

// dest is where rows.Scan puts a row of rowsSQL, column by column.
func (r *listRow) dest() []any {
	return []any{&r.BusinessID, &r.NIB, &r.Name, &r.Category, &r.KecamatanCode, &r.KecamatanName, &r.Status,
		&r.ReportStatus, &r.TPv, &r.RPv, &r.TIk, &r.RIk, &r.TOs, &r.ROs, &r.MeanRatio, &r.MissPv, &r.MissIk,
		&r.MissOs, &r.OnTimePv, &r.LatePv, &r.OverduePv, &r.ShareOnTime, &r.CaseID, &r.Stage, &r.Rung, &r.OpenedAt, &r.ResponseDue, &r.ResponseDeadline, &r.Outcome,
		&r.Overdue, &r.LastDecision, &r.LastRung, &r.ReviewerName, &r.DecidedAt, &r.History, &r.CursorKey}
}

func (q listQuery) pageLimit() int {
	switch {
	case q.limit <= 0:
		return DefaultListLimit
	case q.limit > MaxListLimit:
		return MaxListLimit
	}
	return q.limit
}

// statusCount is the filtered list's size per status.
type statusCount struct {
	Status  string
	N       int64
	Missing int64
	Overdue int64
}

// count counts the whole filtered list by status, with the rupiah missing
// and the overdue cases. Without a filter on cases, the counts read
// evaluations (and businesses, if filtered) alone, and the overdue cases
// are found from the few cases in an overdue stage.
func (q listQuery) count(tx *gorm.DB) ([]statusCount, error) {
	var out []statusCount
	needs := q.needs()
	if needs&needsCase != 0 {
		base, args := q.where(listSelect+listFrom, append([]any{q.now}, q.head()...))
		err := tx.Raw("WITH base AS ("+base+`)
			SELECT status, count(*) AS n, coalesce(sum(miss_pv), 0) AS missing,
			       count(*) FILTER (WHERE overdue) AS overdue
			FROM base GROUP BY status`, args...).Scan(&out).Error
		return out, err
	}
	from := "FROM evaluations e"
	if needs&needsBusiness != 0 {
		from += " JOIN businesses b ON b.id = e.business_id"
	}
	sql, args := q.where("SELECT e.status, count(*) AS n, coalesce(sum("+missPvExpr+"), 0) AS missing "+
		from+" WHERE "+wanting, q.head())
	if err := tx.Raw(sql+" GROUP BY e.status", args...).Scan(&out).Error; err != nil {
		return nil, err
	}
	// An overdue case is open (warned or lapsed), so it is the business's
	// one open case; it is the row's case unless the period's finding
	// belongs to another case.
	sql, args = q.where(`SELECT e.status, count(*) AS overdue `+from+`
		JOIN sanction_cases c ON c.business_id = e.business_id
		     AND (c.stage = 'lapsed' OR (c.stage = 'warned' AND c.response_deadline <= ?))
		LEFT JOIN sanction_findings f ON f.business_id = e.business_id AND f.period = e.period
		WHERE `+wanting+` AND (f.case_id IS NULL OR f.case_id = c.id)`, append([]any{q.now}, q.head()...))
	var overdue []statusCount
	if err := tx.Raw(sql+" GROUP BY e.status", args...).Scan(&overdue).Error; err != nil {
		return nil, err
	}
	for _, o := range overdue {
		for i := range out {
			if out[i].Status == o.Status {
				out[i].Overdue = o.Overdue
			}
		}
	}
	return out, nil
}
