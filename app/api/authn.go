package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/platform/actor"
)

// authErrorKey holds why a presented bearer token was refused, so a route
// that needs a login can say so (a public route just serves the anonymous
// caller: a stale token must not block logging in again).
const authErrorKey = "kemitraan.auth_error"

// authenticate resolves the Authorization header (a session token or an ERP
// API token) to the actor and stores it, with the caller's address, in the
// request context. Without a header the caller is the anonymous public.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		a := actor.Actor{IP: c.RealIP()}
		if h := req.Header.Get(echo.HeaderAuthorization); h != "" {
			token, ok := bearerToken(h)
			if !ok {
				c.Set(authErrorKey, newProblem(http.StatusUnauthorized, "unauthenticated",
					"Header Authorization harus berbentuk \"Bearer <token>\"."))
			} else if found, err := s.auth.Authenticate(req.Context(), token); err != nil {
				c.Set(authErrorKey, err)
			} else {
				found.IP = a.IP
				a = found
			}
		}
		c.SetRequest(req.WithContext(actor.With(req.Context(), a)))
		return next(c)
	}
}

func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// require enforces a route's permission: 401 when nobody (or an unusable
// token) is calling, 403 when the caller's role or token may not.
func require(p auth.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			a := actor.From(c.Request().Context())
			if !a.Authenticated() {
				challenge := `Bearer realm="kemitraan"`
				err, _ := c.Get(authErrorKey).(error)
				if err != nil {
					challenge += `, error="invalid_token"`
				} else {
					err = newProblem(http.StatusUnauthorized, "unauthenticated", "Silakan masuk terlebih dahulu.")
				}
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, challenge)
				return err
			}
			if !auth.Allowed(a, p) {
				return newProblem(http.StatusForbidden, "forbidden", "Anda tidak berhak melakukan tindakan ini.")
			}
			return next(c)
		}
	}
}
