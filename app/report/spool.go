package report

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// spool keeps a sheet's rows between the pass that measures them and the
// pass that writes them: a workbook's column widths must be set before its
// first row, and they come from the longest values. Rows are held as a
// compact encoding, in memory up to spoolMemory (small lists never touch
// the disk), then in a temporary file, so memory stays flat however long
// the list. Values are nil, string, int64 or float64.
type spool struct {
	mem  bytes.Buffer
	file *os.File
	w    *bufio.Writer
	rows int
	tmp  []byte
}

// spoolMemory is how much of a spool stays in memory, a few thousand rows.
const spoolMemory = 1 << 20

const (
	spoolNil byte = iota
	spoolString
	spoolInt
	spoolFloat
)

// add appends one row.
func (s *spool) add(vals []any) error {
	b := s.tmp[:0]
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			b = append(b, spoolNil)
		case string:
			b = append(b, spoolString)
			b = binary.AppendUvarint(b, uint64(len(x)))
			b = append(b, x...)
		case int64:
			b = append(b, spoolInt)
			b = binary.AppendVarint(b, x)
		case float64:
			b = append(b, spoolFloat)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		default:
			return fmt.Errorf("report: spool: unexpected %T", v)
		}
	}
	s.tmp = b
	s.rows++
	if s.file == nil && s.mem.Len()+len(b) > spoolMemory {
		f, err := os.CreateTemp("", "kemitraan-export-")
		if err != nil {
			return fmt.Errorf("report: spool: %w", err)
		}
		s.file, s.w = f, bufio.NewWriterSize(f, 64<<10)
		if _, err := s.mem.WriteTo(s.w); err != nil {
			return fmt.Errorf("report: spool: %w", err)
		}
		s.mem = bytes.Buffer{}
	}
	if s.w != nil {
		_, err := s.w.Write(b)
		return err
	}
	s.mem.Write(b)
	return nil
}

// each hands every row back in order, in a slice of n values that is
// reused from row to row.
func (s *spool) each(n int, fn func(vals []any) error) error {
	var r *bufio.Reader
	if s.file != nil {
		if err := s.w.Flush(); err != nil {
			return fmt.Errorf("report: spool: %w", err)
		}
		if _, err := s.file.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("report: spool: %w", err)
		}
		r = bufio.NewReaderSize(s.file, 64<<10)
	} else {
		r = bufio.NewReader(bytes.NewReader(s.mem.Bytes()))
	}
	vals := make([]any, n)
	var buf []byte
	for range s.rows {
		for i := range vals {
			tag, err := r.ReadByte()
			if err != nil {
				return spoolErr(err)
			}
			switch tag {
			case spoolNil:
				vals[i] = nil
			case spoolString:
				l, err := binary.ReadUvarint(r)
				if err != nil {
					return spoolErr(err)
				}
				if uint64(cap(buf)) < l {
					buf = make([]byte, l)
				}
				buf = buf[:l]
				if _, err := io.ReadFull(r, buf); err != nil {
					return spoolErr(err)
				}
				vals[i] = string(buf)
			case spoolInt:
				x, err := binary.ReadVarint(r)
				if err != nil {
					return spoolErr(err)
				}
				vals[i] = x
			case spoolFloat:
				var b [8]byte
				if _, err := io.ReadFull(r, b[:]); err != nil {
					return spoolErr(err)
				}
				vals[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
			default:
				return fmt.Errorf("report: spool: bad tag %d", tag)
			}
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return nil
}

func spoolErr(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("report: spool: %w", err)
}

// close removes the temporary file, if there is one.
func (s *spool) close() {
	if s.file != nil {
		_ = s.file.Close()
		_ = os.Remove(s.file.Name())
		s.file = nil
	}
	s.mem.Reset()
}
