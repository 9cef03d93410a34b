package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
)

// Problem is an RFC 9457 problem document. Code is stable for clients to
// branch on; Detail is for people, in Bahasa Indonesia.
type Problem struct {
	Type      string             `json:"type" doc:"URN jenis kesalahan, urn:kemitraan:problem:<code>."`
	Title     string             `json:"title" doc:"Judul singkat menurut status."`
	Status    int                `json:"status" openapi:"min=400,max=599"`
	Detail    string             `json:"detail" doc:"Penjelasan untuk orang, dalam Bahasa Indonesia."`
	Code      string             `json:"code" doc:"Kode tetap untuk program, snake_case."`
	Instance  string             `json:"instance,omitempty" doc:"Jalur permintaan."`
	RequestID string             `json:"request_id,omitempty" doc:"Kode permintaan, untuk dilaporkan kepada petugas."`
	Errors    []fault.FieldError `json:"errors,omitempty" doc:"Setiap kolom yang salah dan alasannya."`
	Extra     map[string]any     `json:"-"`
}

// MarshalJSON writes the problem's members, then those of Extra that do
// not take a member's name.
func (p Problem) MarshalJSON() ([]byte, error) {
	type members Problem
	b, err := json.Marshal(members(p))
	if err != nil || len(p.Extra) == 0 {
		return b, err
	}
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		return nil, err
	}
	for k, v := range p.Extra {
		if _, taken := body[k]; !taken {
			body[k] = v
		}
	}
	return json.Marshal(body)
}

// problemError is an error raised by the HTTP layer itself (binding, routing)
// with its status already decided.
type problemError struct {
	status int
	code   string
	detail string
	fields []fault.FieldError
}

func (p *problemError) Error() string { return p.code + ": " + p.detail }

func newProblem(status int, code, detail string, fields ...fault.FieldError) error {
	return &problemError{status: status, code: code, detail: detail, fields: fields}
}

var titles = map[int]string{
	http.StatusBadRequest:            "Permintaan tidak valid",
	http.StatusUnauthorized:          "Belum masuk",
	http.StatusForbidden:             "Akses ditolak",
	http.StatusNotFound:              "Tidak ditemukan",
	http.StatusMethodNotAllowed:      "Metode tidak diizinkan",
	http.StatusConflict:              "Konflik dengan keadaan data",
	http.StatusGone:                  "Tidak berlaku lagi",
	http.StatusRequestEntityTooLarge: "Ukuran terlalu besar",
	http.StatusUnsupportedMediaType:  "Jenis media tidak didukung",
	http.StatusUnprocessableEntity:   "Data tidak valid",
	http.StatusTooManyRequests:       "Terlalu banyak permintaan",
	http.StatusInternalServerError:   "Kesalahan pada server",
	http.StatusServiceUnavailable:    "Layanan sedang tidak tersedia",
}

// echoDetails translates the errors echo raises itself.
var echoDetails = map[int]struct{ code, detail string }{
	http.StatusNotFound:              {"route_not_found", "Alamat yang diminta tidak ada."},
	http.StatusMethodNotAllowed:      {"method_not_allowed", "Metode ini tidak diizinkan untuk alamat tersebut."},
	http.StatusRequestEntityTooLarge: {"body_too_large", "Badan permintaan melebihi batas ukuran."},
	http.StatusUnsupportedMediaType:  {"unsupported_media_type", "Jenis media permintaan tidak didukung."},
	http.StatusUnauthorized:          {"unauthenticated", "Silakan masuk terlebih dahulu."},
	http.StatusForbidden:             {"forbidden", "Anda tidak berhak melakukan tindakan ini."},
	http.StatusTooManyRequests:       {"too_many_requests", "Terlalu banyak permintaan. Coba lagi nanti."},
	http.StatusBadRequest:            {"bad_request", "Permintaan tidak dapat diproses."},
	http.StatusServiceUnavailable:    {"unavailable", "Layanan sedang tidak tersedia."},
	http.StatusRequestTimeout:        {"timeout", "Permintaan melewati batas waktu."},
}

