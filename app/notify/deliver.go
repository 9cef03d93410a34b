package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/database"
)

// Delivery: the outbox job claims a batch of due messages (one short
// statement marks them sending), cancels those whose reason is gone,
// renders and sends the rest outside any transaction, a few at a time, and
// records every outcome in one statement. No row lock is held while a
// channel is talked to.
//
// A message is never sent twice. A sender that stops between sending and
// recording (a crash, a kill) leaves its batch marked sending; the next
// run finds claims older than ClaimLease and marks them failed with why,
// unsent again: at most one batch's outcomes are unknown, and the admin's
// outbox page shows them.

// Receipt is what a channel says of a message it took.
type Receipt struct {
	ID     string // the channel's message id; "" when it gives none
	Logged bool   // written to the log, not sent (development)
}

// Sender delivers one message. An error is tried again later with backoff,
// unless it is Permanent; RetryAfter says when.
type Sender interface {
	Send(ctx context.Context, m Message) (Receipt, error)
}

// SendError is a failed send and how it may be retried.
type SendError struct {
	Err        error
	Permanent  bool          // trying again cannot help (a 4xx, a bad address)
	RetryAfter time.Duration // the channel asked to wait this long (429, 503)
}

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// Permanent marks err as a failure no retry can fix.
func Permanent(err error) error { return &SendError{Err: err, Permanent: true} }

// RetryAfter marks err as one to try again after d.
func RetryAfter(err error, d time.Duration) error { return &SendError{Err: err, RetryAfter: d} }

// Channels sends each message on its channel's sender; a message for a
// channel that is not configured fails for good, with why.
type Channels map[string]Sender

func (c Channels) Send(ctx context.Context, m Message) (Receipt, error) {
	s, ok := c[m.channel()]
	if !ok || s == nil {
		return Receipt{}, Permanent(fmt.Errorf("saluran %s belum dikonfigurasi", m.channel()))
	}
	return s.Send(ctx, m)
}

// Stale says when a kind's message has lost its reason: When is an SQL
// condition over the outbox row o, true when the message must not leave;
// Reason is the why recorded with the cancellation.
type Stale struct {
	When   string
	Reason string
}

// Policy is what delivery needs from the domains: the renderers of the
// kinds that render at delivery and the staleness of each kind.
type Policy struct {
	Render Renderers
	Stale  map[string]Stale
}

// Delivered counts what one Deliver did.
type Delivered struct {
	Sent      int // accepted by a channel
	Logged    int // written to the log (development)
	Failed    int // attempts that failed (retried later, or given up)
	Cancelled int // their reason gone before they left
	Abandoned int // claims a stopped sender left, marked failed unsent
}

const (
	// ClaimLease is how long a claim may stay sending: longer than a
	// batch can take (SendWorkers at a time, each bounded by its channel's
	// timeout).
	ClaimLease = 15 * time.Minute
	// SendWorkers is how many messages of a batch are sent at once.
	SendWorkers = 8
)

// abandonedReason is recorded on a message whose sender stopped mid-batch.
const abandonedReason = "pengirim berhenti sebelum mencatat hasil pengiriman; pesan tidak dikirim ulang agar tidak terkirim dua kali"

// Deliver sends every message due at now, batch by batch, and records
// each outcome: sent (or logged), a failed attempt with the next one
// scheduled (failed for good after MaxAttempts or a permanent error), or
// cancelled. Rows are claimed with FOR UPDATE SKIP LOCKED, so two replicas
// never take the same message.
func Deliver(ctx context.Context, db *gorm.DB, sender Sender, p Policy, now time.Time) (Delivered, error) {
	var d Delivered
	res := db.WithContext(ctx).Exec(`UPDATE outbox SET status = 'failed', claimed_at = NULL, last_error = ?
		WHERE status = 'sending' AND claimed_at <= ?`, abandonedReason, now.UTC().Add(-ClaimLease))
	if res.Error != nil {
		return d, fmt.Errorf("notify: abandoned claims: %w", res.Error)
	}
	d.Abandoned = int(res.RowsAffected)
	for {
		n, err := deliverBatch(ctx, db, sender, p, now, &d)
		if err != nil || n < batchSize {
			return d, err
		}
		if ctx.Err() != nil {
			return d, ctx.Err()
		}
	}
}

// claimed is a message as a batch claims it.
type claimed struct {
	ID        int64
	Kind      string
	Channel   string
	Recipient string
	Subject   string
	Body      string
	Params    []byte // a JSON array: text[] does not scan through database/sql
	Payload   []byte
	Attempts  int
}

// outcome is what became of one claimed message.
type outcome struct {
	id     int64
	status string // sent, logged, pending (to retry) or failed
	pid    string
	err    string
	next   time.Time
}

