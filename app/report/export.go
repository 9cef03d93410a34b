package report

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

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

// Title names the list and its period, as the workbook's first row and its
// printed pages show it: "Daftar sanksi — Triwulan I 2025".
func (x *Export) Title() string {
	return "Daftar sanksi — " + x.q.period.Label()
}

// utf8BOM lets spreadsheet programs recognise the file as UTF-8.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// kind is what a column holds. It decides how CSV writes a value, and which
// cell type, number format and width XLSX gives it.
type kind uint8

const (
	kindText    kind = iota // string
	kindID                  // string of digits (a NIB): always text, never a number
	kindInt                 // int64 shown as it is (a case number)
	kindCount               // int64 with thousands grouped
	kindRupiah              // int64 whole rupiah
	kindDecimal             // float64 with two decimals
	kindPercent             // float64 ratio (0.875 is 87,5%)
	kindDate                // time.Time calendar date (a DATE column, read as it is stored)
	kindMoment              // time.Time instant, shown in WIB to the minute
)

// field is a column as a sheet sees it: its header and what it holds.
type field struct {
	header string
	kind   kind
}

// column is one column of the export: a field and how a row fills it. value
// returns the kind's Go type, or nil when the row has nothing there: an
// empty cell, never "0", "-" or "".
type column struct {
	field
	value func(r SanctionRow) any
}

func col(header string, k kind, value func(r SanctionRow) any) column {
	return column{field{header, k}, value}
}

