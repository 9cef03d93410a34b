package api

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestDecisionLetterPreview: a reviewer gets the draft of a decision's
// letter as a PDF to read before deciding; it takes no letter number and
// changes nothing, and a decision the case does not allow, or bad input,
// is refused as the decision itself would be.
func TestDecisionLetterPreview(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	f := newAuthzFixture(s)
	cs := f.sanctionCase("queued")
	path := fmt.Sprintf("/api/v1/cases/%d/decisions/preview", cs)
	written := func() int64 {
		return s.count(`SELECT (SELECT count(*) FROM sanction_letters) + (SELECT count(*) FROM sanction_decisions)
			+ (SELECT count(*) FROM audit_events) + (SELECT count(*) FROM outbox) + (SELECT count(*) FROM letter_counters)`)
	}
	before := written()

	r := s.call(f.callers[reviewer], http.MethodPost, path, decisionRequest{Decision: "warn", Reason: "Belum ada pembelian."})
	if r.Code != http.StatusOK || r.Header().Get("Content-Type") != "application/pdf" ||
		!bytes.HasPrefix(r.Body.Bytes(), []byte("%PDF-")) {
		t.Fatalf("preview: %d %s %.80q", r.Code, r.Header().Get("Content-Type"), r.Body.String())
	}
	if d := r.Header().Get("Content-Disposition"); !strings.HasPrefix(d, "inline") || r.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("headers: %q, %q", d, r.Header().Get("Cache-Control"))
	}
	var stage string
	s.db.Raw(`SELECT stage FROM sanction_cases WHERE id = ?`, cs).Scan(&stage)
	if written() != before || stage != "queued" {
		t.Errorf("the preview wrote something: stage %s, %d new rows", stage, written()-before)
	}

	if p := s.call(f.callers[reviewer], http.MethodPost, path, decisionRequest{Decision: "recommend"}).problem(409); p["code"] != "decision_not_allowed" ||
		p["current_stage"] != "queued" {
		t.Errorf("a decision the stage refuses: %v", p)
	}
	p := s.call(f.callers[reviewer], http.MethodPost, path, decisionRequest{Decision: "dismiss"}).problem(422)
	if got := strings.Join(fields(p), ","); got != "reason" {
		t.Errorf("dismiss without a reason: fields %s", got)
	}
	s.call(f.callers[reviewer], http.MethodPost, "/api/v1/cases/999999/decisions/preview", decisionRequest{Decision: "warn"}).problem(404)
	if written() != before {
		t.Error("a refused preview wrote something")
	}

	// The letter issued afterwards takes the year's first number.
	res := decode[decisionResponse](s.call(f.callers[reviewer], http.MethodPost, fmt.Sprintf("/api/v1/cases/%d/decisions", cs),
		decisionRequest{Decision: "warn", Reason: "Belum ada pembelian."}), http.StatusCreated)
	if !strings.HasSuffix(res.Letter.Number, "/0001") {
		t.Errorf("letter %s after a preview", res.Letter.Number)
	}
}
