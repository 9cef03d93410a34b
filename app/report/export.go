package report

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/clock"
)

// Export is the whole sanction list of one period (every page, in the
// list's order), ready to be written as CSV or XLSX. Rows are streamed from
// the database as they are written, so memory does not grow with the list.
type Export struct {
	s *Service
	q listQuery
}

// PrepareExport validates f (its cursor and limit are ignored: an export is
// the whole list) and resolves the period, so that every input error is
// reported before anything is written.
func (s *Service) PrepareExport(ctx context.Context, f ListFilter) (*Export, error) {
	f.Cursor, f.Limit = "", 0
	q, err := s.prepareList(ctx, f)
	if err != nil {
		return nil, err
	}
	return &Export{s: s, q: q}, nil
}

// Filename is the download's name: daftar-sanksi-2025-Q1.csv.
func (x *Export) Filename(ext string) string {
	return "daftar-sanksi-" + x.q.period.String() + "." + ext
}

// utf8BOM lets spreadsheet programs recognise the file as UTF-8.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// column is one column of the export: its header and how a row fills it.
// Values are int64, float64 (decimals), percent (a ratio shown as %),
// rupiah (int64 shown as Rp) or string.
type column struct {
	header string
	value  func(r SanctionRow) any
}

type rupiah int64
type percent float64

func (x *Export) columns() []column {
	cols := []column{
		{"NIB", func(r SanctionRow) any { return r.NIB }},
		{"Nama usaha", func(r SanctionRow) any { return r.Name }},
		{"Kategori", func(r SanctionRow) any { return label(categoryLabels, r.Category) }},
		{"Kecamatan", func(r SanctionRow) any { return r.KecamatanName }},
		{"Status", func(r SanctionRow) any { return label(statusLabels, r.Status) }},
		{"Laporan berkala", func(r SanctionRow) any { return label(reportLabels, r.ReportStatus) }},
		{"Target pembelian (Rp)", func(r SanctionRow) any { return rupiah(r.PurchaseValue.Target) }},
		{"Realisasi pembelian (Rp)", func(r SanctionRow) any { return rupiah(r.PurchaseValue.Realised) }},
		{"Kekurangan pembelian (Rp)", func(r SanctionRow) any { return rupiah(r.PurchaseValue.Missing) }},
		{"Target IKM", func(r SanctionRow) any { return r.IKMCount.Target }},
		{"Realisasi IKM", func(r SanctionRow) any { return r.IKMCount.Realised }},
		{"Kekurangan IKM", func(r SanctionRow) any { return r.IKMCount.Missing }},
		{"Target slot tempat", func(r SanctionRow) any { return r.OutletSlots.Target }},
		{"Realisasi slot tempat", func(r SanctionRow) any { return r.OutletSlots.Realised }},
		{"Kekurangan slot tempat", func(r SanctionRow) any { return r.OutletSlots.Missing }},
		{"Capaian rata-rata", func(r SanctionRow) any {
			if r.MeanRatio == nil {
				return ""
			}
			return percent(*r.MeanRatio)
		}},
		{"Nomor kasus", func(r SanctionRow) any {
			if r.Case == nil {
				return ""
			}
			return r.Case.ID
		}},
		{"Tahap kasus", func(r SanctionRow) any {
			if r.Case == nil {
				return ""
			}
			l := label(stageLabels, r.Case.Stage)
			if r.Case.Outcome != "" {
				l += " (" + label(outcomeLabels, r.Case.Outcome) + ")"
			}
			return l
		}},
		{"Batas tanggapan", func(r SanctionRow) any {
			if r.Case == nil || r.Case.ResponseDue == nil {
				return ""
			}
			return r.Case.ResponseDue.Format(time.DateOnly)
		}},
		{"Lewat batas", func(r SanctionRow) any {
			if r.Case != nil && r.Case.Overdue {
				return "Ya"
			}
			return ""
		}},
		{"Keputusan terakhir", func(r SanctionRow) any {
			if r.LastDecision == nil {
				return ""
			}
			return decisionLabel(r.LastDecision.Decision, r.LastDecision.Rung)
		}},
		{"Diputuskan oleh", func(r SanctionRow) any {
			if r.LastDecision == nil {
				return ""
			}
			return r.LastDecision.ReviewerName
		}},
		{"Tanggal keputusan (WIB)", func(r SanctionRow) any {
			if r.LastDecision == nil {
				return ""
			}
			return r.LastDecision.DecidedAt.In(clock.WIB).Format("2006-01-02 15:04")
		}},
	}
	// The periods before the listed one, oldest first.
	for i := 0; i < len(x.q.history)-1; i++ {
		i := i
		cols = append(cols, column{"Status " + x.q.history[i], func(r SanctionRow) any {
			if st := r.History[i].Status; st != "" {
				return label(statusLabels, st)
			}
			return ""
		}})
	}
	return append(cols, column{"Periode berturut-turut tidak patuh", func(r SanctionRow) any { return int64(r.Streak) }})
}

