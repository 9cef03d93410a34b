package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/files"
	"kemitraan/app/sanction"
)

// The compliance routes' rows of the authorisation matrix (authz_test.go).
// Records belong to the fixture's own business, so "other" (a company user
// of another business) must get 404, never the record.
func init() {
	authzMatrix = append(authzMatrix, complianceAuthzRows...)
}

var staff = []who{admin, officer, reviewer}

var complianceAuthzRows = []authzRow{
	{"GET", "/api/v1/rules", nil, nil, allowed(200, staff...)},
	{"GET", "/api/v1/rules/:version", func(f *authzFixture) string {
		f.s.loadRules()
		return "/api/v1/rules/bekasi-2025"
	}, nil, allowed(200, staff...)},
	// A JSON body is not a YAML rule set: whoever passes the guard gets 415.
	{"POST", "/api/v1/rules", nil, func(*authzFixture) any { return map[string]any{} }, allowed(415, admin)},

	{"GET", "/api/v1/evaluations", nil, nil, allowed(200, admin, officer, reviewer, own, other)},
	{"GET", "/api/v1/evaluations/:id", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/evaluations/%d", f.evaluation())
	}, nil, allowed(200, admin, officer, reviewer, own).with(other, 404)},

	{"GET", "/api/v1/exemptions", nil, nil, allowed(200, staff...)},
	{"POST", "/api/v1/exemptions", nil, func(*authzFixture) any { return map[string]any{} }, allowed(415, officer)},
	{"POST", "/api/v1/exemptions/:id/revoke", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/exemptions/%d/revoke", f.exemption())
	}, func(*authzFixture) any { return reasonRequest{Reason: "Diberikan karena salah data"} }, allowed(200, officer)},
	{"GET", "/api/v1/exemptions/:id/document", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/exemptions/%d/document", f.exemption())
	}, nil, allowed(200, staff...)},

	{"GET", "/api/v1/cases", nil, nil, allowed(200, admin, officer, reviewer, own, other)},
	{"GET", "/api/v1/cases/:id", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/cases/%d", f.sanctionCase("queued"))
	}, nil, allowed(200, admin, officer, reviewer, own).with(other, 404)},
	{"POST", "/api/v1/cases/:id/decisions", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/cases/%d/decisions", f.sanctionCase("queued"))
	}, func(*authzFixture) any { return decisionRequest{Decision: "warn"} }, allowed(201, reviewer)},
	{"POST", "/api/v1/cases/:id/decisions/preview", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/cases/%d/decisions/preview", f.sanctionCase("queued"))
	}, func(*authzFixture) any { return decisionRequest{Decision: "warn"} }, allowed(200, reviewer)},
	// Answers are multipart: a JSON body gets 415 from whoever passes the guard.
	{"POST", "/api/v1/cases/:id/responses", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/cases/%d/responses", f.sanctionCase("warned"))
	}, func(*authzFixture) any { return map[string]any{} }, allowed(415, own, other)},
	{"GET", "/api/v1/cases/:id/letters", func(f *authzFixture) string {
		return fmt.Sprintf("/api/v1/cases/%d/letters", f.sanctionCase("queued"))
	}, nil, allowed(200, admin, officer, reviewer, own).with(other, 404)},
	{"GET", "/api/v1/cases/:id/letters/:letter", func(f *authzFixture) string {
		cs, letter := f.letter()
		return fmt.Sprintf("/api/v1/cases/%d/letters/%d", cs, letter)
	}, nil, allowed(200, admin, officer, reviewer, own).with(other, 404)},
	{"GET", "/api/v1/cases/:id/files/:file", func(f *authzFixture) string {
		cs, file := f.evidence()
		return fmt.Sprintf("/api/v1/cases/%d/files/%d", cs, file)
	}, nil, allowed(200, admin, officer, reviewer, own).with(other, 404)},

	{"GET", "/api/v1/jobs", nil, nil, allowed(200, admin, officer)},
	{"POST", "/api/v1/jobs/:name/run", func(*authzFixture) string { return "/api/v1/jobs/outbox/run" },
		func(*authzFixture) any { return map[string]any{} }, allowed(200, admin)},
	{"GET", "/api/v1/jobs/:name/runs", func(*authzFixture) string { return "/api/v1/jobs/evaluate/runs" },
		nil, allowed(200, admin, officer)},
}

// evalPeriods hands out a fresh month for each evaluation a row makes, so
// one business can have many.
var evalPeriods atomic.Int64

