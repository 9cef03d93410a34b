package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
)

// The ERP tokens of every business, for the admin: which business each
// serves, when it was last used, and a way to end it at once.

func (p *Pages) adminTokenRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/admin/token", perm: auth.PermUsersManage, handler: p.adminTokens},
		{method: http.MethodPost, path: "/admin/token/:id/cabut", perm: auth.PermUsersManage, handler: p.adminRevokeToken},
	}
}

// tokenRow is a token with the name of the business it reports for.
type tokenRow struct {
	auth.APIToken
	BusinessName string
}

type adminTokensView struct {
	Tokens []tokenRow
	Pager  pager
}

func (p *Pages) adminTokens(c echo.Context) error {
	q := newListQuery(c, "/admin/token")
	ctx := c.Request().Context()
	page, err := p.svc.Auth.ListAPITokens(ctx, auth.APITokenFilter{Page: auth.PageRequest{Page: q.page()}})
	if err != nil {
		return err
	}
	v := adminTokensView{Pager: newPager(q, page.Page, page.PerPage, page.Total)}
	names := map[int64]string{}
	for _, t := range page.Items {
		if _, ok := names[t.BusinessID]; !ok {
			b, err := p.svc.Registry.GetBusiness(ctx, t.BusinessID)
			if err != nil {
				return err
			}
			names[t.BusinessID] = b.Name
		}
		v.Tokens = append(v.Tokens, tokenRow{APIToken: t, BusinessName: names[t.BusinessID]})
	}
	pg := p.newPage(c, say(c, "admin.tokens.title"), v)
	if c.QueryParam("pesan") == "dicabut" {
		pg.Notice = say(c, "admin.tokens.revoked")
	}
	return p.render(c, http.StatusOK, "admin_tokens", pg)
}

func (p *Pages) adminRevokeToken(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := p.svc.Auth.RevokeAPIToken(c.Request().Context(), id); err != nil {
		return err
	}
	return redirect(c, "/admin/token?pesan=dicabut")
}
