package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"time"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/cmptest"
	"kemitraan/app/platform/files"
)

// purchaseNow is "now" in the purchase tests: 20 March 2025, 10:00 WIB.
var purchaseNow = time.Date(2025, 3, 20, 3, 0, 0, 0, time.UTC)

func newPurchaseServer(t *testing.T) (*testServer, *clock.Fixed) {
	t.Helper()
	clk := clock.NewFixed(purchaseNow)
	return newTestServerWith(t, nil, clk, nil), clk
}

func purchaseBody(ikmID int64) map[string]any {
	return map[string]any{
		"ikm_id": ikmID, "invoice_number": "INV/" + randomDigits(8), "purchase_date": "2025-03-10",
		"paid_date": "2025-03-12", "description": "200 besek bambu untuk parsel", "quantity": 200, "amount": 1_500_000,
	}
}

func purchasePath(id int64, action string) string {
	p := "/api/v1/purchases/" + strconv.FormatInt(id, 10)
	if action != "" {
		p += "/" + action
	}
	return p
}

// report reports body as c and expects 201.
func (s *testServer) report(c caller, body map[string]any) purchaseResponse {
	s.t.Helper()
	return decode[purchaseResponse](s.call(c, http.MethodPost, "/api/v1/purchases", body), http.StatusCreated)
}

func (s *testServer) setIKMEmail(id int64, email string) {
	s.t.Helper()
	if err := s.db.Exec("UPDATE ikms SET email = ? WHERE id = ?", email, id).Error; err != nil {
		s.t.Fatal(err)
	}
}

// approvedAgreement inserts an approved agreement of business naming ikms,
// valid for 2025.
func (s *testServer) approvedAgreement(businessID int64, ikms ...int64) int64 {
	s.t.Helper()
	var fileID, id int64
	sum := fmt.Sprintf("%064s", randomDigits(20))
	if err := s.db.Raw(`INSERT INTO files (sha256, content_type, size_bytes) VALUES (?, 'application/pdf', 10) RETURNING id`,
		sum).Row().Scan(&fileID); err != nil {
		s.t.Fatal(err)
	}
	if err := s.db.Raw(`INSERT INTO agreements (business_id, form, number, agreement_date, start_date, end_date,
			target_purchase_value, document_file_id, status)
		VALUES (?, 'procurement', ?, '2024-12-01', '2025-01-01', '2025-12-31', 10000000, ?, 'approved') RETURNING id`,
		businessID, "PKS/"+randomDigits(6), fileID).Row().Scan(&id); err != nil {
		s.t.Fatal(err)
	}
	for _, ikm := range ikms {
		if err := s.db.Exec("INSERT INTO agreement_ikms (agreement_id, ikm_id) VALUES (?, ?)", id, ikm).Error; err != nil {
			s.t.Fatal(err)
		}
	}
	return id
}

// linkToken is the token of the live confirmation link an officer sees.
func (s *testServer) linkToken(officer caller, purchaseID int64) string {
	s.t.Helper()
	p := decode[purchaseResponse](s.call(officer, http.MethodGet, purchasePath(purchaseID, ""), nil), http.StatusOK)
	if p.ConfirmationURL == "" {
		s.t.Fatalf("purchase %d: the officer sees no confirmation link", purchaseID)
	}
	u, err := url.Parse(p.ConfirmationURL)
	if err != nil || !strings.HasPrefix(u.Path, "/k/") {
		s.t.Fatalf("confirmation url %q", p.ConfirmationURL)
	}
	return strings.TrimPrefix(u.Path, "/k/")
}

// written counts what a purchase request may have written.
type written struct{ purchases, links, outbox, audits, keys int64 }

func (s *testServer) written() written {
	s.t.Helper()
	return written{
		purchases: s.count("SELECT count(*) FROM purchases"),
		links: s.count(`SELECT (SELECT count(*) FROM purchases WHERE link_nonce IS NOT NULL) +
			(SELECT count(*) FROM confirmation_tokens)`),
		outbox: s.count("SELECT count(*) FROM outbox"),
		audits: s.count("SELECT count(*) FROM audit_events WHERE entity_type = 'purchase'"),
		keys:   s.count("SELECT count(*) FROM idempotency_keys"),
	}
}

