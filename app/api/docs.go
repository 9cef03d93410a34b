package api

import (
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
)

// docsFiles is the page at /api/docs: Swagger UI 5.35.0 (swagger-ui-dist,
// Apache-2.0, LICENSE and NOTICE beside it) and a few lines of our own, all
// inside the binary so the page works without the internet.
//
//go:embed docs
var docsFiles embed.FS

// docsCSP keeps the page to this server: Swagger UI needs inline styles and
// data: images, nothing from elsewhere.
const docsCSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
	"script-src 'self'; connect-src 'self'; frame-ancestors 'none'"

type docsFileParams struct {
	File string `param:"file" doc:"Nama berkas, misalnya swagger-ui.css." example:"swagger-ui.css"`
}

func (s *Server) docsRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/v1/openapi.json", handler: s.openAPIDocument,
			doc: openapi.Doc{Summary: "Dokumen OpenAPI ini", Tag: "dokumentasi", Produces: []string{echo.MIMEApplicationJSON},
				Description: "Dibuat dari tabel rute saat server mulai; setiap rute tercantum."}},
		{method: http.MethodGet, path: "/api/docs", handler: s.docsPage,
			doc: openapi.Doc{Summary: "Halaman dokumentasi API untuk dibaca orang", Tag: "dokumentasi",
				Produces: []string{"text/html"}}},
		{method: http.MethodGet, path: "/api/docs/:file", handler: s.docsFile,
			doc: openapi.Doc{Summary: "Berkas halaman dokumentasi (skrip, gaya, lisensi)", Tag: "dokumentasi",
				Params: docsFileParams{}, Produces: []string{"text/javascript", "text/css", "image/png", "text/html", "text/plain"}}},
	}
}

func (s *Server) openAPIDocument(c echo.Context) error {
	b, err := s.document.JSON()
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}

func (s *Server) docsPage(c echo.Context) error {
	return s.serveDocsFile(c, "index.html")
}

func (s *Server) docsFile(c echo.Context) error {
	return s.serveDocsFile(c, c.Param("file"))
}

func (s *Server) serveDocsFile(c echo.Context, name string) error {
	b, err := fs.ReadFile(docsFiles, path.Join("docs", path.Clean("/"+name)))
	if err != nil || name == "" {
		return newProblem(http.StatusNotFound, "not_found", "Berkas dokumentasi tidak ada.")
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "text/plain; charset=utf-8"
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", docsCSP)
	h.Set(echo.HeaderCacheControl, "public, max-age=3600")
	return c.Blob(http.StatusOK, ct, b)
}
