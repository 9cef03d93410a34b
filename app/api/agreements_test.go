package api

import (
	"bytes"
	"context"
	"io/fs"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/cmptest"
)

// samplePDF is a minimal document the upload check accepts as PDF.
func samplePDF(note string) []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + note + "\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

// samplePNG is a 1×1 PNG.
var samplePNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

// upload sends one file in a multipart/form-data body as c.
func (s *testServer) upload(c caller, method, path, field, filename string, content []byte) response {
	s.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile(field, filename)
	if err != nil {
		s.t.Fatal(err)
	}
	part.Write(content)
	w.Close()
	headers := []string{"Content-Type", w.FormDataContentType()}
	if c.token != "" {
		headers = append(headers, "Authorization", "Bearer "+c.token)
	}
	return s.do(method, path, &body, headers...)
}

// loadRules installs the shipped rule sets (config/rules), as serve does.
func (s *testServer) loadRules() {
	s.t.Helper()
	if _, err := compliance.LoadRuleFiles(context.Background(), s.db, "../../config/rules", time.Now()); err != nil {
		s.t.Fatalf("rules: %v", err)
	}
}

// blobs counts stored files under the uploads folder (temp files included).
func (s *testServer) blobs() int {
	s.t.Helper()
	n := 0
	filepath.WalkDir(s.cfg.Uploads.Dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func (s *testServer) setIKMStatus(id int64, status string) {
	s.t.Helper()
	if err := s.db.Exec("UPDATE ikms SET status = ? WHERE id = ?", status, id).Error; err != nil {
		s.t.Fatal(err)
	}
}

type agreementBody = map[string]any

func validAgreement(ikms ...int64) agreementBody {
	return agreementBody{
		"ikm_ids": ikms, "form": "procurement", "number": "PKS/" + randomDigits(6),
		"agreement_date": "2025-06-02", "start_date": "2025-07-01", "end_date": "2026-06-30",
		"targets": map[string]any{"purchase_value": 30_000_000, "ikm_count": 2, "outlet_slots": 0},
	}
}

func agreementPath(id int64, action string) string {
	p := "/api/v1/agreements/" + strconv.FormatInt(id, 10)
	if action != "" {
		p += "/" + action
	}
	return p
}

// draftAgreement creates a draft as company with its signed PDF attached.
func (s *testServer) draftAgreement(company caller, ikms ...int64) agreementResponse {
	s.t.Helper()
	ag := decode[agreementResponse](s.call(company, http.MethodPost, "/api/v1/agreements", validAgreement(ikms...)), http.StatusCreated)
	return decode[agreementResponse](s.upload(company, http.MethodPut, agreementPath(ag.ID, "document"), "document",
		"pks.pdf", samplePDF(strconv.FormatInt(ag.ID, 10))), http.StatusOK)
}

func TestAgreementStoryDraftSubmitApprove(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	company := s.as(actor.RoleCompany)
	officer := s.as(actor.RoleOfficer)
	ikm1, ikm2 := s.newIKM(), s.newIKM()

	body := validAgreement(ikm1, ikm2)
	body["payment_days"], body["consignment"] = 14, true
	ag := decode[agreementResponse](s.call(company, http.MethodPost, "/api/v1/agreements", body), http.StatusCreated)
	fourteen := 14
	wantAg := agreementResponse{Status: "draft", Business: namedRef{ID: company.businessID},
		Targets: targetsBody{PurchaseValue: 30_000_000}, StartDate: "2025-07-01", DocumentURL: nil,
		PaymentDays: &fourteen, Consignment: true}
	if diff := cmp.Diff(wantAg, ag, cmptest.Only[agreementResponse]("Status", "Business", "Targets", "StartDate", "DocumentURL",
		"PaymentDays", "Consignment"),
		cmptest.Only[namedRef]("ID"), cmptest.Only[targetsBody]("PurchaseValue")); diff != "" {
		t.Fatalf("draft (-want +got):\n%s", diff)
	}
	if len(ag.IKMs) != 2 {
		t.Fatalf("draft with %d IKMs, want 2: %+v", len(ag.IKMs), ag.IKMs)
	}

	// Submitting without the signed document names the missing field.
	p := s.call(company, http.MethodPost, agreementPath(ag.ID, "submit"), nil).problem(http.StatusUnprocessableEntity)
	if f := fields(p); len(f) != 1 || f[0] != "document" {
		t.Fatalf("submit without document: fields %v", f)
	}

	doc := samplePDF("ditandatangani")
	ag = decode[agreementResponse](s.upload(company, http.MethodPut, agreementPath(ag.ID, "document"), "document", "PKS 015.pdf", doc), http.StatusOK)
	if ag.DocumentURL == nil || *ag.DocumentURL != agreementPath(ag.ID, "document") {
		t.Fatalf("document url %v", ag.DocumentURL)
	}
	ag = decode[agreementResponse](s.call(company, http.MethodPost, agreementPath(ag.ID, "submit"), nil), http.StatusOK)
	if ag.Status != "submitted" || ag.SubmittedAt == nil {
		t.Fatalf("submitted %+v", ag)
	}
	ag = decode[agreementResponse](s.call(officer, http.MethodPost, agreementPath(ag.ID, "approve"), nil), http.StatusOK)
	if ag.Status != "approved" || ag.DecidedAt == nil {
		t.Fatalf("approved %+v", ag)
	}

	// The partner IKM sees it and its document; the company downloads it too.
	partner := s.asIKM(ikm1)
	got := decode[agreementResponse](s.call(partner, http.MethodGet, agreementPath(ag.ID, ""), nil), http.StatusOK)
	if got.Number != body["number"] {
		t.Errorf("partner sees %+v", got)
	}
	for _, who := range []caller{company, partner, officer} {
		r := s.call(who, http.MethodGet, agreementPath(ag.ID, "document"), nil)
		if r.Code != http.StatusOK || r.Header().Get("Content-Type") != "application/pdf" || !bytes.Equal(r.Body.Bytes(), doc) {
			t.Errorf("download: %d %s", r.Code, r.Header().Get("Content-Type"))
		}
		if cd := r.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "PKS 015.pdf") {
			t.Errorf("disposition %q", cd)
		}
	}

	want := []string{"agreement.create", "agreement.attach_document", "agreement.submit", "agreement.approve"}
	if got := s.auditActions("agreement", strconv.FormatInt(ag.ID, 10)); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("audit %v, want %v", got, want)
	}
	var actorRole string
	s.db.Raw("SELECT actor_role FROM audit_events WHERE action = 'agreement.approve'").Scan(&actorRole)
	if actorRole != "officer" {
		t.Errorf("approve recorded by %q", actorRole)
	}
}

