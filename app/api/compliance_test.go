package api

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/cmptest"
	"kemitraan/app/platform/config"
)

// cycle is a world for the compliance engine: a test server on a settable
// clock with the shipped rule set, sessions that outlive the story, and the
// Dinas staff.
type cycle struct {
	*testServer
	clk                      *clock.Fixed
	admin, officer, reviewer caller
}

func newCycle(t *testing.T) *cycle {
	t.Helper()
	clk := clock.NewFixed(time.Date(2025, 1, 2, 1, 0, 0, 0, time.UTC))
	s := newTestServerWith(t, nil, clk, func(c *config.Config) { c.Auth.SessionTTL = 2 * 365 * 24 * time.Hour })
	s.loadRules()
	c := &cycle{testServer: s, clk: clk}
	c.admin, c.officer = s.as(actor.RoleAdmin), s.as(actor.RoleOfficer)
	c.reviewer = s.as(actor.RoleReviewer)
	s.exec("UPDATE users SET name = 'Drs. Bambang Sutrisno, M.Si.' WHERE id = ?", c.reviewer.userID)
	return c
}

func (s *testServer) exec(q string, args ...any) {
	s.t.Helper()
	if err := s.db.Exec(q, args...).Error; err != nil {
		s.t.Fatalf("%s: %v", q, err)
	}
}

// at moves the clock to a WIB wall time, "2025-04-16 08:30".
func (c *cycle) at(wib string) {
	c.t.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04", wib, time.FixedZone("WIB", 7*3600))
	if err != nil {
		c.t.Fatal(err)
	}
	c.clk.Set(t)
}

// business registers a business of category (registered before 2025) with
// a contact address, and returns it with a logged-in company user.
func (c *cycle) business(category, email string) (int64, caller) {
	c.t.Helper()
	id := c.newBusiness(category)
	c.exec("UPDATE businesses SET registered_at = '2024-01-01', contact_email = ? WHERE id = ?", email, id)
	return id, c.asCompany(id)
}

func (c *cycle) ikm(email string) (int64, caller) {
	c.t.Helper()
	id := c.newIKM()
	if email != "" {
		c.exec("UPDATE ikms SET email = ? WHERE id = ?", email, id)
	}
	return id, c.asIKM(id)
}

// purchase reports a purchase as company and returns its id.
func (c *cycle) purchase(company caller, ikm int64, date string, amount int64) int64 {
	c.t.Helper()
	r := c.call(company, http.MethodPost, "/api/v1/purchases", map[string]any{
		"ikm_id": ikm, "invoice_number": fmt.Sprintf("INV/%s/%d", date, amount), "purchase_date": date,
		"description": "Produk IKM untuk kebutuhan kantor", "amount": amount})
	return decode[purchaseResponse](r, http.StatusCreated).ID
}

func (c *cycle) confirm(ikm caller, purchase int64) {
	c.t.Helper()
	decode[purchaseResponse](c.call(ikm, http.MethodPost, fmt.Sprintf("/api/v1/purchases/%d/confirm", purchase), nil), http.StatusOK)
}

func (c *cycle) report(company caller, business int64, period string) periodReportResponse {
	c.t.Helper()
	return decode[periodReportResponse](c.call(company, http.MethodPost,
		fmt.Sprintf("/api/v1/reports/%d/%s/submit", business, period), nil), http.StatusCreated)
}

func (c *cycle) runJob(name, period string) jobRunResponse {
	c.t.Helper()
	body := map[string]any{}
	if period != "" {
		body["period"] = period
	}
	run := decode[jobRunResponse](c.call(c.admin, http.MethodPost, "/api/v1/jobs/"+name+"/run", body), http.StatusOK)
	if run.Outcome != "succeeded" {
		c.t.Fatalf("job %s: %s %s", name, run.Outcome, run.Error)
	}
	return run
}

