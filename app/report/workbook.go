package report

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/format"
)

// Sheet names of the workbook.
const (
	SheetList   = "Daftar sanksi"
	SheetTotals = "Ringkasan"
)

// Number formats. A format code is stored locale-neutral ("," groups
// thousands, "." is the decimal point) and Excel draws it with the
// separators of the computer it runs on: on Windows set to Indonesian, as at
// the office, Rp100.000.000, 1.234,50 and 87,5%, the way format.Rupiah and
// the pages write them; an Excel set to English shows Rp100,000,000. No
// code can pin the separators (literal dots would break at other
// magnitudes), and the value stays the same number either way.
// [$Rp-421] is Excel's own code for the Indonesian rupiah (Format Cells
// shows it as Currency, Rp Indonesian); [$-421] writes month names in
// Indonesian whatever Excel's language.
const (
	numFmtRupiah  = `[$Rp-421]#,##0;-[$Rp-421]#,##0`
	numFmtPercent = `0.0%`
	numFmtDate    = `[$-421]d mmmm yyyy`
	numFmtMoment  = `[$-421]d mmmm yyyy hh"."mm`
	numFmtCount   = 3  // #,##0
	numFmtDecimal = 4  // #,##0.00
	numFmtText    = 49 // @
)

// Column widths, in characters of the default font.
const (
	maxColumnWidth = 60
	columnPadding  = 2
	// headerWrap is how wide a header may make its column by itself; a
	// longer header wraps (at its longest word at least).
	headerWrap = 20
	lineHeight = 15 // points, one line of the default font
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

// WriteXLSX writes the list as a workbook: the list on the first sheet, laid
// out by listSheet, and the totals on the second. The rows are read from the
// database once, measured and spooled (see spool), then written with
// excelize's stream writer, which spills to a temporary file as well; only
// the compressed workbook is held whole, as excelize writes it. Nothing is
// written to w until the database has given every row, so a failing query
// is still answered with a problem.
func (x *Export) WriteXLSX(ctx context.Context, w io.Writer) error {
	cols := x.columns()
	fields := make([]field, len(cols))
	for i, c := range cols {
		fields[i] = c.field
	}
	ls := newListSheet(SheetList, x.Title(), fields)
	defer ls.close()
	t := totals{byStatus: map[string]int64{}, byReport: map[string]int64{}}
	vals := make([]any, len(cols))
	err := x.s.eachRow(ctx, x.q, func() error { return nil }, func(r SanctionRow) error {
		t.add(r)
		for i, c := range cols {
			vals[i] = c.value(r)
		}
		return ls.add(vals)
	})
	if err != nil {
		return err
	}

	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetList); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if err := ls.write(ctx, f, st); err != nil {
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
	type line struct {
		label string
		kind  kind
		value any
	}
	rows := []line{
		{"Periode", kindText, x.q.period.String() + " (" + x.q.period.Label() + ")"},
		{"Versi aturan", kindText, x.q.ruleSet.Version},
		{"Dibuat (WIB)", kindMoment, x.q.now},
		{"Jumlah usaha dalam daftar", kindCount, t.rows},
	}
	for _, s := range ListStatuses {
		rows = append(rows, line{"Status: " + label(statusLabels, s), kindCount, t.byStatus[s]})
	}
	rows = append(rows,
		line{"Laporan berkala terlambat", kindCount, t.byReport[compliance.ReportLate]},
		line{"Laporan berkala tidak ada", kindCount, t.byReport[compliance.ReportMissing]},
		line{"Total kekurangan pembelian (Rp)", kindRupiah, t.missPv},
		line{"Total kekurangan IKM", kindCount, t.missIk},
		line{"Total kekurangan slot tempat", kindDecimal, t.missOs},
		line{"Kasus terbuka", kindCount, t.openCases},
		line{"Kasus lewat batas tanggapan", kindCount, t.overdue},
	)
	var wa, wb int
	for i, r := range rows {
		a, _ := excelize.CoordinatesToCellName(1, i+1)
		b, _ := excelize.CoordinatesToCellName(2, i+1)
		if err := f.SetCellValue(SheetTotals, a, r.label); err != nil {
			return err
		}
		if err := f.SetCellStyle(SheetTotals, a, a, st.label); err != nil {
			return err
		}
		if err := f.SetCellValue(SheetTotals, b, cellValue(r.kind, r.value)); err != nil {
			return err
		}
		if s := st.kinds[r.kind]; s != 0 {
			if err := f.SetCellStyle(SheetTotals, b, b, s); err != nil {
				return err
			}
		}
		wa, wb = max(wa, utf8.RuneCountInString(r.label)), max(wb, displayWidth(r.kind, r.value))
	}
	if err := f.SetColWidth(SheetTotals, "A", "A", float64(wa+columnPadding)); err != nil {
		return err
	}
	return f.SetColWidth(SheetTotals, "B", "B", float64(wb+columnPadding))
}

// listSheet writes a list as a worksheet that opens cleanly in Excel and
// prints: a title row; a bold header row that stays in view when scrolling,
// carries the autofilter and repeats on every printed page; one row per
// item, numbers, rupiah, percentages and dates as numbers with their
// formats, the NIB as text, nothing at all where there is no value; each
// column as wide as its header and longest value (up to maxColumnWidth);
// landscape, one page wide. Rows are measured as they are added and kept in
// a spool, because the stream writer needs the widths before the first row.
type listSheet struct {
	name, title string
	fields      []field
	longest     []int // display width of the longest value, in characters
	rows        spool
	cells       []any
}

func newListSheet(name, title string, fields []field) *listSheet {
	return &listSheet{name: name, title: title, fields: fields,
		longest: make([]int, len(fields)), cells: make([]any, len(fields))}
}

func (ls *listSheet) close() { ls.rows.close() }

// add measures a row and keeps it for write. vals holds each field's kind's
// Go type, or nil for an empty cell; add keeps none of it.
func (ls *listSheet) add(vals []any) error {
	for i, v := range vals {
		k := ls.fields[i].kind
		if s, ok := v.(string); ok && s == "" {
			v = nil
		}
		if v != nil {
			ls.longest[i] = max(ls.longest[i], displayWidth(k, v))
		}
		ls.cells[i] = cellValue(k, v)
	}
	return ls.rows.add(ls.cells)
}

// write lays the sheet out in f, which must hold an empty sheet ls.name.
func (ls *listSheet) write(ctx context.Context, f *excelize.File, st styles) error {
	// The stream writer writes the sheet's properties as it starts.
	fit := true
	if err := f.SetSheetProps(ls.name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(ls.name)
	if err != nil {
		return err
	}
	headerLines := 1
	// Last column first: excelize puts each new column before the ones it
	// has, and Excel wants them in ascending order.
	for i := len(ls.fields) - 1; i >= 0; i-- {
		fl := ls.fields[i]
		width := columnWidth(fl.header, ls.longest[i])
		headerLines = max(headerLines, wrappedLines(fl.header, width-columnPadding))
		if err := sw.SetColWidth(i+1, i+1, float64(width)); err != nil {
			return err
		}
		// A column style: written cells take it, and so do the cells a
		// person adds below the list.
		if s := st.kinds[fl.kind]; s != 0 {
			if err := sw.SetColStyle(i+1, i+1, s); err != nil {
				return err
			}
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: st.title, Value: ls.title}},
		excelize.RowOpts{Height: 1.5 * lineHeight}); err != nil {
		return err
	}
	header := make([]any, len(ls.fields))
	for i, fl := range ls.fields {
		header[i] = excelize.Cell{StyleID: st.header, Value: fl.header}
	}
	if err := sw.SetRow("A2", header, excelize.RowOpts{Height: float64(headerLines * lineHeight)}); err != nil {
		return err
	}
	line := 2
	err = ls.rows.each(len(ls.fields), func(vals []any) error {
		line++
		if line%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, line)
		return sw.SetRow(cell, vals)
	})
	if err != nil {
		return err
	}
	lastCol, _ := excelize.ColumnNumberToName(len(ls.fields))
	// Set on the worksheet the stream writer holds; Flush writes them out.
	if err := f.AutoFilter(ls.name, "A2:"+lastCol+strconv.Itoa(line), nil); err != nil {
		return err
	}
	for i, fl := range ls.fields {
		if fl.kind != kindID || line < 3 {
			continue
		}
		// No green "number stored as text" corner on every NIB.
		c, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.AddIgnoredErrors(ls.name, c+"3:"+c+strconv.Itoa(line), excelize.IgnoredErrorsNumberStoredAsText); err != nil {
			return err
		}
	}
	if err := ls.pageSetup(f); err != nil {
		return err
	}
	return sw.Flush()
}

