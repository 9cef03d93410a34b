package procurement

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/fault"
)

// ConfigFrom takes what the service needs from the service configuration.
func ConfigFrom(cfg config.Config) Config {
	return Config{
		MaxAmount: cfg.Procurement.MaxAmount, ImportMaxRows: cfg.Procurement.ImportMaxRows,
		PublicURL: cfg.HTTP.PublicURL, TokenSecret: cfg.Auth.TokenSecret.Value(),
		WhatsApp: cfg.WhatsApp.Sends(KindConfirmationRequest),
		Office:   cfg.Office,
	}
}

// RuleSetWindow reads the confirmation window from the rule set in force
// when a purchase is reported; before any rule set is loaded it is the
// default window.
func RuleSetWindow() WindowFunc {
	return func(ctx context.Context, db *gorm.DB, at time.Time) (time.Duration, error) {
		rs, err := compliance.RuleSetAt(ctx, db, clock.DateIn(at))
		if errors.Is(err, fault.ErrNotFound) {
			return DefaultConfirmationWindow, nil
		}
		if err != nil {
			return 0, err
		}
		return rs.ConfirmationWindow(), nil
	}
}
