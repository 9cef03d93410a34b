package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"kemitraan/app/platform/actor"
)

// ikmFileWithBadRows is an IKM registry file whose lines 3 and 4 are bad:
// a sector that does not exist, a telephone number too short.
const ikmFileWithBadRows = "nib,nama,pemilik,sektor,kecamatan,telepon,kapasitas_bulanan\n" +
	"8123000000001,Batik Tulis Sukatani,Sri Wahyuni,batik,3216060,081234500011,15000000\n" +
	"8123000000002,Roti Gandum Bu Tini,Tini Suhartini,roti,3216060,081234500012,9000000\n" +
	"8123000000003,Anyaman Pandan Jaya,Ahmad Fauzi,anyaman,3216060,0812,4000000\n"

// TestOfficerImportsTheIKMRegistry: the templates; a file with two bad
// rows refused with each row's line, column and reason and nothing stored;
// its good row imported on its own; the bad rows downloaded with their
// reasons, fixed in the spreadsheet and imported after a check with a
// preview.
func TestOfficerImportsTheIKMRegistry(t *testing.T) {
	s := newSite(t)
	username, password := s.user(actor.RoleOfficer, 0, 0)
	officer := s.loggedIn(t, username, password, "/dinas")
	page := officer.get("/dinas/ikm/impor").must(t, http.StatusOK, "Impor registri IKM", "Unduh templat (XLSX)")
	tmpl := officer.get("/dinas/ikm/impor/templat.xlsx")
	x, err := excelize.OpenReader(strings.NewReader(tmpl.body))
	if err != nil {
		t.Fatalf("XLSX template: %d %v", tmpl.status, err)
	}
	rows, err := x.GetRows("IKM")
	if err != nil || len(rows) != 2 || rows[0][0] != "nib" || rows[0][3] != "sektor" || rows[1][3] != "batik" {
		t.Errorf("template rows %v %v", rows, err)
	}
	officer.get("/dinas/usaha/impor/templat.csv").must(t, http.StatusOK, "nib,nama,bentuk_usaha,kategori")

	before := s.count(`SELECT count(*) FROM ikms`)
	res := officer.postMultipart("/dinas/ikm/impor", map[string]string{"csrf": page.csrf(t)}, "berkas", "ikm-maret.csv",
		[]byte(ikmFileWithBadRows))
	if res.status != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", res.status, res.body)
	}
	refused := officer.get(res.location()).must(t, http.StatusUnprocessableEntity, "Berkas perlu diperbaiki",
		"2 baris perlu diperbaiki", "<td>sektor</td>", "<td>telepon</td>", "Impor 1 baris yang baik")
	if !regexp.MustCompile(`<td class="num">3</td><td>sektor</td>`).MatchString(refused.body) {
		t.Errorf("line 3's sector is not named:\n%s", refused.body)
	}
	if n := s.count(`SELECT count(*) FROM ikms`); n != before {
		t.Fatal("a refused file stored IKM")
	}
	upload := strings.TrimPrefix(res.location(), "/dinas/ikm/impor/")

	// The good row on its own, once however many clicks.
	good := officer.post("/dinas/ikm/impor/"+upload+"/impor", url.Values{"csrf": {refused.csrf(t)}, "sebagian": {"ya"}})
	again := officer.post("/dinas/ikm/impor/"+upload+"/impor", url.Values{"csrf": {refused.csrf(t)}, "sebagian": {"ya"}})
	if good.status != http.StatusSeeOther || again.location() != good.location() {
		t.Fatalf("good rows: %d %q %q", good.status, good.location(), again.location())
	}
	officer.get(good.location()).must(t, http.StatusOK, "Impor selesai", "REG-", "Baris bermasalah disisihkan")
	if n := s.count(`SELECT count(*) FROM ikms WHERE nib LIKE '812300000000%'`); n != 1 {
		t.Fatalf("%d IKM stored from the good rows", n)
	}

	// The bad rows with their reasons, fixed in the spreadsheet.
	bad := officer.get("/dinas/ikm/impor/" + upload + "/ditolak.xlsx")
	x, err = excelize.OpenReader(strings.NewReader(bad.body))
	if err != nil {
		t.Fatalf("bad rows: %d %v", bad.status, err)
	}
	rows, err = x.GetRows("Baris ditolak")
	if err != nil || len(rows) != 3 || rows[0][7] != "alasan_ditolak" || !strings.HasPrefix(rows[1][7], "baris 3: sektor") ||
		!strings.HasPrefix(rows[2][7], "baris 4: telepon") {
		t.Fatalf("bad rows %v %v", rows, err)
	}
	for cell, v := range map[string]string{"D2": "makanan", "F3": "081234500013"} {
		if err := x.SetCellStr("Baris ditolak", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	var fixed bytes.Buffer
	if err := x.Write(&fixed); err != nil {
		t.Fatal(err)
	}
	res = officer.postMultipart("/dinas/ikm/impor", map[string]string{"csrf": page.csrf(t)}, "berkas", "ditolak.xlsx", fixed.Bytes())
	checked := officer.get(res.location()).must(t, http.StatusOK, "Berkas sudah diperiksa",
		"2 baris dan semuanya benar: 2 akan didaftarkan", "Roti Gandum Bu Tini", "Impor 2 baris")
	if n := s.count(`SELECT count(*) FROM ikms WHERE nib LIKE '812300000000%'`); n != 1 {
		t.Fatal("a check stored IKM")
	}
	done := officer.post(strings.SplitN(res.location(), "?", 2)[0]+"/impor", url.Values{"csrf": {checked.csrf(t)}})
	officer.get(done.location()).must(t, http.StatusOK, "Impor selesai", "Didaftarkan")
	if n := s.count(`SELECT count(*) FROM ikms WHERE nib IN ('8123000000002', '8123000000003')
		AND sector IN ('makanan', 'anyaman') AND phone LIKE '+62812345000%' AND NOT verified`); n != 2 {
		t.Fatalf("%d fixed IKM stored", n)
	}

	// Another officer's upload is as unknown as one that never was.
	username, password = s.user(actor.RoleOfficer, 0, 0)
	other := s.loggedIn(t, username, password, "/dinas")
	other.get("/dinas/ikm/impor/"+upload).must(t, http.StatusNotFound)
	other.get("/dinas/usaha/impor/"+upload).must(t, http.StatusNotFound)
}

// TestBrowserOfficerImportsARegistryFile: the import in the browser, a bad
// row refused, then the fixed file checked and imported.
func TestBrowserOfficerImportsARegistryFile(t *testing.T) {
	s := newSite(t)
	username, password := s.user(actor.RoleOfficer, 0, 0)
	dir := t.TempDir()
	badPath, fixedPath := filepath.Join(dir, "ikm.csv"), filepath.Join(dir, "ikm-perbaikan.csv")
	fixed := strings.NewReplacer(",roti,", ",makanan,", ",0812,", ",081234500013,").Replace(ikmFileWithBadRows)
	for path, body := range map[string]string{badPath: ikmFileWithBadRows, fixedPath: fixed} {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tb := s.tab(t, false)
	tb.login(username, password, "")
	tb.open("/dinas/ikm/impor")
	tb.check("registri-impor")
	tb.do(chromedp.SetUploadFiles(chromedp.CSS("#berkas"), []string{badPath}))
	tb.submit(`form.form button[type="submit"]`)
	if h := tb.heading(); h != "Berkas perlu diperbaiki" || !strings.Contains(tb.text(), "2 baris perlu diperbaiki") {
		t.Fatalf("the refused file: %q\n%s", h, tb.text())
	}
	tb.check("registri-impor-ditolak")
	tb.do(chromedp.SetUploadFiles(chromedp.CSS("#berkas"), []string{fixedPath}))
	tb.submit(`input[name="berkas"] ~ button, form[enctype] button[type="submit"]`)
	if h := tb.heading(); h != "Berkas sudah diperiksa" {
		t.Fatalf("the fixed file: %q\n%s", h, tb.text())
	}
	tb.check("registri-impor-pratinjau")
	tb.submit(`form.form button[type="submit"]`)
	if h := tb.heading(); h != "Impor selesai" {
		t.Fatalf("after importing: %q\n%s", h, tb.text())
	}
	tb.check("registri-impor-selesai")
	if n := s.count(`SELECT count(*) FROM ikms WHERE nib LIKE '812300000000%'`); n != 3 {
		t.Fatalf("%d IKM stored", n)
	}
}
