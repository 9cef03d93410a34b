package database

import (
	"context"
	"log/slog"
	"time"

	"gorm.io/gorm/logger"
)

// slowStatement is the duration past which a statement is logged.
const slowStatement = 500 * time.Millisecond

// queryLog is gorm's logger: it logs slow statements only. Failed ones are
// the caller's to report (a duplicate invoice is an answer, not a fault;
// the error handler logs what is a fault), and gorm's own logger renders
// every statement with its values before deciding whether to log it, which
// cost a tenth of a purchase report.
type queryLog struct{ log *slog.Logger }

func (q queryLog) LogMode(logger.LogLevel) logger.Interface { return q }

func (q queryLog) Info(ctx context.Context, msg string, args ...any) {
	q.log.InfoContext(ctx, msg, "args", args)
}

func (q queryLog) Warn(ctx context.Context, msg string, args ...any) {
	q.log.WarnContext(ctx, msg, "args", args)
}

func (q queryLog) Error(ctx context.Context, msg string, args ...any) {
	q.log.ErrorContext(ctx, msg, "args", args)
}

func (q queryLog) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), _ error) {
	if elapsed := time.Since(begin); elapsed > slowStatement {
		sql, rows := fc()
		q.log.WarnContext(ctx, "slow statement", "duration", elapsed, "rows", rows, "sql", sql)
	}
}