func TestReportPurchase(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	business := s.newBusiness("factory")
	company := s.asCompany(business)
	ikm := s.newIKM()
	s.setIKMEmail(ikm, "ikm@contoh.id")
	agreement := s.approvedAgreement(business, ikm)

	body := purchaseBody(ikm)
	body["agreement_id"] = agreement
	p := s.report(company, body)
	wantP := purchaseResponse{Business: namedRef{ID: business}, IKM: ikmRef{ID: ikm}, AgreementID: &agreement,
		Amount: 1_500_000, Quantity: 200, Status: "reported", Counted: false, Source: "manual",
		PurchaseDate: "2025-03-10", PaidDate: new("2025-03-12")}
	if diff := cmp.Diff(wantP, p, cmptest.Only[purchaseResponse]("Business", "IKM", "AgreementID", "Amount", "Quantity",
		"Status", "Counted", "Source", "PurchaseDate", "PaidDate"),
		cmptest.Only[namedRef]("ID"), cmptest.Only[ikmRef]("ID")); diff != "" {
		t.Fatalf("answer (-want +got):\n%s", diff)
	}
	if want := purchaseNow.Add(14 * 24 * time.Hour); !p.ConfirmBy.Equal(want) {
		t.Errorf("confirm_by %v, want %v (the default 14-day window)", p.ConfirmBy, want)
	}
	if p.ConfirmationURL != "" {
		t.Error("a company is shown the confirmation link")
	}
	if diff := cmp.Diff(written{purchases: 1, links: 1, outbox: 1, audits: 1}, s.written(), cmp.AllowUnexported(written{}),
		cmptest.Only[written]("purchases", "links", "outbox", "audits")); diff != "" {
		t.Errorf("written, want one purchase, link, e-mail and audit event (-want +got):\n%s", diff)
	}
	// What the IKM receives, rendered when the outbox job sends it.
	sent := s.deliver()
	if len(sent) != 1 {
		t.Fatalf("%d messages sent, want the request to confirm", len(sent))
	}
	mail := sent[0] // its link opens the confirmation page, not the API
	link := "/k/" + s.linkToken(s.as(actor.RoleOfficer), p.ID)
	if mail.Recipient != "ikm@contoh.id" || mail.Kind != "purchase.confirmation_request" ||
		!strings.HasPrefix(mail.Body, "Yth. IKM Uji ") || !strings.Contains(mail.Body, "Rp1.500.000") ||
		!strings.Contains(mail.Body, "3 April 2025 pukul 10.00 WIB") || !strings.Contains(mail.Body, link) ||
		!strings.Contains(mail.Subject, "Rp1.500.000") || !strings.Contains(mail.Body, "kepada Dinas Perindustrian Kabupaten Bekasi:") ||
		!strings.HasSuffix(mail.Body, "Hormat kami,\nDinas Perindustrian Kabupaten Bekasi\nTelepon (021) 89970001 · WhatsApp +6281110001700 · disperin@bekasikab.go.id\nhttps://disperin.bekasikab.go.id\n") {
		t.Errorf("e-mail %+v, want the purchase, its deadline, the link %s and the Dinas's signature", mail, link)
	}
	if got := s.auditActions("purchase", strconv.FormatInt(p.ID, 10)); !slices.Equal(got, []string{"purchase.report"}) {
		t.Errorf("audit %v", got)
	}

	// An IKM without an address gets no e-mail, but the link still exists
	// and an officer sees it.
	quiet := s.newIKM()
	q := s.report(company, purchaseBody(quiet))
	if got := s.written(); got.outbox != 1 || got.links != 2 {
		t.Errorf("written %+v after a report to an IKM without e-mail", got)
	}
	officer := s.as(actor.RoleOfficer)
	if tok := s.linkToken(officer, q.ID); len(tok) < 40 {
		t.Errorf("token %q", tok)
	}
	// Reporting by NIB works as by id.
	var nib string
	s.db.Raw("SELECT nib FROM ikms WHERE id = ?", quiet).Scan(&nib)
	byNIB := purchaseBody(0)
	delete(byNIB, "ikm_id")
	byNIB["ikm_nib"] = nib
	if r := s.report(company, byNIB); r.IKM.ID != quiet || r.IKM.NIB != nib {
		t.Errorf("by NIB: %+v", r.IKM)
	}
}

func TestReportPurchaseBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	business := s.newBusiness("factory")
	company := s.asCompany(business)
	ikm := s.newIKM()
	inactive := s.newIKM()
	s.setIKMStatus(inactive, "inactive")
	otherBusiness := s.newBusiness("hotel")
	foreignAgreement := s.approvedAgreement(otherBusiness, ikm)
	agreementWithoutIKM := s.approvedAgreement(business, s.newIKM())
	var draftAgreement int64
	s.db.Raw(`INSERT INTO agreements (business_id, form, number, agreement_date, start_date, end_date, target_ikm_count)
		VALUES (?, 'procurement', 'DRAFT-1', '2025-01-01', '2025-01-01', '2025-12-31', 1) RETURNING id`, business).Row().Scan(&draftAgreement)
	s.db.Exec("INSERT INTO agreement_ikms VALUES (?, ?)", draftAgreement, ikm)
	existing := s.report(company, purchaseBody(ikm))
	before := s.written()

	with := func(edit func(b map[string]any)) map[string]any {
		b := purchaseBody(ikm)
		edit(b)
		return b
	}
	tests := []struct {
		name   string
		body   any
		status int
		field  string
		reason string
	}{
		{"unknown IKM", with(func(b map[string]any) { b["ikm_id"] = 999999 }), 422, "ikm_id", "IKM tidak terdaftar"},
		{"inactive IKM", with(func(b map[string]any) { b["ikm_id"] = inactive }), 422, "ikm_id", "IKM tidak aktif"},
		{"bad NIB", with(func(b map[string]any) { delete(b, "ikm_id"); b["ikm_nib"] = "12345" }), 422, "ikm_nib", "13 angka"},
		{"no IKM", with(func(b map[string]any) { delete(b, "ikm_id") }), 422, "ikm_id", "wajib"},
		{"agreement of another business", with(func(b map[string]any) { b["agreement_id"] = foreignAgreement }), 422, "agreement_id", "tidak ditemukan"},
		{"agreement not approved", with(func(b map[string]any) { b["agreement_id"] = draftAgreement }), 422, "agreement_id", "belum disetujui"},
		{"agreement without the IKM", with(func(b map[string]any) { b["agreement_id"] = agreementWithoutIKM }), 422, "agreement_id", "tidak termasuk"},
		{"duplicate invoice", with(func(b map[string]any) { b["invoice_number"] = existing.InvoiceNumber }), 409, "invoice_number", "sudah pernah"},
		{"zero amount", with(func(b map[string]any) { b["amount"] = 0 }), 422, "amount", "lebih dari 0"},
		{"negative amount", with(func(b map[string]any) { b["amount"] = -5000 }), 422, "amount", "lebih dari 0"},
		{"absurd amount", with(func(b map[string]any) { b["amount"] = int64(10_000_000_001) }), 422, "amount", "Rp10.000.000.000"},
		{"amount not a number", with(func(b map[string]any) { b["amount"] = "satu juta" }), 422, "amount", "bilangan bulat"},
		{"fractional amount", with(func(b map[string]any) { b["amount"] = 1500.5 }), 422, "amount", "bilangan bulat"},
		{"paid before purchase", with(func(b map[string]any) { b["paid_date"] = "2025-03-01" }), 422, "paid_date", "sebelum tanggal pembelian"},
		{"future purchase", with(func(b map[string]any) { b["purchase_date"] = "2025-03-21"; delete(b, "paid_date") }), 422, "purchase_date", "masa depan"},
		{"date outside any period", with(func(b map[string]any) { b["purchase_date"] = "1999-12-31" }), 422, "purchase_date", "2000"},
		{"malformed date", with(func(b map[string]any) { b["purchase_date"] = "10 Maret 2025" }), 422, "purchase_date", "YYYY-MM-DD"},
		{"no description", with(func(b map[string]any) { b["description"] = "  " }), 422, "description", "wajib"},
		{"no invoice", with(func(b map[string]any) { delete(b, "invoice_number") }), 422, "invoice_number", "wajib"},
		{"zero quantity", with(func(b map[string]any) { b["quantity"] = 0 }), 422, "quantity", "paling sedikit 1"},
		{"unknown field", with(func(b map[string]any) { b["harga"] = 1 }), 422, "harga", "tidak dikenal"},
		{"both id and NIB", with(func(b map[string]any) { b["ikm_nib"] = "8120000000001" }), 422, "ikm_id", "bukan keduanya"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := s.call(company, http.MethodPost, "/api/v1/purchases", tt.body).problem(tt.status)
			found := false
			for _, e := range p["errors"].([]any) {
				fe := e.(map[string]any)
				if fe["field"] == tt.field && strings.Contains(fe["reason"].(string), tt.reason) {
					found = true
				}
			}
			if !found {
				t.Errorf("no error %s: %q in %v", tt.field, tt.reason, p["errors"])
			}
			if got := s.written(); got != before {
				t.Errorf("written %+v, want %+v", got, before)
			}
		})
	}
	t.Run("every field at once", func(t *testing.T) {
		p := s.call(company, http.MethodPost, "/api/v1/purchases", map[string]any{
			"ikm_id": inactive, "invoice_number": "", "purchase_date": "kemarin", "description": "", "amount": -1,
		}).problem(422)
		got := fields(p)
		for _, want := range []string{"ikm_id", "invoice_number", "purchase_date", "description", "amount"} {
			if !slices.Contains(got, want) {
				t.Errorf("fields %v lack %s", got, want)
			}
		}
	})
}

