package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"kemitraan/app/platform/dbtest"
)

// exportWorld is a list of three for 2025-Q1: a warned industrial estate
// with a NIB that starts with 0, a case, a response deadline and a
// decision; a restaurant with most of its purchases and no case; and a
// business with a very long name.
type exportWorld struct {
	*world
	estateNIB, estateName, longName string
}

func newExportWorld(t *testing.T) *exportWorld {
	w := &exportWorld{world: newWorld(t, time.Date(2025, 4, 25, 1, 0, 0, 0, time.UTC)),
		estateNIB: "0123456789012", estateName: "PT Kawasan Industri Cikarang Tahap Dua",
		longName: "PT " + strings.Repeat("Nama Yang Sangat Panjang ", 4) + "Tbk"}
	estate := dbtest.AddBusiness(t, w.db, dbtest.Business{NIB: w.estateNIB, Name: w.estateName, Category: "industrial_estate"})
	w.listed(estate, "industrial_estate", "non_compliant", 100_000_000, 0)
	caseID := w.id(`INSERT INTO sanction_cases (business_id, stage, rung, rule_set_id, opened_at, response_due,
			response_deadline, updated_at)
		SELECT ?, 'warned', 1, id, '2025-04-21 01:00+00', '2025-05-07', '2025-05-07 17:00+00', now()
		FROM rule_sets WHERE version = 'bekasi-2025' RETURNING id`, estate)
	w.id(`INSERT INTO sanction_decisions (case_id, decision, from_stage, to_stage, rung, reviewer_name, decided_at)
		VALUES (?, 'warn', 'queued', 'warned', 1, 'Drs. Bambang Sutrisno, M.Si.', '2025-04-22 03:00+00') RETURNING id`, caseID)
	resto := w.business("Resto Hampir", "restaurant")
	w.listed(resto, "restaurant", "partial", 25_000_000, 20_000_000)
	// How it paid, as purchase_totals keeps it beside the evaluation.
	w.id(`INSERT INTO purchase_totals (period, business_id, amount, ikm_count, on_time_amount, late_amount)
		VALUES ('2025-Q1', ?, 20000000, 1, 15000000, 5000000) RETURNING business_id`, resto)
	w.listed(w.business(w.longName, "factory"), "factory", "non_compliant", 25_000_000, 1_000_000)
	return w
}

// listed writes a 2025-Q1 evaluation of category (its IKM and slot targets
// met) that puts the business on the list.
func (w *exportWorld) listed(business int64, category, status string, target, realised int64) {
	w.id(`INSERT INTO evaluations (business_id, period, period_start, period_end, rule_set_id, category,
			target_purchase_value, target_ikm_count, target_outlet_slots, realised_purchase_value, realised_ikm_count,
			realised_outlet_slots, mean_ratio, status, report_status, computed_at)
		SELECT ?, '2025-Q1', '2025-01-01', '2025-03-31', id, ?, ?, 0, 0, ?, 0, 0,
			least(?::numeric / ?, 1), ?, 'on_time', now()
		FROM rule_sets WHERE version = 'bekasi-2025' RETURNING id`, business, category, target, realised, realised, target, status)
}