// pageSetup prints the sheet landscape on A4, one page wide however many
// pages long, with the header row on every page, the title above and the
// page number below.
func (ls *listSheet) pageSetup(f *excelize.File) error {
	// FitToHeight 0: as many pages long as the list takes.
	a4, landscape, wide, tall := 9, "landscape", 1, 0
	if err := f.SetPageLayout(ls.name, &excelize.PageLayoutOptions{Size: &a4, Orientation: &landscape,
		FitToWidth: &wide, FitToHeight: &tall}); err != nil {
		return err
	}
	side, top, edge := 0.4, 0.75, 0.3
	if err := f.SetPageMargins(ls.name, &excelize.PageLayoutMarginsOptions{Left: &side, Right: &side,
		Top: &top, Bottom: &top, Header: &edge, Footer: &edge}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(ls.name, &excelize.HeaderFooterOptions{
		OddHeader: "&L" + strings.ReplaceAll(ls.title, "&", "&&"),
		OddFooter: "&RHalaman &P dari &N",
	}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: ls.name,
		RefersTo: "'" + strings.ReplaceAll(ls.name, "'", "''") + "'!$2:$2"})
}

// columnWidth fits the longest value and the header, which wraps past
// headerWrap characters, with a little room, up to maxColumnWidth.
func columnWidth(header string, longest int) int {
	h := utf8.RuneCountInString(header)
	if h > headerWrap {
		h = headerWrap
		for _, w := range strings.Fields(header) {
			h = max(h, utf8.RuneCountInString(w))
		}
	}
	return min(max(longest, h)+columnPadding, maxColumnWidth)
}