func TestAgreementRejectNeedsReasonAndCanBeRevised(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	company := s.as(actor.RoleCompany)
	officer := s.as(actor.RoleOfficer)
	ag := s.draftAgreement(company, s.newIKM())
	s.call(company, http.MethodPost, agreementPath(ag.ID, "submit"), nil).problemOrOK(t, http.StatusOK)

	p := s.call(officer, http.MethodPost, agreementPath(ag.ID, "reject"), map[string]any{"reason": "  "}).problem(http.StatusUnprocessableEntity)
	if f := fields(p); len(f) != 1 || f[0] != "reason" {
		t.Fatalf("fields %v", f)
	}
	if s.count("SELECT count(*) FROM agreements WHERE id = ? AND status = 'submitted'", ag.ID) != 1 {
		t.Fatal("a refused rejection changed the agreement")
	}
	reason := "Tanda tangan pihak IKM tidak ada"
	ag = decode[agreementResponse](s.call(officer, http.MethodPost, agreementPath(ag.ID, "reject"), map[string]any{"reason": reason}), http.StatusOK)
	if ag.Status != "rejected" || ag.RejectReason != reason {
		t.Fatalf("rejected %+v", ag)
	}
	p = s.call(officer, http.MethodPost, agreementPath(ag.ID, "approve"), nil).problem(http.StatusConflict)
	if p["current_status"] != "rejected" {
		t.Errorf("approve after reject: %v", p)
	}

	ag = decode[agreementResponse](s.call(company, http.MethodPost, agreementPath(ag.ID, "revise"), nil), http.StatusOK)
	if ag.Status != "draft" || ag.RejectReason != "" || ag.SubmittedAt != nil {
		t.Fatalf("revised %+v", ag)
	}
	edit := validAgreement(ag.IKMs[0].ID)
	edit["number"] = ag.Number
	edit["targets"] = map[string]any{"purchase_value": 0, "ikm_count": 1, "outlet_slots": 2}
	ag = decode[agreementResponse](s.call(company, http.MethodPut, agreementPath(ag.ID, ""), edit), http.StatusOK)
	if ag.Targets.OutletSlots != 2 || ag.Targets.PurchaseValue != 0 {
		t.Fatalf("edited %+v", ag)
	}
	s.call(company, http.MethodPost, agreementPath(ag.ID, "submit"), nil).problemOrOK(t, http.StatusOK)
	s.call(officer, http.MethodPost, agreementPath(ag.ID, "approve"), nil).problemOrOK(t, http.StatusOK)
	ag = decode[agreementResponse](s.call(officer, http.MethodPost, agreementPath(ag.ID, "end"),
		map[string]any{"reason": "Usaha menghentikan kerja sama"}), http.StatusOK)
	if ag.Status != "ended" || ag.EndedAt == nil {
		t.Fatalf("ended %+v", ag)
	}
	want := "agreement.create,agreement.attach_document,agreement.submit,agreement.reject,agreement.revise," +
		"agreement.update,agreement.submit,agreement.approve,agreement.end"
	if got := strings.Join(s.auditActions("agreement", strconv.FormatInt(ag.ID, 10)), ","); got != want {
		t.Errorf("audit %s\nwant  %s", got, want)
	}
}

