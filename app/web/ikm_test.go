package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kemitraan/app/partnership"
	"kemitraan/app/platform/actor"
)

// ikmUser logs in a user of the purchase's IKM.
func (s *site) ikmUser(t *testing.T, p purchase) *browser {
	t.Helper()
	username, password := s.user(actor.RoleIKM, 0, p.ikm)
	return s.loggedIn(t, username, password, "/ikm")
}

// loggedIn is a browser logged in as username, checking where the login
// page sends it.
func (s *site) loggedIn(t testing.TB, username, password, home string) *browser {
	t.Helper()
	b := s.browser()
	form := b.get("/masuk")
	res := b.post("/masuk", url.Values{"csrf": {form.csrf(t)}, "username": {username}, "password": {password}})
	if res.status != http.StatusSeeOther || res.location() != home {
		t.Fatalf("login of %s: %d to %q, want %q", username, res.status, res.location(), home)
	}
	return b
}

func TestIKMPurchases(t *testing.T) {
	s := newSite(t)
	p := s.reportPurchase()
	other := s.reportPurchase() // another hotel and another IKM
	b := s.ikmUser(t, p)

	list := b.get("/ikm").must(t, http.StatusOK, "Menunggu jawaban Anda", "PT Hotel Kencana", "Rp12.500.000",
		"Jawab sebelum 26 Maret 2025 pukul 09.30 WIB (14 hari lagi)", `href="/ikm/pembelian/`+strconv.FormatInt(p.id, 10)+`"`)
	if strings.Contains(list.body, `/ikm/pembelian/`+strconv.FormatInt(other.id, 10)+`"`) {
		t.Error("the list shows another IKM's purchase")
	}

	// Another IKM's purchase is not there at all, and cannot be answered.
	path := "/ikm/pembelian/" + strconv.FormatInt(other.id, 10)
	b.get(path).must(t, http.StatusNotFound, "Pembelian tidak ditemukan")
	b.post(path, url.Values{"csrf": {list.csrf(t)}, "jawaban": {"benar"}}).must(t, http.StatusNotFound)
	if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'reported'`, other.id) != 1 {
		t.Fatal("another IKM's purchase changed")
	}

	own := "/ikm/pembelian/" + strconv.FormatInt(p.id, 10)
	page := b.get(own).must(t, http.StatusOK, "Pembelian INV/2025/031", "Apakah pembelian ini benar?")
	b.post(own, url.Values{"csrf": {page.csrf(t)}, "jawaban": {"tidak_sesuai"}}).
		must(t, http.StatusUnprocessableEntity, "Galat: ", "Tulis alasannya")
	res := b.post(own, url.Values{"csrf": {page.csrf(t)}, "jawaban": {"benar"}})
	if res.status != http.StatusSeeOther || res.location() != own+"?terjawab=1" {
		t.Fatalf("answer: %d to %q\n%.2000s", res.status, res.location(), res.body)
	}
	if s.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'confirmed' AND confirmed_via = 'app'`, p.id) != 1 {
		t.Fatal("the purchase is not confirmed through the app")
	}
	b.get(res.location()).must(t, http.StatusOK, "Terima kasih, jawaban Anda sudah kami simpan.", "dikonfirmasi")
	b.get("/ikm").must(t, http.StatusOK, "Tidak ada pembelian yang menunggu jawaban Anda.", "Sudah dijawab")
	b.get("/ikm/penjualan").must(t, http.StatusOK, "Triwulan I 2025: Rp12.500.000", "PT Hotel Kencana")
	b.get("/ikm?setelah=abc").must(t, http.StatusUnprocessableEntity)
	b.get("/ikm/pembelian/abc").must(t, http.StatusNotFound)

	// A company user may not open the IKM's pages.
	company, password := s.user(actor.RoleCompany, p.business, 0)
	cb := s.browser()
	f := cb.get("/masuk")
	cb.post("/masuk", url.Values{"csrf": {f.csrf(t)}, "username": {company}, "password": {password}})
	cb.get("/ikm").must(t, http.StatusForbidden, "Anda tidak berhak membuka halaman ini")
}

