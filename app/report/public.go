package report

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
	"kemitraan/app/registry"
)

// The public API shows aggregates, the IKM directory and final
// recommendations, nothing else: no case before its recommendation, no
// dispute, no person's contact unless the IKM opted in.

// PublicMaxAge is how long a public answer may be cached, by clients and
// proxies (Cache-Control) and by the server's own statistics cache.
const PublicMaxAge = 5 * time.Minute

// MinPublicGroup is the fewest businesses (evaluated, not exempt) a
// category or kecamatan needs before its compliance rate is published: a
// rate over one or two businesses would name their status.
const MinPublicGroup = 5

// PublicGroup is the compliance of one category or kecamatan as the public
// sees it. Suppressed groups publish no rate.
type PublicGroup struct {
	Key        string
	Name       string
	Evaluated  int64
	Rate       *float64
	Suppressed bool
}

// PublicStats are the aggregate figures of a period.
type PublicStats struct {
	Period        compliance.Period
	Evaluated     int64
	Overall       Rate
	ByCategory    []PublicGroup
	ByKecamatan   []PublicGroup
	Reports       ReportCounts
	PurchaseValue int64
	OutletSlots   float64
	IKM           IKMPeriod
	PerActiveIKM  *int64
	Series        []IKMPeriod
	// Compliance is the overall rate of each period of Series.
	Compliance []PeriodRate
	// Payment is how businesses paid their IKM, categories of fewer than
	// MinPublicGroup businesses suppressed.
	Payment     PaymentStats
	GeneratedAt time.Time
}

// publicCache keeps public statistics for PublicMaxAge per requested
// period, so a busy public page does not recompute them.
type publicCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[string]publicEntry
}

type publicEntry struct {
	at    time.Time
	stats PublicStats
}

// maxPublicEntries bounds the cache: periods are few, but the key is what
// the caller typed.
const maxPublicEntries = 64

func newPublicCache(ttl time.Duration) *publicCache {
	return &publicCache{ttl: ttl, entries: map[string]publicEntry{}}
}

func (c *publicCache) get(key string, now time.Time) (PublicStats, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || now.Sub(e.at) >= c.ttl || now.Before(e.at) {
		return PublicStats{}, false
	}
	return e.stats, true
}

func (c *publicCache) put(key string, now time.Time, st PublicStats) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxPublicEntries {
		clear(c.entries)
	}
	c.entries[key] = publicEntry{at: now, stats: st}
}

// PublicStats returns a period's aggregate figures (raw, or the latest
// evaluated period): compliance rates with small groups suppressed, reports,
// rupiah bought from IKM, outlet slots and the IKM outcomes. No case
// figures: a count of open cases in a small kecamatan would point at a
// business.
func (s *Service) PublicStats(ctx context.Context, raw string) (PublicStats, error) {
	now := s.clock.Now()
	if st, ok := s.public.get(raw, now); ok {
		return st, nil
	}
	pc, err := s.resolvePeriod(ctx, raw, "period")
	if err != nil {
		return PublicStats{}, err
	}
	full, err := s.stats(ctx, pc, false)
	if err != nil {
		return PublicStats{}, err
	}
	out := PublicStats{
		Period: full.Period, Evaluated: full.Evaluated, Overall: full.Overall, Reports: full.Reports,
		PurchaseValue: full.PurchaseValue, OutletSlots: full.OutletSlots, IKM: full.IKM.IKMPeriod,
		PerActiveIKM: full.IKM.PerActiveIKM, Series: full.IKM.Series, Compliance: full.Compliance,
		GeneratedAt: full.GeneratedAt,
		ByCategory:  publicGroups(full.ByCategory), ByKecamatan: publicGroups(full.ByKecamatan),
		Payment: publicPayment(full.Payment),
	}
	s.public.put(raw, now, out)
	return out, nil
}

// publicPayment publishes each category's payment figures unless fewer
// than MinPublicGroup businesses stand behind them (as publicGroups does
// for rates, one suppressed group takes the smallest published one with
// it).
func publicPayment(st PaymentStats) PaymentStats {
	out := PaymentStats{Overall: st.Overall, ByCategory: slices.Clone(st.ByCategory)}
	small := func(g PaymentGroup) bool {
		return (g.Businesses > 0 && g.Businesses < MinPublicGroup) || (g.Payers > 0 && g.Payers < MinPublicGroup)
	}
	hide := func(g *PaymentGroup) {
		*g = PaymentGroup{Key: g.Key, Name: g.Name, Suppressed: true}
	}
	suppressed := 0
	for i := range out.ByCategory {
		if small(out.ByCategory[i]) {
			hide(&out.ByCategory[i])
			suppressed++
		}
	}
	if suppressed == 1 {
		smallest := -1
		for i, g := range out.ByCategory {
			if g.Suppressed || g.Businesses == 0 {
				continue
			}
			if smallest < 0 || g.Businesses < out.ByCategory[smallest].Businesses {
				smallest = i
			}
		}
		if smallest >= 0 {
			hide(&out.ByCategory[smallest])
		}
	}
	return out
}

