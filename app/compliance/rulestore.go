package compliance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/audit"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/format"
)

// StoredRuleSet is a rule set version as the database keeps it.
type StoredRuleSet struct {
	RuleSet
	ID       int64
	Source   string // the YAML as first written
	SHA256   string // of the validated rule set, so comments do not count
	Origin   string // file or upload
	LoadedAt time.Time
	LoadedBy int64
}

// InForce reports whether the version has taken effect at now (clock.WIB date).
func (s StoredRuleSet) InForce(now time.Time) bool {
	return !s.EffectiveFrom.After(clock.DateIn(now))
}

type ruleSetRow struct {
	ID            int64 `gorm:"primaryKey"`
	Version       string
	Title         string
	EffectiveFrom time.Time
	PeriodKind    string
	Body          []byte `gorm:"type:jsonb"`
	Source        string
	SHA256        string `gorm:"column:sha256"`
	Origin        string
	LoadedAt      time.Time
	LoadedBy      *int64
}

func (ruleSetRow) TableName() string { return "rule_sets" }

func (r ruleSetRow) stored() (StoredRuleSet, error) {
	var rs RuleSet
	if err := json.Unmarshal(r.Body, &rs); err != nil {
		return StoredRuleSet{}, fmt.Errorf("compliance: rule set %s: %w", r.Version, err)
	}
	s := StoredRuleSet{RuleSet: rs, ID: r.ID, Source: r.Source, SHA256: r.SHA256, Origin: r.Origin, LoadedAt: r.LoadedAt}
	if r.LoadedBy != nil {
		s.LoadedBy = *r.LoadedBy
	}
	return s, nil
}

// Origins of a rule set version.
const (
	OriginFile   = "file"
	OriginUpload = "upload"
)

// InstallResult says what installing a rule set did.
type InstallResult struct {
	RuleSet StoredRuleSet
	// Created is true for a new version, Replaced for a stored version
	// whose content changed (one not yet in force, or one in force that
	// gained its legal basis); neither means it was already there.
	Created, Replaced bool
}

// rulesLock serialises rule set installs across replicas starting at once.
const rulesLock = "kemitraan_rule_sets"

