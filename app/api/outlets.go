package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/partnership"
)

func (s *Server) outletRoutes() []route {
	const tag = "penyediaan tempat"
	idParam := struct {
		ID int64 `param:"id" doc:"Nomor urut catatan penyediaan tempat"`
	}{}
	action := func(path, summary string, perm auth.Permission, h echo.HandlerFunc, req any, description string) route {
		return route{method: http.MethodPost, path: "/api/v1/outlets/:id/" + path, perm: perm, handler: h,
			doc: openapi.Doc{Summary: summary, Tag: tag, Params: idParam, Request: req, Response: outletResponse{}, Description: description}}
	}
	return []route{
		{method: http.MethodGet, path: "/api/v1/outlets", perm: auth.PermOutletsRead, handler: s.listOutlets,
			doc: openapi.Doc{Summary: "Daftar penyediaan tempat usaha bagi IKM", Tag: tag, Query: outletQuery{}, Response: listPage[outletResponse]{},
				Description: "Perusahaan melihat catatan usahanya sendiri; IKM melihat tempat yang diberikan kepadanya."}},
		{method: http.MethodPost, path: "/api/v1/outlets", perm: auth.PermOutletsReport, handler: s.reportOutlet,
			doc: openapi.Doc{Summary: "Laporkan tempat yang diberikan kepada IKM", Tag: tag, Request: outletRequest{}, Response: outletResponse{},
				Status:      http.StatusCreated,
				Description: "Tempat baru berstatus `reported` dan baru dihitung setelah IKM mengonfirmasinya atau petugas memverifikasinya."}},
		{method: http.MethodGet, path: "/api/v1/outlets/:id", perm: auth.PermOutletsRead, handler: s.getOutlet,
			doc: openapi.Doc{Summary: "Satu catatan penyediaan tempat", Tag: tag, Params: idParam, Response: outletResponse{}}},
		action("confirm", "IKM mengonfirmasi tempat", auth.PermOutletsConfirm, s.confirmOutlet, nil, ""),
		action("dispute", "IKM membantah tempat, dengan alasan", auth.PermOutletsConfirm, s.disputeOutlet, reasonRequest{}, ""),
		action("verify", "Petugas memverifikasi tempat setelah pemeriksaan lapangan", auth.PermOutletsVerify, s.verifyOutlet,
			verifyRequest{}, "Untuk catatan yang belum dijawab atau dibantah IKM; tempat lalu dihitung seperti yang dikonfirmasi."),
		action("reject", "Petugas menolak catatan tempat, dengan alasan", auth.PermOutletsVerify, s.rejectOutlet, reasonRequest{}, ""),
		action("withdraw", "Perusahaan menarik catatan yang belum dikonfirmasi", auth.PermOutletsReport, s.withdrawOutlet, nil, ""),
		action("end", "Perusahaan menetapkan atau memajukan tanggal akhir tempat", auth.PermOutletsReport, s.endOutlet,
			endOutletRequest{}, "Untuk tempat tanpa tanggal akhir atau yang berhenti lebih awal; memperpanjang berarti melaporkan tempat baru."),
	}
}

type outletQuery struct {
	BusinessID  int64  `query:"business_id"`
	IKMID       int64  `query:"ikm_id"`
	AgreementID int64  `query:"agreement_id"`
	Status      string `query:"status" openapi:"vocab=outlet_status"`
	pageQuery
}

type outletRequest struct {
	BusinessID  int64  `json:"business_id,omitempty" doc:"Perusahaan: usahanya sendiri (boleh dikosongkan)"`
	IKMID       int64  `json:"ikm_id" doc:"IKM aktif yang menerima tempat"`
	AgreementID int64  `json:"agreement_id,omitempty" doc:"Perjanjian disetujui milik usaha ini yang menyebut IKM tersebut"`
	Location    string `json:"location" example:"Pojok UMKM lantai dasar, lobi timur"`
	Slots       int    `json:"slots" example:"2" openapi:"min=1,max=10000"`
	StartDate   string `json:"start_date" openapi:"format=date" example:"2025-07-01"`
	EndDate     string `json:"end_date,omitempty" openapi:"format=date" doc:"Kosong: tanpa batas waktu"`
}

type verifyRequest struct {
	Note string `json:"note,omitempty" doc:"Catatan pemeriksaan lapangan"`
}

type endOutletRequest struct {
	EndDate string `json:"end_date" openapi:"format=date" example:"2025-12-31"`
}

