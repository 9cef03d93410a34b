package web

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
)

// The rule sets: every version, which is in force, and (for admins) a
// new version uploaded as YAML, refused with its errors per key.

func (p *Pages) ruleRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/admin/aturan", perm: auth.PermRulesRead, handler: p.ruleSets},
		{method: http.MethodPost, path: "/admin/aturan", perm: auth.PermRulesManage, handler: p.uploadRuleSet,
			upload: documentUpload},
	}
}

type ruleSetsView struct {
	Sets      []compliance.StoredRuleSet
	InForce   int64
	CanUpload bool
}

func (p *Pages) ruleSetsView(c echo.Context) (ruleSetsView, error) {
	ctx := c.Request().Context()
	v := ruleSetsView{CanUpload: auth.Allowed(actor.From(ctx), auth.PermRulesManage)}
	var err error
	if v.Sets, err = p.svc.Compliance.RuleSets(ctx); err != nil {
		return v, err
	}
	rs, err := p.svc.Compliance.RuleSetInForce(ctx)
	if fe, ok := fault.As(err); ok && fe.Kind == fault.KindNotFound {
		return v, nil // none in force yet
	}
	v.InForce = rs.ID
	return v, err
}

func (p *Pages) ruleSets(c echo.Context) error {
	v, err := p.ruleSetsView(c)
	if err != nil {
		return err
	}
	pg := p.newPage(c, say(c, "rules.title"), v)
	if m := c.QueryParam("pesan"); m == "baru" || m == "sama" || m == "diganti" {
		pg.Notice = say(c, "rules.installed."+m)
	}
	return p.render(c, http.StatusOK, "admin_rules", pg)
}

func (p *Pages) uploadRuleSet(c echo.Context) error {
	v, err := p.ruleSetsView(c)
	if err != nil {
		return err
	}
	refuse := func(err error) error {
		pg := p.newPage(c, say(c, "rules.title"), v)
		status, ok := formErrors(pg, err, map[string]string{"file": say(c, "rules.file")})
		if !ok {
			return err
		}
		return p.render(c, status, "admin_rules", pg)
	}
	fh, err := c.FormFile("berkas")
	if err != nil || fh.Size == 0 {
		return refuse(fault.Invalid(fault.Field("file", say(c, "rules.file_required"))))
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	src, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	res, err := p.svc.Compliance.InstallRuleSet(c.Request().Context(), src, compliance.OriginUpload)
	if err != nil {
		return refuse(err)
	}
	m := "sama"
	switch {
	case res.Created:
		m = "baru"
	case res.Replaced:
		m = "diganti"
	}
	return redirect(c, "/admin/aturan?pesan="+m)
}
