// Package audit writes the append-only trail of who changed what. Events are
// written with the same transaction as the change they describe, so a change
// never commits without its event.
package audit

import (
	"context"
	"database/sql"
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

// columns are what an event records, in the order every insert names them.
const columns = `occurred_at, actor_user_id, actor, actor_role, action, entity_type, entity_id, before, after,
	request_id, ip`

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
		SQL: `INSERT INTO audit_events (` + columns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		Args: []any{at.UTC(), a.OptionalUserID(), a.Label(), string(a.Role), ev.Action, ev.EntityType, ev.EntityID,
			jsonb(before), jsonb(after), logging.RequestID(ctx), a.IP},
	}, nil
}

// Selected records one event per row of From, by an INSERT … SELECT inside
// a caller's set-based statement (a case opened per business found wanting,
// an agreement ended per expiry). Action, EntityID, Before and After are
// SQL expressions over those rows (Before and After jsonb, or NULL);
// EntityType is the entity's name. The actor, the request and the time come
// from the caller's context, as parameters.
type Selected struct {
	From       string
	Action     string
	EntityType string
	EntityID   string
	Before     string
	After      string
}

// selectedParams name the parameters of a Selected statement, in the
// order they stand in it and in values.
var selectedParams = []string{"at", "user", "actor", "role", "entity_type", "request", "ip"}

func (s Selected) sql(param func(name string) string) string {
	before := s.Before
	if before == "" {
		before = "NULL"
	}
	return `INSERT INTO audit_events (` + columns + `)
		SELECT ` + param("at") + `, ` + param("user") + `, ` + param("actor") + `, ` + param("role") + `, ` +
		s.Action + `, ` + param("entity_type") + `, ` + s.EntityID + `, ` + before + `, ` + s.After + `, ` +
		param("request") + `, ` + param("ip") + ` FROM ` + s.From
}

// values are the parameters' values, in selectedParams' order.
func (s Selected) values(ctx context.Context, at time.Time) []any {
	a := actor.From(ctx)
	return []any{at.UTC(), a.OptionalUserID(), a.Label(), string(a.Role), s.EntityType, logging.RequestID(ctx), a.IP}
}

// Named is the statement with named parameters, for a statement whose
// other parts are named too; bind NamedArgs with it.
func (s Selected) Named() string {
	return s.sql(func(name string) string { return "@audit_" + name })
}

// NamedArgs are the named parameters of Named.
func (s Selected) NamedArgs(ctx context.Context, at time.Time) []any {
	args := s.values(ctx, at)
	for i, v := range args {
		args[i] = sql.Named("audit_"+selectedParams[i], v)
	}
	return args
}

// Stmt is the statement with ? parameters, for database.With.
func (s Selected) Stmt(ctx context.Context, at time.Time) database.Stmt {
	return database.Stmt{SQL: s.sql(func(string) string { return "?" }), Args: s.values(ctx, at)}
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
