package sanction

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/files"
)

// Service works sanction cases over one database.
type Service struct {
	db     *gorm.DB
	clock  clock.Clock
	files  *files.Store
	office config.Office
	// publicURL is where the verification address printed on letters
	// points (http.public_url).
	publicURL string
}

// New returns the service. store keeps response evidence; office is the
// letterhead printed on letters.
func New(db *gorm.DB, c clock.Clock, store *files.Store, office config.Office, publicURL string) *Service {
	if c == nil {
		c = clock.System{}
	}
	return &Service{db: db, clock: c, files: store, office: office, publicURL: publicURL}
}

type caseRow struct {
	ID               int64 `gorm:"primaryKey"`
	BusinessID       int64
	Stage            Stage
	Rung             int
	RuleSetID        int64
	OpenedAt         time.Time
	ResponseDue      *time.Time
	ResponseDeadline *time.Time
	LapsedAt         *time.Time
	CuredAt          *time.Time
	ClosedAt         *time.Time
	Outcome          *string
	UpdatedAt        time.Time
}

func (caseRow) TableName() string { return "sanction_cases" }

type findingRow struct {
	ID                    int64 `gorm:"primaryKey"`
	CaseID                int64
	BusinessID            int64
	EvaluationID          int64
	Period                string
	Status                string
	TargetPurchaseValue   int64
	TargetIKMCount        int
	TargetOutletSlots     int
	RealisedPurchaseValue int64
	RealisedIKMCount      int
	RealisedOutletSlots   float64
	ReportStatus          string
	FoundAt               time.Time
}

func (findingRow) TableName() string { return "sanction_findings" }

type decisionRow struct {
	ID           int64 `gorm:"primaryKey"`
	CaseID       int64
	Decision     Decision
	FromStage    Stage
	ToStage      Stage
	Rung         int
	Reason       string
	ResponseID   *int64
	DecidedBy    *int64
	ReviewerName string
	DecidedAt    time.Time
}

func (decisionRow) TableName() string { return "sanction_decisions" }

type responseRow struct {
	ID          int64 `gorm:"primaryKey"`
	CaseID      int64
	Rung        int
	Objection   bool
	Explanation string
	SubmittedBy *int64
	SubmittedAt time.Time
	Decision    *string
	DecidedAt   *time.Time
}

func (responseRow) TableName() string { return "sanction_responses" }

type letterRow struct {
	ID         int64 `gorm:"primaryKey"`
	CaseID     int64
	DecisionID int64
	Kind       string
	Year       int
	Seq        int
	Number     string
	IssuedAt   time.Time
	PDF        []byte `gorm:"column:pdf"`
	SHA256     string `gorm:"column:sha256"`
	// VerificationCode is printed on the letter (see verify.go).
	VerificationCode string
}

func (letterRow) TableName() string { return "sanction_letters" }

// Business is what a case shows of its business.
type Business struct {
	ID            int64  `json:"id"`
	NIB           string `json:"nib"`
	Name          string `json:"name"`
	Category      string `json:"category"`
	KecamatanCode string `json:"kecamatan_code"`
}

// Case is a case as the API shows it.
type Case struct {
	ID               int64
	Business         Business
	Stage            Stage
	Rung             int
	RuleSetID        int64
	OpenedAt         time.Time
	ResponseDue      *time.Time
	ResponseDeadline *time.Time
	LapsedAt         *time.Time
	CuredAt          *time.Time
	ClosedAt         *time.Time
	Outcome          string
	UpdatedAt        time.Time
	Periods          []string // the findings' periods
}

// Finding is one period's shortfall on a case, with where it stands now.
type Finding struct {
	ID                    int64
	Period                string
	Status                string
	ReportStatus          string
	TargetPurchaseValue   int64
	TargetIKMCount        int
	TargetOutletSlots     int
	RealisedPurchaseValue int64
	RealisedIKMCount      int
	RealisedOutletSlots   float64
	// Now: what counts today (before the response deadline), and whether it
	// makes up the shortfall.
	NowPurchaseValue int64
	NowIKMCount      int
	NowOutletSlots   float64
	NowReported      bool
	Cured            bool
}

