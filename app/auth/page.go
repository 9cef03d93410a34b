package auth

import (
	"database/sql"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PageRequest asks for one page of a list; zero values mean the first page
// of DefaultPerPage.
type PageRequest struct {
	Page    int
	PerPage int
}

const (
	DefaultPerPage = 50
	MaxPerPage     = 100
)

// Page is one page of a list with the total count of matching records.
type Page[T any] struct {
	Items   []T
	Total   int64
	Page    int
	PerPage int
}

func (p PageRequest) normalised() PageRequest {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.PerPage < 1 {
		p.PerPage = DefaultPerPage
	}
	if p.PerPage > MaxPerPage {
		p.PerPage = MaxPerPage
	}
	return p
}

// paginate counts q and reads one page of it in order.
func paginate[T any](q *gorm.DB, p PageRequest, order string) (Page[T], error) {
	p = p.normalised()
	out := Page[T]{Items: []T{}, Page: p.Page, PerPage: p.PerPage}
	if err := q.Session(&gorm.Session{}).Count(&out.Total).Error; err != nil {
		return out, fmt.Errorf("auth: count: %w", err)
	}
	if err := q.Order(order).Limit(p.PerPage).Offset((p.Page - 1) * p.PerPage).Find(&out.Items).Error; err != nil {
		return out, fmt.Errorf("auth: list: %w", err)
	}
	return out, nil
}

var lockForUpdate = clause.Locking{Strength: "UPDATE"}

func isNoRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows) || errors.Is(err, gorm.ErrRecordNotFound)
}
