package api

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/cmptest"
	"kemitraan/app/platform/config"
)

func (s *testServer) countRows(table string, where ...any) int64 {
	s.t.Helper()
	var n int64
	q := s.db.Table(table)
	if len(where) > 0 {
		q = q.Where(where[0], where[1:]...)
	}
	if err := q.Count(&n).Error; err != nil {
		s.t.Fatal(err)
	}
	return n
}

// upload sends data as the multipart field "file" with c's token.
func (s *testServer) uploadTable(c caller, path, name string, data []byte) response {
	s.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", name)
	if err != nil {
		s.t.Fatal(err)
	}
	part.Write(data)
	w.Close()
	return s.do(http.MethodPost, path, &body, "Content-Type", w.FormDataContentType(), "Authorization", "Bearer "+c.token)
}

func TestBusinessRegistryAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	officer := s.as(actor.RoleOfficer)
	estate := decode[businessResponse](s.call(officer, http.MethodPost, "/api/v1/businesses", map[string]any{
		"nib": "9140000000001", "name": "PT Kawasan Uji", "category": "industrial_estate", "kecamatan_code": "3216060",
	}), http.StatusCreated)
	created := decode[businessResponse](s.call(officer, http.MethodPost, "/api/v1/businesses", map[string]any{
		"nib": "9140000000002", "name": "PT Pabrik Uji", "category": "factory", "kecamatan_code": "3216060",
		"parent_id": estate.ID, "kbli": []string{"24101"}, "employee_count": 250,
		"contact_phone": "0812 3456 7890", "contact_email": "uji@contoh.co.id", "registered_at": "2024-02-01",
	}), http.StatusCreated)
	wantCreated := businessResponse{ParentID: new(estate.ID), ParentName: new("PT Kawasan Uji"), ContactPhone: "+6281234567890",
		RegisteredAt: "2024-02-01", KecamatanName: "Cikarang Utara", Status: "active", KBLI: []string{"24101"}}
	if diff := cmp.Diff(wantCreated, created, cmptest.Only[businessResponse]("ParentID", "ParentName", "ContactPhone",
		"RegisteredAt", "KecamatanName", "Status", "KBLI")); diff != "" {
		t.Fatalf("created (-want +got):\n%s", diff)
	}
	var actorID int64
	s.db.Raw(`SELECT actor_user_id FROM audit_events WHERE action = 'business.create' AND entity_id = ?`,
		strconv.FormatInt(created.ID, 10)).Row().Scan(&actorID)
	if actorID != officer.userID {
		t.Errorf("audit event names user %d, want the officer %d", actorID, officer.userID)
	}

	path := fmt.Sprintf("/api/v1/businesses/%d", created.ID)
	t.Run("scoping", func(t *testing.T) {
		if r := s.call(s.asCompany(created.ID), http.MethodGet, path, nil); r.Code != http.StatusOK {
			t.Errorf("own business: %d", r.Code)
		}
		p := s.call(s.asCompany(estate.ID), http.MethodGet, path, nil).problem(http.StatusNotFound)
		if p["code"] != "business_not_found" {
			t.Errorf("another business: %v", p)
		}
		list := decode[businessList](s.call(s.asCompany(created.ID), http.MethodGet, "/api/v1/businesses", nil), http.StatusOK)
		if list.Total != 1 || list.Items[0].ID != created.ID {
			t.Errorf("a company's list: %+v", list)
		}
	})
	t.Run("update and deactivate", func(t *testing.T) {
		upd := decode[businessResponse](s.call(officer, http.MethodPut, path, map[string]any{
			"nib": "9140000000002", "name": "PT Pabrik Uji Baru", "category": "factory", "kecamatan_code": "3216071",
		}), http.StatusOK)
		wantUpd := businessResponse{Name: "PT Pabrik Uji Baru", ParentID: nil, RegisteredAt: "2024-02-01", KecamatanName: "Cikarang Barat"}
		if diff := cmp.Diff(wantUpd, upd,
			cmptest.Only[businessResponse]("Name", "ParentID", "RegisteredAt", "KecamatanName")); diff != "" {
			t.Errorf("updated (-want +got):\n%s", diff)
		}
		closed := decode[businessResponse](s.call(officer, http.MethodPost, path+"/deactivate", nil), http.StatusOK)
		if closed.Status != "closed" {
			t.Errorf("deactivated %+v", closed)
		}
		p := s.call(officer, http.MethodPost, path+"/deactivate", nil).problem(http.StatusConflict)
		if p["code"] != "business_already_closed" || p["current_status"] != "closed" {
			t.Errorf("second deactivation: %v", p)
		}
	})
	t.Run("list filters and pagination", func(t *testing.T) {
		for i := range 25 {
			s.call(officer, http.MethodPost, "/api/v1/businesses", map[string]any{
				"nib": fmt.Sprintf("91400000001%02d", i), "name": fmt.Sprintf("PT Hotel %02d", i), "category": "hotel",
				"kecamatan_code": "3216080",
			})
		}
		page := decode[businessList](s.call(officer, http.MethodGet,
			"/api/v1/businesses?category=hotel&kecamatan=Tambun%20Selatan&sort=-name&page=2&per_page=10", nil), http.StatusOK)
		if diff := cmp.Diff(businessList{Total: 25, Page: 2, PerPage: 10}, page,
			cmptest.Only[businessList]("Total", "Page", "PerPage")); diff != "" {
			t.Errorf("page (-want +got):\n%s", diff)
		}
		if len(page.Items) != 10 || page.Items[0].Name != "PT Hotel 14" {
			t.Errorf("%d items, first %q; want 10, first \"PT Hotel 14\"", len(page.Items), page.Items[0].Name)
		}
		p := s.call(officer, http.MethodGet, "/api/v1/businesses?per_page=500&category=bank&sort=secret", nil).
			problem(http.StatusUnprocessableEntity)
		if got := fields(p); !slices.Equal(got, []string{"per_page"}) {
			t.Errorf("fields %v", got)
		}
		p = s.call(officer, http.MethodGet, "/api/v1/businesses?category=bank&sort=secret", nil).problem(http.StatusUnprocessableEntity)
		if got := fields(p); !slices.Equal(got, []string{"category", "sort"}) {
			t.Errorf("fields %v", got)
		}
	})
}

