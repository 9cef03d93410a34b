// Package audit writes the append-only trail of who changed what. Events are
// written with the same transaction as the change they describe, so a change
// never commits without its event.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/logging"
)

// Event describes one change. Before and After are marshalled to JSON; pass
// the API-facing shape of a record, never one holding a secret or hash.
type Event struct {
	Action     string // entity.verb, e.g. business.create
	EntityType string
	EntityID   string
	Before     any
	After      any
}

// row is the stored shape of an event.
type row struct {
	ID          int64 `gorm:"primaryKey;->"`
	OccurredAt  time.Time
	ActorUserID *int64
	Actor       string
	ActorRole   string
	Action      string
	EntityType  string
	EntityID    string
	Before      []byte `gorm:"type:jsonb"`
	After       []byte `gorm:"type:jsonb"`
	RequestID   string
	IP          string
}

func (row) TableName() string { return "audit_events" }

// Record writes ev inside tx, naming the actor and request from ctx.
func Record(ctx context.Context, tx *gorm.DB, at time.Time, ev Event) error {
	a := actor.From(ctx)
	r := row{
		OccurredAt: at.UTC(),
		Actor:      a.Label(),
		ActorRole:  string(a.Role),
		Action:     ev.Action,
		EntityType: ev.EntityType,
		EntityID:   ev.EntityID,
		RequestID:  logging.RequestID(ctx),
		IP:         a.IP,
	}
	r.ActorUserID = a.OptionalUserID()
	var err error
	if r.Before, err = marshal(ev.Before); err != nil {
		return fmt.Errorf("audit: before: %w", err)
	}
	if r.After, err = marshal(ev.After); err != nil {
		return fmt.Errorf("audit: after: %w", err)
	}
	if err := tx.WithContext(ctx).Create(&r).Error; err != nil {
		return fmt.Errorf("audit: record %s: %w", ev.Action, err)
	}
	return nil
}

func marshal(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}
