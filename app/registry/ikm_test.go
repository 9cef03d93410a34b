package registry_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"kemitraan/app/platform/cmptest"
	"kemitraan/app/platform/fault"
	"kemitraan/app/registry"
)

func TestCreateIKM(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := validIKM("8120000000701")
	i := f.ikm(in)
	wantI := registry.IKM{Phone: "+6281310000001", Email: nil, Verified: false, Status: "active", KecamatanName: "Tambun Selatan"}
	if diff := cmp.Diff(wantI, i,
		cmptest.Only[registry.IKM]("Phone", "Email", "Verified", "Status", "KecamatanName")); diff != "" {
		t.Fatalf("created (-want +got):\n%s", diff)
	}
	in2 := validIKM("8120000000702")
	in2.Email, in2.Phone = " ikm@contoh.id ", "+62 21 890 1234"
	i2 := f.ikm(in2)
	if i2.Email == nil || *i2.Email != "ikm@contoh.id" || i2.Phone != "+62218901234" {
		t.Fatalf("created %+v", i2)
	}
	if ev := f.events("ikm", i.ID); !slices.Equal(ev, []string{"ikm.create"}) {
		t.Errorf("audit events %v", ev)
	}

	ikms, events := f.count("ikms"), f.count("audit_events")
	tests := []struct {
		name   string
		change func(*registry.IKMInput)
		fields []string
	}{
		{"unknown sector", func(in *registry.IKMInput) { in.Sector = "otomotif" }, []string{"sector"}},
		{"sector missing", func(in *registry.IKMInput) { in.Sector = "" }, []string{"sector"}},
		{"bad phone", func(in *registry.IKMInput) { in.Phone = "12-34" }, []string{"phone"}},
		{"bad e-mail", func(in *registry.IKMInput) { in.Email = "ikm at contoh.id" }, []string{"email"}},
		{"NUL in an e-mail", func(in *registry.IKMInput) { in.Email = "ikm\x00@contoh.id" }, []string{"email"}},
		{"negative capacity", func(in *registry.IKMInput) { in.MonthlyCapacity = -1 }, []string{"monthly_capacity"}},
		{"absurd capacity", func(in *registry.IKMInput) { in.MonthlyCapacity = 1 << 60 }, []string{"monthly_capacity"}},
		{"unknown kecamatan", func(in *registry.IKMInput) { in.KecamatanCode = "Atlantis" }, []string{"kecamatan_code"}},
		{"unknown status", func(in *registry.IKMInput) { in.Status = "tidur" }, []string{"status"}},
		{"bad NIB", func(in *registry.IKMInput) { in.NIB = "8120-0000-0070" }, []string{"nib"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validIKM("8120000000703")
			tt.change(&in)
			_, err := f.svc.CreateIKM(officer, in)
			if got := fieldsOf(t, err, fault.KindInvalid); !slices.Equal(got, tt.fields) {
				t.Errorf("fields %v, want %v", got, tt.fields)
			}
		})
	}
	t.Run("duplicate NIB", func(t *testing.T) {
		_, err := f.svc.CreateIKM(officer, validIKM(i.NIB))
		if got := fieldsOf(t, err, fault.KindConflict); !slices.Equal(got, []string{"nib"}) {
			t.Errorf("fields %v", got)
		}
	})
	if f.count("ikms") != ikms || f.count("audit_events") != events {
		t.Error("a refused create wrote something")
	}
}