type outletResponse struct {
	ID               int64      `json:"id"`
	Business         namedRef   `json:"business"`
	IKM              namedRef   `json:"ikm"`
	AgreementID      *int64     `json:"agreement_id" openapi:"nullable"`
	Location         string     `json:"location"`
	Slots            int        `json:"slots"`
	StartDate        string     `json:"start_date" openapi:"format=date"`
	EndDate          *string    `json:"end_date" openapi:"nullable,format=date" doc:"null: tanpa batas waktu"`
	Status           string     `json:"status" openapi:"vocab=outlet_status"`
	ConfirmedAt      *time.Time `json:"confirmed_at" openapi:"nullable"`
	Verified         bool       `json:"verified" doc:"Dikonfirmasi oleh petugas setelah pemeriksaan lapangan"`
	DisputeReason    string     `json:"dispute_reason,omitempty"`
	ResolutionReason string     `json:"resolution_reason,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

func newOutletResponse(o partnership.Outlet) outletResponse {
	return outletResponse{
		ID: o.ID, Business: namedRef{ID: o.BusinessID, Name: o.BusinessName}, IKM: namedRef{ID: o.IKMID, Name: o.IKMName},
		AgreementID: o.AgreementID, Location: o.Location, Slots: o.Slots,
		StartDate: dateText(o.StartDate), EndDate: optDateText(o.EndDate), Status: string(o.Status),
		ConfirmedAt: utcPtr(o.ConfirmedAt), Verified: o.Verified,
		DisputeReason: o.DisputeReason, ResolutionReason: o.ResolutionReason,
		CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC(),
	}
}

func (s *Server) listOutlets(c echo.Context) error {
	q := newQuery(c)
	f := partnership.OutletFilter{BusinessID: q.int64("business_id"), IKMID: q.int64("ikm_id"),
		AgreementID: q.int64("agreement_id"), Status: q.text("status")}
	page := partnership.Page{Cursor: q.int64("cursor"), Limit: q.limit(200)}
	if err := q.err(); err != nil {
		return err
	}
	list, next, err := s.partnership.ListOutlets(c.Request().Context(), f, page)
	if err != nil {
		return err
	}
	items := make([]outletResponse, len(list))
	for i, o := range list {
		items[i] = newOutletResponse(o)
	}
	return c.JSON(http.StatusOK, newListPage(items, next))
}

func (s *Server) reportOutlet(c echo.Context) error {
	var req outletRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	o, err := s.partnership.ReportOutlet(c.Request().Context(), partnership.OutletInput{
		BusinessID: req.BusinessID, IKMID: req.IKMID, AgreementID: req.AgreementID, Location: req.Location,
		Slots: req.Slots, StartDate: req.StartDate, EndDate: req.EndDate,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, newOutletResponse(o))
}

func (s *Server) getOutlet(c echo.Context) error {
	return onID(c, s.partnership.Outlet, newOutletResponse)
}

func (s *Server) confirmOutlet(c echo.Context) error {
	return onID(c, s.partnership.ConfirmOutlet, newOutletResponse)
}

func (s *Server) withdrawOutlet(c echo.Context) error {
	return onID(c, s.partnership.WithdrawOutlet, newOutletResponse)
}

func (s *Server) disputeOutlet(c echo.Context) error {
	return onIDWith(c, func(ctx context.Context, id int64, r reasonRequest) (partnership.Outlet, error) {
		return s.partnership.DisputeOutlet(ctx, id, r.Reason)
	}, newOutletResponse)
}

func (s *Server) verifyOutlet(c echo.Context) error {
	return onIDWith(c, func(ctx context.Context, id int64, r verifyRequest) (partnership.Outlet, error) {
		return s.partnership.VerifyOutlet(ctx, id, r.Note)
	}, newOutletResponse)
}

func (s *Server) rejectOutlet(c echo.Context) error {
	return onIDWith(c, func(ctx context.Context, id int64, r reasonRequest) (partnership.Outlet, error) {
		return s.partnership.RejectOutlet(ctx, id, r.Reason)
	}, newOutletResponse)
}

func (s *Server) endOutlet(c echo.Context) error {
	return onIDWith(c, func(ctx context.Context, id int64, r endOutletRequest) (partnership.Outlet, error) {
		return s.partnership.EndOutlet(ctx, id, r.EndDate)
	}, newOutletResponse)
}
