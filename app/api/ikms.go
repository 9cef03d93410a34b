package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/platform/fault"
	"kemitraan/app/registry"
)

func (s *Server) ikmRoutes() []route {
	const tag = "registri IKM"
	idParam := struct {
		ID int64 `param:"id" doc:"Nomor urut IKM"`
	}{}
	return []route{
		{method: http.MethodGet, path: "/api/v1/ikms", perm: auth.PermRegistryRead, handler: s.listIKMs,
			doc: openapi.Doc{Summary: "Daftar IKM", Tag: tag, Query: ikmQuery{}, Response: ikmList{},
				Description: "Petugas, admin dan pejabat melihat semuanya; pengguna IKM hanya IKM-nya sendiri; " +
					"pengguna perusahaan tidak melihat satu pun."}},
		{method: http.MethodPost, path: "/api/v1/ikms", perm: auth.PermRegistryManage, handler: s.createIKM,
			doc: openapi.Doc{Summary: "Daftarkan IKM", Tag: tag, Request: ikmRequest{}, Response: ikmResponse{},
				Status: http.StatusCreated,
				Description: "NIB 13 digit dan unik (409 dengan kolom `nib`). Telepon dalam format Indonesia apa pun " +
					"(08…, 628…, +628…, dengan spasi atau tanda hubung) disimpan sebagai +62…; e-mail boleh kosong. " +
					"IKM baru belum terverifikasi: verifikasi hanya lewat `/verify`."}},
		{method: http.MethodPost, path: "/api/v1/ikms/import", perm: auth.PermRegistryManage, handler: s.importIKMs,
			limit: s.uploadLimit(),
			doc: openapi.Doc{Summary: "Impor IKM dari CSV atau XLSX (semua atau tidak sama sekali)", Tag: tag,
				Query: registryImportQuery{}, Form: registryImportForm{}, Consumes: []string{"text/csv", xlsxMIME},
				Response: registryImportResponse{},
				Description: "Kolom (judul baris pertama, huruf besar/kecil dan spasi bebas): " +
					strings.Join(registry.IKMImportColumns(), ", ") + ". " + importDescription +
					" Status verifikasi tidak pernah diimpor."}},
		{method: http.MethodGet, path: "/api/v1/ikms/:id", perm: auth.PermRegistryRead, handler: s.getIKM,
			doc: openapi.Doc{Summary: "Satu IKM", Tag: tag, Params: idParam, Response: ikmResponse{},
				Description: "Pengguna IKM yang meminta IKM lain mendapat 404."}},
		{method: http.MethodPut, path: "/api/v1/ikms/:id", perm: auth.PermRegistryManage, handler: s.updateIKM,
			doc: openapi.Doc{Summary: "Ubah data IKM", Tag: tag, Params: idParam, Request: ikmRequest{}, Response: ikmResponse{},
				Description: "Menggantikan seluruh data dengan isi permintaan; `status` yang dikosongkan tetap. " +
					"Verifikasi tidak berubah (kolom `verified` tidak diterima di sini: pakai `/verify`)."}},
		{method: http.MethodPost, path: "/api/v1/ikms/:id/deactivate", perm: auth.PermRegistryManage, handler: s.deactivateIKM,
			doc: openapi.Doc{Summary: "Nonaktifkan IKM (status inactive)", Tag: tag, Params: idParam, Response: ikmResponse{},
				Description: "Tidak ada penghapusan. Sudah tidak aktif: 409 dengan `current_status`. " +
					"Mengaktifkan kembali: ubah `status` menjadi `active`."}},
		{method: http.MethodPost, path: "/api/v1/ikms/:id/verify", perm: auth.PermIKMVerify, handler: s.verifyIKM,
			doc: openapi.Doc{Summary: "Tandai IKM terverifikasi di lapangan (atau cabut tandanya)", Tag: tag, Params: idParam,
				Request: ikmVerifyRequest{}, Response: ikmResponse{},
				Description: "Hanya petugas. Mencatat waktu dan petugasnya. Keadaan yang sama: 409 dengan `verified`."}},
	}
}