func TestERPTokenIdempotency(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	business := s.newBusiness("factory")
	erp := s.asToken(business)
	ikm := s.newIKM()
	body := purchaseBody(ikm)
	raw, _ := json.Marshal(body)
	send := func(key string, b []byte) response {
		return s.do(http.MethodPost, "/api/v1/purchases", bytes.NewReader(b), "Content-Type", "application/json",
			"Authorization", "Bearer "+erp.token, "Idempotency-Key", key)
	}
	first := send("erp-0001", raw)
	if first.Code != http.StatusCreated {
		t.Fatalf("first: %d %s", first.Code, first.Body.String())
	}
	p := decode[purchaseResponse](first, http.StatusCreated)
	if p.Source != "erp" {
		t.Errorf("source %q, want erp", p.Source)
	}
	again := send("erp-0001", raw)
	if again.Code != http.StatusCreated || again.Body.String() != first.Body.String() ||
		again.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s (replayed %q)", again.Code, again.Body.String(), again.Header().Get("Idempotent-Replayed"))
	}
	if n := s.count("SELECT count(*) FROM purchases"); n != 1 {
		t.Fatalf("%d purchases after a replay, want 1", n)
	}
	// The same JSON written otherwise (keys in another order, other
	// spacing) is the same request, answered as the first.
	reordered := reorderedJSON(t, raw)
	if again := send("erp-0001", reordered); again.Code != http.StatusCreated || again.Body.String() != first.Body.String() ||
		again.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay of %s: %d %s (replayed %q)", reordered, again.Code, again.Body.String(), again.Header().Get("Idempotent-Replayed"))
	}
	if n := s.count("SELECT count(*) FROM purchases"); n != 1 {
		t.Fatalf("%d purchases after a reordered replay, want 1", n)
	}

	changed := purchaseBody(ikm)
	changed["invoice_number"] = body["invoice_number"]
	changed["amount"] = 2_000_000
	rawChanged, _ := json.Marshal(changed)
	for _, b := range [][]byte{rawChanged, reorderedJSON(t, rawChanged)} {
		p2 := send("erp-0001", b).problem(http.StatusUnprocessableEntity)
		if p2["code"] != "idempotency_key_reused" || !slices.Equal(fields(p2), []string{"Idempotency-Key"}) {
			t.Errorf("reused key with %s: %v", b, p2)
		}
	}
	// Another key is another request: here a duplicate invoice.
	send("erp-0002", raw).problem(http.StatusConflict)
	// Keys are per business: the same key elsewhere is independent.
	otherERP := s.asToken(s.newBusiness("hotel"))
	r := s.do(http.MethodPost, "/api/v1/purchases", bytes.NewReader(raw), "Content-Type", "application/json",
		"Authorization", "Bearer "+otherERP.token, "Idempotency-Key", "erp-0001")
	if r.Code != http.StatusCreated || r.Header().Get("Idempotent-Replayed") != "" {
		t.Errorf("other business, same key: %d %s", r.Code, r.Body.String())
	}
	if n := s.count("SELECT count(*) FROM purchases"); n != 2 {
		t.Errorf("%d purchases, want 2", n)
	}
	bad := s.do(http.MethodPost, "/api/v1/purchases", bytes.NewReader(raw), "Content-Type", "application/json",
		"Authorization", "Bearer "+erp.token, "Idempotency-Key", "kunci dengan spasi")
	if f := fields(bad.problem(http.StatusUnprocessableEntity)); !slices.Equal(f, []string{"Idempotency-Key"}) {
		t.Errorf("bad key fields %v", f)
	}
}

func TestCanonicalJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		same bool
	}{
		{`{"a":1,"b":[true,null]}`, "{ \"b\" : [ true , null ] ,\n\t\"a\" : 1 }\n", true},
		{`{"s":"A<"}`, `{"s":"\u0041\u003c"}`, true},
		{`{"x":{"d":1,"c":2}}`, `{"x":{"c":2,"d":1}}`, true},
		{`{"amount":1500000}`, `{"amount":1500001}`, false},
		{`{"amount":1500000}`, `{"amount":1500000.0}`, false},
		{`{"amount":1500000}`, `{"amount":1.5e6}`, false},
		{`{"n":123456789012345678901234567890}`, `{"n":123456789012345678901234567891}`, false},
		{`{"a":1}`, `{"a":1} {"a":1}`, false},
	}
	for _, tt := range tests {
		if same := bytes.Equal(canonicalJSON([]byte(tt.a)), canonicalJSON([]byte(tt.b))); same != tt.same {
			t.Errorf("%s and %s: same %v, want %v", tt.a, tt.b, same, tt.same)
		}
	}
}

