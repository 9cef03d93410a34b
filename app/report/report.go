// Package report is what officials and the public read out of the
// compliance engine's tables: the sanction list (and its CSV and XLSX
// exports), statistics per period, a company's own dashboard, and the public
// figures, IKM directory and final recommendations. It only reads, apart
// from the per-period IKM activity snapshots it keeps to answer quickly.
//
// Every list is one set-based statement (joins and lateral subqueries),
// never a query per business. Reads are scoped by the actor in the context:
// staff see everything, a company only its own business, anyone else what
// the public may see.
package report

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/fault"
)

// Service answers the reports over one database.
type Service struct {
	db     *gorm.DB
	clock  clock.Clock
	public *publicCache
	log    *slog.Logger
	// activityMinAge: an IKM activity snapshot younger than this is not
	// rebuilt; rebuilding and background follow the background rebuilds.
	activityMinAge time.Duration
	rebuilding     sync.Map // period → true while it is rebuilt
	background     sync.WaitGroup
}

// New returns the service; log hears about failed background work.
func New(db *gorm.DB, c clock.Clock, log *slog.Logger) *Service {
	if c == nil {
		c = clock.System{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, clock: c, log: log, public: newPublicCache(PublicMaxAge),
		activityMinAge: defaultActivityMinAge}
}

// periodChoice is a period the caller asked for (or the default) with the
// rule set that judges it.
type periodChoice struct {
	Period  compliance.Period
	RuleSet compliance.StoredRuleSet
}

// resolvePeriod reads the period a report is for: raw when given (field
// names the query parameter in errors), else the latest period with
// evaluations, else the last closed period of the rule set in force today.
func (s *Service) resolvePeriod(ctx context.Context, raw, field string) (periodChoice, error) {
	var p compliance.Period
	if raw != "" {
		var err error
		if p, err = compliance.ParsePeriod(raw); err != nil {
			return periodChoice{}, fault.Invalid(fault.Field(field, err.Error()))
		}
	} else {
		var latest string
		err := s.db.WithContext(ctx).Raw(`SELECT period FROM evaluated_periods ORDER BY period_end DESC, period LIMIT 1`).
			Scan(&latest).Error
		if err != nil {
			return periodChoice{}, fmt.Errorf("report: latest evaluated period: %w", err)
		}
		if latest != "" {
			p = compliance.MustPeriod(latest)
		}
	}
	if p.IsZero() {
		rs, err := compliance.RuleSetAt(ctx, s.db, clock.DateIn(s.clock.Now()))
		if err != nil {
			return periodChoice{}, err
		}
		p = compliance.PeriodContaining(rs.Period, s.clock.Now()).Prev()
	}
	rs, err := compliance.RuleSetFor(ctx, s.db, p)
	if err != nil {
		if errors.Is(err, fault.ErrNotFound) && raw != "" {
			return periodChoice{}, fault.Invalid(fault.Field(field,
				fmt.Sprintf("tidak ada aturan yang berlaku untuk periode %s", p)))
		}
		return periodChoice{}, err
	}
	if why := rs.PeriodMismatch(p); why != "" {
		return periodChoice{}, fault.Invalid(fault.Field(field, why))
	}
	return periodChoice{Period: p, RuleSet: rs}, nil
}

// lastPeriods is the n periods up to and including p, oldest first.
func lastPeriods(p compliance.Period, n int) []compliance.Period {
	out := make([]compliance.Period, n)
	for i := n - 1; i >= 0; i-- {
		out[i] = p
		p = p.Prev()
	}
	return out
}

func periodStrings(ps []compliance.Period) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// readOnly runs fn in a read-only transaction whose statements skip JIT
// compilation: the reports' plans are cheap to run and the compiler would
// add a tenth of a second to each.
func (s *Service) readOnly(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET TRANSACTION READ ONLY").Error; err != nil {
			return err
		}
		if err := tx.Exec("SET LOCAL jit = off").Error; err != nil {
			return err
		}
		return fn(tx)
	})
}
