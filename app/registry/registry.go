// Package registry keeps the two registries the Dinas maintains, large
// businesses and IKM, and the kecamatan reference list: create, read,
// update, list and deactivate (never delete), field verification of IKM, and
// the all-or-nothing bulk import of both from CSV or XLSX.
//
// Reads are scoped by the actor in the context: staff see every record, a
// company user only its own business, an IKM user only its own IKM; any
// other record is "not found". Who may write is the API's permission table;
// every write here runs in one transaction with its audit event.
package registry

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/fault"
)

// Service is the registries' domain logic over one database.
type Service struct {
	db    *gorm.DB
	clock clock.Clock
}

// New returns a Service.
func New(db *gorm.DB, clk clock.Clock) *Service {
	return &Service{db: db, clock: clk}
}

// today is the current date in WIB, as a UTC midnight (the way a date
// column is read back).
func (s *Service) today() time.Time { return clock.Today(s.clock) }

// Business categories the regulation names, in the order forms show them.
var Categories = []string{"industrial_estate", "factory", "hotel", "restaurant", "modern_retail", "other"}

// CategoryNames are the categories as people read them.
var CategoryNames = map[string]string{
	"industrial_estate": "Kawasan industri", "factory": "Pabrik", "hotel": "Hotel",
	"restaurant": "Restoran", "modern_retail": "Ritel modern", "other": "Lainnya",
}

// BusinessStatuses: closed is what deactivation sets; exempt is set by hand.
var BusinessStatuses = []string{"active", "closed", "exempt"}

// Sectors are the IKM sectors the ikms table's CHECK allows.
var Sectors = []string{"batik", "anyaman", "kayu", "makanan", "minuman", "fesyen", "kerajinan", "logam", "kimia", "lainnya"}

// IKMStatuses: inactive is what deactivation sets.
var IKMStatuses = []string{"active", "inactive"}

const (
	CategoryIndustrialEstate = "industrial_estate"
	CategoryFactory          = "factory"
	StatusActive             = "active"
	StatusClosed             = "closed"
	StatusInactive           = "inactive"
)

// Pagination bounds for every list.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100
	maxPage        = 100_000
)

// Page is one page of a list with the total number of matching records.
type Page[T any] struct {
	Items   []T
	Page    int
	PerPage int
	Total   int64
}

// Paging is what a caller asks for; zero values mean the defaults.
type Paging struct {
	Page    int
	PerPage int
}

func (p *Paging) check(c *fault.Checker) {
	if p.Page == 0 {
		p.Page = 1
	}
	if p.PerPage == 0 {
		p.PerPage = DefaultPerPage
	}
	c.Check(p.Page >= 1 && p.Page <= maxPage, "page", fmt.Sprintf("harus antara 1 dan %d", maxPage))
	c.Check(p.PerPage >= 1 && p.PerPage <= MaxPerPage, "per_page", fmt.Sprintf("harus antara 1 dan %d", MaxPerPage))
}

func (p Paging) offset() int { return (p.Page - 1) * p.PerPage }

// sortKeys maps the sort names a caller may use to SQL expressions.
type sortKeys map[string]string

// orderBy turns "name" or "-name" into an ORDER BY clause ending in the id,
// so pages are stable; unknown keys are a field error.
func (k sortKeys) orderBy(c *fault.Checker, sort, fallback, idColumn string) string {
	sort = strings.TrimSpace(sort)
	if sort == "" {
		sort = fallback
	}
	dir := "ASC"
	if strings.HasPrefix(sort, "-") {
		dir, sort = "DESC", sort[1:]
	}
	expr, ok := k[sort]
	if !ok {
		names := slices.Sorted(maps.Keys(k))
		c.Add("sort", "urutan tidak dikenal; pakai salah satu dari: "+strings.Join(names, ", ")+" (awali dengan - untuk menurun)")
		return ""
	}
	return expr + " " + dir + ", " + idColumn + " " + dir
}

// businessScope restricts a query over businesses (aliased b) to what a may
// see: staff everything, a company (or its ERP token) its own business,
// anyone else nothing.
func businessScope(q *gorm.DB, a actor.Actor) *gorm.DB {
	switch {
	case a.Staff():
		return q
	case a.BusinessID != 0:
		return q.Where("b.id = ?", a.BusinessID)
	default:
		return q.Where("false")
	}
}

// ikmScope is businessScope for IKM (aliased i): an IKM user sees its own.
func ikmScope(q *gorm.DB, a actor.Actor) *gorm.DB {
	switch {
	case a.Staff():
		return q
	case a.IKMID != 0:
		return q.Where("i.id = ?", a.IKMID)
	default:
		return q.Where("false")
	}
}
