// Package partnership holds what a business promises and gives its IKM
// partners: partnership agreements (drafted by the company, decided by an
// officer), outlet space (recorded by the company, confirmed by the IKM) and
// the period reports in which a company declares a period complete.
//
// Every state change goes through one transition table per record, runs in
// one transaction with its audit event, and is scoped: a company sees only
// its own business's records, an IKM only those naming it; anything else is
// "not found".
package partnership

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/files"
)

// RuleSource finds the rule set in force on a day (the last day of a
// period), which decides period kinds and report deadlines.
type RuleSource func(ctx context.Context, db *gorm.DB, day time.Time) (compliance.RuleSet, error)

// Service is the partnership domain over one database.
type Service struct {
	db    *gorm.DB
	clock clock.Clock
	files *files.Store
	rules RuleSource
}

// New returns the service. store keeps signed agreement documents; rules
// gives the rule set for period reports (nil: the stored rule sets,
// compliance.RuleSetAt).
func New(db *gorm.DB, c clock.Clock, store *files.Store, rules RuleSource) *Service {
	if c == nil {
		c = clock.System{}
	}
	if rules == nil {
		rules = storedRules
	}
	return &Service{db: db, clock: c, files: store, rules: rules}
}

func storedRules(ctx context.Context, db *gorm.DB, day time.Time) (compliance.RuleSet, error) {
	rs, err := compliance.RuleSetAt(ctx, db, day)
	return rs.RuleSet, err
}

// Limits that keep a typo from becoming a record.
const (
	maxTargetPurchaseValue = 1_000_000_000_000 // Rp1 trillion per period
	maxCount               = 10_000
	maxIKMsPerAgreement    = 500
	maxTextLen             = 500
	maxReasonLen           = 2000
	maxYearsSpan           = 10
)

// Page asks for one page of a keyset-paginated list: rows with an id below
// Cursor (0 = from the newest), at most Limit of them.
type Page struct {
	Cursor int64
	Limit  int
}

// limit returns the page size, defaulting to 50 and capped at 200.
func (p Page) limit() int { return database.PageSize(p.Limit) }

// parseDate reads a YYYY-MM-DD date for field into *dst, recording why not in c.
func parseDate(c *fault.Checker, field, raw string, required bool, dst *time.Time) bool {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		if required {
			c.Add(field, "wajib diisi (YYYY-MM-DD)")
		}
		return false
	}
	t, err := time.Parse(time.DateOnly, raw)
	if err != nil {
		c.Add(field, "tanggal tidak valid: tulis YYYY-MM-DD")
		return false
	}
	if t.Year() < 2000 || t.Year() > 2100 {
		c.Add(field, "tahun harus antara 2000 dan 2100")
		return false
	}
	*dst = t
	return true
}

// requireText trims *s and checks it is present and not too long.
func requireText(c *fault.Checker, field string, s *string, max int) {
	*s = strings.TrimSpace(*s)
	switch {
	case *s == "":
		c.Add(field, "wajib diisi")
	case len([]rune(*s)) > max:
		c.Add(field, fmt.Sprintf("paling banyak %d karakter", max))
	}
}

// today is the calendar date of now in WIB, as a date value.
func (s *Service) today() time.Time { return clock.DateIn(s.clock.Now()) }

// ownBusiness resolves which business a write is for: a company user or
// token acts for its own business only (asking for another is "not found",
// as if it did not exist); staff name one.
func ownBusiness(a actor.Actor, requested int64, c *fault.Checker) int64 {
	if a.BusinessID != 0 {
		if requested != 0 && requested != a.BusinessID {
			c.Add("business_id", "hanya dapat diisi dengan usaha Anda sendiri")
		}
		return a.BusinessID
	}
	if requested <= 0 {
		c.Add("business_id", "wajib diisi")
	}
	return requested
}

// scopeByBusiness narrows q (over a table with business_id, aliased as
// alias) to what a is allowed to see; staff see all.
func scopeByBusiness(q *gorm.DB, a actor.Actor, alias string) *gorm.DB {
	switch {
	case a.Staff():
		return q
	case a.BusinessID != 0:
		return q.Where(alias+".business_id = ?", a.BusinessID)
	default:
		return q.Where("false")
	}
}

// businessState reads a business's status for validation ("" when absent).
func businessState(ctx context.Context, tx *gorm.DB, id int64) (string, error) {
	var status []string
	if err := tx.WithContext(ctx).Table("businesses").Where("id = ?", id).Pluck("status", &status).Error; err != nil {
		return "", fmt.Errorf("partnership: business %d: %w", id, err)
	}
	if len(status) == 0 {
		return "", nil
	}
	return status[0], nil
}

// ikmStates reads the status of each IKM in ids in one query.
func ikmStates(ctx context.Context, tx *gorm.DB, ids []int64) (map[int64]string, error) {
	var rows []struct {
		ID     int64
		Status string
	}
	if len(ids) > 0 {
		if err := tx.WithContext(ctx).Table("ikms").Select("id, status").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("partnership: ikms: %w", err)
		}
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Status
	}
	return out, nil
}

// conflictState is the 409 for an action the record's state forbids; the
// problem carries current_status so a client can refresh its view.
func conflictState(code, detail, current string) *fault.Error {
	e := fault.Conflict(code, detail)
	e.Extra = map[string]any{"current_status": current}
	return e
}
