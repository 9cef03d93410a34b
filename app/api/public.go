package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/platform/clock"
	"kemitraan/app/report"
)

// The public API: no login, cacheable, aggregates and final decisions only.
func (s *Server) publicRoutes() []route {
	const tag = "publik"
	return []route{
		{method: http.MethodGet, path: "/api/v1/public/stats", handler: s.publicStats,
			doc: openapi.Doc{Summary: "Angka agregat satu periode", Tag: tag, Query: periodQuery{}, Response: publicStatsResponse{},
				Description: fmt.Sprintf("Tingkat kepatuhan keseluruhan, per kategori dan per kecamatan (kelompok dengan kurang "+
					"dari %d usaha tidak ditampilkan tingkatnya), laporan berkala, rupiah pembelian dari IKM, slot tempat, dan "+
					"IKM aktif dibanding terdaftar dari periode ke periode. Tanpa data kasus atau nama usaha. Disimpan "+
					"sementara %d detik.", report.MinPublicGroup, int(report.PublicMaxAge.Seconds()))}},
		{method: http.MethodGet, path: "/api/v1/public/ikms", handler: s.publicIKMs,
			doc: openapi.Doc{Summary: "Direktori IKM aktif", Tag: tag, Query: directoryQuery{}, Response: directoryResponse{},
				Description: "Nama, sektor, produk dan kecamatan. Telepon dan e-mail hanya bila IKM menyetujui " +
					"penayangannya; selain itu null."}},
		{method: http.MethodGet, path: "/api/v1/public/recommendations", handler: s.publicRecommendations,
			doc: openapi.Doc{Summary: "Rekomendasi sanksi yang sudah diputuskan", Tag: tag, Query: recommendationQuery{},
				Response: listPage[recommendationResponse]{},
				Description: "Usaha yang direkomendasikan kepada instansi perizinan, periode temuannya dan tanggal " +
					"keputusan, terbaru dahulu. Kasus yang masih berjalan tidak pernah tampil."}},
	}
}

// publicCache lets browsers and proxies keep a public answer.
func publicCache(c echo.Context) {
	c.Response().Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(report.PublicMaxAge.Seconds())))
}

type publicGroupResponse struct {
	Key        string   `json:"key" doc:"Kode kategori atau kode BPS kecamatan"`
	Name       string   `json:"name" doc:"Nama kecamatan; kosong untuk kategori"`
	Evaluated  int64    `json:"evaluated"`
	Rate       *float64 `json:"rate" openapi:"nullable" doc:"Tingkat kepatuhan; null bila tidak ada atau disembunyikan"`
	Suppressed bool     `json:"suppressed" doc:"Terlalu sedikit usaha untuk ditampilkan tanpa menunjuk usaha tertentu"`
}

func newPublicGroups(gs []report.PublicGroup) []publicGroupResponse {
	out := make([]publicGroupResponse, len(gs))
	for i, g := range gs {
		out[i] = publicGroupResponse(g)
	}
	return out
}

type publicIKMResponse struct {
	ikmPeriodResponse
	PerActiveIKM *int64              `json:"per_active_ikm" openapi:"nullable" doc:"Rupiah per IKM aktif"`
	Series       []ikmPeriodResponse `json:"series" doc:"Periode-periode terakhir, yang terlama dahulu"`
}

type publicStatsResponse struct {
	Period        string                `json:"period" example:"2025-Q1"`
	Evaluated     int64                 `json:"evaluated"`
	Compliance    rateResponse          `json:"compliance"`
	ByCategory    []publicGroupResponse `json:"by_category"`
	ByKecamatan   []publicGroupResponse `json:"by_kecamatan"`
	Reports       reportCountsResponse  `json:"reports"`
	PurchaseValue int64                 `json:"purchase_value" doc:"Rupiah pembelian dari IKM yang dihitung"`
	OutletSlots   float64               `json:"outlet_slots"`
	IKM           publicIKMResponse     `json:"ikm"`
	Payment       paymentStatsResponse  `json:"payment" doc:"Ketepatan pembayaran kepada IKM; kategori dengan kurang dari 5 usaha disembunyikan"`
	GeneratedAt   time.Time             `json:"generated_at"`
}

