package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/format"
	"kemitraan/app/registry"
	"kemitraan/app/report"
)

// The public figures per period, the IKM directory and the final
// recommendations: what the programme achieves, for anyone, no login.

func (p *Pages) publicSiteRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/statistik", handler: p.statistics},
		{method: http.MethodGet, path: "/statistik/:table", handler: p.statisticsCSV},
		{method: http.MethodGet, path: "/direktori", handler: p.directory},
		{method: http.MethodGet, path: "/rekomendasi", handler: p.recommendations},
	}
}

type statsView struct {
	Stats      report.PublicStats
	HasFigures bool
	Period     string // as the query names it, for the CSV links
	Periods    []string
	Compliance barChart
	Active     barChart
	Category   barChart
	Kecamatan  barChart
	MinGroup   int
}

// publicStats reads the figures of the period the query names (or the
// latest evaluated); none yet is not an error, only an empty page.
func (p *Pages) publicStats(c echo.Context) (report.PublicStats, bool, error) {
	st, err := p.svc.Reports.PublicStats(c.Request().Context(), c.QueryParam("periode"))
	if isKind(err, fault.KindNotFound) && c.QueryParam("periode") == "" {
		// No rule set or no period evaluated yet.
		return report.PublicStats{}, false, nil
	}
	if err != nil {
		return report.PublicStats{}, false, err
	}
	return st, !st.Period.IsZero(), nil
}

func (p *Pages) statistics(c echo.Context) error {
	st, ok, err := p.publicStats(c)
	if err != nil {
		if !isKind(err, fault.KindInvalid) {
			return err
		}
		pg := p.newPage(c, msg("stats.title"), statsView{})
		// The page without figures has no period to choose: the summary
		// names the period without a link.
		status, _ := formErrors(pg, err, nil)
		return p.render(c, status, "statistics", pg)
	}
	v := statsView{Stats: st, HasFigures: ok, MinGroup: report.MinPublicGroup}
	if ok {
		// Over time, from the first period with figures: the quarters
		// before the programme are not zeros, they are nothing.
		first := 0
		for first < len(st.Series)-1 && st.Series[first].Registered == 0 &&
			(first >= len(st.Compliance) || st.Compliance[first].Base == 0) {
			first++
		}
		v.Stats.Series = st.Series[first:]
		if first < len(st.Compliance) {
			v.Stats.Compliance = st.Compliance[first:]
		}
		st = v.Stats
		v.Period = st.Period.String()
		// The periods one can choose: those evaluated, newest first.
		for i := len(st.Compliance) - 1; i >= 0; i-- {
			if st.Compliance[i].Base > 0 || st.Compliance[i].Period == v.Period {
				v.Periods = append(v.Periods, st.Compliance[i].Period)
			}
		}
		v.Compliance = seriesChart("grafik-kepatuhan", msg("stats.compliance_over_time"), st.Compliance)
		v.Active = activeChart(st.Series)
		v.Category = groupChart("grafik-kategori", msg("stats.by_category"), st.ByCategory)
		v.Kecamatan = groupChart("grafik-kecamatan", msg("stats.by_kecamatan"), st.ByKecamatan)
	}
	return p.render(c, http.StatusOK, "statistics", p.newPage(c, msg("stats.title"), v))
}

func seriesChart(id, title string, rates []report.PeriodRate) barChart {
	var labels, texts []string
	var shares []*float64
	for _, r := range rates {
		labels = append(labels, periodLabel(r.Period))
		shares = append(shares, r.Rate.Rate)
		texts = append(texts, shareText(r.Rate.Rate))
	}
	return newBarChart(id, title, labels, shares, texts)
}

func activeChart(series []report.IKMPeriod) barChart {
	var labels, texts []string
	var shares []*float64
	for _, r := range series {
		labels = append(labels, periodLabel(r.Period))
		shares = append(shares, r.Share)
		texts = append(texts, shareText(r.Share))
	}
	c := newBarChart("grafik-ikm-aktif", msg("stats.active_over_time"), labels, shares, texts)
	c.mark(startingShare, msg("stats.start_marker", format.Percent(startingShare)))
	return c
}

func groupChart(id, title string, groups []report.PublicGroup) barChart {
	var labels, texts []string
	var shares []*float64
	for _, g := range groups {
		if g.Evaluated == 0 {
			continue
		}
		labels = append(labels, g.Name)
		shares = append(shares, g.Rate)
		text := shareText(g.Rate)
		if g.Suppressed {
			text = msg("stats.suppressed_short")
		}
		texts = append(texts, text)
	}
	return newBarChart(id, title, labels, shares, texts)
}

func shareText(share *float64) string {
	if share == nil {
		return msg("home.not_available")
	}
	return format.Percent(*share)
}

