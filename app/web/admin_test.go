package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"kemitraan/app/auth"
	"kemitraan/app/compliance"
	"kemitraan/app/notify"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/dbtest"
)

// TestAdminCreatesAUserAndRunsAJob: an admin creates a company user bound
// to its business by NIB (refused first, for a missing role and a weak
// password), deactivates it, and runs a job from its page.
func TestAdminCreatesAUserAndRunsAJob(t *testing.T) {
	s := newSite(t)
	nib := dbtest.NIB()
	businessID := dbtest.AddBusiness(t, s.db, dbtest.Business{Name: "PT Hotel Kencana", Category: "hotel", NIB: nib})
	username, password := s.user(actor.RoleAdmin, 0, 0)
	admin := s.loggedIn(t, username, password, "/admin/pengguna")
	form := admin.get("/admin/pengguna").must(t, http.StatusOK, "Buat akun baru", "akun.")
	fields := url.Values{"csrf": {form.csrf(t)}, "username": {"staf.kencana"}, "name": {"Staf Kencana"},
		"business_nib": {nib}, "password": {"pendek"}}
	admin.post("/admin/pengguna", fields).must(t, http.StatusUnprocessableEntity, "Galat: ", `href="#role"`)
	fields.Set("role", "company")
	admin.post("/admin/pengguna", fields).must(t, http.StatusUnprocessableEntity, `href="#password"`)
	if n := s.count(`SELECT count(*) FROM users WHERE username = 'staf.kencana'`); n != 0 {
		t.Fatal("a refused form created the user")
	}
	fields.Set("password", "kata sandi yang cukup panjang")
	res := admin.post("/admin/pengguna", fields)
	if res.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", res.status, res.body)
	}
	user := admin.get(res.location()).must(t, http.StatusOK, "Akun sudah dibuat.", "perusahaan", "Nonaktifkan akun")
	if n := s.count(`SELECT count(*) FROM users u JOIN businesses b ON b.id = u.business_id
		WHERE u.username = 'staf.kencana' AND u.role = 'company' AND b.nib = ?`, nib); n != 1 {
		t.Fatal("the user is not bound to the business")
	}
	s.loggedIn(t, "staf.kencana", "kata sandi yang cukup panjang", "/perusahaan")
	path := strings.SplitN(res.location(), "?", 2)[0]

	// The signer's profile: a bad NIP is refused with the field named and
	// nothing changed; a good one is stored, and an emptied rank cleared.
	profile := url.Values{"csrf": {user.csrf(t)}, "name": {"Drs. Kencana Wibawa"}, "email": {""},
		"position": {"Kepala Bidang Perindustrian"}, "rank": {"Pembina, IV/a"}, "nip": {"1970"}}
	admin.post(path+"/profil", profile).must(t, http.StatusUnprocessableEntity, "Galat: ", `href="#nip"`,
		`value="Kepala Bidang Perindustrian"`)
	if n := s.count(`SELECT count(*) FROM users WHERE username = 'staf.kencana' AND position IS NULL AND name = 'Staf Kencana'`); n != 1 {
		t.Fatal("a refused profile was stored")
	}
	profile.Set("nip", "197001012000031001")
	saved := admin.post(path+"/profil", profile)
	if saved.status != http.StatusSeeOther {
		t.Fatalf("profile: %d\n%s", saved.status, saved.body)
	}
	admin.get(saved.location()).must(t, http.StatusOK, "Profil akun sudah disimpan", "Pembina, IV/a", "197001012000031001")
	if n := s.count(`SELECT count(*) FROM users WHERE username = 'staf.kencana' AND name = 'Drs. Kencana Wibawa'
		AND position = 'Kepala Bidang Perindustrian' AND rank = 'Pembina, IV/a' AND nip = '197001012000031001'`); n != 1 {
		t.Fatal("the profile is not stored")
	}
	profile.Set("rank", "")
	admin.post(path+"/profil", profile)
	if n := s.count(`SELECT count(*) FROM users WHERE username = 'staf.kencana' AND rank IS NULL`); n != 1 {
		t.Fatal("an emptied rank is not cleared")
	}
	admin.post(path+"/status", url.Values{"csrf": {user.csrf(t)}, "aktif": {"tidak"}})
	if n := s.count(`SELECT count(*) FROM users WHERE username = 'staf.kencana' AND NOT active`); n != 1 {
		t.Fatal("the user is not deactivated")
	}

	jobsPage := admin.get("/admin/tugas").must(t, http.StatusOK, "Tugas terjadwal", "outbox", "Jalankan sekarang")
	before := s.count(`SELECT count(*) FROM job_runs WHERE job = 'outbox' AND trigger = 'api'`)
	ran := admin.post("/admin/tugas/outbox/jalankan", url.Values{"csrf": {jobsPage.csrf(t)}})
	if ran.status != http.StatusSeeOther {
		t.Fatalf("run: %d\n%s", ran.status, ran.body)
	}
	admin.get(ran.location()).must(t, http.StatusOK, "Tugas outbox sudah dijalankan: berhasil.")
	if n := s.count(`SELECT count(*) FROM job_runs WHERE job = 'outbox' AND trigger = 'api'`); n != before+1 {
		t.Fatal("the job run is not recorded")
	}
	admin.post("/admin/tugas/entah/jalankan", url.Values{"csrf": {jobsPage.csrf(t)}}).must(t, http.StatusNotFound)

	// The audit trail names what was done, filtered by record type.
	admin.get("/admin/jejak?jenis=user").must(t, http.StatusOK, "Jejak audit", "<td>user.create</td>", "<td>"+username+" ")
	admin.get("/admin/jejak?from=kemarin").must(t, http.StatusUnprocessableEntity, `href="#from"`)
	admin.get("/admin/jejak?entity_id=5").must(t, http.StatusUnprocessableEntity, `href="#entity_id"`)

	// The ERP tokens of every business, and one revoked.
	var adminID int64
	if err := s.db.Raw(`SELECT id FROM users WHERE username = ?`, username).Row().Scan(&adminID); err != nil {
		t.Fatal(err)
	}
	as := actor.With(s.admin(), actor.Actor{UserID: adminID, Username: username, Role: actor.RoleAdmin})
	token, _, err := s.svc.Auth.CreateAPIToken(as, auth.NewAPIToken{BusinessID: businessID, Name: "ERP gudang"})
	if err != nil {
		t.Fatal(err)
	}
	tokens := admin.get("/admin/token").must(t, http.StatusOK, "Token ERP semua usaha", "PT Hotel Kencana", "ERP gudang")
	admin.post("/admin/token/"+strconv.FormatInt(token.ID, 10)+"/cabut", url.Values{"csrf": {tokens.csrf(t)}})
	if n := s.count(`SELECT count(*) FROM api_tokens WHERE id = ? AND revoked_at IS NOT NULL`, token.ID); n != 1 {
		t.Fatal("the token is not revoked")
	}

	// An officer reads no user and runs no job.
	username, password = s.user(actor.RoleOfficer, 0, 0)
	officer := s.loggedIn(t, username, password, "/dinas")
	officer.get("/admin/pengguna").must(t, http.StatusForbidden)
	officer.post("/admin/tugas/outbox/jalankan", url.Values{"csrf": {officer.get("/dinas").csrf(t)}}).
		must(t, http.StatusForbidden)
}