func (c *cycle) evaluation(business int64, period string) evaluationResponse {
	c.t.Helper()
	page := decode[listPage[evaluationResponse]](c.call(c.officer, http.MethodGet,
		fmt.Sprintf("/api/v1/evaluations?business_id=%d&period=%s", business, period), nil), http.StatusOK)
	if len(page.Items) != 1 {
		c.t.Fatalf("evaluations of %d for %s: %+v", business, period, page.Items)
	}
	return page.Items[0]
}

// wantEvaluation is one row as the test expects it.
type wantEvaluation struct {
	status, report string
	bought         int64
	ikms           int
	slots          float64
	target         int64
}

func (c *cycle) assertEvaluation(name string, business int64, period string, w wantEvaluation) evaluationResponse {
	c.t.Helper()
	e := c.evaluation(business, period)
	want := evaluationResponse{
		Status: w.status, ReportStatus: w.report, RuleSet: "bekasi-2025",
		Realised: metricsResponse{PurchaseValue: w.bought, IKMCount: w.ikms, OutletSlots: w.slots},
		Targets:  metricsResponse{PurchaseValue: w.target},
	}
	if diff := cmp.Diff(want, e, cmptest.Only[evaluationResponse]("Status", "ReportStatus", "RuleSet", "Realised", "Targets"),
		cmpopts.IgnoreFields(evaluationResponse{}, "Targets.IKMCount", "Targets.OutletSlots")); diff != "" {
		c.t.Errorf("%s %s (-want +got):\n%s", name, period, diff)
	}
	return e
}

func (c *cycle) caseOf(business int64) caseDetailResponse {
	c.t.Helper()
	page := decode[listPage[caseResponse]](c.call(c.reviewer, http.MethodGet,
		fmt.Sprintf("/api/v1/cases?business_id=%d", business), nil), http.StatusOK)
	if len(page.Items) != 1 {
		c.t.Fatalf("cases of business %d: %+v", business, page.Items)
	}
	return decode[caseDetailResponse](c.call(c.reviewer, http.MethodGet,
		fmt.Sprintf("/api/v1/cases/%d", page.Items[0].ID), nil), http.StatusOK)
}

func (c *cycle) decide(caseID int64, decision, reason string) decisionResponse {
	c.t.Helper()
	return decode[decisionResponse](c.call(c.reviewer, http.MethodPost, fmt.Sprintf("/api/v1/cases/%d/decisions", caseID),
		map[string]any{"decision": decision, "reason": reason}), http.StatusCreated)
}

// multipartForm sends text fields then files (field, filename, content).
func (c *cycle) multipartForm(as caller, path string, fields [][2]string, files ...[3]string) response {
	c.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, f := range fields {
		w.WriteField(f[0], f[1])
	}
	for _, f := range files {
		part, err := w.CreateFormFile(f[0], f[1])
		if err != nil {
			c.t.Fatal(err)
		}
		part.Write([]byte(f[2]))
	}
	w.Close()
	return c.do(http.MethodPost, path, &body, "Content-Type", w.FormDataContentType(), "Authorization", "Bearer "+as.token)
}