func TestVerifyAndDeactivateIKM(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	i := f.ikm(validIKM("8120000000801"))
	f.clk.Advance(24 * time.Hour)

	v, err := f.svc.VerifyIKM(officer, i.ID, true)
	if err != nil || !v.Verified || v.VerifiedAt == nil || !v.VerifiedAt.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("verify: %+v, %v", v, err)
	}
	if _, err := f.svc.VerifyIKM(officer, i.ID, true); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("second verify: %v", err)
	}
	// An update keeps the verification: only VerifyIKM changes it.
	in := validIKM(i.NIB)
	in.Products = "Batik cap"
	u, err := f.svc.UpdateIKM(officer, i.ID, in)
	if err != nil || !u.Verified || u.Products != "Batik cap" {
		t.Fatalf("update: %+v, %v", u, err)
	}
	un, err := f.svc.VerifyIKM(officer, i.ID, false)
	if err != nil || un.Verified || un.VerifiedAt != nil {
		t.Fatalf("unverify: %+v, %v", un, err)
	}
	d, err := f.svc.DeactivateIKM(officer, i.ID)
	if err != nil || d.Status != "inactive" {
		t.Fatalf("deactivate: %+v, %v", d, err)
	}
	if _, err := f.svc.DeactivateIKM(officer, i.ID); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("second deactivate: %v", err)
	}
	want := []string{"ikm.create", "ikm.verify", "ikm.update", "ikm.unverify", "ikm.deactivate"}
	if ev := f.events("ikm", i.ID); !slices.Equal(ev, want) {
		t.Errorf("audit events %v, want %v", ev, want)
	}
	var verifiedBefore, verifiedAfter bool
	f.db.Raw(`SELECT (before->>'verified')::bool, (after->>'verified')::bool FROM audit_events WHERE action = 'ikm.verify'`).
		Row().Scan(&verifiedBefore, &verifiedAfter)
	if verifiedBefore || !verifiedAfter {
		t.Errorf("verify event before %v after %v", verifiedBefore, verifiedAfter)
	}
}

func TestIKMScopingAndList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	specs := []struct{ nib, name, sector, kec string }{
		{"8120000000901", "Batik Asri", "batik", "3216080"},
		{"8120000000902", "Batik Cikarang", "batik", "3216060"},
		{"8120000000903", "Dodol Betawi", "makanan", "3216100"},
	}
	var ids []int64
	for _, s := range specs {
		in := validIKM(s.nib)
		in.Name, in.Sector, in.KecamatanCode = s.name, s.sector, s.kec
		ids = append(ids, f.ikm(in).ID)
	}
	if _, err := f.svc.VerifyIKM(officer, ids[1], true); err != nil {
		t.Fatal(err)
	}
	business := f.business(validBusiness("9120000000901"))

	t.Run("an IKM user sees only its own", func(t *testing.T) {
		if _, err := f.svc.GetIKM(ikmUser(ids[0]), ids[0]); err != nil {
			t.Errorf("own: %v", err)
		}
		if _, err := f.svc.GetIKM(ikmUser(ids[0]), ids[1]); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("another's: %v", err)
		}
		p, err := f.svc.ListIKMs(ikmUser(ids[0]), registry.IKMFilter{})
		if err != nil || p.Total != 1 || p.Items[0].ID != ids[0] {
			t.Errorf("list: %+v, %v", p, err)
		}
	})
	t.Run("a company user sees no IKM records", func(t *testing.T) {
		if _, err := f.svc.GetIKM(company(business.ID), ids[0]); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("get: %v", err)
		}
		if p, err := f.svc.ListIKMs(company(business.ID), registry.IKMFilter{}); err != nil || p.Total != 0 {
			t.Errorf("list: %+v, %v", p, err)
		}
	})
	yes := true
	tests := []struct {
		name   string
		filter registry.IKMFilter
		want   []int64
	}{
		{"sector", registry.IKMFilter{Sector: "batik"}, []int64{ids[0], ids[1]}},
		{"kecamatan by name", registry.IKMFilter{Kecamatan: "Tarumajaya"}, []int64{ids[2]}},
		{"verified", registry.IKMFilter{Verified: &yes}, []int64{ids[1]}},
		{"text", registry.IKMFilter{Q: "DODOL"}, []int64{ids[2]}},
		{"sorted by name, descending", registry.IKMFilter{Sort: "-name"}, []int64{ids[2], ids[1], ids[0]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := f.svc.ListIKMs(officer, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, i := range p.Items {
				got = append(got, i.ID)
			}
			if !slices.Equal(got, tt.want) || p.Total != int64(len(tt.want)) {
				t.Errorf("got %v total %d, want %v", got, p.Total, tt.want)
			}
		})
	}
	if _, err := f.svc.ListIKMs(officer, registry.IKMFilter{Sector: "otomotif"}); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("unknown sector filter: %v", err)
	}
}

func TestListKecamatan(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	k, err := f.svc.ListKecamatan(officer)
	if err != nil || len(k) != 23 || k[0].Name != "Babelan" {
		t.Fatalf("kecamatan %v, %v", k, err)
	}
}