// problemOrOK fails with the body when the status is not want.
func (r response) problemOrOK(t testing.TB, want int) {
	t.Helper()
	if r.Code != want {
		t.Fatalf("status %d, want %d: %s", r.Code, want, r.Body.String())
	}
}

func TestAgreementIllegalTransitionsAnswer409WithCurrentStatus(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	company := s.as(actor.RoleCompany)
	officer := s.as(actor.RoleOfficer)
	ikm := s.newIKM()

	// One agreement in each state.
	draft := s.draftAgreement(company, ikm)
	submitted := s.draftAgreement(company, ikm)
	s.call(company, http.MethodPost, agreementPath(submitted.ID, "submit"), nil).problemOrOK(t, http.StatusOK)
	approved := s.draftAgreement(company, ikm)
	s.call(company, http.MethodPost, agreementPath(approved.ID, "submit"), nil).problemOrOK(t, http.StatusOK)
	s.call(officer, http.MethodPost, agreementPath(approved.ID, "approve"), nil).problemOrOK(t, http.StatusOK)

	reason := map[string]any{"reason": "alasan"}
	tests := []struct {
		name   string
		who    caller
		method string
		id     int64
		action string
		body   any
		state  string
	}{
		{"approve a draft", officer, http.MethodPost, draft.ID, "approve", nil, "draft"},
		{"reject a draft", officer, http.MethodPost, draft.ID, "reject", reason, "draft"},
		{"end a draft", officer, http.MethodPost, draft.ID, "end", reason, "draft"},
		{"revise a draft", company, http.MethodPost, draft.ID, "revise", nil, "draft"},
		{"submit twice", company, http.MethodPost, submitted.ID, "submit", nil, "submitted"},
		{"edit a submitted one", company, http.MethodPut, submitted.ID, "", validAgreement(ikm), "submitted"},
		{"end a submitted one", officer, http.MethodPost, submitted.ID, "end", reason, "submitted"},
		{"approve twice", officer, http.MethodPost, approved.ID, "approve", nil, "approved"},
		{"reject an approved one", officer, http.MethodPost, approved.ID, "reject", reason, "approved"},
		{"edit an approved one", officer, http.MethodPut, approved.ID, "", validAgreement(ikm), "approved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.count("SELECT count(*) FROM audit_events")
			p := s.call(tt.who, tt.method, agreementPath(tt.id, tt.action), tt.body).problem(http.StatusConflict)
			if p["current_status"] != tt.state || p["code"] != "agreement_state" {
				t.Errorf("problem %v, want current_status %s", p, tt.state)
			}
			if s.count("SELECT count(*) FROM agreements WHERE id = ? AND status = ?", tt.id, tt.state) != 1 || s.count("SELECT count(*) FROM audit_events") != before {
				t.Error("a refused transition changed something")
			}
		})
	}

	t.Run("document on an approved one", func(t *testing.T) {
		files := s.count("SELECT count(*) FROM files")
		p := s.upload(company, http.MethodPut, agreementPath(approved.ID, "document"), "document", "baru.pdf", samplePDF("baru")).
			problem(http.StatusConflict)
		if p["current_status"] != "approved" {
			t.Errorf("problem %v", p)
		}
		if s.count("SELECT count(*) FROM files") != files {
			t.Error("a refused upload was recorded")
		}
	})
}

