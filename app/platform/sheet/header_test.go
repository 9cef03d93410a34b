package sheet_test

import (
	"reflect"
	"testing"

	"kemitraan/app/platform/sheet"
)

func TestMatchHeader(t *testing.T) {
	cols := []sheet.Column{
		{Name: "nib", Required: true},
		{Name: "nama_usaha", Aliases: []string{"nama"}, Required: true},
		{Name: "telepon"},
	}
	tests := []struct {
		name     string
		cells    []string
		errs     []string // "field: reason" per error, in order
		cell     map[string]string
		position int // of the column the file writes as "Nama Usaha*", where present
	}{
		{"folded names and aliases; trailing blanks ignored", []string{" NIB ", "Nama Usaha*", "telepon", "", ""}, nil,
			map[string]string{"nib": "9120000000001", "nama_usaha": "PT Satu", "telepon": "0812"}, 1},
		{"alias", []string{"nama", "nib"}, nil, map[string]string{"nama_usaha": "9120000000001", "nib": "PT Satu"}, -1},
		{"every header error at once", []string{"nib", "", "warna", "NIB"}, []string{
			"kolom 2: judul kolom kosong",
			"warna: kolom tidak dikenal; kolom yang dikenal: nib, nama_usaha, telepon",
			"NIB: kolom nib muncul lebih dari sekali",
			"nama_usaha: kolom wajib tidak ada",
		}, nil, -1},
	}
	row := []string{"9120000000001", " PT Satu ", "0812"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, errs := sheet.MatchHeader(tt.cells, 1, cols)
			var got []string
			for _, e := range errs {
				if e.Line != 1 {
					t.Errorf("error %v not on the header line", e)
				}
				got = append(got, e.Field+": "+e.Reason)
			}
			if !reflect.DeepEqual(got, tt.errs) {
				t.Fatalf("errors %q, want %q", got, tt.errs)
			}
			for name, want := range tt.cell {
				if v := h.Cell(row, name); v != want {
					t.Errorf("Cell(%s) = %q, want %q", name, v, want)
				}
			}
			if tt.position >= 0 {
				if p := h.Position("Nama Usaha*"); p != tt.position || h.Written("nama_usaha") != "Nama Usaha*" {
					t.Errorf("position %d, written %q", p, h.Written("nama_usaha"))
				}
			}
		})
	}
}