// publicGroups publishes each group's rate unless fewer than MinPublicGroup
// businesses stand behind it. When exactly one group is suppressed, the
// smallest published one is suppressed too, so the overall figures cannot
// be used to work the hidden one out.
func publicGroups(groups []GroupStats) []PublicGroup {
	out := make([]PublicGroup, len(groups))
	suppressed := 0
	for i, g := range groups {
		out[i] = PublicGroup{Key: g.Key, Name: g.Name, Evaluated: g.Evaluated, Rate: g.Rate.Rate}
		if g.Rate.Base > 0 && g.Rate.Base < MinPublicGroup {
			out[i].Rate, out[i].Suppressed = nil, true
			suppressed++
		}
	}
	if suppressed == 1 {
		smallest := -1
		for i, g := range groups {
			if out[i].Suppressed || g.Rate.Base == 0 {
				continue
			}
			if smallest < 0 || g.Rate.Base < groups[smallest].Rate.Base {
				smallest = i
			}
		}
		if smallest >= 0 {
			out[smallest].Rate, out[smallest].Suppressed = nil, true
		}
	}
	return out
}

// DirectoryFilter narrows the public IKM directory.
type DirectoryFilter struct {
	Sector    string
	Kecamatan string // BPS code
	Q         string // part of the name or products
	Page      int    // 1-based
	PerPage   int
}

// Directory page sizes.
const (
	DefaultDirectoryPerPage = 20
	MaxDirectoryPerPage     = 100
)

// DirectoryEntry is an active IKM as the public sees it. Phone and Email
// are set only when the IKM agreed to publish them.
type DirectoryEntry struct {
	ID            int64
	Name          string
	Sector        string
	Products      string
	KecamatanCode string
	KecamatanName string
	Phone         *string
	Email         *string
}

// Directory is one page of the directory.
type Directory struct {
	Items   []DirectoryEntry
	Page    int
	PerPage int
	Total   int64
}

// IKMDirectory lists active IKM by name. Contact details are chosen in SQL,
// so a phone number the IKM did not publish never leaves the database.
func (s *Service) IKMDirectory(ctx context.Context, f DirectoryFilter) (Directory, error) {
	var c fault.Checker
	if f.Sector != "" && !slices.Contains(registry.Sectors, f.Sector) {
		c.Add("sector", fault.OneOf(registry.Sectors))
	}
	if utf8.RuneCountInString(f.Q) > 100 {
		c.Add("q", "paling banyak 100 karakter")
	}
	if f.Page == 0 {
		f.Page = 1
	}
	if f.Page < 1 || f.Page > 100_000 {
		c.Add("page", "harus antara 1 dan 100000")
	}
	if f.PerPage == 0 {
		f.PerPage = DefaultDirectoryPerPage
	}
	if f.PerPage < 1 || f.PerPage > MaxDirectoryPerPage {
		c.Add("per_page", fmt.Sprintf("harus antara 1 dan %d", MaxDirectoryPerPage))
	}
	if f.Kecamatan != "" {
		var n int64
		if err := s.db.WithContext(ctx).Raw("SELECT count(*) FROM kecamatan WHERE code = ?", f.Kecamatan).Scan(&n).Error; err != nil {
			return Directory{}, fmt.Errorf("report: kecamatan: %w", err)
		}
		if n == 0 {
			c.Add("kecamatan", "kode kecamatan tidak dikenal")
		}
	}
	if err := c.Err(); err != nil {
		return Directory{}, err
	}
	where := []string{"i.status = 'active'"}
	var args []any
	if f.Sector != "" {
		where, args = append(where, "i.sector = ?"), append(args, f.Sector)
	}
	if f.Kecamatan != "" {
		where, args = append(where, "i.kecamatan_code = ?"), append(args, f.Kecamatan)
	}
	if f.Q != "" {
		pattern := database.LikeContaining(f.Q)
		where, args = append(where, "(i.name ILIKE ? OR i.products ILIKE ?)"), append(args, pattern, pattern)
	}
	cond := strings.Join(where, " AND ")
	out := Directory{Page: f.Page, PerPage: f.PerPage, Items: []DirectoryEntry{}}
	db := s.db.WithContext(ctx)
	if err := db.Raw("SELECT count(*) FROM ikms i WHERE "+cond, args...).Scan(&out.Total).Error; err != nil {
		return out, fmt.Errorf("report: count directory: %w", err)
	}
	err := db.Raw(`
		SELECT i.id, i.name, i.sector, i.products, i.kecamatan_code, k.name AS kecamatan_name,
		       CASE WHEN i.public_contact AND i.phone <> '' THEN i.phone END AS phone,
		       CASE WHEN i.public_contact THEN i.email END AS email
		FROM ikms i JOIN kecamatan k ON k.code = i.kecamatan_code
		WHERE `+cond+`
		ORDER BY i.name, i.id LIMIT ? OFFSET ?`,
		append(args, f.PerPage, (f.Page-1)*f.PerPage)...).Scan(&out.Items).Error
	if err != nil {
		return out, fmt.Errorf("report: directory: %w", err)
	}
	return out, nil
}