func TestAgreementValidationNamesEveryFieldAndWritesNothing(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	company := s.as(actor.RoleCompany)
	officer := s.as(actor.RoleOfficer)
	ikm, inactive := s.newIKM(), s.newIKM()
	s.setIKMStatus(inactive, "inactive")
	other := s.newBusiness("hotel")

	with := func(edit func(agreementBody)) agreementBody {
		b := validAgreement(ikm)
		edit(b)
		return b
	}
	tomorrow := time.Now().In(clock.WIB).AddDate(0, 0, 2).Format(time.DateOnly)
	tests := []struct {
		name   string
		who    caller
		body   agreementBody
		fields []string
	}{
		{"no ikm", company, with(func(b agreementBody) { b["ikm_ids"] = []int64{} }), []string{"ikm_ids"}},
		{"inactive and unknown ikm", company, with(func(b agreementBody) { b["ikm_ids"] = []int64{ikm, inactive, 999999} }),
			[]string{"ikm_ids[1]", "ikm_ids[2]"}},
		{"same ikm twice", company, with(func(b agreementBody) { b["ikm_ids"] = []int64{ikm, ikm} }), []string{"ikm_ids[1]"}},
		{"end before start", company, with(func(b agreementBody) { b["end_date"] = "2025-06-30" }), []string{"end_date"}},
		{"bad dates", company, with(func(b agreementBody) { b["start_date"] = "01/07/2025"; b["agreement_date"] = "" }),
			[]string{"agreement_date", "start_date"}},
		{"agreement dated in the future", company, with(func(b agreementBody) { b["agreement_date"] = tomorrow }), []string{"agreement_date"}},
		{"no target", company, with(func(b agreementBody) { b["targets"] = map[string]any{} }), []string{"targets"}},
		{"negative target", company, with(func(b agreementBody) {
			b["targets"] = map[string]any{"purchase_value": -1, "ikm_count": 1}
		}), []string{"targets.purchase_value"}},
		{"absurd target", company, with(func(b agreementBody) {
			b["targets"] = map[string]any{"purchase_value": int64(5_000_000_000_000)}
		}), []string{"targets.purchase_value"}},
		{"unknown form and blank number", company, with(func(b agreementBody) { b["form"] = "hibah"; b["number"] = " " }),
			[]string{"form", "number"}},
		{"another company's business", company, with(func(b agreementBody) { b["business_id"] = other }), []string{"business_id"}},
		{"officer names no business", officer, validAgreement(ikm), []string{"business_id"}},
		{"officer names an unknown business", officer, with(func(b agreementBody) { b["business_id"] = 999999 }), []string{"business_id"}},
		{"wrong type", company, with(func(b agreementBody) { b["targets"] = map[string]any{"ikm_count": "dua"} }),
			[]string{"targets.ikm_count"}},
		{"payment terms out of range", company, with(func(b agreementBody) { b["payment_days"] = 365 }), []string{"payment_days"}},
		{"negative payment terms", company, with(func(b agreementBody) { b["payment_days"] = -1 }), []string{"payment_days"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := s.call(tt.who, http.MethodPost, "/api/v1/agreements", tt.body).problem(http.StatusUnprocessableEntity)
			if got := fields(p); strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("fields %v, want %v (%v)", got, tt.fields, p["errors"])
			}
			for _, e := range p["errors"].([]any) {
				if text(e.(map[string]any), "reason") == "" {
					t.Errorf("no reason in %v", e)
				}
			}
		})
	}
	if n := s.count("SELECT count(*) FROM agreements"); n != 0 {
		t.Fatalf("%d agreements written from bad input", n)
	}
	if n := s.count("SELECT count(*) FROM audit_events WHERE entity_type = 'agreement'"); n != 0 {
		t.Fatalf("%d audit events from bad input", n)
	}

	t.Run("officer records for a business", func(t *testing.T) {
		b := validAgreement(ikm)
		b["business_id"] = other
		ag := decode[agreementResponse](s.call(officer, http.MethodPost, "/api/v1/agreements", b), http.StatusCreated)
		if ag.Business.ID != other {
			t.Errorf("business %v", ag.Business)
		}
		t.Run("duplicate number is 409 naming the field", func(t *testing.T) {
			p := s.call(officer, http.MethodPost, "/api/v1/agreements", b).problem(http.StatusConflict)
			if f := fields(p); len(f) != 1 || f[0] != "number" {
				t.Errorf("fields %v", f)
			}
			if s.count("SELECT count(*) FROM agreements WHERE business_id = ?", other) != 1 {
				t.Error("duplicate written")
			}
		})
	})
}

