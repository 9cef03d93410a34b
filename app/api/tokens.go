package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/platform/fault"
)

func (s *Server) tokenRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/v1/tokens", perm: auth.PermTokensManage, handler: s.listTokens,
			doc: openapi.Doc{Summary: "Daftar token API ERP", Tag: "akun", Query: tokenQuery{}, Response: tokenList{},
				Description: "Pengguna company hanya melihat token usahanya sendiri. Rahasia token tidak pernah ditampilkan lagi."}},
		{method: http.MethodPost, path: "/api/v1/tokens", perm: auth.PermTokensManage, handler: s.createToken,
			doc: openapi.Doc{Summary: "Buat token API ERP untuk satu usaha (rahasia ditampilkan sekali)", Tag: "akun",
				Request: createTokenRequest{}, Response: createdTokenResponse{}, Status: http.StatusCreated,
				Description: "Token hanya dapat melaporkan dan membaca pembelian serta penyediaan tempat usaha itu. " +
					"Pengguna company selalu membuat token untuk usahanya sendiri; officer dan admin wajib menyebut `business_id`."}},
		{method: http.MethodDelete, path: "/api/v1/tokens/:id", perm: auth.PermTokensManage, handler: s.revokeToken,
			doc: openapi.Doc{Summary: "Cabut token API (langsung berlaku)", Tag: "akun", Response: tokenResponse{}}},
	}
}

type tokenResponse struct {
	ID         int64      `json:"id"`
	BusinessID int64      `json:"business_id"`
	Name       string     `json:"name" example:"SAP produksi"`
	Prefix     string     `json:"prefix" example:"kmt_Q2x9aB7c" doc:"awal token, untuk mengenali token tanpa rahasianya"`
	CreatedBy  int64      `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at" openapi:"nullable"`
	RevokedAt  *time.Time `json:"revoked_at" openapi:"nullable"`
	Revoked    bool       `json:"revoked"`
}

func newTokenResponse(t auth.APIToken) tokenResponse {
	return tokenResponse{ID: t.ID, BusinessID: t.BusinessID, Name: t.Name, Prefix: t.Prefix, CreatedBy: t.CreatedBy,
		CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt, Revoked: t.RevokedAt != nil}
}

type createdTokenResponse struct {
	tokenResponse
	Token string `json:"token" doc:"rahasia token; simpan sekarang, tidak akan ditampilkan lagi. Kirim sebagai Authorization: Bearer <token>"`
}

type tokenList = numberedPage[tokenResponse]

type tokenQuery struct {
	BusinessID     int64 `query:"business_id"`
	IncludeRevoked bool  `query:"include_revoked" doc:"tampilkan juga token yang sudah dicabut"`
	Page           int   `query:"page" openapi:"min=1"`
	PerPage        int   `query:"per_page" openapi:"min=1,max=100"`
}

func (s *Server) listTokens(c echo.Context) error {
	q := newQuery(c)
	f := auth.APITokenFilter{BusinessID: q.id("business_id"), Page: q.page()}
	if b := q.boolean("include_revoked"); b != nil {
		f.IncludeRevoked = *b
	}
	if err := q.err(); err != nil {
		return err
	}
	page, err := s.auth.ListAPITokens(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newNumberedPage(page.Items, newTokenResponse, page.Total, page.Page, page.PerPage))
}

type createTokenRequest struct {
	Name       string `json:"name" example:"SAP produksi"`
	BusinessID *int64 `json:"business_id,omitempty" doc:"wajib bagi officer dan admin; pengguna company selalu untuk usahanya sendiri"`
}

func (s *Server) createToken(c echo.Context) error {
	var req createTokenRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	in := auth.NewAPIToken{Name: req.Name}
	if req.BusinessID != nil {
		in.BusinessID = *req.BusinessID
	}
	t, secret, err := s.auth.CreateAPIToken(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, createdTokenResponse{tokenResponse: newTokenResponse(t), Token: secret})
}

var errTokenPath = fault.NotFound("token_not_found", "Token API tidak ditemukan.")

func (s *Server) revokeToken(c echo.Context) error {
	id, err := idParam(c, "id", errTokenPath)
	if err != nil {
		return err
	}
	t, err := s.auth.RevokeAPIToken(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newTokenResponse(t))
}
