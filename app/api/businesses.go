package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/platform/fault"
	"kemitraan/app/registry"
)

// registryRoutes are the registries of businesses and IKM and the kecamatan
// reference list (businesses.go, ikms.go, kecamatan.go).
func (s *Server) registryRoutes() []route {
	var all []route
	for _, group := range [][]route{s.businessRoutes(), s.ikmRoutes(), s.kecamatanRoutes()} {
		all = append(all, group...)
	}
	return all
}

func (s *Server) businessRoutes() []route {
	const tag = "registri usaha"
	idParam := struct {
		ID int64 `param:"id" doc:"Nomor urut pelaku usaha"`
	}{}
	return []route{
		{method: http.MethodGet, path: "/api/v1/businesses", perm: auth.PermRegistryRead, handler: s.listBusinesses,
			doc: openapi.Doc{Summary: "Daftar pelaku usaha besar", Tag: tag, Query: businessQuery{}, Response: businessList{},
				Description: "Petugas, admin dan pejabat melihat semuanya; pengguna perusahaan hanya usahanya sendiri; " +
					"pengguna IKM tidak melihat satu pun."}},
		{method: http.MethodPost, path: "/api/v1/businesses", perm: auth.PermRegistryManage, handler: s.createBusiness,
			doc: openapi.Doc{Summary: "Daftarkan pelaku usaha", Tag: tag, Request: businessRequest{}, Response: businessResponse{},
				Status: http.StatusCreated,
				Description: "NIB 13 digit dan unik (409 dengan kolom `nib` bila sudah dipakai, `existing_id` menyebut " +
					"pemiliknya). Pabrik boleh menyebut `parent_id`: kawasan industri tempatnya berada. Telepon ditulis " +
					"dalam format Indonesia apa pun dan disimpan sebagai +62…."}},
		{method: http.MethodPost, path: "/api/v1/businesses/import", perm: auth.PermRegistryManage, handler: s.importBusinesses,
			limit: s.uploadLimit(),
			doc: openapi.Doc{Summary: "Impor pelaku usaha dari CSV atau XLSX (semua atau tidak sama sekali)", Tag: tag,
				Query: registryImportQuery{}, Form: registryImportForm{}, Consumes: []string{"text/csv", xlsxMIME},
				Response: registryImportResponse{},
				Description: "Kolom (judul baris pertama, huruf besar/kecil dan spasi bebas): " +
					strings.Join(registry.BusinessImportColumns(), ", ") + ". " + importDescription}},
		{method: http.MethodGet, path: "/api/v1/businesses/:id", perm: auth.PermRegistryRead, handler: s.getBusiness,
			doc: openapi.Doc{Summary: "Satu pelaku usaha", Tag: tag, Params: idParam, Response: businessResponse{},
				Description: "Pengguna perusahaan yang meminta usaha lain mendapat 404."}},
		{method: http.MethodPut, path: "/api/v1/businesses/:id", perm: auth.PermRegistryManage, handler: s.updateBusiness,
			doc: openapi.Doc{Summary: "Ubah data pelaku usaha", Tag: tag, Params: idParam, Request: businessRequest{}, Response: businessResponse{},
				Description: "Menggantikan seluruh data dengan isi permintaan; `registered_at` dan `status` yang " +
					"dikosongkan tetap. Kawasan industri yang masih menaungi pabrik tidak dapat berganti kategori (422)."}},
		{method: http.MethodPatch, path: "/api/v1/businesses/:id/profile", perm: auth.PermBusinessProfile, handler: s.updateBusinessProfile,
			doc: openapi.Doc{Summary: "Perbarui profil usaha (kontak, alamat, karyawan, KBLI)", Tag: tag, Params: idParam,
				Request: businessProfileRequest{}, Response: businessResponse{},
				Description: "Pengguna perusahaan memperbarui profil usahanya sendiri (usaha lain: 404); petugas untuk " +
					"usaha mana pun. Hanya kolom yang dikirim yang berubah. NIB, kategori, kecamatan, kawasan induk dan " +
					"status menentukan kewajiban, sehingga hanya petugas yang mengubahnya (PUT)."}},
		{method: http.MethodPost, path: "/api/v1/businesses/:id/deactivate", perm: auth.PermRegistryManage, handler: s.deactivateBusiness,
			doc: openapi.Doc{Summary: "Nonaktifkan pelaku usaha (status closed)", Tag: tag, Params: idParam, Response: businessResponse{},
				Description: "Tidak ada penghapusan: riwayatnya tetap. Sudah tutup: 409 dengan `current_status`. " +
					"Membuka kembali: ubah `status` menjadi `active`."}},
	}
}