func TestAgreementDocumentIsCheckedByContent(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, nil, clock.System{}, nil)
	company := s.as(actor.RoleCompany)
	ag := decode[agreementResponse](s.call(company, http.MethodPost, "/api/v1/agreements", validAgreement(s.newIKM())), http.StatusCreated)
	path := agreementPath(ag.ID, "document")

	big := samplePDF(strings.Repeat("x", int(s.cfg.Uploads.MaxBytes)))
	tests := []struct {
		name     string
		field    string
		filename string
		content  []byte
		status   int
		reason   string
	}{
		{"text named pdf", "document", "perjanjian.pdf", []byte("PERJANJIAN KEMITRAAN\nPihak pertama ...\n"), http.StatusUnprocessableEntity,
			"jenis berkas tidak diizinkan: hanya PDF, JPEG atau PNG"},
		{"png is not a pdf", "document", "scan.pdf", samplePNG, http.StatusUnprocessableEntity, "jenis berkas tidak diizinkan: hanya PDF"},
		{"html with a pdf header inside", "document", "x.pdf", []byte("<html>%PDF-1.4 %%EOF</html>"), http.StatusUnprocessableEntity,
			"jenis berkas tidak diizinkan: hanya PDF, JPEG atau PNG"},
		{"truncated pdf", "document", "x.pdf", []byte("%PDF-1.7\n1 0 obj"), http.StatusUnprocessableEntity, "berkas PDF tidak lengkap atau rusak"},
		{"empty", "document", "x.pdf", nil, http.StatusUnprocessableEntity, "berkas kosong"},
		{"wrong field", "berkas", "x.pdf", samplePDF("a"), http.StatusUnprocessableEntity, "kolom tidak dikenal; kirim berkas dalam kolom document"},
		{"too large", "document", "besar.pdf", big, http.StatusRequestEntityTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := s.upload(company, http.MethodPut, path, tt.field, tt.filename, tt.content).problem(tt.status)
			if tt.reason != "" {
				errs, _ := p["errors"].([]any)
				if len(errs) != 1 || errs[0].(map[string]any)["reason"] != tt.reason {
					t.Errorf("errors %v, want %q", p["errors"], tt.reason)
				}
			}
			if n := s.count("SELECT count(*) FROM files"); n != 0 {
				t.Errorf("%d files recorded", n)
			}
			if n := s.blobs(); n != 0 {
				t.Errorf("%d files left on disk", n)
			}
			if s.count("SELECT count(*) FROM agreements WHERE id = ? AND document_file_id IS NULL", ag.ID) != 1 {
				t.Error("the agreement changed")
			}
		})
	}
	t.Run("not multipart", func(t *testing.T) {
		s.call(company, http.MethodPut, path, map[string]any{"document": "JVBERi0="}).problem(http.StatusUnsupportedMediaType)
	})
	t.Run("no document yet", func(t *testing.T) {
		s.call(company, http.MethodGet, path, nil).problem(http.StatusNotFound)
	})
}

