package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/dbtest"
)

// TestBrowserConfirmRight clicks through the confirmation on a phone, with
// JavaScript on and off: open the link, choose Benar, send, read the
// receipt; the link opened again says what was answered.
func TestBrowserConfirmRight(t *testing.T) {
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "js", false: "tanpa-js"}[js]
		t.Run(name, func(t *testing.T) {
			s := newSite(t)
			p := s.reportPurchase()
			tb := s.tab(t, js)
			tb.open("/k/" + p.token)
			if h := tb.heading(); h != "Apakah pembelian ini benar?" {
				t.Fatalf("heading %q", h)
			}
			tb.check("konfirmasi-pertanyaan-" + name)
			tb.do(chromedpClick(`label[for="jawaban-benar"]`))
			tb.submit(`form.form button[type="submit"]`)
			if h := tb.heading(); h != "Terima kasih, jawaban Anda sudah kami terima" {
				t.Fatalf("after answering: %q\n%s", h, tb.text())
			}
			text := tb.text()
			if !strings.Contains(text, "Pembelian ini sudah dikonfirmasi benar pada") || !strings.Contains(text, "Nomor rujukan") {
				t.Errorf("receipt:\n%s", text)
			}
			tb.check("konfirmasi-terima-kasih-" + name)
			if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'confirmed' AND confirmed_via = 'link'`, p.id) != 1 {
				t.Fatal("the purchase is not confirmed")
			}
			tb.open("/k/" + p.token)
			if h := tb.heading(); h != "Pembelian ini sudah dijawab" {
				t.Errorf("used link: %q", h)
			}
			tb.check("konfirmasi-sudah-dijawab-" + name)
		})
	}
}

// TestBrowserConfirmWrong: Tidak sesuai without a reason comes back with
// the error summary; with one it is recorded.
func TestBrowserConfirmWrong(t *testing.T) {
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "js", false: "tanpa-js"}[js]
		t.Run(name, func(t *testing.T) {
			s := newSite(t)
			p := s.reportPurchase()
			tb := s.tab(t, js)
			tb.open("/k/" + p.token)
			tb.do(chromedpClick(`label[for="jawaban-tidak-sesuai"]`))
			tb.submit(`form.form button[type="submit"]`)
			if title := value(tb, chromedpTitle()); !strings.HasPrefix(title, "Galat: ") {
				t.Errorf("title %q", title)
			}
			if !strings.Contains(tb.text(), "Tulis alasannya") {
				t.Errorf("no error for the reason:\n%s", tb.text())
			}
			tb.check("konfirmasi-galat-" + name)
			if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'reported'`, p.id) != 1 {
				t.Fatal("a dispute without a reason was recorded")
			}
			tb.do(chromedpType("#alasan", "Jumlahnya hanya 20 potong"))
			tb.submit(`form.form button[type="submit"]`)
			if h := tb.heading(); h != "Terima kasih, jawaban Anda sudah kami terima" {
				t.Fatalf("after disputing: %q\n%s", h, tb.text())
			}
			if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'disputed'
				AND dispute_reason = 'Jumlahnya hanya 20 potong'`, p.id) != 1 {
				t.Fatal("the dispute is not recorded")
			}
		})
	}
}

// TestBrowserConfirmOtherStates: Saya tidak yakin, an expired link and a
// forged one.
func TestBrowserConfirmOtherStates(t *testing.T) {
	s := newSite(t)
	p := s.reportPurchase()
	tb := s.tab(t, false)
	tb.open("/k/" + p.token)
	tb.do(chromedpClick(`label[for="jawaban-tidak-yakin"]`))
	tb.submit(`form.form button[type="submit"]`)
	if h := tb.heading(); h != "Tanyakan dulu kepada Dinas" {
		t.Fatalf("unsure: %q", h)
	}
	tb.check("konfirmasi-tidak-yakin")
	if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'reported'`, p.id) != 1 {
		t.Fatal("Saya tidak yakin changed the purchase")
	}

	tb.open("/k/" + p.token[:len(p.token)-2] + "AA")
	if h := tb.heading(); h != "Tautan tidak dikenal" {
		t.Errorf("forged link: %q", h)
	}
	tb.check("konfirmasi-tidak-dikenal")

	s.clock.Advance(30 * 24 * time.Hour)
	tb.open("/k/" + p.token)
	if h := tb.heading(); h != "Tautan ini sudah tidak berlaku" {
		t.Errorf("expired link: %q", h)
	}
	tb.check("konfirmasi-kedaluwarsa")
}

