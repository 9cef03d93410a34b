package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/dbtest"
)

// TestOfficerKeepsTheBusinessRegistry: an officer registers a business
// (refused first, with every bad field named and nothing stored), places a
// factory in its estate by the estate's NIB, corrects it and marks it
// closed after a page that says what that means.
func TestOfficerKeepsTheBusinessRegistry(t *testing.T) {
	s := newSite(t)
	estateNIB := dbtest.NIB()
	dbtest.AddBusiness(t, s.db, dbtest.Business{Name: "Kawasan Industri Jababeka", Category: "industrial_estate", NIB: estateNIB})
	username, password := s.user(actor.RoleOfficer, 0, 0)
	officer := s.loggedIn(t, username, password, "/dinas")
	officer.get("/dinas/usaha").must(t, http.StatusOK, `href="/dinas/usaha/baru"`, `href="/dinas/usaha/impor"`)
	form := officer.get("/dinas/usaha/baru").must(t, http.StatusOK, "Daftarkan usaha besar", `<option value="3216060"`)
	before := s.count(`SELECT count(*) FROM businesses`)
	nib := dbtest.NIB()
	fields := url.Values{"csrf": {form.csrf(t)}, "nib": {"12345"}, "name": {"PT Sinar Logam Abadi"},
		"kecamatan_code": {"3216060"}, "employee_count": {"dua ratus"}, "kbli": {"24101"}}
	officer.post("/dinas/usaha/baru", fields).must(t, http.StatusUnprocessableEntity, "Galat: ",
		`href="#employee_count"`, "Jumlah karyawan harus bilangan bulat", `value="PT Sinar Logam Abadi"`)
	fields.Set("employee_count", "1.250")
	officer.post("/dinas/usaha/baru", fields).must(t, http.StatusUnprocessableEntity, `href="#nib"`, `href="#category"`)
	fields.Set("nib", nib)
	fields.Set("category", "factory")
	fields.Set("parent_nib", "9999999999999")
	officer.post("/dinas/usaha/baru", fields).must(t, http.StatusUnprocessableEntity, `href="#parent_nib"`,
		"NIB kawasan industri induk tidak ada usaha dengan NIB 9999999999999")
	if n := s.count(`SELECT count(*) FROM businesses`); n != before {
		t.Fatal("a refused form registered a business")
	}
	fields.Set("parent_nib", estateNIB)
	res := officer.post("/dinas/usaha/baru", fields)
	if res.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", res.status, res.body)
	}
	record := officer.get(res.location()).must(t, http.StatusOK, "Data sudah didaftarkan.", "PT Sinar Logam Abadi",
		"Kawasan Industri Jababeka", "Ubah data", "Tandai usaha tutup")
	if n := s.count(`SELECT count(*) FROM businesses b JOIN businesses p ON p.id = b.parent_id
		WHERE b.nib = ? AND b.category = 'factory' AND b.employee_count = 1250 AND b.kbli = '{24101}'
		AND p.nib = ? AND b.status = 'active'`, nib, estateNIB); n != 1 {
		t.Fatal("the business is not stored as sent")
	}
	path := strings.SplitN(res.location(), "?", 2)[0]

	// The edit form shows what is stored; a change is saved.
	officer.get(path+"/ubah").must(t, http.StatusOK, `value="`+nib+`"`, `value="`+estateNIB+`"`, `value="1250"`,
		`<option value="factory" selected>`)
	fields.Set("name", "PT Sinar Logam Abadi Tbk")
	fields.Set("status", "active")
	fields.Set("csrf", record.csrf(t))
	if res := officer.post(path+"/ubah", fields); res.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", res.status, res.body)
	}
	if n := s.count(`SELECT count(*) FROM businesses WHERE nib = ? AND name = 'PT Sinar Logam Abadi Tbk'`, nib); n != 1 {
		t.Fatal("the edit is not stored")
	}
	if n := s.count(`SELECT count(*) FROM audit_events WHERE action = 'business.update' AND entity_id = ?`,
		strings.TrimPrefix(path, "/dinas/usaha/")); n != 1 {
		t.Fatal("the edit is not in the audit trail")
	}

	// Closing asks first, then closes; closing again is told, not a 500.
	officer.get(path+"/nonaktif").must(t, http.StatusOK, "Tandai PT Sinar Logam Abadi Tbk sudah tutup?",
		"tidak lagi dinilai", "Ya, tandai tutup")
	if res := officer.post(path+"/nonaktif", url.Values{"csrf": {record.csrf(t)}}); res.status != http.StatusSeeOther {
		t.Fatalf("close: %d\n%s", res.status, res.body)
	}
	officer.get(path+"?pesan=dinonaktifkan").must(t, http.StatusOK, "Data sudah dinonaktifkan.", ">tutup<")
	officer.post(path+"/nonaktif", url.Values{"csrf": {record.csrf(t)}}).must(t, http.StatusConflict, "sudah berstatus tutup")

	// A reviewer reads the registry but changes nothing in it.
	username, password = s.user(actor.RoleReviewer, 0, 0)
	reviewer := s.loggedIn(t, username, password, "/dinas/kasus")
	reviewer.get("/dinas/usaha/baru").must(t, http.StatusForbidden)
	reviewer.post(path+"/ubah", fields).must(t, http.StatusForbidden)
}