func TestAgreementScoping(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	owner := s.as(actor.RoleCompany)
	stranger := s.as(actor.RoleCompany)
	partnerIKM, otherIKM := s.newIKM(), s.newIKM()
	partner, outsider := s.asIKM(partnerIKM), s.asIKM(otherIKM)
	ag := s.draftAgreement(owner, partnerIKM)

	// A draft belongs to the company alone: not even its partner IKM sees it.
	for name, who := range map[string]caller{"another company": stranger, "the partner ikm (draft)": partner, "another ikm": outsider} {
		t.Run(name, func(t *testing.T) {
			s.call(who, http.MethodGet, agreementPath(ag.ID, ""), nil).problem(http.StatusNotFound)
			s.call(who, http.MethodGet, agreementPath(ag.ID, "document"), nil).problem(http.StatusNotFound)
			list := decode[listPage[agreementResponse]](s.call(who, http.MethodGet, "/api/v1/agreements", nil), http.StatusOK)
			if len(list.Items) != 0 {
				t.Errorf("list shows %d agreements", len(list.Items))
			}
		})
	}
	t.Run("another company cannot write it", func(t *testing.T) {
		s.call(stranger, http.MethodPut, agreementPath(ag.ID, ""), validAgreement(partnerIKM)).problem(http.StatusNotFound)
		s.call(stranger, http.MethodPost, agreementPath(ag.ID, "submit"), nil).problem(http.StatusNotFound)
		s.upload(stranger, http.MethodPut, agreementPath(ag.ID, "document"), "document", "x.pdf", samplePDF("x")).problem(http.StatusNotFound)
		if s.count("SELECT count(*) FROM agreements WHERE id = ? AND status = 'draft'", ag.ID) != 1 || s.count("SELECT count(*) FROM files") != 1 {
			t.Error("a stranger changed the agreement")
		}
	})

	s.call(owner, http.MethodPost, agreementPath(ag.ID, "submit"), nil).problemOrOK(t, http.StatusOK)
	t.Run("partner ikm sees it once submitted", func(t *testing.T) {
		list := decode[listPage[agreementResponse]](s.call(partner, http.MethodGet, "/api/v1/agreements", nil), http.StatusOK)
		if len(list.Items) != 1 || list.Items[0].ID != ag.ID {
			t.Errorf("partner list %+v", list.Items)
		}
		s.call(outsider, http.MethodGet, agreementPath(ag.ID, ""), nil).problem(http.StatusNotFound)
	})
	t.Run("lists filter and paginate", func(t *testing.T) {
		officer := s.as(actor.RoleOfficer)
		for range 2 {
			s.draftAgreement(stranger, otherIKM)
		}
		list := decode[listPage[agreementResponse]](s.call(officer, http.MethodGet, "/api/v1/agreements?status=submitted", nil), http.StatusOK)
		if len(list.Items) != 1 || list.Items[0].ID != ag.ID {
			t.Errorf("submitted filter %+v", list.Items)
		}
		first := decode[listPage[agreementResponse]](s.call(officer, http.MethodGet, "/api/v1/agreements?limit=2", nil), http.StatusOK)
		if len(first.Items) != 2 || first.NextCursor == nil {
			t.Fatalf("first page %+v", first)
		}
		second := decode[listPage[agreementResponse]](s.call(officer, http.MethodGet,
			"/api/v1/agreements?limit=2&cursor="+strconv.FormatInt(*first.NextCursor, 10), nil), http.StatusOK)
		if len(second.Items) != 1 || second.NextCursor != nil || second.Items[0].ID >= first.Items[1].ID {
			t.Errorf("second page %+v", second)
		}
		own := decode[listPage[agreementResponse]](s.call(stranger, http.MethodGet, "/api/v1/agreements", nil), http.StatusOK)
		if len(own.Items) != 2 {
			t.Errorf("stranger sees %d, want its own 2", len(own.Items))
		}
		p := s.call(officer, http.MethodGet, "/api/v1/agreements?status=aktif&limit=0", nil).problem(http.StatusUnprocessableEntity)
		if f := fields(p); strings.Join(f, ",") != "limit" && strings.Join(f, ",") != "status" {
			t.Errorf("fields %v", f)
		}
	})
}
