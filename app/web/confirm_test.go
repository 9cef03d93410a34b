package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestConfirmationRight: the IKM owner opens the link, sees the purchase
// and answers Benar; the purchase is confirmed by the link, once.
func TestConfirmationRight(t *testing.T) {
	s := newSite(t)
	p := s.reportPurchase()
	b := s.browser()

	q := b.get("/k/"+p.token).must(t, http.StatusOK,
		"Apakah pembelian ini benar?", "PT Hotel Kencana", "Batik Tulis Sekar", "INV/2025/031",
		"5 Maret 2025", "Kain batik tulis untuk seragam", "Rp12.500.000", "Mohon jawab sebelum", "WIB",
		`value="benar"`, `value="tidak_sesuai"`, `value="tidak_yakin"`)
	if strings.Contains(q.body, p.token) && !strings.Contains(q.body, `action="/k/`+p.token+`"`) {
		t.Error("the token appears on the page outside the form's address")
	}
	if cc := q.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	if csp := q.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'reported'`, p.id) != 1 {
		t.Fatal("opening the link changed the purchase")
	}

	res := b.post("/k/"+p.token, url.Values{"csrf": {q.csrf(t)}, "jawaban": {"benar"}})
	if res.status != http.StatusSeeOther || res.location() != "/k/"+p.token+"?terjawab=1" {
		t.Fatalf("answer: %d to %q", res.status, res.location())
	}
	if n := s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'confirmed' AND confirmed_via = 'link'`, p.id); n != 1 {
		t.Fatal("the purchase is not confirmed through the link")
	}
	b.get(res.location()).must(t, http.StatusOK, "Terima kasih, jawaban Anda sudah kami terima",
		"Nomor rujukan", "Pembelian ini sudah dikonfirmasi benar pada 12 Maret 2025 pukul 09.30 WIB",
		"dihitung sebagai pembelian dari IKM untuk PT Hotel Kencana")

	// The used link, opened again later (or by a preview), says what was
	// answered; a second answer changes nothing.
	again := b.get("/k/"+p.token).must(t, http.StatusOK, "Pembelian ini sudah dijawab", "sudah dikonfirmasi benar pada")
	if strings.Contains(again.body, "Terima kasih") {
		t.Error("a later visit thanks again")
	}
	b.post("/k/"+p.token, url.Values{"csrf": {q.csrf(t)}, "jawaban": {"tidak_sesuai"}, "alasan": {"salah"}}).
		must(t, http.StatusConflict, "Pembelian ini sudah dijawab")
	if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'confirmed'`, p.id) != 1 {
		t.Error("a second answer changed the purchase")
	}
	if strings.Contains(s.logs.String(), p.token) {
		t.Error("the confirmation token is in the server's log")
	}
}

// TestConfirmationWrong: Tidak sesuai needs a reason; without one the form
// comes back with an error summary and nothing is recorded.
func TestConfirmationWrong(t *testing.T) {
	s := newSite(t)
	p := s.reportPurchase()
	b := s.browser()
	q := b.get("/k/" + p.token)

	b.post("/k/"+p.token, url.Values{"csrf": {q.csrf(t)}, "jawaban": {"tidak_sesuai"}, "alasan": {"  "}}).
		must(t, http.StatusUnprocessableEntity, "<title>Galat: ", "Ada yang perlu diperbaiki",
			`href="#alasan"`, "Tulis alasannya", `value="tidak_sesuai" aria-describedby="jawaban-tidak-sesuai-petunjuk" checked`)
	if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'reported'`, p.id) != 1 {
		t.Fatal("a dispute without a reason changed the purchase")
	}
	b.post("/k/"+p.token, url.Values{"csrf": {q.csrf(t)}}).
		must(t, http.StatusUnprocessableEntity, "Pilih salah satu jawaban", `href="#jawaban-benar"`)

	res := b.post("/k/"+p.token, url.Values{"csrf": {q.csrf(t)}, "jawaban": {"tidak_sesuai"},
		"alasan": {"Nilainya seharusnya Rp2.500.000"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("dispute: %d\n%.2000s", res.status, res.body)
	}
	if n := s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'disputed'
		AND dispute_reason = 'Nilainya seharusnya Rp2.500.000'`, p.id); n != 1 {
		t.Fatal("the dispute and its reason are not recorded")
	}
	b.get(res.location()).must(t, http.StatusOK, "sudah dinyatakan tidak sesuai pada",
		"Nilainya seharusnya Rp2.500.000", "Petugas Dinas akan memeriksa")
}

// TestConfirmationUnsure: Saya tidak yakin shows whom to call and changes
// nothing; the link still works afterwards.
func TestConfirmationUnsure(t *testing.T) {
	s := newSite(t)
	p := s.reportPurchase()
	b := s.browser()
	q := b.get("/k/" + p.token)
	b.post("/k/"+p.token, url.Values{"csrf": {q.csrf(t)}, "jawaban": {"tidak_yakin"}}).
		must(t, http.StatusOK, "Tanyakan dulu kepada Dinas", "(021) 89970001", "https://wa.me/6281110001700",
			"Kembali ke pertanyaan")
	if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'reported'`, p.id) != 1 {
		t.Error("Saya tidak yakin changed the purchase")
	}
	b.get("/k/"+p.token).must(t, http.StatusOK, "Apakah pembelian ini benar?")
}

// TestConfirmationRefusals: a post without the CSRF token is refused and
// changes nothing; an expired link says so; a forged one is a plain page.
func TestConfirmationRefusals(t *testing.T) {
	s := newSite(t)
	p := s.reportPurchase()
	b := s.browser()
	token := b.get("/k/" + p.token).csrf(t)

	b.post("/k/"+p.token, url.Values{"jawaban": {"benar"}}).must(t, http.StatusForbidden, "Formulir ini sudah kedaluwarsa")
	b.post("/k/"+p.token, url.Values{"csrf": {"x"}, "jawaban": {"benar"}}).must(t, http.StatusForbidden)
	if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'reported'`, p.id) != 1 {
		t.Fatal("a post without its CSRF token changed the purchase")
	}

	forged := p.token[:len(p.token)-2] + "AA"
	b.get("/k/"+forged).must(t, http.StatusNotFound, "Tautan tidak dikenal", "(021) 89970001")
	b.get("/k/bukan-tautan").must(t, http.StatusNotFound, "Tautan tidak dikenal")

	s.clock.Advance(30 * 24 * time.Hour)
	q := b.get("/k/"+p.token).must(t, http.StatusOK, "Tautan ini sudah tidak berlaku", "Nomor rujukan")
	if strings.Contains(q.body, `value="benar"`) {
		t.Error("an expired link still offers the question")
	}
	b.post("/k/"+p.token, url.Values{"csrf": {token}, "jawaban": {"benar"}}).
		must(t, http.StatusConflict, "Tautan ini sudah tidak berlaku")
	if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'reported'`, p.id) != 1 {
		t.Error("an expired link changed the purchase")
	}
}