// Response is a company's answer to a warning.
type Response struct {
	ID          int64
	Rung        int
	Objection   bool
	Explanation string
	SubmittedBy int64
	SubmittedAt time.Time
	Decision    string
	DecidedAt   *time.Time
	FileIDs     []int64
}

// DecisionRecord is a reviewer's decision on a case.
type DecisionRecord struct {
	ID           int64
	Decision     Decision
	FromStage    Stage
	ToStage      Stage
	Rung         int
	Reason       string
	ResponseID   *int64
	ReviewerName string
	DecidedAt    time.Time
	LetterID     int64
	LetterNumber string
}

// Letter is a letter's metadata (the PDF is fetched on its own).
type Letter struct {
	ID         int64
	DecisionID int64
	Kind       string
	Number     string
	IssuedAt   time.Time
	SizeBytes  int
}

// CaseDetail is a case with everything on it.
type CaseDetail struct {
	Case
	Findings  []Finding
	Responses []Response
	Decisions []DecisionRecord
	Letters   []Letter
	// Cured is true when every finding is made up as of now.
	Cured bool
	// Allowed lists the decisions the stage allows (guards aside).
	Allowed []Decision
}

// CaseFilter narrows the case list.
type CaseFilter struct {
	Stage      Stage
	BusinessID int64
	Period     string
	Open       *bool
}

// Page is one page of a keyset list: ids below Cursor (0 = newest first).
type Page struct {
	Cursor int64
	Limit  int
}

func (p Page) limit() int { return database.PageSize(p.Limit) }

// caseQuery is the scoped base of case reads: a company sees its own
// business's cases only; staff see all. Anyone else sees none.
func caseQuery(ctx context.Context, db *gorm.DB) *gorm.DB {
	cond, args := actor.From(ctx).BusinessScope("c.business_id")
	return db.WithContext(ctx).Table("sanction_cases AS c").Joins("JOIN businesses b ON b.id = c.business_id").
		Where(cond, args...)
}

// caseListRow is a case joined with its business. The case's columns fill
// the embedded row (a named field: gorm skips an unexported embedded type).
type caseListRow struct {
	Row           caseRow `gorm:"embedded"`
	NIB           string
	Name          string
	Category      string
	KecamatanCode string
	Periods       []string `gorm:"serializer:json"`
}

const caseColumns = `c.id, c.business_id, c.stage, c.rung, c.rule_set_id, c.opened_at, c.response_due,
	c.response_deadline, c.lapsed_at, c.cured_at, c.closed_at, c.outcome, c.updated_at,
	b.nib, b.name, b.category, b.kecamatan_code,
	(SELECT coalesce(json_agg(f.period ORDER BY f.period), '[]') FROM sanction_findings f WHERE f.case_id = c.id) AS periods`

func (r caseListRow) toCase() Case {
	c := r.Row
	out := Case{ID: c.ID, Stage: c.Stage, Rung: c.Rung, RuleSetID: c.RuleSetID, OpenedAt: c.OpenedAt,
		ResponseDue: c.ResponseDue, ResponseDeadline: c.ResponseDeadline, LapsedAt: c.LapsedAt,
		CuredAt: c.CuredAt, ClosedAt: c.ClosedAt, UpdatedAt: c.UpdatedAt, Periods: r.Periods,
		Business: Business{ID: c.BusinessID, NIB: r.NIB, Name: r.Name, Category: r.Category, KecamatanCode: r.KecamatanCode}}
	if c.Outcome != nil {
		out.Outcome = *c.Outcome
	}
	if out.Periods == nil {
		out.Periods = []string{}
	}
	return out
}