func (w *exportWorld) xlsx() *excelize.File {
	w.t.Helper()
	x, err := w.s.PrepareExport(w.ctx, ListFilter{})
	if err != nil {
		w.t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := x.WriteXLSX(w.ctx, &buf); err != nil {
		w.t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { f.Close() })
	return f
}

// sheetCells reads a list sheet back: the column of each header (row 2)
// and the data row (from 3) of each business, by name.
type sheetCells struct {
	t    *testing.T
	f    *excelize.File
	col  map[string]int
	row  map[string]int
	rows [][]string
}

func readList(t *testing.T, f *excelize.File) sheetCells {
	t.Helper()
	rows, err := f.GetRows(SheetList, excelize.Options{RawCellValue: true})
	if err != nil || len(rows) < 2 {
		t.Fatalf("%d rows: %v", len(rows), err)
	}
	s := sheetCells{t: t, f: f, col: map[string]int{}, row: map[string]int{}, rows: rows}
	for i, h := range rows[1] {
		s.col[h] = i + 1
	}
	for i, r := range rows[2:] {
		s.row[r[s.col["Nama usaha"]-1]] = i + 3
	}
	return s
}

func (s sheetCells) cell(business, header string) string {
	s.t.Helper()
	c, ok := s.col[header]
	r, ok2 := s.row[business]
	if !ok || !ok2 {
		s.t.Fatalf("no cell %q / %q", business, header)
	}
	name, _ := excelize.CoordinatesToCellName(c, r)
	return name
}

func (s sheetCells) raw(business, header string) string {
	s.t.Helper()
	v, err := s.f.GetCellValue(SheetList, s.cell(business, header), excelize.Options{RawCellValue: true})
	if err != nil {
		s.t.Fatal(err)
	}
	return v
}

func (s sheetCells) shown(business, header string) string {
	s.t.Helper()
	v, err := s.f.GetCellValue(SheetList, s.cell(business, header))
	if err != nil {
		s.t.Fatal(err)
	}
	return v
}

func (s sheetCells) typ(business, header string) excelize.CellType {
	s.t.Helper()
	typ, err := s.f.GetCellType(SheetList, s.cell(business, header))
	if err != nil {
		s.t.Fatal(err)
	}
	return typ
}

// style is the cell's number format: a built-in id, or a custom code.
func (s sheetCells) style(business, header string) (int, string) {
	s.t.Helper()
	id, err := s.f.GetCellStyle(SheetList, s.cell(business, header))
	if err != nil {
		s.t.Fatal(err)
	}
	st, err := s.f.GetStyle(id)
	if err != nil {
		s.t.Fatal(err)
	}
	if st.CustomNumFmt != nil {
		return 0, *st.CustomNumFmt
	}
	return st.NumFmt, ""
}

func (s sheetCells) width(header string) float64 {
	s.t.Helper()
	name, _ := excelize.ColumnNumberToName(s.col[header])
	w, err := s.f.GetColWidth(SheetList, name)
	if err != nil {
		s.t.Fatal(err)
	}
	return w
}

// The workbook an officer opens in Excel: the period in a title row, a
// frozen, filtered header row, columns wide enough for what they hold,
// typed cells with the office's formats, empty cells where there is
// nothing, and a page set up to print.
func TestXLSXExportOpensCleanlyInExcel(t *testing.T) {
	t.Parallel()
	w := newExportWorld(t)
	f := w.xlsx()
	s := readList(t, f)
	const estate, resto = "PT Kawasan Industri Cikarang Tahap Dua", "Resto Hampir"

	if got := s.rows[0]; len(got) != 1 || got[0] != "Daftar sanksi — Triwulan I 2025" {
		t.Errorf("title row %q", got)
	}
	if len(s.rows) != 5 || s.rows[1][0] != "NIB" {
		t.Fatalf("rows %q", s.rows)
	}

	// Widths: at least the longest value, capped.
	for _, tc := range []struct {
		header  string
		longest string
	}{
		{"NIB", w.estateNIB},
		{"Kategori", "Kawasan industri"},
		{"Diputuskan oleh", "Drs. Bambang Sutrisno, M.Si."},
		{"Kekurangan pembelian (Rp)", "Rp100.000.000"},
		{"Batas tanggapan", "7 Mei 2025"},
	} {
		if got := s.width(tc.header); got < float64(utf8.RuneCountInString(tc.longest)) || got > maxColumnWidth {
			t.Errorf("column %q is %v wide for %q", tc.header, got, tc.longest)
		}
	}
	if got := s.width("Nama usaha"); got != maxColumnWidth {
		t.Errorf("name column %v wide for a %d-character name, want the cap %d", got, utf8.RuneCountInString(w.longName), maxColumnWidth)
	}

	// The NIB is text, leading zero and all, in a text-formatted column.
	if got, typ := s.raw(estate, "NIB"), s.typ(estate, "NIB"); got != w.estateNIB || typ != excelize.CellTypeInlineString {
		t.Errorf("NIB %q of type %v", got, typ)
	}
	if id, _ := s.style(estate, "NIB"); id != 49 {
		t.Errorf("NIB number format %d, want 49 (@, text)", id)
	}

	// Rupiah: a number with the rupiah format, no space after Rp (excelize
	// draws it with English separators; Indonesian Excel shows dots).
	if got := s.raw(estate, "Kekurangan pembelian (Rp)"); got != "100000000" {
		t.Errorf("rupiah value %q", got)
	}
	// How the resto paid its IKM: the timeliness the evaluation recorded.
	for header, want := range map[string]string{"Dibayar tepat waktu (Rp)": "15000000", "Dibayar terlambat (Rp)": "5000000",
		"Belum dibayar lewat tempo (Rp)": "0", "Bagian dibayar tepat waktu": "0.75"} {
		if got := s.raw(resto, header); got != want {
			t.Errorf("%s: %q, want %q", header, got, want)
		}
	}
	if got := s.raw(estate, "Bagian dibayar tepat waktu"); got != "" {
		t.Errorf("the share of a business that paid nothing: %q, want empty", got)
	}
	if _, code := s.style(estate, "Kekurangan pembelian (Rp)"); code != `[$Rp-421]#,##0;-[$Rp-421]#,##0` {
		t.Errorf("rupiah format %q", code)
	}
	if got := s.shown(estate, "Kekurangan pembelian (Rp)"); got != "Rp100,000,000" {
		t.Errorf("rupiah shown %q", got)
	}
	if typ := s.typ(estate, "Kekurangan pembelian (Rp)"); typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
		t.Errorf("rupiah cell is text")
	}

	// Dates are Excel dates: a serial number with a date format.
	for _, tc := range []struct {
		header, code, shown string
		want                time.Time
	}{
		{"Batas tanggapan", `[$-421]d mmmm yyyy`, "7 Mei 2025", time.Date(2025, 5, 7, 0, 0, 0, 0, time.UTC)},
		// 03:00 UTC is 10:00 WIB.
		{"Tanggal keputusan (WIB)", `[$-421]d mmmm yyyy hh"."mm`, "22 April 2025 10.00", time.Date(2025, 4, 22, 10, 0, 0, 0, time.UTC)},
	} {
		raw := s.raw(estate, tc.header)
		serial, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			t.Errorf("%s: %q is not a number", tc.header, raw)
			continue
		}
		if got, _ := excelize.ExcelDateToTime(serial, false); !got.Round(time.Second).Equal(tc.want) {
			t.Errorf("%s: serial %v is %v, want %v", tc.header, serial, got, tc.want)
		}
		if _, code := s.style(estate, tc.header); code != tc.code {
			t.Errorf("%s: format %q, want %q", tc.header, code, tc.code)
		}
		if got := s.shown(estate, tc.header); got != tc.shown {
			t.Errorf("%s: shown %q, want %q", tc.header, got, tc.shown)
		}
	}

	// Percentages and counts are numbers with their formats.
	if got, err := strconv.ParseFloat(s.raw(resto, "Capaian rata-rata"), 64); err != nil || math.Abs(got-0.8) > 1e-9 {
		t.Errorf("fulfilment %q", s.raw(resto, "Capaian rata-rata"))
	}
	if _, code := s.style(resto, "Capaian rata-rata"); code != "0.0%" {
		t.Errorf("percent format %q", code)
	}
	if id, _ := s.style(resto, "Kekurangan IKM"); id != 3 {
		t.Errorf("count format %d, want 3 (#,##0)", id)
	}

	// No case: the case's cells are not there at all, not "", "0" or "-".
	for _, h := range []string{"Nomor kasus", "Tahap kasus", "Batas tanggapan", "Lewat batas", "Keputusan terakhir",
		"Diputuskan oleh", "Tanggal keputusan (WIB)", "Status 2024-Q4"} {
		if got, typ := s.raw(resto, h), s.typ(resto, h); got != "" || typ != excelize.CellTypeUnset {
			t.Errorf("%s: %q (type %v), want an empty cell", h, got, typ)
		}
	}

	// The title and header rows stay in view; the filter sits on the header.
	panes, err := f.GetPanes(SheetList)
	if err != nil || !panes.Freeze || panes.YSplit != 2 || panes.TopLeftCell != "A3" {
		t.Errorf("panes %+v %v", panes, err)
	}
	names := map[string]excelize.DefinedName{}
	for _, dn := range f.GetDefinedName() {
		names[dn.Name] = dn
	}
	last, _ := excelize.ColumnNumberToName(len(s.rows[1]))
	if got := names["_xlnm._FilterDatabase"].RefersTo; got != fmt.Sprintf("'%s'!$A$2:$%s$5", SheetList, last) {
		t.Errorf("autofilter %q", got)
	}

	// Printing: landscape, one page wide, the header row on every page.
	layout, err := f.GetPageLayout(SheetList)
	if err != nil || layout.Orientation == nil || *layout.Orientation != "landscape" ||
		layout.FitToWidth == nil || *layout.FitToWidth != 1 || layout.FitToHeight == nil || *layout.FitToHeight != 0 {
		t.Errorf("page layout %+v %v", layout, err)
	}
	props, err := f.GetSheetProps(SheetList)
	if err != nil || props.FitToPage == nil || !*props.FitToPage {
		t.Errorf("fit to page not set: %+v %v", props, err)
	}
	if pt := names["_xlnm.Print_Titles"]; pt.RefersTo != "'Daftar sanksi'!$2:$2" || pt.Scope != SheetList {
		t.Errorf("print titles %+v", pt)
	}
	hf, err := f.GetHeaderFooter(SheetList)
	if err != nil || !strings.Contains(hf.OddHeader, "Triwulan I 2025") || !strings.Contains(hf.OddFooter, "&P") {
		t.Errorf("header and footer %+v %v", hf, err)
	}

	// The totals sheet is typed too.
	totals, err := f.GetRows(SheetTotals, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range totals {
		if len(r) == 2 {
			got[r[0]] = r[1]
		}
	}
	if got["Jumlah usaha dalam daftar"] != "3" || got["Total kekurangan pembelian (Rp)"] != "129000000" ||
		got["Periode"] != "2025-Q1 (Triwulan I 2025)" {
		t.Errorf("totals %v", got)
	}
}

