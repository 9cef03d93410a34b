package web_test

import (
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kemitraan/app/platform/dbtest"
	"kemitraan/app/web"
)

// companyPortal is every page of the company's portal, for a company with a
// warning (caseID), a purchase (purchaseID) and an agreement draft
// (agreementID).
func companyPortal(caseID, purchaseID, agreementID int64) []string {
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	return []string{"/perusahaan", "/perusahaan/pembelian", "/perusahaan/pembelian/baru?cari=Uji",
		"/perusahaan/pembelian/" + id(purchaseID), "/perusahaan/impor", "/perusahaan/perjanjian",
		"/perusahaan/perjanjian/baru?cari=Uji", "/perusahaan/perjanjian/" + id(agreementID), "/perusahaan/gerai?cari=Uji",
		"/perusahaan/laporan", "/perusahaan/kasus", "/perusahaan/kasus/" + id(caseID), "/perusahaan/token",
		"/akun/kata-sandi", "/akun/bahasa"}
}

// portalCompany is a warned company with a purchase and an agreement
// draft (drafted through its page), and its user's login.
func (s *site) portalCompany(t *testing.T) (pages []string, username, password string) {
	t.Helper()
	caseID, _, username, password := s.warnedCompany(t)
	var business, purchase int64
	if err := s.db.Raw(`SELECT c.business_id FROM sanction_cases c WHERE c.id = ?`, caseID).Row().Scan(&business); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Raw(`SELECT id FROM purchases WHERE business_id = ? ORDER BY id LIMIT 1`, business).Row().Scan(&purchase); err != nil {
		t.Fatal(err)
	}
	ikm := dbtest.AddIKM(t, s.db, dbtest.IKM{Name: "Batik Uji Sekar"})
	b := s.loggedIn(t, username, password, "/perusahaan")
	form := b.get("/perusahaan/perjanjian/baru")
	res := b.post("/perusahaan/perjanjian/baru", url.Values{"csrf": {form.csrf(t)}, "ikm_ids": {strconv.FormatInt(ikm, 10)},
		"form": {"procurement"}, "number": {"PKS/001/2025"}, "agreement_date": {"2025-01-10"}, "start_date": {"2025-01-10"},
		"end_date": {"2025-12-31"}, "target_purchase_value": {"50.000.000"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("draft an agreement: %d\n%.2000s", res.status, res.body)
	}
	at, _, _ := strings.Cut(strings.TrimPrefix(res.location(), "/perusahaan/perjanjian/"), "?")
	agreement, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		t.Fatalf("the draft is at %q", res.location())
	}
	return companyPortal(caseID, purchase, agreement), username, password
}

// TestCompanyPortalInEnglish: a company user who chooses English reads
// every page of the portal in English: no sentence of the Indonesian
// catalogue is left on any of them (the data and the formats aside), and
// going back to Indonesian brings it all back.
func TestCompanyPortalInEnglish(t *testing.T) {
	s := newSite(t)
	pages, username, password := s.portalCompany(t)
	b := s.loggedIn(t, username, password, "/perusahaan")
	form := b.get("/akun/bahasa").must(t, http.StatusOK, `<html lang="id">`, "Bahasa halaman", `value="en"`)
	b.post("/akun/bahasa", url.Values{"csrf": {form.csrf(t)}, "bahasa": {"jp"}}).
		must(t, http.StatusUnprocessableEntity, `href="#language"`)
	if res := b.post("/akun/bahasa", url.Values{"csrf": {form.csrf(t)}, "bahasa": {"en"}}); res.status != http.StatusSeeOther {
		t.Fatalf("choose English: %d", res.status)
	}
	if n := s.count(`SELECT count(*) FROM users WHERE username = ? AND language = 'en'`, username); n != 1 {
		t.Fatal("the choice is not saved with the user")
	}
	indonesian, english := web.Catalogue("id"), web.Catalogue("en")
	if len(leftovers(form.body, indonesian, english)) == 0 {
		t.Fatal("the check finds no Indonesian on an Indonesian page: it could not fail")
	}
	for _, path := range pages {
		pg := b.get(path).must(t, http.StatusOK, `<html lang="en">`)
		for _, left := range leftovers(pg.body, indonesian, english) {
			t.Errorf("%s in English still says %q", path, left)
		}
	}
	// Back to Indonesian.
	form = b.get("/akun/bahasa")
	b.post("/akun/bahasa", url.Values{"csrf": {form.csrf(t)}, "bahasa": {"id"}})
	b.get("/perusahaan").must(t, http.StatusOK, `<html lang="id">`, "Periode ini")
}

// TestOnlyCompanyUsersChooseEnglish: an IKM user may not switch the pages
// to English (their pages are written for them in Indonesian).
func TestOnlyCompanyUsersChooseEnglish(t *testing.T) {
	s := newSite(t)
	p := s.reportPurchase()
	b := s.ikmUser(t, p)
	form := b.get("/akun/kata-sandi")
	b.post("/akun/bahasa", url.Values{"csrf": {form.csrf(t)}, "bahasa": {"en"}}).
		must(t, http.StatusUnprocessableEntity, "bahasa Inggris hanya tersedia untuk pengguna perusahaan")
	if n := s.count(`SELECT count(*) FROM users WHERE language = 'en'`); n != 0 {
		t.Fatalf("%d users switched to English", n)
	}
	if strings.Contains(b.get("/ikm").body, "/akun/bahasa") {
		t.Error("an IKM user is offered the language choice")
	}
}

var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// leftovers are the pieces of Indonesian messages (between their
// placeholders, 16 characters or more, not also English) that body holds.
func leftovers(body string, indonesian, english map[string]string) []string {
	inEnglish := map[string]bool{}
	for _, v := range english {
		for _, piece := range verb.Split(v, -1) {
			inEnglish[strings.TrimSpace(piece)] = true
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, v := range indonesian {
		for _, piece := range verb.Split(v, -1) {
			piece = strings.TrimSpace(piece)
			if len(piece) < 16 || inEnglish[piece] || seen[piece] {
				continue
			}
			if strings.Contains(body, template.HTMLEscapeString(piece)) {
				seen[piece] = true
				out = append(out, piece)
			}
		}
	}
	return out
}

// TestBrowserCompanyPortalInEnglish: every page of the portal, in English,
// in the browser: the page's language is English and axe finds nothing.
func TestBrowserCompanyPortalInEnglish(t *testing.T) {
	s := newSite(t)
	pages, username, password := s.portalCompany(t)
	tb := s.tab(t, false)
	tb.login(username, password, "")
	tb.open("/akun/bahasa")
	tb.do(chromedpClick(`label[for="bahasa-en"]`))
	tb.submit(`main form button[type="submit"]`)
	for _, path := range pages {
		tb.open(path)
		if lang := value(tb, chromedp.EvaluateAsDevTools[string](`document.documentElement.lang`)); lang != "en" {
			t.Errorf("%s: lang %q", path, lang)
		}
		name := strings.Trim(strings.NewReplacer("/", "-", "?", "-", "=", "-").Replace(path), "-")
		tb.check("en-" + name)
	}
}