type ikmQuery struct {
	Sector    string `query:"sector" openapi:"vocab=sector"`
	Kecamatan string `query:"kecamatan" doc:"Kode BPS atau nama kecamatan"`
	Status    string `query:"status" openapi:"vocab=ikm_status"`
	Verified  *bool  `query:"verified"`
	Q         string `query:"q" doc:"Sebagian nama (tanpa membedakan huruf besar/kecil) atau NIB"`
	Sort      string `query:"sort" doc:"name, nib, sector, kecamatan, monthly_capacity, created_at, updated_at atau status; awali - untuk menurun. Bawaan: name"`
	Page      int    `query:"page" openapi:"min=1"`
	PerPage   int    `query:"per_page" doc:"Bawaan 20" openapi:"min=1,max=100"`
}

type ikmRequest struct {
	NIB             string `json:"nib" doc:"Nomor Induk Berusaha, 13 digit" example:"8120000000001"`
	Name            string `json:"name" example:"Batik Tulis Bekasi Asri"`
	OwnerName       string `json:"owner_name,omitempty" example:"Siti Nurhaliza"`
	Sector          string `json:"sector" openapi:"vocab=sector"`
	Products        string `json:"products,omitempty" example:"Kain batik tulis motif gabus"`
	KecamatanCode   string `json:"kecamatan_code" doc:"Kode BPS dari GET /api/v1/kecamatan" example:"3216080"`
	Desa            string `json:"desa,omitempty" example:"Setiadarma"`
	Address         string `json:"address,omitempty"`
	Phone           string `json:"phone,omitempty" doc:"Format Indonesia apa pun; disimpan sebagai +62…" example:"0813-1000-0001"`
	Email           string `json:"email,omitempty" doc:"Boleh kosong"`
	MonthlyCapacity int64  `json:"monthly_capacity,omitempty" doc:"Kapasitas produksi yang dinyatakan, rupiah per bulan" openapi:"min=0" example:"6000000"`
	PublicContact   bool   `json:"public_contact,omitempty" doc:"IKM setuju telepon dan e-mailnya tampil di direktori publik"`
	WhatsAppConsent bool   `json:"whatsapp_consent,omitempty" doc:"IKM setuju menerima pesan WhatsApp di nomor HP-nya (perlu nomor HP); false menghentikannya"`
	Status          string `json:"status,omitempty" openapi:"vocab=ikm_status" doc:"Bawaan active; saat mengubah, kosong berarti tetap"`
}

func (r ikmRequest) input() registry.IKMInput {
	return registry.IKMInput{
		NIB: r.NIB, Name: r.Name, OwnerName: r.OwnerName, Sector: r.Sector, Products: r.Products,
		KecamatanCode: r.KecamatanCode, Desa: r.Desa, Address: r.Address, Phone: r.Phone, Email: r.Email,
		MonthlyCapacity: r.MonthlyCapacity, PublicContact: r.PublicContact, WhatsAppConsent: r.WhatsAppConsent,
		Status: r.Status,
	}
}