// reorderedJSON writes the JSON object raw with its keys in reverse order,
// one to a line, with spaces around the colons.
func reorderedJSON(t *testing.T, raw []byte) []byte {
	t.Helper()
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(maps.Keys(obj))
	slices.Reverse(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = fmt.Sprintf("  %q :  %s", k, obj[k])
	}
	return []byte("{\n" + strings.Join(lines, ",\n") + "\n}\n")
}

func TestConfirmThroughTheLink(t *testing.T) {
	t.Parallel()
	s, clk := newPurchaseServer(t)
	company := s.asCompany(s.newBusiness("factory"))
	officer := s.as(actor.RoleOfficer)
	ikm := s.newIKM()
	p := s.report(company, purchaseBody(ikm))
	tok := s.linkToken(officer, p.ID)
	link := "/api/v1/confirmations/" + tok

	shown := s.do(http.MethodGet, link, nil)
	if shown.Code != http.StatusOK {
		t.Fatalf("show: %d %s", shown.Code, shown.Body.String())
	}
	var view map[string]any
	json.Unmarshal(shown.Body.Bytes(), &view)
	var keys []string
	for k := range view {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"amount", "business_name", "description", "expires_at", "purchase_date", "status"}) {
		t.Errorf("the link shows %v", keys)
	}
	s.do(http.MethodPost, link, strings.NewReader(`{"decision":"dispute"}`), "Content-Type", "application/json").
		problem(http.StatusUnprocessableEntity)
	s.do(http.MethodPost, link, strings.NewReader(`{"decision":"setuju"}`), "Content-Type", "application/json").
		problem(http.StatusUnprocessableEntity)
	// An altered token (its last two characters changed: "AA", or "BA"
	// when it already ends so, 1 in 1,024 tokens) is unknown.
	altered := tok[:len(tok)-2] + "AA"
	if altered == tok {
		altered = tok[:len(tok)-2] + "BA"
	}
	s.do(http.MethodGet, "/api/v1/confirmations/"+altered, nil).problem(http.StatusNotFound)

	ok := s.do(http.MethodPost, link, strings.NewReader(`{"decision":"confirm"}`), "Content-Type", "application/json")
	if ok.Code != http.StatusOK || !strings.Contains(ok.Body.String(), `"status":"confirmed"`) {
		t.Fatalf("confirm: %d %s", ok.Code, ok.Body.String())
	}
	got := decode[purchaseResponse](s.call(company, http.MethodGet, purchasePath(p.ID, ""), nil), http.StatusOK)
	wantGot := purchaseResponse{Status: "confirmed", Counted: true, ConfirmedVia: new("link"), Verified: false}
	if diff := cmp.Diff(wantGot, got,
		cmptest.Only[purchaseResponse]("Status", "Counted", "ConfirmedVia", "Verified")); diff != "" {
		t.Errorf("after the link (-want +got):\n%s", diff)
	}
	if p := s.do(http.MethodPost, link, strings.NewReader(`{"decision":"confirm"}`), "Content-Type", "application/json").
		problem(http.StatusConflict); p["code"] != "token_used" {
		t.Errorf("reused link: %v", p)
	}
	s.do(http.MethodGet, link, nil).problem(http.StatusConflict)
	if got := s.auditActions("purchase", strconv.FormatInt(p.ID, 10)); !slices.Equal(got, []string{"purchase.report", "purchase.confirm"}) {
		t.Errorf("audit %v", got)
	}

	// An unused link expires with the confirmation window.
	late := s.report(company, purchaseBody(ikm))
	lateLink := "/api/v1/confirmations/" + s.linkToken(officer, late.ID)
	clk.Advance(14*24*time.Hour + time.Second)
	company, officer = s.asCompany(company.businessID), s.as(actor.RoleOfficer) // sessions last hours, not weeks
	if p := s.do(http.MethodPost, lateLink, strings.NewReader(`{"decision":"confirm"}`), "Content-Type", "application/json").
		problem(http.StatusGone); p["code"] != "token_expired" {
		t.Errorf("expired link: %v", p)
	}
	s.do(http.MethodGet, lateLink, nil).problem(http.StatusGone)
	if st := decode[purchaseResponse](s.call(company, http.MethodGet, purchasePath(late.ID, ""), nil), 200).Status; st != "reported" {
		t.Errorf("status after an expired link: %s", st)
	}
	// Nor can the IKM confirm in the app after the window; an officer can verify.
	s.call(s.asIKM(ikm), http.MethodPost, purchasePath(late.ID, "confirm"), nil).problem(http.StatusConflict)
	v := decode[purchaseResponse](s.call(officer, http.MethodPost, purchasePath(late.ID, "verify"),
		map[string]any{"note": "Diperiksa di lokasi"}), http.StatusOK)
	wantV := purchaseResponse{Status: "confirmed", Verified: true, Counted: true, ConfirmedVia: new("officer")}
	if diff := cmp.Diff(wantV, v,
		cmptest.Only[purchaseResponse]("Status", "Verified", "Counted", "ConfirmedVia")); diff != "" {
		t.Errorf("verified (-want +got):\n%s", diff)
	}
}

