package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/procurement"
)

// companyUser logs in a user of the business, with the rules loaded so the
// period has targets.
func (s *site) companyUser(t testing.TB, business int64) *browser {
	t.Helper()
	if _, err := compliance.LoadRuleFiles(context.Background(), s.db, filepath.Join("..", "..", "config", "rules"), s.clock.Now()); err != nil {
		t.Fatal(err)
	}
	username, password := s.user(actor.RoleCompany, business, 0)
	return s.loggedIn(t, username, password, "/perusahaan")
}

// postMultipart sends a multipart form with one file field.
func (b *browser) postMultipart(path string, fields map[string]string, fileField, fileName string, content []byte) page {
	b.s.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if fileField != "" {
		fw, _ := w.CreateFormFile(fileField, fileName)
		_, _ = fw.Write(content)
	}
	_ = w.Close()
	req, err := http.NewRequest(http.MethodPost, b.s.url+path, &body)
	if err != nil {
		b.s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.send(req)
}

// importFile uploads a file on the import page and, when the page starts a
// job, follows it to the job's page once the job has ended.
func (b *browser) importFile(t testing.TB, fields map[string]string, name string, content []byte) page {
	t.Helper()
	res := b.postMultipart("/perusahaan/impor", fields, "berkas", name, content)
	if res.status != http.StatusSeeOther {
		return res
	}
	return b.awaitJob(t, res.location())
}

// awaitJob reloads an import's page until it no longer shows progress, as
// a person without JavaScript would.
func (b *browser) awaitJob(t testing.TB, path string) page {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		pg := b.get(path)
		if !strings.Contains(pg.body, "data-poll") {
			return pg
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import at %s has not ended:\n%s", path, pg.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var samplePDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func TestCompanyReportsAPurchase(t *testing.T) {
	s := newSite(t)
	business := dbtest.AddBusiness(t, s.db, dbtest.Business{Name: "PT Hotel Kencana", Category: "hotel"})
	ikm := dbtest.AddIKM(t, s.db, dbtest.IKM{Name: "Batik Tulis Sekar", NIB: "8120000000777"})
	b := s.companyUser(t, business)

	b.get("/perusahaan").must(t, http.StatusOK, "Periode ini: PT Hotel Kencana", "Triwulan I 2025",
		"Laporkan pembelian dari IKM", "Belum dimulai", "Kirim laporan periode", "Belum dapat dimulai")
	form := b.get("/perusahaan/pembelian/baru?cari=Sekar").must(t, http.StatusOK, "Batik Tulis Sekar",
		`name="ikm_id" value="`+strconv.FormatInt(ikm, 10)+`"`)
	key := regexpValue(t, form.body, "kunci")
	fields := map[string]string{"csrf": form.csrf(t), "kunci": key, "ikm_id": strconv.FormatInt(ikm, 10),
		"invoice_number": "INV/2025/099", "purchase_date": "2025-03-05", "description": "Kain batik",
		"quantity": "10", "amount": "Rp12.500.000"}

	// Bad input: the form comes back with what was typed and nothing is stored.
	bad := map[string]string{}
	for k, v := range fields {
		bad[k] = v
	}
	bad["amount"], bad["purchase_date"] = "dua juta", "2025-13-45"
	b.postMultipart("/perusahaan/pembelian/baru", bad, "", "", nil).
		must(t, http.StatusUnprocessableEntity, "Galat: ", `href="#amount"`, `value="dua juta"`)
	if n := s.count(`SELECT count(*) FROM purchases`); n != 0 {
		t.Fatalf("%d purchases after a refused form", n)
	}

	res := b.postMultipart("/perusahaan/pembelian/baru", fields, "evidence", "faktur.pdf", samplePDF)
	if res.status != http.StatusSeeOther {
		t.Fatalf("report: %d\n%.3000s", res.status, res.body)
	}
	// A double click sends the same form again: one purchase.
	again := b.postMultipart("/perusahaan/pembelian/baru", fields, "evidence", "faktur.pdf", samplePDF)
	if again.status != http.StatusSeeOther || again.location() != res.location() {
		t.Errorf("the second click: %d to %q, want %q", again.status, again.location(), res.location())
	}
	if n := s.count(`SELECT count(*) FROM purchases WHERE invoice_number = 'INV/2025/099' AND amount = 12500000
		AND quantity = 10 AND ikm_id = ? AND status = 'reported' AND source = 'manual'`, ikm); n != 1 {
		t.Fatalf("%d purchases as typed", n)
	}
	if n := s.count(`SELECT count(*) FROM purchase_files`); n != 1 {
		t.Errorf("%d evidence files", n)
	}
	detail := b.get(res.location()).must(t, http.StatusOK, "Pembelian sudah dilaporkan", "INV/2025/099", "Rp12.500.000",
		"faktur.pdf", "menunggu konfirmasi", "Tarik laporan ini")
	b.get("/perusahaan/pembelian?status=reported").must(t, http.StatusOK, "INV/2025/099")
	b.get("/perusahaan/pembelian?status=confirmed").must(t, http.StatusOK, "Belum ada pembelian yang cocok.")
	b.get("/perusahaan/pembelian?periode=2025-Q9").must(t, http.StatusUnprocessableEntity, `href="#period"`)
	b.get("/perusahaan").must(t, http.StatusOK, "1 menunggu jawaban IKM", "Sedang berjalan")

	path := strings.TrimSuffix(res.location(), "?pesan=dilaporkan")
	w := b.post(path+"/tarik", url.Values{"csrf": {detail.csrf(t)}})
	if w.status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", w.status)
	}
	b.get(w.location()).must(t, http.StatusOK, "Laporan pembelian sudah ditarik.", "ditarik perusahaan",
		"<strong>Dilaporkan</strong> — 12 Maret 2025 pukul 09.30 WIB", "<strong>Ditarik perusahaan</strong>")
	b.post(path+"/tarik", url.Values{"csrf": {detail.csrf(t)}}).must(t, http.StatusConflict)

	// Another company's purchase is not there.
	other := s.reportPurchase()
	b.get("/perusahaan/pembelian/"+strconv.FormatInt(other.id, 10)).must(t, http.StatusNotFound)
	b.post("/perusahaan/pembelian/"+strconv.FormatInt(other.id, 10)+"/tarik", url.Values{"csrf": {detail.csrf(t)}}).
		must(t, http.StatusNotFound)
	if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'reported'`, other.id) != 1 {
		t.Error("another company's purchase changed")
	}
}

func regexpValue(t *testing.T, body, name string) string {
	t.Helper()
	i := strings.Index(body, `name="`+name+`" value="`)
	if i < 0 {
		t.Fatalf("no %s field", name)
	}
	v := body[i+len(`name="`+name+`" value="`):]
	return v[:strings.IndexByte(v, '"')]
}

func TestCompanyOutletsAndTokens(t *testing.T) {
	s := newSite(t)
	business := dbtest.AddBusiness(t, s.db, dbtest.Business{Name: "PT Hotel Kencana", Category: "hotel"})
	ikm := dbtest.AddIKM(t, s.db, dbtest.IKM{Name: "Anyaman Bambu Jaya", Sector: "anyaman"})
	b := s.companyUser(t, business)

	form := b.get("/perusahaan/gerai?cari=Anyaman").must(t, http.StatusOK, "Anyaman Bambu Jaya", "Belum ada ruang gerai")
	b.post("/perusahaan/gerai", url.Values{"csrf": {form.csrf(t)}, "location": {"Lobi"}, "slots": {"dua"},
		"start_date": {"2025-03-01"}}).must(t, http.StatusUnprocessableEntity, `href="#ikm_id"`, `href="#slots"`)
	res := b.post("/perusahaan/gerai", url.Values{"csrf": {form.csrf(t)}, "ikm_id": {strconv.FormatInt(ikm, 10)},
		"location": {"Lobi utama"}, "slots": {"2"}, "start_date": {"2025-03-01"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("outlet: %d\n%.2000s", res.status, res.body)
	}
	b.get(res.location()).must(t, http.StatusOK, "Ruang gerai sudah dicatat", "Lobi utama", "menunggu konfirmasi")
	if s.count(`SELECT count(*) FROM outlets WHERE business_id = ? AND ikm_id = ? AND slots = 2 AND status = 'reported'`,
		business, ikm) != 1 {
		t.Fatal("the outlet is not stored")
	}

	page := b.get("/perusahaan/token").must(t, http.StatusOK, "Belum ada token.")
	created := b.post("/perusahaan/token", url.Values{"csrf": {page.csrf(t)}, "name": {"SAP produksi"}}).
		must(t, http.StatusCreated, "Token baru Anda", "tidak akan ditampilkan lagi", "/api/v1/purchases", "SAP produksi")
	secret := created.body[strings.Index(created.body, `<code class="secret">`)+len(`<code class="secret">`):]
	secret = secret[:strings.Index(secret, "<")]
	// The token works against the API, once, and the page never shows it again.
	req, _ := http.NewRequest(http.MethodGet, s.url+"/api/v1/purchases", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	if r := b.send(req); r.status != http.StatusOK {
		t.Fatalf("the new token against the API: %d %s", r.status, r.body)
	}
	list := b.get("/perusahaan/token")
	if strings.Contains(list.body, secret) {
		t.Fatal("the token list shows the secret again")
	}
	var id int64
	if err := s.db.Raw(`SELECT id FROM api_tokens WHERE business_id = ?`, business).Row().Scan(&id); err != nil {
		t.Fatal(err)
	}
	rv := b.post("/perusahaan/token/"+strconv.FormatInt(id, 10)+"/cabut", url.Values{"csrf": {list.csrf(t)}})
	if rv.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", rv.status)
	}
	b.get(rv.location()).must(t, http.StatusOK, "Token sudah dicabut", "dicabut ")
	if r := b.send(req); r.status != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d", r.status)
	}
	// Another business's token is not there to revoke.
	other := dbtest.AddBusiness(t, s.db, dbtest.Business{})
	ob := s.companyUser(t, other)
	op := ob.get("/perusahaan/token")
	ob.post("/perusahaan/token/"+strconv.FormatInt(id, 10)+"/cabut", url.Values{"csrf": {op.csrf(t)}}).must(t, http.StatusNotFound)
}

// TestCompanyAnswersAWarning: a company reads its SP1, opens the letter,
// writes an objection, checks it, changes it, and sends it with evidence.
func TestCompanyAnswersAWarning(t *testing.T) {
	s := newSite(t)
	caseID, number, username, password := s.warnedCompany(t)
	b := s.loggedIn(t, username, password, "/perusahaan")
	path := "/perusahaan/kasus/" + strconv.FormatInt(caseID, 10)
	b.get("/perusahaan/kasus").must(t, http.StatusOK, "#"+strconv.FormatInt(caseID, 10), "peringatan berjalan", "hari lagi")
	page := b.get(path).must(t, http.StatusOK, number, "Surat Peringatan Pertama (SP1)", "Tanggapi peringatan ini", "hari lagi")
	letter := regexpHref(t, page.body, path+"/surat/")
	pdf := b.get(letter)
	if pdf.status != http.StatusOK || pdf.header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(pdf.header.Get("Content-Disposition"), "inline") || !strings.HasPrefix(pdf.body, "%PDF-") {
		t.Fatalf("letter: %d %v", pdf.status, pdf.header)
	}

	b.post(path+"/periksa", url.Values{"csrf": {page.csrf(t)}, "penjelasan": {" "}}).
		must(t, http.StatusUnprocessableEntity, "Galat: ", `href="#penjelasan"`)
	check := b.post(path+"/periksa", url.Values{"csrf": {page.csrf(t)}, "penjelasan": {"Pembelian sudah kami lakukan."},
		"keberatan": {"ya"}}).must(t, http.StatusOK, "Periksa tanggapan Anda", "Keberatan", "Pembelian sudah kami lakukan.",
		"Kirim tanggapan")
	b.post(path+"/periksa", url.Values{"csrf": {check.csrf(t)}, "penjelasan": {"Pembelian sudah kami lakukan."},
		"keberatan": {"ya"}, "ubah": {"1"}}).must(t, http.StatusOK, ">Pembelian sudah kami lakukan.</textarea>", `value="ya" checked`)
	if s.count(`SELECT count(*) FROM sanction_responses`) != 0 {
		t.Fatal("the check step sent the response")
	}
	res := b.postMultipart(path+"/tanggapan", map[string]string{"csrf": check.csrf(t),
		"penjelasan": "Pembelian sudah kami lakukan.", "keberatan": "ya"}, "bukti", "bukti.pdf", samplePDF)
	if res.status != http.StatusSeeOther {
		t.Fatalf("send: %d\n%.3000s", res.status, res.body)
	}
	if n := s.count(`SELECT count(*) FROM sanction_responses WHERE case_id = ? AND objection
		AND explanation = 'Pembelian sudah kami lakukan.'`, caseID); n != 1 {
		t.Fatal("the response is not recorded")
	}
	if n := s.count(`SELECT count(*) FROM sanction_response_files`); n != 1 {
		t.Errorf("%d response files", n)
	}
	b.get(res.location()).must(t, http.StatusOK, "Tanggapan Anda sudah dikirim", "tanggapan diperiksa", "Tanggapan dikirim (keberatan)")

	// Another company sees no such case, and its letter is not there.
	other := s.companyUser(t, dbtest.AddBusiness(t, s.db, dbtest.Business{}))
	other.get(path).must(t, http.StatusNotFound)
	other.get(letter).must(t, http.StatusNotFound)
}

func regexpHref(t *testing.T, body, prefix string) string {
	t.Helper()
	i := strings.Index(body, `href="`+prefix)
	if i < 0 {
		t.Fatalf("no link to %s", prefix)
	}
	v := body[i+len(`href="`):]
	return v[:strings.IndexByte(v, '"')]
}

// warnedCompany evaluates the site, has a reviewer warn one business, and
// makes a user for that business: the case, the letter's number and the
// user's credentials.
func (s *site) warnedCompany(t *testing.T) (caseID int64, number, username, password string) {
	t.Helper()
	s.evaluated()
	number, _ = s.issueLetter(t)
	var business int64
	if err := s.db.Raw(`SELECT c.id, c.business_id FROM sanction_cases c JOIN sanction_letters l ON l.case_id = c.id
		WHERE l.number = ?`, number).Row().Scan(&caseID, &business); err != nil {
		t.Fatal(err)
	}
	username, password = s.user(actor.RoleCompany, business, 0)
	return caseID, number, username, password
}

func TestCompanySubmitsItsPeriodReport(t *testing.T) {
	s := newSite(t)
	p := s.reportPurchase() // 5 March 2025, reported by PT Hotel Kencana
	if _, err := compliance.LoadRuleFiles(context.Background(), s.db, filepath.Join("..", "..", "config", "rules"), s.clock.Now()); err != nil {
		t.Fatal(err)
	}
	username, password := s.user(actor.RoleCompany, p.business, 0)
	b := s.loggedIn(t, username, password, "/perusahaan")
	// Before the quarter ends there is nothing to submit.
	b.get("/perusahaan/laporan?periode=2025-Q1").must(t, http.StatusOK, "Triwulan I 2025 belum berakhir")
	s.clock.Advance(25 * 24 * time.Hour) // 6 April 2025; the session has ended meanwhile
	b = s.loggedIn(t, username, password, "/perusahaan")
	b.get("/perusahaan").must(t, http.StatusOK,
		"1 pembelian menunggu jawaban IKM, 1 di antaranya sudah lewat batas waktunya")
	page := b.get("/perusahaan/laporan").must(t, http.StatusOK, "Yang tercatat untuk Triwulan I 2025",
		"menunggu konfirmasi", "Rp12.500.000", "1 pembelian masih menunggu jawaban IKM", "Kirim laporan periode")
	res := b.post("/perusahaan/laporan", url.Values{"csrf": {page.csrf(t)}, "periode": {"2025-Q1"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("submit: %d\n%.2000s", res.status, res.body)
	}
	if s.count(`SELECT count(*) FROM period_reports WHERE business_id = ? AND period = '2025-Q1' AND on_time`, p.business) != 1 {
		t.Fatal("the report is not recorded on time")
	}
	b.get(res.location()).must(t, http.StatusOK, "Laporan periode sudah dikirim", "LAP-2025Q1-", "tepat waktu")
	pdf := b.get("/perusahaan/laporan/tanda-terima.pdf?periode=2025-Q1")
	if pdf.status != http.StatusOK || !strings.HasPrefix(pdf.body, "%PDF-") {
		t.Fatalf("receipt: %d", pdf.status)
	}
	// A second submission is explained, not an error page.
	b.post("/perusahaan/laporan", url.Values{"csrf": {page.csrf(t)}, "periode": {"2025-Q1"}}).
		must(t, http.StatusConflict, "sudah dikirim")
	if s.count(`SELECT count(*) FROM period_reports`) != 1 {
		t.Error("a second submission added a report")
	}
	b.get("/perusahaan/laporan?periode=2025-Q9").must(t, http.StatusUnprocessableEntity, "Galat: ")
}

func TestCompanyAgreements(t *testing.T) {
	s := newSite(t)
	business := dbtest.AddBusiness(t, s.db, dbtest.Business{Name: "PT Hotel Kencana", Category: "hotel"})
	ikm := dbtest.AddIKM(t, s.db, dbtest.IKM{Name: "Batik Tulis Sekar"})
	b := s.companyUser(t, business)
	form := b.get("/perusahaan/perjanjian/baru?cari=Sekar").must(t, http.StatusOK, "Batik Tulis Sekar")
	fields := url.Values{"csrf": {form.csrf(t)}, "ikm_ids": {strconv.FormatInt(ikm, 10)}, "form": {"procurement"},
		"number": {"PKS/001/2025"}, "agreement_date": {"2025-01-10"}, "start_date": {"2025-01-10"},
		"end_date": {"2025-13-31"}, "target_purchase_value": {"50.000.000"}, "target_ikm_count": {"1"},
		"payment_days": {"365"}, "consignment": {"ya"}}
	b.post("/perusahaan/perjanjian/baru", fields).must(t, http.StatusUnprocessableEntity, "Galat: ", `href="#end_date"`,
		`value="PKS/001/2025"`, `href="#payment_days"`, "harus antara 0 dan 180 hari")
	fields.Set("end_date", "2025-12-31")
	fields.Set("payment_days", "14")
	res := b.post("/perusahaan/perjanjian/baru", fields)
	if res.status != http.StatusSeeOther {
		t.Fatalf("draft: %d\n%.3000s", res.status, res.body)
	}
	var id int64
	if err := s.db.Raw(`SELECT id FROM agreements WHERE business_id = ? AND number = 'PKS/001/2025' AND status = 'draft'
		AND target_purchase_value = 50000000 AND payment_days = 14 AND consignment`, business).Row().Scan(&id); err != nil {
		t.Fatalf("the draft is not stored: %v", err)
	}
	path := "/perusahaan/perjanjian/" + strconv.FormatInt(id, 10)
	detail := b.get(res.location()).must(t, http.StatusOK, "Draf perjanjian sudah disimpan", "Batik Tulis Sekar",
		"Rp50.000.000", "Belum ada dokumen", "14 hari · titip jual (konsinyasi)")
	edit := b.get(path+"/ubah").must(t, http.StatusOK, `value="PKS/001/2025"`, "checked")
	fields.Set("csrf", edit.csrf(t))
	fields.Set("number", "PKS/002/2025")
	if r := b.post(path+"/ubah", fields); r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%.2000s", r.status, r.body)
	}
	b.post(path+"/ajukan", url.Values{"csrf": {detail.csrf(t)}}).must(t, http.StatusUnprocessableEntity, `href="#document"`)
	up := b.postMultipart(path+"/dokumen", map[string]string{"csrf": detail.csrf(t)}, "dokumen", "pks.pdf", samplePDF)
	if up.status != http.StatusSeeOther {
		t.Fatalf("document: %d\n%.2000s", up.status, up.body)
	}
	sub := b.post(path+"/ajukan", url.Values{"csrf": {detail.csrf(t)}})
	if sub.status != http.StatusSeeOther {
		t.Fatalf("submit: %d\n%.2000s", sub.status, sub.body)
	}
	if s.count(`SELECT count(*) FROM agreements WHERE id = ? AND status = 'submitted' AND number = 'PKS/002/2025'`, id) != 1 {
		t.Fatal("the agreement is not submitted as edited")
	}
	officer := actor.With(context.Background(), actor.Actor{UserID: 0, Role: actor.RoleOfficer, System: true})
	if _, err := s.svc.Partnership.RejectAgreement(officer, id, "Tanda tangan IKM belum ada."); err != nil {
		t.Fatal(err)
	}
	b.get(path).must(t, http.StatusOK, "ditolak", "Tanda tangan IKM belum ada.")
	b.get("/perusahaan/perjanjian").must(t, http.StatusOK, "PKS/002/2025")

	other := s.companyUser(t, dbtest.AddBusiness(t, s.db, dbtest.Business{}))
	other.get(path).must(t, http.StatusNotFound)
	op := other.get("/perusahaan/perjanjian")
	other.post(path+"/ajukan", url.Values{"csrf": {op.csrf(t)}}).must(t, http.StatusNotFound)
}

// TestCompanyReversesAConfirmedPurchase: a confirmed purchase cannot be
// withdrawn; it is corrected by a reversal with a reason.
func TestCompanyReversesAConfirmedPurchase(t *testing.T) {
	s := newSite(t)
	p := s.reportPurchase()
	ikmCtx := actor.With(context.Background(), actor.Actor{Role: actor.RoleIKM, IKMID: p.ikm, System: true})
	if _, err := s.svc.Purchases.Decide(ikmCtx, p.id, procurement.Confirm, ""); err != nil {
		t.Fatal(err)
	}
	b := s.companyUser(t, p.business)
	path := "/perusahaan/pembelian/" + strconv.FormatInt(p.id, 10)
	page := b.get(path).must(t, http.StatusOK, "Koreksi pembelian ini", "dikonfirmasi")
	if strings.Contains(page.body, "Tarik laporan ini") {
		t.Error("a confirmed purchase offers to be withdrawn")
	}
	b.post(path+"/balik", url.Values{"csrf": {page.csrf(t)}, "alasan": {" "}}).
		must(t, http.StatusUnprocessableEntity, `href="#reason"`)
	res := b.post(path+"/balik", url.Values{"csrf": {page.csrf(t)}, "alasan": {"Jumlah barang salah ketik."}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("reverse: %d\n%.2000s", res.status, res.body)
	}
	if n := s.count(`SELECT count(*) FROM purchases WHERE reverses_id = ? AND amount = -12500000
		AND reversal_reason = 'Jumlah barang salah ketik.' AND status = 'reported'`, p.id); n != 1 {
		t.Fatal("the reversal is not recorded")
	}
	b.get(res.location()).must(t, http.StatusOK, "Pembalikan sudah dicatat", "-Rp12.500.000", "Pembalikan dari pembelian")
	b.post(path+"/balik", url.Values{"csrf": {page.csrf(t)}, "alasan": {"Lagi."}}).must(t, http.StatusConflict)
}

func TestCompanyImportsPurchases(t *testing.T) {
	s := newSite(t)
	business := dbtest.AddBusiness(t, s.db, dbtest.Business{Name: "PT Hotel Kencana", Category: "hotel"})
	dbtest.AddIKM(t, s.db, dbtest.IKM{NIB: "8120000000001"})
	dbtest.AddIKM(t, s.db, dbtest.IKM{NIB: "8120000000002"})
	b := s.companyUser(t, business)
	page := b.get("/perusahaan/impor").must(t, http.StatusOK, "Unduh templat (XLSX)", "Periksa dulu")

	xlsx := b.get("/perusahaan/impor/templat.xlsx")
	if xlsx.status != http.StatusOK || !strings.HasPrefix(xlsx.body, "PK") {
		t.Fatalf("XLSX template: %d", xlsx.status)
	}
	x, err := excelize.OpenReader(strings.NewReader(xlsx.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("Pembelian")
	if err != nil || len(rows) != 2 || rows[0][0] != "invoice_number" || rows[1][1] != "8120000000001" {
		t.Errorf("template rows %v %v", rows, err)
	}
	if dv, err := x.GetDataValidations("Pembelian"); err != nil || len(dv) != 3 {
		t.Errorf("template validations: %d %v", len(dv), err)
	}
	b.get("/perusahaan/impor/templat.csv").must(t, http.StatusOK, "invoice_number,ikm_nib,purchase_date")

	bad := "invoice_number,ikm_nib,purchase_date,description,amount\n" +
		"F-1,8120000000001,2025-03-01,Besek,150000\n" +
		"F-2,8129999999999,2025-03-02,Besek,150000\n" +
		"F-3,8120000000002,2025-02-30,Besek,dua\n"
	res := b.importFile(t, map[string]string{"csrf": page.csrf(t), "langkah": "periksa"}, "pembelian.csv", []byte(bad))
	res.must(t, http.StatusUnprocessableEntity, "Galat: ", "2 baris perlu diperbaiki", "<td class=\"num\">3</td><td>ikm_nib</td>",
		"<td class=\"num\">4</td><td>purchase_date</td>", "<td class=\"num\">4</td><td>amount</td>",
		"Unduh 2 baris bermasalah (XLSX)")
	if n := s.count(`SELECT count(*) FROM purchases`); n != 0 {
		t.Fatalf("%d purchases after a bad file", n)
	}
	good := "invoice_number,ikm_nib,purchase_date,description,amount\n" +
		"F-1,8120000000001,2025-03-01,Besek,150000\n" +
		"F-2,8120000000002,2025-03-02,Besek,250000\n"
	checked := b.importFile(t, map[string]string{"csrf": page.csrf(t), "langkah": "periksa"}, "pembelian.csv", []byte(good)).
		must(t, http.StatusOK, "Berkas ini baik: 2 baris, jumlah Rp400.000", "Pratinjau: 2 baris pertama dari 2",
			"<td>F-2</td>", "Impor 2 pembelian ini sekarang")
	if n := s.count(`SELECT count(*) FROM purchases`); n != 0 {
		t.Fatalf("%d purchases after a dry run", n)
	}
	// The checked file is imported without uploading it again, once
	// however often the button is pressed.
	action := regexp.MustCompile(`action="(/perusahaan/impor/[0-9a-f]+/impor)"`).FindStringSubmatch(checked.body)
	if action == nil {
		t.Fatalf("no import button:\n%s", checked.body)
	}
	first := b.post(action[1], url.Values{"csrf": {page.csrf(t)}})
	again := b.post(action[1], url.Values{"csrf": {page.csrf(t)}})
	if first.status != http.StatusSeeOther || again.location() != first.location() {
		t.Fatalf("import twice: %d %q, %d %q", first.status, first.location(), again.status, again.location())
	}
	b.awaitJob(t, first.location()).must(t, http.StatusOK, "Impor selesai", "IMP-", "2 pembelian sudah dilaporkan")
	if n := s.count(`SELECT count(*) FROM purchases WHERE business_id = ? AND source = 'import'`, business); n != 2 {
		t.Fatalf("%d imported purchases", n)
	}
	// Another company knows nothing of this import.
	other := s.companyUser(t, dbtest.AddBusiness(t, s.db, dbtest.Business{Name: "PT Lain"}))
	other.get(first.location()).must(t, http.StatusNotFound)
	other.post(action[1], url.Values{"csrf": {other.get("/perusahaan/impor").csrf(t)}}).must(t, http.StatusNotFound)
	b.postMultipart("/perusahaan/impor", map[string]string{"csrf": page.csrf(t)}, "", "", nil).
		must(t, http.StatusUnprocessableEntity, "Pilih berkas CSV atau XLSX")
}

// TestCompanyFixesTheBadRowsOfAnImport: a 1,000-row file with 3 bad rows is
// refused whole; the company imports its 997 good rows, downloads the 3 bad
// ones with their reasons, fixes them in the spreadsheet and imports them.
func TestCompanyFixesTheBadRowsOfAnImport(t *testing.T) {
	s := newSite(t)
	business := dbtest.AddBusiness(t, s.db, dbtest.Business{Name: "PT Pabrik Sentosa", Category: "hotel"})
	dbtest.AddIKM(t, s.db, dbtest.IKM{NIB: "8120000000001"})
	b := s.companyUser(t, business)
	csrf := b.get("/perusahaan/impor").csrf(t)
	rejected := b.importFile(t, map[string]string{"csrf": csrf, "langkah": "impor"}, "maret.csv", []byte(importWithBadRows())).
		must(t, http.StatusUnprocessableEntity, "3 baris perlu diperbaiki", "<td class=\"num\">101</td><td>nib_ikm</td>",
			"<td class=\"num\">501</td><td>tanggal_pembelian</td>", "<td class=\"num\">901</td><td>nilai</td>",
			"Impor 997 baris yang baik")
	if n := s.count(`SELECT count(*) FROM purchases`); n != 0 {
		t.Fatalf("%d purchases after a refused file", n)
	}
	jobPath := regexp.MustCompile(`/perusahaan/impor/[0-9a-f]{32}`).FindString(rejected.body)
	b.post(jobPath+"/impor", url.Values{"csrf": {csrf}}).must(t, http.StatusConflict) // not whole: it has bad rows
	partial := b.post(jobPath+"/impor", url.Values{"csrf": {csrf}, "sebagian": {"ya"}})
	if partial.status != http.StatusSeeOther {
		t.Fatalf("partial import: %d\n%s", partial.status, partial.body)
	}
	receipt := b.awaitJob(t, partial.location()).must(t, http.StatusOK, "997 pembelian sudah dilaporkan",
		"3 baris bermasalah disisihkan", "Unduh 3 baris bermasalah (XLSX)")
	if n := s.count(`SELECT count(*) FROM purchases WHERE business_id = ? AND source = 'import'`, business); n != 997 {
		t.Fatalf("%d purchases stored, want the 997 good ones", n)
	}
	download := b.get(partial.location() + "/ditolak.xlsx")
	if download.status != http.StatusOK || !strings.Contains(download.header.Get("Content-Disposition"), "ditolak-maret.xlsx") {
		t.Fatalf("bad rows download: %d %q", download.status, download.header.Get("Content-Disposition"))
	}
	if !strings.Contains(receipt.body, partial.location()+"/ditolak.xlsx") {
		t.Error("the receipt does not link the set-aside rows")
	}
	x, err := excelize.OpenReader(strings.NewReader(download.body))
	if err != nil {
		t.Fatal(err)
	}
	sheetName := x.GetSheetName(0)
	rows, err := x.GetRows(sheetName)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"nomor_faktur", "nib_ikm", "tanggal_pembelian", "uraian", "nilai", "alasan_ditolak"},
		{"F-0100", "8129999999999", "2025-03-10", "Kue kering", "100100", "baris 101: nib_ikm: " + "IKM tidak terdaftar"},
		{"F-0500", "8120000000001", "2025-02-30", "Kue kering", "100500"},
		{"F-0900", "8120000000001", "2025-03-10", "Kue kering", "satu juta"},
	}
	if len(rows) != 4 {
		t.Fatalf("bad rows file: %v", rows)
	}
	if diff := cmp.Diff(want[1], rows[1]); diff != "" {
		t.Errorf("the unknown IKM's row (-want +got):\n%s", diff)
	}
	for i, r := range rows {
		if diff := cmp.Diff(want[i][:min(len(want[i]), 5)], r[:5]); diff != "" {
			t.Errorf("row %d (-want +got):\n%s", i, diff)
		}
	}
	if !strings.HasPrefix(rows[2][5], "baris 501: tanggal_pembelian: ") || !strings.HasPrefix(rows[3][5], "baris 901: nilai: ") {
		t.Errorf("reasons: %q, %q", rows[2][5], rows[3][5])
	}
	// Fixed in the spreadsheet, reason column left in place, and sent again.
	for cell, v := range map[string]string{"B2": "8120000000001", "C3": "2025-02-28", "E4": "1000000"} {
		if err := x.SetCellStr(sheetName, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	var fixed bytes.Buffer
	if err := x.Write(&fixed); err != nil {
		t.Fatal(err)
	}
	b.importFile(t, map[string]string{"csrf": csrf, "langkah": "impor"}, "ditolak-maret.xlsx", fixed.Bytes()).
		must(t, http.StatusOK, "3 pembelian sudah dilaporkan")
	if n := s.count(`SELECT count(*) FROM purchases WHERE business_id = ? AND source = 'import'`, business); n != 1000 {
		t.Fatalf("%d purchases stored after the fixed rows, want 1000", n)
	}
}

// TestPagePostsAreBounded: a form post larger than its page takes is
// refused with 413 before anything reads it whole, and stores nothing.
func TestPagePostsAreBounded(t *testing.T) {
	s := newSite(t)
	business := dbtest.AddBusiness(t, s.db, dbtest.Business{Name: "PT Hotel Kencana", Category: "hotel"})
	b := s.companyUser(t, business)
	csrf := b.get("/perusahaan/pembelian/baru").csrf(t)
	b.post("/keluar", url.Values{"csrf": {csrf}, "isi": {strings.Repeat("a", 2<<20)}}).
		must(t, http.StatusRequestEntityTooLarge, "melebihi batas 1 MB")
	big := append(append([]byte{}, samplePDF...), bytes.Repeat([]byte(" "), 11<<20)...)
	b.postMultipart("/perusahaan/pembelian/baru", map[string]string{"csrf": csrf, "faktur": "F-1"}, "evidence", "bukti.pdf", big).
		must(t, http.StatusRequestEntityTooLarge, "melebihi batas 10 MB")
	if n := s.count(`SELECT count(*) FROM purchases`) + s.count(`SELECT count(*) FROM files`); n != 0 {
		t.Fatalf("%d rows stored from refused posts", n)
	}
	// The same user is still logged in: the refused logout did nothing.
	b.get("/perusahaan").must(t, http.StatusOK, "PT Hotel Kencana")
}