// TestBrowserAdminPages: the admin's pages in the browser.
func TestBrowserAdminPages(t *testing.T) {
	s := newSite(t)
	username, password := s.user(actor.RoleAdmin, 0, 0)
	tb := s.tab(t, false)
	tb.login(username, password, "Pengguna")
	tb.check("admin-pengguna")
	tb.open("/admin/tugas")
	tb.check("admin-tugas")
	tb.open("/admin/jejak")
	tb.check("admin-jejak")
	tb.open("/admin/token")
	tb.check("admin-token")
	tb.open("/admin/aturan")
	tb.check("admin-aturan")
	tb.open("/admin/pesan")
	tb.check("admin-pesan")
	var id int64
	if err := s.db.Raw(`SELECT id FROM users WHERE username = ?`, username).Row().Scan(&id); err != nil {
		t.Fatal(err)
	}
	tb.open("/admin/pengguna/" + strconv.FormatInt(id, 10))
	tb.check("admin-akun")
}

// TestAdminReadsTheOutbox: the queue's counts by status, each message's
// recipient, attempts and last error, filtered by status and kind; never a
// message's body, which carries a single-use link.
func TestAdminReadsTheOutbox(t *testing.T) {
	s := newSite(t)
	now := s.clock.Now()
	msgs := []notify.Message{
		{Kind: "purchase.confirmation_request", Recipient: "batik@contoh.id", Subject: "Konfirmasi pembelian",
			Body: "Buka tautan rahasia-satu-kali"},
		{Kind: "purchase.confirmation_request", Recipient: "anyaman@contoh.id", Subject: "Konfirmasi pembelian", Body: "x"},
		{Kind: "case.warning", Recipient: "hotel@contoh.id", Subject: "Surat peringatan", Body: "y"},
	}
	if err := notify.Enqueue(context.Background(), s.db, now, msgs...); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Exec(`UPDATE outbox SET status = 'failed', attempts = 8, last_error = 'smtp: 550 mailbox unavailable'
		WHERE recipient = 'anyaman@contoh.id'`).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.db.Exec(`UPDATE outbox SET status = 'sent', attempts = 1, sent_at = ? WHERE recipient = 'hotel@contoh.id'`, now).Error; err != nil {
		t.Fatal(err)
	}
	username, password := s.user(actor.RoleAdmin, 0, 0)
	admin := s.loggedIn(t, username, password, "/admin/pengguna")
	all := admin.get("/admin/pesan").must(t, http.StatusOK, "Antrean pesan keluar", "batik@contoh.id", "hotel@contoh.id",
		"smtp: 550 mailbox unavailable", "<strong>1</strong> gagal", "<strong>1</strong> terkirim",
		`<option value="case.warning">`)
	if strings.Contains(all.body, "rahasia-satu-kali") {
		t.Error("the queue shows a message's body")
	}
	failed := admin.get("/admin/pesan?status=failed").must(t, http.StatusOK, "anyaman@contoh.id")
	if strings.Contains(failed.body, "batik@contoh.id") {
		t.Error("the failed filter lists a pending message")
	}
	kind := admin.get("/admin/pesan?jenis=case.warning").must(t, http.StatusOK, "hotel@contoh.id")
	if strings.Contains(kind.body, "batik@contoh.id") {
		t.Error("the kind filter lists another kind")
	}
	admin.get("/admin/pesan?status=entah").must(t, http.StatusUnprocessableEntity, `href="#status"`)
	admin.get("/admin/pesan?sebelum=x").must(t, http.StatusUnprocessableEntity, "Galat: ")
	username, password = s.user(actor.RoleReviewer, 0, 0)
	s.loggedIn(t, username, password, "/dinas/kasus").get("/admin/pesan").must(t, http.StatusForbidden)
}