// statisticsCSV serves one table of the statistics page as CSV, for Excel:
// UTF-8 with a byte order mark, so Excel reads the names right.
func (p *Pages) statisticsCSV(c echo.Context) error {
	table, ok := strings.CutSuffix(c.Param("table"), ".csv")
	if !ok {
		return echo.ErrNotFound
	}
	st, has, err := p.publicStats(c)
	if err != nil {
		return err
	}
	// For Excel set to Indonesian by default, as the office's and most
	// readers' computers are: ';' between fields and "87,5%" (which it
	// reads as a percentage); ?bentuk=biasa gives programs ',' and 87.5.
	plain := c.QueryParam("bentuk") == "biasa"
	var rows [][]string
	pct := func(r *float64) string {
		if r == nil {
			return ""
		}
		v := strconv.FormatFloat(*r*100, 'f', 1, 64)
		if plain {
			return v
		}
		return strings.Replace(v, ".", ",", 1) + "%"
	}
	switch table {
	case "kepatuhan":
		rows = append(rows, []string{"periode", "dinilai_tidak_dikecualikan", "patuh", "persen_patuh"})
		for _, r := range st.Compliance {
			rows = append(rows, []string{r.Period, strconv.FormatInt(r.Base, 10), strconv.FormatInt(r.Compliant, 10), pct(r.Rate.Rate)})
		}
	case "ikm-aktif":
		rows = append(rows, []string{"periode", "ikm_terdaftar", "ikm_aktif", "persen_aktif", "pembelian_rupiah"})
		for _, r := range st.Series {
			rows = append(rows, []string{r.Period, strconv.FormatInt(r.Registered, 10), strconv.FormatInt(r.Active, 10),
				pct(r.Share), strconv.FormatInt(r.PurchaseValue, 10)})
		}
	case "kategori", "kecamatan":
		groups := st.ByCategory
		if table == "kecamatan" {
			groups = st.ByKecamatan
		}
		rows = append(rows, []string{"periode", "kode", "nama", "dinilai", "persen_patuh", "disembunyikan"})
		for _, g := range groups {
			hidden := "tidak"
			if g.Suppressed {
				hidden = "ya"
			}
			rows = append(rows, []string{st.Period.String(), g.Key, g.Name, strconv.FormatInt(g.Evaluated, 10), pct(g.Rate), hidden})
		}
	default:
		return echo.ErrNotFound
	}
	if !has {
		rows = rows[:1]
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	if !plain {
		w.Comma = ';'
	}
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	name := fmt.Sprintf("statistik-%s-%s.csv", table, st.Period.String())
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

type directoryView struct {
	Directory report.Directory
	Q         string
	Sector    string
	Kecamatan string
	Sectors   []string
	Kec       []registry.Kecamatan
	Pages     int
	Prev      string // link to the previous page; "" on the first
	NextLink  string
}

func (p *Pages) directory(c echo.Context) error {
	ctx := c.Request().Context()
	v := directoryView{Q: strings.TrimSpace(c.QueryParam("q")), Sector: c.QueryParam("sektor"),
		Kecamatan: c.QueryParam("kecamatan"), Sectors: registry.Sectors}
	page := 1
	if raw := c.QueryParam("halaman"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			n = -1
		}
		page = n
	}
	kec, err := p.svc.Registry.ListKecamatan(ctx)
	if err != nil {
		return err
	}
	v.Kec = kec
	dir, err := p.svc.Reports.IKMDirectory(ctx, report.DirectoryFilter{Sector: v.Sector, Kecamatan: v.Kecamatan, Q: v.Q,
		Page: page, PerPage: report.DefaultDirectoryPerPage})
	if err != nil {
		pg := p.newPage(c, msg("directory.title"), v)
		status, ok := formErrors(pg, err, map[string]string{"sector": msg("directory.sector"),
			"kecamatan": msg("directory.kecamatan"), "q": msg("directory.q"), "page": msg("directory.page")})
		if !ok {
			return err
		}
		return p.render(c, status, "directory", pg)
	}
	v.Directory = dir
	v.Pages = int((dir.Total + int64(dir.PerPage) - 1) / int64(max(dir.PerPage, 1)))
	link := func(n int) string {
		q := c.QueryParams()
		q.Set("halaman", strconv.Itoa(n))
		return "/direktori?" + q.Encode()
	}
	if dir.Page > 1 {
		v.Prev = link(dir.Page - 1)
	}
	if dir.Page < v.Pages {
		v.NextLink = link(dir.Page + 1)
	}
	return p.render(c, http.StatusOK, "directory", p.newPage(c, msg("directory.title"), v))
}

type recommendationsView struct {
	Items []report.Recommendation
	Next  string
}

func (p *Pages) recommendations(c echo.Context) error {
	cursor, err := cursorParam(c, "setelah")
	if err != nil {
		return err
	}
	items, next, err := p.svc.Reports.Recommendations(c.Request().Context(),
		report.RecommendationFilter{Cursor: cursor, Limit: 20})
	if err != nil {
		return err
	}
	v := recommendationsView{Items: items}
	if next != 0 {
		v.Next = "/rekomendasi?setelah=" + strconv.FormatInt(next, 10)
	}
	return p.render(c, http.StatusOK, "recommendations", p.newPage(c, msg("recommendations.title"), v))
}

// isKind reports whether err is a refusal of kind k.
func isKind(err error, k fault.Kind) bool {
	fe, ok := fault.As(err)
	return ok && fe.Kind == k
}