func TestConfirmAndDisputeInTheApp(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	business := s.newBusiness("factory")
	business2 := s.newBusiness("hotel")
	company := s.asCompany(business)
	company2 := s.asCompany(business2)
	s.db.Exec("UPDATE businesses SET contact_email = 'pembelian@pabrik.co.id' WHERE id = ?", business)
	ikm := s.newIKM()
	ikmUser := s.asIKM(ikm)
	strangerIKM := s.as(actor.RoleIKM)
	officer := s.as(actor.RoleOfficer)

	a := s.report(company, purchaseBody(ikm))
	s.call(strangerIKM, http.MethodPost, purchasePath(a.ID, "confirm"), nil).problem(http.StatusNotFound)
	c := decode[purchaseResponse](s.call(ikmUser, http.MethodPost, purchasePath(a.ID, "confirm"), nil), http.StatusOK)
	if c.Status != "confirmed" || *c.ConfirmedVia != "app" {
		t.Fatalf("confirmed: %+v", c)
	}
	// Locked: no second decision, no withdrawal.
	for _, try := range []struct {
		who  caller
		path string
		body any
	}{
		{ikmUser, "confirm", nil}, {ikmUser, "dispute", map[string]any{"reason": "salah"}},
		{officer, "verify", map[string]any{}}, {officer, "reject", map[string]any{"reason": "salah"}},
		{company, "withdraw", nil},
	} {
		p := s.call(try.who, http.MethodPost, purchasePath(a.ID, try.path), try.body).problem(http.StatusConflict)
		if p["current_status"] != "confirmed" {
			t.Errorf("%s on a locked purchase: %v", try.path, p)
		}
	}
	// Its link is used up by the decision in the app.
	if n := s.count("SELECT count(*) FROM confirmation_tokens WHERE purchase_id = ? AND used_at IS NULL", a.ID); n != 0 {
		t.Errorf("%d open links after the decision", n)
	}

	// Dispute, then the officer resolves it each way.
	b := s.report(company, purchaseBody(ikm))
	s.call(ikmUser, http.MethodPost, purchasePath(b.ID, "dispute"), map[string]any{"reason": " "}).problem(422)
	d := decode[purchaseResponse](s.call(ikmUser, http.MethodPost, purchasePath(b.ID, "dispute"),
		map[string]any{"reason": "Hanya 150 besek yang dikirim"}), http.StatusOK)
	if d.Status != "disputed" || d.DisputeReason != "Hanya 150 besek yang dikirim" || d.Counted {
		t.Fatalf("disputed: %+v", d)
	}
	if n := s.count("SELECT count(*) FROM outbox WHERE kind = 'purchase.disputed' AND recipient = 'pembelian@pabrik.co.id'"); n != 1 {
		t.Errorf("%d dispute notices to the company", n)
	}
	// The company is sent to the purchase's page, the Dinas to its queue;
	// every message signs off the same way, with how to reach the Dinas.
	var toCompany, toOffice string
	s.db.Raw("SELECT body FROM outbox WHERE kind = 'purchase.disputed'").Scan(&toCompany)
	s.db.Raw("SELECT body FROM outbox WHERE kind = 'purchase.disputed_office' AND recipient = 'disperin@bekasikab.go.id'").Scan(&toOffice)
	signature := "Hormat kami,\nDinas Perindustrian Kabupaten Bekasi\nTelepon (021) 89970001 · WhatsApp +6281110001700 · disperin@bekasikab.go.id\nhttps://disperin.bekasikab.go.id\n"
	if !strings.Contains(toCompany, "/perusahaan/pembelian/"+strconv.FormatInt(b.ID, 10)+"\n") ||
		!strings.HasSuffix(toCompany, signature) || !strings.Contains(toCompany, "Hanya 150 besek yang dikirim") {
		t.Errorf("the company's notice:\n%s", toCompany)
	}
	if !strings.Contains(toOffice, "/dinas/pembelian/"+strconv.FormatInt(b.ID, 10)) || !strings.Contains(toOffice, "Hanya 150 besek") {
		t.Errorf("the Dinas's notice:\n%s", toOffice)
	}
	s.call(officer, http.MethodPost, purchasePath(b.ID, "resolve"), map[string]any{"outcome": "confirmed"}).problem(422)
	s.call(officer, http.MethodPost, purchasePath(b.ID, "resolve"), map[string]any{"outcome": "mungkin", "reason": "x"}).problem(422)
	r := decode[purchaseResponse](s.call(officer, http.MethodPost, purchasePath(b.ID, "resolve"),
		map[string]any{"outcome": "rejected", "reason": "Faktur tidak sesuai surat jalan"}), http.StatusOK)
	if r.Status != "rejected" || r.ResolutionReason != "Faktur tidak sesuai surat jalan" || r.Counted {
		t.Errorf("resolved: %+v", r)
	}
	e := s.report(company, purchaseBody(ikm))
	s.call(ikmUser, http.MethodPost, purchasePath(e.ID, "dispute"), map[string]any{"reason": "Belum dibayar"})
	if r := decode[purchaseResponse](s.call(officer, http.MethodPost, purchasePath(e.ID, "resolve"),
		map[string]any{"outcome": "confirmed", "reason": "Bukti transfer diperiksa"}), 200); r.Status != "confirmed" || !r.Counted {
		t.Errorf("resolved for the company: %+v", r)
	}
	// Resolve needs a dispute.
	f := s.report(company, purchaseBody(ikm))
	s.call(officer, http.MethodPost, purchasePath(f.ID, "resolve"), map[string]any{"outcome": "confirmed", "reason": "x"}).
		problem(http.StatusConflict)
	// The company withdraws an unconfirmed one; another company cannot see it.
	s.call(company2, http.MethodPost, purchasePath(f.ID, "withdraw"), nil).problem(http.StatusNotFound)
	if w := decode[purchaseResponse](s.call(company, http.MethodPost, purchasePath(f.ID, "withdraw"), nil), 200); w.Status != "withdrawn" {
		t.Errorf("withdrawn: %+v", w)
	}
	s.call(ikmUser, http.MethodPost, purchasePath(f.ID, "confirm"), nil).problem(http.StatusConflict)
}

