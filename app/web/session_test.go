package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/dbtest"
)

// login logs b in through the login page and returns the page it lands on.
func (b *browser) login(t *testing.T, username, password string) page {
	t.Helper()
	form := b.get("/masuk")
	res := b.post("/masuk", url.Values{"csrf": {form.csrf(t)}, "username": {username}, "password": {password},
		"lanjut": {"/akun/kata-sandi"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("login: %d\n%.2000s", res.status, res.body)
	}
	return res
}

func TestLoginAndLogout(t *testing.T) {
	s := newSite(t)
	ikm := dbtest.AddIKM(t, s.db, dbtest.IKM{})
	username, password := s.user(actor.RoleIKM, 0, ikm)
	b := s.browser()

	// A page that needs a login sends the visitor to the login page and
	// back afterwards.
	res := b.get("/akun/kata-sandi")
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location(), "/masuk?lanjut=%2Fakun%2Fkata-sandi") {
		t.Fatalf("anonymous: %d to %q", res.status, res.location())
	}

	form := b.get("/masuk").must(t, http.StatusOK, "<h1>Masuk</h1>", `autocomplete="username"`)
	b.post("/masuk", url.Values{"csrf": {form.csrf(t)}, "username": {username}, "password": {"salah sekali"}}).
		must(t, http.StatusUnauthorized, "<title>Galat: Masuk", "Nama pengguna atau kata sandi salah", `value="`+username+`"`)
	b.post("/masuk", url.Values{"username": {username}, "password": {password}}).must(t, http.StatusForbidden)
	if n := s.count(`SELECT count(*) FROM sessions`); n != 0 {
		t.Fatalf("%d sessions after refused logins", n)
	}

	res = b.login(t, username, password)
	if res.location() != "/akun/kata-sandi" {
		t.Errorf("after login to %q", res.location())
	}
	ck := cookieOf(res, "kemitraan_sesi")
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure {
		t.Fatalf("session cookie %+v", ck)
	}
	if n := s.count(`SELECT count(*) FROM sessions WHERE revoked_at IS NULL`); n != 1 {
		t.Fatalf("%d live sessions after login", n)
	}
	home := b.get("/akun/kata-sandi").must(t, http.StatusOK, "<h1>Ubah kata sandi</h1>", `action="/keluar"`)

	// Logging out without the form's token does nothing.
	b.post("/keluar", nil).must(t, http.StatusForbidden)
	res = b.post("/keluar", url.Values{"csrf": {home.csrf(t)}})
	if res.status != http.StatusSeeOther || res.location() != "/masuk?keluar=1" {
		t.Fatalf("logout: %d to %q", res.status, res.location())
	}
	if n := s.count(`SELECT count(*) FROM sessions WHERE revoked_at IS NULL`); n != 0 {
		t.Errorf("%d live sessions after logout", n)
	}
	b.get(res.location()).must(t, http.StatusOK, "Anda sudah keluar.")
	if r := b.get("/akun/kata-sandi"); r.status != http.StatusSeeOther {
		t.Errorf("after logout: %d", r.status)
	}
}

// TestExpiredSession: a session that ran out sends its owner to the login
// page with a word on why.
func TestExpiredSession(t *testing.T) {
	s := newSite(t)
	business := dbtest.AddBusiness(t, s.db, dbtest.Business{})
	username, password := s.user(actor.RoleCompany, business, 0)
	b := s.browser()
	b.login(t, username, password)
	s.clock.Advance(30 * 24 * time.Hour)
	res := b.get("/akun/kata-sandi")
	if res.status != http.StatusSeeOther || !strings.Contains(res.location(), "sesi=berakhir") {
		t.Fatalf("expired session: %d to %q", res.status, res.location())
	}
	b.get(res.location()).must(t, http.StatusOK, "Sesi Anda telah berakhir. Silakan masuk kembali.")
}

func TestChangePassword(t *testing.T) {
	s := newSite(t)
	ikm := dbtest.AddIKM(t, s.db, dbtest.IKM{})
	username, password := s.user(actor.RoleIKM, 0, ikm)
	elsewhere := s.browser()
	elsewhere.login(t, username, password)
	b := s.browser()
	b.login(t, username, password)
	form := b.get("/akun/kata-sandi")

	b.post("/akun/kata-sandi", url.Values{"csrf": {form.csrf(t)}, "current_password": {password},
		"new_password": {"tiga kata baru panjang"}, "confirm_password": {"lain lagi"}}).
		must(t, http.StatusUnprocessableEntity, "Galat: ", `href="#confirm_password"`, "tidak sama dengan kata sandi baru")
	b.post("/akun/kata-sandi", url.Values{"csrf": {form.csrf(t)}, "current_password": {"bukan ini"},
		"new_password": {"tiga kata baru panjang"}, "confirm_password": {"tiga kata baru panjang"}}).
		must(t, http.StatusUnprocessableEntity, `href="#current_password"`, "Kata sandi sekarang tidak sesuai")
	if n := s.count(`SELECT count(*) FROM audit_events WHERE action = 'user.password_changed'`); n != 0 {
		t.Fatal("a refused change was recorded")
	}

	res := b.post("/akun/kata-sandi", url.Values{"csrf": {form.csrf(t)}, "current_password": {password},
		"new_password": {"tiga kata baru panjang"}, "confirm_password": {"tiga kata baru panjang"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("change: %d\n%.2000s", res.status, res.body)
	}
	b.get(res.location()).must(t, http.StatusOK, "Kata sandi Anda sudah diubah.")
	if n := s.count(`SELECT count(*) FROM audit_events WHERE action = 'user.password_changed'`); n != 1 {
		t.Errorf("%d password_changed events", n)
	}
	// The other session has ended; the new password works, the old not.
	if r := elsewhere.get("/akun/kata-sandi"); r.status != http.StatusSeeOther {
		t.Errorf("the other session still works: %d", r.status)
	}
	fresh := s.browser()
	f := fresh.get("/masuk")
	fresh.post("/masuk", url.Values{"csrf": {f.csrf(t)}, "username": {username}, "password": {password}}).
		must(t, http.StatusUnauthorized)
	fresh.login(t, username, "tiga kata baru panjang")
}

// TestErrorPages: browsers get pages, API clients problem+json.
func TestErrorPages(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	p := b.get("/tidak-ada").must(t, http.StatusNotFound, "<h1>Halaman tidak ditemukan</h1>", "Kembali ke beranda",
		"(021) 89970001")
	if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("a missing page is %q", ct)
	}
	api := b.get("/api/v1/tidak-ada")
	if api.status != http.StatusNotFound || api.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("a missing API path: %d %q", api.status, api.header.Get("Content-Type"))
	}
	if r := b.get("/readyz"); !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Errorf("/readyz is %q", r.header.Get("Content-Type"))
	}
}