// TestOfficerKeepsTheIKMRegistry: an officer registers an IKM without an
// e-mail (as most are), refused first for a bad number; edits its
// capacity; and deactivates it.
func TestOfficerKeepsTheIKMRegistry(t *testing.T) {
	s := newSite(t)
	username, password := s.user(actor.RoleOfficer, 0, 0)
	officer := s.loggedIn(t, username, password, "/dinas")
	form := officer.get("/dinas/ikm/baru").must(t, http.StatusOK, "Daftarkan IKM", `<option value="makanan">Makanan</option>`)
	nib := dbtest.NIB()
	fields := url.Values{"csrf": {form.csrf(t)}, "nib": {nib}, "name": {"Dodol Betawi Bu Siti"}, "owner_name": {"Siti Aminah"},
		"sector": {"makanan"}, "kecamatan_code": {"3216060"}, "phone": {"12"}, "monthly_capacity": {"sejuta"}}
	officer.post("/dinas/ikm/baru", fields).must(t, http.StatusUnprocessableEntity, `href="#monthly_capacity"`)
	fields.Set("monthly_capacity", "Rp 25.000.000")
	officer.post("/dinas/ikm/baru", fields).must(t, http.StatusUnprocessableEntity, `href="#phone"`, `value="Dodol Betawi Bu Siti"`)
	if n := s.count(`SELECT count(*) FROM ikms WHERE nib = ?`, nib); n != 0 {
		t.Fatal("a refused form registered an IKM")
	}
	fields.Set("phone", "0812 3456 7890")
	fields.Set("public_contact", "ya")
	fields.Set("whatsapp_consent", "ya")
	res := officer.post("/dinas/ikm/baru", fields)
	if res.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", res.status, res.body)
	}
	page := officer.get(res.location()).must(t, http.StatusOK, "Data sudah didaftarkan.", "Belum diverifikasi", "Rp25.000.000",
		"Pesan WhatsApp", "setuju sejak")
	if n := s.count(`SELECT count(*) FROM ikms WHERE nib = ? AND phone = '+6281234567890' AND email IS NULL
		AND monthly_capacity = 25000000 AND public_contact AND NOT verified AND whatsapp_consent_at IS NOT NULL`, nib); n != 1 {
		t.Fatal("the IKM is not stored as sent")
	}
	path := strings.SplitN(res.location(), "?", 2)[0]
	officer.get(path+"/ubah").must(t, http.StatusOK, `value="25000000"`, `id="public_contact" name="public_contact" value="ya" checked`)
	fields.Set("monthly_capacity", "30000000")
	fields.Set("status", "active")
	fields.Del("public_contact")
	fields.Set("csrf", page.csrf(t))
	if res := officer.post(path+"/ubah", fields); res.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", res.status, res.body)
	}
	if n := s.count(`SELECT count(*) FROM ikms WHERE nib = ? AND monthly_capacity = 30000000 AND NOT public_contact`, nib); n != 1 {
		t.Fatal("the edit is not stored")
	}
	officer.get(path+"/nonaktif").must(t, http.StatusOK, "Nonaktifkan Dodol Betawi Bu Siti?", "tidak tampil di direktori")
	officer.post(path+"/nonaktif", url.Values{"csrf": {page.csrf(t)}})
	if n := s.count(`SELECT count(*) FROM ikms WHERE nib = ? AND status = 'inactive'`, nib); n != 1 {
		t.Fatal("the IKM is not deactivated")
	}
	officer.get("/dinas/ikm/"+strconv.Itoa(999999)+"/ubah").must(t, http.StatusNotFound)
}

// TestBrowserRegistryForms: the registry's forms, refused and filled, in
// the browser.
func TestBrowserRegistryForms(t *testing.T) {
	s := newSite(t)
	username, password := s.user(actor.RoleOfficer, 0, 0)
	tb := s.tab(t, false)
	tb.login(username, password, "")
	tb.open("/dinas/usaha/baru")
	tb.check("registri-usaha-baru")
	tb.submit(`form.form button[type="submit"]`)
	if !strings.Contains(tb.text(), "Nama wajib diisi") {
		t.Errorf("no error summary:\n%s", tb.text())
	}
	tb.check("registri-usaha-galat")
	tb.open("/dinas/ikm/baru")
	tb.do(chromedpType("#nib", dbtest.NIB()), chromedpType("#name", "Anyaman Pandan Sukatani"),
		chromedpType("#phone", "081298765432"))
	tb.do(chromedpEval(`document.querySelector("#sector").value = "anyaman"`),
		chromedpEval(`document.querySelector("#kecamatan_code").value = "3216060"`))
	tb.submit(`form.form button[type="submit"]`)
	if h := tb.heading(); h != "Anyaman Pandan Sukatani" {
		t.Fatalf("after registering: %q\n%s", h, tb.text())
	}
	tb.check("registri-ikm")
	tb.open(strings.TrimPrefix(value(tb, chromedpLocation()), s.url) + "/nonaktif")
	tb.check("registri-nonaktif")
}
