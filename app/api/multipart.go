package api

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/files"
)

// maxFormValue caps one text field of a multipart form.
const maxFormValue = 16 << 10

// streamedForm is a multipart/form-data body read part by part: its text
// fields first (they must come before the files), then its files, each
// handed on as a stream and never held whole in memory.
type streamedForm struct {
	values    map[string]string
	mr        *multipart.Reader
	fileField string
	next      *multipart.Part // the first file part, already read
}

// readFormFields reads the text fields (only those named in fields) up to
// the first part of fileField. An unknown field, a repeated one or an
// oversized one is a field error; nothing is stored yet.
func readFormFields(c echo.Context, fields []string, fileField string) (*streamedForm, error) {
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return nil, newProblem(http.StatusUnsupportedMediaType, "unsupported_media_type",
			"Kirim data sebagai multipart/form-data.")
	}
	f := &streamedForm{values: map[string]string{}, mr: mr, fileField: fileField}
	var check fault.Checker
	for {
		part, err := f.nextPart()
		if errors.Is(err, io.EOF) {
			return f, check.Err()
		}
		if err != nil {
			return nil, err
		}
		name := part.FormName()
		if name == fileField {
			f.next = part
			return f, check.Err()
		}
		if !slices.Contains(fields, name) {
			_ = part.Close()
			if name == "" {
				name = "(bagian tanpa nama)"
			}
			check.Add(name, "kolom tidak dikenal")
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFormValue+1))
		_ = part.Close()
		if err != nil {
			return nil, formReadError(err, name)
		}
		switch {
		case len(b) > maxFormValue:
			check.Add(name, fmt.Sprintf("paling banyak %d bita", maxFormValue))
		case f.values[name] != "":
			check.Add(name, "dikirim lebih dari sekali")
		default:
			f.values[name] = string(b)
		}
	}
}

func (f *streamedForm) nextPart() (*multipart.Part, error) {
	part, err := f.mr.NextPart()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, formReadError(err, "(badan)")
	}
	return part, err
}

func formReadError(err error, field string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return files.TooLarge(field, mbe.Limit)
	}
	return newProblem(http.StatusBadRequest, "malformed_multipart", "Badan multipart/form-data tidak dapat dibaca.")
}

// value is a text field's value ("" when absent).
func (f *streamedForm) value(name string) string { return f.values[name] }

// hasFile reports whether a file part follows the fields.
func (f *streamedForm) hasFile() bool { return f.next != nil }

// eachFile hands every remaining part of the file field to save in turn. A
// text field after the files is refused.
func (f *streamedForm) eachFile(save func(name string, r io.Reader) error) error {
	for f.next != nil {
		part := f.next
		f.next = nil
		err := save(part.FileName(), part)
		_ = part.Close()
		if err != nil {
			return err
		}
		next, err := f.nextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if next.FormName() != f.fileField {
			name := next.FormName()
			_ = next.Close()
			return fault.Invalid(fault.Field(name, "kirim kolom teks sebelum berkas "+f.fileField))
		}
		f.next = next
	}
	return nil
}