// InstallRuleSet validates src and stores it as a version, in one
// transaction with its audit event. Installing the same content again
// changes nothing. A version in force is never changed (409); a version not
// yet in force may be replaced. A new upload must take effect after today,
// so it only ever supersedes for periods to come; files shipped with the
// deployment may carry past dates but must come after every stored version.
func InstallRuleSet(ctx context.Context, db *gorm.DB, src []byte, origin string, now time.Time) (InstallResult, error) {
	rs, err := ParseRuleSet(src)
	if err != nil {
		return InstallResult{}, err
	}
	body, err := json.Marshal(rs)
	if err != nil {
		return InstallResult{}, fmt.Errorf("compliance: encode rule set: %w", err)
	}
	// Compared by meaning, not bytes: a comment fixed in a file in force is
	// not an amendment.
	sum := sha256.Sum256(body)
	row := ruleSetRow{
		Version: rs.Version, Title: rs.Title, EffectiveFrom: rs.EffectiveFrom.Time, PeriodKind: string(rs.Period),
		Body: body, Source: string(src), SHA256: hex.EncodeToString(sum[:]), Origin: origin, LoadedAt: now.UTC(),
	}
	row.LoadedBy = actor.From(ctx).OptionalUserID()
	today := clock.DateIn(now)

	var out InstallResult
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) (txErr error) {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext(?))", rulesLock).Error; err != nil {
			return err
		}
		var existing []ruleSetRow
		if err := tx.Order("effective_from").Find(&existing).Error; err != nil {
			return err
		}
		var same *ruleSetRow
		var latest time.Time
		for i := range existing {
			if existing[i].Version == rs.Version {
				same = &existing[i]
				continue
			}
			if existing[i].EffectiveFrom.After(latest) {
				latest = existing[i].EffectiveFrom
			}
		}
		switch {
		case same != nil && same.SHA256 == row.SHA256:
			s, err := same.stored()
			out.RuleSet = s
			return err
		case same != nil && citesOnly(rs, same.SHA256):
			return cite(ctx, tx, *same, row, rs, now, &out)
		case same != nil && !same.EffectiveFrom.After(today):
			return &fault.Error{Kind: fault.KindConflict, Code: "rule_set_in_force",
				Detail: fmt.Sprintf("Versi %s berlaku sejak %s dan tidak dapat diubah. Tetapkan perubahan sebagai versi baru dengan tanggal berlaku yang lebih baru.",
					rs.Version, format.Date(same.EffectiveFrom)),
				Fields: []fault.FieldError{fault.Field("version", "versi yang sudah berlaku tidak dapat diubah")},
				Extra:  map[string]any{"effective_from": same.EffectiveFrom.Format(time.DateOnly)}}
		}
		if origin == OriginUpload && !rs.EffectiveFrom.After(today) {
			return fault.Invalid(fault.Field("effective_from",
				fmt.Sprintf("harus setelah hari ini (%s): versi baru hanya menggantikan aturan untuk masa mendatang", format.Date(today))))
		}
		if origin == OriginFile && !rs.EffectiveFrom.After(latest) && len(existing) > 0 && same == nil {
			return fault.Invalid(fault.Field("effective_from",
				fmt.Sprintf("harus setelah tanggal berlaku versi terakhir yang tersimpan (%s)", format.Date(latest))))
		}
		moved, err := dueMoved(rs, existing, same)
		if err != nil {
			return err
		}
		if moved {
			// Once the version is written below, in this transaction.
			defer func() {
				if txErr == nil {
					txErr = rebuildTotals(ctx, tx, rs.EffectiveFrom.Time)
				}
			}()
		}
		if same != nil {
			row.ID = same.ID
			before, _ := same.stored()
			if err := tx.Model(&ruleSetRow{}).Where("id = ?", same.ID).Updates(map[string]any{
				"title": row.Title, "effective_from": row.EffectiveFrom, "period_kind": row.PeriodKind,
				"body": row.Body, "source": row.Source, "sha256": row.SHA256, "origin": row.Origin,
				"loaded_at": row.LoadedAt, "loaded_by": row.LoadedBy,
			}).Error; err != nil {
				return ruleConflict(err)
			}
			out.Replaced = true
			s, _ := row.stored()
			out.RuleSet = s
			return audit.Record(ctx, tx, now, audit.Event{Action: "rule_set.replace", EntityType: "rule_set",
				EntityID: rs.Version, Before: before.RuleSet, After: rs})
		}
		if err := tx.Create(&row).Error; err != nil {
			return ruleConflict(err)
		}
		out.Created = true
		s, _ := row.stored()
		out.RuleSet = s
		return audit.Record(ctx, tx, now, audit.Event{Action: "rule_set.create", EntityType: "rule_set",
			EntityID: rs.Version, After: rs})
	})
	if err != nil {
		return InstallResult{}, err
	}
	return out, nil
}

// defaultReportDueDay is the due day purchase_report_due (migration 00019)
// assumes before any rule set is stored.
const defaultReportDueDay = 15

// dueMoved reports whether rs moves the report due date of the periods it
// will judge. Payment counts for a period when it came by that date (the
// totals trigger reads it from rule_sets), so the totals kept under the
// old date must then be recomputed once rs is stored (rebuildTotals). Most
// versions keep the due day.
func dueMoved(rs RuleSet, existing []ruleSetRow, same *ruleSetRow) (bool, error) {
	before := defaultReportDueDay
	for _, e := range existing {
		if (same != nil && e.ID == same.ID) || (same == nil && e.EffectiveFrom.Before(rs.EffectiveFrom.Time)) {
			old, err := e.stored()
			if err != nil {
				return false, err
			}
			before = old.ReportDueDay
		}
	}
	return before != rs.ReportDueDay, nil
}

// rebuildTotals recomputes purchase_totals for every period ending on or
// after from, in tx (writers of purchases wait for it to commit).
func rebuildTotals(ctx context.Context, tx *gorm.DB, from time.Time) error {
	if err := tx.WithContext(ctx).Exec(`SELECT purchase_totals_rebuild(?::date)`, from).Error; err != nil {
		return fmt.Errorf("compliance: rebuild purchase totals from %s: %w", from.Format(time.DateOnly), err)
	}
	return nil
}