func (s *Server) publicStats(c echo.Context) error {
	q := newQuery(c)
	period := q.text("period")
	if err := q.err(); err != nil {
		return err
	}
	st, err := s.reports.PublicStats(c.Request().Context(), period)
	if err != nil {
		return err
	}
	publicCache(c)
	return c.JSON(http.StatusOK, publicStatsResponse{
		Period: st.Period.String(), Evaluated: st.Evaluated, Compliance: newRate(st.Overall),
		ByCategory: newPublicGroups(st.ByCategory), ByKecamatan: newPublicGroups(st.ByKecamatan),
		Reports: reportCountsResponse(st.Reports), PurchaseValue: st.PurchaseValue, OutletSlots: st.OutletSlots,
		IKM: publicIKMResponse{ikmPeriodResponse: newIKMPeriod(st.IKM), PerActiveIKM: st.PerActiveIKM,
			Series: newSeries(st.Series)},
		Payment:     newPaymentStats(st.Payment),
		GeneratedAt: st.GeneratedAt,
	})
}

type directoryQuery struct {
	Sector    string `query:"sector" openapi:"vocab=sector"`
	Kecamatan string `query:"kecamatan" doc:"Kode BPS kecamatan" example:"3216060"`
	Q         string `query:"q" doc:"Bagian nama atau produk"`
	Page      int    `query:"page" doc:"Halaman, mulai 1" openapi:"min=1"`
	PerPage   int    `query:"per_page" doc:"Baris per halaman (1–100, bawaan 20)" openapi:"min=1,max=100"`
}

type directoryEntryResponse struct {
	ID            int64   `json:"id"`
	Name          string  `json:"name"`
	Sector        string  `json:"sector"`
	Products      string  `json:"products"`
	KecamatanCode string  `json:"kecamatan_code"`
	KecamatanName string  `json:"kecamatan_name"`
	Phone         *string `json:"phone" openapi:"nullable" doc:"Hanya bila IKM menyetujui penayangan kontak"`
	Email         *string `json:"email" openapi:"nullable" doc:"Hanya bila IKM menyetujui penayangan kontak"`
}

type directoryResponse struct {
	Items   []directoryEntryResponse `json:"items"`
	Page    int                      `json:"page"`
	PerPage int                      `json:"per_page"`
	Total   int64                    `json:"total"`
}

// pageNumber reads a page or page size: a whole number of at least 1
// (the domain checks the upper bound); absent is 0, the default.
func (q *queryReader) pageNumber(name string) int {
	raw := q.text(name)
	if raw == "" {
		return 0
	}
	n, err := strconv.Atoi(raw)
	switch {
	case err != nil || n < 1:
		q.check.Add(name, "harus bilangan bulat 1 atau lebih")
		return 0
	case n > 1_000_000:
		q.check.Add(name, "terlalu besar")
		return 0
	}
	return n
}

func (s *Server) publicIKMs(c echo.Context) error {
	q := newQuery(c)
	f := report.DirectoryFilter{Sector: q.text("sector"), Kecamatan: q.text("kecamatan"), Q: q.text("q"),
		Page: q.pageNumber("page"), PerPage: q.pageNumber("per_page")}
	if err := q.err(); err != nil {
		return err
	}
	d, err := s.reports.IKMDirectory(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := directoryResponse{Page: d.Page, PerPage: d.PerPage, Total: d.Total, Items: make([]directoryEntryResponse, len(d.Items))}
	for i, e := range d.Items {
		out.Items[i] = directoryEntryResponse(e)
	}
	publicCache(c)
	return c.JSON(http.StatusOK, out)
}

type recommendationQuery struct {
	Period string `query:"period" doc:"Hanya rekomendasi yang mencakup periode ini" example:"2025-Q1"`
	Q      string `query:"q" doc:"Bagian nama usaha"`
	pageQuery
}

type recommendationResponse struct {
	ID            int64    `json:"id" doc:"Nomor urut keputusan"`
	BusinessName  string   `json:"business_name"`
	Category      string   `json:"category"`
	KecamatanName string   `json:"kecamatan_name"`
	Periods       []string `json:"periods" doc:"Periode temuan yang direkomendasikan" example:"2025-Q1"`
	DecidedOn     string   `json:"decided_on" openapi:"format=date" doc:"Tanggal keputusan (WIB)"`
}

func (s *Server) publicRecommendations(c echo.Context) error {
	q := newQuery(c)
	f := report.RecommendationFilter{Period: q.text("period"), Q: q.text("q"), Cursor: q.int64("cursor"),
		Limit: q.limit(report.MaxListLimit)}
	if err := q.err(); err != nil {
		return err
	}
	recs, next, err := s.reports.Recommendations(c.Request().Context(), f)
	if err != nil {
		return err
	}
	items := make([]recommendationResponse, len(recs))
	for i, r := range recs {
		items[i] = recommendationResponse{ID: r.ID, BusinessName: r.BusinessName, Category: r.Category,
			KecamatanName: r.KecamatanName, Periods: r.Periods, DecidedOn: dateText(clock.DateIn(r.DecidedAt))}
	}
	publicCache(c)
	return c.JSON(http.StatusOK, newListPage(items, next))
}
