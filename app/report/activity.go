package report

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/database"
)

// IKM figures per period (which IKM sold, to how many businesses, for how
// much) come from counted purchases, up to millions per period. They are
// kept as snapshots in ikm_activity and rebuilt, one statement per period,
// when purchases dated in the period have changed since (every change of a
// purchase stamps its updated_at: a confirmation, a payment), with the days
// from purchase to payment per category (payment_delays).
const (
	// activityMargin: a confirmation stamped this long before a snapshot may
	// still have committed after the snapshot read the purchases, so it
	// counts as "since" too.
	activityMargin = 10 * time.Minute
	// defaultActivityMinAge: a snapshot younger than this is not checked
	// again, so a busy period is rebuilt at most once a minute.
	defaultActivityMinAge = time.Minute
	// SeriesPeriods is how many periods the share of active IKM is shown
	// over, up to and including the chosen one.
	SeriesPeriods = 8
)

// activityLock serialises the rebuild of one period's snapshot across
// replicas.
const activityLock = "kemitraan_ikm_activity:"

// ensureActivity makes sure each period has a snapshot (building missing
// ones) and returns when each was computed, and a function that starts the
// background rebuild of the stale ones: the caller runs it once it has read
// the snapshots, so what it read matches their time.
func (s *Service) ensureActivity(ctx context.Context, periods []compliance.Period) (map[string]time.Time, func(), error) {
	now := s.clock.Now().UTC()
	names := periodStrings(periods)
	var snaps []struct {
		Period     string
		ComputedAt time.Time
		Changed    bool
	}
	err := s.db.WithContext(ctx).Raw(`
		SELECT s.period, s.computed_at,
		       EXISTS (SELECT 1 FROM purchases p
		               WHERE p.status = 'confirmed' AND p.updated_at >= s.computed_at - CAST(? AS interval)
		                 AND p.purchase_date BETWEEN s.period_start AND s.period_end) AS changed
		FROM ikm_activity_snapshots s WHERE s.period IN ?`,
		fmt.Sprintf("%d seconds", int(activityMargin.Seconds())), names).Scan(&snaps).Error
	if err != nil {
		return nil, nil, fmt.Errorf("report: ikm activity snapshots: %w", err)
	}
	out := make(map[string]time.Time, len(periods))
	var stale []func()
	seen := make(map[string]time.Time, len(snaps))
	var confirmed []string
	for _, sn := range snaps {
		seen[sn.Period] = sn.ComputedAt
		out[sn.Period] = sn.ComputedAt
		if now.Sub(sn.ComputedAt) < s.activityMinAge {
			continue
		}
		if sn.Changed {
			// Stale: served as it is (its as_of says so) while a rebuild
			// runs in the background, at most once a minute.
			p, seen := compliance.MustPeriod(sn.Period), sn.ComputedAt
			stale = append(stale, func() { s.rebuildInBackground(p, seen) })
		} else {
			confirmed = append(confirmed, sn.Period)
		}
	}
	// Nothing counted since the snapshot: it is as good as one taken now.
	// Moving its time forward keeps the next check's scan of confirmations
	// short, however old the snapshot.
	if len(confirmed) > 0 {
		if err := s.db.WithContext(ctx).Exec(`UPDATE ikm_activity_snapshots SET computed_at = ?
			WHERE period IN ? AND computed_at < ?`, now, confirmed, now).Error; err != nil {
			return nil, nil, fmt.Errorf("report: ikm activity snapshots: %w", err)
		}
		for _, p := range confirmed {
			out[p] = now
		}
	}
	for _, p := range periods {
		if _, ok := out[p.String()]; ok {
			continue
		}
		at, err := s.rebuildActivity(ctx, s.db, p, seen[p.String()])
		if err != nil {
			return nil, nil, err
		}
		out[p.String()] = at
	}
	return out, func() {
		for _, start := range stale {
			start()
		}
	}, nil
}

// rebuildInBackground rebuilds p's snapshot without holding up the request
// that found it stale; one rebuild per period at a time in this process
// (rebuildActivity's lock covers the other replicas).
func (s *Service) rebuildInBackground(p compliance.Period, seen time.Time) {
	if _, busy := s.rebuilding.LoadOrStore(p.String(), true); busy {
		return
	}
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		defer s.rebuilding.Delete(p.String())
		ctx, cancel := context.WithTimeout(context.Background(), rebuildTimeout)
		defer cancel()
		if _, err := s.rebuildActivity(ctx, s.db, p, seen); err != nil {
			s.log.Error("rebuilding IKM activity snapshot", "period", p.String(), "err", err)
		}
	}()
}

// rebuildTimeout bounds a background rebuild (a period's purchases are
// grouped in a few seconds at 10 million purchases).
const rebuildTimeout = 5 * time.Minute

// RefreshIKMActivity rebuilds period p's IKM activity snapshot from the
// counted purchases, whether or not it is stale. The evaluation job may
// call it after evaluating p so the first statistics request is quick.
func (s *Service) RefreshIKMActivity(ctx context.Context, db *gorm.DB, p compliance.Period) error {
	_, err := s.rebuildActivity(ctx, db, p, time.Time{})
	return err
}

