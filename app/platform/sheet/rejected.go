package sheet

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// RejectionColumn heads the reason column of a file of rejected rows; the
// imports read and ignore it, so a fixed file goes back in as it is.
const RejectionColumn = "alasan_ditolak"

// WriteRejected writes the rows of src that reasons names (by line) to w as
// an XLSX: the file's own header and cells, dates written out, and the
// reasons in a last column headed RejectionColumn (isDate says which header
// cells head date columns). Fixed in a spreadsheet program, the file goes
// back in as it is: the import ignores that column.
func WriteRejected(w io.Writer, src io.Reader, reasons map[int][]string, isDate func(header string) bool) error {
	rows, err := Open(src, Limits{MaxUnzipped: 1 << 30})
	if err != nil {
		return err
	}
	defer rows.Close()
	x := excelize.NewFile()
	defer x.Close()
	const name = "Baris ditolak"
	if err := x.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(name)
	if err != nil {
		return err
	}
	var keep []int // the file's columns, without an earlier reason column
	dates := map[int]bool{}
	out := 1
	write := func(cells []any) error {
		cell, _ := excelize.CoordinatesToCellName(1, out)
		out++
		return sw.SetRow(cell, cells)
	}
	header := true
	for {
		cells, line, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if Blank(cells) {
			continue
		}
		if header {
			header = false
			var head []any
			for i, h := range cells {
				if f := FoldHeader(h); f == RejectionColumn || f == "rejection_reason" {
					continue
				}
				dates[i] = isDate(h)
				keep = append(keep, i)
				head = append(head, h)
			}
			if err := write(append(head, RejectionColumn)); err != nil {
				return err
			}
			continue
		}
		why, ok := reasons[line]
		if !ok {
			continue
		}
		row := make([]any, 0, len(keep)+1)
		for _, i := range keep {
			v := ""
			if i < len(cells) {
				v = cells[i]
			}
			if dates[i] {
				v = DateCell(v, rows.Format)
			}
			row = append(row, v)
		}
		if err := write(append(row, fmt.Sprintf("baris %d: %s", line, strings.Join(why, "; ")))); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return x.Write(w)
}

// Blank reports whether a row has no cell with text in it.
func Blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
