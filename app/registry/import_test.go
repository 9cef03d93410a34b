package registry_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"kemitraan/app/platform/cmptest"
	"kemitraan/app/platform/fault"
	"kemitraan/app/registry"
)

// businessCSV writes n valid business rows; bad, when set, spoils data row
// i (1-based) by changing its line.
func businessCSV(n int, bad map[int]func(string) string) []byte {
	var b strings.Builder
	b.WriteString("nib,nama,kategori,kecamatan,kbli,jumlah_karyawan,telepon_kontak,tanggal_terdaftar\n")
	for i := 1; i <= n; i++ {
		line := fmt.Sprintf("%013d,PT Impor %d,hotel,3216060,\"55110, 56101\",%d,0812-3456-%04d,2024-01-15", 9130000000000+int64(i), i, i, i)
		if f, ok := bad[i]; ok {
			line = f(line)
		}
		b.WriteString(line + "\n")
	}
	return []byte(b.String())
}

func importErrors(t *testing.T, err error) []fault.FieldError {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.KindInvalid {
		t.Fatalf("error %v, want a validation fault", err)
	}
	return fe.Fields
}

func TestImportIsAllOrNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Row 317 of 500 names a kecamatan that does not exist: line 318, as the
	// header is line 1.
	data := businessCSV(500, map[int]func(string) string{
		317: func(l string) string { return strings.Replace(l, ",3216060,", ",Atlantis,", 1) },
	})
	_, err := f.svc.ImportBusinesses(officer, registry.ImportFile{Name: "usaha.csv", Data: data}, false)
	errs := importErrors(t, err)
	if diff := cmp.Diff([]fault.FieldError{{Line: 318, Field: "kecamatan"}}, errs,
		cmptest.Only[fault.FieldError]("Line", "Field")); diff != "" {
		t.Fatalf("errors, want one on line 318, column kecamatan (-want +got):\n%s", diff)
	}
	if !strings.Contains(errs[0].Reason, "Atlantis") {
		t.Fatalf("reason %q does not name the value", errs[0].Reason)
	}
	if fe, _ := fault.As(err); fe.Extra["invalid_rows"] != 1 {
		t.Errorf("extra %v", fe.Extra)
	}
	if n := f.count("businesses"); n != 0 {
		t.Fatalf("%d businesses written from a refused file", n)
	}
	if n := f.count("audit_events"); n != 0 {
		t.Fatalf("%d audit events from a refused file", n)
	}

	res, err := f.svc.ImportBusinesses(officer, registry.ImportFile{Name: "usaha.csv", Data: businessCSV(500, nil)}, false)
	if err != nil {
		t.Fatal(err)
	}
	if res != (registry.ImportResult{Format: "csv", Rows: 500, Inserted: 500}) {
		t.Fatalf("result %+v", res)
	}
	if n := f.count("businesses"); n != 500 {
		t.Fatalf("%d businesses", n)
	}
	var b registry.Business
	if b, err = f.svc.GetBusiness(officer, f.idOf("businesses", "9130000000007")); err != nil {
		t.Fatal(err)
	}
	wantB := registry.Business{ContactPhone: "+6281234560007", KBLI: []string{"55110", "56101"}, EmployeeCount: 7,
		Status: "active", RegisteredAt: time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)}
	if diff := cmp.Diff(wantB, b, asDate,
		cmptest.Only[registry.Business]("ContactPhone", "KBLI", "EmployeeCount", "Status", "RegisteredAt")); diff != "" {
		t.Errorf("imported (-want +got):\n%s", diff)
	}
	var rows, inserted int
	f.db.Raw(`SELECT (after->>'rows')::int, jsonb_array_length(after->'inserted_nibs') FROM audit_events WHERE action = 'business.import'`).
		Row().Scan(&rows, &inserted)
	if rows != 500 || inserted != 500 {
		t.Errorf("audit event rows %d inserted %d", rows, inserted)
	}

	t.Run("importing again changes nothing", func(t *testing.T) {
		res, err := f.svc.ImportBusinesses(officer, registry.ImportFile{Name: "usaha.csv", Data: businessCSV(500, nil)}, false)
		if err != nil || res.Unchanged != 500 || res.Inserted+res.Updated != 0 {
			t.Fatalf("result %+v, %v", res, err)
		}
	})
	t.Run("changed rows are updated, new ones inserted", func(t *testing.T) {
		data := businessCSV(502, map[int]func(string) string{
			3: func(l string) string { return strings.Replace(l, "PT Impor 3,", "PT Impor Tiga,", 1) },
			9: func(l string) string { return strings.Replace(l, ",hotel,", ",restoran,", 1) },
		})
		res, err := f.svc.ImportBusinesses(officer, registry.ImportFile{Name: "usaha.csv", Data: data}, false)
		if err != nil || res.Inserted != 2 || res.Updated != 2 || res.Unchanged != 498 {
			t.Fatalf("result %+v, %v", res, err)
		}
		got, _ := f.svc.GetBusiness(officer, f.idOf("businesses", "9130000000009"))
		if got.Category != "restaurant" {
			t.Errorf("category %q", got.Category)
		}
	})
}

func TestImportDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.business(validBusiness("9130000000001")) // the file updates this one
	events := f.count("audit_events")
	res, err := f.svc.ImportBusinesses(officer, registry.ImportFile{Name: "usaha.csv", Data: businessCSV(20, nil)}, true)
	if err != nil {
		t.Fatal(err)
	}
	if res != (registry.ImportResult{Format: "csv", Rows: 20, Inserted: 19, Updated: 1, DryRun: true}) {
		t.Errorf("result %+v", res)
	}
	if f.count("businesses") != 1 || f.count("audit_events") != events {
		t.Error("a dry run wrote something")
	}
	var name string
	f.db.Table("businesses").Where("nib = ?", "9130000000001").Pluck("name", &name)
	if name != "PT Uji Coba" {
		t.Errorf("a dry run changed a business: %q", name)
	}
	t.Run("a bad file in a dry run is refused the same way", func(t *testing.T) {
		data := businessCSV(5, map[int]func(string) string{2: func(l string) string { return "123" + l[3:] + ",ekstra" }})
		_, err := f.svc.ImportBusinesses(officer, registry.ImportFile{Data: data}, true)
		if errs := importErrors(t, err); len(errs) != 1 || errs[0].Line != 3 || errs[0].Field != "file" {
			t.Errorf("errors %+v", errs)
		}
	})
}

func TestImportReportsEveryBadRow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hotel := validBusiness("9120000000901")
	f.business(hotel)
	type want struct {
		line   int
		column string
	}
	tests := []struct {
		name string
		csv  string
		want []want
	}{
		{"duplicate NIB inside the file",
			"nib,nama,kategori,kecamatan\n9130000000001,PT A,hotel,Setu\n9130000000002,PT B,hotel,Setu\n9130000000001,PT C,hotel,Setu\n",
			[]want{{4, "nib"}}},
		{"each bad cell named by its column as written",
			"NIB,Nama Usaha,Kategori,Kecamatan,Jumlah Karyawan,Email Kontak,Tanggal Terdaftar,KBLI\n" +
				"91300000000,PT A,hotel,Setu,10,a@b.id,2024-01-01,55110\n" + // short NIB
				"9130000000002,,bank,Setu,x,bukan-email,32/01/2024,551\n" +
				"9130000000003,PT C,hotel,Setu,-4,,2099-01-01,\n",
			[]want{{2, "NIB"}, {3, "Nama Usaha"}, {3, "Kategori"}, {3, "Jumlah Karyawan"}, {3, "Email Kontak"},
				{3, "Tanggal Terdaftar"}, {3, "KBLI"}, {4, "Jumlah Karyawan"}, {4, "Tanggal Terdaftar"}}},
		{"unknown and missing columns stop at the header",
			"nib,nama,warna,kecamatan\n9130000000001,PT A,merah,Setu\n",
			[]want{{1, "warna"}, {1, "kategori"}}},
		{"parents must be estates and only factories have one",
			"nib,nama,kategori,kecamatan,nib_induk\n" +
				"9130000000001,PT Kawasan,kawasan industri,Setu,\n" +
				"9130000000002,PT Pabrik,pabrik,Setu,9130000000001\n" + // fine: the estate is in the file
				"9130000000003,PT Pabrik Dua,pabrik,Setu," + hotel.NIB + "\n" + // a hotel is no estate
				"9130000000004,PT Hotel,hotel,Setu,9130000000001\n" + // a hotel has no parent
				"9130000000005,PT Pabrik Tiga,pabrik,Setu,9139999999999\n" + // unknown
				"9130000000006,PT Pabrik Empat,pabrik,Setu,9130000000006\n", // itself
			[]want{{4, "nib_induk"}, {5, "nib_induk"}, {6, "nib_induk"}, {7, "nib_induk"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.count("businesses")
			_, err := f.svc.ImportBusinesses(officer, registry.ImportFile{Data: []byte(tt.csv)}, false)
			errs := importErrors(t, err)
			var got []want
			for _, e := range errs {
				got = append(got, want{e.Line, e.Field})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("errors %+v\nwant %v", errs, tt.want)
			}
			if f.count("businesses") != before {
				t.Error("a refused file wrote businesses")
			}
		})
	}
}

