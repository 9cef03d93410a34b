package report

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
	"kemitraan/app/registry"
	"kemitraan/app/sanction"
)

// ListStatuses are the evaluation statuses on the sanction list: every one
// but compliant.
var ListStatuses = []string{
	compliance.StatusPartial, compliance.StatusNonCompliant, compliance.StatusNotReported, compliance.StatusExempt,
}

// StageNone filters the rows without a case.
const StageNone = "none"

// HistoryPeriods is how many periods, up to and including the listed one,
// each row's history shows.
const HistoryPeriods = 4

// Page sizes of the sanction list.
const (
	DefaultListLimit = 50
	MaxListLimit     = 200
)

// DefaultListSort puts the largest shortfall first.
const DefaultListSort = "-shortfall"

// ListFilter narrows and orders the sanction list. Zero values mean "any"
// (Period: the latest evaluated period).
type ListFilter struct {
	Period    string
	Statuses  []string // some of ListStatuses
	Stage     string   // a case stage, or StageNone
	Category  string
	Kecamatan string // BPS code
	// Overdue keeps the rows whose case's response window has passed
	// unanswered: lapsed, or warned with the deadline behind.
	Overdue bool
	Q       string // part of the business's name or NIB
	Sort    string // a key of listSorts, "-" in front for descending
	Cursor  string // next_cursor of the previous page
	Limit   int
}

// listSorts are the orders the list offers (listsql.go says how each is
// computed). Every order ends with the business id, so a keyset cursor names
// a row exactly. shortfall compares the missing rupiah first, then missing
// IKM, then missing outlet slots.
var listSorts = map[string][]sortCol{
	"shortfall":  {{"miss_pv", missPvExpr, "bigint"}, {"miss_ik", missIkExpr, "bigint"}, {"miss_os", missOsExpr, "numeric"}},
	"fulfilment": {{"fulfilment", fulfilmentExpr, "numeric"}},
	"name":       {{"name_key", "", "text"}},
	"nib":        {{"nib", "", "text"}},
	"kecamatan":  {{"kecamatan_name", "", "text"}},
	"deadline":   {{"deadline_key", "", "timestamptz"}},
}