func TestReversalCorrectsALockedPurchase(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	business := s.newBusiness("factory")
	company := s.asCompany(business)
	ikm := s.newIKM()
	ikmUser := s.asIKM(ikm)
	orig := s.report(company, purchaseBody(ikm))

	s.call(company, http.MethodPost, purchasePath(orig.ID, "reverse"), map[string]any{"reason": "salah"}).problem(http.StatusConflict)
	s.call(ikmUser, http.MethodPost, purchasePath(orig.ID, "confirm"), nil)
	s.call(company, http.MethodPost, purchasePath(orig.ID, "reverse"), map[string]any{}).problem(422)
	s.call(s.as(actor.RoleCompany), http.MethodPost, purchasePath(orig.ID, "reverse"), map[string]any{"reason": "x"}).
		problem(http.StatusNotFound)

	rev := decode[purchaseResponse](s.call(company, http.MethodPost, purchasePath(orig.ID, "reverse"),
		map[string]any{"reason": "Nilai faktur salah ketik"}), http.StatusCreated)
	wantRev := purchaseResponse{Amount: -orig.Amount, ReversesID: &orig.ID, Status: "reported",
		PurchaseDate: orig.PurchaseDate, InvoiceNumber: orig.InvoiceNumber + "-BATAL"}
	if diff := cmp.Diff(wantRev, rev, cmptest.Only[purchaseResponse]("Amount", "ReversesID", "Status", "PurchaseDate",
		"InvoiceNumber")); diff != "" {
		t.Fatalf("reversal (-want +got):\n%s", diff)
	}
	if p := s.call(company, http.MethodPost, purchasePath(orig.ID, "reverse"), map[string]any{"reason": "lagi", "invoice_number": "NK-2"}).
		problem(http.StatusConflict); p["code"] != "already_reversed" {
		t.Errorf("second reversal: %v", p)
	}
	s.call(company, http.MethodPost, purchasePath(rev.ID, "reverse"), map[string]any{"reason": "x"}).problem(http.StatusConflict)

	counted := func() int64 {
		return s.count("SELECT coalesce(sum(amount), 0) FROM purchases WHERE business_id = ? AND status = 'confirmed'", business)
	}
	if got := counted(); got != orig.Amount {
		t.Errorf("counted %d before the reversal is confirmed, want %d", got, orig.Amount)
	}
	s.call(ikmUser, http.MethodPost, purchasePath(rev.ID, "confirm"), nil)
	if got := counted(); got != 0 {
		t.Errorf("counted %d after the reversal, want 0", got)
	}
	fixed := purchaseBody(ikm)
	fixed["amount"] = 1_250_000
	corrected := s.report(company, fixed)
	s.call(ikmUser, http.MethodPost, purchasePath(corrected.ID, "confirm"), nil)
	if got := counted(); got != 1_250_000 {
		t.Errorf("counted %d after the corrected entry, want 1250000", got)
	}
	if got := s.auditActions("purchase", strconv.FormatInt(rev.ID, 10)); !slices.Equal(got, []string{"purchase.reverse", "purchase.confirm"}) {
		t.Errorf("audit of the reversal %v", got)
	}
}

func TestPurchaseListScopingAndKeyset(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	b1, b2 := s.newBusiness("factory"), s.newBusiness("hotel")
	c1, c2 := s.asCompany(b1), s.asCompany(b2)
	i1, i2 := s.newIKM(), s.newIKM()
	var mine []int64
	for n := range 5 {
		body := purchaseBody(i1)
		if n == 4 {
			body["ikm_id"] = i2
			body["purchase_date"] = "2024-12-30"
			delete(body, "paid_date")
		}
		mine = append(mine, s.report(c1, body).ID)
	}
	theirs := s.report(c2, purchaseBody(i1)).ID

	ids := func(c caller, query string) ([]int64, *int64) {
		t.Helper()
		page := decode[listPage[purchaseResponse]](s.call(c, http.MethodGet, "/api/v1/purchases"+query, nil), http.StatusOK)
		var out []int64
		for _, p := range page.Items {
			out = append(out, p.ID)
		}
		return out, page.NextCursor
	}
	got, _ := ids(c1, "")
	if !slices.Equal(got, []int64{mine[4], mine[3], mine[2], mine[1], mine[0]}) {
		t.Errorf("company sees %v", got)
	}
	// A filter naming another business still shows only one's own.
	if got, _ := ids(c1, fmt.Sprintf("?business_id=%d", b2)); len(got) != 0 {
		t.Errorf("company sees another business: %v", got)
	}
	s.call(c1, http.MethodGet, purchasePath(theirs, ""), nil).problem(http.StatusNotFound)
	if got, _ := ids(s.asIKM(i2), ""); !slices.Equal(got, []int64{mine[4]}) {
		t.Errorf("IKM 2 sees %v", got)
	}
	if got, _ := ids(s.asIKM(i1), fmt.Sprintf("?business_id=%d", b2)); !slices.Equal(got, []int64{theirs}) {
		t.Errorf("IKM 1 filtered by business sees %v", got)
	}
	s.call(s.asIKM(i2), http.MethodGet, purchasePath(theirs, ""), nil).problem(http.StatusNotFound)
	officer := s.as(actor.RoleReviewer)
	if got, _ := ids(officer, "?period=2025-Q1"); len(got) != 5 {
		t.Errorf("2025-Q1 for staff: %v", got)
	}
	if got, _ := ids(officer, "?period=2024-Q4"); !slices.Equal(got, []int64{mine[4]}) {
		t.Errorf("2024-Q4: %v", got)
	}
	if got, _ := ids(officer, "?from=2025-01-01&to=2025-03-31&ikm_id="+strconv.FormatInt(i1, 10)); len(got) != 5 {
		t.Errorf("date range and IKM: %v", got)
	}

	// Keyset pages of two, newest first, until the end.
	var walked []int64
	cursor := ""
	for range 5 {
		page, next := ids(c1, "?limit=2"+cursor)
		walked = append(walked, page...)
		if next == nil {
			break
		}
		cursor = fmt.Sprintf("&cursor=%d", *next)
	}
	if !slices.Equal(walked, []int64{mine[4], mine[3], mine[2], mine[1], mine[0]}) {
		t.Errorf("walked %v", walked)
	}
	p := s.call(officer, http.MethodGet, "/api/v1/purchases?period=2025-Q5&status=lunas&from=kemarin&limit=0", nil).problem(422)
	if f := fields(p); !slices.Equal(f, []string{"limit", "status", "period", "from"}) {
		t.Errorf("bad filters %v", f)
	}
}

