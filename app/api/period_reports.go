package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/partnership"
)

func (s *Server) periodReportRoutes() []route {
	const tag = "laporan berkala"
	return []route{
		{method: http.MethodGet, path: "/api/v1/reports", perm: auth.PermReportsRead, handler: s.listPeriodReports,
			doc: openapi.Doc{Summary: "Status laporan berkala per usaha untuk satu periode", Tag: tag,
				Query: periodReportQuery{}, Response: periodReportListResponse{},
				Description: "Petugas melihat setiap usaha aktif (terdaftar sebelum periode berakhir) dengan status " +
					"`submitted` (tepat waktu), `late` (terlambat) atau `missing` (belum ada); perusahaan hanya usahanya sendiri."}},
		{method: http.MethodPost, path: "/api/v1/reports/:business/:period/submit", perm: auth.PermReportsSubmit, handler: s.submitPeriodReport,
			doc: openapi.Doc{Summary: "Kirim laporan berkala: pembelian dan tempat untuk periode ini sudah lengkap", Tag: tag,
				Params: periodReportParams{}, Response: periodReportResponse{}, Status: http.StatusCreated,
				Errors: []int{http.StatusUnprocessableEntity},
				Description: "Hanya untuk periode yang sudah berakhir, sekali per usaha dan periode (selain itu 409). " +
					"Tepat waktu bila sebelum tenggat aturan yang berlaku (bawaan: tanggal 15 bulan setelah periode, 23.59.59 WIB)."}},
	}
}

type periodReportParams struct {
	Business int64  `param:"business" doc:"Nomor urut usaha"`
	Period   string `param:"period" doc:"Periode, misalnya 2025-Q1" example:"2025-Q1"`
}

type periodReportQuery struct {
	Period    string `query:"period" openapi:"required" doc:"Periode, misalnya 2025-Q1" example:"2025-Q1"`
	Status    string `query:"status" openapi:"vocab=report_status"`
	Category  string `query:"category" openapi:"vocab=category"`
	Kecamatan string `query:"kecamatan" doc:"Kode BPS kecamatan" example:"3216060"`
	pageQuery
}

type periodReportResponse struct {
	ID          int64     `json:"id"`
	BusinessID  int64     `json:"business_id"`
	Period      string    `json:"period" example:"2025-Q1"`
	SubmittedAt time.Time `json:"submitted_at"`
	Deadline    time.Time `json:"deadline" doc:"Saat laporan menjadi terlambat"`
	OnTime      bool      `json:"on_time"`
	Status      string    `json:"status" openapi:"enum=submitted|late"`
}

type periodReportBusiness struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	NIB           string `json:"nib"`
	Category      string `json:"category"`
	KecamatanCode string `json:"kecamatan_code"`
}

type periodReportRowResponse struct {
	Business    periodReportBusiness `json:"business"`
	Status      string               `json:"status" openapi:"vocab=report_status"`
	SubmittedAt *time.Time           `json:"submitted_at" openapi:"nullable"`
}

type periodReportCounts struct {
	Submitted int64 `json:"submitted"`
	Late      int64 `json:"late"`
	Missing   int64 `json:"missing"`
}

type periodReportListResponse struct {
	Period     string                    `json:"period" example:"2025-Q1"`
	Deadline   time.Time                 `json:"deadline" doc:"Saat laporan periode ini menjadi terlambat"`
	Closed     bool                      `json:"closed" doc:"Periode sudah berakhir"`
	Counts     periodReportCounts        `json:"counts" doc:"Jumlah per status atas seluruh hasil saringan, bukan hanya halaman ini"`
	Items      []periodReportRowResponse `json:"items"`
	NextCursor *int64                    `json:"next_cursor" openapi:"nullable"`
}

func (s *Server) listPeriodReports(c echo.Context) error {
	q := newQuery(c)
	f := partnership.ReportFilter{Period: q.text("period"), Status: q.text("status"),
		Category: q.text("category"), KecamatanCode: q.text("kecamatan")}
	page := partnership.Page{Cursor: q.int64("cursor"), Limit: q.limit(200)}
	if err := q.err(); err != nil {
		return err
	}
	list, err := s.partnership.ListReports(c.Request().Context(), f, page)
	if err != nil {
		return err
	}
	out := periodReportListResponse{
		Period: list.Period, Deadline: list.Deadline.UTC(), Closed: list.Closed,
		Counts: periodReportCounts{Submitted: list.Counts[partnership.ReportSubmitted], Late: list.Counts[partnership.ReportLate],
			Missing: list.Counts[partnership.ReportMissing]},
		Items: make([]periodReportRowResponse, len(list.Rows)),
	}
	for i, r := range list.Rows {
		out.Items[i] = periodReportRowResponse{
			Business: periodReportBusiness{ID: r.BusinessID, Name: r.BusinessName, NIB: r.NIB, Category: r.Category,
				KecamatanCode: r.KecamatanCode},
			Status: string(r.Status), SubmittedAt: utcPtr(r.SubmittedAt),
		}
	}
	if list.Next != 0 {
		out.NextCursor = &list.Next
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) submitPeriodReport(c echo.Context) error {
	business, err := pathID(c, "business")
	if err != nil {
		return err
	}
	r, err := s.partnership.SubmitReport(c.Request().Context(), business, c.Param("period"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, periodReportResponse{
		ID: r.ID, BusinessID: r.BusinessID, Period: r.Period, SubmittedAt: r.SubmittedAt.UTC(),
		Deadline: r.Deadline.UTC(), OnTime: r.OnTime, Status: string(r.Status()),
	})
}
