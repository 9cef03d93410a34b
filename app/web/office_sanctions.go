package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/registry"
	"kemitraan/app/report"
	"kemitraan/app/sanction"
)

// The sanction list per period for officers and reviewers: the API's
// filters and sorts, each business's last four periods, and the exports
// one click away (CSV for Indonesian Excel, XLSX).

func (p *Pages) sanctionListRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/dinas/sanksi", perm: auth.PermSanctionListRead, handler: p.sanctionList},
		{method: http.MethodGet, path: "/dinas/sanksi/unduh.csv", perm: auth.PermSanctionListRead, handler: p.sanctionExport, long: true},
		{method: http.MethodGet, path: "/dinas/sanksi/unduh.xlsx", perm: auth.PermSanctionListRead, handler: p.sanctionExport, long: true},
	}
}

type sanctionListView struct {
	List       report.SanctionList
	Columns    map[string]column
	Period     string
	Status     string
	Stage      string
	Category   string
	Kecamatan  string
	Overdue    bool
	Q          string
	Next       string
	CSV, XLSX  string
	Statuses   []string
	Stages     []sanction.Stage
	Categories []string
	Kecamatans []registry.Kecamatan
}

// sanctionFilter reads the list's filter from the query, as the page and
// its exports share it.
func (p *Pages) sanctionFilter(c echo.Context, q listQuery) (report.ListFilter, sanctionListView, error) {
	v := sanctionListView{Period: q.get("periode"), Status: q.get("status"), Stage: q.get("tahap"),
		Category: q.get("kategori"), Kecamatan: q.get("kecamatan"), Overdue: q.get("lewat") == "ya", Q: q.get("q"),
		Statuses: report.ListStatuses, Stages: sanction.Stages, Categories: registry.Categories}
	if v.Period == "" {
		pd, err := p.reportPeriod(c)
		if err != nil {
			return report.ListFilter{}, v, err
		}
		v.Period = pd.String()
	}
	f := report.ListFilter{Period: v.Period, Stage: v.Stage, Category: v.Category, Kecamatan: v.Kecamatan,
		Overdue: v.Overdue, Q: v.Q, Sort: q.get("urut"), Cursor: q.get("lanjut")}
	if v.Status != "" {
		f.Statuses = []string{v.Status}
	}
	return f, v, nil
}

func (p *Pages) sanctionList(c echo.Context) error {
	q := newListQuery(c, "/dinas/sanksi")
	f, v, err := p.sanctionFilter(c, q)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if v.Kecamatans, err = p.svc.Registry.ListKecamatan(ctx); err != nil {
		return err
	}
	v.Columns = q.columns(c, []string{"name", "nib", "kecamatan", "shortfall", "fulfilment", "deadline"}, "shortfall")
	if v.List, err = p.svc.Reports.SanctionList(ctx, f); err != nil {
		return p.refusedList(c, "office_sanctions", say(c, "sanctions.title"), v, err)
	}
	if v.List.Next != "" {
		v.Next = q.with("lanjut", v.List.Next)
	}
	exports := listQuery{path: "/dinas/sanksi/unduh.csv", values: q.values}
	v.CSV = exports.with("lanjut", "")
	exports.path = "/dinas/sanksi/unduh.xlsx"
	v.XLSX = exports.with("lanjut", "")
	return p.render(c, http.StatusOK, "office_sanctions",
		p.newPage(c, say(c, "sanctions.title_period", v.List.Period.Label()), v))
}

// sanctionExport downloads the whole filtered list (the first bytes go
// out only once every row is read, so a failure is still an error page): CSV in the form
// Indonesian Excel opens (semicolons, decimal commas, the NIB kept as
// text), or XLSX.
func (p *Pages) sanctionExport(c echo.Context) error {
	f, _, err := p.sanctionFilter(c, newListQuery(c, c.Path()))
	if err != nil {
		return err
	}
	x, err := p.svc.Reports.PrepareExport(c.Request().Context(), f)
	if err != nil {
		return err
	}
	res := c.Response()
	if c.Path() == "/dinas/sanksi/unduh.xlsx" {
		res.Header().Set(echo.HeaderContentType, xlsxType)
		res.Header().Set("Content-Disposition", `attachment; filename="`+x.Filename("xlsx")+`"`)
		return x.WriteXLSX(c.Request().Context(), res)
	}
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set("Content-Disposition", `attachment; filename="`+x.Filename("csv")+`"`)
	return x.WriteCSV(c.Request().Context(), res, report.CSVExcel)
}