func TestEvidenceIsCheckedByContent(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	business := s.newBusiness("factory")
	company := s.asCompany(business)
	ikm := s.newIKM()
	p := s.report(company, purchaseBody(ikm))

	bad := s.upload(company, http.MethodPost, purchasePath(p.ID, "evidence"), "file", "faktur.pdf", []byte("bukan PDF, hanya teks"))
	if f := fields(bad.problem(http.StatusUnprocessableEntity)); !slices.Equal(f, []string{"file"}) {
		t.Errorf("fields %v", f)
	}
	if n := s.count("SELECT count(*) FROM purchase_files"); n != 0 {
		t.Errorf("%d attachments after a bad file", n)
	}
	ev := decode[evidenceResponse](s.upload(company, http.MethodPost, purchasePath(p.ID, "evidence"), "file", "faktur.pdf",
		samplePDF("faktur")), http.StatusCreated)
	if ev.ContentType != files.PDF {
		t.Errorf("evidence %+v", ev)
	}
	list := decode[[]evidenceResponse](s.call(s.asIKM(ikm), http.MethodGet, purchasePath(p.ID, "evidence"), nil), http.StatusOK)
	if len(list) != 1 || list[0].FileID != ev.FileID {
		t.Errorf("list %+v", list)
	}
	dl := s.call(company, http.MethodGet, fmt.Sprintf("/api/v1/purchases/%d/evidence/%d", p.ID, ev.FileID), nil)
	if dl.Code != http.StatusOK || !bytes.Equal(dl.Body.Bytes(), samplePDF("faktur")) {
		t.Errorf("download %d", dl.Code)
	}
	s.call(s.as(actor.RoleCompany), http.MethodGet, fmt.Sprintf("/api/v1/purchases/%d/evidence/%d", p.ID, ev.FileID), nil).
		problem(http.StatusNotFound)
	s.call(s.asIKM(ikm), http.MethodPost, purchasePath(p.ID, "confirm"), nil)
	s.upload(company, http.MethodPost, purchasePath(p.ID, "evidence"), "file", "lagi.png", samplePNG).problem(http.StatusConflict)
}

// Rows for the authorisation matrix (app/api/authz_test.go).
func init() {
	authzMatrix = append(authzMatrix, purchaseAuthzRows...)
}

func (f *authzFixture) purchase(status string) int64 {
	f.s.t.Helper()
	var id int64
	err := f.s.db.Raw(`INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, description, amount,
			status, confirm_by, confirmed_via, confirmed_at, dispute_reason, source, created_at, updated_at)
		VALUES (?, ?, ?, '2025-03-10', 'Uji', 100000, ?, now() + interval '14 days',
			CASE WHEN ? = 'confirmed' THEN 'app' END, CASE WHEN ? = 'confirmed' THEN now() END,
			CASE WHEN ? = 'disputed' THEN 'Tidak sesuai' ELSE '' END, 'manual', now(), now()) RETURNING id`,
		f.business, f.ikm, "AUTHZ/"+randomDigits(10), status, status, status, status).Row().Scan(&id)
	if err != nil {
		f.s.t.Fatal(err)
	}
	return id
}

func purchaseAt(status, action string) func(*authzFixture) string {
	return func(f *authzFixture) string { return purchasePath(f.purchase(status), action) }
}

// paymentDispute is the resolution path of a confirmed purchase the
// company marked paid and its IKM says is not.
func (f *authzFixture) paymentDispute() string {
	f.s.t.Helper()
	id := f.purchase("confirmed")
	if err := f.s.db.Exec(`UPDATE purchases SET paid_date = '2025-03-12', ikm_payment = 'unpaid',
			ikm_payment_on = '2025-03-13', ikm_payment_at = now() WHERE id = ?`, id).Error; err != nil {
		f.s.t.Fatal(err)
	}
	return purchasePath(id, "payment-resolution")
}

// link reports a purchase through the API and returns its confirmation path.
func (f *authzFixture) link() string {
	f.s.t.Helper()
	p := f.s.report(f.callers[own], purchaseBody(f.ikm))
	return "/api/v1/confirmations/" + f.s.linkToken(f.callers[officer], p.ID)
}

func (f *authzFixture) evidencePath() string {
	f.s.t.Helper()
	id := f.purchase("reported")
	store := files.NewStore(f.s.cfg.Uploads.Dir, f.s.cfg.Uploads.MaxBytes, f.s.clock)
	file, err := store.Save(context.Background(), f.s.db, bytes.NewReader(samplePDF(randomDigits(8))), "bukti.pdf", files.Options{})
	if err != nil {
		f.s.t.Fatal(err)
	}
	f.s.db.Exec("INSERT INTO purchase_files (purchase_id, file_id, created_at) VALUES (?, ?, now())", id, file.ID)
	return fmt.Sprintf("/api/v1/purchases/%d/evidence/%d", id, file.ID)
}

var (
	readers    = []who{admin, officer, reviewer, own, ikmUser, token}
	purchasers = []who{own, token}
)

var purchaseAuthzRows = []authzRow{
	{"GET", "/api/v1/purchases", nil, nil, allowed(200, append(readers, other)...)},
	{"POST", "/api/v1/purchases", nil, func(f *authzFixture) any { return purchaseBody(f.ikm) },
		allowed(201, own, other, token)},
	// A JSON body is the wrong media type: 415 shows the permission passed.
	{"POST", "/api/v1/purchases/import", nil, func(*authzFixture) any { return map[string]any{} },
		allowed(415, own, other, token)},
	{"GET", "/api/v1/purchases/:id", purchaseAt("reported", ""), nil,
		allowed(200, readers...).with(other, 404)},
	{"POST", "/api/v1/purchases/:id/confirm", purchaseAt("reported", "confirm"), nil,
		allowed(200, ikmUser)},
	{"POST", "/api/v1/purchases/:id/dispute", purchaseAt("reported", "dispute"),
		func(*authzFixture) any { return map[string]any{"reason": "Tidak sesuai"} }, allowed(200, ikmUser)},
	{"POST", "/api/v1/purchases/:id/verify", purchaseAt("reported", "verify"),
		func(*authzFixture) any { return map[string]any{} }, allowed(200, officer)},
	{"POST", "/api/v1/purchases/:id/resolve", purchaseAt("disputed", "resolve"),
		func(*authzFixture) any { return map[string]any{"outcome": "confirmed", "reason": "Diperiksa"} }, allowed(200, officer)},
	{"POST", "/api/v1/purchases/:id/reject", purchaseAt("reported", "reject"),
		func(*authzFixture) any { return map[string]any{"reason": "Data salah"} }, allowed(200, officer)},
	{"POST", "/api/v1/purchases/:id/withdraw", purchaseAt("reported", "withdraw"), nil,
		allowed(200, purchasers...).with(other, 404)},
	{"POST", "/api/v1/purchases/:id/reverse", purchaseAt("confirmed", "reverse"),
		func(*authzFixture) any { return map[string]any{"reason": "Salah ketik"} },
		allowed(201, purchasers...).with(other, 404)},
	{"POST", "/api/v1/purchases/:id/payment", purchaseAt("confirmed", "payment"),
		func(*authzFixture) any { return map[string]any{"payment": "paid"} }, allowed(200, ikmUser)},
	{"POST", "/api/v1/purchases/:id/paid", purchaseAt("confirmed", "paid"),
		func(*authzFixture) any { return map[string]any{"paid_date": "2025-03-12"} },
		allowed(200, purchasers...).with(other, 404)},
	{"POST", "/api/v1/purchases/:id/payment-resolution", (*authzFixture).paymentDispute,
		func(*authzFixture) any { return map[string]any{"decision": "paid", "reason": "Bukti transfer"} },
		allowed(200, officer)},
	{"GET", "/api/v1/purchases/:id/evidence", purchaseAt("reported", "evidence"), nil,
		allowed(200, readers...).with(other, 404)},
	// JSON instead of a file: 415 once the permission passed.
	{"POST", "/api/v1/purchases/:id/evidence", purchaseAt("reported", "evidence"),
		func(*authzFixture) any { return map[string]any{} }, allowed(415, purchasers...).with(other, 415)},
	{"GET", "/api/v1/purchases/:id/evidence/:file", (*authzFixture).evidencePath, nil,
		allowed(200, readers...).with(other, 404)},
	{"GET", "/api/v1/confirmations/:token", (*authzFixture).link, nil, everyone(200)},
	{"POST", "/api/v1/confirmations/:token", (*authzFixture).link,
		func(*authzFixture) any { return map[string]any{"decision": "confirm"} }, everyone(200)},
}

