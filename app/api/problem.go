package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"kemitraan/app/platform/fault"
)

// Problem is an RFC 9457 problem document. Code is stable for clients to
// branch on; Detail is for people, in Bahasa Indonesia.
type Problem struct {
	Type      string             `json:"type"`
	Title     string             `json:"title"`
	Status    int                `json:"status"`
	Detail    string             `json:"detail"`
	Code      string             `json:"code"`
	Instance  string             `json:"instance,omitempty"`
	RequestID string             `json:"request_id,omitempty"`
	Errors    []fault.FieldError `json:"errors,omitempty"`
	Extra     map[string]any     `json:"-"`
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
	http.StatusServiceUnavailable:    "Layanan belum siap",
}

var kindStatus = map[fault.Kind]int{
	fault.KindInvalid:         http.StatusUnprocessableEntity,
	fault.KindNotFound:        http.StatusNotFound,
	fault.KindConflict:        http.StatusConflict,
	fault.KindUnauthenticated: http.StatusUnauthorized,
	fault.KindForbidden:       http.StatusForbidden,
	fault.KindTooMany:         http.StatusTooManyRequests,
	fault.KindTooLarge:        http.StatusRequestEntityTooLarge,
	fault.KindUnsupported:     http.StatusUnsupportedMediaType,
	fault.KindGone:            http.StatusGone,
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
		status, ok := kindStatus[fe.Kind]
		if !ok {
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

// errorHandler is echo's one HTTP error handler: every error leaves as
// application/problem+json.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		p, retryAfter, internal := toProblem(err)
		p.Instance = c.Request().URL.Path
		p.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
		if internal {
			log.ErrorContext(c.Request().Context(), "request failed",
				"err", err, "path", p.Instance, "request_id", p.RequestID)
		}
		if retryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfter))
		}
		body := map[string]any{
			"type": p.Type, "title": p.Title, "status": p.Status, "detail": p.Detail, "code": p.Code,
			"instance": p.Instance,
		}
		if p.RequestID != "" {
			body["request_id"] = p.RequestID
		}
		if len(p.Errors) > 0 {
			body["errors"] = p.Errors
		}
		for k, v := range p.Extra {
			if _, taken := body[k]; !taken {
				body[k] = v
			}
		}
		// c.JSON keeps a content type that is already set.
		c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
		if werr := c.JSON(p.Status, body); werr != nil {
			log.Error("writing problem", "err", werr)
		}
	}
}