// ListCases lists cases, newest first, scoped to the caller, with the next
// page's cursor (0 when this is the last page).
func (s *Service) ListCases(ctx context.Context, f CaseFilter, page Page) ([]Case, int64, error) {
	var c fault.Checker
	if f.Stage != "" && !validStage(f.Stage) {
		c.Add("stage", "tahap tidak dikenal")
	}
	if f.Period != "" {
		if p, err := compliance.ParsePeriod(f.Period); err != nil {
			c.Add("period", err.Error())
		} else {
			f.Period = p.String()
		}
	}
	if err := c.Err(); err != nil {
		return nil, 0, err
	}
	q := caseQuery(ctx, s.db).Select(caseColumns)
	if f.Stage != "" {
		q = q.Where("c.stage = ?", f.Stage)
	}
	if f.BusinessID != 0 {
		q = q.Where("c.business_id = ?", f.BusinessID)
	}
	if f.Period != "" {
		q = q.Where("EXISTS (SELECT 1 FROM sanction_findings f WHERE f.case_id = c.id AND f.period = ?)", f.Period)
	}
	if f.Open != nil {
		if *f.Open {
			q = q.Where("c.stage NOT IN ('closed', 'recommended')")
		} else {
			q = q.Where("c.stage IN ('closed', 'recommended')")
		}
	}
	if page.Cursor > 0 {
		q = q.Where("c.id < ?", page.Cursor)
	}
	var rows []caseListRow
	if err := q.Order("c.id DESC").Limit(page.limit() + 1).Scan(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("sanction: list cases: %w", err)
	}
	rows, next := database.KeysetPage(rows, page.limit(), func(r caseListRow) int64 { return r.Row.ID })
	out := make([]Case, len(rows))
	for i, r := range rows {
		out[i] = r.toCase()
	}
	return out, next, nil
}

func validStage(s Stage) bool {
	for _, known := range Stages {
		if s == known {
			return true
		}
	}
	return false
}

func caseNotFound() *fault.Error {
	return fault.NotFound("case_not_found", "Kasus tidak ditemukan.")
}

