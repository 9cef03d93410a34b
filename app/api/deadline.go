package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/platform/config"
)

// writeGrace is how long past its budget a request may still take to write
// its answer (the 503 saying it ran out of time) before the connection is cut.
const writeGrace = 5 * time.Second

// budgets gives each route its time budget where it is not the default:
// imports and file uploads (a large body over a slow line, then a long
// unit of work) get http.import_timeout, downloads of exports, letters and
// documents http.export_timeout.
func budgets(routes []route, cfg config.HTTP) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, r := range routes {
		switch {
		case r.limit > 0 || strings.HasSuffix(r.path, "/import"):
			out[r.method+" "+r.path] = cfg.ImportTimeout
		case slices.ContainsFunc(r.doc.Produces, isDownload):
			out[r.method+" "+r.path] = cfg.ExportTimeout
		}
	}
	return out
}

func isDownload(mediaType string) bool {
	return mediaType == csvMIME || mediaType == xlsxMIME || mediaType == "application/pdf"
}

// deadline gives every request its time budget: the request's context ends
// then (so its queries are cancelled and its transaction rolls back), and
// the error handler answers 503 request_timeout. Reading the body and
// writing the answer are bounded too, so nothing outlives its budget by more
// than writeGrace.
func (s *Server) deadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		budget, ok := s.budgets[c.Request().Method+" "+c.Path()]
		if !ok {
			budget = s.cfg.HTTP.RequestTimeout
		}
		ctx, cancel := context.WithTimeoutCause(c.Request().Context(), budget, errOverBudget)
		defer cancel()
		// A long import or export outlives the server's read and write
		// timeouts, which bound every other request already. (A test's
		// recorder supports neither, which is fine.)
		if budget > s.cfg.HTTP.ReadTimeout || budget+writeGrace > s.cfg.HTTP.WriteTimeout {
			rc := http.NewResponseController(c.Response())
			end := time.Now().Add(budget)
			_ = rc.SetReadDeadline(end)
			_ = rc.SetWriteDeadline(end.Add(writeGrace))
		}
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}