func TestConcurrentRetriesWithOneKeyStoreOnce(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	erp := s.asToken(s.newBusiness("factory"))
	raw, _ := json.Marshal(purchaseBody(s.newIKM()))
	const n = 6
	codes := make(chan int, n)
	bodies := make(chan string, n)
	start := make(chan struct{})
	for range n {
		go func() {
			<-start
			req := httptest.NewRequest(http.MethodPost, "/api/v1/purchases", bytes.NewReader(raw))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+erp.token)
			req.Header.Set("Idempotency-Key", "retry-storm")
			rec := httptest.NewRecorder()
			s.e.ServeHTTP(rec, req)
			codes <- rec.Code
			bodies <- rec.Body.String()
		}()
	}
	close(start)
	var first string
	for range n {
		if code := <-codes; code != http.StatusCreated {
			t.Errorf("status %d", code)
		}
		b := <-bodies
		if first == "" {
			first = b
		} else if b != first {
			t.Errorf("answers differ:\n%s\n%s", first, b)
		}
	}
	if got := s.count("SELECT count(*) FROM purchases"); got != 1 {
		t.Errorf("%d purchases from one key, want 1", got)
	}
}

// A purchase dated before the first period any rule set judges is refused,
// however it is reported: no evaluation could ever count it.
func TestPurchaseBeforeTheFirstRuleSetIsRefused(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	s.loadRules() // bekasi-2025: quarterly from 1 January 2025
	business := s.newBusiness("factory")
	company, erp := s.asCompany(business), s.asToken(business)
	ikm := s.newIKM()
	before := s.written()
	for _, who := range []struct {
		name string
		c    caller
	}{{"company user", company}, {"ERP token", erp}} {
		for _, date := range []string{"2024-12-31", "2000-01-01"} {
			body := purchaseBody(ikm)
			body["purchase_date"], body["paid_date"] = date, date
			p := s.call(who.c, http.MethodPost, "/api/v1/purchases", body).problem(http.StatusUnprocessableEntity)
			if got := fields(p); !slices.Equal(got, []string{"purchase_date"}) {
				t.Errorf("%s, %s: fields %v, want [purchase_date]: %v", who.name, date, got, p)
			}
			if !strings.Contains(fmt.Sprint(p["errors"]), "1 Januari 2025") {
				t.Errorf("%s, %s: the reason does not say from when: %v", who.name, date, p["errors"])
			}
		}
	}
	csv := "invoice_number,ikm_nib,purchase_date,description,quantity,amount\n" +
		"F-1," + s.nibOf(ikm) + ",2025-01-01,Besek bambu,1,100000\n" +
		"F-2," + s.nibOf(ikm) + ",2024-12-31,Besek bambu,1,100000\n"
	p := s.importFile(company, "", []byte(csv)).problem(http.StatusUnprocessableEntity)
	if got := lineErrors(p); len(got) != 1 || got[0].Line != 3 || got[0].Field != "purchase_date" {
		t.Errorf("import: %+v, want line 3 purchase_date", got)
	}
	if after := s.written(); after != before {
		t.Errorf("refused reports wrote %+v (before %+v)", after, before)
	}
	// The first day judged is accepted.
	body := purchaseBody(ikm)
	body["purchase_date"], body["paid_date"] = "2025-01-01", "2025-01-02"
	s.report(erp, body)
}

// The answer to a report is what reading the purchase back gives.
func TestReportAnswerMatchesTheStoredPurchase(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	s.loadRules()
	business := s.newBusiness("factory")
	erp := s.asToken(business)
	officer := s.as(actor.RoleOfficer)
	ikm := s.newIKM()
	s.setIKMEmail(ikm, "ikm@contoh.id")
	created := s.report(erp, purchaseBody(ikm))
	read := decode[purchaseResponse](s.call(officer, http.MethodGet, purchasePath(created.ID, ""), nil), http.StatusOK)
	read.ConfirmationURL, read.ConfirmationExpiresAt = "", nil
	if !reflect.DeepEqual(created, read) {
		t.Errorf("answered %+v\nstored   %+v", created, read)
	}
	if n := s.count("SELECT count(*) FROM outbox WHERE payload->>'purchase_id' = ?", strconv.FormatInt(created.ID, 10)); n != 1 {
		t.Errorf("%d confirmation requests queued, want 1", n)
	}
	if n := s.count("SELECT count(*) FROM audit_events WHERE entity_type = 'purchase' AND entity_id = ? AND action = 'purchase.report'",
		strconv.FormatInt(created.ID, 10)); n != 1 {
		t.Errorf("%d audit events, want 1", n)
	}
}
