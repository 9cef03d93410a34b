package registry_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/cmptest"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/platform/fault"
	"kemitraan/app/registry"
)

// now is 10 March 2025, 10:00 WIB.
var now = time.Date(2025, 3, 10, 3, 0, 0, 0, time.UTC)

type fixture struct {
	t   *testing.T
	db  *gorm.DB
	svc *registry.Service
	clk *clock.Fixed
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := dbtest.New(t)
	clk := clock.NewFixed(now)
	return &fixture{t: t, db: db, svc: registry.New(db, clk), clk: clk}
}

// The actors: no user rows exist in these tests, so none carries a user id.
var (
	officer = actor.With(context.Background(), actor.Actor{Username: "petugas.uji", Role: actor.RoleOfficer})
	anon    = context.Background()
)

func company(businessID int64) context.Context {
	return actor.With(context.Background(), actor.Actor{Username: "pt.uji", Role: actor.RoleCompany, BusinessID: businessID})
}

func ikmUser(ikmID int64) context.Context {
	return actor.With(context.Background(), actor.Actor{Username: "ikm.uji", Role: actor.RoleIKM, IKMID: ikmID})
}

func (f *fixture) count(table string, where ...any) int64 {
	f.t.Helper()
	var n int64
	q := f.db.Table(table)
	if len(where) > 0 {
		q = q.Where(where[0], where[1:]...)
	}
	if err := q.Count(&n).Error; err != nil {
		f.t.Fatal(err)
	}
	return n
}

// events lists the audit actions recorded for an entity, oldest first.
func (f *fixture) events(entityType string, id int64) []string {
	f.t.Helper()
	var actions []string
	if err := f.db.Table("audit_events").Where("entity_type = ? AND entity_id = ?", entityType, strconv.FormatInt(id, 10)).
		Order("id").Pluck("action", &actions).Error; err != nil {
		f.t.Fatal(err)
	}
	return actions
}

func validBusiness(nib string) registry.BusinessInput {
	return registry.BusinessInput{
		NIB: nib, Name: "PT Uji Coba", LegalForm: "PT", Category: "hotel",
		KBLI: []string{"55110", "56101"}, Address: "Jl. Uji No. 1", KecamatanCode: "3216060",
		EmployeeCount: 120, ContactName: "Budi", ContactPhone: "0812-3456-7890",
		ContactEmail: "budi@contoh.co.id", RegisteredAt: "2024-05-01",
	}
}

func validIKM(nib string) registry.IKMInput {
	return registry.IKMInput{
		NIB: nib, Name: "Batik Uji", OwnerName: "Siti", Sector: "batik", Products: "Kain batik tulis",
		KecamatanCode: "3216080", Desa: "Setiadarma", Address: "Kp. Uji RT 01/02", Phone: "0813 1000 0001",
		MonthlyCapacity: 6_000_000,
	}
}

func (f *fixture) business(in registry.BusinessInput) registry.Business {
	f.t.Helper()
	b, err := f.svc.CreateBusiness(officer, in)
	if err != nil {
		f.t.Fatalf("create business %s: %v", in.NIB, err)
	}
	return b
}

func (f *fixture) ikm(in registry.IKMInput) registry.IKM {
	f.t.Helper()
	i, err := f.svc.CreateIKM(officer, in)
	if err != nil {
		f.t.Fatalf("create ikm %s: %v", in.NIB, err)
	}
	return i
}

// fieldsOf returns the field names of a validation error, failing when err
// is not one of kind.
func fieldsOf(t *testing.T, err error, kind fault.Kind) []string {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != kind {
		t.Fatalf("error %v, want a fault of kind %d", err, kind)
	}
	var out []string
	for _, f := range fe.Fields {
		if f.Reason == "" {
			t.Errorf("field %s has no reason", f.Field)
		}
		out = append(out, f.Field)
	}
	return out
}

func TestNormalisePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"0812-3456-7890", "+6281234567890", true},
		{"0812 3456 789", "+62812345678900"[:13], true},
		{"62812.3456.7890", "+6281234567890", true},
		{"+62 812 3456 7890", "+6281234567890", true},
		{"+62 (0)812-3456-7890", "+6281234567890", true},
		{"81234567890", "+6281234567890", true}, // a spreadsheet dropped the 0
		{"(021) 8901 2345", "+622189012345", true},
		{"021-890123", "+6221890123", true},
		{"+1 415 555 0100", "", false},
		{"0812", "", false},
		{"08123456789012345", "", false},
		{"0812-3456-789a", "", false},
		{"12345678", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := registry.NormalisePhone(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalisePhone(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCreateBusiness(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.business(validBusiness("9120000000101"))
	if b.ID == 0 {
		t.Fatalf("created without an id: %+v", b)
	}
	wantB := registry.Business{Status: "active", ContactPhone: "+6281234567890", KecamatanName: "Cikarang Utara",
		KBLI: []string{"55110", "56101"}, RegisteredAt: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), CreatedAt: now}
	// cmp compares the times with their Equal method.
	if diff := cmp.Diff(wantB, b, cmptest.Only[registry.Business]("Status", "ContactPhone", "KecamatanName", "KBLI",
		"RegisteredAt", "CreatedAt")); diff != "" {
		t.Fatalf("created (-want +got):\n%s", diff)
	}
	got, err := f.svc.GetBusiness(officer, b.ID)
	if err != nil || !slices.Equal(got.KBLI, b.KBLI) || got.NIB != b.NIB {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if ev := f.events("business", b.ID); !slices.Equal(ev, []string{"business.create"}) {
		t.Errorf("audit events %v", ev)
	}

	t.Run("registered today by default, in Jakarta", func(t *testing.T) {
		f.clk.Set(time.Date(2025, 3, 10, 18, 30, 0, 0, time.UTC)) // 01:30 WIB on the 11th
		defer f.clk.Set(now)
		in := validBusiness("9120000000102")
		in.RegisteredAt, in.KBLI = "", nil
		b := f.business(in)
		if !b.RegisteredAt.Equal(time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC)) || len(b.KBLI) != 0 || b.KBLI == nil {
			t.Errorf("registered_at %v kbli %#v", b.RegisteredAt, b.KBLI)
		}
	})

	t.Run("a factory inside an estate", func(t *testing.T) {
		estate := validBusiness("9120000000103")
		estate.Category = "industrial_estate"
		e := f.business(estate)
		factory := validBusiness("9120000000104")
		factory.Category, factory.ParentID = "factory", &e.ID
		fb := f.business(factory)
		if fb.ParentID == nil || *fb.ParentID != e.ID || fb.ParentName != "PT Uji Coba" {
			t.Errorf("factory %+v", fb)
		}
	})
}

func TestCreateBusinessRejectsBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hotel := f.business(validBusiness("9120000000200"))
	before := f.count("businesses")
	events := f.count("audit_events")

	tests := []struct {
		name   string
		change func(*registry.BusinessInput)
		fields []string
	}{
		{"NIB too short", func(in *registry.BusinessInput) { in.NIB = "912000000020" }, []string{"nib"}},
		{"NIB with letters", func(in *registry.BusinessInput) { in.NIB = "91200000002AB" }, []string{"nib"}},
		{"NIB missing", func(in *registry.BusinessInput) { in.NIB = " " }, []string{"nib"}},
		{"name missing", func(in *registry.BusinessInput) { in.Name = "   " }, []string{"name"}},
		{"name with a NUL byte", func(in *registry.BusinessInput) { in.Name = "PT \x00 Jahat" }, []string{"name"}},
		{"name not UTF-8", func(in *registry.BusinessInput) { in.Name = "PT \xff" }, []string{"name"}},
		{"name too long", func(in *registry.BusinessInput) { in.Name = string(make([]byte, 201)) }, []string{"name"}},
		{"unknown category", func(in *registry.BusinessInput) { in.Category = "bank" }, []string{"category"}},
		{"category missing", func(in *registry.BusinessInput) { in.Category = "" }, []string{"category"}},
		{"bad KBLI code", func(in *registry.BusinessInput) { in.KBLI = []string{"5511"} }, []string{"kbli"}},
		{"unknown kecamatan", func(in *registry.BusinessInput) { in.KecamatanCode = "3216999" }, []string{"kecamatan_code"}},
		{"kecamatan missing", func(in *registry.BusinessInput) { in.KecamatanCode = "" }, []string{"kecamatan_code"}},
		{"negative employees", func(in *registry.BusinessInput) { in.EmployeeCount = -1 }, []string{"employee_count"}},
		{"absurd employees", func(in *registry.BusinessInput) { in.EmployeeCount = 3_000_000_000 }, []string{"employee_count"}},
		{"foreign phone", func(in *registry.BusinessInput) { in.ContactPhone = "+44 20 7946 0958" }, []string{"contact_phone"}},
		{"bad e-mail", func(in *registry.BusinessInput) { in.ContactEmail = "budi@" }, []string{"contact_email"}},
		{"e-mail with a name", func(in *registry.BusinessInput) { in.ContactEmail = "Budi <budi@contoh.id>" }, []string{"contact_email"}},
		{"date in another format", func(in *registry.BusinessInput) { in.RegisteredAt = "01/05/2024" }, []string{"registered_at"}},
		{"date in the future", func(in *registry.BusinessInput) { in.RegisteredAt = "2025-03-11" }, []string{"registered_at"}},
		{"unknown status", func(in *registry.BusinessInput) { in.Status = "bankrupt" }, []string{"status"}},
		{"a hotel with a parent", func(in *registry.BusinessInput) { in.ParentID = &hotel.ID }, []string{"parent_id"}},
		{"parent not an estate", func(in *registry.BusinessInput) { in.Category, in.ParentID = "factory", &hotel.ID }, []string{"parent_id"}},
		{"parent missing", func(in *registry.BusinessInput) { in.Category, in.ParentID = "factory", ptr(int64(999999)) }, []string{"parent_id"}},
		{"every error at once", func(in *registry.BusinessInput) {
			in.NIB, in.Name, in.Category, in.KecamatanCode, in.EmployeeCount = "1", "", "x", "", -5
		}, []string{"nib", "name", "category", "kecamatan_code", "employee_count"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validBusiness("9120000000201")
			tt.change(&in)
			_, err := f.svc.CreateBusiness(officer, in)
			if got := fieldsOf(t, err, fault.KindInvalid); !slices.Equal(got, tt.fields) {
				t.Errorf("fields %v, want %v", got, tt.fields)
			}
		})
	}
	t.Run("duplicate NIB", func(t *testing.T) {
		_, err := f.svc.CreateBusiness(officer, validBusiness(hotel.NIB))
		if got := fieldsOf(t, err, fault.KindConflict); !slices.Equal(got, []string{"nib"}) {
			t.Errorf("fields %v", got)
		}
		fe, _ := fault.As(err)
		if fe.Code != "nib_taken" || fe.Extra["existing_id"] != hotel.ID {
			t.Errorf("conflict %+v", fe)
		}
	})
	if f.count("businesses") != before || f.count("audit_events") != events {
		t.Error("a refused create wrote something")
	}
}

func TestUpdateBusiness(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	estateIn := validBusiness("9120000000301")
	estateIn.Category = "industrial_estate"
	estate := f.business(estateIn)
	factoryIn := validBusiness("9120000000302")
	factoryIn.Category, factoryIn.ParentID = "factory", &estate.ID
	factory := f.business(factoryIn)

	t.Run("changes are written with before and after", func(t *testing.T) {
		f.clk.Advance(time.Hour)
		in := factoryIn
		in.Name, in.EmployeeCount, in.KBLI, in.RegisteredAt = "PT Uji Baru", 300, []string{"24101"}, ""
		got, err := f.svc.UpdateBusiness(officer, factory.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		want := registry.Business{Name: "PT Uji Baru", EmployeeCount: 300, KBLI: []string{"24101"},
			RegisteredAt: factory.RegisteredAt, UpdatedAt: now.Add(time.Hour), CreatedAt: now}
		if diff := cmp.Diff(want, got, cmptest.Only[registry.Business]("Name", "EmployeeCount", "KBLI", "RegisteredAt",
			"UpdatedAt", "CreatedAt")); diff != "" {
			t.Errorf("updated (-want +got):\n%s", diff)
		}
		var before, after string
		f.db.Raw(`SELECT before->>'name', after->>'name' FROM audit_events WHERE action = 'business.update' AND entity_id = ?`,
			strconv.FormatInt(factory.ID, 10)).Row().Scan(&before, &after)
		if before != "PT Uji Coba" || after != "PT Uji Baru" {
			t.Errorf("audit before %q after %q", before, after)
		}
	})
	t.Run("an update that changes nothing writes nothing", func(t *testing.T) {
		events := f.count("audit_events")
		in := factoryIn
		in.Name, in.EmployeeCount, in.KBLI, in.RegisteredAt = "PT Uji Baru", 300, []string{"24101"}, ""
		in.ContactPhone = "+62 812-3456-7890" // the same number, written differently
		if _, err := f.svc.UpdateBusiness(officer, factory.ID, in); err != nil {
			t.Fatal(err)
		}
		if f.count("audit_events") != events {
			t.Error("a no-op update wrote an audit event")
		}
	})
	t.Run("an estate with factories keeps its category", func(t *testing.T) {
		in := estateIn
		in.Category = "hotel"
		_, err := f.svc.UpdateBusiness(officer, estate.ID, in)
		if got := fieldsOf(t, err, fault.KindInvalid); !slices.Equal(got, []string{"category"}) {
			t.Errorf("fields %v", got)
		}
	})
	t.Run("not its own parent", func(t *testing.T) {
		in := estateIn
		in.Category, in.ParentID = "factory", &estate.ID
		_, err := f.svc.UpdateBusiness(officer, estate.ID, in)
		if got := fieldsOf(t, err, fault.KindInvalid); !slices.Contains(got, "parent_id") {
			t.Errorf("fields %v", got)
		}
	})
	t.Run("another's NIB", func(t *testing.T) {
		in := factoryIn
		in.NIB = estate.NIB
		_, err := f.svc.UpdateBusiness(officer, factory.ID, in)
		if got := fieldsOf(t, err, fault.KindConflict); !slices.Equal(got, []string{"nib"}) {
			t.Errorf("fields %v", got)
		}
	})
	t.Run("unknown id", func(t *testing.T) {
		_, err := f.svc.UpdateBusiness(officer, 424242, factoryIn)
		if !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("error %v", err)
		}
	})
	var name string
	f.db.Table("businesses").Where("id = ?", estate.ID).Pluck("name", &name)
	if name != "PT Uji Coba" {
		t.Errorf("a refused update changed the estate: %q", name)
	}
}

func TestDeactivateBusiness(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.business(validBusiness("9120000000401"))
	got, err := f.svc.DeactivateBusiness(officer, b.ID)
	if err != nil || got.Status != "closed" {
		t.Fatalf("deactivate: %+v, %v", got, err)
	}
	_, err = f.svc.DeactivateBusiness(officer, b.ID)
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.KindConflict || fe.Extra["current_status"] != "closed" {
		t.Fatalf("second deactivate: %v", err)
	}
	if f.count("businesses") != 1 {
		t.Error("deactivation deleted the record")
	}
	if ev := f.events("business", b.ID); !slices.Equal(ev, []string{"business.create", "business.deactivate"}) {
		t.Errorf("audit events %v", ev)
	}
	// An officer may reopen it by setting the status.
	in := validBusiness(b.NIB)
	in.Status = "active"
	if got, err := f.svc.UpdateBusiness(officer, b.ID, in); err != nil || got.Status != "active" {
		t.Errorf("reopen: %+v, %v", got, err)
	}
}

func TestBusinessScoping(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	own := f.business(validBusiness("9120000000501"))
	other := f.business(validBusiness("9120000000502"))
	mine := f.ikm(validIKM("8120000000501"))

	tests := []struct {
		name   string
		ctx    context.Context
		id     int64
		found  bool
		listed int64
	}{
		{"officer", officer, other.ID, true, 2},
		{"company reads its own", company(own.ID), own.ID, true, 1},
		{"company reads another", company(own.ID), other.ID, false, 1},
		{"IKM user", ikmUser(mine.ID), own.ID, false, 0},
		{"nobody", anon, own.ID, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.GetBusiness(tt.ctx, tt.id)
			if (err == nil) != tt.found || (err != nil && !errors.Is(err, fault.ErrNotFound)) {
				t.Errorf("get: %v, want found=%v", err, tt.found)
			}
			page, err := f.svc.ListBusinesses(tt.ctx, registry.BusinessFilter{})
			if err != nil || page.Total != tt.listed || int64(len(page.Items)) != tt.listed {
				t.Errorf("list: total %d items %d, %v; want %d", page.Total, len(page.Items), err, tt.listed)
			}
		})
	}
	t.Run("a company cannot change another business", func(t *testing.T) {
		_, err := f.svc.DeactivateBusiness(company(own.ID), other.ID)
		if !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("error %v", err)
		}
	})
}

