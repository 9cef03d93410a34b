package compliance

import (
	"context"

	"gorm.io/gorm"

	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/files"
)

// Service is compliance for the handlers: rule sets, evaluations and
// exemptions (whose documents it stores), over one database and clock. The
// jobs and the sanction package call the package's functions with the
// connection or transaction they hold.
type Service struct {
	db    *gorm.DB
	files *files.Store
	clock clock.Clock
}

// New returns the compliance service.
func New(db *gorm.DB, store *files.Store, clk clock.Clock) *Service {
	return &Service{db: db, files: store, clock: clk}
}

// RuleSetInForce is the rule set in force today.
func (x *Service) RuleSetInForce(ctx context.Context) (StoredRuleSet, error) {
	return RuleSetAt(ctx, x.db, clock.Today(x.clock))
}

// RuleSets are every installed rule set.
func (x *Service) RuleSets(ctx context.Context) ([]StoredRuleSet, error) { return RuleSets(ctx, x.db) }

// RuleSetByVersion is the installed rule set of that version.
func (x *Service) RuleSetByVersion(ctx context.Context, version string) (StoredRuleSet, error) {
	return RuleSetByVersion(ctx, x.db, version)
}

// InstallRuleSet installs the rule set src describes (see InstallRuleSet).
func (x *Service) InstallRuleSet(ctx context.Context, src []byte, origin string) (InstallResult, error) {
	return InstallRuleSet(ctx, x.db, src, origin, x.clock.Now())
}
