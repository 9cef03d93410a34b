package compliance

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/notify"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/format"
	"kemitraan/app/registry"
)

// ReminderDays are the days before a report deadline on which reminders go
// out.
var ReminderDays = []int{7, 3, 1}

// ReminderResult counts what one reminder run sent.
type ReminderResult struct {
	Period      string `json:"period,omitempty"`
	DaysBefore  int    `json:"days_before,omitempty"`
	Businesses  int64  `json:"businesses"` // reminded to submit their report
	IKMs        int64  `json:"ikms"`       // reminded to confirm purchases
	Messages    int64  `json:"messages"`   // e-mails queued in the outbox
	NothingToDo string `json:"nothing,omitempty"`
}

// reminderRung is the reminder due when daysLeft days remain before a due
// date: the tightest of 7, 3 and 1 not below daysLeft (so a run that missed
// the seventh day still sends the 7-day reminder on the sixth), or 0 when
// none is due.
func reminderRung(daysLeft int) int {
	if daysLeft < 0 || daysLeft > ReminderDays[0] {
		return 0
	}
	rung := ReminderDays[0]
	for _, d := range ReminderDays {
		if d >= daysLeft {
			rung = d
		}
	}
	return rung
}

// SendReminders queues the reminders due at now for the period whose report
// deadline comes next: to every active business that has not submitted its
// report (and is not exempt), and to every IKM with purchases of that period
// still awaiting its confirmation. Each (recipient, period, rung) is
// reminded once, ever: reminders_sent records it in the same statement that
// queues the e-mails, so a second run sends nothing. appURL is the service's
// public address for the links in the messages; signature ends them.
// With whatsApp an IKM that agreed to WhatsApp messages is reminded there.
func SendReminders(ctx context.Context, db *gorm.DB, now time.Time, appURL, signature string, whatsApp bool) (ReminderResult, error) {
	rs, err := RuleSetAt(ctx, db, clock.DateIn(now))
	if err != nil {
		return ReminderResult{}, err
	}
	p := PeriodContaining(rs.Period, now).Prev()
	due := rs.ReportDueDate(p)
	daysLeft := int(due.Sub(clock.DateIn(now)).Hours() / 24)
	res := ReminderResult{Period: p.String()}
	rung := reminderRung(daysLeft)
	if rung == 0 {
		res.NothingToDo = fmt.Sprintf("batas laporan %s tanggal %s, %d hari lagi", p, format.Date(due), daysLeft)
		return res, nil
	}
	res.DaysBefore = rung
	appURL = strings.TrimRight(appURL, "/")
	args := []any{
		sql.Named("period", p.String()), sql.Named("label", p.Label()), sql.Named("pstart", p.FirstDay()),
		sql.Named("pend", p.LastDay()), sql.Named("days", rung), sql.Named("due", format.Date(due)),
		sql.Named("now", now.UTC()), sql.Named("url", appURL), sql.Named("sign", signature),
		sql.Named("whatsapp", whatsApp),
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n struct{ Recipients, Messages int64 }
		if err := tx.Raw(remindBusinessesSQL, append(args, reportReminder.NamedArgs(now)...)...).Scan(&n).Error; err != nil {
			return fmt.Errorf("compliance: report reminders: %w", err)
		}
		res.Businesses, res.Messages = n.Recipients, n.Messages
		if err := tx.Raw(remindIKMsSQL, append(args, confirmationReminder.NamedArgs(now)...)...).Scan(&n).Error; err != nil {
			return fmt.Errorf("compliance: confirmation reminders: %w", err)
		}
		res.IKMs, res.Messages = n.Recipients, res.Messages+n.Messages
		return nil
	})
	return res, err
}

// remindParams types the named parameters once, for both reminder
// statements below.
const remindParams = `
WITH params AS (
    SELECT CAST(@period AS text) AS period, CAST(@label AS text) AS label, CAST(@pstart AS date) AS pstart,
           CAST(@pend AS date) AS pend, CAST(@days AS int) AS days, CAST(@due AS text) AS due,
           CAST(@now AS timestamptz) AS now, CAST(@url AS text) AS url, CAST(@sign AS text) AS sign,
           CAST(@whatsapp AS boolean) AS whatsapp
),`

// KindConfirmationReminder is the reminder to an IKM of purchases awaiting
// its answer.
const KindConfirmationReminder = "reminder.confirmation"

// StaleReminders say when a reminder has lost its reason before it left:
// the period report is in, or no purchase awaits the IKM's answer any more.
var StaleReminders = map[string]notify.Stale{
	"reminder.report": {
		When: `EXISTS (SELECT 1 FROM period_reports r WHERE r.business_id = (o.payload->>'business_id')::bigint
			AND r.period = o.payload->>'period')`,
		Reason: "laporan berkala sudah disampaikan sebelum pengingat ini terkirim",
	},
	KindConfirmationReminder: {
		When:   `NOT EXISTS (SELECT 1 FROM purchases p WHERE p.ikm_id = (o.payload->>'ikm_id')::bigint AND p.status = 'reported')`,
		Reason: "tidak ada lagi pembelian yang menunggu konfirmasi IKM ini",
	},
}

