package api

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// A multipart body cut anywhere before its closing delimiter is refused
// with 400 upload_unreadable by both ways of reading an upload (one file,
// or text fields then files), however much of it save has already read;
// the whole body, with or without the line break after the delimiter, is
// read in full.
func TestUploadCutAnywhereIsRefused(t *testing.T) {
	t.Parallel()
	const boundary = "batas"
	whole := "--batas\r\nContent-Disposition: form-data; name=\"reason\"\r\n\r\nKeadaan kahar\r\n" +
		"--batas\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4 satu\r\n" +
		"--batas\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.pdf\"\r\n\r\n%PDF-1.4 dua\r\n" +
		"--batas--\r\n"
	readers := []struct {
		name string
		read func(c echo.Context, save func(string, io.Reader) error) error
	}{
		{"filePart", func(c echo.Context, save func(string, io.Reader) error) error {
			// filePart takes the file as the first part: drop the text field.
			return filePart(c, "file", "PDF", save)
		}},
		{"readFormFields", func(c echo.Context, save func(string, io.Reader) error) error {
			form, err := readFormFields(c, []string{"reason"}, "file")
			if err != nil {
				return err
			}
			return form.eachFile(save)
		}},
	}
	for _, r := range readers {
		body := whole
		if r.name == "filePart" {
			body = whole[strings.Index(whole[2:], "--batas")+2:]
		}
		for cut := 0; cut <= len(body); cut++ {
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body[:cut]))
			req.Header.Set(echo.HeaderContentType, "multipart/form-data; boundary="+boundary)
			c := echo.New().NewContext(req, httptest.NewRecorder())
			var got []string
			err := r.read(c, func(name string, f io.Reader) error {
				b, err := io.ReadAll(f)
				got = append(got, name+"="+string(b))
				return err
			})
			whole := cut >= len(body)-len("\r\n")
			var pe *problemError
			switch {
			case whole && err != nil:
				t.Errorf("%s, whole body (%d of %d bytes): %v", r.name, cut, len(body), err)
			case whole && r.name == "readFormFields" && len(got) != 2:
				t.Errorf("%s, whole body: read %q, want both files", r.name, got)
			case !whole && err == nil:
				t.Errorf("%s, cut after %q: accepted, read %q", r.name, body[max(0, cut-12):cut], got)
			case !whole && (!errors.As(err, &pe) || pe.status != http.StatusBadRequest || pe.code != "upload_unreadable"):
				t.Errorf("%s, cut after %q: %v, want 400 upload_unreadable", r.name, body[max(0, cut-12):cut], err)
			}
		}
	}
}
