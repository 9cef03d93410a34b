package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/auth"
	"kemitraan/app/compliance"
	"kemitraan/app/notify"
	"kemitraan/app/partnership"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/files"
	"kemitraan/app/procurement"
	"kemitraan/app/report"
	"kemitraan/app/sanction"
	"kemitraan/app/services"
)

// Deps is what the standard jobs need.
type Deps struct {
	DB     *gorm.DB
	Sender notify.Sender
	// Files is the upload store whose orphaned blobs expire sweeps (nil:
	// no sweep).
	Files *files.Store
	// Auth prunes ended sessions and old failed logins in expire (nil: no
	// pruning).
	Auth *auth.Service
	// AppURL is the service's public address, for links in reminders.
	AppURL string
	// Signature ends the reminders (notify.Signature of the office).
	Signature string
	// WhatsAppReminders says IKM who agreed are reminded by WhatsApp.
	WhatsAppReminders bool
	// Reports refreshes a period's IKM activity snapshot once it is
	// evaluated, so the first statistics request after it is quick (nil:
	// statistics rebuild it on demand).
	Reports *report.Service
	// Purchases renders the confirmation requests the outbox holds as
	// payloads (nil: the outbox job fails them, a test that has none).
	Purchases *procurement.Service
}

// Names of the standard jobs, as config jobs.schedules keys them.
const (
	Evaluate = "evaluate"
	Lapse    = "lapse"
	Remind   = "remind"
	Expire   = "expire"
	Outbox   = "outbox"
)

// Standard returns the five scheduled jobs, each a thin call into its
// domain package.
func Standard(d Deps) []Job {
	// When each kind of message has lost its reason, from the domains
	// that send them.
	stale := map[string]notify.Stale{}
	for _, m := range []map[string]notify.Stale{procurement.StaleMessages, compliance.StaleReminders, sanction.StaleNotices} {
		maps.Copy(stale, m)
	}
	return []Job{
		{
			Name: Evaluate,
			Description: "Mengevaluasi setiap usaha untuk periode yang batas laporannya telah lewat (dan periode " +
				"sebelumnya, yang masih dapat dikoreksi), lalu membuka atau memperluas kasus. Tidak menerbitkan teguran.",
			Check: func(ctx context.Context, p Params, now time.Time) error {
				if p.Period == "" {
					return nil
				}
				period, err := compliance.ParsePeriod(p.Period)
				if err != nil {
					return fault.Invalid(fault.Field("period", err.Error()))
				}
				_, err = compliance.CheckEvaluable(ctx, d.DB, period, now)
				return err
			},
			Run: func(ctx context.Context, db *gorm.DB, p Params, now time.Time) (Counts, error) {
				return evaluate(ctx, db, d.Reports, p, now)
			},
		},
		{
			Name:        Lapse,
			Description: "Menandai kasus yang batas tanggapannya telah lewat agar diputuskan peninjau, dan menandai kasus yang kekurangannya telah dipenuhi.",
			Run: func(ctx context.Context, db *gorm.DB, _ Params, now time.Time) (Counts, error) {
				lapsed, cured, err := sanction.Lapse(ctx, db, now)
				return Counts{"lapsed": lapsed, "cured": cured}, err
			},
		},
		{
			Name:        Remind,
			Description: "Mengirim pengingat 7, 3 dan 1 hari sebelum batas laporan berkala kepada usaha yang belum melapor dan IKM yang belum mengonfirmasi pembelian, serta pengingat kepada usaha atas pembelian yang 3 hari lagi jatuh tempo dan yang lewat batas pembayaran; setiap pengingat sekali saja.",
			Run: func(ctx context.Context, db *gorm.DB, _ Params, now time.Time) (Counts, error) {
				res, err := compliance.SendReminders(ctx, db, now, d.AppURL, d.Signature, d.WhatsAppReminders)
				counts := Counts{"period": res.Period, "days_before": res.DaysBefore, "businesses": res.Businesses,
					"ikms": res.IKMs, "messages": res.Messages}
				if err != nil {
					return counts, err
				}
				pay, err := procurement.SendPaymentReminders(ctx, db, now, d.AppURL, d.Signature)
				counts["payment_purchases"], counts["payment_businesses"] = pay.Purchases, pay.Businesses
				counts["messages"] = res.Messages + pay.Messages
				return counts, err
			},
		},
		{
			Name:        Expire,
			Description: "Mengakhiri perjanjian kemitraan yang masa berlakunya habis dan membersihkan tautan konfirmasi, kunci idempotensi, sesi yang berakhir dan berkas unggahan yatim yang kedaluwarsa.",
			Run: func(ctx context.Context, db *gorm.DB, _ Params, now time.Time) (Counts, error) {
				ended, err := partnership.EndExpired(ctx, db, now)
				if err != nil {
					return Counts{"agreements_ended": ended}, err
				}
				tokens, err := procurement.PurgeExpiredLinks(ctx, db, now)
				if err != nil {
					return Counts{"agreements_ended": ended}, err
				}
				keys, err := procurement.PurgeIdempotencyKeys(ctx, db, now)
				counts := Counts{"agreements_ended": ended, "tokens_removed": tokens, "idempotency_keys_removed": keys}
				if err != nil {
					return counts, err
				}
				if d.Auth != nil {
					pruned, err := d.Auth.Prune(ctx, db)
					counts["sessions_removed"], counts["login_attempts_removed"] = pruned.Sessions, pruned.LoginAttempts
					if err != nil {
						return counts, err
					}
				}
				if d.Files != nil {
					// Uploads of a rolled-back request (a response whose
					// second file was refused) leave a blob no row names; a
					// day later it goes.
					counts["orphan_files_removed"], err = d.Files.Sweep(ctx, db, now.Add(-24*time.Hour))
				}
				return counts, err
			},
		},
		{
			Name:        Outbox,
			Description: "Mengirim pemberitahuan yang menunggu di outbox, dengan percobaan ulang bertahap.",
			Run: func(ctx context.Context, db *gorm.DB, _ Params, now time.Time) (Counts, error) {
				policy := notify.Policy{Stale: stale}
				if d.Purchases != nil {
					var err error
					if policy.Render, err = d.Purchases.Renderers(ctx, db); err != nil {
						return nil, err
					}
				}
				got, err := notify.Deliver(ctx, db, d.Sender, policy, now)
				return Counts{"sent": got.Sent, "logged": got.Logged, "failed": got.Failed, "cancelled": got.Cancelled,
					"abandoned": got.Abandoned}, err
			},
		},
	}
}

