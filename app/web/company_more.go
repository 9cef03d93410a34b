package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/partnership"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
	"kemitraan/app/report"
)

// The company's outlet spaces given to IKM, and its ERP tokens.

func (p *Pages) companyMoreRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/perusahaan/gerai", perm: auth.PermOutletsReport, handler: p.companyOutlets},
		{method: http.MethodPost, path: "/perusahaan/gerai", perm: auth.PermOutletsReport, handler: p.reportOutlet},
		{method: http.MethodGet, path: "/perusahaan/token", perm: auth.PermTokensManage, handler: p.companyTokens},
		{method: http.MethodPost, path: "/perusahaan/token", perm: auth.PermTokensManage, handler: p.createToken},
		{method: http.MethodPost, path: "/perusahaan/token/:id/cabut", perm: auth.PermTokensManage, handler: p.revokeToken},
	}
}

type companyOutletsView struct {
	Outlets  []partnership.Outlet
	Next     string
	Form     map[string]string
	Search   string
	Matches  []report.DirectoryEntry
	Searched bool
}

var outletFields = []string{"ikm_id", "location", "slots", "start_date", "end_date"}

func (p *Pages) outletsView(c echo.Context, form map[string]string) (*companyOutletsView, error) {
	ctx := c.Request().Context()
	after, err := cursorParam(c, "setelah")
	if err != nil {
		return nil, err
	}
	items, next, err := p.svc.Partnership.ListOutlets(ctx, partnership.OutletFilter{}, partnership.Page{Cursor: after, Limit: 50})
	if err != nil {
		return nil, err
	}
	v := &companyOutletsView{Outlets: items, Form: form, Search: strings.TrimSpace(c.QueryParam("cari"))}
	if next != 0 {
		v.Next = "/perusahaan/gerai?setelah=" + strconv.FormatInt(next, 10)
	}
	v.Matches, v.Searched, err = p.searchIKM(c, v.Search)
	return v, err
}

func (p *Pages) companyOutlets(c echo.Context) error {
	v, err := p.outletsView(c, map[string]string{})
	if err != nil {
		return err
	}
	pg := p.newPage(c, say(c, "company.outlets.title"), v)
	if c.QueryParam("pesan") == "dilaporkan" {
		pg.Notice = say(c, "company.outlets.reported")
	}
	return p.render(c, http.StatusOK, "company_outlets", pg)
}

func (p *Pages) reportOutlet(c echo.Context) error {
	form := map[string]string{}
	for _, f := range outletFields {
		form[f] = strings.TrimSpace(c.FormValue(f))
	}
	a := actor.From(c.Request().Context())
	in := partnership.OutletInput{BusinessID: a.BusinessID, Location: form["location"], StartDate: form["start_date"],
		EndDate: form["end_date"]}
	var chk fault.Checker
	id, err := strconv.ParseInt(form["ikm_id"], 10, 64)
	chk.Check(err == nil && id > 0, "ikm_id", say(c, "company.outlets.ikm_required"))
	in.IKMID = id
	slots, err := strconv.Atoi(form["slots"])
	chk.Check(err == nil && slots > 0, "slots", say(c, "company.report.whole_number"))
	in.Slots = slots
	err = chk.Err()
	if err == nil {
		_, err = p.svc.Partnership.ReportOutlet(c.Request().Context(), in)
	}
	if err != nil {
		v, verr := p.outletsView(c, form)
		if verr != nil {
			return verr
		}
		pg := p.newPage(c, say(c, "company.outlets.title"), v)
		status, ok := formErrors(pg, err, map[string]string{"ikm_id": say(c, "company.report.ikm"),
			"location": say(c, "ikm.outlets.location"), "slots": say(c, "ikm.outlets.slots"),
			"start_date": say(c, "ikm.outlets.from"), "end_date": say(c, "ikm.outlets.until")})
		if !ok {
			return err
		}
		return p.render(c, status, "company_outlets", pg)
	}
	return redirect(c, "/perusahaan/gerai?pesan=dilaporkan")
}

type tokensView struct {
	Tokens  []auth.APIToken
	Secret  string // shown once, right after it is made
	Name    string
	Example string
}

func (p *Pages) tokensPage(c echo.Context, v tokensView, status int, errs error) error {
	ctx := c.Request().Context()
	page, err := p.svc.Auth.ListAPITokens(ctx, auth.APITokenFilter{IncludeRevoked: true, Page: auth.PageRequest{Page: 1, PerPage: 100}})
	if err != nil {
		return err
	}
	v.Tokens = page.Items
	pg := p.newPage(c, say(c, "company.tokens.title"), v)
	if errs != nil {
		s, ok := formErrors(pg, errs, map[string]string{"name": say(c, "company.tokens.name")})
		if !ok {
			return errs
		}
		status = s
	}
	switch c.QueryParam("pesan") {
	case "dicabut":
		pg.Notice = say(c, "company.tokens.revoked")
	}
	return p.render(c, status, "company_tokens", pg)
}

func (p *Pages) companyTokens(c echo.Context) error {
	return p.tokensPage(c, tokensView{}, http.StatusOK, nil)
}

func (p *Pages) createToken(c echo.Context) error {
	a := actor.From(c.Request().Context())
	name := strings.TrimSpace(c.FormValue("name"))
	_, secret, err := p.svc.Auth.CreateAPIToken(c.Request().Context(), auth.NewAPIToken{BusinessID: a.BusinessID, Name: name})
	if err != nil {
		return p.tokensPage(c, tokensView{Name: name}, http.StatusOK, err)
	}
	// Shown on this answer only (no redirect: the secret must not sit in a
	// URL or a later page).
	v := tokensView{Secret: secret, Example: fmt.Sprintf(`curl -X POST %s/api/v1/purchases \
  -H "Authorization: Bearer %s" -H "Content-Type: application/json" \
  -d '{"ikm_nib":"8120000000001","invoice_number":"INV-001","purchase_date":"2025-03-05","description":"Besek","amount":150000}'`,
		strings.TrimRight(p.cfg.HTTP.PublicURL, "/"), secret)}
	return p.tokensPage(c, v, http.StatusCreated, nil)
}

func (p *Pages) revokeToken(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := p.svc.Auth.RevokeAPIToken(c.Request().Context(), id); err != nil {
		return err
	}
	return redirect(c, "/perusahaan/token?pesan=dicabut")
}