// TestBrowserPublicAndLogin: the start page, the login journey, a missing
// page, the password page, logout, and a form sent without its CSRF token.
func TestBrowserPublicAndLogin(t *testing.T) {
	s := newSite(t)
	ikm := dbtest.AddIKM(t, s.db, dbtest.IKM{})
	username, password := s.user(actor.RoleIKM, 0, ikm)
	tb := s.tab(t, true)

	tb.open("/")
	tb.check("beranda")
	tb.open("/tidak-ada")
	if h := tb.heading(); h != "Halaman tidak ditemukan" {
		t.Errorf("missing page: %q", h)
	}
	tb.check("tidak-ditemukan")

	tb.open("/akun/kata-sandi")
	if h := tb.heading(); h != "Masuk" {
		t.Fatalf("a page that needs a login shows %q", h)
	}
	tb.check("masuk")
	tb.do(chromedpType("#username", username), chromedpType("#password", "salah sekali"))
	tb.submit(`form.form button[type="submit"]`)
	if !strings.Contains(tb.text(), "Nama pengguna atau kata sandi salah") {
		t.Errorf("wrong password:\n%s", tb.text())
	}
	tb.check("masuk-galat")
	tb.do(chromedpType("#password", password))
	tb.submit(`form.form button[type="submit"]`)
	if h := tb.heading(); h != "Ubah kata sandi" {
		t.Fatalf("after login: %q", h)
	}
	tb.check("kata-sandi")

	// A form whose token was removed is refused and changes nothing.
	tb.do(chromedpEval(`document.querySelector('form.form input[name=csrf]').remove()`))
	tb.do(chromedpType("#current_password", password), chromedpType("#new_password", "tiga kata baru panjang"),
		chromedpType("#confirm_password", "tiga kata baru panjang"))
	tb.submit(`form.form button[type="submit"]`)
	if h := tb.heading(); h != "Anda tidak berhak membuka halaman ini" {
		t.Errorf("without a CSRF token: %q", h)
	}
	tb.check("csrf-ditolak")
	if n := s.count(`SELECT count(*) FROM audit_events WHERE action = 'user.password_changed'`); n != 0 {
		t.Error("a form without its token changed the password")
	}

	tb.open("/akun/kata-sandi")
	tb.submit(`nav form button[type="submit"]`)
	if !strings.Contains(tb.text(), "Anda sudah keluar.") {
		t.Errorf("after logout:\n%s", tb.text())
	}
}

// TestBrowserAxeFindsViolations proves the accessibility check can fail: a
// field whose label is taken away is a violation.
func TestBrowserAxeFindsViolations(t *testing.T) {
	s := newSite(t)
	tb := s.tab(t, true)
	tb.open("/masuk")
	if v := tb.axe(); len(v) != 0 {
		t.Fatalf("the login page as served: %v", v)
	}
	tb.do(chromedpEval(`document.querySelector('label[for=username]').remove()`))
	found := strings.Join(tb.axe(), "\n")
	if !strings.Contains(found, "axe label") {
		t.Errorf("a field without a label passed: %q", found)
	}
}