func TestIKMOutlets(t *testing.T) {
	s := newSite(t)
	p := s.reportPurchase()
	ctx := actor.With(context.Background(), actor.Actor{Role: actor.RoleCompany, BusinessID: p.business, System: true})
	o, err := s.svc.Partnership.ReportOutlet(ctx, partnership.OutletInput{BusinessID: p.business, IKMID: p.ikm,
		Location: "Lobi hotel, meja pameran", Slots: 2, StartDate: "2025-03-01"})
	if err != nil {
		t.Fatal(err)
	}
	b := s.ikmUser(t, p)
	page := b.get("/ikm/gerai").must(t, http.StatusOK, "Lobi hotel, meja pameran", "Apakah ruang gerai ini benar?")
	path := "/ikm/gerai/" + strconv.FormatInt(o.ID, 10)
	b.post(path, url.Values{"csrf": {page.csrf(t)}, "jawaban": {"tidak_sesuai"}}).
		must(t, http.StatusUnprocessableEntity, "Tulis alasannya", `href="#gerai-`+strconv.FormatInt(o.ID, 10)+`-alasan"`)
	res := b.post(path, url.Values{"csrf": {page.csrf(t)}, "jawaban": {"benar"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("confirm outlet: %d\n%.2000s", res.status, res.body)
	}
	if s.count(`SELECT count(*) FROM outlets WHERE id = ? AND status = 'confirmed'`, o.ID) != 1 {
		t.Fatal("the outlet is not confirmed")
	}
	b.get(res.location()).must(t, http.StatusOK, "ruang gerai sudah Anda konfirmasi")
	b.post(path, url.Values{"csrf": {page.csrf(t)}, "jawaban": {"benar"}}).must(t, http.StatusConflict)
}

func TestIKMProfile(t *testing.T) {
	s := newSite(t)
	p := s.reportPurchase()
	b := s.ikmUser(t, p)
	form := b.get("/ikm/profil").must(t, http.StatusOK, "Profil usaha", "Batik Tulis Sekar", "Belum diverifikasi")
	b.post("/ikm/profil", url.Values{"csrf": {form.csrf(t)}, "owner_name": {"Ibu Sekar"}, "phone": {"0812 3456 7890"},
		"email": {"bukan surel"}, "public_contact": {"ya"}}).
		must(t, http.StatusUnprocessableEntity, "Galat: ", `href="#email"`, `value="bukan surel"`, `value="Ibu Sekar"`)
	if s.count(`SELECT count(*) FROM ikms WHERE id = ? AND owner_name = 'Ibu Sekar'`, p.ikm) != 0 {
		t.Fatal("a refused profile was saved")
	}
	res := b.post("/ikm/profil", url.Values{"csrf": {form.csrf(t)}, "owner_name": {"Ibu Sekar"},
		"products": {"Batik tulis, kain seragam"}, "phone": {"0812 3456 7890"}, "email": {"sekar@contoh.id"},
		"public_contact": {"ya"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("save profile: %d\n%.3000s", res.status, res.body)
	}
	if n := s.count(`SELECT count(*) FROM ikms WHERE id = ? AND owner_name = 'Ibu Sekar' AND phone = '+6281234567890'
		AND email = 'sekar@contoh.id' AND public_contact AND name = 'Batik Tulis Sekar' AND sector = 'batik'`, p.ikm); n != 1 {
		t.Fatal("the profile is not saved as typed, or more than the profile changed")
	}
	if n := s.count(`SELECT count(*) FROM audit_events WHERE action = 'ikm.profile_update'`); n != 1 {
		t.Errorf("%d profile audit events", n)
	}
	b.get(res.location()).must(t, http.StatusOK, "Profil usaha Anda sudah disimpan.", `value="&#43;6281234567890"`)

	// WhatsApp messages: agreed to with a mobile number, refused with a
	// landline, stopped by unticking.
	fields := url.Values{"csrf": {form.csrf(t)}, "owner_name": {"Ibu Sekar"}, "phone": {"021 890 1234"},
		"whatsapp_consent": {"ya"}}
	b.post("/ikm/profil", fields).must(t, http.StatusUnprocessableEntity, `href="#whatsapp_consent"`, "perlu nomor HP")
	fields.Set("phone", "0812 3456 7890")
	b.post("/ikm/profil", fields)
	if n := s.count(`SELECT count(*) FROM ikms WHERE id = ? AND whatsapp_consent_at IS NOT NULL`, p.ikm); n != 1 {
		t.Fatal("the consent to WhatsApp is not stored")
	}
	b.get("/ikm/profil").must(t, http.StatusOK, `name="whatsapp_consent" value="ya" aria-describedby="whatsapp_consent-petunjuk" checked`)
	fields.Del("whatsapp_consent")
	b.post("/ikm/profil", fields)
	if n := s.count(`SELECT count(*) FROM ikms WHERE id = ? AND whatsapp_consent_at IS NULL`, p.ikm); n != 1 {
		t.Fatal("unticking does not stop WhatsApp messages")
	}
}