// toProblem classifies any error. Unknown errors become a 500 that reveals
// nothing of their internals.
func toProblem(err error) (p Problem, retryAfter int, internal bool) {
	var pe *problemError
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	fe, isFault := fault.As(err)
	switch {
	case errors.As(err, &pe):
		p = Problem{Status: pe.status, Code: pe.code, Detail: pe.detail, Errors: pe.fields}
	case isFault:
		status := fe.Kind.Status()
		if status == 0 {
			status = http.StatusInternalServerError
		}
		p = Problem{Status: status, Code: fe.Code, Detail: fe.Detail, Errors: fe.Fields, Extra: fe.Extra}
		retryAfter = fe.RetryAfter
	case errors.As(err, &mbe):
		d := echoDetails[http.StatusRequestEntityTooLarge]
		p = Problem{Status: http.StatusRequestEntityTooLarge, Code: d.code, Detail: d.detail}
	case errors.As(err, &he) && he.Code < 500:
		d, ok := echoDetails[he.Code]
		if !ok {
			d = echoDetails[http.StatusBadRequest]
		}
		p = Problem{Status: he.Code, Code: d.code, Detail: d.detail}
	default:
		status := http.StatusInternalServerError
		if errors.As(err, &he) {
			status = he.Code
		}
		p = Problem{Status: status, Code: "internal_error",
			Detail: "Terjadi kesalahan pada server. Sampaikan kode permintaan kepada petugas bila berulang."}
		internal = true
	}
	p.Title = titles[p.Status]
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	p.Type = "urn:kemitraan:problem:" + p.Code
	return p, retryAfter, internal
}

// ErrShuttingDown is the cause with which serve cancels the requests still
// running when http.shutdown_timeout ends; they are answered 503.
var ErrShuttingDown = errors.New("api: shutting down")

// errOverBudget is the cause of a request's context ending at its time
// budget (http.request_timeout, or the import or export budget).
var errOverBudget = errors.New("api: request over its time budget")

// Seconds a client is told to wait before trying again.
const (
	retryUnavailable = 5
	retryBusy        = 2
)

// unavailable answers an internal error for what it is when the service,
// not the request, is at fault for now: the database is down or too busy,
// the request ran out of time, or the server is stopping. Each is a 503
// with Retry-After.
func unavailable(ctx context.Context, err error) (p Problem, retryAfter int, ok bool) {
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, ErrShuttingDown):
		p = Problem{Code: "shutting_down",
			Detail: "Layanan sedang dimulai ulang dan permintaan ini dihentikan. Coba lagi dalam beberapa detik."}
		retryAfter = retryUnavailable
	case errors.Is(cause, errOverBudget):
		p = Problem{Code: "request_timeout",
			Detail: "Permintaan ini melewati batas waktu pemrosesan dan dihentikan. Coba lagi sebentar lagi; " +
				"bila permintaan membuat data, kirim ulang dengan Idempotency-Key yang sama agar tidak tercatat dua kali."}
		retryAfter = retryUnavailable
	case errors.Is(err, database.ErrPoolExhausted):
		p = Problem{Code: "database_busy",
			Detail: "Layanan sedang melayani banyak permintaan sekaligus. Coba lagi dalam beberapa detik."}
		retryAfter = retryBusy
	case database.Unavailable(err):
		p = Problem{Code: "database_unavailable",
			Detail: "Basis data sedang tidak dapat dihubungi. Coba lagi dalam beberapa detik."}
		retryAfter = retryUnavailable
	default:
		return Problem{}, 0, false
	}
	p.Status = http.StatusServiceUnavailable
	p.Title = titles[p.Status]
	p.Type = "urn:kemitraan:problem:" + p.Code
	return p, retryAfter, true
}

// mediaProblem is the content type of every error (RFC 9457).
const mediaProblem = "application/problem+json"

// errorHandler is echo's one HTTP error handler: every error leaves as
// application/problem+json.
func errorHandler(log *slog.Logger, pages Pages) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		p, retryAfter, internal := toProblem(err)
		if internal {
			if u, after, ok := unavailable(c.Request().Context(), err); ok {
				log.WarnContext(c.Request().Context(), "request answered 503", "code", u.Code, "err", err,
					"path", c.Request().URL.Path)
				p, retryAfter, internal = u, after, false
				if u.Code == "shutting_down" {
					c.Response().Header().Set(echo.HeaderConnection, "close")
				}
			}
		}
		p.Instance = c.Request().URL.Path
		p.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
		if internal {
			log.ErrorContext(c.Request().Context(), "request failed",
				"err", err, "path", p.Instance, "request_id", p.RequestID)
		}
		if retryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfter))
		}
		if pages != nil && forPeople(c.Request().URL.Path) {
			werr := pages.ErrorPage(c, p.Status, p.Detail, retryAfter)
			if werr == nil {
				return
			}
			log.Error("writing error page", "err", werr, "request_id", p.RequestID)
			if c.Response().Committed {
				return
			}
			// The page itself failed: plain words, still the right status.
			if werr := c.String(p.Status, p.Title+". "+p.Detail); werr != nil {
				log.Error("writing error text", "err", werr)
			}
			return
		}
		// c.JSON keeps a content type that is already set.
		c.Response().Header().Set(echo.HeaderContentType, mediaProblem)
		if werr := c.JSON(p.Status, p); werr != nil {
			log.Error("writing problem", "err", werr)
		}
	}
}

// forPeople reports whether path is a page's: anything outside the API and
// the operational endpoints.
func forPeople(path string) bool {
	if path == "/api" || strings.HasPrefix(path, "/api/") {
		return false
	}
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return false
	}
	return true
}