// TestBrowserIKMPages: the IKM's own pages on a phone, JavaScript off,
// answering a purchase there; another IKM's purchase is a 404 page.
func TestBrowserIKMPages(t *testing.T) {
	s := newSite(t)
	p := s.reportPurchase()
	other := s.reportPurchase()
	username, password := s.user(actor.RoleIKM, 0, p.ikm)
	tb := s.tab(t, false)
	tb.login(username, password, "Pembelian dari usaha Anda")
	tb.check("ikm-pembelian")
	tb.submit(`.card a.button`)
	if h := tb.heading(); h != "Pembelian INV/2025/031" {
		t.Fatalf("purchase page: %q", h)
	}
	tb.check("ikm-pembelian-rinci")
	tb.do(chromedpClick(`label[for="jawaban-benar"]`))
	tb.submit(`form.form button[type="submit"]`)
	if !strings.Contains(tb.text(), "Terima kasih, jawaban Anda sudah kami simpan.") {
		t.Errorf("after answering:\n%s", tb.text())
	}
	for path, name := range map[string]string{"/ikm/gerai": "ikm-gerai", "/ikm/penjualan": "ikm-penjualan",
		"/ikm/profil": "ikm-profil", "/ikm": "ikm-pembelian-dijawab"} {
		tb.open(path)
		tb.check(name)
	}
	tb.open("/ikm/pembelian/" + strconv.FormatInt(other.id, 10))
	if h := tb.heading(); h != "Halaman tidak ditemukan" {
		t.Errorf("another IKM's purchase: %q", h)
	}
}

// TestBrowserPublicSite: the public pages with figures, on both widths.
func TestBrowserPublicSite(t *testing.T) {
	s := newSite(t)
	s.evaluated()
	if err := s.db.Exec(`UPDATE ikms SET public_contact = (id % 2 = 0), phone = '+6281234' || lpad(id::text, 5, '0')`).Error; err != nil {
		t.Fatal(err)
	}
	tb := s.tab(t, true)
	for path, name := range map[string]string{"/": "beranda-angka", "/statistik": "statistik",
		"/direktori": "direktori", "/rekomendasi": "rekomendasi"} {
		tb.open(path)
		tb.check(name)
	}
	tb.open("/direktori")
	tb.do(chromedpType("#q", "zzz tidak ada"))
	tb.submit(`form.form-filters button[type="submit"]`)
	if !strings.Contains(tb.text(), "0 IKM ditemukan.") {
		t.Errorf("a search that finds nothing:\n%s", tb.text())
	}
}

// TestBrowserLetterVerification: the page a letter's QR code opens, and
// the form for a code typed from paper.
func TestBrowserLetterVerification(t *testing.T) {
	s := newSite(t)
	s.evaluated()
	_, code := s.issueLetter(t)
	tb := s.tab(t, false)
	tb.open("/verifikasi")
	tb.check("verifikasi")
	tb.do(chromedpType("#kode", code))
	tb.submit(`form button[type="submit"]`)
	if h := tb.heading(); h != "Surat ini asli" {
		t.Fatalf("a genuine code: %q", h)
	}
	tb.check("verifikasi-asli")
	tb.open("/verifikasi/ZZZZZZZZZZ")
	tb.check("verifikasi-tidak-dikenal")
}

// TestBrowserCompanyReportsAPurchase: a company user, JavaScript off, finds
// the IKM by name, reports a purchase, reads it back and withdraws it.
func TestBrowserCompanyReportsAPurchase(t *testing.T) {
	s := newSite(t)
	ikm := dbtest.AddIKM(t, s.db, dbtest.IKM{Name: "Batik Tulis Sekar"})
	tb := s.companyTab(t, false)
	tb.check("perusahaan-beranda")
	tb.open("/perusahaan/pembelian/baru")
	tb.check("perusahaan-lapor")
	tb.do(chromedpType("#cari", "Sekar"))
	tb.submit(`form.form-inline button[type="submit"]`)
	tb.do(chromedpClick(`label[for="ikm-` + strconv.FormatInt(ikm, 10) + `"]`))
	tb.do(chromedpType("#invoice_number", "INV/2025/100"), chromedpType("#purchase_date", "2025-03-06"),
		chromedpType("#description", "Seragam batik"), chromedpType("#amount", "7.500.000"))
	tb.submit(`form[enctype] button[type="submit"]`)
	if h := tb.heading(); h != "Pembelian INV/2025/100" {
		t.Fatalf("after reporting: %q\n%s", h, tb.text())
	}
	tb.check("perusahaan-pembelian-rinci")
	tb.open("/perusahaan/pembelian")
	tb.check("perusahaan-pembelian")
	if s.count(`SELECT count(*) FROM purchases WHERE invoice_number = 'INV/2025/100' AND amount = 7500000`) != 1 {
		t.Fatal("the purchase is not stored as typed")
	}
}

