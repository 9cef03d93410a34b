package api

import (
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/compliance"
	"kemitraan/app/platform/fault"
)

func (s *Server) exemptionRoutes() []route {
	const tag = "pembebasan"
	idParam := struct {
		ID int64 `param:"id" doc:"Nomor urut pembebasan"`
	}{}
	return []route{
		{method: http.MethodGet, path: "/api/v1/exemptions", perm: auth.PermExemptionsRead, handler: s.listExemptions,
			doc: openapi.Doc{Summary: "Daftar pembebasan kewajiban", Tag: tag, Query: exemptionQuery{},
				Response: listPage[exemptionResponse]{}}},
		{method: http.MethodPost, path: "/api/v1/exemptions", perm: auth.PermExemptionsManage, handler: s.grantExemption,
			limit: s.uploadLimit(),
			doc: openapi.Doc{Summary: "Bebaskan satu usaha untuk satu periode (keadaan kahar, penutupan)", Tag: tag,
				Form: exemptionForm{}, Response: exemptionResponse{}, Status: http.StatusCreated,
				Description: "multipart/form-data: kolom `business_id`, `period` dan `reason` lebih dahulu, lalu `document` " +
					"(PDF, JPEG atau PNG, dinilai dari isinya). Evaluasi periode itu berstatus `exempt` saat dievaluasi (ulang)."}},
		{method: http.MethodPost, path: "/api/v1/exemptions/:id/revoke", perm: auth.PermExemptionsManage, handler: s.revokeExemption,
			doc: openapi.Doc{Summary: "Cabut pembebasan, dengan alasan", Tag: tag, Params: idParam, Request: reasonRequest{},
				Response: exemptionResponse{}}},
		{method: http.MethodGet, path: "/api/v1/exemptions/:id/document", perm: auth.PermExemptionsRead, handler: s.exemptionDocument,
			doc: openapi.Doc{Summary: "Unduh dokumen pembebasan", Tag: tag, Params: idParam,
				Produces: []string{"application/pdf", "image/jpeg", "image/png"}}},
	}
}

type exemptionQuery struct {
	Period     string `query:"period" example:"2025-Q1"`
	BusinessID int64  `query:"business_id"`
	Revoked    bool   `query:"revoked" doc:"true: hanya yang dicabut; false: hanya yang berlaku"`
	pageQuery
}

type exemptionForm struct {
	BusinessID int64                 `form:"business_id" openapi:"required"`
	Period     string                `form:"period" openapi:"required" example:"2025-Q1"`
	Reason     string                `form:"reason" openapi:"required"`
	Document   *multipart.FileHeader `form:"document" openapi:"required" doc:"Dokumen pendukung: PDF, JPEG atau PNG"`
}

type exemptionResponse struct {
	ID             int64      `json:"id"`
	BusinessID     int64      `json:"business_id"`
	Period         string     `json:"period" example:"2025-Q1"`
	Reason         string     `json:"reason"`
	DocumentFileID int64      `json:"document_file_id"`
	GrantedBy      *int64     `json:"granted_by" openapi:"nullable"`
	GrantedAt      time.Time  `json:"granted_at"`
	RevokedAt      *time.Time `json:"revoked_at" openapi:"nullable"`
	RevokeReason   string     `json:"revoke_reason"`
}

func newExemptionResponse(e compliance.Exemption) exemptionResponse {
	return exemptionResponse{ID: e.ID, BusinessID: e.BusinessID, Period: e.Period, Reason: e.Reason,
		DocumentFileID: e.DocumentFileID, GrantedBy: e.GrantedBy, GrantedAt: e.GrantedAt.UTC(),
		RevokedAt: utcPtr(e.RevokedAt), RevokeReason: e.RevokeReason}
}

func (s *Server) listExemptions(c echo.Context) error {
	q := newQuery(c)
	f := compliance.ExemptionFilter{Period: q.text("period"), BusinessID: q.int64("business_id")}
	f.Revoked = q.boolean("revoked")
	cursor, limit := q.int64("cursor"), q.limit(200)
	if err := q.err(); err != nil {
		return err
	}
	list, next, err := s.compliance.ListExemptions(c.Request().Context(), f, cursor, limit)
	if err != nil {
		return err
	}
	out := make([]exemptionResponse, len(list))
	for i, e := range list {
		out[i] = newExemptionResponse(e)
	}
	return c.JSON(http.StatusOK, newListPage(out, next))
}

func (s *Server) grantExemption(c echo.Context) error {
	form, err := readFormFields(c, []string{"business_id", "period", "reason"}, "document")
	if err != nil {
		return err
	}
	in := compliance.ExemptionInput{Period: form.value("period"), Reason: form.value("reason")}
	var check fault.Checker
	if raw := strings.TrimSpace(form.value("business_id")); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			check.Add("business_id", "harus bilangan bulat positif")
		}
		in.BusinessID = id
	}
	ctx := c.Request().Context()
	x := s.compliance
	if err := x.CheckExemption(ctx, &in); err != nil {
		if fe, ok := fault.As(err); ok && fe.Kind == fault.KindInvalid {
			for _, f := range fe.Fields {
				if !check.Has(f.Field) {
					check.Add(f.Field, f.Reason)
				}
			}
		} else {
			return err
		}
	}
	if !form.hasFile() {
		check.Add("document", "wajib diunggah (PDF, JPEG atau PNG)")
	}
	if err := check.Err(); err != nil {
		return err
	}
	var out compliance.Exemption
	err = form.eachFile(func(name string, r io.Reader) error {
		if out.ID != 0 {
			return fault.Invalid(fault.Field("document", "hanya satu berkas"))
		}
		var err error
		out, err = x.Grant(ctx, in, name, r)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, newExemptionResponse(out))
}

func (s *Server) revokeExemption(c echo.Context) error {
	return onIDWith(c, func(ctx context.Context, id int64, r reasonRequest) (compliance.Exemption, error) {
		return s.compliance.Revoke(ctx, id, r.Reason)
	}, newExemptionResponse)
}

func (s *Server) exemptionDocument(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f, rc, err := s.compliance.Document(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return sendFile(c, f, rc)
}
