// Package seed loads the demo data set (`kemitraan seed --demo`) and the
// generated data sets of the benchmarks (`--scale`). Every insert is keyed
// on a natural key and skips what exists, so seeding twice changes nothing
// the second time. The kecamatan reference data comes with the migrations.
package seed

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type demoBusiness struct {
	ID            int64 `gorm:"primaryKey;->"`
	NIB           string
	Name          string
	LegalForm     string
	Category      string
	Address       string
	KecamatanCode string
	EmployeeCount int
	ContactName   string
	ContactPhone  string
	ContactEmail  string
	Status        string
	RegisteredAt  time.Time
	ParentNIB     string `gorm:"-"`
}

func (demoBusiness) TableName() string { return "businesses" }

type demoIKM struct {
	NIB             string
	Name            string
	OwnerName       string
	Sector          string
	Products        string
	KecamatanCode   string
	Desa            string
	Phone           string
	Email           *string
	MonthlyCapacity int64
	Status          string
	Verified        bool
}

func (demoIKM) TableName() string { return "ikms" }

// Demo counts what a demo seed inserted.
type Demo struct {
	Businesses int64
	IKMs       int64
}

// DemoData loads a small, believable data set: industrial estates with
// factories inside them, hotels, restaurants, malls and three dozen IKM.
func DemoData(ctx context.Context, db *gorm.DB) (Demo, error) {
	var out Demo
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		estates, children := demoBusinesses()
		businesses := append(estates, children...)
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&businesses)
		if res.Error != nil {
			return fmt.Errorf("seed: businesses: %w", res.Error)
		}
		out.Businesses = res.RowsAffected
		// A factory inside an estate names the estate as its parent.
		var childNIBs, parentNIBs []string
		for _, c := range children {
			if c.ParentNIB != "" {
				childNIBs, parentNIBs = append(childNIBs, c.NIB), append(parentNIBs, c.ParentNIB)
			}
		}
		if err := tx.Exec(`
			UPDATE businesses f SET parent_id = e.id
			FROM unnest(string_to_array(?, ','), string_to_array(?, ',')) AS p(child_nib, parent_nib)
			JOIN businesses e ON e.nib = p.parent_nib
			WHERE f.nib = p.child_nib AND f.parent_id IS NULL`,
			strings.Join(childNIBs, ","), strings.Join(parentNIBs, ",")).Error; err != nil {
			return fmt.Errorf("seed: parents: %w", err)
		}
		ikms := demoIKMs()
		res = tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&ikms)
		if res.Error != nil {
			return fmt.Errorf("seed: ikm: %w", res.Error)
		}
		out.IKMs = res.RowsAffected
		return nil
	})
	return out, err
}

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// DemoNIB is the NIB of the n-th demo business, so other demo data and the
// README can refer to them.
func DemoNIB(n int) string { return fmt.Sprintf("9120%09d", n) }