// importDescription is what both registry imports share.
const importDescription = "Kecamatan boleh ditulis dengan kode BPS atau namanya. Setiap baris diperiksa lebih dahulu; " +
	"bila ada yang salah, jawabannya 422 dengan setiap kesalahan (baris, kolom, alasan) dan tidak ada yang disimpan. " +
	"Bila semua benar, data dimasukkan atau diperbarui menurut NIB dalam satu transaksi; kolom yang tidak ada di " +
	"berkas tidak diubah. NIB ganda di dalam berkas adalah kesalahan. `dry_run=true` memeriksa dan menghitung tanpa " +
	"menyimpan. Berkas dikirim sebagai multipart/form-data (kolom `file`) atau langsung sebagai badan permintaan; " +
	"jenisnya dinilai dari isi, bukan nama."

type businessQuery struct {
	Category  string `query:"category" openapi:"vocab=category"`
	Kecamatan string `query:"kecamatan" doc:"Kode BPS atau nama kecamatan"`
	Status    string `query:"status" openapi:"vocab=business_status"`
	Q         string `query:"q" doc:"Sebagian nama (tanpa membedakan huruf besar/kecil) atau NIB"`
	Sort      string `query:"sort" doc:"name, nib, category, kecamatan, employee_count, registered_at, created_at, updated_at atau status; awali - untuk menurun. Bawaan: name"`
	Page      int    `query:"page" openapi:"min=1"`
	PerPage   int    `query:"per_page" doc:"Bawaan 20" openapi:"min=1,max=100"`
}

type businessRequest struct {
	NIB           string   `json:"nib" doc:"Nomor Induk Berusaha, 13 digit" example:"9120001234567"`
	Name          string   `json:"name" example:"PT Sinar Logam Presisi"`
	LegalForm     string   `json:"legal_form,omitempty" example:"PT"`
	Category      string   `json:"category" openapi:"vocab=category"`
	KBLI          []string `json:"kbli,omitempty" doc:"Kode KBLI, masing-masing 5 digit" example:"[\"24101\"]"`
	Address       string   `json:"address,omitempty" example:"Jl. Industri Selatan 5 Blok GG No. 1"`
	KecamatanCode string   `json:"kecamatan_code" doc:"Kode BPS dari GET /api/v1/kecamatan" example:"3216060"`
	ParentID      *int64   `json:"parent_id,omitempty" doc:"Kawasan industri tempat pabrik ini berada (hanya kategori factory)"`
	EmployeeCount int      `json:"employee_count,omitempty" openapi:"min=0" example:"1200"`
	ContactName   string   `json:"contact_name,omitempty" example:"Budi Santoso"`
	ContactPhone  string   `json:"contact_phone,omitempty" doc:"Format Indonesia apa pun; disimpan sebagai +62…" example:"0812-3456-7890"`
	ContactEmail  string   `json:"contact_email,omitempty" example:"kemitraan@sinarlogam.co.id"`
	RegisteredAt  string   `json:"registered_at,omitempty" openapi:"format=date" doc:"Tanggal terdaftar; bawaan hari ini (WIB)" example:"2024-03-01"`
	Status        string   `json:"status,omitempty" openapi:"vocab=business_status" doc:"Bawaan active; saat mengubah, kosong berarti tetap"`
}

func (r businessRequest) input() registry.BusinessInput {
	return registry.BusinessInput{
		NIB: r.NIB, Name: r.Name, LegalForm: r.LegalForm, Category: r.Category, KBLI: r.KBLI,
		Address: r.Address, KecamatanCode: r.KecamatanCode, ParentID: r.ParentID,
		EmployeeCount: r.EmployeeCount, ContactName: r.ContactName, ContactPhone: r.ContactPhone,
		ContactEmail: r.ContactEmail, RegisteredAt: r.RegisteredAt, Status: r.Status,
	}
}

