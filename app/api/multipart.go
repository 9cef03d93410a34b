package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/files"
	"kemitraan/app/platform/sheet"
)

// maxFormValue caps one text field of a multipart form.
const maxFormValue = 16 << 10

// Every upload is read as it arrives and handed on as a stream, so an
// upload that ends early (a dropped connection, a multipart body without
// its closing delimiter) is noticed where it is read, here, whatever the
// route: the answer is 400 upload_unreadable naming the file field, and
// the file's end is reported to the store only once the body is known to
// be whole, so nothing is kept. A body that is multipart in name only is
// 400 malformed_multipart.

// formBody is a multipart/form-data request body read part by part.
type formBody struct {
	mr    *multipart.Reader
	body  *wholeBody
	field string // the file field: it names the upload in a problem
}

// openForm opens the request body as multipart/form-data. Its errors are
// net/http's (http.ErrNotMultipart, http.ErrMissingBoundary).
func openForm(c echo.Context, field string) (*formBody, error) {
	req := c.Request()
	if _, err := req.MultipartReader(); err != nil {
		return nil, err
	}
	// MultipartReader has checked the media type and its boundary.
	_, params, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	boundary := params["boundary"]
	body := &wholeBody{r: req.Body, delim: []byte("--" + boundary + "--")}
	return &formBody{mr: multipart.NewReader(body, boundary), body: body, field: field}, nil
}

// nextPart returns the next part, or a bare io.EOF after the closing
// delimiter; any other failure is already the answer (see readError).
func (b *formBody) nextPart() (*multipart.Part, error) {
	part, err := b.mr.NextPart()
	switch {
	case err == nil:
		return part, nil
	case errors.Is(err, io.EOF) && b.body.err == nil:
		return nil, io.EOF
	}
	return nil, b.readError(err, b.field)
}

// readError turns a failure reading the body into the answer naming
// field: over the body limit (413), ended early or unreadable (400
// upload_unreadable), or not multipart/form-data after all (400
// malformed_multipart).
func (b *formBody) readError(err error, field string) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe) || errors.As(b.body.err, &mbe):
		return files.TooLarge(field, mbe.Limit)
	case b.body.err != nil:
		return unreadable(field)
	}
	return malformed(field)
}

// stream hands part to save as an upload that ends with then, and reads
// on through whatever save left unread, so what follows the file is
// checked even when save stopped early.
func (b *formBody) stream(part *multipart.Part, then func() error, save func(name string, r io.Reader) error) error {
	u := &upload{r: part, then: then, fail: func(err error) error { return b.readError(err, b.field) }}
	err := save(part.FileName(), u)
	if err == nil {
		_, err = io.Copy(io.Discard, u)
	}
	_ = part.Close()
	return err
}

// skipRest reads, and discards, the parts after the one file a route
// takes, up to the closing delimiter.
func (b *formBody) skipRest() error {
	for {
		part, err := b.nextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, part); err != nil {
			return b.readError(err, b.field)
		}
	}
}

func unreadable(field string) error {
	return newProblem(http.StatusBadRequest, "upload_unreadable", "Berkas unggahan tidak dapat dibaca sampai habis.",
		fault.Field(field, "unggahan terputus sebelum selesai; kirim ulang"))
}

func malformed(field string) error {
	return newProblem(http.StatusBadRequest, "malformed_multipart", "Badan multipart/form-data tidak dapat dibaca.",
		fault.Field(field, "bukan multipart/form-data yang sah"))
}

// wholeBody reads a multipart body and reports its end (io.EOF) only once
// the closing delimiter has gone past: a body that ends before it reads as
// io.ErrUnexpectedEOF. mime/multipart alone reports a body cut inside a
// part's headers as a clean end, as if the form had no more parts.
type wholeBody struct {
	r      io.Reader
	delim  []byte // "--boundary--"
	tail   []byte // the last len(delim)-1 bytes read: a delimiter may span two reads
	closed bool
	err    error // the first failure: why the body cannot be read whole
}

func (b *wholeBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if !b.closed && n > 0 {
		k := len(b.delim) - 1
		edge := append(b.tail, p[:min(n, k)]...)
		b.closed = bytes.Contains(edge, b.delim) || bytes.Contains(p[:n], b.delim)
		if n >= k {
			b.tail = append(b.tail[:0], p[n-k:n]...)
		} else {
			b.tail = append(b.tail[:0], edge[max(0, len(edge)-k):]...)
		}
	}
	if errors.Is(err, io.EOF) && !b.closed {
		err = io.ErrUnexpectedEOF
	}
	if err != nil && !errors.Is(err, io.EOF) && b.err == nil {
		b.err = err
	}
	return n, err
}

// upload is a file as its store reads it. A read that fails becomes the
// answer (fail), except the body limit, which each store names for
// itself; and the end is reported only after then (when set) has read
// what follows the file, so a body cut short after it is refused before
// the store keeps anything.
type upload struct {
	r    io.Reader
	fail func(err error) error
	then func() error
	err  error // sticky: the end, or the first failure
}

func (u *upload) Read(p []byte) (int, error) {
	if u.err != nil {
		return 0, u.err
	}
	n, err := u.r.Read(p)
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, io.EOF) && u.then != nil:
		if err = u.then(); err == nil {
			err = io.EOF
		}
	case errors.Is(err, io.EOF), errors.As(err, &mbe):
	default:
		err = u.fail(err)
	}
	u.err = err
	return n, err
}

// bodyUpload is a file sent as the whole request body.
func bodyUpload(c echo.Context) io.Reader {
	return &upload{r: c.Request().Body, fail: func(error) error { return unreadable(sheet.FieldName) }}
}

// streamedForm is a multipart/form-data body read part by part: its text
// fields first (they must come before the files), then its files, each
// handed on as a stream and never held whole in memory.
type streamedForm struct {
	*formBody
	values map[string]string
	next   *multipart.Part // the first file part, already read
}

// readFormFields reads the text fields (only those named in fields) up to
// the first part of fileField. An unknown field, a repeated one or an
// oversized one is a field error; nothing is stored yet.
func readFormFields(c echo.Context, fields []string, fileField string) (*streamedForm, error) {
	b, err := openForm(c, fileField)
	if err != nil {
		return nil, newProblem(http.StatusUnsupportedMediaType, "unsupported_media_type",
			"Kirim data sebagai multipart/form-data.")
	}
	f := &streamedForm{formBody: b, values: map[string]string{}}
	var check fault.Checker
	for {
		part, err := f.nextPart()
		if err == io.EOF {
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
			return nil, f.readError(err, name)
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

// value is a text field's value ("" when absent).
func (f *streamedForm) value(name string) string { return f.values[name] }

// hasFile reports whether a file part follows the fields.
func (f *streamedForm) hasFile() bool { return f.next != nil }

// eachFile hands every remaining part of the file field to save in turn.
// A text field after the files is refused.
func (f *streamedForm) eachFile(save func(name string, r io.Reader) error) error {
	for f.next != nil {
		part := f.next
		f.next = nil
		if err := f.stream(part, f.advance, save); err != nil {
			return err
		}
	}
	return nil
}

// advance reads the part after a file: another file, or the end.
func (f *streamedForm) advance() error {
	next, err := f.nextPart()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	if next.FormName() != f.field {
		name := next.FormName()
		_ = next.Close()
		return fault.Invalid(fault.Field(name, "kirim kolom teks sebelum berkas "+f.field))
	}
	f.next = next
	return nil
}
