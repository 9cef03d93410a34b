package sanction_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/files"
	"kemitraan/app/sanction"
)

type fixture struct {
	t        *testing.T
	db       *gorm.DB
	clock    *clock.Fixed
	svc      *sanction.Service
	reviewer context.Context
	ruleSet  int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := dbtest.New(t)
	f := &fixture{t: t, db: db, clock: clock.NewFixed(time.Date(2025, 5, 2, 3, 0, 0, 0, time.UTC))}
	if _, err := compliance.LoadRuleFiles(context.Background(), db, "../../config/rules", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.ruleSet = f.id("SELECT id FROM rule_sets WHERE version = 'bekasi-2025'")
	uid := f.id(`INSERT INTO users (username, name, role, password_hash) VALUES ('kabid', 'Ir. Siti Rahayu, M.T.', 'reviewer', 'x') RETURNING id`)
	f.reviewer = actor.With(context.Background(), actor.Actor{UserID: uid, Username: "kabid", Role: actor.RoleReviewer})
	f.svc = sanction.New(db, f.clock, files.NewStore(t.TempDir(), 1<<20, f.clock), config.Default().Office, "http://127.0.0.1:8080")
	return f
}

func (f *fixture) id(q string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.db.Raw(q, args...).Row().Scan(&id); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return id
}

func (f *fixture) count(q string, args ...any) int64 { return f.id(q, args...) }

// caseIn makes a business with a Q1 2025 finding and a case in stage at
// rung. A cured case's finding asks for nothing and its report is in; an
// uncured one is short by Rp5,000,000. A responded case has an undecided
// response.
func (f *fixture) caseIn(stage sanction.Stage, rung int, cured bool) int64 {
	f.t.Helper()
	biz := dbtest.AddBusiness(f.t, f.db, dbtest.Business{Name: "PT Contoh Abadi", Category: "restaurant",
		Email: "kepatuhan@contoh.co.id", Address: "Jl. Industri 1"})
	target := int64(5_000_000)
	if cured {
		target = 0
		f.id(`INSERT INTO period_reports (business_id, period, submitted_at, deadline, on_time)
			VALUES (?, '2025-Q1', '2025-04-10', '2025-04-15 17:00Z', true) RETURNING id`, biz)
	}
	eval := f.id(`INSERT INTO evaluations (business_id, period, period_start, period_end, rule_set_id, category,
			target_purchase_value, target_ikm_count, target_outlet_slots, realised_purchase_value, realised_ikm_count,
			realised_outlet_slots, status, report_status, computed_at)
		VALUES (?, '2025-Q1', '2025-01-01', '2025-03-31', ?, 'restaurant', ?, 0, 0, 0, 0, 0, 'non_compliant', 'on_time', now())
		RETURNING id`, biz, f.ruleSet, target)
	var due, deadline, closed, outcome any
	switch stage {
	case sanction.StageWarned, sanction.StageResponded, sanction.StageLapsed, sanction.StageRejected:
		due, deadline = "2025-05-16", "2025-05-16 17:00Z"
	case sanction.StageClosed:
		closed, outcome = "2025-05-01", "dismissed"
	case sanction.StageRecommended:
		closed, outcome = "2025-05-01", "recommended"
	}
	if stage == sanction.StageLapsed {
		due, deadline = "2025-05-01", "2025-05-01 17:00Z"
	}
	cs := f.id(`INSERT INTO sanction_cases (business_id, stage, rung, rule_set_id, opened_at, response_due,
			response_deadline, closed_at, outcome, updated_at)
		VALUES (?, ?, ?, ?, '2025-04-16', ?, ?, ?, ?, now()) RETURNING id`,
		biz, string(stage), rung, f.ruleSet, due, deadline, closed, outcome)
	f.id(`INSERT INTO sanction_findings (case_id, business_id, evaluation_id, period, status, target_purchase_value,
			target_ikm_count, target_outlet_slots, realised_purchase_value, realised_ikm_count, realised_outlet_slots,
			report_status, found_at)
		VALUES (?, ?, ?, '2025-Q1', 'non_compliant', ?, 0, 0, 0, 0, 0, 'on_time', now()) RETURNING id`, cs, biz, eval, target)
	if stage == sanction.StageResponded {
		f.id(`INSERT INTO sanction_responses (case_id, rung, objection, explanation, submitted_at)
			VALUES (?, ?, true, 'Kami keberatan: pembelian belum dikonfirmasi IKM.', now()) RETURNING id`, cs, rung)
	}
	return cs
}

type outcome struct {
	stage sanction.Stage // the stage after a successful decision
	rung  int
	code  string // the 409 code when refused
}

func ok(stage sanction.Stage, rung int) outcome { return outcome{stage: stage, rung: rung} }
func refused(code string) outcome               { return outcome{code: code} }

// TestDecisionTableEveryStageAndDecision tries every decision in every stage
// (at the rungs where the ladder guards matter) against expectations
// written out here, independently of the table in the code. An allowed
// decision moves the case and leaves a decision, a letter, an audit event
// and a notice; a refused one is a 409 naming the stage and writes nothing.
func TestDecisionTableEveryStageAndDecision(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const (
		Q, W, RS, L, RJ, REC, C = sanction.StageQueued, sanction.StageWarned, sanction.StageResponded,
			sanction.StageLapsed, sanction.StageRejected, sanction.StageRecommended, sanction.StageClosed
	)
	no := refused("decision_not_allowed")
	// What a refusal's detail calls each decision, in Bahasa Indonesia.
	says := map[sanction.Decision]string{sanction.Dismiss: "menghentikan kasus", sanction.Warn: "menerbitkan teguran",
		sanction.Recommend: "merekomendasikan sanksi", sanction.AcceptResponse: "menerima tanggapan",
		sanction.RejectResponse: "menolak tanggapan", sanction.CloseCured: "menutup kasus"}
	type row struct {
		stage sanction.Stage
		rung  int
		want  map[sanction.Decision]outcome
	}
	rows := []row{
		{Q, 0, map[sanction.Decision]outcome{sanction.Dismiss: ok(C, 0), sanction.Warn: ok(W, 1), sanction.Recommend: no,
			sanction.AcceptResponse: no, sanction.RejectResponse: no, sanction.CloseCured: ok(C, 0)}},
		{W, 1, map[sanction.Decision]outcome{sanction.Dismiss: ok(C, 1), sanction.Warn: no, sanction.Recommend: no,
			sanction.AcceptResponse: no, sanction.RejectResponse: no, sanction.CloseCured: ok(C, 1)}},
		{RS, 1, map[sanction.Decision]outcome{sanction.Dismiss: ok(C, 1), sanction.Warn: no, sanction.Recommend: no,
			sanction.AcceptResponse: ok(C, 1), sanction.RejectResponse: ok(RJ, 1), sanction.CloseCured: ok(C, 1)}},
		{L, 1, map[sanction.Decision]outcome{sanction.Dismiss: ok(C, 1), sanction.Warn: ok(W, 2),
			sanction.Recommend: refused("ladder_not_done"), sanction.AcceptResponse: no, sanction.RejectResponse: no,
			sanction.CloseCured: ok(C, 1)}},
		{L, 3, map[sanction.Decision]outcome{sanction.Dismiss: ok(C, 3), sanction.Warn: refused("ladder_exhausted"),
			sanction.Recommend: ok(REC, 3), sanction.AcceptResponse: no, sanction.RejectResponse: no, sanction.CloseCured: ok(C, 3)}},
		{RJ, 2, map[sanction.Decision]outcome{sanction.Dismiss: ok(C, 2), sanction.Warn: ok(W, 3),
			sanction.Recommend: refused("ladder_not_done"), sanction.AcceptResponse: no, sanction.RejectResponse: no,
			sanction.CloseCured: ok(C, 2)}},
		{RJ, 3, map[sanction.Decision]outcome{sanction.Dismiss: ok(C, 3), sanction.Warn: refused("ladder_exhausted"),
			sanction.Recommend: ok(REC, 3), sanction.AcceptResponse: no, sanction.RejectResponse: no, sanction.CloseCured: ok(C, 3)}},
		{REC, 3, map[sanction.Decision]outcome{sanction.Dismiss: no, sanction.Warn: no, sanction.Recommend: no,
			sanction.AcceptResponse: no, sanction.RejectResponse: no, sanction.CloseCured: no}},
		{C, 1, map[sanction.Decision]outcome{sanction.Dismiss: no, sanction.Warn: no, sanction.Recommend: no,
			sanction.AcceptResponse: no, sanction.RejectResponse: no, sanction.CloseCured: no}},
	}
	// Every stage and every decision is covered.
	for _, st := range sanction.Stages {
		found := false
		for _, r := range rows {
			if r.stage == st {
				found = true
				for _, d := range sanction.Decisions {
					if _, ok := r.want[d]; !ok {
						t.Fatalf("no expectation for %s × %s", st, d)
					}
				}
			}
		}
		if !found {
			t.Fatalf("stage %s not covered", st)
		}
	}

	issued := 0
	for _, r := range rows {
		for _, d := range sanction.Decisions {
			want := r.want[d]
			t.Run(fmt.Sprintf("%s_rung%d_%s", r.stage, r.rung, d), func(t *testing.T) {
				cs := f.caseIn(r.stage, r.rung, true)
				before := f.count("SELECT count(*) FROM audit_events") + f.count("SELECT count(*) FROM outbox")
				res, err := f.svc.Decide(f.reviewer, cs, sanction.DecisionInput{Decision: d, Reason: "Alasan peninjau."})
				if want.code != "" {
					fe, isFault := fault.As(err)
					if !isFault || fe.Kind != fault.KindConflict || fe.Code != want.code {
						t.Fatalf("error %v, want 409 %s", err, want.code)
					}
					if fe.Extra["current_stage"] != string(r.stage) {
						t.Errorf("409 names stage %v, want %s", fe.Extra["current_stage"], r.stage)
					}
					if !strings.HasPrefix(fe.Detail, "Tidak dapat "+says[d]) {
						t.Errorf("409 detail %q does not name the decision as %q", fe.Detail, says[d])
					}
					var stage string
					f.db.Raw("SELECT stage FROM sanction_cases WHERE id = ?", cs).Scan(&stage)
					after := f.count("SELECT count(*) FROM audit_events") + f.count("SELECT count(*) FROM outbox")
					if stage != string(r.stage) || after != before ||
						f.count("SELECT count(*) FROM sanction_decisions WHERE case_id = ?", cs) != 0 {
						t.Errorf("a refused decision wrote something: stage %s, %d new rows", stage, after-before)
					}
					return
				}
				if err != nil {
					t.Fatalf("decision refused: %v", err)
				}
				issued++
				if res.Case.Stage != want.stage || res.Case.Rung != want.rung {
					t.Errorf("case now %s rung %d, want %s rung %d", res.Case.Stage, res.Case.Rung, want.stage, want.rung)
				}
				wantNumber := fmt.Sprintf("/DISPERIN/2025/%04d", issued)
				if got := res.Letter.Number; len(got) < len(wantNumber) || got[len(got)-len(wantNumber):] != wantNumber {
					t.Errorf("letter %s, want one ending %s", got, wantNumber)
				}
				if d == sanction.Warn && res.Letter.Kind != fmt.Sprintf("SP%d", want.rung) {
					t.Errorf("warning letter kind %s", res.Letter.Kind)
				}
				if n := f.count("SELECT count(*) FROM audit_events WHERE action = 'case.decide' AND entity_id = ?", fmt.Sprint(cs)); n != 1 {
					t.Errorf("%d audit events", n)
				}
				if n := f.count("SELECT count(*) FROM outbox WHERE recipient = 'kepatuhan@contoh.co.id' AND payload->>'case_id' = ?", fmt.Sprint(cs)); n != 1 {
					t.Errorf("%d notices", n)
				}
			})
		}
	}
	var seqs []int
	f.db.Raw("SELECT seq FROM sanction_letters WHERE year = 2025 ORDER BY seq").Scan(&seqs)
	for i, s := range seqs {
		if s != i+1 {
			t.Fatalf("letter numbers have a gap: %v", seqs)
		}
	}
	if len(seqs) != issued || f.count("SELECT last FROM letter_counters WHERE year = 2025") != int64(issued) {
		t.Errorf("%d letters for %d decisions", len(seqs), issued)
	}
}

func TestDecisionGuardsAndInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uncured := f.caseIn(sanction.StageQueued, 0, false)
	_, err := f.svc.Decide(f.reviewer, uncured, sanction.DecisionInput{Decision: sanction.CloseCured})
	if fe, ok := fault.As(err); !ok || fe.Code != "not_cured" {
		t.Errorf("close_cured on a case still short: %v", err)
	}
	for _, tc := range []struct {
		in    sanction.DecisionInput
		field string
	}{
		{sanction.DecisionInput{Decision: sanction.Dismiss}, "reason"},
		{sanction.DecisionInput{Decision: sanction.RejectResponse, Reason: "  "}, "reason"},
		{sanction.DecisionInput{Decision: "escalate"}, "decision"},
		{sanction.DecisionInput{}, "decision"},
	} {
		_, err := f.svc.Decide(f.reviewer, uncured, tc.in)
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.KindInvalid || fe.Fields[0].Field != tc.field {
			t.Errorf("%+v: %v, want a field error on %s", tc.in, err, tc.field)
		}
	}
	// A company user cannot see another business's case; the case is
	// simply not there.
	stranger := dbtest.AddBusiness(f.t, f.db, dbtest.Business{Name: "PT Lain", Category: "hotel"})
	other := actor.With(context.Background(), actor.Actor{UserID: 99, Role: actor.RoleCompany, BusinessID: stranger})
	if _, err := f.svc.GetCase(other, uncured); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("another company's case: %v", err)
	}
	if f.count("SELECT count(*) FROM sanction_letters") != 0 || f.count("SELECT count(*) FROM letter_counters") != 0 {
		t.Error("refused decisions used letter numbers")
	}
}
