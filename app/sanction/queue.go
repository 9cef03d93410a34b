package sanction

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"kemitraan/app/platform/fault"
	"kemitraan/app/registry"
)

// The reviewer's case queue: open cases by stage, overdue, category and
// kecamatan, in the order the reviewer asks, paged with a total.

// QueueFilter narrows and orders the case queue. Zero fields do not filter.
type QueueFilter struct {
	Stage     Stage
	Overdue   bool // warned cases whose response deadline has passed
	Category  string
	Kecamatan string // a kecamatan code
	All       bool   // closed and recommended cases too
	Sort      string // a key of queueSorts, "-" in front for descending
	Page      int    // 1-based
	PerPage   int
}

// queueSorts are the orders a reviewer may ask for.
var queueSorts = map[string]string{
	"deadline": "c.response_deadline", "opened": "c.opened_at", "business": "b.name", "stage": "c.stage",
	"updated": "c.updated_at",
}

// QueueSorts are the sort keys of the queue, for the pages' column heads.
var QueueSorts = []string{"business", "stage", "deadline", "opened", "updated"}

// QueuePage is one page of the queue and how many cases match.
type QueuePage struct {
	Items   []Case
	Total   int64
	Page    int
	PerPage int
}

const queuePerPage = 25

// Queue lists the cases the filter names, staff only through the scope of
// caseQuery (a company sees its own).
func (s *Service) Queue(ctx context.Context, f QueueFilter) (QueuePage, error) {
	var c fault.Checker
	if f.Stage != "" && !validStage(f.Stage) {
		c.Add("stage", fault.OneOf(Stages))
	}
	if f.Category != "" && !slices.Contains(registry.Categories, f.Category) {
		c.Add("category", fault.OneOf(registry.Categories))
	}
	key, desc := strings.CutPrefix(f.Sort, "-")
	if key == "" {
		key = "deadline"
	}
	column, ok := queueSorts[key]
	c.Check(ok, "sort", fault.OneOf(QueueSorts))
	if f.Page == 0 {
		f.Page = 1
	}
	if f.PerPage == 0 {
		f.PerPage = queuePerPage
	}
	c.Check(f.Page >= 1 && f.Page <= 10_000, "page", "harus antara 1 dan 10000")
	c.Check(f.PerPage >= 1 && f.PerPage <= 100, "per_page", "harus antara 1 dan 100")
	if err := c.Err(); err != nil {
		return QueuePage{}, err
	}
	q := caseQuery(ctx, s.db)
	if f.Stage != "" {
		q = q.Where("c.stage = ?", f.Stage)
	} else if !f.All {
		q = q.Where("c.stage NOT IN ('closed', 'recommended')")
	}
	if f.Overdue {
		q = q.Where("c.stage = 'warned' AND c.response_deadline <= ?", s.clock.Now())
	}
	if f.Category != "" {
		q = q.Where("b.category = ?", f.Category)
	}
	if f.Kecamatan != "" {
		q = q.Where("b.kecamatan_code = ?", f.Kecamatan)
	}
	q = q.Session(&gorm.Session{}) // a base the count and the page both start from
	out := QueuePage{Page: f.Page, PerPage: f.PerPage, Items: []Case{}}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, fmt.Errorf("sanction: count queue: %w", err)
	}
	dir := "ASC NULLS LAST"
	if desc {
		dir = "DESC NULLS LAST"
	}
	var rows []caseListRow
	if err := q.Select(caseColumns).Order(column + " " + dir + ", c.id").Limit(f.PerPage).
		Offset((f.Page - 1) * f.PerPage).Scan(&rows).Error; err != nil {
		return out, fmt.Errorf("sanction: queue: %w", err)
	}
	for _, r := range rows {
		out.Items = append(out.Items, r.toCase())
	}
	return out, nil
}