// rebuildActivity rebuilds p's snapshot, unless another replica rebuilt it
// while this one waited for the lock: seen is the snapshot's computed_at
// when it was found stale (zero: missing, or rebuild anyway).
func (s *Service) rebuildActivity(ctx context.Context, db *gorm.DB, p compliance.Period, seen time.Time) (time.Time, error) {
	now := s.clock.Now().UTC()
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext(?))", activityLock+p.String()).Error; err != nil {
			return err
		}
		if !seen.IsZero() {
			var current time.Time
			if err := tx.Raw("SELECT computed_at FROM ikm_activity_snapshots WHERE period = ?", p.String()).
				Scan(&current).Error; err != nil {
				return err
			}
			if current.After(seen) {
				now = current
				return nil
			}
		}
		// Grouping a period's purchases wants more than the default 4MB of
		// work memory to stay in memory.
		if err := tx.Exec("SET LOCAL work_mem = '256MB'").Error; err != nil {
			return err
		}
		if err := tx.Exec("SET LOCAL jit = off").Error; err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM ikm_activity_snapshots WHERE period = ?", p.String()).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO ikm_activity_snapshots (period, period_start, period_end, computed_at)
			VALUES (?, ?, ?, ?)`, p.String(), p.FirstDay(), p.LastDay(), now).Error; err != nil {
			return err
		}
		if err := tx.Exec(`
			INSERT INTO ikm_activity (period, ikm_id, amount, partners)
			SELECT ?, ikm_id, sum(amount), count(*) FILTER (WHERE amount > 0)
			FROM (SELECT ikm_id, business_id, sum(amount) AS amount
			      FROM purchases
			      WHERE status = 'confirmed' AND purchase_date BETWEEN ? AND ?
			      GROUP BY ikm_id, business_id) pairs
			GROUP BY ikm_id`, p.String(), p.FirstDay(), p.LastDay()).Error; err != nil {
			return err
		}
		// Corrections (reversals, and the purchases they cancel) are left
		// out: they were not paid for.
		return tx.Exec(`
			INSERT INTO payment_delays (period, category, paid, businesses, median_days)
			SELECT ?, coalesce(b.category, ''), count(*), count(DISTINCT p.business_id),
			       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY p.paid_on - p.purchase_date)::numeric, 1)
			FROM purchases p JOIN businesses b ON b.id = p.business_id
			WHERE p.status = 'confirmed' AND p.paid_on IS NOT NULL AND p.reverses_id IS NULL
			  AND p.purchase_date BETWEEN ? AND ?
			  AND NOT EXISTS (SELECT 1 FROM purchases r WHERE r.reverses_id = p.id AND r.status = 'confirmed')
			GROUP BY ROLLUP (b.category)`, p.String(), p.FirstDay(), p.LastDay()).Error
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("report: rebuild ikm activity for %s: %w", p, err)
	}
	return now, nil
}

// IKMPeriod is the IKM outcome of one period: how many IKM were registered
// (by the period's end, or selling in it), how many sold something counted
// (active), and the rupiah counted as bought from them.
type IKMPeriod struct {
	Period        string
	Registered    int64
	Active        int64
	PurchaseValue int64
	Share         *float64 // active / registered; nil with none registered
}

// TopIKM is an IKM with many partners in a period.
type TopIKM struct {
	ID            int64
	Name          string
	Sector        string
	KecamatanName string
	Partners      int64 // distinct businesses that bought from it
	PurchaseValue int64
}

// ikmSeries reads the outcome of each period from fresh snapshots.
func (s *Service) ikmSeries(ctx context.Context, tx *gorm.DB, periods []compliance.Period) ([]IKMPeriod, error) {
	names := periodStrings(periods)
	ends := make([]time.Time, len(periods))
	for i, p := range periods {
		ends[i] = p.End().UTC()
	}
	var rows []IKMPeriod
	err := tx.WithContext(ctx).Raw(`
		WITH per (period, period_end, ord) AS (
			SELECT * FROM unnest(CAST(? AS text[]), CAST(? AS timestamptz[])) WITH ORDINALITY
		)
		SELECT per.period,
		       (SELECT count(*) FROM ikms i
		        WHERE i.created_at < per.period_end
		           OR EXISTS (SELECT 1 FROM ikm_activity a WHERE a.period = per.period AND a.ikm_id = i.id)) AS registered,
		       coalesce(act.active, 0) AS active, coalesce(act.amount, 0) AS purchase_value
		FROM per
		LEFT JOIN LATERAL (
			SELECT count(*) FILTER (WHERE a.amount > 0) AS active, sum(a.amount) AS amount
			FROM ikm_activity a WHERE a.period = per.period
		) act ON true
		ORDER BY per.ord`, database.Array(names), database.Array(ends)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("report: ikm series: %w", err)
	}
	for i := range rows {
		rows[i].Share = ratio(rows[i].Active, rows[i].Registered)
	}
	return rows, nil
}

func (s *Service) topIKM(ctx context.Context, tx *gorm.DB, p compliance.Period, n int) ([]TopIKM, error) {
	var out []TopIKM
	err := tx.WithContext(ctx).Raw(`
		SELECT a.ikm_id AS id, i.name, i.sector, k.name AS kecamatan_name, a.partners, a.amount AS purchase_value
		FROM ikm_activity a
		JOIN ikms i ON i.id = a.ikm_id
		JOIN kecamatan k ON k.code = i.kecamatan_code
		WHERE a.period = ? AND a.amount > 0
		ORDER BY a.partners DESC, a.amount DESC, a.ikm_id
		LIMIT ?`, p.String(), n).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("report: top ikm: %w", err)
	}
	if out == nil {
		out = []TopIKM{}
	}
	return out, nil
}

// ratio is part/whole, rounded to four places; nil when whole is 0.
func ratio(part, whole int64) *float64 {
	if whole == 0 {
		return nil
	}
	r := float64(part*10000/whole) / 10000
	// Round half up on the fifth place without floating error in the
	// integer part.
	if (part*100000/whole)%10 >= 5 {
		r = float64(part*10000/whole+1) / 10000
	}
	return &r
}