// login logs the tab in through the login page and checks the heading of
// the page it lands on ("" checks only that it left the login page).
func (tb *tab) login(username, password, heading string) {
	tb.t.Helper()
	tb.open("/masuk")
	tb.do(chromedpType("#username", username), chromedpType("#password", password))
	tb.submit(`form.form button[type="submit"]`)
	if h := tb.heading(); h != heading && (heading != "" || h == "Masuk") {
		tb.t.Fatalf("after login: %q, want %q", h, heading)
	}
}

// TestBrowserCompanyOutletsAndTokens: outlet space and ERP tokens, the
// token's secret shown once.
func TestBrowserCompanyOutletsAndTokens(t *testing.T) {
	s := newSite(t)
	dbtest.AddIKM(t, s.db, dbtest.IKM{Name: "Anyaman Bambu Jaya"})
	tb := s.companyTab(t, true)
	tb.open("/perusahaan/gerai?cari=Anyaman")
	tb.check("perusahaan-gerai")
	tb.open("/perusahaan/token")
	tb.do(chromedpType("#name", "SAP produksi"))
	tb.submit(`form.form-inline button[type="submit"]`)
	if !strings.Contains(tb.text(), "Token baru Anda") {
		t.Fatalf("after creating a token:\n%s", tb.text())
	}
	tb.check("perusahaan-token-baru")
	tb.submit(`td form button[type="submit"]`)
	if !strings.Contains(tb.text(), "Token sudah dicabut") {
		t.Errorf("after revoking:\n%s", tb.text())
	}
	tb.check("perusahaan-token")
}

// companyTab is a tab logged in as a user of a new hotel, PT Hotel
// Kencana, with the rules loaded so its period has targets.
func (s *site) companyTab(t *testing.T, javascript bool) *tab {
	t.Helper()
	business := dbtest.AddBusiness(t, s.db, dbtest.Business{Name: "PT Hotel Kencana", Category: "hotel"})
	if _, err := compliance.LoadRuleFiles(context.Background(), s.db, filepath.Join("..", "..", "config", "rules"), s.clock.Now()); err != nil {
		t.Fatal(err)
	}
	username, password := s.user(actor.RoleCompany, business, 0)
	tb := s.tab(t, javascript)
	tb.login(username, password, "Periode ini: PT Hotel Kencana")
	return tb
}

// TestBrowserCompanyAnswersAWarning: the case page, the check page and the
// sent answer, JavaScript off.
func TestBrowserCompanyAnswersAWarning(t *testing.T) {
	s := newSite(t)
	caseID, _, username, password := s.warnedCompany(t)
	tb := s.tab(t, false)
	tb.login(username, password, "")
	tb.open("/perusahaan/kasus")
	tb.check("perusahaan-kasus")
	tb.open("/perusahaan/kasus/" + strconv.FormatInt(caseID, 10))
	tb.check("perusahaan-kasus-rinci")
	tb.do(chromedpType("#penjelasan", "Pembelian sudah kami lakukan."), chromedpClick(`label[for="keberatan"]`))
	tb.submit(`form[action$="/periksa"] button[type="submit"]`)
	if h := tb.heading(); h != "Periksa tanggapan Anda" {
		t.Fatalf("check page: %q", h)
	}
	tb.check("perusahaan-kasus-periksa")
	tb.submit(`form[enctype] button[type="submit"]`)
	if !strings.Contains(tb.text(), "Tanggapan Anda sudah dikirim") {
		t.Fatalf("after sending:\n%s", tb.text())
	}
	if s.count(`SELECT count(*) FROM sanction_responses WHERE case_id = ? AND objection`, caseID) != 1 {
		t.Error("the objection is not recorded")
	}
}

