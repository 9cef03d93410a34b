package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"kemitraan/app/platform/fault"
	"kemitraan/app/sanction"
)

// Letter verification, reached by the QR code printed on every letter: it
// says whether the letter is genuine (number, date, kind, business) and
// nothing more.

func (p *Pages) verifyRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/verifikasi", handler: p.verifyForm},
		{method: http.MethodGet, path: "/verifikasi/:code", handler: p.verify},
	}
}

type verifyView struct {
	Code   string
	Letter *sanction.LetterCheck
	Kind   string
}

// verifyForm asks for a code typed from the paper; a code sent from the
// form goes to its own address, the one the QR code holds.
func (p *Pages) verifyForm(c echo.Context) error {
	if code := strings.TrimSpace(c.QueryParam("kode")); code != "" {
		return c.Redirect(http.StatusSeeOther, "/verifikasi/"+url.PathEscape(code))
	}
	return p.render(c, http.StatusOK, "verify", p.newPage(c, msg("verify.title"), verifyView{}))
}

func (p *Pages) verify(c echo.Context) error {
	code := c.Param("code")
	v := verifyView{Code: code}
	check, err := p.svc.Sanction.VerifyLetter(c.Request().Context(), code)
	if isKind(err, fault.KindNotFound) {
		return p.render(c, http.StatusNotFound, "verify", p.newPage(c, msg("verify.unknown.title"), v))
	}
	if err != nil {
		return err
	}
	v.Letter = &check
	v.Kind = msg("letter.kind." + check.Kind)
	return p.render(c, http.StatusOK, "verify", p.newPage(c, msg("verify.genuine.title"), v))
}
