// Package notify is the transactional outbox: a change writes its
// notifications with Enqueue in its own transaction, so a notice leaves only
// for a change that committed, and Deliver (the `outbox` job) hands pending
// messages to a Sender, retrying with exponential backoff.
package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/database"
)

// Message is one notification to one recipient on one channel: an e-mail
// address, or a mobile number in 62… form for WhatsApp. Subject and Body are
// what the person reads, in Bahasa Indonesia; a WhatsApp template message
// carries Params, its body's parameters in order, instead.
type Message struct {
	Kind      string // what it is about, e.g. purchase.confirmation_request
	Channel   string // ChannelEmail (the default) or ChannelWhatsApp
	Recipient string
	Subject   string
	Body      string
	Params    []string
	// Payload is kept beside the text for rendering at delivery and for
	// tracing (ids of the records involved); it is never shown to the
	// recipient.
	Payload map[string]any
}

// The channels a message leaves on.
const (
	ChannelEmail    = "email"
	ChannelWhatsApp = "whatsapp"
)

func (m Message) channel() string {
	if m.Channel == "" {
		return ChannelEmail
	}
	return m.Channel
}

// Delivery policy: attempt n (1-based) that fails waits BaseDelay·2^(n-1),
// at most MaxDelay; after MaxAttempts failures the message is marked failed.
const (
	MaxAttempts = 8
	BaseDelay   = time.Minute
	MaxDelay    = 6 * time.Hour
	// batchSize is how many messages one claim takes: whole rounds of
	// SendWorkers, so no worker idles while the last few are sent.
	batchSize = 8 * SendWorkers
)

// Enqueue writes msgs to the outbox inside tx, the caller's transaction, so
// they are delivered only if that transaction commits. now is the caller's
// clock; the messages are due at once. Messages without a recipient are
// skipped (many IKM have no e-mail address).
func Enqueue(ctx context.Context, tx *gorm.DB, now time.Time, msgs ...Message) error {
	// In batches: a statement takes at most 65,535 parameters.
	for len(msgs) > 0 {
		batch := msgs[:min(len(msgs), enqueueBatch)]
		msgs = msgs[len(batch):]
		st, ok, err := EnqueueStmt(now, batch...)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := tx.WithContext(ctx).Exec(st.SQL, st.Args...).Error; err != nil {
			return fmt.Errorf("notify: enqueue: %w", err)
		}
	}
	return nil
}

// enqueueBatch is how many messages one statement of Enqueue writes.
const enqueueBatch = 500

// EnqueueStmt is the one statement that writes msgs to the outbox, for a
// caller that writes them together with its change (database.Together);
// ok is false when no message has a recipient, and there is nothing to run.
func EnqueueStmt(now time.Time, msgs ...Message) (st database.Stmt, ok bool, err error) {
	// VALUES, one row per message: unnest of array parameters made
	// PostgreSQL plan the statement afresh each time, its rows being
	// unknown to a generic plan.
	var sql strings.Builder
	sql.WriteString(`INSERT INTO outbox (kind, channel, recipient, subject, body, params, payload, status, next_attempt_at,
		created_at) VALUES `)
	for _, m := range msgs {
		if strings.TrimSpace(m.Recipient) == "" {
			continue
		}
		if strings.TrimSpace(m.Kind) == "" {
			return st, false, errors.New("notify: message without a kind")
		}
		payload := []byte("{}")
		if m.Payload != nil {
			if payload, err = json.Marshal(m.Payload); err != nil {
				return st, false, fmt.Errorf("notify: payload of %s: %w", m.Kind, err)
			}
		}
		if ok {
			sql.WriteString(", ")
		}
		sql.WriteString("(?, ?, ?, ?, ?, ?::text[], ?::jsonb, 'pending', ?, ?)")
		params := m.Params
		if params == nil {
			params = []string{}
		}
		st.Args = append(st.Args, m.Kind, m.channel(), strings.TrimSpace(m.Recipient), m.Subject, m.Body,
			database.Array(params), string(payload), now.UTC(), now.UTC())
		ok = true
	}
	st.SQL = sql.String()
	return st, ok, nil
}

// From writes one message per row of Rows (the FROM of an INSERT … SELECT
// over the caller's other parts, database.With); Recipient, Subject, Body
// and Payload are SQL expressions over those rows. A row without a
// recipient writes nothing. Subject and Body may be left empty: the message
// is then rendered when it is delivered, by its kind's Renderer, from its
// payload, which must hold all it needs.
type From struct {
	Kind      string
	Rows      string
	Channel   string // an SQL expression; empty: e-mail
	Params    string // an SQL text[] expression, a template's parameters; empty: none
	Recipient string
	Subject   string
	Body      string
	Payload   string
}

// EnqueueFrom is the statement that writes f's messages, due at once.
func EnqueueFrom(now time.Time, f From) database.Stmt {
	return database.Stmt{SQL: f.sql(func(string) string { return "?" }), Args: []any{f.Kind, now.UTC(), now.UTC()}}
}

// Named is f's statement with named parameters, for a statement whose other
// parts are named too; bind NamedArgs with it.
func (f From) Named() string {
	return f.sql(func(name string) string { return "@outbox_" + name })
}

// NamedArgs are the named parameters of Named: the messages are due at now.
func (f From) NamedArgs(now time.Time) []any {
	return []any{sql.Named("outbox_kind", f.Kind), sql.Named("outbox_at", now.UTC())}
}

func (f From) sql(param func(name string) string) string {
	subject, body, channel, params := f.Subject, f.Body, f.Channel, f.Params
	if subject == "" {
		subject, body = "''", "''"
	}
	if channel == "" {
		channel = "'" + ChannelEmail + "'"
	}
	if params == "" {
		params = "'{}'::text[]"
	}
	return `INSERT INTO outbox (kind, channel, recipient, subject, body, params, payload, status, next_attempt_at, created_at)
		SELECT ` + param("kind") + `, ` + channel + `, btrim(` + f.Recipient + `), ` + subject + `, ` + body + `, ` + params +
		`, ` + f.Payload +
		`, 'pending', ` + param("at") + `, ` + param("at") + `
		FROM ` + f.Rows + ` WHERE coalesce(btrim(` + f.Recipient + `), '') <> ''`
}

// A Renderer writes the subject and body of a message of its kind from the
// message's payload, when it is delivered.
type Renderer func(Message) (Message, error)

// Renderers are the renderers of the kinds that render at delivery.
type Renderers map[string]Renderer

// render returns m ready to send: as it is when it was written with its
// text, else rendered by its kind's renderer.
func (r Renderers) render(m Message) (Message, error) {
	if m.Body != "" || len(m.Params) > 0 {
		return m, nil
	}
	render, ok := r[m.Kind]
	if !ok {
		return m, fmt.Errorf("notify: no renderer for %s", m.Kind)
	}
	return render(m)
}

// Backoff is the wait after the n-th failed attempt (n ≥ 1).
func Backoff(n int) time.Duration {
	d := BaseDelay
	for i := 1; i < n && d < MaxDelay; i++ {
		d *= 2
	}
	return min(d, MaxDelay)
}