// citesOnly reports whether rs is the version stored with storedSum plus
// a legal basis it lacked: the same numbers, now naming the regulation they
// come from. That is no amendment, so a version in force may take it (the
// shipped file gained its legal basis after installations loaded it).
// Changing a legal basis already recorded is an amendment like any other.
func citesOnly(rs RuleSet, storedSum string) bool {
	if rs.LegalBasis == nil {
		return false
	}
	rs.LegalBasis = nil
	body, err := json.Marshal(rs)
	if err != nil {
		return false
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:]) == storedSum
}

// cite records the legal basis of a stored version, with its audit event.
func cite(ctx context.Context, tx *gorm.DB, same, row ruleSetRow, rs RuleSet, now time.Time, out *InstallResult) error {
	if err := tx.Model(&ruleSetRow{}).Where("id = ?", same.ID).Updates(map[string]any{
		"body": row.Body, "source": row.Source, "sha256": row.SHA256,
	}).Error; err != nil {
		return fmt.Errorf("compliance: legal basis of %s: %w", rs.Version, err)
	}
	stored, err := same.stored()
	if err != nil {
		return err
	}
	stored.RuleSet, stored.Source, stored.SHA256 = rs, row.Source, row.SHA256
	out.RuleSet, out.Replaced = stored, true
	return audit.Record(ctx, tx, now, audit.Event{Action: "rule_set.cite", EntityType: "rule_set",
		EntityID: rs.Version, Before: map[string]any{"legal_basis": nil}, After: map[string]any{"legal_basis": rs.LegalBasis}})
}

func ruleConflict(err error) error {
	if c, ok := database.UniqueViolation(err); ok && c == "rule_sets_effective_from_key" {
		return &fault.Error{Kind: fault.KindConflict, Code: "effective_from_taken",
			Detail: "Sudah ada versi aturan lain dengan tanggal berlaku yang sama.",
			Fields: []fault.FieldError{fault.Field("effective_from", "sudah dipakai versi lain")}, Err: err}
	}
	return err
}

// LoadResult counts what LoadRuleFiles did.
type LoadResult struct {
	Files, Created, Replaced int
}

// LoadRuleFiles installs every *.yaml file in dir, oldest effective date
// first. It is safe to repeat and to run from several replicas at once;
// serve and seed call it at start. A file that does not validate stops the
// load with its name and every bad key.
func LoadRuleFiles(ctx context.Context, db *gorm.DB, dir string, now time.Time) (LoadResult, error) {
	if !actor.From(ctx).Authenticated() {
		ctx = actor.With(ctx, actor.SystemActor)
	}
	var names []string
	for _, pattern := range []string{"*.yaml", "*.yml"} {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return LoadResult{}, err
		}
		names = append(names, m...)
	}
	type file struct {
		name string
		src  []byte
		rs   RuleSet
	}
	files := make([]file, 0, len(names))
	for _, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			return LoadResult{}, fmt.Errorf("rules: %w", err)
		}
		rs, err := ParseRuleSet(src)
		if err != nil {
			return LoadResult{}, fmt.Errorf("rules: %s: %w", name, describe(err))
		}
		files = append(files, file{name, src, rs})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].rs.EffectiveFrom.Before(files[j].rs.EffectiveFrom.Time) })
	res := LoadResult{Files: len(files)}
	for _, f := range files {
		out, err := InstallRuleSet(ctx, db, f.src, OriginFile, now)
		if err != nil {
			return res, fmt.Errorf("rules: %s: %w", f.name, describe(err))
		}
		if out.Created {
			res.Created++
		}
		if out.Replaced {
			res.Replaced++
		}
	}
	return res, nil
}

// describe lists a fault's field errors on one line for a start-up message.
func describe(err error) error {
	fe, ok := fault.As(err)
	if !ok || len(fe.Fields) == 0 {
		return err
	}
	parts := make([]string, len(fe.Fields))
	for i, f := range fe.Fields {
		parts[i] = f.Field + ": " + f.Reason
	}
	return errors.New(strings.Join(parts, "; "))
}

