package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
)

func (s *Server) userRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/v1/users", perm: auth.PermUsersManage, handler: s.listUsers,
			doc: openapi.Doc{Summary: "Daftar pengguna", Tag: "akun", Query: userQuery{}, Response: userList{}}},
		{method: http.MethodPost, path: "/api/v1/users", perm: auth.PermUsersManage, handler: s.createUser,
			doc: openapi.Doc{Summary: "Buat pengguna", Tag: "akun", Request: createUserRequest{}, Response: userResponse{},
				Status: http.StatusCreated,
				Description: "Pengguna peran `company` wajib menyebut `business_id`, peran `ikm` wajib menyebut " +
					"`ikm_id`; peran lain tidak boleh menyebut keduanya. Kata sandi paling sedikit 10 karakter. " +
					"`position` (jabatan), `rank` (pangkat/golongan) dan `nip` (18 angka) dicetak pada blok tanda " +
					"tangan surat yang diterbitkan pengguna itu sebagai peninjau."}},
		{method: http.MethodGet, path: "/api/v1/users/:id", perm: auth.PermUsersManage, handler: s.getUser,
			doc: openapi.Doc{Summary: "Satu pengguna", Tag: "akun", Response: userResponse{}}},
		{method: http.MethodPatch, path: "/api/v1/users/:id", perm: auth.PermUsersManage, handler: s.updateUser,
			doc: openapi.Doc{Summary: "Ubah nama, e-mail, peran, ikatan, status aktif atau profil penanda tangan pengguna", Tag: "akun",
				Request: updateUserRequest{}, Response: userResponse{},
				Description: "Tidak ada penghapusan: nonaktifkan dengan `active: false`. Menonaktifkan atau " +
					"mengubah peran/ikatan langsung mengakhiri semua sesinya. Admin aktif terakhir tidak dapat " +
					"dinonaktifkan atau diturunkan (409)."}},
		{method: http.MethodPost, path: "/api/v1/users/:id/password", perm: auth.PermUsersManage, handler: s.resetPassword,
			doc: openapi.Doc{Summary: "Atur ulang kata sandi pengguna (semua sesinya berakhir)", Tag: "akun",
				Request: passwordRequest{}, Response: userResponse{}}},
	}
}

