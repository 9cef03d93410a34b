package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestPublicPages(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	// Before any evaluation the pages say so, not fail.
	b.get("/").must(t, http.StatusOK, "Belum ada periode yang dinilai.")
	b.get("/statistik").must(t, http.StatusOK, "Belum ada periode yang dinilai.")
	b.get("/rekomendasi").must(t, http.StatusOK, "Belum ada rekomendasi sanksi.")

	s.evaluated()
	var evaluated, compliant int64
	if err := s.db.Raw(`SELECT count(*) FILTER (WHERE status <> 'exempt'), count(*) FILTER (WHERE status = 'compliant')
		FROM evaluations WHERE period = '2025-Q1'`).Row().Scan(&evaluated, &compliant); err != nil || evaluated == 0 {
		t.Fatalf("evaluations: %d %v", evaluated, err)
	}
	b.get("/").must(t, http.StatusOK, "Hasil Triwulan I 2025", "dari "+itoa(evaluated)+" usaha yang dinilai",
		"saat program dimulai 21,4%")
	st := b.get("/statistik").must(t, http.StatusOK, "Hasil Triwulan I 2025", "<svg", `role="img"`,
		"Usaha yang patuh, per kategori", "Pabrik", "Cikarang Utara", `href="/statistik/kategori.csv?periode=2025-Q1"`,
		`<th scope="row">Triwulan I 2025</th><td class="num">`+itoa(evaluated)+`</td><td class="num">`+itoa(compliant)+`</td>`)
	if strings.Contains(st.body, "<script") {
		t.Error("the statistics page carries a script")
	}
	// How businesses paid: the median days to payment kept for the period.
	var median float64
	if err := s.db.Raw(`SELECT median_days FROM payment_delays WHERE period = '2025-Q1' AND category = ''`).
		Row().Scan(&median); err != nil || median <= 0 {
		t.Fatalf("median days to payment: %v %v", median, err)
	}
	st.must(t, http.StatusOK, "Pembayaran kepada IKM", "rupiah dibayar tepat waktu",
		strings.Replace(strconv.FormatFloat(median, 'f', 1, 64), ".", ",", 1)+" hari")
	b.get("/statistik?periode=2025-Q9").must(t, http.StatusUnprocessableEntity, "Galat: ", "<li>Periode ")

	// For Indonesian Excel by default: semicolons, decimal commas and a
	// percent sign; plain for programs.
	csv := b.get("/statistik/kategori.csv?periode=2025-Q1").must(t, http.StatusOK, "periode;kode;nama;dinilai;persen_patuh;disembunyikan",
		"2025-Q1;factory;Pabrik;")
	b.get("/statistik/kategori.csv?periode=2025-Q1&bentuk=biasa").must(t, http.StatusOK,
		"periode,kode,nama,dinilai,persen_patuh,disembunyikan", "2025-Q1,factory,Pabrik,")
	if !strings.HasPrefix(csv.body, "\ufeff") || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") {
		t.Errorf("CSV: %q %q", csv.header.Get("Content-Type"), csv.body[:20])
	}
	rates := b.get("/statistik/kepatuhan.csv").must(t, http.StatusOK, "2025-Q1;"+itoa(evaluated)+";"+itoa(compliant)+";")
	if !regexp.MustCompile(`\n2025-Q1;\d+;\d+;\d+,\d%\r?\n`).MatchString(rates.body) {
		t.Errorf("the share is not written for Indonesian Excel:\n%s", rates.body)
	}
	b.get("/statistik/lain.csv").must(t, http.StatusNotFound)

	// The directory shows contact only where the IKM agreed.
	if err := s.db.Exec(`UPDATE ikms SET public_contact = (id % 2 = 0), phone = '+6281234' || lpad(id::text, 5, '0')`).Error; err != nil {
		t.Fatal(err)
	}
	b.get("/direktori?halaman=2").must(t, http.StatusOK, "IKM ditemukan", "Halaman 2 dari", "Kirim pesan WhatsApp",
		"Kontak tidak ditampilkan")
	// One IKM that did not publish its contact and one that did, each found
	// by its name: the first shows no phone, the second its phone and a
	// WhatsApp link.
	for _, publish := range []bool{false, true} {
		var name, phone string
		if err := s.db.Raw(`SELECT name, phone FROM ikms WHERE public_contact = ? AND status = 'active' ORDER BY id LIMIT 1`,
			publish).Row().Scan(&name, &phone); err != nil {
			t.Fatal(err)
		}
		card := b.get("/direktori?q="+url.QueryEscape(name)).must(t, http.StatusOK, name)
		// html/template writes "+" as "&#43;" in text.
		shown := strings.Contains(card.body, strings.ReplaceAll(phone, "+", "&#43;"))
		if shown != publish {
			t.Errorf("%s (agreed: %v): its phone %s shown: %v", name, publish, phone, shown)
		}
		if !publish && !strings.Contains(card.body, "Kontak tidak ditampilkan") {
			t.Errorf("%s: the card does not say its contact is withheld", name)
		}
		if publish && !strings.Contains(card.body, "https://wa.me/"+strings.TrimPrefix(phone, "+")) {
			t.Errorf("%s: no WhatsApp link to %s", name, phone)
		}
	}
	b.get("/direktori?sektor=tidak-ada").must(t, http.StatusUnprocessableEntity, `href="#sector"`)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