func TestListBusinesses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	specs := []struct {
		nib, name, category, kec string
		employees                int
	}{
		{"9120000000601", "PT Hotel Cikarang", "hotel", "3216060", 50},
		{"9120000000602", "PT Hotel Tambun", "hotel", "3216080", 80},
		{"9120000000603", "CV Rumah Makan Sunda", "restaurant", "3216080", 20},
		{"9120000000604", "PT Mal 100%_Diskon", "modern_retail", "3216010", 300},
		{"9120000000605", "PT Pabrik Logam", "other", "3216060", 900},
	}
	for _, s := range specs {
		in := validBusiness(s.nib)
		in.Name, in.Category, in.KecamatanCode, in.EmployeeCount = s.name, s.category, s.kec, s.employees
		f.business(in)
	}
	if _, err := f.svc.DeactivateBusiness(officer, f.idOf("businesses", "9120000000605")); err != nil {
		t.Fatal(err)
	}
	names := func(p registry.Page[registry.Business]) []string {
		var out []string
		for _, b := range p.Items {
			out = append(out, b.Name)
		}
		return out
	}
	tests := []struct {
		name   string
		filter registry.BusinessFilter
		want   []string
		total  int64
	}{
		{"all by name", registry.BusinessFilter{}, []string{"CV Rumah Makan Sunda", "PT Hotel Cikarang", "PT Hotel Tambun", "PT Mal 100%_Diskon", "PT Pabrik Logam"}, 5},
		{"category", registry.BusinessFilter{Category: "hotel"}, []string{"PT Hotel Cikarang", "PT Hotel Tambun"}, 2},
		{"kecamatan by code", registry.BusinessFilter{Kecamatan: "3216080"}, []string{"CV Rumah Makan Sunda", "PT Hotel Tambun"}, 2},
		{"kecamatan by name", registry.BusinessFilter{Kecamatan: "tambun selatan"}, []string{"CV Rumah Makan Sunda", "PT Hotel Tambun"}, 2},
		{"status", registry.BusinessFilter{Status: "closed"}, []string{"PT Pabrik Logam"}, 1},
		{"text in the name, any case", registry.BusinessFilter{Q: "hotel"}, []string{"PT Hotel Cikarang", "PT Hotel Tambun"}, 2},
		{"text with LIKE wildcards is literal", registry.BusinessFilter{Q: "100%_"}, []string{"PT Mal 100%_Diskon"}, 1},
		{"part of a NIB", registry.BusinessFilter{Q: "0000603"}, []string{"CV Rumah Makan Sunda"}, 1},
		{"sorted by employees, descending", registry.BusinessFilter{Sort: "-employee_count", Paging: registry.Paging{PerPage: 2}},
			[]string{"PT Pabrik Logam", "PT Mal 100%_Diskon"}, 5},
		{"second page", registry.BusinessFilter{Sort: "employee_count", Paging: registry.Paging{Page: 2, PerPage: 2}},
			[]string{"PT Hotel Tambun", "PT Mal 100%_Diskon"}, 5},
		{"past the end", registry.BusinessFilter{Paging: registry.Paging{Page: 9, PerPage: 2}}, nil, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := f.svc.ListBusinesses(officer, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(p); !slices.Equal(got, tt.want) || p.Total != tt.total {
				t.Errorf("got %v total %d, want %v total %d", got, p.Total, tt.want, tt.total)
			}
		})
	}
	bad := []struct {
		name   string
		filter registry.BusinessFilter
		fields []string
	}{
		{"unknown category", registry.BusinessFilter{Category: "bank"}, []string{"category"}},
		{"unknown kecamatan", registry.BusinessFilter{Kecamatan: "Atlantis"}, []string{"kecamatan"}},
		{"unknown sort", registry.BusinessFilter{Sort: "password"}, []string{"sort"}},
		{"per page too large", registry.BusinessFilter{Paging: registry.Paging{PerPage: 101}}, []string{"per_page"}},
		{"negative page", registry.BusinessFilter{Paging: registry.Paging{Page: -1}}, []string{"page"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.ListBusinesses(officer, tt.filter)
			if got := fieldsOf(t, err, fault.KindInvalid); !slices.Equal(got, tt.fields) {
				t.Errorf("fields %v, want %v", got, tt.fields)
			}
		})
	}
}

func (f *fixture) idOf(table, nib string) int64 {
	f.t.Helper()
	var id int64
	if err := f.db.Table(table).Where("nib = ?", nib).Pluck("id", &id).Error; err != nil || id == 0 {
		f.t.Fatalf("no %s with NIB %s: %v", table, nib, err)
	}
	return id
}

func ptr[T any](v T) *T { return &v }