type businessResponse struct {
	ID            int64     `json:"id"`
	NIB           string    `json:"nib" example:"9120001234567"`
	Name          string    `json:"name"`
	LegalForm     string    `json:"legal_form"`
	Category      string    `json:"category" openapi:"vocab=category"`
	KBLI          []string  `json:"kbli"`
	Address       string    `json:"address"`
	KecamatanCode string    `json:"kecamatan_code"`
	KecamatanName string    `json:"kecamatan_name"`
	ParentID      *int64    `json:"parent_id" openapi:"nullable" doc:"Kawasan industri induk; null bila tidak ada"`
	ParentName    *string   `json:"parent_name" openapi:"nullable"`
	EmployeeCount int       `json:"employee_count"`
	ContactName   string    `json:"contact_name"`
	ContactPhone  string    `json:"contact_phone" doc:"+62…, atau kosong"`
	ContactEmail  string    `json:"contact_email"`
	Status        string    `json:"status" openapi:"vocab=business_status"`
	RegisteredAt  string    `json:"registered_at" openapi:"format=date"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func newBusinessResponse(b registry.Business) businessResponse {
	r := businessResponse{
		ID: b.ID, NIB: b.NIB, Name: b.Name, LegalForm: b.LegalForm, Category: b.Category, KBLI: b.KBLI,
		Address: b.Address, KecamatanCode: b.KecamatanCode, KecamatanName: b.KecamatanName,
		ParentID: b.ParentID, EmployeeCount: b.EmployeeCount, ContactName: b.ContactName,
		ContactPhone: b.ContactPhone, ContactEmail: b.ContactEmail, Status: b.Status,
		RegisteredAt: dateText(b.RegisteredAt), CreatedAt: b.CreatedAt.UTC(), UpdatedAt: b.UpdatedAt.UTC(),
	}
	if r.KBLI == nil {
		r.KBLI = []string{}
	}
	if b.ParentID != nil {
		name := b.ParentName
		r.ParentName = &name
	}
	return r
}

type businessList = numberedPage[businessResponse]

// registryPaging reads page and per_page; the domain checks their ranges.
func registryPaging(q *queryReader) registry.Paging {
	return registry.Paging{Page: q.number("page", 1, 1_000_000), PerPage: q.number("per_page", 1, registry.MaxPerPage)}
}

func (s *Server) listBusinesses(c echo.Context) error {
	q := newQuery(c)
	f := registry.BusinessFilter{
		Category: q.text("category"), Kecamatan: q.text("kecamatan"), Status: q.text("status"),
		Q: q.text("q"), Sort: q.text("sort"), Paging: registryPaging(q),
	}
	if err := q.err(); err != nil {
		return err
	}
	page, err := s.registry.ListBusinesses(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newNumberedPage(page.Items, newBusinessResponse, page.Total, page.Page, page.PerPage))
}

func (s *Server) createBusiness(c echo.Context) error {
	var req businessRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	b, err := s.registry.CreateBusiness(c.Request().Context(), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, newBusinessResponse(b))
}

var errBusinessPath = fault.NotFound("business_not_found", "Pelaku usaha tidak ditemukan.")

func (s *Server) getBusiness(c echo.Context) error {
	id, err := idParam(c, "id", errBusinessPath)
	if err != nil {
		return err
	}
	b, err := s.registry.GetBusiness(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newBusinessResponse(b))
}

func (s *Server) updateBusiness(c echo.Context) error {
	id, err := idParam(c, "id", errBusinessPath)
	if err != nil {
		return err
	}
	var req businessRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	b, err := s.registry.UpdateBusiness(c.Request().Context(), id, req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newBusinessResponse(b))
}

// businessProfileRequest is a partial update: absent fields stay as they are.
type businessProfileRequest struct {
	LegalForm     *string   `json:"legal_form,omitempty" example:"PT"`
	KBLI          *[]string `json:"kbli,omitempty" doc:"Kode KBLI, masing-masing 5 digit" example:"[\"24101\"]"`
	Address       *string   `json:"address,omitempty" example:"Jl. Industri Selatan 5 Blok GG No. 1"`
	EmployeeCount *int      `json:"employee_count,omitempty" openapi:"min=0" example:"1250"`
	ContactName   *string   `json:"contact_name,omitempty" example:"Budi Santoso"`
	ContactPhone  *string   `json:"contact_phone,omitempty" doc:"Format Indonesia apa pun; disimpan sebagai +62…" example:"0812-3456-7890"`
	ContactEmail  *string   `json:"contact_email,omitempty" example:"kemitraan@sinarlogam.co.id"`
}

func (s *Server) updateBusinessProfile(c echo.Context) error {
	id, err := idParam(c, "id", errBusinessPath)
	if err != nil {
		return err
	}
	var req businessProfileRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	b, err := s.registry.UpdateProfile(c.Request().Context(), id, registry.ProfileInput{
		LegalForm: req.LegalForm, KBLI: req.KBLI, Address: req.Address, EmployeeCount: req.EmployeeCount,
		ContactName: req.ContactName, ContactPhone: req.ContactPhone, ContactEmail: req.ContactEmail,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newBusinessResponse(b))
}

func (s *Server) deactivateBusiness(c echo.Context) error {
	id, err := idParam(c, "id", errBusinessPath)
	if err != nil {
		return err
	}
	b, err := s.registry.DeactivateBusiness(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newBusinessResponse(b))
}

func (s *Server) importBusinesses(c echo.Context) error {
	f, dryRun, err := s.readImport(c)
	if err != nil {
		return err
	}
	res, err := s.registry.ImportBusinesses(c.Request().Context(), f, dryRun)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newRegistryImportResponse(res))
}

// Imports of the registries (businesses and IKM).

type registryImportQuery struct {
	DryRun bool `query:"dry_run" doc:"true: periksa dan hitung saja, tidak menyimpan apa pun"`
}

type registryImportForm struct {
	File *multipart.FileHeader `form:"file" doc:"Berkas CSV (pemisah koma atau titik koma, UTF-8) atau XLSX (lembar pertama)"`
}

type registryImportResponse struct {
	Format    string `json:"format" openapi:"enum=csv|xlsx" doc:"Jenis berkas menurut isinya"`
	Rows      int    `json:"rows" doc:"Baris data yang dibaca (baris kosong dilewati)"`
	Inserted  int    `json:"inserted" doc:"Catatan baru"`
	Updated   int    `json:"updated" doc:"Catatan yang datanya berubah"`
	Unchanged int    `json:"unchanged" doc:"Baris yang sama persis dengan data terdaftar"`
	DryRun    bool   `json:"dry_run" doc:"true: tidak ada yang disimpan; angka di atas adalah hasil bila diimpor"`
}

func newRegistryImportResponse(r registry.ImportResult) registryImportResponse {
	return registryImportResponse{Format: r.Format, Rows: r.Rows, Inserted: r.Inserted, Updated: r.Updated,
		Unchanged: r.Unchanged, DryRun: r.DryRun}
}

// readImport reads an import request: ?dry_run and the file, sent either as
// the multipart field "file" or as the whole body. The file is read whole
// (it is at most uploads.max_bytes) because an XLSX cannot be streamed.
func (s *Server) readImport(c echo.Context) (registry.ImportFile, bool, error) {
	q := newQuery(c)
	dryRun := q.flag("dry_run")
	if err := q.err(); err != nil {
		return registry.ImportFile{}, false, err
	}
	var f registry.ImportFile
	var err error
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	switch mt {
	case echo.MIMEMultipartForm:
		err = filePart(c, "file", "CSV atau XLSX", func(name string, r io.Reader) error {
			var err error
			f.Name = name
			f.Data, err = s.readUpload(r)
			return err
		})
	case "text/csv", "text/plain", xlsxMIME, echo.MIMEOctetStream:
		f.Data, err = s.readUpload(bodyUpload(c))
	default:
		return f, false, &fault.Error{Kind: fault.KindUnsupported, Code: "unsupported_media_type",
			Detail: "Kirim berkas CSV atau XLSX sebagai multipart/form-data (kolom \"file\") atau langsung sebagai badan permintaan.",
			Fields: []fault.FieldError{{Field: "file", Reason: "wajib berupa unggahan CSV atau XLSX"}}}
	}
	return f, dryRun, err
}

// readUpload reads an upload (see upload) of at most uploads.max_bytes;
// more is a 413 naming the file.
func (s *Server) readUpload(r io.Reader) ([]byte, error) {
	limit := s.cfg.Uploads.MaxBytes
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		if tooLarge := s.uploadTooLarge(err); tooLarge != nil {
			return nil, tooLarge
		}
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, s.uploadTooLarge(&http.MaxBytesError{Limit: limit})
	}
	return data, nil
}

// uploadTooLarge turns the body limit's error into a 413 naming the file.
func (s *Server) uploadTooLarge(err error) error {
	var mbe *http.MaxBytesError
	if !errors.As(err, &mbe) {
		return nil
	}
	return &fault.Error{Kind: fault.KindTooLarge, Code: "file_too_large",
		Detail: fmt.Sprintf("Berkas melebihi batas %d bita (uploads.max_bytes).", s.cfg.Uploads.MaxBytes),
		Fields: []fault.FieldError{{Field: "file", Reason: fmt.Sprintf("paling besar %d bita", s.cfg.Uploads.MaxBytes)}}}
}