// The CSV for Indonesian Excel parses with ';', has decimal commas and a
// percent sign, and keeps the NIB whole as a text formula; the plain CSV
// keeps the values as programs expect them.
func TestCSVExportFormats(t *testing.T) {
	t.Parallel()
	w := newExportWorld(t)
	x, err := w.s.PrepareExport(w.ctx, ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cf     CSVFormat
		comma  rune
		want   map[string]string // header → the estate's value
		wantRs map[string]string // header → the restaurant's value
	}{
		{CSVPlain, ',',
			map[string]string{"NIB": "0123456789012", "Kekurangan pembelian (Rp)": "100000000", "Kategori": "Kawasan industri",
				"Batas tanggapan": "2025-05-07", "Tanggal keputusan (WIB)": "2025-04-22 10:00", "Capaian rata-rata": "0.0"},
			map[string]string{"Capaian rata-rata": "80.0", "Realisasi slot tempat": "0.00", "Nomor kasus": "", "Batas tanggapan": ""}},
		{CSVExcel, ';',
			map[string]string{"NIB": `="0123456789012"`, "Kekurangan pembelian (Rp)": "100000000", "Kategori": "Kawasan industri",
				"Batas tanggapan": "2025-05-07", "Tanggal keputusan (WIB)": "2025-04-22 10:00", "Capaian rata-rata": "0,0%"},
			map[string]string{"Capaian rata-rata": "80,0%", "Realisasi slot tempat": "0,00", "Nomor kasus": "", "Batas tanggapan": ""}},
	} {
		var buf bytes.Buffer
		if err := x.WriteCSV(w.ctx, &buf, tc.cf); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(buf.Bytes(), utf8BOM) {
			t.Errorf("%s: no byte order mark", tc.cf)
		}
		cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), utf8BOM)))
		cr.Comma = tc.comma
		records, err := cr.ReadAll()
		if err != nil || len(records) != 4 {
			t.Fatalf("%s: %d records: %v", tc.cf, len(records), err)
		}
		col := map[string]int{}
		for i, h := range records[0] {
			col[h] = i
		}
		byName := map[string][]string{}
		for _, r := range records[1:] {
			byName[r[col["Nama usaha"]]] = r
		}
		for who, want := range map[string]map[string]string{w.estateName: tc.want, "Resto Hampir": tc.wantRs} {
			for h, v := range want {
				if got := byName[who][col[h]]; got != v {
					t.Errorf("%s: %s %q = %q, want %q", tc.cf, who, h, got, v)
				}
			}
		}
	}
}