// RuleSetAt returns the version in force on the calendar date d: the one
// with the latest effective date on or before it.
func RuleSetAt(ctx context.Context, db *gorm.DB, d time.Time) (StoredRuleSet, error) {
	var row ruleSetRow
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	err := db.WithContext(ctx).Where("effective_from <= ?", day).Order("effective_from DESC").Limit(1).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return StoredRuleSet{}, fault.NotFound("no_rule_set",
			fmt.Sprintf("Tidak ada aturan yang berlaku pada %s. Muat berkas aturan (config/rules) terlebih dahulu.", format.Date(day)))
	}
	if err != nil {
		return StoredRuleSet{}, fmt.Errorf("compliance: rule set at %s: %w", day.Format(time.DateOnly), err)
	}
	return row.stored()
}

// RuleSetFor returns the version that judges period p: the one in force on
// its last day, so a period is judged by the rules that held when it ended.
func RuleSetFor(ctx context.Context, db *gorm.DB, p Period) (StoredRuleSet, error) {
	return RuleSetAt(ctx, db, p.LastDay())
}

// RuleSetByID returns one stored version.
func RuleSetByID(ctx context.Context, db *gorm.DB, id int64) (StoredRuleSet, error) {
	var row ruleSetRow
	err := db.WithContext(ctx).Take(&row, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return StoredRuleSet{}, fault.NotFound("rule_set_not_found", "Versi aturan tidak ditemukan.")
	}
	if err != nil {
		return StoredRuleSet{}, err
	}
	return row.stored()
}

// RuleSetByVersion returns one stored version by its name.
func RuleSetByVersion(ctx context.Context, db *gorm.DB, version string) (StoredRuleSet, error) {
	var row ruleSetRow
	err := db.WithContext(ctx).Where("version = ?", version).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return StoredRuleSet{}, fault.NotFound("rule_set_not_found", fmt.Sprintf("Versi aturan %q tidak ditemukan.", version))
	}
	if err != nil {
		return StoredRuleSet{}, err
	}
	return row.stored()
}

// RuleSets lists every stored version, oldest effective date first.
func RuleSets(ctx context.Context, db *gorm.DB) ([]StoredRuleSet, error) {
	var rows []ruleSetRow
	if err := db.WithContext(ctx).Order("effective_from").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]StoredRuleSet, 0, len(rows))
	for _, r := range rows {
		s, err := r.stored()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// ConfirmationWindowDaysSQL is a scalar subquery for a statement of another
// package: the confirmation window, in days, of the rule set in force on
// the date that the SQL expression day gives (NULL before any).
func ConfirmationWindowDaysSQL(day string) string {
	return `(SELECT (r.body->>'confirmation_window_days')::int FROM rule_sets r
		WHERE r.effective_from <= ` + day + ` ORDER BY r.effective_from DESC LIMIT 1)`
}

// PaymentDueDaysSQL is a scalar subquery: the payment term in days of the
// rule set in force on the date the SQL expression day gives (its
// payment_due_days, else DefaultPaymentDueDays).
func PaymentDueDaysSQL(day string) string {
	return `coalesce((SELECT (r.body->>'payment_due_days')::int FROM rule_sets r
		WHERE r.effective_from <= ` + day + ` ORDER BY r.effective_from DESC LIMIT 1), ` +
		strconv.Itoa(DefaultPaymentDueDays) + `)`
}

// PaymentTermsSQL is a query of every version's payment term and the dates
// it governs (effective_from to until, exclusive; until NULL for the
// latest), for joining many rows by date at once.
var PaymentTermsSQL = `SELECT r.effective_from, lead(r.effective_from) OVER (ORDER BY r.effective_from) AS until,
		coalesce((r.body->>'payment_due_days')::int, ` + strconv.Itoa(DefaultPaymentDueDays) + `) AS days
	FROM rule_sets r`

// FirstJudgedDaySQL is a scalar subquery: the first day of the first period
// any rule set judges, the start of the period (of the first version's
// kind) that holds the first version's effective date; NULL while there is
// none. Nothing dated earlier is ever evaluated, as no period before it has
// a rule set in force at its end.
const FirstJudgedDaySQL = `(SELECT CASE r.period_kind
		WHEN 'monthly' THEN date_trunc('month', r.effective_from)::date
		WHEN 'semester' THEN make_date(extract(year FROM r.effective_from)::int,
			CASE WHEN extract(month FROM r.effective_from) <= 6 THEN 1 ELSE 7 END, 1)
		ELSE date_trunc('quarter', r.effective_from)::date END
	FROM rule_sets r ORDER BY r.effective_from LIMIT 1)`
