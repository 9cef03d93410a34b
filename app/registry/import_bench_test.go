package registry_test

import (
	"fmt"
	"strings"
	"testing"

	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/registry"
)

// ikmFile is n valid IKM rows whose NIBs start at first.
func ikmFile(first, n int) []byte {
	var b strings.Builder
	b.WriteString("nib,nama,pemilik,sektor,produk,kecamatan,desa,telepon,email,kapasitas_bulanan\n")
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, "%013d,IKM Uji %d,Pemilik %d,makanan,Keripik singkong,Cikarang Utara,Karangasih,0813-%04d-%04d,,%d\n",
			8170000000000+int64(i), i, i, i/10000%10000, i%10000, 2_000_000+i)
	}
	return []byte(b.String())
}

// BenchmarkImportIKMs: a Dinas spreadsheet of 10,000 IKM, validated and
// written in one transaction, as new rows and again unchanged.
//
//	DATABASE_URL=… go test -run '^$' -bench ImportIKMs -benchtime 5x ./app/registry/
func BenchmarkImportIKMs(b *testing.B) {
	const rows = 10_000
	db := dbtest.New(b)
	svc := registry.New(db, clock.NewFixed(now))

	b.Run("new", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			res, err := svc.ImportIKMs(officer, registry.ImportFile{Data: ikmFile(i*rows, rows)}, false)
			if err != nil || res.Inserted != rows {
				b.Fatalf("%+v, %v", res, err)
			}
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		data := ikmFile(0, rows)
		for b.Loop() {
			res, err := svc.ImportIKMs(officer, registry.ImportFile{Data: data}, false)
			if err != nil || res.Unchanged != rows {
				b.Fatalf("%+v, %v", res, err)
			}
		}
	})
}
