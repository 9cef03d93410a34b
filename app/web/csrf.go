package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/files"
)

// CSRF protection by a double-submit token: a random value in an HttpOnly
// cookie, repeated in a hidden field of every form; a post whose field
// does not match the cookie is refused with 403 before its handler runs,
// so it changes nothing. (echo's CSRF middleware lets any form through
// from a browser that sends Sec-Fetch-Site, token or not; the pages want
// the token checked always.)

const (
	csrfCookie = "kemitraan_csrf"
	csrfField  = "csrf"
	csrfKey    = "kemitraan.csrf"
)

func (p *Pages) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := ""
		if ck, err := c.Cookie(csrfCookie); err == nil && len(ck.Value) == 43 {
			token = ck.Value
		}
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead:
			if token == "" {
				token = newCSRFToken()
				c.SetCookie(&http.Cookie{Name: csrfCookie, Value: token, Path: "/", HttpOnly: true,
					Secure: p.secure, SameSite: http.SameSiteLaxMode})
			}
		default:
			if err := parseForm(c); err != nil {
				return err
			}
			sent := c.FormValue(csrfField)
			if token == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
				return &fault.Error{Kind: fault.KindForbidden, Code: "csrf_failed", Detail: say(c, "error.csrf")}
			}
		}
		c.Set(csrfKey, token)
		return next(c)
	}
}

// parseForm reads the posted form once, so a body over its limit is a 413
// page rather than a missing token.
func parseForm(c echo.Context) error {
	r := c.Request()
	var err error
	if strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
		err = r.ParseMultipartForm(multipartMemory)
	} else {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		shown, ok := c.Get(shownLimitKey).(int64)
		if !ok {
			shown = mbe.Limit
		}
		return files.TooLarge("berkas", shown)
	}
	return nil // a malformed body is judged by what the handler then misses
}

// multipartMemory is how much of a multipart form is kept in memory; the
// rest (a large file) goes to a temporary file.
const multipartMemory = 1 << 20

func newCSRFToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}
