package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/compliance"
	"kemitraan/app/registry"
)

// The evaluations of a period, every business (compliant ones too), for
// staff: targets, what counted, the result; paged by the list's cursor.

func (p *Pages) evaluationRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/dinas/penilaian", perm: auth.PermSanctionListRead, handler: p.evaluationList},
	}
}

type evaluationListView struct {
	Items     []compliance.Evaluation
	Period    string
	Status    string
	Category  string
	Kecamatan string
	Next      string
	// Exports are the sanction list's downloads for the period and the
	// filters it shares (the list leaves the compliant out).
	CSV, XLSX  string
	Statuses   []string
	Categories []string
	Kecamatans []registry.Kecamatan
}

func (p *Pages) evaluationList(c echo.Context) error {
	q := newListQuery(c, "/dinas/penilaian")
	v := evaluationListView{Period: q.get("periode"), Status: q.get("status"), Category: q.get("kategori"),
		Kecamatan: q.get("kecamatan"), Statuses: compliance.Statuses, Categories: registry.Categories}
	ctx := c.Request().Context()
	if v.Period == "" {
		pd, err := p.reportPeriod(c)
		if err != nil {
			return err
		}
		v.Period = pd.String()
	}
	var err error
	if v.Kecamatans, err = p.svc.Registry.ListKecamatan(ctx); err != nil {
		return err
	}
	cursor, _ := strconv.ParseInt(q.get("lanjut"), 10, 64)
	items, next, err := p.svc.Compliance.Evaluations(ctx, compliance.EvaluationFilter{Period: v.Period, Status: v.Status,
		Category: v.Category, Kecamatan: v.Kecamatan}, compliance.EvaluationPage{Cursor: cursor, Limit: 50})
	if err != nil {
		return p.refusedList(c, "office_evaluations", say(c, "evaluations.title"), v, err)
	}
	v.Items = items
	if next != 0 {
		v.Next = q.with("lanjut", strconv.FormatInt(next, 10))
	}
	exports := listQuery{path: "/dinas/sanksi/unduh.csv", values: url.Values{"periode": {v.Period}}}
	for name, value := range map[string]string{"kategori": v.Category, "kecamatan": v.Kecamatan} {
		if value != "" {
			exports.values.Set(name, value)
		}
	}
	v.CSV = exports.with("", "")
	exports.path = "/dinas/sanksi/unduh.xlsx"
	v.XLSX = exports.with("", "")
	return p.render(c, http.StatusOK, "office_evaluations", p.newPage(c, say(c, "evaluations.title_period",
		periodLabel(v.Period)), v))
}
