package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
)

// Stored is an audit event as read back.
type Stored struct {
	ID          int64
	OccurredAt  time.Time
	ActorUserID *int64
	Actor       string
	ActorRole   string
	Action      string
	EntityType  string
	EntityID    string
	Before      json.RawMessage
	After       json.RawMessage
	RequestID   string
	IP          string
}

// Filter narrows the event list. Zero fields do not filter. Before is the
// keyset cursor: only events with a smaller id (older) are listed.
type Filter struct {
	EntityType  string
	EntityID    string
	ActorUserID int64
	Actor       string // the actor's label: a username, "token:<id>" or "system"
	Action      string
	From, To    time.Time // occurred_at in [From, To)
	Before      int64
	Limit       int
}

const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// List returns events newest first, at most f.Limit of them, and the cursor
// for the next page (0 when there is none). Paging by id keeps every page one
// index range scan however deep the caller goes.
func (s *Service) List(ctx context.Context, f Filter) ([]Stored, int64, error) {
	var c fault.Checker
	c.Check(f.Limit >= 0 && f.Limit <= MaxLimit, "limit", fmt.Sprintf("harus antara 1 dan %d", MaxLimit))
	c.Check(f.Before >= 0, "cursor", "harus bilangan bulat positif")
	c.Check(f.From.IsZero() || f.To.IsZero() || f.From.Before(f.To), "to", "harus sesudah from")
	c.Check(f.EntityID == "" || f.EntityType != "", "entity_id", "hanya bersama entity_type")
	if err := c.Err(); err != nil {
		return nil, 0, err
	}
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	q := s.db.WithContext(ctx).Table("audit_events")
	if f.EntityType != "" {
		q = q.Where("entity_type = ?", f.EntityType)
	}
	if f.EntityID != "" {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	if f.ActorUserID != 0 {
		q = q.Where("actor_user_id = ?", f.ActorUserID)
	}
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		q = q.Where("occurred_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("occurred_at < ?", f.To.UTC())
	}
	if f.Before != 0 {
		q = q.Where("id < ?", f.Before)
	}
	var out []Stored
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("audit: list: %w", err)
	}
	out, next := database.KeysetPage(out, f.Limit, func(e Stored) int64 { return e.ID })
	return out, next, nil
}

// Service reads the audit trail for the handlers.
type Service struct{ db *gorm.DB }

// NewService returns the audit trail's reader over db.
func NewService(db *gorm.DB) *Service { return &Service{db: db} }
