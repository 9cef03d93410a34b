package api

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func shippedRules(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../config/rules/bekasi-2025.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (c *cycle) uploadRules(src, contentType string) response {
	c.t.Helper()
	return c.do(http.MethodPost, "/api/v1/rules", strings.NewReader(src),
		"Content-Type", contentType, "Authorization", "Bearer "+c.admin.token)
}

func TestRuleUploads(t *testing.T) {
	t.Parallel()
	c := newCycle(t)
	c.at("2025-06-01 10:00")
	shipped := shippedRules(t)
	amend := strings.NewReplacer("version: bekasi-2025", "version: bekasi-2025-perubahan-1",
		"effective_from: 2025-01-01", "effective_from: 2025-07-01",
		"purchase_value: 5000000", "purchase_value: 7500000").Replace(shipped)
	versions := func() int64 { return c.count("SELECT count(*) FROM rule_sets") }

	for _, tc := range []struct {
		name, body, contentType string
		status                  int
		fields                  []string
	}{
		{"a bad key and a bad value", strings.Replace(strings.Replace(amend, "report_due_day: 15", "report_due_day: 40", 1),
			"ladder:", "ladders:", 1), "application/yaml", 422, []string{"ladder", "ladders", "report_due_day"}},
		{"a version in force is never edited", strings.Replace(shipped, "purchase_value: 5000000", "purchase_value: 1", 1),
			"application/yaml", 409, []string{"version"}},
		{"only future periods may be superseded", strings.Replace(amend, "effective_from: 2025-07-01", "effective_from: 2025-05-01", 1),
			"application/yaml", 422, []string{"effective_from"}},
		{"JSON is not a rule file", `{"version": "x"}`, "application/json", 415, nil},
		{"empty", "", "application/yaml", 422, []string{"(berkas)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := versions()
			p := c.uploadRules(tc.body, tc.contentType).problem(tc.status)
			got := fields(p)
			slices.Sort(got)
			if !slices.Equal(got, tc.fields) {
				t.Errorf("fields %v, want %v: %v", got, tc.fields, p)
			}
			if versions() != before {
				t.Error("a refused upload stored a version")
			}
		})
	}

	created := decode[ruleInstallResponse](c.uploadRules(amend, "application/yaml"), http.StatusCreated)
	if !created.Created || created.RuleSet.InForce || created.RuleSet.Minimums["restaurant"].PurchaseValue != 7_500_000 {
		t.Errorf("amendment: %+v", created)
	}
	if again := decode[ruleInstallResponse](c.uploadRules(amend, "text/yaml; charset=utf-8"), http.StatusOK); again.Created || again.Replaced {
		t.Errorf("the same upload again: %+v", again)
	}
	list := decode[ruleListResponse](c.call(c.officer, http.MethodGet, "/api/v1/rules", nil), http.StatusOK)
	if len(list.Items) != 2 {
		t.Errorf("rule list of %d, want 2: %+v", len(list.Items), list.Items)
	} else {
		want := []map[string]any{{"Current": true}, {"Current": false, "EffectiveFrom": "2025-07-01"}}
		got := []map[string]any{{"Current": list.Items[0].Current},
			{"Current": list.Items[1].Current, "EffectiveFrom": list.Items[1].EffectiveFrom}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("rule list (-want +got):\n%s", diff)
		}
	}
	if n := c.count("SELECT count(*) FROM audit_events WHERE action = 'rule_set.create' AND actor_user_id = ?", c.admin.userID); n != 1 {
		t.Errorf("%d audit events for the upload", n)
	}
	c.call(c.officer, http.MethodGet, "/api/v1/rules/tidak-ada", nil).problem(http.StatusNotFound)
}

func TestComplianceInputIsCheckedAndNothingWritten(t *testing.T) {
	t.Parallel()
	c := newCycle(t)
	biz, company := c.business("factory", "pabrik@contoh.co.id")
	c.at("2025-04-16 08:30")
	c.runJob("evaluate", "2025-Q1") // the factory reported nothing: a case opens
	cs := c.caseOf(biz)
	c.at("2025-04-22 10:00")
	c.decide(cs.ID, "warn", "")

	writes := func() int64 {
		return c.count(`SELECT (SELECT count(*) FROM exemptions) + (SELECT count(*) FROM files) +
			(SELECT count(*) FROM sanction_responses) + (SELECT count(*) FROM sanction_decisions) +
			(SELECT count(*) FROM job_runs) + (SELECT count(*) FROM audit_events)`)
	}
	blobs := c.blobs()
	type attempt struct {
		name   string
		send   func() response
		status int
		fields []string
	}
	pdf := string(samplePDF("surat"))
	textAsPDF := "ini bukan PDF, hanya teks"
	exemption := func(fields [][2]string, files ...[3]string) func() response {
		return func() response { return c.multipartForm(c.officer, "/api/v1/exemptions", fields, files...) }
	}
	respond := func(fields [][2]string, files ...[3]string) func() response {
		return func() response {
			return c.multipartForm(company, fmt.Sprintf("/api/v1/cases/%d/responses", cs.ID), fields, files...)
		}
	}
	decide := func(body string) func() response {
		return func() response {
			return c.do(http.MethodPost, fmt.Sprintf("/api/v1/cases/%d/decisions", cs.ID), bytes.NewBufferString(body),
				"Content-Type", "application/json", "Authorization", "Bearer "+c.reviewer.token)
		}
	}
	job := func(name, body string) func() response {
		return func() response {
			return c.do(http.MethodPost, "/api/v1/jobs/"+name+"/run", bytes.NewBufferString(body),
				"Content-Type", "application/json", "Authorization", "Bearer "+c.admin.token)
		}
	}
	for _, a := range []attempt{
		{"exemption without anything", exemption(nil), 422, []string{"business_id", "document", "period", "reason"}},
		{"exemption for no business, bad period", exemption([][2]string{{"business_id", "999999"}, {"period", "2025-Q9"},
			{"reason", "Banjir"}}, [3]string{"document", "a.pdf", pdf}), 422, []string{"business_id", "period"}},
		{"exemption with a monthly period", exemption([][2]string{{"business_id", fmt.Sprint(biz)}, {"period", "2025-03"},
			{"reason", "Banjir"}}, [3]string{"document", "a.pdf", pdf}), 422, []string{"period"}},
		{"exemption with text named .pdf", exemption([][2]string{{"business_id", fmt.Sprint(biz)}, {"period", "2025-Q1"},
			{"reason", "Banjir"}}, [3]string{"document", "surat.pdf", textAsPDF}), 422, []string{"document"}},
		{"exemption with an unknown field", exemption([][2]string{{"business_id", fmt.Sprint(biz)}, {"period", "2025-Q1"},
			{"reason", "Banjir"}, {"approved", "true"}}, [3]string{"document", "a.pdf", pdf}), 422, []string{"approved"}},
		{"response without explanation", respond(nil), 422, []string{"explanation"}},
		{"response with a fake PDF", respond([][2]string{{"explanation", "Bukti terlampir"}},
			[3]string{"files", "bukti.pdf", pdf}, [3]string{"files", "bukti2.pdf", textAsPDF}), 422, []string{"files[1]"}},
		{"response objection not a boolean", respond([][2]string{{"explanation", "Keberatan"}, {"objection", "ya"}}),
			422, []string{"objection"}},
		{"decision with malformed JSON", decide(`{"decision": "warn"`), 400, nil},
		{"decision with an unknown field", decide(`{"decision": "warn", "letter": "x"}`), 422, []string{"letter"}},
		{"decision with a wrong type", decide(`{"decision": 3}`), 422, []string{"decision"}},
		{"dismissal without a reason", decide(`{"decision": "dismiss"}`), 422, []string{"reason"}},
		{"an unknown decision", decide(`{"decision": "sanction"}`), 422, []string{"decision"}},
		{"a decision the stage does not allow", decide(`{"decision": "recommend"}`), 409, nil},
		{"an unknown job", job("sweep", `{}`), 404, nil},
		{"evaluate with a bad period", job("evaluate", `{"period": "Q1-2025"}`), 422, []string{"period"}},
		{"evaluate before the deadline", job("evaluate", `{"period": "2025-Q2"}`), 409, nil},
		{"a period for a job without one", job("lapse", `{"period": "2025-Q1"}`), 422, []string{"period"}},
	} {
		t.Run(a.name, func(t *testing.T) {
			before := writes()
			p := a.send().problem(a.status)
			got := fields(p)
			slices.Sort(got)
			if !slices.Equal(got, a.fields) {
				t.Errorf("fields %v, want %v: %v", got, a.fields, p["errors"])
			}
			if writes() != before {
				t.Errorf("a refused request wrote %d rows", writes()-before)
			}
		})
	}
	// The one blob left is the valid first file of the refused two-file
	// answer: saved before the second was read, named by no row once the
	// transaction rolled back, and swept by the expire job a day later.
	if left := c.blobs() - blobs; left > 1 {
		t.Errorf("refused uploads left %d files on disk", left)
	}
	if stage := c.caseOf(biz).Stage; stage != "warned" {
		t.Errorf("the case moved to %s", stage)
	}

	// After the window, an answer is refused with the stage named.
	c.at("2025-05-08 00:00")
	p := respond([][2]string{{"explanation", "Terlambat"}})().problem(http.StatusConflict)
	if p["code"] != "response_window_closed" || p["response_due"] != "2025-05-07" {
		t.Errorf("late answer: %v", p)
	}
	// Another company cannot answer, or even see, the case.
	_, stranger := c.business("hotel", "")
	c.multipartForm(stranger, fmt.Sprintf("/api/v1/cases/%d/responses", cs.ID),
		[][2]string{{"explanation", "x"}}).problem(http.StatusNotFound)
	c.call(stranger, http.MethodGet, fmt.Sprintf("/api/v1/cases/%d", cs.ID), nil).problem(http.StatusNotFound)

	for _, q := range []string{"status=hebat", "period=2025-Q0", "category=casino", "limit=0", "business_id=-1"} {
		c.call(c.officer, http.MethodGet, "/api/v1/evaluations?"+q, nil).problem(http.StatusUnprocessableEntity)
	}
	c.call(c.reviewer, http.MethodGet, "/api/v1/cases?stage=selesai", nil).problem(http.StatusUnprocessableEntity)
}