// TestComplianceCycleOverTwoQuarters follows two quarters of Kabupaten
// Bekasi's cycle through the API: purchases and confirmations (one at
// 23:30 WIB on 31 March), reminders, an exemption, a late and a missing
// report, evaluation, cases, SP1, a response with an objection, lapse, SP2,
// a cure and its closing, and the second quarter's evaluation extending an
// open case — asserting every evaluation row, case stage and letter number.
func TestComplianceCycleOverTwoQuarters(t *testing.T) {
	t.Parallel()
	c := newCycle(t)
	ikm1, ikm1User := c.ikm("")
	ikm2, ikm2User := c.ikm("")
	ikm3, ikm3User := c.ikm("ikm3@contoh.id")
	// A restaurant (Rp5,000,000, 1 IKM), a factory (Rp25,000,000, 2 IKM), a
	// hotel (Rp15,000,000, 3 IKM, 1 slot), a mall (Rp10,000,000, 2 slots) and
	// an "other" business (no minimum).
	a, aUser := c.business("restaurant", "a@contoh.co.id")
	b, bUser := c.business("factory", "b@contoh.co.id")
	h, _ := c.business("hotel", "c@contoh.co.id")
	d, dUser := c.business("modern_retail", "d@contoh.co.id")
	e, eUser := c.business("other", "e@contoh.co.id")

	// Q1 2025.
	c.at("2025-01-02 09:00")
	outlet := decode[outletResponse](c.call(dUser, http.MethodPost, "/api/v1/outlets", map[string]any{
		"ikm_id": ikm3, "location": "Pojok UMKM lantai dasar", "slots": 1, "start_date": "2025-01-01"}), http.StatusCreated)
	decode[outletResponse](c.call(ikm3User, http.MethodPost, fmt.Sprintf("/api/v1/outlets/%d/confirm", outlet.ID), nil), http.StatusOK)
	c.at("2025-01-20 10:00")
	c.confirm(ikm3User, c.purchase(dUser, ikm3, "2025-01-20", 6_000_000))
	c.at("2025-02-10 10:00")
	p := c.purchase(aUser, ikm1, "2025-02-10", 3_000_000)
	c.at("2025-02-11 10:00")
	c.confirm(ikm1User, p)
	c.at("2025-03-05 10:00")
	c.confirm(ikm1User, c.purchase(bUser, ikm1, "2025-03-05", 10_000_000))
	c.at("2025-03-20 10:00")
	unconfirmed := c.purchase(bUser, ikm2, "2025-03-20", 8_000_000) // its IKM never answers
	c.at("2025-03-30 10:00")
	c.purchase(aUser, ikm3, "2025-03-30", 500_000) // awaiting ikm3 when reminders go
	c.at("2025-03-31 23:30")                       // still Q1 in WIB (16:30 UTC)
	lastMinute := c.purchase(aUser, ikm2, "2025-03-31", 2_500_000)
	c.at("2025-04-01 00:30") // Q2
	c.purchase(aUser, ikm1, "2025-04-01", 4_000_000)
	c.at("2025-04-01 09:00")
	c.confirm(ikm2User, lastMinute)
	c.at("2025-04-02 09:00")
	c.call(ikm1User, http.MethodPost, fmt.Sprintf("/api/v1/purchases/%d/confirm", p), nil).problem(http.StatusConflict)
	var q2Purchase int64
	c.db.Raw("SELECT id FROM purchases WHERE business_id = ? AND purchase_date = '2025-04-01'", a).Scan(&q2Purchase)
	c.confirm(ikm1User, q2Purchase)

	// Reminders seven days before the 15 April deadline go once: to each of
	// the five businesses (none has reported yet) and to the IKM with a
	// purchase awaiting its confirmation. Three businesses are reminded too
	// of a purchase not paid within its 30 days (20 January, 10 February,
	// 5 March), once.
	c.at("2025-04-08 07:00")
	rem := c.runJob("remind", "")
	if string(rem.Counts) != `{"businesses":5,"days_before":7,"ikms":1,"messages":9,"payment_businesses":3,"payment_purchases":3,"period":"2025-Q1"}` {
		t.Errorf("reminders: %s", rem.Counts)
	}
	var payments []struct{ Subject, Body string }
	if err := c.db.Raw(`SELECT subject, body FROM outbox WHERE kind = 'reminder.payment' ORDER BY id`).
		Scan(&payments).Error; err != nil || len(payments) != 3 {
		t.Fatalf("payment reminders in the outbox: %d, %v", len(payments), err)
	}
	for _, r := range payments {
		if r.Subject != "Pengingat: 1 pembelian dari IKM lewat batas pembayaran" ||
			!strings.Contains(r.Body, "sudah lewat batas pembayarannya") || !strings.Contains(r.Body, "/perusahaan\n") ||
			!strings.Contains(r.Body, "Hormat kami,\nDinas Perindustrian Kabupaten Bekasi") {
			t.Errorf("a payment reminder: %+v", r)
		}
	}
	var reminders []struct{ Kind, Subject, Body string }
	if err := c.db.Raw(`SELECT kind, subject, body FROM outbox WHERE kind IN ('reminder.confirmation', 'reminder.report')
			ORDER BY kind, id`).Scan(&reminders).Error; err != nil || len(reminders) != 6 {
		t.Fatalf("reminders in the outbox: %d, %v", len(reminders), err)
	}
	if r := reminders[0]; r.Kind != "reminder.confirmation" ||
		r.Subject != "Pengingat: 1 pembelian menunggu konfirmasi Anda" ||
		!strings.Contains(r.Body, "senilai total Rp500.000 untuk Triwulan I 2025") || !strings.Contains(r.Body, "/ikm\n") ||
		!strings.HasSuffix(r.Body, "Hormat kami,\nDinas Perindustrian Kabupaten Bekasi\nTelepon (021) 89970001 · WhatsApp +6281110001700 · disperin@bekasikab.go.id\nhttps://disperin.bekasikab.go.id\n") {
		t.Errorf("the IKM's reminder: %+v", r)
	}
	if r := reminders[1]; r.Kind != "reminder.report" ||
		r.Subject != "Pengingat: laporan berkala Triwulan I 2025 jatuh tempo 15 April 2025" ||
		!strings.Contains(r.Body, "(7 hari lagi)") || !strings.Contains(r.Body, "/perusahaan/laporan\n") ||
		!strings.Contains(r.Body, "Hormat kami,\nDinas Perindustrian Kabupaten Bekasi\nTelepon") {
		t.Errorf("a business's reminder: %+v", r)
	}
	if again := c.runJob("remind", ""); string(again.Counts) != `{"businesses":0,"days_before":7,"ikms":0,"messages":0,"payment_businesses":0,"payment_purchases":0,"period":"2025-Q1"}` {
		t.Errorf("reminders sent twice: %s", again.Counts)
	}

	// An officer exempts the "other" business for Q1 (it closed for a flood).
	c.at("2025-04-09 10:00")
	ex := c.multipartForm(c.officer, "/api/v1/exemptions",
		[][2]string{{"business_id", fmt.Sprint(e)}, {"period", "2025-Q1"}, {"reason", "Banjir: usaha tutup sementara"}},
		[3]string{"document", "berita-acara.pdf", string(samplePDF("berita acara banjir"))})
	decode[exemptionResponse](ex, http.StatusCreated)

	c.at("2025-04-10 10:00")
	c.report(aUser, a, "2025-Q1")
	c.at("2025-04-14 16:00")
	c.report(dUser, d, "2025-Q1")

	// 16 April 08:30 WIB: the deadline has passed; evaluate.
	c.at("2025-04-16 08:30")
	c.runJob("evaluate", "")
	c.assertEvaluation("restaurant", a, "2025-Q1", wantEvaluation{"compliant", "on_time", 5_500_000, 2, 0, 5_000_000})
	c.assertEvaluation("factory", b, "2025-Q1", wantEvaluation{"not_reported", "missing", 10_000_000, 1, 0, 25_000_000})
	c.assertEvaluation("hotel", h, "2025-Q1", wantEvaluation{"not_reported", "missing", 0, 0, 0, 15_000_000})
	dq1 := c.assertEvaluation("mall", d, "2025-Q1", wantEvaluation{"partial", "on_time", 6_000_000, 1, 1, 10_000_000})
	wantDQ1 := evaluationResponse{Ratios: ratiosResponse{Mean: new(0.55)},
		Shortfall: metricsResponse{PurchaseValue: 4_000_000, OutletSlots: 1}}
	if diff := cmp.Diff(wantDQ1, dq1, cmptest.Only[evaluationResponse]("Ratios", "Shortfall"), cmptest.Only[ratiosResponse]("Mean"),
		cmptest.Only[metricsResponse]("PurchaseValue", "OutletSlots")); diff != "" {
		t.Errorf("mall ratios and shortfall (-want +got):\n%s", diff)
	}
	c.assertEvaluation("other", e, "2025-Q1", wantEvaluation{"exempt", "missing", 0, 0, 0, 0})
	// The company sees its own evaluation with what it is short by, and no one else's.
	own := decode[listPage[evaluationResponse]](c.call(bUser, http.MethodGet, "/api/v1/evaluations", nil), http.StatusOK)
	wantOwn := []evaluationResponse{{Business: evaluationBusiness{ID: b},
		Shortfall: metricsResponse{PurchaseValue: 15_000_000, IKMCount: 1}}}
	if diff := cmp.Diff(wantOwn, own.Items, cmptest.Only[evaluationResponse]("Business", "Shortfall"),
		cmptest.Only[evaluationBusiness]("ID"), cmptest.Only[metricsResponse]("PurchaseValue", "IKMCount")); diff != "" {
		t.Errorf("the factory's own list (-want +got):\n%s", diff)
	}
	bCase, hCase := c.caseOf(b), c.caseOf(h)
	if bCase.Stage != "queued" || hCase.Stage != "queued" || len(bCase.Letters) != 0 {
		t.Fatalf("cases after evaluation: %s, %s (the job never warns by itself)", bCase.Stage, hCase.Stage)
	}
	if n := c.count("SELECT count(*) FROM sanction_cases"); n != 2 {
		t.Errorf("%d cases, want the factory's and the hotel's", n)
	}

	// The factory reports late; the next evaluation records it in place.
	c.at("2025-04-20 10:00")
	if late := c.report(bUser, b, "2025-Q1"); late.OnTime {
		t.Error("a report on 20 April is on time")
	}
	c.at("2025-04-21 08:30")
	c.runJob("evaluate", "")
	c.assertEvaluation("factory", b, "2025-Q1", wantEvaluation{"not_reported", "late", 10_000_000, 1, 0, 25_000_000})
	if n := c.count("SELECT count(*) FROM evaluations WHERE period = '2025-Q1'"); n != 5 {
		t.Errorf("%d Q1 evaluations after a re-run, want 5", n)
	}

	// The reviewer issues SP1 to both.
	c.at("2025-04-22 10:00")
	sp1b := c.decide(bCase.ID, "warn", "")
	sp1h := c.decide(hCase.ID, "warn", "")
	if sp1b.Letter.Number != "500/SP1/DISPERIN/2025/0001" || sp1h.Letter.Number != "500/SP1/DISPERIN/2025/0002" ||
		sp1b.Case.Stage != "warned" || *sp1b.Case.ResponseDue != "2025-05-07" {
		t.Fatalf("SP1: %s %s, case %+v", sp1b.Letter.Number, sp1h.Letter.Number, sp1b.Case)
	}
	letter := c.call(bUser, http.MethodGet, fmt.Sprintf("/api/v1/cases/%d/letters/%d", bCase.ID, sp1b.Letter.ID), nil)
	if letter.Code != http.StatusOK || letter.Header().Get("Content-Type") != "application/pdf" ||
		!bytes.HasPrefix(letter.Body.Bytes(), []byte("%PDF-")) {
		t.Fatalf("letter download: %d %s", letter.Code, letter.Header().Get("Content-Type"))
	}
	if c.call(aUser, http.MethodGet, fmt.Sprintf("/api/v1/cases/%d/letters/%d", bCase.ID, sp1b.Letter.ID), nil).Code != http.StatusNotFound {
		t.Error("another company can read the factory's letter")
	}
	if n := c.count("SELECT count(*) FROM outbox WHERE kind = 'case.warn' AND recipient = 'b@contoh.co.id'"); n != 1 {
		t.Errorf("%d SP1 notices to the factory", n)
	}

	// The factory objects, with evidence; the objection holds the case.
	c.at("2025-04-25 10:00")
	resp := c.multipartForm(bUser, fmt.Sprintf("/api/v1/cases/%d/responses", bCase.ID),
		[][2]string{{"explanation", "Pembelian Rp8.000.000 dari IKM kedua sudah dibayar; IKM belum sempat mengonfirmasi."},
			{"objection", "true"}},
		[3]string{"files", "bukti-transfer.pdf", string(samplePDF("bukti transfer"))})
	answer := decode[caseResponseItem](resp, http.StatusCreated)
	if !answer.Objection || len(answer.FileIDs) != 1 {
		t.Errorf("response %+v", answer)
	}
	held := c.call(c.reviewer, http.MethodPost, fmt.Sprintf("/api/v1/cases/%d/decisions", bCase.ID),
		map[string]any{"decision": "warn"}).problem(http.StatusConflict)
	if held["current_stage"] != "responded" {
		t.Errorf("next rung while an objection is pending: %v", held)
	}

	// The factory makes up the shortfall inside the window: the officer
	// verifies the unconfirmed purchase after a field check, and a purchase
	// dated in Q1 from a third IKM is confirmed.
	c.at("2025-04-28 10:00")
	late := c.purchase(bUser, ikm3, "2025-03-28", 7_000_000)
	c.at("2025-04-29 10:00")
	c.confirm(ikm3User, late)
	decode[purchaseResponse](c.call(c.officer, http.MethodPost, fmt.Sprintf("/api/v1/purchases/%d/verify", unconfirmed),
		map[string]any{"note": "Faktur dan bukti transfer diperiksa di lokasi"}), http.StatusOK)

	// The window lapses: the hotel never answered; the factory's case is
	// flagged cured for the reviewer.
	c.at("2025-05-08 02:00")
	lapse := c.runJob("lapse", "")
	if string(lapse.Counts) != `{"cured":1,"lapsed":1}` {
		t.Errorf("lapse: %s", lapse.Counts)
	}
	if again := c.runJob("lapse", ""); string(again.Counts) != `{"cured":0,"lapsed":0}` {
		t.Errorf("lapse again: %s", again.Counts)
	}
	bCase, hCase = c.caseOf(b), c.caseOf(h)
	type afterLapse struct {
		Factory, Hotel    caseDetailResponse
		FactoryCuredAtSet bool
		FactoryFindingNow metricsResponse // of its first finding
	}
	wantLapse := afterLapse{
		Factory:           caseDetailResponse{caseResponse: caseResponse{Stage: "responded"}, Cured: true},
		Hotel:             caseDetailResponse{caseResponse: caseResponse{Stage: "lapsed"}, Cured: false},
		FactoryCuredAtSet: true,
		FactoryFindingNow: metricsResponse{PurchaseValue: 25_000_000, IKMCount: 3},
	}
	gotLapse := afterLapse{Factory: bCase, Hotel: hCase, FactoryCuredAtSet: bCase.CuredAt != nil,
		FactoryFindingNow: bCase.Findings[0].Now}
	if diff := cmp.Diff(wantLapse, gotLapse, cmp.AllowUnexported(caseDetailResponse{}),
		cmptest.Only[caseDetailResponse]("caseResponse", "Cured"), cmptest.Only[caseResponse]("Stage"),
		cmptest.Only[metricsResponse]("PurchaseValue", "IKMCount")); diff != "" {
		t.Fatalf("after lapse (-want +got):\n%s", diff)
	}
	closed := c.decide(bCase.ID, "close_cured", "Kekurangan telah dipenuhi sebelum batas tanggapan.")
	sp2 := c.decide(hCase.ID, "warn", "")
	closedDiff := cmp.Diff(
		decisionResponse{Letter: letterItem{Number: "500/SELESAI/DISPERIN/2025/0003"},
			Case: caseResponse{Stage: "closed", Outcome: new("cured")}},
		closed, cmptest.Only[decisionResponse]("Letter", "Case"), cmptest.Only[letterItem]("Number"),
		cmptest.Only[caseResponse]("Stage", "Outcome"))
	sp2Diff := cmp.Diff(
		decisionResponse{Letter: letterItem{Number: "500/SP2/DISPERIN/2025/0004"},
			Case: caseResponse{Stage: "warned", Rung: 2, ResponseDue: new("2025-05-23")}},
		sp2, cmptest.Only[decisionResponse]("Letter", "Case"), cmptest.Only[letterItem]("Number"),
		cmptest.Only[caseResponse]("Stage", "Rung", "ResponseDue"))
	if closedDiff != "" || sp2Diff != "" {
		t.Fatalf("close_cured (-want +got):\n%s\nSP2 (-want +got):\n%s", closedDiff, sp2Diff)
	}
	bCase = c.caseOf(b)
	if len(bCase.Decisions) != 2 || bCase.Responses[0].Decision != nil || len(bCase.Letters) != 2 {
		t.Errorf("factory case record: %+v", bCase)
	}

	// Q2 2025.
	c.at("2025-05-15 10:00")
	c.confirm(ikm1User, c.purchase(bUser, ikm1, "2025-05-15", 30_000_000))
	c.confirm(ikm2User, c.purchase(bUser, ikm2, "2025-05-15", 1_000_000))
	c.at("2025-07-05 10:00")
	c.report(aUser, a, "2025-Q2")
	c.report(bUser, b, "2025-Q2")
	c.report(dUser, d, "2025-Q2")
	c.report(eUser, e, "2025-Q2")
	c.at("2025-07-16 08:30")
	c.runJob("evaluate", "")
	c.assertEvaluation("restaurant", a, "2025-Q2", wantEvaluation{"partial", "on_time", 4_000_000, 1, 0, 5_000_000})
	c.assertEvaluation("factory", b, "2025-Q2", wantEvaluation{"compliant", "on_time", 31_000_000, 2, 0, 25_000_000})
	c.assertEvaluation("hotel", h, "2025-Q2", wantEvaluation{"not_reported", "missing", 0, 0, 0, 15_000_000})
	c.assertEvaluation("mall", d, "2025-Q2", wantEvaluation{"non_compliant", "on_time", 0, 0, 1, 10_000_000})
	c.assertEvaluation("other", e, "2025-Q2", wantEvaluation{"compliant", "on_time", 0, 0, 0, 0})
	// Q1 was re-evaluated beside Q2: the factory's late figures are in.
	c.assertEvaluation("factory", b, "2025-Q1", wantEvaluation{"not_reported", "late", 25_000_000, 3, 0, 25_000_000})

	// The hotel's Q2 finding joins its open case; the mall gets a new one.
	hCase = c.caseOf(h)
	if diff := cmp.Diff(caseResponse{Stage: "warned", Rung: 2}, hCase.caseResponse,
		cmptest.Only[caseResponse]("Stage", "Rung")); diff != "" {
		t.Errorf("hotel case (-want +got):\n%s", diff)
	}
	if len(hCase.Findings) != 2 || hCase.Periods[1] != "2025-Q2" {
		t.Errorf("hotel case: %d findings, periods %v; want 2 findings, the second for 2025-Q2", len(hCase.Findings), hCase.Periods)
	}
	if dCase := c.caseOf(d); dCase.Stage != "queued" || dCase.Periods[0] != "2025-Q2" {
		t.Errorf("mall case %+v", dCase.caseResponse)
	}
	if n := c.count("SELECT count(*) FROM sanction_cases"); n != 3 {
		t.Errorf("%d cases, want 3", n)
	}

	// Re-running changes nothing.
	var before []string
	c.db.Raw("SELECT id || status || computed_at::text FROM evaluations ORDER BY id").Scan(&before)
	c.at("2025-07-16 09:00")
	rerun := c.runJob("evaluate", "2025-Q2")
	var after []string
	c.db.Raw("SELECT id || status || computed_at::text FROM evaluations ORDER BY id").Scan(&after)
	if fmt.Sprint(before) != fmt.Sprint(after) || c.count("SELECT count(*) FROM sanction_findings") != 4 {
		t.Errorf("a re-run changed evaluations or findings (%s)", rerun.Counts)
	}
	var seqs []int
	c.db.Raw("SELECT seq FROM sanction_letters ORDER BY seq").Scan(&seqs)
	if fmt.Sprint(seqs) != "[1 2 3 4]" {
		t.Errorf("letter numbers %v", seqs)
	}
}