// wrappedLines is how many lines s takes wrapped at word boundaries to
// width characters.
func wrappedLines(s string, width int) int {
	lines, used := 1, 0
	for _, w := range strings.Fields(s) {
		n := utf8.RuneCountInString(w)
		switch {
		case used == 0:
			used = n
		case used+1+n <= width:
			used += 1 + n
		default:
			lines, used = lines+1, n
		}
	}
	return lines
}

// displayWidth is how many characters v takes as its cell shows it (in
// Indonesian Excel), counted without formatting it.
func displayWidth(k kind, v any) int {
	switch x := v.(type) {
	case string:
		return utf8.RuneCountInString(x)
	case int64:
		switch k {
		case kindRupiah:
			return len("Rp") + groupedWidth(x)
		case kindCount:
			return groupedWidth(x)
		}
		return len(strconv.FormatInt(x, 10))
	case float64:
		if k == kindPercent {
			var b [32]byte
			return len(strconv.AppendFloat(b[:0], x*100, 'f', 1, 64)) + len("%")
		}
		return groupedWidth(int64(x)) + len(",00")
	case time.Time:
		if k == kindMoment {
			x = x.In(clock.WIB)
		}
		w := len(strconv.Itoa(x.Day())) + 1 + len(format.Month(x.Month())) + 1 + len(strconv.Itoa(x.Year()))
		if k == kindMoment {
			w += len(" 10.51")
		}
		return w
	}
	return 0
}

// groupedWidth is the width of n with its thousands grouped: 1.234.567.
func groupedWidth(n int64) int {
	d := len(strconv.FormatInt(n, 10))
	if n < 0 {
		d--
		return 1 + d + (d-1)/3
	}
	return d + (d-1)/3
}

// excelEpoch is day 0 of Excel's dates (the 1900 system, from March 1900).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// cellValue is v as a cell holds it: a date is Excel's serial number of
// days, read as the calendar date it is stored as, an instant as its time in
// WIB; the rest as they are.
func cellValue(k kind, v any) any {
	t, ok := v.(time.Time)
	if !ok {
		return v
	}
	if k == kindMoment {
		t = t.In(clock.WIB)
	}
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, m, d, h, mi, s, 0, time.UTC).Sub(excelEpoch).Hours() / 24
}

// styles are the workbook's cell styles: the title, header and label rows,
// and one per kind of value (0, General, for text and plain numbers).
type styles struct {
	title, header, label int
	kinds                [kindMoment + 1]int
}

func newStyles(f *excelize.File) (styles, error) {
	var st styles
	var err error
	add := func(dst *int, s *excelize.Style) {
		if err == nil {
			*dst, err = f.NewStyle(s)
		}
	}
	custom := func(k kind, code string) { add(&st.kinds[k], &excelize.Style{CustomNumFmt: &code}) }
	add(&st.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	add(&st.header, &excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
		Border:    []excelize.Border{{Type: "bottom", Color: "9BC2E6", Style: 1}}})
	add(&st.label, &excelize.Style{Font: &excelize.Font{Bold: true}})
	add(&st.kinds[kindID], &excelize.Style{NumFmt: numFmtText})
	add(&st.kinds[kindCount], &excelize.Style{NumFmt: numFmtCount})
	add(&st.kinds[kindDecimal], &excelize.Style{NumFmt: numFmtDecimal})
	custom(kindRupiah, numFmtRupiah)
	custom(kindPercent, numFmtPercent)
	custom(kindDate, numFmtDate)
	custom(kindMoment, numFmtMoment)
	return st, err
}
