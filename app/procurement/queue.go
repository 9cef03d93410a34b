package procurement

import (
	"context"
	"fmt"
	"slices"
	"time"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
)

// The officers' queues of purchases: what waits on the Dinas.

// QueueKind names one queue.
type QueueKind string

const (
	// QueueDisputed: the IKM said the report is wrong; an officer settles it.
	QueueDisputed QueueKind = "disputed"
	// QueuePaymentDisputed: the company says it paid, the IKM says it did
	// not (or not all); an officer decides.
	QueuePaymentDisputed QueueKind = "payment_disputed"
	// QueueDueSoon: still awaiting the IKM, whose window ends within DueSoon.
	QueueDueSoon QueueKind = "due_soon"
	// QueueUnanswered: the window passed without an answer; an officer
	// verifies the purchase after a field check or reaches the IKM.
	QueueUnanswered QueueKind = "unanswered"
)

// QueueKinds are the queues in the order an officer works them.
var QueueKinds = []QueueKind{QueueDisputed, QueuePaymentDisputed, QueueUnanswered, QueueDueSoon}

// DueSoon is how close a window's end puts a purchase in QueueDueSoon.
const DueSoon = 3 * 24 * time.Hour

// QueueItem is one purchase in a queue with what an officer needs to act:
// whose it is, whom to reach and by when.
type QueueItem struct {
	ID            int64
	InvoiceNumber string
	PurchaseDate  time.Time
	Amount        int64
	Status        Status
	ConfirmBy     time.Time
	DisputeReason string
	BusinessID    int64
	BusinessName  string
	IKMID         int64  `gorm:"column:ikm_id"`
	IKMName       string `gorm:"column:ikm_name"`
	IKMPhone      string `gorm:"column:ikm_phone"`
	// Of a payment dispute: what the IKM said, and what it received.
	IKMPayment    string `gorm:"column:ikm_payment"`
	IKMPaidAmount *int64 `gorm:"column:ikm_paid_amount"`
}

// Queue is one queue: how many wait, and the most urgent of them.
type Queue struct {
	Kind  QueueKind
	Total int64 // at most QueueCountCap
	// More says there are more than QueueCountCap: the count stops there,
	// so the officers' home stays quick with a million purchases waiting.
	More  bool
	Items []QueueItem
}

// QueueCountCap is how far a queue counts.
const QueueCountCap = 1000

// Queue gives the purchases of kind, most urgent first (the oldest dispute,
// the longest unanswered, the nearest deadline), at most limit of them, and
// how many there are. Staff only.
func (s *Service) Queue(ctx context.Context, kind QueueKind, limit int) (Queue, error) {
	if !actor.From(ctx).Staff() {
		return Queue{}, &fault.Error{Kind: fault.KindForbidden, Code: "forbidden",
			Detail: "Antrean ini hanya untuk petugas Dinas."}
	}
	now := s.now()
	var where, order string
	args := []any{}
	switch kind {
	case QueueDisputed:
		where, order = "p.status = 'disputed'", "p.disputed_at, p.id"
	case QueuePaymentDisputed:
		// purchases_payment_dispute_idx
		where = "p.ikm_payment IN ('unpaid', 'partial') AND p.paid_date IS NOT NULL AND p.payment_resolution IS NULL"
		order = "p.ikm_payment_at, p.id"
	case QueueUnanswered:
		where, order = "p.status = 'reported' AND p.confirm_by <= ?", "p.confirm_by, p.id"
		args = append(args, now)
	case QueueDueSoon:
		where, order = "p.status = 'reported' AND p.confirm_by > ? AND p.confirm_by <= ?", "p.confirm_by, p.id"
		args = append(args, now, now.Add(DueSoon))
	default:
		return Queue{}, fault.Invalid(fault.Field("queue", fault.OneOf(QueueKinds)))
	}
	q := Queue{Kind: kind}
	db := s.db.WithContext(ctx)
	if err := db.Raw(`SELECT count(*) FROM (SELECT 1 FROM purchases p WHERE `+where+` LIMIT ?) x`,
		append(slices.Clone(args), QueueCountCap+1)...).Row().Scan(&q.Total); err != nil {
		return Queue{}, fmt.Errorf("procurement: count queue %s: %w", kind, err)
	}
	if q.Total > QueueCountCap {
		q.Total, q.More = QueueCountCap, true
	}
	if q.Total == 0 || limit <= 0 {
		return q, nil
	}
	if err := db.Raw(`SELECT p.id, p.invoice_number, p.purchase_date, p.amount, p.status, p.confirm_by,
			p.dispute_reason, p.business_id, b.name AS business_name, p.ikm_id, i.name AS ikm_name,
			coalesce(i.phone, '') AS ikm_phone, coalesce(p.ikm_payment, '') AS ikm_payment, p.ikm_paid_amount
		FROM purchases p JOIN businesses b ON b.id = p.business_id JOIN ikms i ON i.id = p.ikm_id
		WHERE `+where+` ORDER BY `+order+` LIMIT ?`, append(args, limit)...).Scan(&q.Items).Error; err != nil {
		return Queue{}, fmt.Errorf("procurement: queue %s: %w", kind, err)
	}
	return q, nil
}