func TestBusinessWritesRefuseBadInput(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	officer := s.as(actor.RoleOfficer)
	existing := decode[businessResponse](s.call(officer, http.MethodPost, "/api/v1/businesses", map[string]any{
		"nib": "9150000000001", "name": "PT Ada", "category": "hotel", "kecamatan_code": "3216060",
	}), http.StatusCreated)
	businesses, events := s.countRows("businesses"), s.countRows("audit_events")
	valid := func(change map[string]any) map[string]any {
		b := map[string]any{"nib": "9150000000002", "name": "PT Baru", "category": "hotel", "kecamatan_code": "3216060"}
		for k, v := range change {
			b[k] = v
		}
		return b
	}
	tests := []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"NIB of 12 digits", valid(map[string]any{"nib": "915000000000"}), 422, []string{"nib"}},
		{"unknown category", valid(map[string]any{"category": "bank"}), 422, []string{"category"}},
		{"unknown kecamatan", valid(map[string]any{"kecamatan_code": "9999999"}), 422, []string{"kecamatan_code"}},
		{"negative employees", valid(map[string]any{"employee_count": -3}), 422, []string{"employee_count"}},
		{"employees beyond an integer", valid(map[string]any{"employee_count": 1e12}), 422, []string{"employee_count"}},
		{"a fraction of an employee", valid(map[string]any{"employee_count": 2.5}), 422, []string{"employee_count"}},
		{"foreign phone", valid(map[string]any{"contact_phone": "+1 202 555 0100"}), 422, []string{"contact_phone"}},
		{"bad e-mail", valid(map[string]any{"contact_email": "tanpa-at"}), 422, []string{"contact_email"}},
		{"a hotel with a parent", valid(map[string]any{"parent_id": existing.ID}), 422, []string{"parent_id"}},
		{"NUL in a name", valid(map[string]any{"name": "PT \u0000"}), 422, []string{"name"}},
		{"unknown field", valid(map[string]any{"verified": true}), 422, []string{"verified"}},
		{"wrong type", valid(map[string]any{"kbli": "24101"}), 422, []string{"kbli"}},
		{"missing everything", map[string]any{}, 422, []string{"nib", "name", "category", "kecamatan_code"}},
		{"duplicate NIB", valid(map[string]any{"nib": existing.NIB}), 409, []string{"nib"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := s.call(officer, http.MethodPost, "/api/v1/businesses", tt.body).problem(tt.status)
			if got := fields(p); !slices.Equal(got, tt.fields) {
				t.Errorf("fields %v, want %v", got, tt.fields)
			}
			for _, e := range p["errors"].([]any) {
				if reason := e.(map[string]any)["reason"].(string); reason == "" {
					t.Errorf("a field error without a reason: %v", e)
				}
			}
		})
	}
	t.Run("malformed JSON", func(t *testing.T) {
		r := s.do(http.MethodPost, "/api/v1/businesses", strings.NewReader(`{"nib":`),
			"Content-Type", "application/json", "Authorization", "Bearer "+officer.token)
		r.problem(http.StatusBadRequest)
	})
	t.Run("update to another's NIB", func(t *testing.T) {
		other := decode[businessResponse](s.call(officer, http.MethodPost, "/api/v1/businesses", valid(nil)), http.StatusCreated)
		businesses, events = businesses+1, events+1
		p := s.call(officer, http.MethodPut, fmt.Sprintf("/api/v1/businesses/%d", other.ID),
			valid(map[string]any{"nib": existing.NIB})).problem(http.StatusConflict)
		if p["code"] != "nib_taken" || !slices.Equal(fields(p), []string{"nib"}) {
			t.Errorf("problem %v", p)
		}
	})
	if s.countRows("businesses") != businesses || s.countRows("audit_events") != events {
		t.Error("refused writes changed the database")
	}
	t.Run("unknown and malformed ids", func(t *testing.T) {
		for _, path := range []string{"/api/v1/businesses/999999", "/api/v1/businesses/abc", "/api/v1/businesses/-1"} {
			s.call(officer, http.MethodGet, path, nil).problem(http.StatusNotFound)
		}
	})
}

func TestIKMRegistryAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	officer := s.as(actor.RoleOfficer)
	created := decode[ikmResponse](s.call(officer, http.MethodPost, "/api/v1/ikms", map[string]any{
		"nib": "8140000000001", "name": "Batik Uji", "owner_name": "Siti", "sector": "batik",
		"kecamatan_code": "3216080", "phone": "62-813-1000-0001", "monthly_capacity": 6000000,
	}), http.StatusCreated)
	wantCreated := ikmResponse{Phone: "+6281310000001", Email: nil, Verified: false, VerifiedAt: nil}
	if diff := cmp.Diff(wantCreated, created,
		cmptest.Only[ikmResponse]("Phone", "Email", "Verified", "VerifiedAt")); diff != "" {
		t.Fatalf("created (-want +got):\n%s", diff)
	}
	path := fmt.Sprintf("/api/v1/ikms/%d", created.ID)

	t.Run("only an officer verifies", func(t *testing.T) {
		for _, c := range []caller{s.asIKM(created.ID), s.as(actor.RoleCompany), s.as(actor.RoleAdmin)} {
			p := s.call(c, http.MethodPost, path+"/verify", map[string]any{"verified": true}).problem(http.StatusForbidden)
			if p["code"] != "forbidden" || p["detail"] == "" {
				t.Errorf("problem %v", p)
			}
		}
		p := s.call(officer, http.MethodPut, path, map[string]any{
			"nib": "8140000000001", "name": "Batik Uji", "sector": "batik", "kecamatan_code": "3216080", "verified": true,
		}).problem(http.StatusUnprocessableEntity)
		if !slices.Equal(fields(p), []string{"verified"}) {
			t.Errorf("verified through an update: %v", p)
		}
		p = s.call(officer, http.MethodPost, path+"/verify", map[string]any{}).problem(http.StatusUnprocessableEntity)
		if !slices.Equal(fields(p), []string{"verified"}) {
			t.Errorf("verify without a value: %v", p)
		}
		v := decode[ikmResponse](s.call(officer, http.MethodPost, path+"/verify", map[string]any{"verified": true}), http.StatusOK)
		if diff := cmp.Diff(ikmResponse{Verified: true, VerifiedBy: new(officer.userID)}, v,
			cmptest.Only[ikmResponse]("Verified", "VerifiedBy")); diff != "" {
			t.Errorf("verified (-want +got):\n%s", diff)
		}
		if v.VerifiedAt == nil {
			t.Errorf("verified without verified_at: %+v", v)
		}
		p = s.call(officer, http.MethodPost, path+"/verify", map[string]any{"verified": true}).problem(http.StatusConflict)
		if p["verified"] != true {
			t.Errorf("second verification: %v", p)
		}
	})
	t.Run("scoping", func(t *testing.T) {
		if r := s.call(s.asIKM(created.ID), http.MethodGet, path, nil); r.Code != http.StatusOK {
			t.Errorf("own IKM: %d", r.Code)
		}
		s.call(s.as(actor.RoleIKM), http.MethodGet, path, nil).problem(http.StatusNotFound)
		s.call(s.as(actor.RoleCompany), http.MethodGet, path, nil).problem(http.StatusNotFound)
	})
	t.Run("update keeps verification, deactivate", func(t *testing.T) {
		upd := decode[ikmResponse](s.call(officer, http.MethodPut, path, map[string]any{
			"nib": "8140000000001", "name": "Batik Uji", "sector": "batik", "kecamatan_code": "3216080",
			"email": "batik@contoh.id",
		}), http.StatusOK)
		if diff := cmp.Diff(ikmResponse{Verified: true, Email: new("batik@contoh.id"), Phone: ""}, upd,
			cmptest.Only[ikmResponse]("Verified", "Email", "Phone")); diff != "" {
			t.Errorf("updated (-want +got):\n%s", diff)
		}
		d := decode[ikmResponse](s.call(officer, http.MethodPost, path+"/deactivate", nil), http.StatusOK)
		if d.Status != "inactive" {
			t.Errorf("deactivated %+v", d)
		}
		list := decode[ikmList](s.call(officer, http.MethodGet, "/api/v1/ikms?status=inactive&verified=true&sector=batik", nil), http.StatusOK)
		if list.Total != 1 || list.Items[0].ID != created.ID {
			t.Errorf("list %+v", list)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		ikms := s.countRows("ikms")
		p := s.call(officer, http.MethodPost, "/api/v1/ikms", map[string]any{
			"nib": "8140000000002", "name": "X", "sector": "otomotif", "kecamatan_code": "3216080",
			"phone": "0812", "email": "x@", "monthly_capacity": -1,
		}).problem(http.StatusUnprocessableEntity)
		if got := fields(p); !slices.Equal(got, []string{"sector", "phone", "email", "monthly_capacity"}) {
			t.Errorf("fields %v", got)
		}
		s.call(officer, http.MethodGet, "/api/v1/ikms?verified=mungkin", nil).problem(http.StatusUnprocessableEntity)
		if s.countRows("ikms") != ikms {
			t.Error("a refused create wrote an IKM")
		}
	})
	t.Run("kecamatan", func(t *testing.T) {
		list := decode[[]kecamatanResponse](s.call(s.as(actor.RoleIKM), http.MethodGet, "/api/v1/kecamatan", nil), http.StatusOK)
		if len(list) != 23 {
			t.Errorf("%d kecamatan", len(list))
		}
	})
}