func deliverBatch(ctx context.Context, db *gorm.DB, sender Sender, p Policy, now time.Time, d *Delivered) (int, error) {
	db = db.WithContext(ctx)
	var batch []claimed
	if err := db.Raw(`UPDATE outbox o SET status = 'sending', claimed_at = ?
		FROM (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
		      ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED) due
		WHERE o.id = due.id
		RETURNING o.id, o.kind, o.channel, o.recipient, o.subject, o.body, to_jsonb(o.params) AS params,
		          o.payload, o.attempts`,
		now.UTC(), now.UTC(), batchSize).Scan(&batch).Error; err != nil {
		return 0, fmt.Errorf("notify: claim: %w", err)
	}
	if len(batch) == 0 {
		return 0, nil
	}
	cancelled, err := cancelStale(db, p.Stale, batch)
	if err != nil {
		return len(batch), err
	}
	d.Cancelled += len(cancelled)
	var todo []claimed
	for _, c := range batch {
		if !cancelled[c.ID] {
			todo = append(todo, c)
		}
	}
	outcomes := make([]outcome, len(todo))
	var wg sync.WaitGroup
	work := make(chan int)
	for range min(SendWorkers, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				outcomes[i] = send(ctx, sender, p.Render, todo[i], now)
			}
		}()
	}
	for i := range todo {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := record(db, outcomes, now); err != nil {
		return len(batch), err
	}
	for _, o := range outcomes {
		switch {
		case o.status == "sent":
			d.Sent++
		case o.status == "logged":
			d.Logged++
		default:
			d.Failed++
		}
	}
	return len(batch), nil
}

// cancelStale cancels the claimed messages whose kind says their reason is
// gone, each with its kind's reason.
func cancelStale(db *gorm.DB, stale map[string]Stale, batch []claimed) (map[int64]bool, error) {
	byKind := map[string][]int64{}
	for _, c := range batch {
		if _, ok := stale[c.Kind]; ok {
			byKind[c.Kind] = append(byKind[c.Kind], c.ID)
		}
	}
	out := map[int64]bool{}
	for kind, ids := range byKind {
		st := stale[kind]
		var gone []int64
		// st.When is the domain's own SQL, never input.
		if err := db.Raw(`UPDATE outbox o SET status = 'cancelled', claimed_at = NULL, cancel_reason = ?
			WHERE o.id = ANY(?) AND (`+st.When+`) RETURNING o.id`, st.Reason, database.Array(ids)).Scan(&gone).Error; err != nil {
			return nil, fmt.Errorf("notify: cancel stale %s: %w", kind, err)
		}
		for _, id := range gone {
			out[id] = true
		}
	}
	return out, nil
}

// send renders and sends one message and says what became of it.
func send(ctx context.Context, sender Sender, render Renderers, c claimed, now time.Time) outcome {
	m := Message{Kind: c.Kind, Channel: c.Channel, Recipient: c.Recipient, Subject: c.Subject, Body: c.Body}
	if json.Unmarshal(c.Payload, &m.Payload) != nil {
		m.Payload = nil
	}
	if json.Unmarshal(c.Params, &m.Params) != nil || len(m.Params) == 0 {
		m.Params = nil
	}
	m, err := render.render(m)
	if err != nil {
		err = Permanent(err) // a message that cannot be written will not be tomorrow
	}
	var r Receipt
	if err == nil {
		r, err = sender.Send(ctx, m)
	}
	o := outcome{id: c.ID}
	if err == nil {
		o.status, o.pid = "sent", r.ID
		if r.Logged {
			o.status = "logged"
		}
		return o
	}
	attempts := c.Attempts + 1
	o.status, o.err, o.next = "pending", database.Text(err.Error(), 1000), now.UTC().Add(Backoff(attempts))
	var se *SendError
	if errors.As(err, &se) {
		if se.RetryAfter > 0 {
			o.next = now.UTC().Add(se.RetryAfter)
		}
		if se.Permanent {
			o.status = "failed"
		}
	}
	if attempts >= MaxAttempts {
		o.status = "failed"
	}
	return o
}

// record writes every outcome of a batch in one statement and releases
// the claims.
func record(db *gorm.DB, outcomes []outcome, now time.Time) error {
	if len(outcomes) == 0 {
		return nil
	}
	n := len(outcomes)
	ids, statuses, pids, errs, nexts := make([]int64, n), make([]string, n), make([]string, n), make([]string, n), make([]time.Time, n)
	for i, o := range outcomes {
		ids[i], statuses[i], pids[i], errs[i] = o.id, o.status, o.pid, o.err
		nexts[i] = o.next
		if nexts[i].IsZero() {
			nexts[i] = now.UTC()
		}
	}
	if err := db.Exec(`UPDATE outbox o SET status = f.status, attempts = o.attempts + 1, claimed_at = NULL,
			last_error = f.err, provider_message_id = nullif(f.pid, ''),
			sent_at = CASE WHEN f.status IN ('sent', 'logged') THEN ?::timestamptz END,
			next_attempt_at = CASE WHEN f.status IN ('pending', 'failed') THEN f.next ELSE o.next_attempt_at END
		FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::timestamptz[]) AS f(id, status, pid, err, next)
		WHERE o.id = f.id AND o.status = 'sending'`, now.UTC(), database.Array(ids), database.Array(statuses),
		database.Array(pids), database.Array(errs), database.Array(nexts)).Error; err != nil {
		return fmt.Errorf("notify: record outcomes: %w", err)
	}
	return nil
}
