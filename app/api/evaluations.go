package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/compliance"
)

func (s *Server) evaluationRoutes() []route {
	const tag = "evaluasi kepatuhan"
	return []route{
		{method: http.MethodGet, path: "/api/v1/evaluations", perm: auth.PermEvaluationsRead, handler: s.listEvaluations,
			doc: openapi.Doc{Summary: "Hasil evaluasi kepatuhan per usaha dan periode", Tag: tag, Query: evaluationQuery{},
				Response: listPage[evaluationResponse]{},
				Description: "Saring menurut periode, status, kategori dan kecamatan; `business_id` saja memberi riwayat satu usaha. " +
					"Perusahaan hanya melihat usahanya sendiri, lengkap dengan kekurangannya (`shortfall`). " +
					"Urutan status: exempt (dibebaskan) → not_reported (laporan tidak masuk sebelum tenggat) → compliant → partial → non_compliant."}},
		{method: http.MethodGet, path: "/api/v1/evaluations/:id", perm: auth.PermEvaluationsRead, handler: s.getEvaluation,
			doc: openapi.Doc{Summary: "Satu hasil evaluasi", Tag: tag, Params: struct {
				ID int64 `param:"id" doc:"Nomor urut evaluasi"`
			}{}, Response: evaluationResponse{}}},
	}
}

type evaluationQuery struct {
	Period     string `query:"period" doc:"Periode, misalnya 2025-Q1" example:"2025-Q1"`
	Status     string `query:"status" openapi:"vocab=compliance_status"`
	Category   string `query:"category" openapi:"vocab=category"`
	Kecamatan  string `query:"kecamatan" doc:"Kode BPS kecamatan" example:"3216060"`
	BusinessID int64  `query:"business_id" doc:"Riwayat satu usaha"`
	pageQuery
}

type evaluationBusiness struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	NIB           string `json:"nib"`
	Category      string `json:"category" doc:"Kategori saat dievaluasi"`
	KecamatanCode string `json:"kecamatan_code"`
}

type metricsResponse struct {
	PurchaseValue int64   `json:"purchase_value" doc:"Rupiah"`
	IKMCount      int     `json:"ikm_count"`
	OutletSlots   float64 `json:"outlet_slots" doc:"Rata-rata slot tempat selama periode"`
}

type ratiosResponse struct {
	PurchaseValue *float64 `json:"purchase_value" openapi:"nullable" doc:"Realisasi dibagi target; null bila target 0"`
	IKMCount      *float64 `json:"ikm_count" openapi:"nullable"`
	OutletSlots   *float64 `json:"outlet_slots" openapi:"nullable"`
	Mean          *float64 `json:"mean" openapi:"nullable" doc:"Rerata rasio, masing-masing dibatasi 1"`
}

type evaluationResponse struct {
	ID           int64              `json:"id"`
	Business     evaluationBusiness `json:"business"`
	Period       string             `json:"period" example:"2025-Q1"`
	RuleSet      string             `json:"rule_set" doc:"Versi aturan yang dipakai" example:"bekasi-2025"`
	Targets      metricsResponse    `json:"targets"`
	Realised     metricsResponse    `json:"realised"`
	Shortfall    metricsResponse    `json:"shortfall" doc:"Kekurangan terhadap target (0 bila terpenuhi)"`
	Ratios       ratiosResponse     `json:"ratios"`
	Status       string             `json:"status" openapi:"vocab=compliance_status"`
	ReportStatus string             `json:"report_status" openapi:"enum=on_time|late|missing"`
	ExemptionID  *int64             `json:"exemption_id" openapi:"nullable"`
	CountsWhen   string             `json:"counts_when" openapi:"enum=confirmed|paid" doc:"Yang dihitung: dikonfirmasi, atau juga sudah dibayar"`
	Payment      timelinessResponse `json:"payment" doc:"Ketepatan pembayaran kepada IKM pada batas laporan periode"`
	ComputedAt   time.Time          `json:"computed_at"`
}

type timelinessResponse struct {
	OnTime        int64    `json:"paid_on_time" doc:"Rupiah dibayar dalam tempo"`
	Late          int64    `json:"paid_late" doc:"Rupiah dibayar melewati tempo"`
	Overdue       int64    `json:"overdue" doc:"Rupiah belum dibayar padahal sudah lewat tempo"`
	Share         *float64 `json:"share_on_time" openapi:"nullable" doc:"Bagian rupiah yang dibayar tepat waktu (0–1)"`
	TargetPercent int      `json:"target_percent" doc:"Bagian minimal menurut aturan, persen (0: bukan ukuran)"`
	Ratio         *float64 `json:"ratio" openapi:"nullable" doc:"Bagian tepat waktu dibanding minimalnya"`
}

func newEvaluationResponse(e compliance.Evaluation) evaluationResponse {
	short := e.Shortfall()
	return evaluationResponse{
		ID: e.ID, Period: e.Period, RuleSet: e.RuleSetVersion,
		Business: evaluationBusiness{ID: e.BusinessID, Name: e.BusinessName, NIB: e.BusinessNIB, Category: e.Category,
			KecamatanCode: e.KecamatanCode},
		Targets: metricsResponse{PurchaseValue: e.TargetPurchaseValue, IKMCount: e.TargetIKMCount,
			OutletSlots: float64(e.TargetOutletSlots)},
		Realised: metricsResponse{PurchaseValue: e.RealisedPurchaseValue, IKMCount: e.RealisedIKMCount,
			OutletSlots: e.RealisedOutletSlots},
		Shortfall: metricsResponse{PurchaseValue: short.PurchaseValue, IKMCount: short.IKMCount, OutletSlots: short.OutletSlots},
		Ratios: ratiosResponse{PurchaseValue: e.RatioPurchaseValue, IKMCount: e.RatioIKMCount,
			OutletSlots: e.RatioOutletSlots, Mean: e.MeanRatio},
		Status: e.Status, ReportStatus: e.ReportStatus, ExemptionID: e.ExemptionID, CountsWhen: e.CountsWhen,
		Payment: timelinessResponse{OnTime: e.PaidOnTimeValue, Late: e.PaidLateValue, Overdue: e.OverdueValue,
			Share: e.SharePaidOnTime, TargetPercent: e.TargetPaidOnTimePercent, Ratio: e.RatioPaidOnTime},
		ComputedAt: e.ComputedAt.UTC(),
	}
}

func (s *Server) listEvaluations(c echo.Context) error {
	q := newQuery(c)
	f := compliance.EvaluationFilter{Period: q.text("period"), Status: q.text("status"), Category: q.text("category"),
		Kecamatan: q.text("kecamatan"), BusinessID: q.int64("business_id")}
	page := compliance.EvaluationPage{Cursor: q.int64("cursor"), Limit: q.limit(200)}
	if err := q.err(); err != nil {
		return err
	}
	list, next, err := s.compliance.Evaluations(c.Request().Context(), f, page)
	if err != nil {
		return err
	}
	out := make([]evaluationResponse, len(list))
	for i, e := range list {
		out[i] = newEvaluationResponse(e)
	}
	return c.JSON(http.StatusOK, newListPage(out, next))
}

func (s *Server) getEvaluation(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	e, err := s.compliance.Evaluation(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newEvaluationResponse(e))
}
