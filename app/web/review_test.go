package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"kemitraan/app/jobs"
	"kemitraan/app/platform/actor"
)

// reviewSite is an evaluated quarter with queued cases and a reviewer
// logged in, and the first queued case's id and business.
type reviewSite struct {
	*site
	reviewer           *browser
	username, password string
	caseID             int64
	business           string
}

func newReviewSite(t *testing.T) reviewSite {
	t.Helper()
	s := newSite(t)
	s.evaluated()
	r := reviewSite{site: s}
	if err := s.db.Raw(`SELECT c.id, b.name FROM sanction_cases c JOIN businesses b ON b.id = c.business_id
		WHERE c.stage = 'queued' ORDER BY c.id LIMIT 1`).Row().Scan(&r.caseID, &r.business); err != nil {
		t.Fatalf("no queued case: %v", err)
	}
	r.username, r.password = s.user(actor.RoleReviewer, 0, 0)
	r.reviewer = s.loggedIn(t, r.username, r.password, "/dinas/kasus")
	return r
}

var draftLink = regexp.MustCompile(`href="(/dinas/kasus/\d+/konsep\.pdf\?[^"]+)"`)

// decide takes decision d with reason on the case through the check page,
// checking that the draft letter leaves no trace, and returns the case
// page after it.
func (r reviewSite) decide(t *testing.T, d, reason string) page {
	t.Helper()
	path := "/dinas/kasus/" + strconv.FormatInt(r.caseID, 10)
	csrf := r.reviewer.get(path).csrf(t)
	letters := r.count(`SELECT count(*) FROM sanction_letters`)
	check := r.reviewer.post(path+"/periksa", url.Values{"csrf": {csrf}, "keputusan": {d}, "alasan": {reason}}).
		must(t, http.StatusOK, "Periksa keputusan sebelum diterbitkan", "Buka konsep surat (PDF)")
	m := draftLink.FindStringSubmatch(check.body)
	if m == nil {
		t.Fatalf("no draft letter link:\n%s", check.body)
	}
	draft := r.reviewer.get(html.UnescapeString(m[1]))
	if draft.status != http.StatusOK || !strings.HasPrefix(draft.body, "%PDF") {
		t.Fatalf("draft letter %s: %d %s", m[1], draft.status, draft.body[strings.Index(draft.body, "<main"):])
	}
	if n := r.count(`SELECT count(*) FROM sanction_letters`); n != letters {
		t.Fatalf("reading the draft issued a letter: %d → %d", letters, n)
	}
	res := r.reviewer.post(path+"/putuskan", url.Values{"csrf": {csrf}, "keputusan": {d}, "alasan": {reason}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("%s: %d\n%s", d, res.status, res.body)
	}
	if n := r.count(`SELECT count(*) FROM sanction_letters`); n != letters+1 {
		t.Fatalf("%s issued %d letters", d, n-letters)
	}
	return r.reviewer.get(res.location()).must(t, http.StatusOK, "Keputusan sudah diterbitkan.")
}

func (r reviewSite) stage() string {
	var stage string
	if err := r.db.Raw(`SELECT stage FROM sanction_cases WHERE id = ?`, r.caseID).Row().Scan(&stage); err != nil {
		r.t.Fatal(err)
	}
	return stage
}

// lapse lets the warning's response window pass and runs the lapse job;
// the reviewer logs in again (the session has ended meanwhile).
func (r *reviewSite) lapse(t *testing.T) {
	t.Helper()
	r.clock.Advance(40 * 24 * time.Hour)
	if rec, err := r.runner.Run(context.Background(), "lapse", jobs.TriggerCommand, jobs.Params{}); err != nil || rec.Outcome != "succeeded" {
		t.Fatalf("lapse: %+v %v", rec, err)
	}
	if st := r.stage(); st != "lapsed" {
		t.Fatalf("after the window the case is %s", st)
	}
	r.reviewer = r.loggedIn(t, r.username, r.password, "/dinas/kasus")
}

// TestReviewerWorksTheLadder: from the queue, SP1; the case lapses; SP2;
// SP3; then, SP3 lapsed, a recommendation. Each decision is read as a
// draft letter first.
func TestReviewerWorksTheLadder(t *testing.T) {
	r := newReviewSite(t)
	r.reviewer.get("/dinas/kasus").must(t, http.StatusOK, "Antrean kasus", r.business, "menunggu peninjau")
	r.reviewer.get("/dinas/kasus?tahap=entah").must(t, http.StatusUnprocessableEntity, `href="#stage"`)
	path := "/dinas/kasus/" + strconv.FormatInt(r.caseID, 10)
	queued := r.reviewer.get(path).must(t, http.StatusOK, "Kasus: "+r.business, "Kekurangan yang ditemukan",
		"Terbitkan peringatan berikutnya", "Hentikan kasus tanpa sanksi")
	if strings.Contains(queued.body, `value="recommend"`) {
		t.Error("a queued case offers a recommendation")
	}
	csrf := queued.csrf(t)
	r.reviewer.post(path+"/periksa", url.Values{"csrf": {csrf}, "keputusan": {"recommend"}}).
		must(t, http.StatusUnprocessableEntity, `href="#decision"`)
	r.reviewer.post(path+"/periksa", url.Values{"csrf": {csrf}, "keputusan": {"dismiss"}}).
		must(t, http.StatusUnprocessableEntity, `href="#reason"`)

	r.decide(t, "warn", "Kekurangan pembelian triwulan I belum dipenuhi.").must(t, http.StatusOK, "Peringatan diterbitkan", "SP1")
	r.lapse(t)
	r.clock.Advance(time.Minute)
	r.decide(t, "warn", "Tidak ada tanggapan atas SP1.").must(t, http.StatusOK, "SP2")
	// SP1's notice had not left when SP2 was issued: it is cancelled, and
	// SP2's goes.
	if rec, err := r.runner.Run(context.Background(), "outbox", jobs.TriggerCommand, jobs.Params{}); err != nil || rec.Outcome != "succeeded" {
		t.Fatalf("outbox: %+v %v", rec, err)
	}
	var notices []string
	r.db.Raw(`SELECT status || ' ' || subject FROM outbox WHERE kind = 'case.warn' ORDER BY id`).Scan(&notices)
	if len(notices) < 2 || !strings.HasPrefix(notices[0], "cancelled ") || !strings.HasPrefix(notices[len(notices)-1], "logged ") {
		t.Errorf("warning notices %q: want SP1's cancelled and SP2's gone", notices)
	}
	r.lapse(t)
	r.decide(t, "warn", "Tidak ada tanggapan atas SP2.").must(t, http.StatusOK, "SP3")
	r.lapse(t)
	done := r.decide(t, "recommend", "Tiga peringatan tidak ditanggapi.").must(t, http.StatusOK, "Rekomendasi sanksi")
	if st := r.stage(); st != "recommended" {
		t.Fatalf("after the recommendation the case is %s", st)
	}
	if strings.Contains(done.body, `action="`+path+`/periksa"`) {
		t.Error("a recommended case still offers decisions")
	}
	// A company user opening the workspace is refused.
	var business int64
	if err := r.db.Raw(`SELECT business_id FROM sanction_cases WHERE id = ?`, r.caseID).Row().Scan(&business); err != nil {
		t.Fatal(err)
	}
	username, password := r.user(actor.RoleCompany, business, 0)
	company := r.loggedIn(t, username, password, "/perusahaan")
	company.get("/dinas/kasus").must(t, http.StatusForbidden)
	company.get(path).must(t, http.StatusForbidden)
}

// TestBrowserReviewerIssuesAWarning: the queue, the case, the check page
// and the issued decision, in the browser, JavaScript off.
func TestBrowserReviewerIssuesAWarning(t *testing.T) {
	r := newReviewSite(t)
	tb := r.tab(t, false)
	tb.login(r.username, r.password, "Antrean kasus")
	tb.open("/dinas/kasus?urut=business")
	tb.check("dinas-kasus")
	tb.open("/dinas/kasus/" + strconv.FormatInt(r.caseID, 10))
	tb.check("dinas-kasus-rinci")
	tb.do(chromedpClick(`label[for="keputusan-warn"]`), chromedpType("#reason", "Kekurangan belum dipenuhi."))
	tb.submit(`main form.form button[type="submit"]`)
	if h := tb.heading(); h != "Periksa keputusan sebelum diterbitkan" {
		t.Fatalf("after choosing: %q", h)
	}
	tb.check("dinas-kasus-periksa")
	tb.submit(`main form.form button[type="submit"]`)
	if text := tb.text(); !strings.Contains(text, "Keputusan sudah diterbitkan.") {
		t.Fatalf("after confirming:\n%s", text)
	}
	tb.check("dinas-kasus-diputuskan")
	if st := r.stage(); st != "warned" {
		t.Fatalf("the case is %s", st)
	}
}

// TestSanctionListPage: the evaluated quarter's list with its filters and
// sorts, each business's last four periods, and both exports a click away
// (the CSV in the form Indonesian Excel reads).
func TestSanctionListPage(t *testing.T) {
	r := newReviewSite(t)
	list := r.reviewer.get("/dinas/sanksi?periode=2025-Q1&urut=-shortfall").must(t, http.StatusOK,
		"Daftar sanksi Triwulan I 2025", "Empat periode terakhir", "Unduh XLSX", "Unduh CSV (Excel)",
		`aria-sort="descending"`, r.business)
	if !strings.Contains(list.body, `href="/dinas/sanksi/unduh.csv?periode=2025-Q1&amp;urut=-shortfall"`) {
		t.Errorf("the CSV link loses the filter:\n%s", list.body)
	}
	r.reviewer.get("/dinas/sanksi?periode=2025-Q9").must(t, http.StatusUnprocessableEntity, `href="#period"`)
	r.reviewer.get("/dinas/sanksi?periode=2025-Q1&tahap=queued").must(t, http.StatusOK, r.business)

	csv := r.reviewer.get("/dinas/sanksi/unduh.csv?periode=2025-Q1")
	if csv.status != http.StatusOK || !strings.HasPrefix(csv.body, "\ufeff") || !strings.Contains(strings.SplitN(csv.body, "\n", 2)[0], ";") ||
		!strings.Contains(csv.header.Get("Content-Disposition"), "daftar-sanksi-2025-Q1.csv") {
		t.Fatalf("CSV export: %d %q %.200s", csv.status, csv.header.Get("Content-Disposition"), csv.body)
	}
	xlsx := r.reviewer.get("/dinas/sanksi/unduh.xlsx?periode=2025-Q1")
	if xlsx.status != http.StatusOK || !strings.HasPrefix(xlsx.body, "PK") {
		t.Fatalf("XLSX export: %d", xlsx.status)
	}
	var business int64
	if err := r.db.Raw(`SELECT business_id FROM sanction_cases WHERE id = ?`, r.caseID).Row().Scan(&business); err != nil {
		t.Fatal(err)
	}
	username, password := r.user(actor.RoleCompany, business, 0)
	r.loggedIn(t, username, password, "/perusahaan").get("/dinas/sanksi/unduh.csv?periode=2025-Q1").must(t, http.StatusForbidden)
}

// TestOfficerSeesMissingReports: once a quarter has ended under the rules,
// the officer's home counts and lists the businesses that did not report.
func TestOfficerSeesMissingReports(t *testing.T) {
	r := newReviewSite(t) // the clock stands in May 2025: 2025-Q1 is the last period
	username, password := r.user(actor.RoleOfficer, 0, 0)
	officer := r.loggedIn(t, username, password, "/dinas")
	var missing string
	if err := r.db.Raw(`SELECT b.name FROM businesses b WHERE b.status = 'active' AND NOT EXISTS
		(SELECT 1 FROM period_reports p WHERE p.business_id = b.id AND p.period = '2025-Q1') ORDER BY b.id LIMIT 1`).
		Row().Scan(&missing); err != nil {
		t.Fatalf("no business without its report: %v", err)
	}
	officer.get("/dinas").must(t, http.StatusOK, "Laporan Triwulan I 2025 belum masuk", missing)
}

// TestBrowserSanctionList: the list page in the browser.
func TestBrowserSanctionList(t *testing.T) {
	r := newReviewSite(t)
	tb := r.tab(t, true)
	tb.login(r.username, r.password, "Antrean kasus")
	tb.open("/dinas/sanksi?periode=2025-Q1")
	tb.check("dinas-sanksi")
}

// TestStaffStatistics: the evaluated quarter's figures for the Dinas, as
// charts beside tables of the same figures; a bad period is refused.
func TestStaffStatistics(t *testing.T) {
	r := newReviewSite(t)
	evaluated := r.count(`SELECT count(*) FROM evaluations WHERE period = '2025-Q1'`)
	r.reviewer.get("/dinas/statistik?periode=2025-Q1").must(t, http.StatusOK, "Statistik Triwulan I 2025",
		"<strong>"+strconv.FormatInt(evaluated, 10)+"</strong> Usaha dinilai",
		"Hasil penilaian", "Usaha yang patuh, per periode", "IKM aktif, per periode", "Usaha yang patuh, per kategori",
		"Usaha yang patuh, per kecamatan", `<svg viewBox=`, "tepat waktu", "Pembayaran kepada IKM", "Median lama pembayaran")
	r.reviewer.get("/dinas/statistik?periode=kemarin").must(t, http.StatusUnprocessableEntity, `href="#period"`)
	tb := r.tab(t, true)
	tb.login(r.username, r.password, "Antrean kasus")
	tb.open("/dinas/statistik?periode=2025-Q1")
	tb.check("dinas-statistik")
}

// TestEvaluationsPage: every business evaluated in the quarter, compliant
// ones too, filtered by result.
func TestEvaluationsPage(t *testing.T) {
	r := newReviewSite(t)
	var compliant string
	if err := r.db.Raw(`SELECT b.name FROM evaluations e JOIN businesses b ON b.id = e.business_id
		WHERE e.period = '2025-Q1' AND e.status = 'compliant' ORDER BY e.id DESC LIMIT 1`).Row().Scan(&compliant); err != nil {
		t.Fatalf("no compliant business in the generated quarter: %v", err)
	}
	r.reviewer.get("/dinas/penilaian?periode=2025-Q1&status=compliant").must(t, http.StatusOK, "Penilaian Triwulan I 2025",
		compliant, "patuh", `href="/dinas/sanksi/unduh.xlsx?periode=2025-Q1"`)
	r.reviewer.get("/dinas/sanksi/unduh.csv?periode=2025-Q1").must(t, http.StatusOK, "NIB;Nama usaha")
	r.reviewer.get("/dinas/penilaian?periode=2025-Q1&status=entah").must(t, http.StatusUnprocessableEntity, `href="#status"`)
	tb := r.tab(t, true)
	tb.login(r.username, r.password, "Antrean kasus")
	tb.open("/dinas/penilaian?periode=2025-Q1")
	tb.check("dinas-penilaian")
	// The filter form sends the period the page reads: typed, it is kept.
	for _, path := range []string{"/dinas/penilaian", "/dinas/statistik"} {
		tb.open(path)
		tb.do(chromedpType("#period", "2025-Q1"))
		tb.submit(`form.form-filters button[type="submit"]`)
		if loc := value(tb, chromedpLocation()); !strings.Contains(loc, "periode=2025-Q1") || !strings.Contains(tb.heading(), "Triwulan I 2025") {
			t.Errorf("%s filtered by period: %s %q", path, loc, tb.heading())
		}
	}
}
