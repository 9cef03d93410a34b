package sheet_test

import (
	"archive/zip"
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/sheet"
)

// xlsx builds a workbook whose first sheet holds cells (row -> values);
// rows missing from the map stay empty.
func xlsx(t *testing.T, rows map[int][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for r, vals := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, r)
		if err := f.SetSheetRow("Sheet1", cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadTables(t *testing.T) {
	tests := []struct {
		name   string
		data   []byte
		format sheet.Format
		header []string
		rows   []sheet.Row
	}{
		{
			name:   "comma CSV with blank lines keeps line numbers",
			data:   []byte("nib,nama\n\n9120000000001, PT Satu \n\n9120000000002,\"PT Dua, Tbk\"\n"),
			format: sheet.CSV,
			header: []string{"nib", "nama"},
			rows: []sheet.Row{
				{Line: 3, Cells: []string{"9120000000001", "PT Satu"}},
				{Line: 5, Cells: []string{"9120000000002", "PT Dua, Tbk"}},
			},
		},
		{
			name:   "semicolon CSV with a byte order mark and short rows",
			data:   []byte("\xEF\xBB\xBFnib;nama;kbli\r\n9120000000001;PT Satu\r\n"),
			format: sheet.CSV,
			header: []string{"nib", "nama", "kbli"},
			rows:   []sheet.Row{{Line: 2, Cells: []string{"9120000000001", "PT Satu", ""}}},
		},
		{
			name:   "Windows-1252 CSV",
			data:   must(charmap.Windows1252.NewEncoder().Bytes([]byte("nib,nama\n9120000000001,Café Ria\n"))),
			format: sheet.CSV,
			header: []string{"nib", "nama"},
			rows:   []sheet.Row{{Line: 2, Cells: []string{"9120000000001", "Café Ria"}}},
		},
		{
			name: "XLSX with a gap, a numeric NIB and a date serial",
			data: xlsx(t, map[int][]any{
				1: {"nib", "nama", "tanggal"},
				2: {9120000000001, "PT Satu", 45292},
				4: {"0120000000002", "PT Dua", "2024-01-02"},
			}),
			format: sheet.XLSX,
			header: []string{"nib", "nama", "tanggal"},
			rows: []sheet.Row{
				{Line: 2, Cells: []string{"9120000000001", "PT Satu", "45292"}},
				{Line: 4, Cells: []string{"0120000000002", "PT Dua", "2024-01-02"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sheet.Read(tt.data, sheet.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if got.Format != tt.format || !reflect.DeepEqual(got.Header, tt.header) || !reflect.DeepEqual(got.Rows, tt.rows) {
				t.Errorf("got %+v\nwant format %s header %v rows %+v", got, tt.format, tt.header, tt.rows)
			}
		})
	}
}

func TestReadRefusesWhatIsNotATable(t *testing.T) {
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, _ := zw.Create("readme.txt")
	w.Write([]byte("not a workbook"))
	zw.Close()

	tests := []struct {
		name string
		data []byte
		kind fault.Kind
		line int
		want string // part of the reason
	}{
		{"empty", []byte("  \n"), fault.KindInvalid, 0, "kosong"},
		{"PNG image", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), fault.KindUnsupported, 0, "bukan teks"},
		{"PDF", []byte("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj"), fault.KindUnsupported, 0, "application/pdf"},
		{"old XLS", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), fault.KindUnsupported, 0, ".xls"},
		{"ZIP that is no workbook", zipped.Bytes(), fault.KindUnsupported, 0, "bukan buku kerja"},
		{"header only", []byte("nib,nama\n"), fault.KindInvalid, 1, "tidak berisi baris data"},
		{"broken quote", []byte("nib,nama\n1,\"PT \"Satu\"\n"), fault.KindInvalid, 2, "kutip"},
		{"more cells than header", []byte("nib,nama\n1,PT Satu,lebih\n"), fault.KindInvalid, 2, "lebih banyak"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sheet.Read(tt.data, sheet.DefaultLimits)
			fe, ok := fault.As(err)
			if !ok || fe.Kind != tt.kind || len(fe.Fields) != 1 {
				t.Fatalf("error %v, want kind %d with one field", err, tt.kind)
			}
			f := fe.Fields[0]
			if f.Field != "file" || f.Line != tt.line || !strings.Contains(f.Reason, tt.want) {
				t.Errorf("field error %+v, want file, line %d, reason containing %q", f, tt.line, tt.want)
			}
		})
	}
}

func TestReadLimitsRows(t *testing.T) {
	data := []byte("nib\n1\n2\n3\n")
	_, err := sheet.Read(data, sheet.Limits{MaxRows: 2, MaxUnzipped: 1 << 20})
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.KindInvalid || fe.Fields[0].Line != 4 {
		t.Fatalf("error %v, want the fourth line refused", err)
	}
	if _, err := sheet.Read(data, sheet.Limits{MaxRows: 3, MaxUnzipped: 1 << 20}); err != nil {
		t.Fatalf("three rows at a limit of three: %v", err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