// A spool gives its rows back as they went in, from memory or, past
// spoolMemory, from a temporary file it removes.
func TestSpoolKeepsRowsInOrder(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 3, 40_000} {
		var s spool
		row := func(i int) []any {
			var empty any
			if i%2 == 0 {
				empty = "Ya"
			}
			return []any{fmt.Sprintf("PT Usaha Ke-%d ñ", i), int64(i) * -1_000_003, float64(i) / 3, empty, int64(i)}
		}
		for i := range n {
			if err := s.add(row(i)); err != nil {
				t.Fatal(err)
			}
		}
		onDisk := s.file != nil
		if onDisk != (n == 40_000) {
			t.Errorf("%d rows: on disk %v", n, onDisk)
		}
		i := 0
		err := s.each(5, func(vals []any) error {
			want := row(i)
			for j := range want {
				if vals[j] != want[j] {
					return fmt.Errorf("row %d value %d: %#v, want %#v", i, j, vals[j], want[j])
				}
			}
			i++
			return nil
		})
		if err != nil || i != n {
			t.Errorf("%d rows: read %d: %v", n, i, err)
		}
		name := ""
		if s.file != nil {
			name = s.file.Name()
		}
		s.close()
		if name != "" {
			if _, err := os.Stat(name); !os.IsNotExist(err) {
				t.Errorf("temporary file left behind: %v", err)
			}
		}
	}
}

