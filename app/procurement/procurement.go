// Package procurement holds the purchases companies report and their IKM
// confirm: single reports (by a company user or its ERP token), bulk imports,
// password-less confirmation links, officer verification and dispute
// resolution, reversing entries and withdrawal.
//
// A purchase counts towards its business's obligation exactly when
// status = 'confirmed': the IKM confirmed it (in the app or through the
// link), or an officer verified it or resolved a dispute in its favour. A
// counted purchase is locked; a mistake is corrected by a reversing entry
// with the negative amount, so summing counted amounts stays right.
package procurement

import (
	"context"
	"kemitraan/app/platform/config"
	"sync"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/files"
)

// Status is where a purchase stands.
type Status string

const (
	StatusReported  Status = "reported"
	StatusConfirmed Status = "confirmed"
	StatusDisputed  Status = "disputed"
	StatusRejected  Status = "rejected"
	StatusWithdrawn Status = "withdrawn"
)

// Statuses lists every status, for filters and documents.
var Statuses = []Status{StatusReported, StatusConfirmed, StatusDisputed, StatusRejected, StatusWithdrawn}

// Source says how a purchase reached the system.
type Source string

const (
	SourceManual Source = "manual"
	SourceImport Source = "import"
	SourceERP    Source = "erp"
)

// DefaultConfirmationWindow is the 14 days an IKM has to answer, used when
// no rule set says otherwise.
const DefaultConfirmationWindow = 14 * 24 * time.Hour

// Purchase is a stored purchase. Handlers shape their own answers from it.
type Purchase struct {
	ID               int64 `gorm:"primaryKey;->"`
	BusinessID       int64
	IKMID            int64 `gorm:"column:ikm_id"`
	AgreementID      *int64
	InvoiceNumber    string
	PurchaseDate     time.Time `gorm:"type:date"`
	PaidDate         *time.Time
	Description      string
	Quantity         int64
	Amount           int64
	Status           Status
	ConfirmBy        time.Time
	ConfirmedVia     *string
	ConfirmedAt      *time.Time
	ConfirmedBy      *int64
	Verified         bool
	VerifiedAt       *time.Time
	VerifiedBy       *int64
	DisputedAt       *time.Time
	DisputeReason    string
	ResolvedAt       *time.Time
	ResolvedBy       *int64
	ResolutionReason string
	WithdrawnAt      *time.Time
	ReversesID       *int64
	ReversalReason   string
	Source           Source
	CreatedBy        *int64
	CreatedTokenID   *int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
	// LinkNonce is the nonce of the purchase's confirmation link (token.go).
	LinkNonce []byte

	// Payment (payment.go): the terms, the IKM's word, an officer's
	// resolution of a payment dispute, and what follows from them.
	PaymentDays             int
	DueDate                 time.Time `gorm:"type:date;->"` // purchase date + terms
	Consignment             bool
	IKMPayment              *string    `gorm:"column:ikm_payment"`
	IKMPaidAmount           *int64     `gorm:"column:ikm_paid_amount"`
	IKMPaymentOn            *time.Time `gorm:"column:ikm_payment_on;type:date"`
	IKMPaymentAt            *time.Time `gorm:"column:ikm_payment_at"`
	PaymentResolution       *string
	PaymentResolvedAt       *time.Time
	PaymentResolvedBy       *int64
	PaymentResolutionReason string
	// PaidOn is the day it counts as paid (migration 00019), nil while not.
	PaidOn *time.Time `gorm:"type:date;->"`

	// Filled by reads that join them; never written.
	BusinessName string `gorm:"->;-:migration"`
	IKMName      string `gorm:"column:ikm_name;->;-:migration"`
	IKMNIB       string `gorm:"column:ikm_nib;->;-:migration"`
}

func (Purchase) TableName() string { return "purchases" }

// Counted reports whether the purchase counts towards its business's
// obligation: the one predicate the evaluation uses too.
func (p Purchase) Counted() bool { return p.Status == StatusConfirmed }

// Locked reports whether the purchase may no longer change: once counted it
// is corrected only by a reversing entry.
func (p Purchase) Locked() bool { return p.Status == StatusConfirmed }

// WindowFunc tells how long an IKM has to confirm a purchase reported at a
// moment (the rule set in force then), reading db: the caller's
// transaction. Nil means DefaultConfirmationWindow.
type WindowFunc func(ctx context.Context, db *gorm.DB, reportedAt time.Time) (time.Duration, error)

// Config is what the service needs from the configuration.
type Config struct {
	MaxAmount     int64
	ImportMaxRows int
	// PublicURL is the base of confirmation links.
	PublicURL string
	// TokenSecret signs confirmation links; empty means the installation
	// secret kept in the database.
	TokenSecret string
	// Office is the Dinas as its messages name and sign it.
	Office config.Office
	// WhatsApp says the WhatsApp channel takes confirmation requests: an
	// IKM that agreed to it gets them there rather than by e-mail.
	WhatsApp bool
}

// Service reports and decides purchases.
type Service struct {
	db     *gorm.DB
	clock  clock.Clock
	cfg    Config
	files  *files.Store
	window WindowFunc

	secretMu sync.Mutex
	secret   []byte
	// reportSQL is the text of a report's statement by its shape (report.go).
	reportSQL sync.Map
}

// New returns the service. store keeps evidence files; window may be nil.
func New(db *gorm.DB, c clock.Clock, cfg Config, store *files.Store, window WindowFunc) *Service {
	if c == nil {
		c = clock.System{}
	}
	return &Service{db: db, clock: c, cfg: cfg, files: store, window: window}
}

func (s *Service) now() time.Time { return s.clock.Now().UTC() }

// today is the calendar date in WIB, as a UTC midnight (how dates are
// held).
func (s *Service) today() time.Time { return clock.Today(s.clock) }

func (s *Service) confirmationWindow(ctx context.Context, db *gorm.DB, at time.Time) (time.Duration, error) {
	if s.window == nil {
		return DefaultConfirmationWindow, nil
	}
	return s.window(ctx, db, at)
}