// TestAdminUploadsARuleSet: a rule set with bad keys is refused with each
// key named and nothing installed; a good new version is installed.
func TestAdminUploadsARuleSet(t *testing.T) {
	s := newSite(t)
	if _, err := compliance.LoadRuleFiles(context.Background(), s.db, filepath.Join("..", "..", "config", "rules"), s.clock.Now()); err != nil {
		t.Fatal(err)
	}
	username, password := s.user(actor.RoleAdmin, 0, 0)
	admin := s.loggedIn(t, username, password, "/admin/pengguna")
	page := admin.get("/admin/aturan").must(t, http.StatusOK, "Set aturan", "berlaku sekarang", "bekasi-2025")
	before := s.count(`SELECT count(*) FROM rule_sets`)
	src, err := os.ReadFile(filepath.Join("..", "..", "config", "rules", "bekasi-2025.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := regexp.MustCompile(`(?m)^version:.*$`).ReplaceAllString(string(src), "version: bekasi-2030")
	bad = regexp.MustCompile(`(?m)^report_due_day:.*$`).ReplaceAllString(bad, "report_due_day: 40")
	admin.postMultipart("/admin/aturan", map[string]string{"csrf": page.csrf(t)}, "berkas", "aturan.yaml", []byte(bad)).
		must(t, http.StatusUnprocessableEntity, "Galat: ", "report_due_day")
	if n := s.count(`SELECT count(*) FROM rule_sets`); n != before {
		t.Fatal("a refused rule set was installed")
	}
	admin.postMultipart("/admin/aturan", map[string]string{"csrf": page.csrf(t)}, "", "", nil).
		must(t, http.StatusUnprocessableEntity, `href="#file"`)
	good := regexp.MustCompile(`(?m)^version:.*$`).ReplaceAllString(string(src), "version: bekasi-2030")
	good = regexp.MustCompile(`(?m)^effective_from:.*$`).ReplaceAllString(good, "effective_from: 2030-01-01")
	res := admin.postMultipart("/admin/aturan", map[string]string{"csrf": page.csrf(t)}, "berkas", "aturan.yaml", []byte(good))
	if res.status != http.StatusSeeOther {
		t.Fatalf("install: %d\n%s", res.status, res.body)
	}
	admin.get(res.location()).must(t, http.StatusOK, "Versi baru sudah dipasang.", "bekasi-2030")
	if n := s.count(`SELECT count(*) FROM rule_sets WHERE version = 'bekasi-2030'`); n != 1 {
		t.Fatal("the new version is not stored")
	}
}