// TestAssets: assets are served under their content hash, cached for a
// year; any other name is a 404.
func TestAssets(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	home := b.get("/").must(t, http.StatusOK)
	i := strings.Index(home.body, `href="/aset/site.`)
	if i < 0 {
		t.Fatalf("no stylesheet link:\n%.1000s", home.body)
	}
	href := home.body[i+len(`href="`):]
	href = href[:strings.IndexByte(href, '"')]
	css := b.get(href).must(t, http.StatusOK, "box-sizing")
	if cc := css.header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("asset Cache-Control %q", cc)
	}
	if ct := css.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("asset type %q", ct)
	}
	b.get("/aset/site.css").must(t, http.StatusNotFound)
}

func cookieOf(p page, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// TestOutagePage: with the database gone a browser gets a page that says
// to try again, with Retry-After, not a stack trace or JSON.
func TestOutagePage(t *testing.T) {
	through, proxy, _ := dbtest.NewProxied(t)
	s := newSiteOn(t, through, clock.NewFixed(now))
	b := s.browser()
	b.get("/").must(t, http.StatusOK)
	proxy.Down()
	p := b.get("/").must(t, http.StatusServiceUnavailable, "<h1>Layanan sedang sibuk</h1>", "coba lagi sebentar lagi",
		"(021) 89970001")
	if p.header.Get("Retry-After") == "" || !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
		t.Errorf("outage page headers: %v", p.header)
	}
	proxy.Up()
	b.get("/").must(t, http.StatusOK)
}