// text is s, or nil (an empty cell) when s is "".
func text(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (x *Export) columns() []column {
	cols := []column{
		col("NIB", kindID, func(r SanctionRow) any { return text(r.NIB) }),
		col("Nama usaha", kindText, func(r SanctionRow) any { return text(r.Name) }),
		col("Kategori", kindText, func(r SanctionRow) any { return text(label(categoryLabels, r.Category)) }),
		col("Kecamatan", kindText, func(r SanctionRow) any { return text(r.KecamatanName) }),
		col("Status", kindText, func(r SanctionRow) any { return text(label(statusLabels, r.Status)) }),
		col("Laporan berkala", kindText, func(r SanctionRow) any { return text(label(reportLabels, r.ReportStatus)) }),
		col("Target pembelian (Rp)", kindRupiah, func(r SanctionRow) any { return r.PurchaseValue.Target }),
		col("Realisasi pembelian (Rp)", kindRupiah, func(r SanctionRow) any { return r.PurchaseValue.Realised }),
		col("Kekurangan pembelian (Rp)", kindRupiah, func(r SanctionRow) any { return r.PurchaseValue.Missing }),
		col("Target IKM", kindCount, func(r SanctionRow) any { return r.IKMCount.Target }),
		col("Realisasi IKM", kindCount, func(r SanctionRow) any { return r.IKMCount.Realised }),
		col("Kekurangan IKM", kindCount, func(r SanctionRow) any { return r.IKMCount.Missing }),
		col("Target slot tempat", kindCount, func(r SanctionRow) any { return r.OutletSlots.Target }),
		col("Realisasi slot tempat", kindDecimal, func(r SanctionRow) any { return r.OutletSlots.Realised }),
		col("Kekurangan slot tempat", kindDecimal, func(r SanctionRow) any { return r.OutletSlots.Missing }),
		col("Capaian rata-rata", kindPercent, func(r SanctionRow) any {
			if r.MeanRatio == nil {
				return nil
			}
			return *r.MeanRatio
		}),
		col("Dibayar tepat waktu (Rp)", kindRupiah, func(r SanctionRow) any { return r.Payment.OnTime }),
		col("Dibayar terlambat (Rp)", kindRupiah, func(r SanctionRow) any { return r.Payment.Late }),
		col("Belum dibayar lewat tempo (Rp)", kindRupiah, func(r SanctionRow) any { return r.Payment.Overdue }),
		col("Bagian dibayar tepat waktu", kindPercent, func(r SanctionRow) any {
			if r.Payment.Share == nil {
				return nil
			}
			return *r.Payment.Share
		}),
		col("Nomor kasus", kindInt, func(r SanctionRow) any {
			if r.Case == nil {
				return nil
			}
			return r.Case.ID
		}),
		col("Tahap kasus", kindText, func(r SanctionRow) any {
			if r.Case == nil {
				return nil
			}
			l := label(stageLabels, r.Case.Stage)
			if r.Case.Outcome != "" {
				l += " (" + label(outcomeLabels, r.Case.Outcome) + ")"
			}
			return l
		}),
		col("Batas tanggapan", kindDate, func(r SanctionRow) any {
			if r.Case == nil || r.Case.ResponseDue == nil {
				return nil
			}
			return *r.Case.ResponseDue
		}),
		col("Lewat batas", kindText, func(r SanctionRow) any {
			if r.Case != nil && r.Case.Overdue {
				return "Ya"
			}
			return nil
		}),
		col("Keputusan terakhir", kindText, func(r SanctionRow) any {
			if r.LastDecision == nil {
				return nil
			}
			return decisionLabel(r.LastDecision.Decision, r.LastDecision.Rung)
		}),
		col("Diputuskan oleh", kindText, func(r SanctionRow) any {
			if r.LastDecision == nil {
				return nil
			}
			return text(r.LastDecision.ReviewerName)
		}),
		col("Tanggal keputusan (WIB)", kindMoment, func(r SanctionRow) any {
			if r.LastDecision == nil {
				return nil
			}
			return r.LastDecision.DecidedAt
		}),
	}
	// The periods before the listed one, oldest first.
	for i := 0; i < len(x.q.history)-1; i++ {
		cols = append(cols, col("Status "+x.q.history[i], kindText, func(r SanctionRow) any {
			if st := r.History[i].Status; st != "" {
				return label(statusLabels, st)
			}
			return nil
		}))
	}
	return append(cols, col("Periode berturut-turut tidak patuh", kindCount, func(r SanctionRow) any { return int64(r.Streak) }))
}

// CSVFormat is how a CSV export is written. Both are UTF-8 with a byte
// order mark (spreadsheet programs then read the accents), and both write
// dates as ISO 8601 (2025-05-07, 2025-04-22 10:00 in WIB), which Excel
// reads as dates whatever its language, and rupiah and counts as plain
// digits, which it reads as numbers.
type CSVFormat string

const (
	// CSVPlain is for programs: ',' between fields, a decimal point,
	// percentages as a number of percent (87.5), the NIB as it is.
	CSVPlain CSVFormat = "plain"
	// CSVExcel is for Excel set to Indonesian, as the office's computers
	// are, opening the file with a double click: ';' between fields (the
	// list separator there), decimal commas, percentages with a sign (87,5%,
	// which Excel reads as a percentage), and the NIB written as ="…", the
	// one way a CSV keeps Excel from turning 13 digits into 9,12E+12 and
	// dropping leading zeros.
	CSVExcel CSVFormat = "excel"
)

// WriteCSV writes the list as CSV in format cf. Text that a spreadsheet
// would take for a formula is prefixed with an apostrophe.
func (x *Export) WriteCSV(ctx context.Context, w io.Writer, cf CSVFormat) error {
	cw := csv.NewWriter(w)
	if cf == CSVExcel {
		cw.Comma = ';'
	}
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
	err := x.s.eachRow(ctx, x.q, start, func(r SanctionRow) error {
		for i, c := range cols {
			record[i] = csvText(c.kind, c.value(r), cf)
		}
		return cw.Write(record)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func csvText(k kind, v any, cf CSVFormat) string {
	if v == nil {
		return ""
	}
	excel := cf == CSVExcel
	decimal := func(s string) string {
		if excel {
			return strings.Replace(s, ".", ",", 1)
		}
		return s
	}
	switch x := v.(type) {
	case string:
		if k == kindID && excel && digitsOnly(x) {
			return `="` + x + `"`
		}
		return defuseFormula(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		if k == kindPercent {
			s := decimal(strconv.FormatFloat(x*100, 'f', 1, 64))
			if excel {
				s += "%"
			}
			return s
		}
		return decimal(strconv.FormatFloat(x, 'f', 2, 64))
	case time.Time:
		if k == kindMoment {
			return x.In(clock.WIB).Format("2006-01-02 15:04")
		}
		return x.Format(time.DateOnly)
	default:
		return defuseFormula(fmt.Sprint(v))
	}
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
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
