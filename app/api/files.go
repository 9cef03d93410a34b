package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/files"
)

// Uploads and downloads. Files are never served from a path: each resource
// that owns documents has its own endpoint, which checks that the caller may
// see the record (its domain call answers "not found" otherwise) and then
// streams the file with sendFile.

// uploadLimit is the body limit of a route taking one file: the file limit
// plus room for the multipart envelope. The store itself refuses a file over
// the file limit, naming the field.
func (s *Server) uploadLimit() int64 { return s.cfg.Uploads.MaxBytes + 64<<10 }

// filePart streams the file in the multipart/form-data field named field to
// save, with its declared name, without buffering it in memory or on disk
// first. It must be the first part: one with another name is refused
// (nothing saved); parts after it are read only to see that the body is
// whole. kinds names the accepted formats for the "missing" reason (e.g.
// "PDF, JPEG atau PNG"); save judges the content.
func filePart(c echo.Context, field, kinds string, save func(name string, r io.Reader) error) error {
	b, err := openForm(c, field)
	if errors.Is(err, http.ErrNotMultipart) {
		return newProblem(http.StatusUnsupportedMediaType, "unsupported_media_type",
			fmt.Sprintf("Kirim berkas sebagai multipart/form-data dalam kolom %q.", field))
	}
	if err != nil {
		return malformed(field)
	}
	part, err := b.nextPart()
	if err == io.EOF {
		return fault.Invalid(fault.Field(field, "wajib diunggah ("+kinds+")"))
	}
	if err != nil {
		return err
	}
	if part.FormName() != field {
		name := part.FormName()
		_ = part.Close()
		if name == "" {
			name = "(bagian tanpa nama)"
		}
		return fault.Invalid(fault.Field(name, "kolom tidak dikenal; kirim berkas dalam kolom "+field))
	}
	return b.stream(part, b.skipRest, save)
}

// sendFile streams a stored file as an attachment. The content type is the
// one detected at upload; the ETag is the content hash; ranges and
// conditional requests are honoured.
func sendFile(c echo.Context, f files.File, rc io.ReadSeekCloser) error {
	defer rc.Close()
	name := f.OriginalName
	if name == "" {
		exts := map[string]string{files.PDF: ".pdf", files.JPEG: ".jpg", files.PNG: ".png"}
		name = "berkas-" + strconv.FormatInt(f.ID, 10) + exts[f.ContentType]
	}
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disposition == "" {
		disposition = "attachment"
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, f.ContentType)
	h.Set(echo.HeaderContentDisposition, disposition)
	h.Set("ETag", `"`+f.SHA256+`"`)
	// Authorised content: caches outside the browser keep nothing, and a
	// file opened directly can run nothing.
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	http.ServeContent(c.Response(), c.Request(), "", f.CreatedAt, rc)
	return nil
}