// The reminders themselves, one per recipient marked as reminded.
var (
	reportReminder = notify.From{Kind: "reminder.report", Recipient: "r.email",
		Rows:    "params, marked m JOIN recipients r ON r.business_id = m.business_id JOIN due d ON d.id = m.business_id",
		Subject: "format('Pengingat: laporan berkala %s jatuh tempo %s', params.label, params.due)",
		Body: `format(E'Yth. Pimpinan %s (NIB %s),\n\nLaporan berkala kemitraan dengan IKM untuk %s belum kami terima. '
			'Batas penyampaiannya tanggal %s (%s hari lagi). Pastikan seluruh pembelian dan tempat usaha '
			'bagi IKM telah dicatat, lalu sampaikan laporan di halaman laporan berkala: %s/perusahaan/laporan\n\n'
			'Laporan yang tidak disampaikan tepat waktu menjadi temuan dalam evaluasi kepatuhan.\n\n'
			'%s', d.name, d.nib, params.label, params.due, params.days, params.url, params.sign)`,
		Payload: "jsonb_build_object('business_id', d.id, 'period', params.period, 'days_before', params.days)"}
	confirmationReminder = notify.From{Kind: KindConfirmationReminder, Recipient: "r.email", Channel: "r.channel",
		// The WhatsApp template's body parameters, in order (config).
		Params: `CASE WHEN r.channel = 'whatsapp' THEN ARRAY[i.name, w.n::text,
			'Rp' || replace(to_char(w.total, 'FM999,999,999,999,999'), ',', '.'), params.label, params.url || '/ikm'] ELSE '{}' END`,
		Rows: `params, marked m JOIN recipients r ON r.ikm_id = m.ikm_id JOIN waiting w ON w.ikm_id = m.ikm_id
			JOIN ikms i ON i.id = m.ikm_id`,
		Subject: "format('Pengingat: %s pembelian menunggu konfirmasi Anda', w.n)",
		Body: `format(E'Yth. %s,\n\nAda %s pembelian dari usaha besar senilai total Rp%s untuk %s yang menunggu konfirmasi Anda. '
			'Periksa dan konfirmasi (atau sanggah) melalui tautan dalam e-mail permintaan konfirmasi, '
			'atau di aplikasi Kemitraan: %s/ikm\n\nPembelian yang tidak dikonfirmasi tidak dihitung sebagai realisasi kemitraan.\n\n'
			'%s', i.name, w.n, replace(to_char(w.total, 'FM999,999,999,999,999'), ',', '.'), params.label, params.url, params.sign)`,
		Payload: "jsonb_build_object('ikm_id', w.ikm_id, 'period', params.period, 'days_before', params.days, 'purchases', w.n)"}
)

// Addresses: the business's contact address and its active company users';
// an IKM's own address and its IKM users'. Recipients without any address
// are not marked, so they are not counted as reminded.
var remindBusinessesSQL = remindParams + `
due AS (
    SELECT b.id, b.name, b.nib, b.contact_email
    FROM businesses b, params
    WHERE b.status = 'active' AND b.registered_at <= params.pend
      AND NOT EXISTS (SELECT 1 FROM period_reports r WHERE r.business_id = b.id AND r.period = params.period)
      AND NOT EXISTS (SELECT 1 FROM exemptions x WHERE x.business_id = b.id AND x.period = params.period AND x.revoked_at IS NULL)
),
recipients AS (
    SELECT DISTINCT d.id AS business_id, e.email
    FROM due d
    CROSS JOIN LATERAL (
        SELECT lower(btrim(d.contact_email)) AS email
        UNION SELECT lower(btrim(u.email)) FROM users u
        WHERE u.business_id = d.id AND u.role = 'company' AND u.active
    ) e
    WHERE e.email <> ''
),
` + remindedOnce("report", "business_id", reportReminder)

var remindIKMsSQL = remindParams + `
waiting AS (
    SELECT p.ikm_id, count(*) AS n, sum(p.amount) AS total
    FROM purchases p, params
    WHERE p.status = 'reported' AND p.confirm_by > params.now
      AND p.purchase_date BETWEEN params.pstart AND params.pend
    GROUP BY p.ikm_id
),
recipients AS (
    SELECT DISTINCT w.ikm_id, e.email, e.channel
    FROM waiting w
    JOIN ikms i ON i.id = w.ikm_id
    CROSS JOIN params
    CROSS JOIN LATERAL (
        -- The IKM itself by WhatsApp when it agreed (and the channel is on),
        -- else by e-mail; its users by e-mail.
        SELECT coalesce(wa, lower(btrim(coalesce(i.email, '')))) AS email,
               CASE WHEN wa IS NOT NULL THEN 'whatsapp' ELSE 'email' END AS channel
        FROM (SELECT CASE WHEN params.whatsapp THEN ` + registry.WhatsAppNumberSQL("i.phone", "i.whatsapp_consent_at") + ` END AS wa) x
        UNION SELECT lower(btrim(u.email)), 'email' FROM users u WHERE u.ikm_id = w.ikm_id AND u.role = 'ikm' AND u.active
    ) e
    WHERE e.email <> ''
),
` + remindedOnce("confirmation", "ikm_id", confirmationReminder)

// remindedOnce is the end of a reminder statement: it marks each recipient
// (column: business_id or ikm_id) reminded of kind for the period and rung,
// and queues msg for those newly marked, counting both.
func remindedOnce(kind, column string, msg notify.From) string {
	return `marked AS (
    INSERT INTO reminders_sent (kind, period, days_before, ` + column + `, sent_at)
    SELECT DISTINCT '` + kind + `', params.period, params.days, ` + column + `, params.now FROM recipients, params
    ON CONFLICT (kind, period, days_before, ` + column + `) WHERE ` + column + ` IS NOT NULL DO NOTHING
    RETURNING ` + column + `
),
queued AS (` + msg.Named() + ` RETURNING 1)
SELECT (SELECT count(*) FROM marked) AS recipients, (SELECT count(*) FROM queued) AS messages`
}