// TestBrowserCompanyPeriodReport: the check page and the receipt.
func TestBrowserCompanyPeriodReport(t *testing.T) {
	s := newSite(t)
	s.clock.Advance(25 * 24 * time.Hour) // 6 April 2025: Q1 has ended
	tb := s.companyTab(t, false)
	tb.open("/perusahaan/laporan")
	if !strings.Contains(tb.text(), "Tidak ada pembelian yang dilaporkan untuk periode ini.") {
		t.Errorf("the check page of a period without purchases:\n%s", tb.text())
	}
	tb.check("perusahaan-laporan")
	tb.submit(`form.form button[type="submit"]`)
	if h := tb.heading(); h != "Laporan periode sudah dikirim" {
		t.Fatalf("after submitting: %q", h)
	}
	tb.check("perusahaan-laporan-terkirim")
}

// TestBrowserCompanyAgreement: drafting an agreement, JavaScript off.
func TestBrowserCompanyAgreement(t *testing.T) {
	s := newSite(t)
	ikm := dbtest.AddIKM(t, s.db, dbtest.IKM{Name: "Batik Tulis Sekar"})
	tb := s.companyTab(t, false)
	tb.open("/perusahaan/perjanjian")
	tb.check("perusahaan-perjanjian")
	tb.open("/perusahaan/perjanjian/baru?cari=Sekar")
	tb.check("perusahaan-perjanjian-draf")
	tb.do(chromedpClick(`label[for="ikm-`+strconv.FormatInt(ikm, 10)+`"]`), chromedpType("#number", "PKS/001/2025"),
		chromedpType("#agreement_date", "2025-01-10"), chromedpType("#start_date", "2025-01-10"),
		chromedpType("#end_date", "2025-12-31"), chromedpType("#target_purchase_value", "50.000.000"))
	tb.submit(`main form.form[method="post"] button[type="submit"]`)
	if h := tb.heading(); h != "Perjanjian PKS/001/2025" {
		t.Fatalf("after saving: %q\n%s", h, tb.text())
	}
	tb.check("perusahaan-perjanjian-rinci")
}

// TestBrowserCompanyImportsAFile: a 1,000-row file with 3 bad rows sent
// through the page, shown as it is read, refused with its bad rows listed;
// its good rows imported. With JavaScript the upload shows its progress
// and the job's page follows itself; without, the user presses Perbarui.
func TestBrowserCompanyImportsAFile(t *testing.T) {
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "js", false: "tanpa-js"}[js]
		t.Run(name, func(t *testing.T) {
			s := newSite(t)
			dbtest.AddIKM(t, s.db, dbtest.IKM{NIB: "8120000000001"})
			path := filepath.Join(t.TempDir(), "maret.csv")
			if err := os.WriteFile(path, []byte(importWithBadRows()), 0o600); err != nil {
				t.Fatal(err)
			}
			tb := s.companyTab(t, js)
			tb.open("/perusahaan/impor")
			tb.check("perusahaan-impor-" + name)
			tb.do(chromedp.SetUploadFiles(chromedp.CSS("#berkas"), []string{path}))
			// window.name outlives the navigation: it tells whether site.js
			// took the upload over (to show its progress). Without scripts
			// nothing runs, this listener neither.
			tb.do(chromedpEval(`document.querySelector("form[data-upload-progress]").addEventListener("submit",
				e => setTimeout(() => { window.name = "sent by script: " + e.defaultPrevented }))`))
			tb.submit(`button[value="impor"]`)
			tb.await("Berkas perlu diperbaiki")
			want := map[bool]string{true: "sent by script: true", false: ""}[js]
			if by := value(tb, chromedp.EvaluateAsDevTools[string](`window.name`)); by != want {
				t.Errorf("with JavaScript %v the upload was %q", js, by)
			}
			if text := tb.text(); !strings.Contains(text, "3 baris perlu diperbaiki") || !strings.Contains(text, "Unduh 3 baris bermasalah") {
				t.Fatalf("the refused file's page:\n%s", text)
			}
			tb.check("perusahaan-impor-ditolak-" + name)
			tb.submit(`input[name="sebagian"] ~ button`)
			tb.await("Impor selesai")
			if text := tb.text(); !strings.Contains(text, "997 pembelian sudah dilaporkan") {
				t.Fatalf("the receipt:\n%s", text)
			}
			tb.check("perusahaan-impor-selesai-" + name)
			if n := s.count(`SELECT count(*) FROM purchases WHERE source = 'import'`); n != 997 {
				t.Fatalf("%d purchases stored", n)
			}
		})
	}
}

