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
	"kemitraan/app/platform/database"
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

// Record writes ev inside tx, naming the actor and request from ctx.
func Record(ctx context.Context, tx *gorm.DB, at time.Time, ev Event) error {
	st, err := Insert(ctx, at, ev)
	if err != nil {
		return err
	}
	if err := tx.WithContext(ctx).Exec(st.SQL, st.Args...).Error; err != nil {
		return fmt.Errorf("audit: record %s: %w", ev.Action, err)
	}
	return nil
}

// Insert is the statement that records ev, naming the actor and request
// from ctx, for a caller that writes it together with its change in one
// statement (database.Together).
func Insert(ctx context.Context, at time.Time, ev Event) (database.Stmt, error) {
	a := actor.From(ctx)
	before, err := marshal(ev.Before)
	if err != nil {
		return database.Stmt{}, fmt.Errorf("audit: before: %w", err)
	}
	after, err := marshal(ev.After)
	if err != nil {
		return database.Stmt{}, fmt.Errorf("audit: after: %w", err)
	}
	return database.Stmt{
		SQL: `INSERT INTO audit_events (occurred_at, actor_user_id, actor, actor_role, action, entity_type, entity_id,
			before, after, request_id, ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		Args: []any{at.UTC(), a.OptionalUserID(), a.Label(), string(a.Role), ev.Action, ev.EntityType, ev.EntityID,
			jsonb(before), jsonb(after), logging.RequestID(ctx), a.IP},
	}, nil
}

// InsertFrom is the statement that records ev once for each row of rows
// (the FROM of an INSERT … SELECT over the caller's other parts): entityID
// and after are SQL expressions over those rows, the event's id and its
// state after the change (jsonb); ev.EntityID and ev.After are not used.
// It is for a change written in the same statement (database.With).
func InsertFrom(ctx context.Context, at time.Time, ev Event, rows, entityID, after string) database.Stmt {
	a := actor.From(ctx)
	return database.Stmt{
		SQL: `INSERT INTO audit_events (occurred_at, actor_user_id, actor, actor_role, action, entity_type, entity_id,
			before, after, request_id, ip)
			SELECT ?, ?, ?, ?, ?, ?, ` + entityID + `, NULL, ` + after + `, ?, ? FROM ` + rows,
		Args: []any{at.UTC(), a.OptionalUserID(), a.Label(), string(a.Role), ev.Action, ev.EntityType,
			logging.RequestID(ctx), a.IP},
	}
}

// jsonb passes marshalled JSON as text PostgreSQL casts to jsonb (nil: NULL).
func jsonb(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

func marshal(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}