func demoBusinesses() (estates, others []demoBusiness) {
	b := func(n int, name, form, category, kec string, employees int, contact, parent string) demoBusiness {
		return demoBusiness{
			NIB: DemoNIB(n), Name: name, LegalForm: form, Category: category, KecamatanCode: kec,
			Address: "Jl. " + name[3:] + " No. " + fmt.Sprint(n), EmployeeCount: employees,
			ContactName: contact, ContactPhone: fmt.Sprintf("+62812900%05d", n),
			ContactEmail: fmt.Sprintf("kemitraan%d@contoh.co.id", n),
			Status:       "active", RegisteredAt: date(2024, 1+n%12, 1+n%27), ParentNIB: parent,
		}
	}
	estates = []demoBusiness{
		b(1, "PT Kawasan Industri Cikarang Jaya", "PT", "industrial_estate", "3216060", 420, "Hendra Wijaya", ""),
		b(2, "PT Bekasi Industrial Park", "PT", "industrial_estate", "3216071", 310, "Ratna Sari", ""),
		b(3, "PT Deltamas Raya Industri", "PT", "industrial_estate", "3216022", 280, "Agus Salim", ""),
	}
	others = []demoBusiness{
		b(10, "PT Sinar Logam Presisi", "PT", "factory", "3216060", 1200, "Budi Santoso", DemoNIB(1)),
		b(11, "PT Mitra Pangan Nusantara", "PT", "factory", "3216060", 860, "Dewi Lestari", DemoNIB(1)),
		b(12, "PT Cahaya Otomotif Indonesia", "PT", "factory", "3216071", 2300, "Rudi Hartono", DemoNIB(2)),
		b(13, "PT Tekstil Karya Bekasi", "PT", "factory", "3216071", 1500, "Sri Wahyuni", DemoNIB(2)),
		b(14, "PT Plastik Jaya Abadi", "PT", "factory", "3216022", 640, "Yusuf Maulana", DemoNIB(3)),
		b(15, "PT Kemasan Hijau Lestari", "PT", "factory", "3216070", 380, "Fitri Handayani", ""),
		b(20, "PT Hotel Grand Cikarang", "PT", "hotel", "3216060", 180, "Lina Marlina", ""),
		b(21, "PT Griya Tambun Hotel", "PT", "hotel", "3216080", 95, "Joko Susilo", ""),
		b(30, "CV Rumah Makan Sari Sunda", "CV", "restaurant", "3216080", 40, "Asep Saepudin", ""),
		b(31, "CV Bebek Kali Malang", "CV", "restaurant", "3216071", 35, "Nining Kurniasih", ""),
		b(32, "PT Dapur Nusantara Cibitung", "PT", "restaurant", "3216070", 60, "Eko Prasetyo", ""),
		b(40, "PT Mal Cikarang Sentral", "PT", "modern_retail", "3216060", 250, "Maya Anggraini", ""),
		b(41, "PT Plaza Tambun Raya", "PT", "modern_retail", "3216080", 140, "Taufik Hidayat", ""),
	}
	return estates, others
}

