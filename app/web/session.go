package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
)

// Browser sessions are the API's sessions (the same table, limits and
// audit events), carried in a cookie instead of a bearer header.

const sessionCookieName = "kemitraan_sesi"

// sessionStale marks a request whose cookie named a session that has
// ended; a page that needs a login then says so.
const sessionStale = "kemitraan.session_stale"

type sessionCookie struct{ secure bool }

// set stores the session for as long as it lasts (a Max-Age, so the
// browser's clock does not matter).
func (s sessionCookie) set(c echo.Context, token string, lasts time.Duration) {
	c.SetCookie(&http.Cookie{Name: sessionCookieName, Value: token, Path: "/", MaxAge: int(lasts.Seconds()),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

func (s sessionCookie) clear(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: sessionCookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// session resolves the session cookie to the caller. A cookie that no
// longer works is cleared; the caller is then the anonymous public.
func (p *Pages) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(sessionCookieName)
		if err != nil || ck.Value == "" {
			return next(c)
		}
		req := c.Request()
		a, err := p.svc.Auth.Authenticate(req.Context(), ck.Value)
		var fe *fault.Error
		switch {
		case errors.As(err, &fe) && fe.Kind == fault.KindUnauthenticated:
			p.sessions.clear(c)
			c.Set(sessionStale, true)
			return next(c)
		case err != nil:
			return err
		case a.SessionID == 0:
			// An ERP token pasted into the cookie is not a browser session.
			p.sessions.clear(c)
			return next(c)
		}
		a.IP = actor.From(req.Context()).IP
		c.SetRequest(req.WithContext(actor.With(req.Context(), a)))
		return next(c)
	}
}

// require sends a caller who is not logged in to the login page (saying so
// when their session has ended) and refuses one whose role may not.
func (p *Pages) require(perm auth.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			a := actor.From(c.Request().Context())
			if !a.Authenticated() {
				q := url.Values{"lanjut": {c.Request().URL.RequestURI()}}
				if stale, _ := c.Get(sessionStale).(bool); stale {
					q.Set("sesi", "berakhir")
				}
				return redirect(c, "/masuk?"+q.Encode())
			}
			if !auth.Allowed(a, perm) {
				return &fault.Error{Kind: fault.KindForbidden, Code: "forbidden", Detail: say(c, "error.403.detail")}
			}
			return next(c)
		}
	}
}

func (p *Pages) sessionRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/masuk", handler: p.loginForm},
		{method: http.MethodPost, path: "/masuk", handler: p.login},
		{method: http.MethodPost, path: "/keluar", perm: auth.PermSessionOwn, handler: p.logout},
		{method: http.MethodGet, path: "/akun/kata-sandi", perm: auth.PermSessionOwn, handler: p.passwordForm},
		{method: http.MethodPost, path: "/akun/kata-sandi", perm: auth.PermSessionOwn, handler: p.changePassword},
		{method: http.MethodGet, path: "/akun/bahasa", perm: auth.PermSessionOwn, handler: p.languageForm},
		{method: http.MethodPost, path: "/akun/bahasa", perm: auth.PermSessionOwn, handler: p.setLanguage},
	}
}

type loginView struct {
	Username string
	Next     string
}

// safeNext keeps a post-login destination on this site: a path, never
// another host ("//evil.example" or "https://…").
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (p *Pages) loginForm(c echo.Context) error {
	if actor.From(c.Request().Context()).Authenticated() {
		return redirect(c, safeNext(c.QueryParam("lanjut")))
	}
	pg := p.newPage(c, say(c, "login.title"), loginView{Next: safeNext(c.QueryParam("lanjut"))})
	switch {
	case c.QueryParam("sesi") == "berakhir":
		pg.Notice = say(c, "login.expired")
	case c.QueryParam("keluar") == "1":
		pg.Notice = say(c, "login.logged_out")
	}
	return p.render(c, http.StatusOK, "login", pg)
}

