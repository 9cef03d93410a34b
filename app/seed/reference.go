// Package seed loads reference data (always) and a demo data set (on request).
// Every insert is keyed on a natural key and skips what exists, so running a
// seed twice changes nothing the second time.
package seed

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Kecamatan is one district of Kabupaten Bekasi, keyed by its BPS code.
type Kecamatan struct {
	Code string `gorm:"primaryKey"`
	Name string
}

func (Kecamatan) TableName() string { return "kecamatan" }

// KabupatenBekasi lists the 23 kecamatan of Kabupaten Bekasi.
var KabupatenBekasi = []Kecamatan{
	{"3216010", "Setu"}, {"3216021", "Serang Baru"}, {"3216022", "Cikarang Pusat"},
	{"3216023", "Cikarang Selatan"}, {"3216030", "Cibarusah"}, {"3216031", "Bojongmangu"},
	{"3216040", "Cikarang Timur"}, {"3216050", "Kedungwaringin"}, {"3216060", "Cikarang Utara"},
	{"3216061", "Karangbahagia"}, {"3216070", "Cibitung"}, {"3216071", "Cikarang Barat"},
	{"3216080", "Tambun Selatan"}, {"3216081", "Tambun Utara"}, {"3216090", "Babelan"},
	{"3216100", "Tarumajaya"}, {"3216110", "Tambelang"}, {"3216111", "Sukawangi"},
	{"3216120", "Sukatani"}, {"3216121", "Sukakarya"}, {"3216130", "Pebayuran"},
	{"3216140", "Cabangbungin"}, {"3216150", "Muaragembong"},
}

// Reference loads the kecamatan list and reports how many rows were new.
func Reference(ctx context.Context, db *gorm.DB) (int64, error) {
	res := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&KabupatenBekasi)
	if res.Error != nil {
		return 0, fmt.Errorf("seed: kecamatan: %w", res.Error)
	}
	return res.RowsAffected, nil
}