func TestImportEstatesAndFactories(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	estate := validBusiness("9130000000001")
	estate.Category = "industrial_estate"
	e := f.business(estate)
	factory := validBusiness("9130000000002")
	factory.Category, factory.ParentID = "factory", &e.ID
	fb := f.business(factory)

	t.Run("an estate with factories cannot stop being one", func(t *testing.T) {
		_, err := f.svc.ImportBusinesses(officer, registry.ImportFile{
			Data: []byte("nib,nama,kategori,kecamatan\n9130000000001,PT Kawasan,hotel,Setu\n")}, false)
		if errs := importErrors(t, err); len(errs) != 1 || errs[0].Field != "kategori" || errs[0].Line != 2 {
			t.Errorf("errors %+v", errs)
		}
	})
	t.Run("unless the same file moves the factories out", func(t *testing.T) {
		res, err := f.svc.ImportBusinesses(officer, registry.ImportFile{Data: []byte(
			"nib,nama,kategori,kecamatan,nib_induk\n9130000000001,PT Kawasan,hotel,Setu,\n9130000000002,PT Pabrik,pabrik,Setu,\n")}, false)
		if err != nil || res.Updated != 2 {
			t.Fatalf("result %+v, %v", res, err)
		}
		got, _ := f.svc.GetBusiness(officer, fb.ID)
		if got.ParentID != nil || got.Name != "PT Pabrik" {
			t.Errorf("factory %+v", got)
		}
	})
}