func TestColumnWidth(t *testing.T) {
	for _, tc := range []struct {
		header  string
		longest int
		want    int
		lines   int
	}{
		{"NIB", 13, 15, 1},
		{"NIB", 0, 5, 1},
		{"Kekurangan pembelian (Rp)", 13, 22, 2},
		{"Periode berturut-turut tidak patuh", 1, 22, 3},
		{"Nama usaha", 200, maxColumnWidth, 1},
	} {
		got := columnWidth(tc.header, tc.longest)
		if got != tc.want {
			t.Errorf("columnWidth(%q, %d) = %d, want %d", tc.header, tc.longest, got, tc.want)
		}
		if l := wrappedLines(tc.header, got-columnPadding); l != tc.lines {
			t.Errorf("%q at %d: %d lines, want %d", tc.header, got, l, tc.lines)
		}
	}
	for _, tc := range []struct {
		k    kind
		v    any
		want string
	}{
		{kindRupiah, int64(100_000_000), "Rp100.000.000"},
		{kindRupiah, int64(-25_000), "-Rp25.000"},
		{kindRupiah, int64(0), "Rp0"},
		{kindCount, int64(1234), "1.234"},
		{kindInt, int64(12345), "12345"},
		{kindDecimal, 1234.5, "1.234,50"},
		{kindPercent, 0.875, "87,5%"},
		{kindDate, time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC), "30 September 2025"},
		{kindMoment, time.Date(2025, 9, 30, 17, 30, 0, 0, time.UTC), "1 Oktober 2025 00.30"},
		{kindText, "Kecamatan Cikarang Barat", "Kecamatan Cikarang Barat"},
	} {
		if got := displayWidth(tc.k, tc.v); got != utf8.RuneCountInString(tc.want) {
			t.Errorf("displayWidth(%v) = %d, want %d (%s)", tc.v, got, len(tc.want), tc.want)
		}
	}
}