// evaluate evaluates the given period, or else the latest period whose
// report deadline has passed and the one before it, which stays open to
// corrections (late confirmations, officer verifications, reversals) until
// the next period's evaluation moves on.
func evaluate(ctx context.Context, db *gorm.DB, reports *report.Service, p Params, now time.Time) (Counts, error) {
	var periods []compliance.Period
	if p.Period != "" {
		period, err := compliance.ParsePeriod(p.Period)
		if err != nil {
			return nil, err
		}
		periods = []compliance.Period{period}
	} else {
		latest, err := compliance.LatestDue(ctx, db, now)
		if err != nil {
			return nil, err
		}
		periods = []compliance.Period{latest.Prev(), latest}
	}
	counts := Counts{}
	for _, period := range periods {
		if _, err := compliance.RuleSetFor(ctx, db, period); errors.Is(err, fault.ErrNotFound) {
			counts[period.String()] = "tidak ada aturan yang berlaku"
			continue
		}
		res, err := sanction.EvaluatePeriod(ctx, db, period, now)
		if err != nil {
			return counts, err
		}
		counts[period.String()] = res
		if reports != nil {
			if err := reports.RefreshIKMActivity(ctx, db, period); err != nil {
				return counts, fmt.Errorf("jobs: IKM activity of %s: %w", period, err)
			}
		}
	}
	return counts, nil
}

// NewStandardRunner returns a runner with the standard jobs, working
// through the services of svc.
func NewStandardRunner(db *gorm.DB, c clock.Clock, log *slog.Logger, cfg config.Config, svc *services.Set) *Runner {
	return NewRunner(db, c, log, Standard(Deps{DB: db, Sender: svc.Sender, Files: svc.Files, Auth: svc.Auth,
		AppURL: cfg.HTTP.PublicURL, Signature: notify.Signature(cfg.Office),
		WhatsAppReminders: cfg.WhatsApp.Sends(compliance.KindConfirmationReminder),
		Reports:           svc.Reports,
		Purchases:         svc.Purchases})...)
}
