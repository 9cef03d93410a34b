package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
)

func (s *Server) kecamatanRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/v1/kecamatan", perm: auth.PermReferenceRead, handler: s.listKecamatan,
			doc: openapi.Doc{Summary: "Daftar kecamatan di Kabupaten Bekasi", Tag: "referensi", Response: []kecamatanResponse{},
				Description: "Urut menurut nama. Kodenya (kode BPS) dipakai sebagai `kecamatan_code` di registri."}},
	}
}

type kecamatanResponse struct {
	Code string `json:"code" doc:"Kode BPS" example:"3216060"`
	Name string `json:"name" example:"Cikarang Utara"`
}

func (s *Server) listKecamatan(c echo.Context) error {
	list, err := s.registry.ListKecamatan(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]kecamatanResponse, 0, len(list))
	for _, k := range list {
		out = append(out, kecamatanResponse{Code: k.Code, Name: k.Name})
	}
	return c.JSON(http.StatusOK, out)
}