// WriteCSV writes the list as CSV, UTF-8 with a byte order mark, separated
// by sep (',' or ';'). With ';' decimals are written with a comma, the way
// spreadsheet programs in locales that use ';' read them. Text that a
// spreadsheet would take for a formula is prefixed with an apostrophe.
func (x *Export) WriteCSV(ctx context.Context, w io.Writer, sep rune) error {
	cw := csv.NewWriter(w)
	cw.Comma = sep
	cols := x.columns()
	record := make([]string, len(cols))
	start := func() error {
		if _, err := w.Write(utf8BOM); err != nil {
			return err
		}
		for i, c := range cols {
			record[i] = c.header
		}
		return cw.Write(record)
	}
	decimalComma := sep == ';'
	err := x.s.eachRow(ctx, x.q, start, func(r SanctionRow) error {
		for i, c := range cols {
			record[i] = csvText(c.value(r), decimalComma)
		}
		return cw.Write(record)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func csvText(v any, decimalComma bool) string {
	var s string
	switch x := v.(type) {
	case string:
		return defuseFormula(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case rupiah:
		return strconv.FormatInt(int64(x), 10)
	case float64:
		s = strconv.FormatFloat(x, 'f', 2, 64)
	case percent:
		s = strconv.FormatFloat(float64(x)*100, 'f', 1, 64)
	default:
		return fmt.Sprint(v)
	}
	if decimalComma {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// defuseFormula keeps a spreadsheet from running text as a formula (CSV
// injection): a cell starting with = + - @ or a control character gets a
// leading apostrophe.
func defuseFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Sheet names of the workbook.
const (
	SheetList   = "Daftar sanksi"
	SheetTotals = "Ringkasan"
)

// totals are the figures of the summary sheet, gathered while the rows
// stream past.
type totals struct {
	rows               int64
	byStatus, byReport map[string]int64
	missPv, missIk     int64
	missOs             float64
	openCases, overdue int64
}

func (t *totals) add(r SanctionRow) {
	t.rows++
	t.byStatus[r.Status]++
	t.byReport[r.ReportStatus]++
	t.missPv += r.PurchaseValue.Missing
	t.missIk += r.IKMCount.Missing
	t.missOs += r.OutletSlots.Missing
	if r.Case != nil && r.Case.Open {
		t.openCases++
		if r.Case.Overdue {
			t.overdue++
		}
	}
}

// WriteXLSX writes the list as a workbook: the list on the first sheet
// (bold header row, frozen, with an autofilter; rupiah, decimal and percent
// number formats) and the totals on the second. The list is written with
// excelize's stream writer, which keeps at most a small buffer in memory
// and spills the rest to a temporary file; only the compressed workbook is
// held whole, as excelize writes it.
func (x *Export) WriteXLSX(ctx context.Context, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetList); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(SheetList)
	if err != nil {
		return err
	}
	cols := x.columns()
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	for i, c := range cols {
		width := float64(len(c.header)) + 2
		switch i {
		case 1:
			width = 36
		case 3, 17:
			width = 22
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = excelize.Cell{StyleID: st.header, Value: c.header}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	t := totals{byStatus: map[string]int64{}, byReport: map[string]int64{}}
	line := 1
	values := make([]any, len(cols))
	err = x.s.eachRow(ctx, x.q, func() error { return nil }, func(r SanctionRow) error {
		t.add(r)
		line++
		for i, c := range cols {
			values[i] = st.cell(c.value(r))
		}
		cell, _ := excelize.CoordinatesToCellName(1, line)
		return sw.SetRow(cell, values)
	})
	if err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(cols), line)
	// Set on the worksheet the stream writer holds; Flush writes it out.
	if err := f.AutoFilter(SheetList, "A1:"+last, nil); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if err := x.writeTotals(f, st, t); err != nil {
		return err
	}
	// The list sheet stays active (NewSheet does not change it); calling
	// SetActiveSheet here would parse the streamed sheet back into memory.
	// excelize assembles the finished zip in memory before writing it: that
	// is the compressed file, a few megabytes at 100,000 rows.
	_, err = f.WriteTo(w)
	return err
}

func (x *Export) writeTotals(f *excelize.File, st styles, t totals) error {
	if _, err := f.NewSheet(SheetTotals); err != nil {
		return err
	}
	rows := [][2]any{
		{"Periode", x.q.period.String() + " (" + x.q.period.Label() + ")"},
		{"Versi aturan", x.q.ruleSet.Version},
		{"Dibuat (WIB)", x.q.now.In(clock.WIB).Format("2006-01-02 15:04")},
		{"Jumlah usaha dalam daftar", t.rows},
	}
	for _, s := range ListStatuses {
		rows = append(rows, [2]any{"Status: " + label(statusLabels, s), t.byStatus[s]})
	}
	rows = append(rows,
		[2]any{"Laporan berkala terlambat", t.byReport[compliance.ReportLate]},
		[2]any{"Laporan berkala tidak ada", t.byReport[compliance.ReportMissing]},
		[2]any{"Total kekurangan pembelian (Rp)", rupiah(t.missPv)},
		[2]any{"Total kekurangan IKM", t.missIk},
		[2]any{"Total kekurangan slot tempat", t.missOs},
		[2]any{"Kasus terbuka", t.openCases},
		[2]any{"Kasus lewat batas tanggapan", t.overdue},
	)
	if err := f.SetColWidth(SheetTotals, "A", "A", 36); err != nil {
		return err
	}
	if err := f.SetColWidth(SheetTotals, "B", "B", 28); err != nil {
		return err
	}
	for i, r := range rows {
		a, _ := excelize.CoordinatesToCellName(1, i+1)
		b, _ := excelize.CoordinatesToCellName(2, i+1)
		if err := f.SetCellValue(SheetTotals, a, r[0]); err != nil {
			return err
		}
		if err := f.SetCellStyle(SheetTotals, a, a, st.header); err != nil {
			return err
		}
		c := st.cell(r[1]).(excelize.Cell)
		if err := f.SetCellValue(SheetTotals, b, c.Value); err != nil {
			return err
		}
		if c.StyleID != 0 {
			if err := f.SetCellStyle(SheetTotals, b, b, c.StyleID); err != nil {
				return err
			}
		}
	}
	return nil
}

type styles struct {
	header, rupiah, decimal, percent int
}

func newStyles(f *excelize.File) (styles, error) {
	var st styles
	var err error
	if st.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}}); err != nil {
		return st, err
	}
	rp := `"Rp"\ #,##0;\-"Rp"\ #,##0`
	if st.rupiah, err = f.NewStyle(&excelize.Style{CustomNumFmt: &rp}); err != nil {
		return st, err
	}
	if st.decimal, err = f.NewStyle(&excelize.Style{NumFmt: 2}); err != nil { // 0.00
		return st, err
	}
	if st.percent, err = f.NewStyle(&excelize.Style{NumFmt: 10}); err != nil { // 0.00%
		return st, err
	}
	return st, nil
}

// cell turns an export value into a typed, styled cell.
func (st styles) cell(v any) any {
	switch x := v.(type) {
	case rupiah:
		return excelize.Cell{StyleID: st.rupiah, Value: int64(x)}
	case float64:
		return excelize.Cell{StyleID: st.decimal, Value: x}
	case percent:
		return excelize.Cell{StyleID: st.percent, Value: float64(x)}
	default:
		return excelize.Cell{Value: v}
	}
}
