// Package services builds the domain services once, from the configuration,
// for the three users of them: the JSON API, the web pages and the jobs.
// cmd/kemitraan calls New once and hands the same set to each.
package services

import (
	"log/slog"

	"gorm.io/gorm"

	"kemitraan/app/audit"
	"kemitraan/app/auth"
	"kemitraan/app/compliance"
	"kemitraan/app/notify"
	"kemitraan/app/partnership"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/files"
	"kemitraan/app/procurement"
	"kemitraan/app/registry"
	"kemitraan/app/report"
	"kemitraan/app/sanction"
)

// Set is every domain service, over one database, clock and upload store.
type Set struct {
	Auth        *auth.Service
	Files       *files.Store // uploaded documents: agreements, evidence, exemptions, letters
	Registry    *registry.Service
	Partnership *partnership.Service // agreements, outlet space, period reports
	Purchases   *procurement.Service
	Compliance  *compliance.Service // rule sets, evaluations, exemptions
	Sanction    *sanction.Service
	Reports     *report.Service // sanction list, exports, statistics, public figures
	Audit       *audit.Service
	Sender      notify.Sender // where the outbox delivers
	Outbox      *notify.Queue // what the outbox holds, for the admin
}

// New builds the set. sender nil means the sender cfg.Mail describes.
func New(cfg config.Config, db *gorm.DB, log *slog.Logger, clk clock.Clock, sender notify.Sender) (*Set, error) {
	if sender == nil {
		mail, err := notify.NewSender(cfg.Mail, log)
		if err != nil {
			return nil, err
		}
		channels := notify.Channels{notify.ChannelEmail: mail}
		if wa := notify.NewWhatsAppSender(cfg.WhatsApp); wa != nil {
			channels[notify.ChannelWhatsApp] = wa
		}
		sender = channels
		if cfg.Env == "production" && cfg.Mail.SMTPAddr == "" {
			// Said loudly: messages then reach nobody, and their single-use
			// links sit in the log.
			log.Error("no e-mail channel is configured (mail.smtp_addr is empty): e-mail notifications are written to the log, links included, and reach nobody",
				"whatsapp", cfg.WhatsApp.Enabled())
		}
	}
	store := files.NewStore(cfg.Uploads.Dir, cfg.Uploads.MaxBytes, clk)
	return &Set{
		Auth:        auth.NewService(db, clk, cfg.Auth),
		Files:       store,
		Registry:    registry.New(db, clk),
		Partnership: partnership.New(db, clk, store, nil),
		Purchases:   procurement.New(db, clk, procurement.ConfigFrom(cfg), store, procurement.RuleSetWindow()),
		Compliance:  compliance.New(db, store, clk),
		Sanction:    sanction.New(db, clk, store, cfg.Office, cfg.HTTP.PublicURL),
		Reports:     report.New(db, clk, log),
		Audit:       audit.NewService(db),
		Sender:      sender,
		Outbox:      notify.NewQueue(db),
	}, nil
}