type userResponse struct {
	ID         int64      `json:"id"`
	Username   string     `json:"username" example:"budi.santoso"`
	Name       string     `json:"name" example:"Budi Santoso"`
	Email      string     `json:"email"`
	Role       actor.Role `json:"role" openapi:"vocab=role"`
	BusinessID *int64     `json:"business_id" openapi:"nullable" doc:"usaha yang terikat (peran company)"`
	IKMID      *int64     `json:"ikm_id" openapi:"nullable" doc:"IKM yang terikat (peran ikm)"`
	Active     bool       `json:"active"`
	Position   *string    `json:"position" openapi:"nullable" doc:"jabatan, dicetak di bawah tanda tangan surat" example:"Kepala Bidang Pengembangan Industri"`
	Rank       *string    `json:"rank" openapi:"nullable" doc:"pangkat/golongan" example:"Pembina Tingkat I (IV/b)"`
	NIP        *string    `json:"nip" openapi:"nullable" doc:"NIP, 18 angka" example:"197001011995032001"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

func newUserResponse(u auth.User) userResponse {
	return userResponse{ID: u.ID, Username: u.Username, Name: u.Name, Email: u.Email, Role: u.Role,
		BusinessID: u.BusinessID, IKMID: u.IKMID, Active: u.Active, Position: u.Position, Rank: u.Rank, NIP: u.NIP,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

type userList = numberedPage[userResponse]

type userQuery struct {
	Role       string `query:"role" openapi:"vocab=role"`
	Active     *bool  `query:"active"`
	BusinessID int64  `query:"business_id"`
	IKMID      int64  `query:"ikm_id"`
	Q          string `query:"q" doc:"bagian dari nama pengguna atau nama"`
	Page       int    `query:"page" openapi:"min=1"`
	PerPage    int    `query:"per_page" openapi:"min=1,max=100"`
}

func (s *Server) listUsers(c echo.Context) error {
	q := newQuery(c)
	f := auth.UserFilter{
		Role: actor.Role(q.text("role")), Active: q.boolean("active"),
		BusinessID: q.id("business_id"), IKMID: q.id("ikm_id"), Query: q.text("q"), Page: q.page(),
	}
	if f.Role != "" && !f.Role.Valid() {
		q.check.Add("role", fault.OneOf(actor.Roles))
	}
	if err := q.err(); err != nil {
		return err
	}
	page, err := s.auth.ListUsers(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newNumberedPage(page.Items, newUserResponse, page.Total, page.Page, page.PerPage))
}

type createUserRequest struct {
	Username   string     `json:"username" example:"budi.santoso"`
	Name       string     `json:"name" example:"Budi Santoso"`
	Email      string     `json:"email,omitempty"`
	Role       actor.Role `json:"role" openapi:"vocab=role"`
	BusinessID *int64     `json:"business_id,omitempty" doc:"wajib untuk peran company"`
	IKMID      *int64     `json:"ikm_id,omitempty" doc:"wajib untuk peran ikm"`
	Password   string     `json:"password" doc:"paling sedikit 10 karakter"`
	Position   string     `json:"position,omitempty" doc:"jabatan penanda tangan surat, paling banyak 200 karakter" example:"Kepala Bidang Pengembangan Industri"`
	Rank       string     `json:"rank,omitempty" doc:"pangkat/golongan, paling banyak 100 karakter" example:"Pembina Tingkat I (IV/b)"`
	NIP        string     `json:"nip,omitempty" doc:"NIP: 18 angka (spasi di antara kelompok angka diabaikan)" example:"197001011995032001"`
}

func (s *Server) createUser(c echo.Context) error {
	var req createUserRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	u, err := s.auth.CreateUser(c.Request().Context(), auth.NewUser{
		Username: req.Username, Name: req.Name, Email: req.Email, Role: req.Role,
		BusinessID: req.BusinessID, IKMID: req.IKMID, Password: req.Password,
		Position: req.Position, Rank: req.Rank, NIP: req.NIP,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, newUserResponse(u))
}

func (s *Server) getUser(c echo.Context) error {
	id, err := idParam(c, "id", errUserPath)
	if err != nil {
		return err
	}
	u, err := s.auth.GetUser(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newUserResponse(u))
}

type updateUserRequest struct {
	Name       *string     `json:"name,omitempty"`
	Email      *string     `json:"email,omitempty"`
	Role       *actor.Role `json:"role,omitempty" openapi:"vocab=role"`
	BusinessID *int64      `json:"business_id,omitempty" doc:"usaha baru bagi peran company"`
	IKMID      *int64      `json:"ikm_id,omitempty" doc:"IKM baru bagi peran ikm"`
	Active     *bool       `json:"active,omitempty" doc:"false menonaktifkan akun dan mengakhiri sesinya"`
	Position   *string     `json:"position,omitempty" doc:"jabatan penanda tangan surat; \"\" menghapusnya"`
	Rank       *string     `json:"rank,omitempty" doc:"pangkat/golongan; \"\" menghapusnya"`
	NIP        *string     `json:"nip,omitempty" doc:"NIP, 18 angka; \"\" menghapusnya" example:"197001011995032001"`
}

func (s *Server) updateUser(c echo.Context) error {
	id, err := idParam(c, "id", errUserPath)
	if err != nil {
		return err
	}
	var req updateUserRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	u, err := s.auth.UpdateUser(c.Request().Context(), id, auth.UserUpdate{
		Name: req.Name, Email: req.Email, Role: req.Role, BusinessID: req.BusinessID, IKMID: req.IKMID, Active: req.Active,
		Position: req.Position, Rank: req.Rank, NIP: req.NIP,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newUserResponse(u))
}

type passwordRequest struct {
	Password string `json:"password" doc:"paling sedikit 10 karakter"`
}

func (s *Server) resetPassword(c echo.Context) error {
	id, err := idParam(c, "id", errUserPath)
	if err != nil {
		return err
	}
	var req passwordRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	u, err := s.auth.ResetPassword(c.Request().Context(), id, req.Password)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newUserResponse(u))
}

var errUserPath = fault.NotFound("user_not_found", "Pengguna tidak ditemukan.")
