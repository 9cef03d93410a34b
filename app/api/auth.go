package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/platform/actor"
)

// authRoutes are sessions, accounts, ERP tokens and the audit trail.
func (s *Server) authRoutes() []route {
	sessions := []route{
		{method: http.MethodPost, path: "/api/v1/auth/login", handler: s.login,
			doc: openapi.Doc{Summary: "Masuk dengan nama pengguna dan kata sandi", Tag: "akun",
				Description: "Menghasilkan token bearer sesi. Kegagalan berulang untuk satu nama pengguna atau satu " +
					"alamat diperlambat lalu ditolak sementara (429 dengan `Retry-After`).",
				Request: loginRequest{}, Response: sessionResponse{}, Errors: []int{401, 429}}},
		{method: http.MethodPost, path: "/api/v1/auth/refresh", perm: auth.PermSessionOwn, handler: s.refresh,
			doc: openapi.Doc{Summary: "Ganti token sesi dengan yang baru (yang lama langsung dicabut)", Tag: "akun",
				Response: sessionResponse{}}},
		{method: http.MethodPost, path: "/api/v1/auth/logout", perm: auth.PermSessionOwn, handler: s.logout,
			doc: openapi.Doc{Summary: "Keluar: sesi ini langsung berakhir", Tag: "akun", Status: http.StatusNoContent}},
		{method: http.MethodGet, path: "/api/v1/me", perm: auth.PermSessionOwn, handler: s.me,
			doc: openapi.Doc{Summary: "Siapa yang sedang masuk", Tag: "akun", Response: meResponse{}}},
	}
	var all []route
	for _, group := range [][]route{sessions, s.userRoutes(), s.tokenRoutes(), s.auditRoutes()} {
		all = append(all, group...)
	}
	return all
}

type loginRequest struct {
	Username string `json:"username" example:"admin"`
	Password string `json:"password" example:"demo-admin-2025"`
}

type sessionResponse struct {
	Token     string       `json:"token" doc:"token bearer; kirim sebagai Authorization: Bearer <token>"`
	TokenType string       `json:"token_type" example:"Bearer"`
	ExpiresAt time.Time    `json:"expires_at"`
	User      userResponse `json:"user"`
}

func (s *Server) login(c echo.Context) error {
	var req loginRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	sess, user, err := s.auth.Login(c.Request().Context(), auth.Credentials{
		Username: req.Username, Password: req.Password, IP: c.RealIP(), UserAgent: c.Request().UserAgent(),
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sessionResponse{Token: sess.Token, TokenType: "Bearer", ExpiresAt: sess.ExpiresAt,
		User: newUserResponse(user)})
}

func (s *Server) refresh(c echo.Context) error {
	ctx := c.Request().Context()
	sess, err := s.auth.Refresh(ctx, c.Request().UserAgent())
	if err != nil {
		return err
	}
	user, err := s.auth.GetUser(ctx, actor.From(ctx).UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sessionResponse{Token: sess.Token, TokenType: "Bearer", ExpiresAt: sess.ExpiresAt,
		User: newUserResponse(user)})
}

func (s *Server) logout(c echo.Context) error {
	if err := s.auth.Logout(c.Request().Context()); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type meResponse struct {
	userResponse
	BusinessName     string            `json:"business_name" doc:"nama usaha bagi pengguna peran company, selain itu kosong"`
	IKMName          string            `json:"ikm_name" doc:"nama IKM bagi pengguna peran ikm, selain itu kosong"`
	SessionExpiresAt time.Time         `json:"session_expires_at"`
	Permissions      []auth.Permission `json:"permissions" doc:"izin yang dimiliki, untuk menampilkan atau menyembunyikan tindakan"`
}

func (s *Server) me(c echo.Context) error {
	me, err := s.auth.WhoAmI(c.Request().Context())
	if err != nil {
		return err
	}
	perms := me.Permissions
	if perms == nil {
		perms = []auth.Permission{}
	}
	return c.JSON(http.StatusOK, meResponse{
		userResponse: newUserResponse(me.User), BusinessName: me.BusinessName, IKMName: me.IKMName,
		SessionExpiresAt: me.SessionExpiresAt, Permissions: perms,
	})
}
