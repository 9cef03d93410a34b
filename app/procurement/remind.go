package procurement

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/notify"
	"kemitraan/app/platform/clock"
)

// Payment reminders: a company is reminded of each counted purchase it has
// not paid, once when it comes due (ComingDueDays before its due date) and
// once when it is past due, through its contact address and its users'.

// Reminder stages of a purchase's payment (payment_reminders.stage).
const (
	StageComingDue = "coming_due"
	StagePastDue   = "past_due"
)

// ComingDueDays is how many days before its due date a purchase's payment
// is first reminded of.
const ComingDueDays = 3

// KindPaymentReminder is the reminder to a company of purchases to pay.
const KindPaymentReminder = "reminder.payment"

// PaymentReminderResult counts what one run reminded of.
type PaymentReminderResult struct {
	Purchases  int64 `json:"purchases"`  // purchases newly reminded of, at either stage
	Businesses int64 `json:"businesses"` // businesses reminded
	Messages   int64 `json:"messages"`   // e-mails queued
}

// SendPaymentReminders queues, in one statement, the payment reminders due
// on now's WIB date: one message per business and stage listing how many
// purchases, for how much, with the link to its home page, to each of its
// addresses. Each (purchase, stage) is reminded once, ever: the statement
// that queues the messages records it. A purchase first counted when
// already past due is reminded only as past due. appURL is the service's
// public address; signature ends the messages.
func SendPaymentReminders(ctx context.Context, db *gorm.DB, now time.Time, appURL, signature string) (PaymentReminderResult, error) {
	today := clock.DateIn(now)
	args := append([]any{sql.Named("today", today), sql.Named("soon", today.AddDate(0, 0, ComingDueDays)),
		sql.Named("now", now.UTC()), sql.Named("url", strings.TrimRight(appURL, "/")), sql.Named("sign", signature)},
		paymentReminder.NamedArgs(now)...)
	var res PaymentReminderResult
	if err := db.WithContext(ctx).Raw(paymentRemindersSQL, args...).Scan(&res).Error; err != nil {
		return res, fmt.Errorf("procurement: payment reminders: %w", err)
	}
	return res, nil
}

var paymentReminder = notify.From{Kind: KindPaymentReminder, Recipient: "r.email",
	Rows: "params, per JOIN recipients r ON r.business_id = per.business_id AND r.stage = per.stage JOIN businesses b ON b.id = per.business_id",
	Subject: `CASE WHEN per.stage = 'past_due'
		THEN format('Pengingat: %s pembelian dari IKM lewat batas pembayaran', per.n)
		ELSE format('Pengingat: %s pembelian dari IKM jatuh tempo %s', per.n, ` + indonesianDate("per.first_due") + `) END`,
	Body: `format(E'Yth. Pimpinan %s,\n\n%s pembelian dari IKM senilai total Rp%s %s. '
		'IKM menunggu uangnya; pembayaran yang terlambat tercatat dalam evaluasi kepatuhan.\n\n'
		'Bila sudah dibayar, tandai pembelian itu sudah dibayar beserta tanggalnya di aplikasi Kemitraan: %s/perusahaan\n\n%s',
		b.name, per.n, replace(to_char(per.total, 'FM999,999,999,999,999'), ',', '.'),
		CASE WHEN per.stage = 'past_due' THEN 'sudah lewat batas pembayarannya dan belum ditandai dibayar'
		     ELSE 'jatuh tempo dalam ' || (per.first_due - params.today) || ' hari' END,
		params.url, params.sign)`,
	Payload: "jsonb_build_object('business_id', per.business_id, 'stage', per.stage, 'purchases', per.n, 'sent_at', params.now)"}

// indonesianDate is the SQL for a date written as format.Date writes it:
// "31 Maret 2025".
func indonesianDate(day string) string {
	return `extract(day FROM ` + day + `)::int || ' ' || (ARRAY['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni',
		'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'])[extract(month FROM ` + day + `)::int]
		|| ' ' || extract(year FROM ` + day + `)::int`
}

// paymentRemindersSQL reads counted, unpaid purchases (not reversed, not
// reversals: they cancel out) due by @soon from purchases_unpaid_idx.
var paymentRemindersSQL = `
WITH params AS (
    SELECT CAST(@today AS date) AS today, CAST(@soon AS date) AS soon, CAST(@now AS timestamptz) AS now,
           CAST(@url AS text) AS url, CAST(@sign AS text) AS sign
),
due AS (
    SELECT p.id, p.business_id, p.amount, p.due_date,
           CASE WHEN p.due_date < params.today THEN 'past_due' ELSE 'coming_due' END AS stage
    FROM purchases p, params
    WHERE p.status = 'confirmed' AND p.paid_on IS NULL AND p.reverses_id IS NULL AND p.due_date <= params.soon
      AND NOT EXISTS (SELECT 1 FROM purchases x WHERE x.reverses_id = p.id AND x.status NOT IN ('withdrawn', 'rejected'))
),
marked AS (
    INSERT INTO payment_reminders (purchase_id, stage, sent_at)
    SELECT due.id, due.stage, params.now FROM due, params
    ON CONFLICT (purchase_id, stage) DO NOTHING
    RETURNING purchase_id, stage
),
per AS (
    SELECT due.business_id, due.stage, count(*) AS n, sum(due.amount) AS total, min(due.due_date) AS first_due
    FROM marked JOIN due ON due.id = marked.purchase_id AND due.stage = marked.stage
    GROUP BY due.business_id, due.stage
),
recipients AS (
    SELECT DISTINCT per.business_id, per.stage, e.email
    FROM per
    JOIN businesses b ON b.id = per.business_id
    CROSS JOIN LATERAL (
        SELECT lower(btrim(coalesce(b.contact_email, ''))) AS email
        UNION SELECT lower(btrim(u.email)) FROM users u
        WHERE u.business_id = per.business_id AND u.role = 'company' AND u.active
    ) e
    WHERE e.email <> ''
),
queued AS (` + paymentReminder.Named() + ` RETURNING 1)
SELECT (SELECT count(*) FROM marked) AS purchases, (SELECT count(DISTINCT business_id) FROM per) AS businesses,
       (SELECT count(*) FROM queued) AS messages`