// Recommendation is a final recommendation to the licensing authority.
type Recommendation struct {
	ID            int64 // the decision's
	BusinessName  string
	Category      string
	KecamatanName string
	Periods       []string
	DecidedAt     time.Time
}

// RecommendationFilter narrows the public recommendations.
type RecommendationFilter struct {
	Period string // a period the recommendation covers
	Q      string // part of the business name
	Cursor int64  // next cursor of the previous page
	Limit  int
}

// Recommendations lists final recommendations, newest first: only cases
// that ended in one, never a case still open.
func (s *Service) Recommendations(ctx context.Context, f RecommendationFilter) ([]Recommendation, int64, error) {
	var c fault.Checker
	if f.Period != "" {
		p, err := compliance.ParsePeriod(f.Period)
		if err != nil {
			c.Add("period", err.Error())
		}
		f.Period = p.String()
	}
	if utf8.RuneCountInString(f.Q) > 100 {
		c.Add("q", "paling banyak 100 karakter")
	}
	if err := c.Err(); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxListLimit {
		limit = DefaultListLimit
	}
	where := []string{"d.decision = 'recommend'", "d.to_stage = 'recommended'", "c.stage = 'recommended'"}
	var args []any
	if f.Cursor > 0 {
		where, args = append(where, "d.id < ?"), append(args, f.Cursor)
	}
	if f.Period != "" {
		where = append(where, "EXISTS (SELECT 1 FROM sanction_findings f WHERE f.case_id = c.id AND f.period = ?)")
		args = append(args, f.Period)
	}
	if f.Q != "" {
		where, args = append(where, "b.name ILIKE ?"), append(args, database.LikeContaining(f.Q))
	}
	type recommendationRow struct {
		ID            int64
		BusinessName  string
		Category      string
		KecamatanName string
		Periods       string
		DecidedAt     time.Time
	}
	var rows []recommendationRow
	err := s.db.WithContext(ctx).Raw(`
		SELECT d.id, b.name AS business_name, b.category, k.name AS kecamatan_name, d.decided_at,
		       (SELECT coalesce(json_agg(f.period ORDER BY f.period), '[]')::text
		        FROM sanction_findings f WHERE f.case_id = c.id) AS periods
		FROM sanction_decisions d
		JOIN sanction_cases c ON c.id = d.case_id
		JOIN businesses b ON b.id = c.business_id
		JOIN kecamatan k ON k.code = b.kecamatan_code
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY d.id DESC LIMIT ?`, append(args, limit+1)...).Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("report: recommendations: %w", err)
	}
	rows, next := database.KeysetPage(rows, limit, func(r recommendationRow) int64 { return r.ID })
	out := make([]Recommendation, len(rows))
	for i, r := range rows {
		out[i] = Recommendation{ID: r.ID, BusinessName: r.BusinessName, Category: r.Category,
			KecamatanName: r.KecamatanName, DecidedAt: r.DecidedAt, Periods: []string{}}
		if err := json.Unmarshal([]byte(r.Periods), &out[i].Periods); err != nil {
			return nil, 0, fmt.Errorf("report: recommendation periods: %w", err)
		}
		sort.Strings(out[i].Periods)
	}
	return out, next, nil
}