// SortKeys lists the sort keys, for documents and messages.
func SortKeys() []string {
	keys := make([]string, 0, len(listSorts))
	for k := range listSorts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Metric is one obligation in rupiah or a count: what the rule set asked,
// what was realised, and what is missing (never below zero).
type Metric struct {
	Target, Realised, Missing int64
}

// SlotMetric is the outlet obligation: average slots in place over the
// period, with two decimals.
type SlotMetric struct {
	Target            int64
	Realised, Missing float64
}

// CaseSummary is the case a row shows: the one holding this period's
// finding, else the business's open case.
type CaseSummary struct {
	ID               int64
	Stage            string
	Rung             int
	Open             bool
	OpenedAt         time.Time
	ResponseDue      *time.Time // last day to answer (a date)
	ResponseDeadline *time.Time // the instant the answer is late
	Overdue          bool
	Outcome          string
}

// DecisionSummary is the last decision on a case and who took it.
type DecisionSummary struct {
	Decision     string
	Rung         int
	ReviewerName string
	DecidedAt    time.Time
}

// PeriodStatus is a business's evaluation status in one period, "" when it
// was not evaluated.
type PeriodStatus struct {
	Period, Status string
}

// SanctionRow is one business on the sanction list.
type SanctionRow struct {
	BusinessID    int64
	NIB           string
	Name          string
	Category      string
	KecamatanCode string
	KecamatanName string
	Status        string
	ReportStatus  string // on_time, late or missing
	PurchaseValue Metric
	IKMCount      Metric
	OutletSlots   SlotMetric
	MeanRatio     *float64 // mean fulfilment, each metric capped at 1; nil without targets
	Payment       Timeliness
	Case          *CaseSummary
	LastDecision  *DecisionSummary
	History       []PeriodStatus // HistoryPeriods entries, oldest first, ending with the listed period
	// Streak is how many periods running, up to the listed one, the
	// business was non_compliant or not_reported.
	Streak int
}

// Timeliness is how a business paid its IKM for the period's purchases,
// as the evaluation recorded it at the report due date: rupiah paid within
// terms, paid late, and unpaid past due, and the share paid on time (nil
// when nothing was paid or due).
type Timeliness struct {
	OnTime, Late, Overdue int64
	Share                 *float64
}

// SanctionList is one page of the list with figures over the whole
// filtered list.
type SanctionList struct {
	Period               compliance.Period
	RuleSet              string
	Rows                 []SanctionRow
	Next                 string // cursor of the next page, "" on the last
	Total                int64
	ByStatus             map[string]int64
	MissingPurchaseValue int64 // rupiah, over the whole filtered list
	Overdue              int64
}

// listQuery is a validated filter turned into SQL pieces.
type listQuery struct {
	period  compliance.Period
	ruleSet compliance.StoredRuleSet
	now     time.Time
	conds   []cond
	cols    []sortCol
	desc    bool
	cursor  []string
	limit   int
	history []string
}

// prepareList validates f, reporting every bad parameter at once, and
// resolves the period.
func (s *Service) prepareList(ctx context.Context, f ListFilter) (listQuery, error) {
	var c fault.Checker
	q := listQuery{now: s.clock.Now().UTC(), limit: f.Limit}
	for _, st := range f.Statuses {
		switch {
		case st == compliance.StatusCompliant:
			c.Add("status", "usaha yang patuh tidak masuk daftar sanksi")
		case !slices.Contains(ListStatuses, st):
			c.Add("status", fmt.Sprintf("status %q tidak dikenal; pilih dari %s", st, strings.Join(ListStatuses, ", ")))
		}
	}
	if f.Stage != "" && f.Stage != StageNone && !slices.Contains(sanction.Stages, sanction.Stage(f.Stage)) {
		c.Add("stage", "tahap tidak dikenal; pilih dari "+stageNames()+" atau none (tanpa kasus)")
	}
	if f.Category != "" && !slices.Contains(registry.Categories, f.Category) {
		c.Add("category", fault.OneOf(registry.Categories))
	}
	if utf8.RuneCountInString(f.Q) > 100 {
		c.Add("q", "paling banyak 100 karakter")
	}
	sortKey := f.Sort
	if sortKey == "" {
		sortKey = DefaultListSort
	}
	q.desc = strings.HasPrefix(sortKey, "-")
	cols, ok := listSorts[strings.TrimPrefix(sortKey, "-")]
	if !ok {
		c.Add("sort", "urutan tidak dikenal; pilih dari "+strings.Join(SortKeys(), ", ")+" (awali dengan - untuk menurun)")
	}
	q.cols = cols
	if f.Cursor != "" && ok {
		vals, err := decodeCursor(f.Cursor, cols)
		if err != nil {
			c.Add("cursor", "kursor tidak valid; pakai next_cursor dari halaman sebelumnya dengan urutan yang sama")
		}
		q.cursor = vals
	}
	if f.Kecamatan != "" {
		var n int64
		if err := s.db.WithContext(ctx).Raw("SELECT count(*) FROM kecamatan WHERE code = ?", f.Kecamatan).Scan(&n).Error; err != nil {
			return q, fmt.Errorf("report: kecamatan: %w", err)
		}
		if n == 0 {
			c.Add("kecamatan", "kode kecamatan tidak dikenal")
		}
	}
	pc, err := s.resolvePeriod(ctx, f.Period, "period")
	if fe, ok := fault.As(err); ok && fe.Kind == fault.KindInvalid {
		for _, fld := range fe.Fields {
			c.Add(fld.Field, fld.Reason)
		}
	} else if err != nil {
		return q, err
	}
	if err := c.Err(); err != nil {
		return q, err
	}
	q.period, q.ruleSet = pc.Period, pc.RuleSet
	q.history = periodStrings(lastPeriods(pc.Period, HistoryPeriods))

	add := func(needs joins, sql string, a ...any) {
		q.conds = append(q.conds, cond{sql: sql, args: a, needs: needs})
	}
	if sql, args := actor.From(ctx).BusinessScope("e.business_id"); sql != "true" {
		add(0, sql, args...)
	}
	if len(f.Statuses) > 0 {
		add(0, "e.status IN ?", f.Statuses)
	}
	switch f.Stage {
	case "":
	case StageNone:
		add(needsCase, "c.id IS NULL")
	default:
		add(needsCase, "c.stage = ?", f.Stage)
	}
	if f.Category != "" {
		add(0, "e.category = ?", f.Category)
	}
	if f.Kecamatan != "" {
		add(needsBusiness, "b.kecamatan_code = ?", f.Kecamatan)
	}
	if f.Overdue {
		add(needsCase, "(c.stage = 'lapsed' OR (c.stage = 'warned' AND c.response_deadline <= ?))", q.now)
	}
	if f.Q != "" {
		pattern := database.LikeContaining(f.Q)
		add(needsBusiness, "(b.name ILIKE ? OR b.nib LIKE ?)", pattern, pattern)
	}
	return q, nil
}

func stageNames() string {
	names := make([]string, len(sanction.Stages))
	for i, st := range sanction.Stages {
		names[i] = string(st)
	}
	return strings.Join(names, ", ")
}

// listRow is one row as the query returns it.
type listRow struct {
	BusinessID       int64
	NIB              string `gorm:"column:nib"`
	Name             string
	Category         string
	KecamatanCode    string
	KecamatanName    string
	Status           string
	ReportStatus     string
	TPv              int64   `gorm:"column:t_pv"`
	RPv              int64   `gorm:"column:r_pv"`
	TIk              int64   `gorm:"column:t_ik"`
	RIk              int64   `gorm:"column:r_ik"`
	TOs              int64   `gorm:"column:t_os"`
	ROs              float64 `gorm:"column:r_os"`
	MeanRatio        *float64
	MissPv           int64   `gorm:"column:miss_pv"`
	MissIk           int64   `gorm:"column:miss_ik"`
	MissOs           float64 `gorm:"column:miss_os"`
	OnTimePv         int64
	LatePv           int64
	OverduePv        int64
	ShareOnTime      *float64
	CaseID           *int64
	Stage            *string
	Rung             *int
	OpenedAt         *time.Time
	ResponseDue      *time.Time
	ResponseDeadline *time.Time
	Outcome          *string
	Overdue          bool
	LastDecision     *string
	LastRung         *int
	ReviewerName     *string
	DecidedAt        *time.Time
	History          *string
	CursorKey        string
}

func (r listRow) row(history []string) SanctionRow {
	out := SanctionRow{
		BusinessID: r.BusinessID, NIB: r.NIB, Name: r.Name, Category: r.Category,
		KecamatanCode: r.KecamatanCode, KecamatanName: r.KecamatanName,
		Status: r.Status, ReportStatus: r.ReportStatus,
		PurchaseValue: Metric{Target: r.TPv, Realised: r.RPv, Missing: r.MissPv},
		IKMCount:      Metric{Target: r.TIk, Realised: r.RIk, Missing: r.MissIk},
		OutletSlots:   SlotMetric{Target: r.TOs, Realised: r.ROs, Missing: r.MissOs},
		MeanRatio:     r.MeanRatio,
		Payment:       Timeliness{OnTime: r.OnTimePv, Late: r.LatePv, Overdue: r.OverduePv, Share: r.ShareOnTime},
	}
	if r.CaseID != nil {
		cs := &CaseSummary{ID: *r.CaseID, Stage: deref(r.Stage), Rung: derefInt(r.Rung),
			ResponseDue: r.ResponseDue, ResponseDeadline: r.ResponseDeadline, Overdue: r.Overdue,
			Outcome: deref(r.Outcome)}
		cs.Open = sanction.Stage(cs.Stage).Open()
		if r.OpenedAt != nil {
			cs.OpenedAt = *r.OpenedAt
		}
		out.Case = cs
	}
	if r.LastDecision != nil && r.DecidedAt != nil {
		out.LastDecision = &DecisionSummary{Decision: *r.LastDecision, Rung: derefInt(r.LastRung),
			ReviewerName: deref(r.ReviewerName), DecidedAt: *r.DecidedAt}
	}
	seen := map[string]string{}
	if r.History != nil {
		var pairs [][2]string
		if err := json.Unmarshal([]byte(*r.History), &pairs); err == nil {
			for _, p := range pairs {
				seen[p[0]] = p[1]
			}
		}
	}
	out.History = make([]PeriodStatus, len(history))
	for i, p := range history {
		out.History[i] = PeriodStatus{Period: p, Status: seen[p]}
	}
	for i := len(out.History) - 1; i >= 0; i-- {
		st := out.History[i].Status
		if st != compliance.StatusNonCompliant && st != compliance.StatusNotReported {
			break
		}
		out.Streak++
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefInt(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}

// SanctionList returns one page of the sanction list for a period, with
// counts over the whole filtered list.
func (s *Service) SanctionList(ctx context.Context, f ListFilter) (SanctionList, error) {
	q, err := s.prepareList(ctx, f)
	if err != nil {
		return SanctionList{}, err
	}
	out := SanctionList{Period: q.period, RuleSet: q.ruleSet.Version, ByStatus: map[string]int64{}}
	err = s.readOnly(ctx, func(tx *gorm.DB) error {
		// The page is the top of the whole filtered list, sorted: with the
		// default 4MB the sort of 100,000 rows spills to disk.
		if err := tx.Exec("SET LOCAL work_mem = '32MB'").Error; err != nil {
			return err
		}
		counts, err := q.count(tx)
		if err != nil {
			return err
		}
		for _, st := range ListStatuses {
			out.ByStatus[st] = 0
		}
		for _, c := range counts {
			out.ByStatus[c.Status] = c.N
			out.Total += c.N
			out.MissingPurchaseValue += c.Missing
			out.Overdue += c.Overdue
		}
		sql, args := q.rowsSQL(true)
		var rows []listRow
		if err := tx.Raw(sql, args...).Scan(&rows).Error; err != nil {
			return fmt.Errorf("report: sanction list: %w", err)
		}
		if len(rows) > q.pageLimit() {
			rows = rows[:q.pageLimit()]
			out.Next = encodeCursor(rows[len(rows)-1].CursorKey)
		}
		out.Rows = make([]SanctionRow, len(rows))
		for i, r := range rows {
			out.Rows[i] = r.row(q.history)
		}
		return nil
	})
	return out, err
}

// eachRow streams every row of the list, in order, to fn: rows are read
// from the database cursor as they come, so memory does not grow with the
// list. start runs once the query has been accepted, before the first row,
// so that a failing query can still be answered with a problem.
func (s *Service) eachRow(ctx context.Context, q listQuery, start func() error, fn func(SanctionRow) error) error {
	return s.readOnly(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL work_mem = '32MB'").Error; err != nil {
			return err
		}
		sql, args := q.rowsSQL(false)
		rows, err := tx.Raw(sql, args...).Rows()
		if err != nil {
			return fmt.Errorf("report: sanction list export: %w", err)
		}
		defer rows.Close()
		if err := start(); err != nil {
			return err
		}
		for rows.Next() {
			var r listRow
			if err := rows.Scan(r.dest()...); err != nil {
				return fmt.Errorf("report: sanction list export row: %w", err)
			}
			if err := fn(r.row(q.history)); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// A cursor is the last row's sort values, as JSON, in base64url: opaque to
// clients, and read back into typed parameters.
func encodeCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeCursor(cursor string, cols []sortCol) ([]string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var vals []any
	if err := dec.Decode(&vals); err != nil {
		return nil, err
	}
	if len(vals) != len(cols)+1 {
		return nil, fmt.Errorf("cursor has %d values, want %d", len(vals), len(cols)+1)
	}
	types := make([]string, 0, len(cols)+1)
	for _, c := range cols {
		types = append(types, c.typ)
	}
	types = append(types, "bigint") // the business id
	out := make([]string, len(vals))
	for i, v := range vals {
		switch x := v.(type) {
		case json.Number:
			out[i] = x.String()
		case string:
			out[i] = x
		default:
			return nil, fmt.Errorf("cursor value %d is %T", i, v)
		}
		// Each value must read as its column's type, so a forged cursor is
		// a 422 and never a database error.
		switch types[i] {
		case "bigint":
			_, err = strconv.ParseInt(out[i], 10, 64)
		case "numeric":
			_, err = strconv.ParseFloat(out[i], 64)
		case "timestamptz":
			if out[i] != "infinity" {
				_, err = time.Parse(time.RFC3339Nano, out[i])
			}
		}
		if err != nil {
			return nil, fmt.Errorf("cursor value %d: %w", i, err)
		}
	}
	return out, nil
}