// evaluation inserts an evaluation of f.business and returns its id. An open
// case of the business is closed first: a business has one open case.
func (f *authzFixture) evaluation() int64 {
	f.s.loadRules()
	f.s.exec(`UPDATE sanction_cases SET stage = 'closed', outcome = 'dismissed', closed_at = now()
		WHERE business_id = ? AND stage NOT IN ('closed', 'recommended')`, f.business)
	n := evalPeriods.Add(1)
	period := fmt.Sprintf("%d-Q%d", 2025+n/4, n%4+1)
	return f.s.count(`INSERT INTO evaluations (business_id, period, period_start, period_end, rule_set_id, category,
			target_purchase_value, target_ikm_count, target_outlet_slots, realised_purchase_value, realised_ikm_count,
			realised_outlet_slots, status, report_status, computed_at)
		SELECT ?, ?, '2025-01-01', '2025-03-31', id, 'factory', 25000000, 2, 0, 0, 0, 0, 'not_reported', 'missing', now()
		FROM rule_sets WHERE version = 'bekasi-2025' RETURNING id`, f.business, period)
}

// sanctionCase opens a fresh case of f.business in stage ("queued", or
// "warned" with its window open) and returns its id.
func (f *authzFixture) sanctionCase(stage string) int64 {
	eval := f.evaluation()
	var due, deadline any
	if stage == "warned" {
		due, deadline = time.Now().AddDate(0, 0, 10).Format(time.DateOnly), time.Now().AddDate(0, 0, 11)
	}
	cs := f.s.count(`INSERT INTO sanction_cases (business_id, stage, rung, rule_set_id, opened_at, response_due,
			response_deadline, updated_at)
		SELECT business_id, ?, CASE WHEN ? = 'warned' THEN 1 ELSE 0 END, rule_set_id, now(), ?, ?, now()
		FROM evaluations WHERE id = ? RETURNING id`, stage, stage, due, deadline, eval)
	f.s.exec(`INSERT INTO sanction_findings (case_id, business_id, evaluation_id, period, status, target_purchase_value,
			target_ikm_count, target_outlet_slots, realised_purchase_value, realised_ikm_count, realised_outlet_slots,
			report_status, found_at)
		SELECT ?, business_id, id, period, status, target_purchase_value, target_ikm_count, target_outlet_slots,
			realised_purchase_value, realised_ikm_count, realised_outlet_slots, report_status, now()
		FROM evaluations WHERE id = ?`, cs, eval)
	return cs
}

func (f *authzFixture) sanctionService() *sanction.Service {
	return sanction.New(f.s.db, f.s.clock, files.NewStore(f.s.cfg.Uploads.Dir, f.s.cfg.Uploads.MaxBytes, f.s.clock), f.s.cfg.Office, f.s.cfg.HTTP.PublicURL)
}

// letter warns a fresh case and returns the case and its SP1 letter.
func (f *authzFixture) letter() (int64, int64) {
	cs := f.sanctionCase("queued")
	ctx := actor.With(context.Background(), actor.Actor{UserID: f.callers[reviewer].userID, Role: actor.RoleReviewer})
	res, err := f.sanctionService().Decide(ctx, cs, sanction.DecisionInput{Decision: sanction.Warn})
	if err != nil {
		f.s.t.Fatalf("warn: %v", err)
	}
	return cs, res.Letter.ID
}

// evidence answers a fresh warned case with one PDF and returns the case
// and the file.
func (f *authzFixture) evidence() (int64, int64) {
	cs := f.sanctionCase("warned")
	ctx := actor.With(context.Background(), actor.Actor{UserID: f.callers[own].userID, Role: actor.RoleCompany,
		BusinessID: f.business})
	r, err := f.sanctionService().Respond(ctx, cs, sanction.ResponseInput{Explanation: "Bukti terlampir.",
		Files: func(save func(string, io.Reader) error) error {
			return save("bukti.pdf", bytes.NewReader(samplePDF(fmt.Sprint("bukti ", cs))))
		}})
	if err != nil || len(r.FileIDs) != 1 {
		f.s.t.Fatalf("respond: %+v %v", r, err)
	}
	return cs, r.FileIDs[0]
}

// exemption grants a fresh business an exemption and returns its id.
func (f *authzFixture) exemption() int64 {
	f.s.loadRules()
	biz := f.s.newBusiness("hotel")
	ctx := actor.With(context.Background(), actor.Actor{UserID: f.callers[officer].userID, Role: actor.RoleOfficer})
	e, err := f.s.svc.Compliance.Grant(ctx, compliance.ExemptionInput{BusinessID: biz, Period: "2025-Q1", Reason: "Keadaan kahar"},
		"surat.pdf", bytes.NewReader(samplePDF(fmt.Sprint("pembebasan ", biz))))
	if err != nil {
		f.s.t.Fatalf("exemption: %v", err)
	}
	return e.ID
}
