package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"kemitraan/app/compliance"
	"kemitraan/app/partnership"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/procurement"
)

// officeSite has three purchases waiting on the Dinas: one the IKM
// disputed, one unanswered past its window, one whose window ends within
// three days; and an officer logged in.
type officeSite struct {
	*site
	officer                       *browser
	disputed, unanswered, dueSoon purchase
}

func newOfficeSite(t *testing.T) officeSite {
	t.Helper()
	s := newSite(t)
	o := officeSite{site: s, disputed: s.reportPurchase(), unanswered: s.reportPurchase(), dueSoon: s.reportPurchase()}
	if _, err := s.svc.Purchases.DecideByToken(context.Background(), o.disputed.token, procurement.Dispute,
		"Kami hanya mengirim 20 potong, bukan 40."); err != nil {
		t.Fatal(err)
	}
	for _, fix := range []struct {
		id    int64
		at    string
		phone string
	}{{o.unanswered.id, "2025-03-10 10:00+07", "081234500001"}, {o.dueSoon.id, "2025-03-14 10:00+07", "+6281234500002"}} {
		if err := s.db.Exec(`UPDATE purchases SET confirm_by = ? WHERE id = ?`, fix.at, fix.id).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.db.Exec(`UPDATE ikms SET phone = ? WHERE id = (SELECT ikm_id FROM purchases WHERE id = ?)`, fix.phone, fix.id).Error; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := compliance.LoadRuleFiles(context.Background(), s.db, filepath.Join("..", "..", "config", "rules"), s.clock.Now()); err != nil {
		t.Fatal(err)
	}
	username, password := s.user(actor.RoleOfficer, 0, 0)
	o.officer = s.loggedIn(t, username, password, "/dinas")
	return o
}

// submittedAgreement is an agreement the due-soon purchase's hotel drafted
// with its IKM, signed and submitted.
func (o officeSite) submittedAgreement(t *testing.T) partnership.Agreement {
	t.Helper()
	company := actor.With(context.Background(), actor.Actor{Role: actor.RoleCompany, BusinessID: o.dueSoon.business, System: true})
	a, err := o.svc.Partnership.CreateAgreement(company, partnership.AgreementInput{Form: "procurement", Number: "PKS/009/2025",
		AgreementDate: "2025-01-10", StartDate: "2025-01-10", EndDate: "2025-12-31", IKMIDs: []int64{o.dueSoon.ikm},
		TargetPurchaseValue: 50_000_000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.svc.Partnership.AttachDocument(company, a.ID, "pks.pdf", bytes.NewReader(samplePDF)); err != nil {
		t.Fatal(err)
	}
	if _, err := o.svc.Partnership.SubmitAgreement(company, a.ID); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestOfficerQueues(t *testing.T) {
	o := newOfficeSite(t)
	home := o.officer.get("/dinas").must(t, http.StatusOK, "Antrean kerja Dinas",
		"<strong>1</strong> Sengketa pembelian", "<strong>1</strong> Belum dijawab IKM, batas waktu lewat",
		"<strong>1</strong> Batas jawab IKM segera berakhir", "Kami hanya mengirim 20 potong",
		"2 hari lagi", "Kirim lewat WhatsApp", "Salin tautan")
	// The unanswered IKM's 08… number is written 628… for WhatsApp, with a
	// message in Indonesian carrying its confirmation link.
	// The live link goes into the WhatsApp message and the copy field; a
	// link past its window is offered nowhere, the message asks the IKM to
	// answer the officer instead.
	if !strings.Contains(home.body, url.QueryEscape("/k/"+o.dueSoon.token)) ||
		!strings.Contains(home.body, `value="`+o.url+"/k/"+o.dueSoon.token+`"`) {
		t.Error("the due-soon purchase's link is not offered")
	}
	if strings.Contains(home.body, o.unanswered.token) {
		t.Error("an expired link is offered")
	}
	if !strings.Contains(home.body, "https://wa.me/6281234500001?text=Yth.") ||
		!strings.Contains(home.body, "Mohon%20balas%20pesan%20ini") {
		t.Error("the 08… number is not written 628… in its WhatsApp link, or the late message is missing")
	}
	if !strings.Contains(home.body, "https://wa.me/6281234500002?text=Yth.") {
		t.Error("no WhatsApp link for the due-soon IKM")
	}
	if strings.Contains(home.body, url.QueryEscape("/k/"+o.disputed.token)) {
		t.Error("a disputed purchase's used link is offered")
	}

	// A queue counts up to a thousand and says "more than" beyond.
	if err := o.db.Exec(`INSERT INTO purchases (business_id, ikm_id, invoice_number, purchase_date, description, quantity,
			amount, status, confirm_by, source, created_at, updated_at)
		SELECT business_id, ikm_id, invoice_number || '-' || g, purchase_date, description, quantity, amount, status,
			confirm_by, source, created_at, updated_at
		FROM purchases, generate_series(1, 1000) g WHERE id = ?`, o.unanswered.id).Error; err != nil {
		t.Fatal(err)
	}
	o.officer.get("/dinas").must(t, http.StatusOK, "<strong>lebih dari 1.000</strong> Belum dijawab IKM, batas waktu lewat",
		"10 dari lebih dari 1.000 ditampilkan")
}

func TestOfficerSettlesADispute(t *testing.T) {
	o := newOfficeSite(t)
	path := "/dinas/pembelian/" + strconv.FormatInt(o.disputed.id, 10)
	page := o.officer.get(path).must(t, http.StatusOK, "Pembelian INV/2025/031", "Kami hanya mengirim 20 potong",
		"Selesaikan sengketa: IKM benar", "Selesaikan sengketa: laporan perusahaan benar")
	if strings.Contains(page.body, `value="verify"`) == false {
		t.Error("a disputed purchase cannot be verified after a field check")
	}
	o.officer.post(path+"/putuskan", url.Values{"csrf": {page.csrf(t)}}).
		must(t, http.StatusUnprocessableEntity, "Galat: ", `href="#decision"`)
	o.officer.post(path+"/putuskan", url.Values{"csrf": {page.csrf(t)}, "keputusan": {"resolve_reject"}}).
		must(t, http.StatusUnprocessableEntity, `href="#reason"`)
	if n := o.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'disputed'`, o.disputed.id); n != 1 {
		t.Fatal("a refused decision changed the purchase")
	}
	res := o.officer.post(path+"/putuskan", url.Values{"csrf": {page.csrf(t)}, "keputusan": {"resolve_reject"},
		"alasan": {"Surat jalan menunjukkan 20 potong."}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("settle: %d\n%s", res.status, res.body)
	}
	o.officer.get(res.location()).must(t, http.StatusOK, "Keputusan sudah dicatat.", "Surat jalan menunjukkan 20 potong.")
	if n := o.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'rejected'
		AND resolution_reason = 'Surat jalan menunjukkan 20 potong.'`, o.disputed.id); n != 1 {
		t.Fatal("the dispute is not settled for the IKM")
	}
	// An unanswered purchase verified after a field check counts.
	path = "/dinas/pembelian/" + strconv.FormatInt(o.unanswered.id, 10)
	page = o.officer.get(path).must(t, http.StatusOK, "Kirim lewat WhatsApp", "Tautan konfirmasi sudah tidak berlaku")
	o.officer.post(path+"/putuskan", url.Values{"csrf": {page.csrf(t)}, "keputusan": {"verify"}})
	if n := o.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'confirmed' AND verified`, o.unanswered.id); n != 1 {
		t.Fatal("the verified purchase is not confirmed")
	}
}

func TestOfficerDecidesAnAgreementAndVerifiesAnIKM(t *testing.T) {
	o := newOfficeSite(t)
	a := o.submittedAgreement(t)
	o.officer.get("/dinas").must(t, http.StatusOK, "<strong>1</strong> Perjanjian menunggu persetujuan", "PKS/009/2025",
		"IKM menunggu verifikasi lapangan")
	path := "/dinas/perjanjian/" + strconv.FormatInt(a.ID, 10)
	page := o.officer.get(path).must(t, http.StatusOK, "Perjanjian PKS/009/2025", "Setujui perjanjian", "Rp50.000.000")
	o.officer.post(path+"/putuskan", url.Values{"csrf": {page.csrf(t)}, "keputusan": {"tolak"}}).
		must(t, http.StatusUnprocessableEntity, `href="#reason"`)
	res := o.officer.post(path+"/putuskan", url.Values{"csrf": {page.csrf(t)}, "keputusan": {"setujui"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", res.status, res.body)
	}
	if n := o.count(`SELECT count(*) FROM agreements WHERE id = ? AND status = 'approved'`, a.ID); n != 1 {
		t.Fatal("the agreement is not approved")
	}
	ikmPath := "/dinas/ikm/" + strconv.FormatInt(o.dueSoon.ikm, 10)
	ip := o.officer.get(ikmPath).must(t, http.StatusOK, "Belum diverifikasi", "Tandai sudah diverifikasi di lapangan")
	o.officer.post(ikmPath+"/verifikasi", url.Values{"csrf": {ip.csrf(t)}})
	if n := o.count(`SELECT count(*) FROM ikms WHERE id = ? AND verified`, o.dueSoon.ikm); n != 1 {
		t.Fatal("the IKM is not verified")
	}
	o.officer.get(ikmPath+"?pesan=diverifikasi").must(t, http.StatusOK, "Status verifikasi IKM sudah disimpan.", "Terverifikasi",
		"Jejak audit", "<td>ikm.verify</td>")
}

// TestWorkspaceIsStaffOnly: company and IKM users are refused the
// officer's pages, and change nothing through them.
func TestWorkspaceIsStaffOnly(t *testing.T) {
	o := newOfficeSite(t)
	username, password := o.user(actor.RoleCompany, o.disputed.business, 0)
	company := o.loggedIn(t, username, password, "/perusahaan")
	ikm := o.ikmUser(t, o.disputed)
	for _, b := range []*browser{company, ikm} {
		b.get("/dinas").must(t, http.StatusForbidden)
		b.get("/dinas/pembelian/"+strconv.FormatInt(o.disputed.id, 10)).must(t, http.StatusForbidden)
		form := b.get("/akun/kata-sandi")
		b.post("/dinas/pembelian/"+strconv.FormatInt(o.disputed.id, 10)+"/putuskan", url.Values{"csrf": {form.csrf(t)},
			"keputusan": {"resolve_confirm"}, "alasan": {"x"}}).must(t, http.StatusForbidden)
	}
	if n := o.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'disputed'`, o.disputed.id); n != 1 {
		t.Fatal("a refused user changed the purchase")
	}
}

// TestBrowserOfficerResolvesADispute: the officer's queues, a disputed
// purchase settled by clicking through, the IKM's page; JavaScript off.
func TestBrowserOfficerResolvesADispute(t *testing.T) {
	o := newOfficeSite(t)
	username, password := o.user(actor.RoleOfficer, 0, 0)
	tb := o.tab(t, false)
	tb.login(username, password, "Antrean kerja Dinas")
	tb.check("dinas-antrean")
	tb.open("/dinas/pembelian/" + strconv.FormatInt(o.disputed.id, 10))
	tb.check("dinas-pembelian-sengketa")
	tb.do(chromedpClick(`label[for="keputusan-resolve_confirm"]`), chromedpType("#reason", "Surat jalan ditandatangani IKM."))
	tb.submit(`main form.form button[type="submit"]`)
	if text := tb.text(); !strings.Contains(text, "Keputusan sudah dicatat.") {
		t.Fatalf("after deciding:\n%s", text)
	}
	if n := o.count(`SELECT count(*) FROM purchases WHERE id = ? AND status = 'confirmed'`, o.disputed.id); n != 1 {
		t.Fatal("the dispute is not settled for the company")
	}
	tb.open("/dinas/pembelian/" + strconv.FormatInt(o.dueSoon.id, 10))
	tb.check("dinas-pembelian-menunggu")
	tb.open("/dinas/perjanjian/" + strconv.FormatInt(o.submittedAgreement(t).ID, 10))
	tb.check("dinas-perjanjian")
	tb.open("/dinas/ikm/" + strconv.FormatInt(o.dueSoon.ikm, 10))
	tb.check("dinas-ikm")
	tb.submit(`main form.form button[type="submit"]`)
	if n := o.count(`SELECT count(*) FROM ikms WHERE id = ? AND verified`, o.dueSoon.ikm); n != 1 {
		t.Fatal("the IKM is not verified")
	}
}

func TestRegistriesForTheDinas(t *testing.T) {
	o := newOfficeSite(t)
	for i, name := range []string{"PT Anggrek Jaya", "PT Bakung Makmur", "PT Cempaka Sentosa"} {
		dbtest.AddBusiness(t, o.db, dbtest.Business{Name: name, Category: []string{"hotel", "factory", "hotel"}[i]})
	}
	list := o.officer.get("/dinas/usaha?kategori=hotel&urut=-name").must(t, http.StatusOK, "Registri usaha besar",
		"usaha ditemukan", `aria-sort="descending"`, "PT Cempaka Sentosa", "PT Anggrek Jaya", "Halaman 1 dari 1")
	if strings.Index(list.body, "PT Cempaka Sentosa") > strings.Index(list.body, "PT Anggrek Jaya") {
		t.Error("the list is not sorted by name, descending")
	}
	if strings.Contains(list.body, "PT Bakung Makmur") {
		t.Error("the category filter lets a factory through")
	}
	// The filters stay in the links: sorting keeps the category.
	if !strings.Contains(list.body, `href="/dinas/usaha?kategori=hotel&amp;urut=nib"`) {
		t.Errorf("the sort links lose the filter:\n%s", list.body)
	}
	o.officer.get("/dinas/usaha?kategori=pabrik").must(t, http.StatusUnprocessableEntity, `href="#category"`)
	o.officer.get("/dinas/ikm?verifikasi=mungkin").must(t, http.StatusUnprocessableEntity, `href="#verified"`)
	o.officer.get("/dinas/ikm?verifikasi=tidak&q=Batik").must(t, http.StatusOK, "3 IKM ditemukan", "Batik Tulis Sekar")

	record := o.officer.get("/dinas/usaha/"+strconv.FormatInt(o.disputed.business, 10)).must(t, http.StatusOK,
		"PT Hotel Kencana", "Pembelian terakhir", "INV/2025/031", "Jejak audit")
	if !strings.Contains(record.body, `href="/dinas/pembelian/`+strconv.FormatInt(o.disputed.id, 10)+`"`) {
		t.Error("the business's purchases do not link to their pages")
	}
	o.officer.get("/dinas/ikm/"+strconv.FormatInt(o.disputed.ikm, 10)).must(t, http.StatusOK, "Batik Tulis Sekar",
		"Pembelian terakhir", "INV/2025/031")

	// A reviewer reads the registries but neither verifies nor sees the
	// audit trail; a company user is refused.
	username, password := o.user(actor.RoleReviewer, 0, 0)
	reviewer := o.loggedIn(t, username, password, "/dinas/kasus")
	ikm := reviewer.get("/dinas/ikm/"+strconv.FormatInt(o.disputed.ikm, 10)).must(t, http.StatusOK, "Batik Tulis Sekar")
	if strings.Contains(ikm.body, "/verifikasi") || strings.Contains(ikm.body, "Jejak audit") {
		t.Error("a reviewer is offered the verification or the audit trail")
	}
	username, password = o.user(actor.RoleCompany, o.disputed.business, 0)
	company := o.loggedIn(t, username, password, "/perusahaan")
	company.get("/dinas/usaha").must(t, http.StatusForbidden)
	company.get("/dinas/ikm/"+strconv.FormatInt(o.disputed.ikm, 10)).must(t, http.StatusForbidden)
}

// TestBrowserRegistries: the registry lists and a record, as an officer.
func TestBrowserRegistries(t *testing.T) {
	o := newOfficeSite(t)
	username, password := o.user(actor.RoleOfficer, 0, 0)
	tb := o.tab(t, true)
	tb.login(username, password, "Antrean kerja Dinas")
	tb.open("/dinas/usaha?urut=-registered_at")
	tb.check("dinas-usaha")
	tb.open("/dinas/ikm?verifikasi=tidak")
	tb.check("dinas-ikm-daftar")
	tb.open("/dinas/usaha/" + strconv.FormatInt(o.disputed.business, 10))
	tb.check("dinas-usaha-rinci")
}

// TestOfficerGrantsAndRevokesAnExemption: an exemption for a period, with
// its reason and document, refused first without them; then revoked.
func TestOfficerGrantsAndRevokesAnExemption(t *testing.T) {
	o := newOfficeSite(t)
	path := "/dinas/usaha/" + strconv.FormatInt(o.disputed.business, 10)
	page := o.officer.get(path).must(t, http.StatusOK, "Beri pengecualian", `id="period" name="periode"`)
	fields := map[string]string{"csrf": page.csrf(t), "periode": "2025-Q1", "alasan": ""}
	o.officer.postMultipart(path+"/pengecualian", fields, "dokumen", "surat.pdf", samplePDF).
		must(t, http.StatusUnprocessableEntity, `href="#reason"`)
	fields["alasan"] = "Hotel ditutup untuk renovasi besar selama triwulan ini."
	o.officer.postMultipart(path+"/pengecualian", fields, "", "", nil).
		must(t, http.StatusUnprocessableEntity, `href="#document"`)
	if n := o.count(`SELECT count(*) FROM exemptions`); n != 0 {
		t.Fatal("a refused exemption was stored")
	}
	res := o.officer.postMultipart(path+"/pengecualian", fields, "dokumen", "surat.pdf", samplePDF)
	if res.status != http.StatusSeeOther {
		t.Fatalf("grant: %d\n%s", res.status, res.body)
	}
	granted := o.officer.get(res.location()).must(t, http.StatusOK, "Pengecualian sudah disimpan", "Triwulan I 2025",
		"renovasi besar", "Cabut pengecualian")
	var ex int64
	if err := o.db.Raw(`SELECT id FROM exemptions WHERE business_id = ? AND period = '2025-Q1'`, o.disputed.business).
		Row().Scan(&ex); err != nil {
		t.Fatal(err)
	}
	revoke := path + "/pengecualian/" + strconv.FormatInt(ex, 10) + "/cabut"
	o.officer.post(revoke, url.Values{"csrf": {granted.csrf(t)}}).
		must(t, http.StatusUnprocessableEntity, `href="#revoke_reason-`+strconv.FormatInt(ex, 10)+`"`)
	o.officer.post(revoke, url.Values{"csrf": {granted.csrf(t)}, "alasan": {"Renovasi dibatalkan."}})
	if n := o.count(`SELECT count(*) FROM exemptions WHERE id = ? AND revoked_at IS NOT NULL`, ex); n != 1 {
		t.Fatal("the exemption is not revoked")
	}
}