// GetCase returns one case with its findings (judged against today's
// records), responses, decisions and letters. A case outside the caller's
// scope is not found.
func (s *Service) GetCase(ctx context.Context, id int64) (CaseDetail, error) {
	var row caseListRow
	res := caseQuery(ctx, s.db).Select(caseColumns).Where("c.id = ?", id).Limit(1).Scan(&row)
	if res.Error != nil {
		return CaseDetail{}, fmt.Errorf("sanction: case %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return CaseDetail{}, caseNotFound()
	}
	d := CaseDetail{Case: row.toCase(), Allowed: Allowed(row.Row.Stage)}
	if d.Allowed == nil {
		d.Allowed = []Decision{}
	}
	db := s.db.WithContext(ctx)

	var findings []findingRow
	if err := db.Where("case_id = ?", id).Order("period").Find(&findings).Error; err != nil {
		return d, err
	}
	var judged []findingNow
	if d.Stage.Open() {
		var err error
		if judged, err = judgeFindings(ctx, s.db, id); err != nil {
			return d, err
		}
	}
	now := map[int64]findingNow{}
	for _, j := range judged {
		now[j.FindingID] = j
	}
	d.Cured = len(findings) > 0 && d.Stage.Open()
	d.Findings = make([]Finding, len(findings))
	for i, f := range findings {
		j := now[f.ID]
		d.Findings[i] = Finding{ID: f.ID, Period: f.Period, Status: f.Status, ReportStatus: f.ReportStatus,
			TargetPurchaseValue: f.TargetPurchaseValue, TargetIKMCount: f.TargetIKMCount, TargetOutletSlots: f.TargetOutletSlots,
			RealisedPurchaseValue: f.RealisedPurchaseValue, RealisedIKMCount: f.RealisedIKMCount,
			RealisedOutletSlots: f.RealisedOutletSlots, NowPurchaseValue: j.RealisedPurchaseValue,
			NowIKMCount: j.RealisedIKMCount, NowOutletSlots: j.RealisedOutletSlots, NowReported: j.Reported, Cured: j.Cured()}
		d.Cured = d.Cured && j.Cured()
	}

	var responses []responseRow
	if err := db.Where("case_id = ?", id).Order("id").Find(&responses).Error; err != nil {
		return d, err
	}
	var links []struct{ ResponseID, FileID int64 }
	if err := db.Raw(`SELECT rf.response_id, rf.file_id FROM sanction_response_files rf
		JOIN sanction_responses r ON r.id = rf.response_id WHERE r.case_id = ? ORDER BY rf.file_id`, id).
		Scan(&links).Error; err != nil {
		return d, err
	}
	filesOf := map[int64][]int64{}
	for _, l := range links {
		filesOf[l.ResponseID] = append(filesOf[l.ResponseID], l.FileID)
	}
	d.Responses = make([]Response, len(responses))
	for i, r := range responses {
		d.Responses[i] = Response{ID: r.ID, Rung: r.Rung, Objection: r.Objection, Explanation: r.Explanation,
			SubmittedAt: r.SubmittedAt, DecidedAt: r.DecidedAt, FileIDs: filesOf[r.ID]}
		if r.SubmittedBy != nil {
			d.Responses[i].SubmittedBy = *r.SubmittedBy
		}
		if r.Decision != nil {
			d.Responses[i].Decision = *r.Decision
		}
		if d.Responses[i].FileIDs == nil {
			d.Responses[i].FileIDs = []int64{}
		}
	}

	if err := db.Raw(`SELECT d.id, d.decision, d.from_stage, d.to_stage, d.rung, d.reason, d.response_id,
			d.reviewer_name, d.decided_at, l.id AS letter_id, l.number AS letter_number
		FROM sanction_decisions d LEFT JOIN sanction_letters l ON l.decision_id = d.id
		WHERE d.case_id = ? ORDER BY d.id`, id).Scan(&d.Decisions).Error; err != nil {
		return d, err
	}
	if d.Decisions == nil {
		d.Decisions = []DecisionRecord{}
	}
	letters, err := s.letters(ctx, id)
	d.Letters = letters
	return d, err
}

func (s *Service) letters(ctx context.Context, caseID int64) ([]Letter, error) {
	var out []Letter
	err := s.db.WithContext(ctx).Raw(`SELECT id, decision_id, kind, number, issued_at, length(pdf) AS size_bytes
		FROM sanction_letters WHERE case_id = ? ORDER BY id`, caseID).Scan(&out).Error
	if out == nil {
		out = []Letter{}
	}
	return out, err
}

// Letters lists a case's letters, scoped like the case.
func (s *Service) Letters(ctx context.Context, caseID int64) ([]Letter, error) {
	if _, err := s.scopedCase(ctx, s.db, caseID, false); err != nil {
		return nil, err
	}
	return s.letters(ctx, caseID)
}

// LetterPDF returns one letter's PDF and number, scoped like its case.
func (s *Service) LetterPDF(ctx context.Context, caseID, letterID int64) (Letter, []byte, error) {
	if _, err := s.scopedCase(ctx, s.db, caseID, false); err != nil {
		return Letter{}, nil, err
	}
	var row letterRow
	err := s.db.WithContext(ctx).Where("case_id = ? AND id = ?", caseID, letterID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Letter{}, nil, fault.NotFound("letter_not_found", "Surat tidak ditemukan.")
	}
	if err != nil {
		return Letter{}, nil, err
	}
	return Letter{ID: row.ID, DecisionID: row.DecisionID, Kind: row.Kind, Number: row.Number,
		IssuedAt: row.IssuedAt, SizeBytes: len(row.PDF)}, row.PDF, nil
}

// scopedCase loads a case the caller may see, optionally locking it for
// update; anything else is not found.
func (s *Service) scopedCase(ctx context.Context, tx *gorm.DB, id int64, lock bool) (caseRow, error) {
	cond, args := actor.From(ctx).BusinessScope("business_id")
	q := tx.WithContext(ctx).Where("id = ?", id).Where(cond, args...)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var row caseRow
	err := q.Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return caseRow{}, caseNotFound()
	}
	if err != nil {
		return caseRow{}, fmt.Errorf("sanction: load case %d: %w", id, err)
	}
	return row, nil
}