func (p *Pages) login(c echo.Context) error {
	v := loginView{Username: strings.TrimSpace(c.FormValue("username")), Next: safeNext(c.FormValue("lanjut"))}
	req := c.Request()
	sess, user, err := p.svc.Auth.Login(req.Context(), auth.Credentials{Username: v.Username,
		Password: c.FormValue("password"), IP: c.RealIP(), UserAgent: req.UserAgent()})
	if err != nil {
		pg := p.newPage(c, say(c, "login.title"), v)
		status, ok := formErrors(pg, err, map[string]string{"username": say(c, "login.username"), "password": say(c, "login.password")})
		if !ok {
			return err
		}
		if status == http.StatusUnauthorized || status == http.StatusTooManyRequests {
			// Not a field's fault: the summary names the password field.
			pg.Errors = []fault.FieldError{{Field: "password", Reason: faultDetail(err)}}
		}
		return p.render(c, status, "login", pg)
	}
	p.sessions.set(c, sess.Token, sess.ExpiresAt.Sub(p.clock.Now()))
	if v.Next == "/" {
		v.Next = homeOf(user.Role)
	}
	return redirect(c, v.Next)
}

func (p *Pages) logout(c echo.Context) error {
	if err := p.svc.Auth.Logout(c.Request().Context()); err != nil {
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Kind != fault.KindUnauthenticated {
			return err
		}
	}
	p.sessions.clear(c)
	return redirect(c, "/masuk?keluar=1")
}

func (p *Pages) passwordForm(c echo.Context) error {
	return p.accountPage(c, "password", "diubah", "password.changed")
}

// accountPage shows the account page name (its title the message
// name.title), saying savedKey when the query has savedParam=1: the
// redirect after a change.
func (p *Pages) accountPage(c echo.Context, name, savedParam, savedKey string) error {
	pg := p.newPage(c, say(c, name+".title"), nil)
	if c.QueryParam(savedParam) == "1" {
		pg.Notice = say(c, savedKey)
	}
	return p.render(c, http.StatusOK, name, pg)
}

func (p *Pages) changePassword(c echo.Context) error {
	current, next := c.FormValue("current_password"), c.FormValue("new_password")
	pg := p.newPage(c, say(c, "password.title"), nil)
	labels := map[string]string{"current_password": say(c, "password.current"), "new_password": say(c, "password.new"),
		"confirm_password": say(c, "password.confirm")}
	if next != c.FormValue("confirm_password") {
		pg.Errors = []fault.FieldError{{Field: "confirm_password", Reason: labels["confirm_password"] + " " + say(c, "password.mismatch")}}
		return p.render(c, http.StatusUnprocessableEntity, "password", pg)
	}
	if err := p.svc.Auth.ChangePassword(c.Request().Context(), current, next); err != nil {
		status, ok := formErrors(pg, err, labels)
		if !ok {
			return err
		}
		return p.render(c, status, "password", pg)
	}
	return redirect(c, "/akun/kata-sandi?diubah=1")
}

// languageForm lets a company user read the pages in English (or go back
// to Indonesian); the choice is saved with the user.
func (p *Pages) languageForm(c echo.Context) error {
	return p.accountPage(c, "language", "disimpan", "language.saved")
}

func (p *Pages) setLanguage(c echo.Context) error {
	if err := p.svc.Auth.SetLanguage(c.Request().Context(), c.FormValue("bahasa")); err != nil {
		pg := p.newPage(c, say(c, "language.title"), nil)
		status, ok := formErrors(pg, err, map[string]string{"language": say(c, "language.legend")})
		if !ok {
			return err
		}
		return p.render(c, status, "language", pg)
	}
	return redirect(c, "/akun/bahasa?disimpan=1")
}

// homeOf is where a role starts after logging in.
func homeOf(r actor.Role) string {
	switch r {
	case actor.RoleIKM:
		return "/ikm"
	case actor.RoleCompany:
		return "/perusahaan"
	case actor.RoleOfficer:
		return "/dinas"
	case actor.RoleReviewer:
		return "/dinas/kasus"
	case actor.RoleAdmin:
		return "/admin/pengguna"
	}
	return "/"
}
