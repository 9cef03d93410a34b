package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/compliance"
	"kemitraan/app/report"
)

// The statistics for Dinas staff: one period's figures, with charts and
// the same figures as tables, and the compliance and active-IKM series over
// time.

func (p *Pages) staffStatsRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/dinas/statistik", perm: auth.PermStatsRead, handler: p.staffStats},
	}
}

type staffStatsView struct {
	Stats      report.Stats
	Period     string
	Statuses   []string
	Compliance barChart
	Active     barChart
	Category   barChart
	Kecamatan  barChart
}

func (p *Pages) staffStats(c echo.Context) error {
	v := staffStatsView{Period: c.QueryParam("periode"), Statuses: compliance.Statuses}
	st, err := p.svc.Reports.Stats(c.Request().Context(), v.Period)
	if err != nil {
		pg := p.newPage(c, say(c, "staffstats.title"), v)
		status, ok := formErrors(pg, err, map[string]string{"period": say(c, "stats.period")})
		if !ok {
			return err
		}
		return p.render(c, status, "office_stats", pg)
	}
	v.Stats, v.Period = st, st.Period.String()
	v.Compliance = seriesChart("grafik-kepatuhan", say(c, "stats.compliance_over_time"), st.Compliance)
	v.Active = activeChart(st.IKM.Series)
	v.Category = staffGroupChart("grafik-kategori", say(c, "stats.by_category"), st.ByCategory, true)
	v.Kecamatan = staffGroupChart("grafik-kecamatan", say(c, "stats.by_kecamatan"), st.ByKecamatan, false)
	return p.render(c, http.StatusOK, "office_stats", p.newPage(c, say(c, "staffstats.title_period", st.Period.Label()), v))
}

// staffGroupChart is the compliance rate per category or kecamatan, none
// suppressed (staff see every figure).
func staffGroupChart(id, title string, groups []report.GroupStats, category bool) barChart {
	var labels, texts []string
	var shares []*float64
	for _, g := range groups {
		if g.Evaluated == 0 {
			continue
		}
		label := g.Name
		if category {
			label = categoryName(g.Key)
		}
		labels = append(labels, label)
		shares = append(shares, g.Rate.Rate)
		texts = append(texts, shareText(g.Rate.Rate))
	}
	return newBarChart(id, title, labels, shares, texts)
}

// staffGroup is a chart with the groups it draws, for the page's tables.
type staffGroup struct {
	Chart    barChart
	Groups   []report.GroupStats
	Category bool
}

// groupPair lists the category and the kecamatan groups for the template.
func groupPair(cat barChart, cats []report.GroupStats, kec barChart, kecs []report.GroupStats) []staffGroup {
	return []staffGroup{{Chart: cat, Groups: cats, Category: true}, {Chart: kec, Groups: kecs}}
}
