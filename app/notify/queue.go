package notify

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/fault"
)

// Queue is the outbox as people and WhatsApp see it from outside: the
// admin's page reads what waits, what went, what failed and why (never the
// bodies: they carry single-use links), and WhatsApp's webhook records how
// far a message went (ApplyStatuses).
type Queue struct{ db *gorm.DB }

func NewQueue(db *gorm.DB) *Queue { return &Queue{db: db} }

// Statuses are the states a message is in.
var Statuses = []string{"pending", "sending", "sent", "logged", "failed", "cancelled"}

// Queued is a message as the queue lists it.
type Queued struct {
	ID                int64
	Kind              string
	Channel           string
	Recipient         string
	ProviderMessageID *string
	Subject           string
	Status            string
	Attempts          int
	NextAttemptAt     time.Time
	LastError         string
	CancelReason      string
	DeliveryStatus    *string // what WhatsApp last said: delivered or read
	CreatedAt         time.Time
	SentAt            *time.Time
}

// QueueFilter narrows the list; zero fields do not filter. Before is the
// keyset cursor: only messages with a smaller id (older) are listed.
type QueueFilter struct {
	Status, Kind string
	Before       int64
}

// queuePage is how many messages one page lists.
const queuePage = 50

// QueueList is one page of the queue, newest first, the cursor of the next
// (0: none) and how many messages are in each status.
type QueueList struct {
	Items  []Queued
	Next   int64
	Counts map[string]int64
	Kinds  []string // the kinds there are, for the filter
}

// List returns a page of messages and the queue's counts.
func (q *Queue) List(ctx context.Context, f QueueFilter) (QueueList, error) {
	var c fault.Checker
	c.Check(f.Status == "" || slices.Contains(Statuses, f.Status), "status", fault.OneOf(Statuses))
	c.Check(len(f.Kind) <= 100, "kind", "paling banyak 100 karakter")
	c.Check(f.Before >= 0, "cursor", "harus bilangan bulat positif")
	if err := c.Err(); err != nil {
		return QueueList{}, err
	}
	db := q.db.WithContext(ctx)
	out := QueueList{Counts: map[string]int64{}}
	sel := db.Table("outbox").Select("id, kind, channel, recipient, provider_message_id, subject, status, attempts, next_attempt_at, " +
		"last_error, cancel_reason, delivery_status, created_at, sent_at")
	if f.Status != "" {
		sel = sel.Where("status = ?", f.Status)
	}
	if f.Kind != "" {
		sel = sel.Where("kind = ?", f.Kind)
	}
	if f.Before > 0 {
		sel = sel.Where("id < ?", f.Before)
	}
	if err := sel.Order("id DESC").Limit(queuePage + 1).Scan(&out.Items).Error; err != nil {
		return out, fmt.Errorf("notify: queue: %w", err)
	}
	if len(out.Items) > queuePage {
		out.Items = out.Items[:queuePage]
		out.Next = out.Items[queuePage-1].ID
	}
	var counts []struct {
		Status string
		N      int64
	}
	if err := db.Raw(`SELECT status, count(*) AS n FROM outbox GROUP BY status`).Scan(&counts).Error; err != nil {
		return out, fmt.Errorf("notify: queue counts: %w", err)
	}
	for _, r := range counts {
		out.Counts[r.Status] = r.N
	}
	// The distinct kinds, one index probe each (a skip scan of
	// outbox_kind_idx), however long the outbox.
	if err := db.Raw(`WITH RECURSIVE k AS (
    (SELECT kind FROM outbox ORDER BY kind LIMIT 1)
    UNION ALL
    SELECT (SELECT o.kind FROM outbox o WHERE o.kind > k.kind ORDER BY o.kind LIMIT 1) FROM k WHERE k.kind IS NOT NULL)
SELECT kind FROM k WHERE kind IS NOT NULL`).Scan(&out.Kinds).Error; err != nil {
		return out, fmt.Errorf("notify: queue kinds: %w", err)
	}
	return out, nil
}