// registryCSV is n valid business rows; row bad (1-based, 0 for none) names
// an unknown kecamatan.
func registryCSV(n, bad int) []byte {
	var b strings.Builder
	b.WriteString("NIB,Nama,Kategori,Kecamatan,Jumlah Karyawan\n")
	for i := 1; i <= n; i++ {
		kec := "Cikarang Utara"
		if i == bad {
			kec = "Kecamatan Fiktif"
		}
		fmt.Fprintf(&b, "%013d,PT Impor %d,hotel,%s,%d\n", 9160000000000+int64(i), i, kec, i)
	}
	return []byte(b.String())
}

func TestRegistryImportAPI(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, nil, clock.System{}, func(c *config.Config) { c.Uploads.MaxBytes = 64 << 10 })
	officer := s.as(actor.RoleOfficer)
	businesses := s.countRows("businesses")

	t.Run("one bad row among 500 refuses the file", func(t *testing.T) {
		p := s.uploadTable(officer, "/api/v1/businesses/import", "usaha.csv", registryCSV(500, 317)).problem(http.StatusUnprocessableEntity)
		errs := p["errors"].([]any)
		if len(errs) != 1 {
			t.Fatalf("errors %v", errs)
		}
		e := errs[0].(map[string]any)
		if e["line"] != float64(318) || e["field"] != "Kecamatan" || !strings.Contains(e["reason"].(string), "Kecamatan Fiktif") {
			t.Errorf("error %v, want line 318, column Kecamatan", e)
		}
		if p["code"] != "import_invalid" || p["invalid_rows"] != float64(1) {
			t.Errorf("problem %v", p)
		}
		if s.countRows("businesses") != businesses || s.countRows("audit_events", "action = 'business.import'") != 0 {
			t.Error("a refused import wrote something")
		}
	})
	t.Run("a dry run counts and writes nothing", func(t *testing.T) {
		res := decode[registryImportResponse](s.uploadTable(officer, "/api/v1/businesses/import?dry_run=true", "usaha.csv",
			registryCSV(500, 0)), http.StatusOK)
		if res != (registryImportResponse{Format: "csv", Rows: 500, Inserted: 500, DryRun: true}) {
			t.Errorf("result %+v", res)
		}
		if s.countRows("businesses") != businesses {
			t.Error("a dry run wrote businesses")
		}
	})
	t.Run("a valid file is imported", func(t *testing.T) {
		res := decode[registryImportResponse](s.uploadTable(officer, "/api/v1/businesses/import", "usaha.csv", registryCSV(500, 0)), http.StatusOK)
		if res != (registryImportResponse{Format: "csv", Rows: 500, Inserted: 500}) {
			t.Errorf("result %+v", res)
		}
		if s.countRows("businesses") != businesses+500 || s.countRows("audit_events", "action = 'business.import'") != 1 {
			t.Error("rows or audit event missing")
		}
	})
	t.Run("XLSX sent as the whole body", func(t *testing.T) {
		wb := excelize.NewFile()
		for i, row := range [][]any{
			{"nib", "nama", "sektor", "kecamatan", "telepon", "kapasitas_bulanan"},
			{8160000000001, "Anyaman Impor", "anyaman", "Sukatani", "0813-5555-0001", 4500000},
			{"8160000000002", "Dodol Impor", "makanan", "3216100", "", "Rp 2.000.000"},
		} {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			wb.SetSheetRow("Sheet1", cell, &row)
		}
		var buf bytes.Buffer
		wb.Write(&buf)
		r := s.do(http.MethodPost, "/api/v1/ikms/import", &buf, "Content-Type", xlsxMIME, "Authorization", "Bearer "+officer.token)
		res := decode[registryImportResponse](r, http.StatusOK)
		if res.Format != "xlsx" || res.Inserted != 2 {
			t.Errorf("result %+v", res)
		}
		var phone string
		s.db.Raw(`SELECT phone FROM ikms WHERE nib = '8160000000001'`).Row().Scan(&phone)
		if phone != "+6281355550001" {
			t.Errorf("phone %q", phone)
		}
	})
	t.Run("duplicate NIB inside the file", func(t *testing.T) {
		data := []byte("nib,nama,sektor,kecamatan\n8160000000010,A,batik,Setu\n8160000000010,B,batik,Setu\n")
		p := s.uploadTable(officer, "/api/v1/ikms/import", "ikm.csv", data).problem(http.StatusUnprocessableEntity)
		e := p["errors"].([]any)[0].(map[string]any)
		if e["line"] != float64(3) || e["field"] != "nib" {
			t.Errorf("error %v", e)
		}
	})
	t.Run("refused uploads", func(t *testing.T) {
		big := registryCSV(3000, 0) // well over the 64 KiB limit of this server
		tests := []struct {
			name   string
			send   func() response
			status int
			field  string
		}{
			{"oversized multipart", func() response { return s.uploadTable(officer, "/api/v1/ikms/import", "besar.csv", big) }, 413, ""},
			{"a file just over the limit inside the envelope", func() response {
				return s.uploadTable(officer, "/api/v1/ikms/import", "besar.csv", registryCSV(1800, 0))
			}, 413, "file"},
			{"oversized body", func() response {
				return s.do(http.MethodPost, "/api/v1/businesses/import", bytes.NewReader(big),
					"Content-Type", "text/csv", "Authorization", "Bearer "+officer.token)
			}, 413, ""},
			{"an image named .csv", func() response {
				return s.uploadTable(officer, "/api/v1/ikms/import", "ikm.csv", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
			}, 415, "file"},
			{"an empty file", func() response { return s.uploadTable(officer, "/api/v1/ikms/import", "ikm.csv", nil) }, 422, "file"},
			{"no file part", func() response {
				var body bytes.Buffer
				w := multipart.NewWriter(&body)
				w.WriteField("catatan", "tanpa berkas")
				w.Close()
				return s.do(http.MethodPost, "/api/v1/ikms/import", &body, "Content-Type", w.FormDataContentType(),
					"Authorization", "Bearer "+officer.token)
			}, 422, "catatan"},
			{"a form instead of a file", func() response {
				return s.do(http.MethodPost, "/api/v1/ikms/import", strings.NewReader("a=b"),
					"Content-Type", "application/x-www-form-urlencoded", "Authorization", "Bearer "+officer.token)
			}, 415, "file"},
			{"unknown header", func() response {
				return s.uploadTable(officer, "/api/v1/ikms/import", "ikm.csv", []byte("nib,nama,warna\n1,2,3\n"))
			}, 422, "warna"},
			{"bad dry_run", func() response {
				return s.uploadTable(officer, "/api/v1/ikms/import?dry_run=mungkin", "ikm.csv", registryCSV(1, 0))
			}, 422, "dry_run"},
		}
		ikms := s.countRows("ikms")
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := tt.send().problem(tt.status)
				if tt.field != "" && !slices.Contains(fields(p), tt.field) {
					t.Errorf("fields %v, want %s", fields(p), tt.field)
				}
			})
		}
		if s.countRows("ikms") != ikms {
			t.Error("a refused upload wrote IKM")
		}
	})
}
