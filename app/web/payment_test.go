package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kemitraan/app/platform/actor"
)

// TestPaymentOnThePages follows one purchase's payment through the pages:
// the IKM confirms it and says only part was paid; the company marks it
// paid; the IKM says it was not; an officer decides. Each refusal comes
// back as the form with its error and changes nothing.
func TestPaymentOnThePages(t *testing.T) {
	s := newSite(t)
	p := s.reportPurchase() // Rp12.500.000 on 5 March, due 4 April; today is 12 March
	own := "/ikm/pembelian/" + strconv.FormatInt(p.id, 10)
	ikm := s.ikmUser(t, p)

	page := ikm.get(own).must(t, http.StatusOK, "Apakah pembelian ini sudah dibayar?", "Baru sebagian")
	ikm.post(own, url.Values{"csrf": {page.csrf(t)}, "jawaban": {"benar"}, "pembayaran": {"sebagian"}}).
		must(t, http.StatusUnprocessableEntity, "Galat: ", "Tulis berapa rupiah yang sudah Anda terima", `href="#amount_received"`)
	ikm.post(own, url.Values{"csrf": {page.csrf(t)}, "jawaban": {"benar"}, "pembayaran": {"sebagian"},
		"jumlah_diterima": {"12.500.000"}}).
		must(t, http.StatusUnprocessableEntity, "Jumlah yang sudah diterima harus kurang dari nilai pembelian (Rp12.500.000)")
	if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'reported' AND ikm_payment IS NULL`, p.id) != 1 {
		t.Fatal("a refused answer changed the purchase")
	}
	res := ikm.post(own, url.Values{"csrf": {page.csrf(t)}, "jawaban": {"benar"}, "pembayaran": {"sebagian"},
		"jumlah_diterima": {"Rp 5.000.000"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("answer: %d\n%.3000s", res.status, res.body)
	}
	if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'confirmed' AND ikm_payment = 'partial'
			AND ikm_paid_amount = 5000000 AND paid_on IS NULL`, p.id) != 1 {
		t.Fatal("the partial payment is not recorded with the confirmation")
	}
	ikm.get(own).must(t, http.StatusOK, "Batas pembayaran", "4 April 2025", "Baru sebagian", "Rp5.000.000", "Kabar pembayaran")
	ikm.get("/ikm").must(t, http.StatusOK, "Uang yang belum Anda terima",
		"1 pembelian senilai Rp12.500.000 belum dibayar kepada Anda; 0 di antaranya sudah lewat batas pembayaran.",
		"4 April 2025 (23 hari lagi)")

	// The company owes it, and marks it paid: not in the future.
	company := s.companyUser(t, p.business)
	company.get("/perusahaan").must(t, http.StatusOK, "Belum dibayar kepada IKM",
		"1 pembelian senilai Rp12.500.000 belum dibayar; 0 di antaranya sudah lewat batas pembayaran.", "Batik Tulis Sekar")
	mine := "/perusahaan/pembelian/" + strconv.FormatInt(p.id, 10)
	cp := company.get(mine).must(t, http.StatusOK, "Tandai sudah dibayar", "30 hari", "Menurut IKM", "baru sebagian (Rp5.000.000)")
	company.post(mine+"/dibayar", url.Values{"csrf": {cp.csrf(t)}, "paid_date": {"2025-03-13"}}).
		must(t, http.StatusUnprocessableEntity, "Galat: ", "Tanggal pembayaran tidak boleh di masa depan", `href="#paid_date"`)
	if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND paid_date IS NULL`, p.id) != 1 {
		t.Fatal("a refused date was stored")
	}
	res = company.post(mine+"/dibayar", url.Values{"csrf": {cp.csrf(t)}, "paid_date": {"2025-03-10"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("mark paid: %d\n%.3000s", res.status, res.body)
	}
	company.get(res.location()).must(t, http.StatusOK, "Pembayaran sudah dicatat.", "dibayar pada 10 Maret 2025")
	if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND paid_on = '2025-03-10' AND ikm_payment IS NULL`, p.id) != 1 {
		t.Fatal("the company's payment does not stand")
	}

	// The IKM says it has not been paid: the officers' queue has it.
	page = ikm.get(own).must(t, http.StatusOK, "Kabar pembayaran")
	ikm.post(own+"/pembayaran", url.Values{"csrf": {page.csrf(t)}}).
		must(t, http.StatusUnprocessableEntity, "Pilih Sudah dibayar lunas, Belum dibayar, atau Baru sebagian")
	res = ikm.post(own+"/pembayaran", url.Values{"csrf": {page.csrf(t)}, "pembayaran": {"belum"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("payment news: %d\n%.3000s", res.status, res.body)
	}
	ikm.get(res.location()).must(t, http.StatusOK, "kabar pembayaran Anda sudah kami simpan", "Sengketa pembayaran, menunggu petugas")
	if n := s.count(`SELECT count(*) FROM outbox WHERE kind = 'purchase.payment_disputed_office'`); n != 1 {
		t.Errorf("%d notices of the payment dispute to the Dinas", n)
	}

	username, password := s.user(actor.RoleOfficer, 0, 0)
	officer := s.loggedIn(t, username, password, "/dinas")
	officer.get("/dinas").must(t, http.StatusOK, "Sengketa pembayaran (1)", "Menurut IKM: belum dibayar")
	path := "/dinas/pembelian/" + strconv.FormatInt(p.id, 10)
	op := officer.get(path).must(t, http.StatusOK, "Putuskan sengketa pembayaran")
	officer.post(path+"/pembayaran", url.Values{"csrf": {op.csrf(t)}, "alasan": {"Tidak ada bukti"}}).
		must(t, http.StatusUnprocessableEntity, "Galat: ", `href="#payment_decision"`)
	officer.post(path+"/pembayaran", url.Values{"csrf": {op.csrf(t)}, "keputusan_bayar": {"unpaid"}}).
		must(t, http.StatusUnprocessableEntity, `href="#payment_reason"`)
	res = officer.post(path+"/pembayaran", url.Values{"csrf": {op.csrf(t)}, "keputusan_bayar": {"unpaid"},
		"alasan": {"Perusahaan tidak dapat menunjukkan bukti transfer."}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("resolve: %d\n%.3000s", res.status, res.body)
	}
	officer.get(res.location()).must(t, http.StatusOK, "Keputusan sudah dicatat.", "Perusahaan tidak dapat menunjukkan bukti transfer.")
	if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND paid_date IS NULL AND payment_resolution = 'unpaid'`, p.id) != 1 {
		t.Fatal("the payment dispute is not decided")
	}
	officer.get("/dinas").must(t, http.StatusOK, "Sengketa pembayaran (0)")
}

// TestBrowserConfirmWithPayment answers the payment question on the
// confirmation page with JavaScript on and off: "Baru sebagian" without an
// amount comes back with the error summary; with one it is recorded.
func TestBrowserConfirmWithPayment(t *testing.T) {
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "js", false: "tanpa-js"}[js]
		t.Run(name, func(t *testing.T) {
			s := newSite(t)
			p := s.reportPurchase()
			tb := s.tab(t, js)
			tb.open("/k/" + p.token)
			tb.do(chromedpClick(`label[for="jawaban-benar"]`), chromedpClick(`label[for="payment-sebagian"]`))
			tb.submit(`form.form button[type="submit"]`)
			if title := value(tb, chromedpTitle()); title[:7] != "Galat: " {
				t.Errorf("title %q", title)
			}
			tb.check("konfirmasi-pembayaran-galat-" + name)
			if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'reported'`, p.id) != 1 {
				t.Fatal("an answer without the amount received was recorded")
			}
			tb.do(chromedpType("#amount_received", "5.000.000"))
			tb.submit(`form.form button[type="submit"]`)
			if h := tb.heading(); h != "Terima kasih, jawaban Anda sudah kami terima" {
				t.Fatalf("after answering: %q\n%s", h, tb.text())
			}
			if text := tb.text(); !strings.Contains(text, "Tentang pembayaran, Anda menyatakan: baru sebagian (Rp5.000.000).") {
				t.Errorf("the receipt does not repeat the payment answer:\n%s", text)
			}
			if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'confirmed' AND confirmed_via = 'link'
					AND ikm_payment = 'partial' AND ikm_paid_amount = 5000000`, p.id) != 1 {
				t.Fatal("the payment answer is not recorded")
			}
		})
	}
}