func demoIKMs() []demoIKM {
	type spec struct{ name, owner, sector, products, kec, desa string }
	specs := []spec{
		{"Batik Tulis Bekasi Asri", "Siti Nurhaliza", "batik", "Kain batik tulis motif gabus, kemeja batik", "3216080", "Setiadarma"},
		{"Batik Kembang Tanjung", "Eneng Rohmah", "batik", "Batik cap, selendang", "3216010", "Lubangbuaya"},
		{"Sanggar Batik Cikarang", "Ahmad Fauzi", "batik", "Batik tulis, taplak meja", "3216060", "Karangasih"},
		{"Anyaman Bambu Sukatani", "Dadang Sukarya", "anyaman", "Besek, tampah, keranjang bambu", "3216120", "Sukamanah"},
		{"Pandan Wangi Craft", "Iis Suryani", "anyaman", "Tas dan tikar anyaman pandan", "3216130", "Karangreja"},
		{"Rotan Jaya Tambelang", "Ujang Hermawan", "anyaman", "Kursi dan keranjang rotan", "3216110", "Sukarapih"},
		{"Mebel Jati Cibarusah", "Wawan Setiawan", "kayu", "Meja, kursi, lemari kayu jati", "3216030", "Sirnajati"},
		{"Ukiran Kayu Serang Baru", "Herman Suherman", "kayu", "Ukiran, papan nama, suvenir kayu", "3216021", "Jayasampurna"},
		{"Palet Kayu Mandiri", "Rahmat Hidayat", "kayu", "Palet kayu untuk pabrik", "3216071", "Telajung"},
		{"Dodol Betawi Mpok Ijah", "Khadijah", "makanan", "Dodol, wajik, geplak", "3216100", "Segarajaya"},
		{"Kerupuk Udang Muaragembong", "Saepul Anwar", "makanan", "Kerupuk udang, terasi", "3216150", "Pantai Bahagia"},
		{"Keripik Singkong Babelan", "Yanti Mulyani", "makanan", "Keripik singkong aneka rasa", "3216090", "Kebalen"},
		{"Roti Gambang Cikarang", "Hasanudin", "makanan", "Roti gambang, kue basah", "3216060", "Simpangan"},
		{"Katering Ibu Enok", "Enok Sumiati", "makanan", "Nasi kotak, snack box untuk rapat", "3216023", "Sukadami"},
		{"Sambal Bu Tini", "Sutini", "makanan", "Sambal kemasan botol", "3216081", "Srimukti"},
		{"Bandeng Presto Tarumajaya", "Mulyadi", "makanan", "Bandeng presto, otak-otak", "3216100", "Pantai Makmur"},
		{"Jamu Sehat Kedungwaringin", "Aminah", "minuman", "Jamu kunyit asam, beras kencur", "3216050", "Karangsambung"},
		{"Kopi Bekasi Lestari", "Dimas Pratama", "minuman", "Kopi bubuk robusta kemasan", "3216031", "Sukabungah"},
		{"Sirup Pala Sukakarya", "Nur Aisyah", "minuman", "Sirup pala, sari buah", "3216121", "Sukalaksana"},
		{"Konveksi Seragam Cibitung", "Irwan Gunawan", "fesyen", "Seragam kerja, wearpack", "3216070", "Wanasari"},
		{"Kebaya Cantik Tambun", "Rina Marlina", "fesyen", "Kebaya, busana muslim", "3216080", "Tridayasakti"},
		{"Sepatu Kulit Karangbahagia", "Dede Kusnadi", "fesyen", "Sepatu safety, sepatu kulit", "3216061", "Karangsatu"},
		{"Bordir Kerudung Setu", "Euis Komalasari", "fesyen", "Kerudung bordir, mukena", "3216010", "Cibening"},
		{"Bengkel Las Presisi", "Slamet Riyadi", "logam", "Rak besi, pagar, konstruksi ringan", "3216071", "Gandamekar"},
		{"Kerajinan Aluminium Jaya", "Sukirman", "logam", "Panci, wajan, peralatan dapur", "3216060", "Harja Mekar"},
		{"Cetak Logam Pebayuran", "Agus Riyanto", "logam", "Suku cadang mesin, mur baut", "3216130", "Kertasari"},
		{"Suvenir Kulit Kerang", "Lilis Suryani", "kerajinan", "Suvenir, hiasan kerang", "3216150", "Pantai Mekar"},
		{"Gerabah Cabangbungin", "Tatang Sutisna", "kerajinan", "Gerabah, pot tanah liat", "3216140", "Lenggahjaya"},
		{"Sabun Herbal Cikarang", "Dian Puspita", "kimia", "Sabun cair, sabun batang herbal", "3216040", "Jatireja"},
		{"Lilin Aromaterapi Sukawangi", "Fajar Nugraha", "kimia", "Lilin aroma, pengharum ruangan", "3216111", "Sukamekar"},
		{"Percetakan Sablon Tambun", "Andi Wijaya", "lainnya", "Sablon kaos, spanduk, kartu nama", "3216080", "Mekarsari"},
		{"Tanaman Hias Bojongmangu", "Yayat Supriatna", "lainnya", "Tanaman hias, pot, pupuk organik", "3216031", "Bojongmangu"},
		{"Tenun Songket Babelan", "Neneng Hasanah", "fesyen", "Kain tenun, syal", "3216090", "Babelan Kota"},
		{"Kue Kering Ummi", "Ummi Kulsum", "makanan", "Kue kering, nastar, kastengel", "3216022", "Pasirranji"},
		{"Tas Daur Ulang Cikarang", "Reza Firmansyah", "kerajinan", "Tas dari bahan daur ulang", "3216023", "Pasirsari"},
		{"Madu Hutan Serang Baru", "Komarudin", "minuman", "Madu murni kemasan", "3216021", "Sirnajaya"},
	}
	out := make([]demoIKM, len(specs))
	for i, s := range specs {
		var email *string
		if i%3 == 0 { // most IKM have no e-mail address
			e := fmt.Sprintf("ikm%02d@contoh.id", i+1)
			email = &e
		}
		status := "active"
		if i%9 == 8 {
			status = "inactive"
		}
		out[i] = demoIKM{
			NIB: fmt.Sprintf("8120%09d", i+1), Name: s.name, OwnerName: s.owner, Sector: s.sector,
			Products: s.products, KecamatanCode: s.kec, Desa: s.desa,
			Phone: fmt.Sprintf("+62813100%05d", i+1), Email: email,
			// 2–8 items a day at Rp40,000–100,000 each, 25 working days.
			MonthlyCapacity: int64(2+i%7) * int64(40_000+10_000*(i%7)) * 25,
			Status:          status, Verified: i%2 == 0,
		}
	}
	return out
}