func TestImportXLSX(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	wb := excelize.NewFile()
	rows := [][]any{
		{"NIB", "Nama", "Kategori", "Kecamatan", "NIB Induk", "Tanggal Terdaftar", "Telepon Kontak"},
		{9130000000001, "PT Kawasan Baru", "Kawasan Industri", "Kec. Cikarang Utara", nil, 45292, 81298765432},
		{"9130000000002", "PT Pabrik Baru", "pabrik", "3216060", "9130000000001", "15/02/2024", "021-8901234"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := wb.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := wb.Write(&buf); err != nil {
		t.Fatal(err)
	}
	// The name says CSV; the content decides.
	res, err := f.svc.ImportBusinesses(officer, registry.ImportFile{Name: "daftar.csv", Data: buf.Bytes()}, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "xlsx" || res.Inserted != 2 {
		t.Fatalf("result %+v", res)
	}
	estate, _ := f.svc.GetBusiness(officer, f.idOf("businesses", "9130000000001"))
	factory, _ := f.svc.GetBusiness(officer, f.idOf("businesses", "9130000000002"))
	wantEstate := registry.Business{Category: "industrial_estate", KecamatanCode: "3216060",
		RegisteredAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), ContactPhone: "+6281298765432"}
	if diff := cmp.Diff(wantEstate, estate, asDate,
		cmptest.Only[registry.Business]("Category", "KecamatanCode", "RegisteredAt", "ContactPhone")); diff != "" {
		t.Errorf("estate (-want +got):\n%s", diff)
	}
	wantFactory := registry.Business{ParentID: &estate.ID, RegisteredAt: time.Date(2024, 2, 15, 0, 0, 0, 0, time.UTC),
		ContactPhone: "+62218901234"}
	if diff := cmp.Diff(wantFactory, factory, asDate,
		cmptest.Only[registry.Business]("ParentID", "RegisteredAt", "ContactPhone")); diff != "" {
		t.Errorf("factory (-want +got):\n%s", diff)
	}
}

func TestImportIKMs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	existing := f.ikm(validIKM("8130000000001"))
	if _, err := f.svc.VerifyIKM(officer, existing.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.DeactivateIKM(officer, existing.ID); err != nil {
		t.Fatal(err)
	}
	// Semicolons, as a spreadsheet in an Indonesian locale writes them.
	data := "nib;nama;pemilik;sektor;kecamatan;telepon;email;kapasitas_bulanan;status\n" +
		"8130000000001;Batik Uji Baru;Siti;Batik;Tambun Selatan;0813-1000-0001;;Rp 6.000.000,00;\n" +
		"8130000000002;Anyaman Baru;Dadang;anyaman;3216120;+62 813 1000 0002;dadang@contoh.id;4500000;aktif\n"
	res, err := f.svc.ImportIKMs(officer, registry.ImportFile{Name: "ikm.csv", Data: []byte(data)}, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != 1 || res.Updated != 1 {
		t.Fatalf("result %+v", res)
	}
	got, _ := f.svc.GetIKM(officer, existing.ID)
	wantGot := registry.IKM{Name: "Batik Uji Baru", Verified: true, Status: "inactive", MonthlyCapacity: 6_000_000, Email: nil}
	if diff := cmp.Diff(wantGot, got,
		cmptest.Only[registry.IKM]("Name", "Verified", "Status", "MonthlyCapacity", "Email")); diff != "" {
		t.Errorf("updated IKM: verification and status must survive an import (-want +got):\n%s", diff)
	}
	fresh, _ := f.svc.GetIKM(officer, f.idOf("ikms", "8130000000002"))
	wantFresh := registry.IKM{Phone: "+6281310000002", Email: new("dadang@contoh.id"), Verified: false, Status: "active"}
	if diff := cmp.Diff(wantFresh, fresh,
		cmptest.Only[registry.IKM]("Phone", "Email", "Verified", "Status")); diff != "" {
		t.Errorf("new IKM (-want +got):\n%s", diff)
	}

	bad := "nib,nama,sektor,kecamatan,telepon,kapasitas_bulanan,kontak_publik\n" +
		"8130000000003,IKM A,otomotif,Setu,0812,-5,mungkin\n" +
		"8130000000003,IKM B,batik,Setu,,1.5,ya\n"
	_, err = f.svc.ImportIKMs(officer, registry.ImportFile{Data: []byte(bad)}, false)
	var got2 []string
	for _, e := range importErrors(t, err) {
		got2 = append(got2, fmt.Sprintf("%d:%s", e.Line, e.Field))
	}
	want := []string{"2:sektor", "2:telepon", "2:kapasitas_bulanan", "2:kontak_publik", "3:nib", "3:kapasitas_bulanan"}
	if !slices.Equal(got2, want) {
		t.Errorf("errors %v, want %v", got2, want)
	}
	if f.count("ikms") != 2 {
		t.Error("a refused file wrote IKM")
	}
}

func TestImportRefusesWhatIsNoTable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := f.svc.ImportIKMs(officer, registry.ImportFile{Name: "foto.csv", Data: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")}, false)
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.KindUnsupported || fe.Fields[0].Field != "file" {
		t.Fatalf("error %v", err)
	}
}