// TestBrowserImportShowsItsProgress: while an import waits (here on a lock
// the test holds on the purchases), its page says what it is doing and
// follows itself to the receipt once it can go on.
func TestBrowserImportShowsItsProgress(t *testing.T) {
	dbtest.NeedsTwoConnections(t) // the held import and its page
	s := newSite(t)
	dbtest.AddIKM(t, s.db, dbtest.IKM{NIB: "8120000000001"})
	path := filepath.Join(t.TempDir(), "maret.csv")
	file := "invoice_number,ikm_nib,purchase_date,description,amount\nF-1,8120000000001,2025-03-10,Kue kering,150000\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	tb := s.companyTab(t, true)
	tb.open("/perusahaan/impor")
	tb.do(chromedp.SetUploadFiles(chromedp.CSS("#berkas"), []string{path}))
	// Held from here only, on a connection outside the site's pool (which
	// may be one connection only): nothing but the import waits on it.
	lock, err := dbtest.Beside(t, s.db).Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.Exec(`LOCK TABLE purchases IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	tb.submit(`button[value="impor"]`)
	tb.await("Berkas sedang diimpor")
	// The page follows the job from its checks to its waiting store.
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(tb.text(), "1 baris lolos pemeriksaan dan sedang disimpan"); {
		if time.Now().After(deadline) {
			t.Fatalf("the running import's page:\n%s", tb.text())
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.check("perusahaan-impor-berjalan")
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	tb.await("Impor selesai")
}

// importWithBadRows is a 1,000-row purchase file whose lines 101, 501 and
// 901 are bad: an unknown IKM, a day that does not exist, an amount in
// words.
func importWithBadRows() string {
	var file strings.Builder
	file.WriteString("nomor_faktur,nib_ikm,tanggal_pembelian,uraian,nilai\n")
	for i := 1; i <= 1000; i++ {
		nib, date, amount := "8120000000001", "2025-03-10", strconv.Itoa(100000+i)
		switch i {
		case 100:
			nib = "8129999999999"
		case 500:
			date = "2025-02-30"
		case 900:
			amount = "satu juta"
		}
		fmt.Fprintf(&file, "F-%04d,%s,%s,Kue kering,%s\n", i, nib, date, amount)
	}
	return file.String()
}

// await waits for a job's page to reach heading: by itself with
// JavaScript, by pressing Perbarui without.
func (tb *tab) await(heading string) {
	tb.t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		h, err := chromedp.Run(tb.ctx, chromedp.EvaluateAsDevTools[string](
			`(document.querySelector("h1") || {}).textContent || ""`))
		if err == nil && strings.TrimSpace(h) == heading {
			return
		}
		if !tb.js && err == nil && strings.Contains(h, "sedang") {
			tb.submit(`#kemajuan a.button`)
			continue
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.t.Fatalf("the page did not reach %q:\n%s", heading, tb.text())
}