type ikmResponse struct {
	ID              int64      `json:"id"`
	NIB             string     `json:"nib" example:"8120000000001"`
	Name            string     `json:"name"`
	OwnerName       string     `json:"owner_name"`
	Sector          string     `json:"sector" openapi:"vocab=sector"`
	Products        string     `json:"products"`
	KecamatanCode   string     `json:"kecamatan_code"`
	KecamatanName   string     `json:"kecamatan_name"`
	Desa            string     `json:"desa"`
	Address         string     `json:"address"`
	Phone           string     `json:"phone" doc:"+62…, atau kosong"`
	Email           *string    `json:"email" openapi:"nullable" doc:"null bila IKM tidak memiliki e-mail"`
	MonthlyCapacity int64      `json:"monthly_capacity" doc:"Rupiah per bulan"`
	Status          string     `json:"status" openapi:"vocab=ikm_status"`
	Verified        bool       `json:"verified" doc:"Sudah diperiksa petugas di lapangan"`
	VerifiedAt      *time.Time `json:"verified_at" openapi:"nullable"`
	VerifiedBy      *int64     `json:"verified_by" openapi:"nullable" doc:"Pengguna (petugas) yang memverifikasi"`
	PublicContact   bool       `json:"public_contact"`
	// WhatsAppConsentAt is when the IKM agreed to WhatsApp messages.
	WhatsAppConsentAt *time.Time `json:"whatsapp_consent_at" openapi:"nullable" doc:"Sejak kapan IKM setuju menerima pesan WhatsApp; null: tidak"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

func newIKMResponse(i registry.IKM) ikmResponse {
	return ikmResponse{
		ID: i.ID, NIB: i.NIB, Name: i.Name, OwnerName: i.OwnerName, Sector: i.Sector, Products: i.Products,
		KecamatanCode: i.KecamatanCode, KecamatanName: i.KecamatanName, Desa: i.Desa, Address: i.Address,
		Phone: i.Phone, Email: i.Email, MonthlyCapacity: i.MonthlyCapacity, Status: i.Status,
		Verified: i.Verified, VerifiedAt: utcPtr(i.VerifiedAt), VerifiedBy: i.VerifiedBy,
		PublicContact: i.PublicContact, WhatsAppConsentAt: utcPtr(i.WhatsAppConsentAt), CreatedAt: i.CreatedAt.UTC(),
		UpdatedAt: i.UpdatedAt.UTC(),
	}
}

type ikmList = numberedPage[ikmResponse]

type ikmVerifyRequest struct {
	Verified *bool `json:"verified" openapi:"required" doc:"true: terverifikasi di lapangan; false: cabut verifikasi"`
}

func (s *Server) listIKMs(c echo.Context) error {
	q := newQuery(c)
	f := registry.IKMFilter{
		Sector: q.text("sector"), Kecamatan: q.text("kecamatan"), Status: q.text("status"),
		Verified: q.boolean("verified"), Q: q.text("q"), Sort: q.text("sort"), Paging: registryPaging(q),
	}
	if err := q.err(); err != nil {
		return err
	}
	page, err := s.registry.ListIKMs(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newNumberedPage(page.Items, newIKMResponse, page.Total, page.Page, page.PerPage))
}

func (s *Server) createIKM(c echo.Context) error {
	var req ikmRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	i, err := s.registry.CreateIKM(c.Request().Context(), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, newIKMResponse(i))
}

var errIKMPath = fault.NotFound("ikm_not_found", "IKM tidak ditemukan.")

func (s *Server) getIKM(c echo.Context) error {
	id, err := idParam(c, "id", errIKMPath)
	if err != nil {
		return err
	}
	i, err := s.registry.GetIKM(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newIKMResponse(i))
}

func (s *Server) updateIKM(c echo.Context) error {
	id, err := idParam(c, "id", errIKMPath)
	if err != nil {
		return err
	}
	var req ikmRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	i, err := s.registry.UpdateIKM(c.Request().Context(), id, req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newIKMResponse(i))
}

func (s *Server) deactivateIKM(c echo.Context) error {
	id, err := idParam(c, "id", errIKMPath)
	if err != nil {
		return err
	}
	i, err := s.registry.DeactivateIKM(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newIKMResponse(i))
}

func (s *Server) verifyIKM(c echo.Context) error {
	id, err := idParam(c, "id", errIKMPath)
	if err != nil {
		return err
	}
	var req ikmVerifyRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Verified == nil {
		return fault.Invalid(fault.Field("verified", "wajib diisi: true atau false"))
	}
	i, err := s.registry.VerifyIKM(c.Request().Context(), id, *req.Verified)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newIKMResponse(i))
}

func (s *Server) importIKMs(c echo.Context) error {
	f, dryRun, err := s.readImport(c)
	if err != nil {
		return err
	}
	res, err := s.registry.ImportIKMs(c.Request().Context(), f, dryRun)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newRegistryImportResponse(res))
}
