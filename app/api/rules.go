package api

import (
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/compliance"
)

// yamlTypes are the media types a rule set upload may declare.
var yamlTypes = []string{"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}

func (s *Server) ruleRoutes() []route {
	const tag = "aturan"
	versionParam := struct {
		Version string `param:"version" doc:"Nama versi aturan" example:"bekasi-2025"`
	}{}
	return []route{
		{method: http.MethodGet, path: "/api/v1/rules", perm: auth.PermRulesRead, handler: s.listRules,
			doc: openapi.Doc{Summary: "Daftar versi aturan (Perbup sebagai konfigurasi)", Tag: tag, Response: ruleListResponse{},
				Description: "Setiap versi punya tanggal berlaku. Evaluasi suatu periode memakai versi yang berlaku pada hari terakhir periode itu."}},
		{method: http.MethodGet, path: "/api/v1/rules/:version", perm: auth.PermRulesRead, handler: s.getRule,
			doc: openapi.Doc{Summary: "Satu versi aturan, lengkap dengan berkas YAML-nya", Tag: tag, Params: versionParam,
				Response: ruleSetResponse{}}},
		{method: http.MethodPost, path: "/api/v1/rules", perm: auth.PermRulesManage, handler: s.uploadRule,
			doc: openapi.Doc{Summary: "Unggah versi aturan baru (YAML)", Tag: tag, Consumes: yamlTypes,
				Response: ruleInstallResponse{}, Status: http.StatusCreated,
				Others: map[int]any{http.StatusOK: ruleInstallResponse{}},
				Description: "Badan permintaan adalah berkas YAML satu versi (lihat config/rules/bekasi-2025.yaml). " +
					"Setiap kunci yang salah disebut dalam `errors`. Versi baru harus berlaku setelah hari ini; versi yang sudah " +
					"berlaku tidak dapat diubah (409), hanya digantikan versi baru. Mengunggah isi yang sama lagi tidak mengubah apa pun (200)."}},
	}
}

type minimumResponse struct {
	PurchaseValue int64 `json:"purchase_value" doc:"Rupiah per periode"`
	IKMCount      int   `json:"ikm_count"`
	OutletSlots   int   `json:"outlet_slots"`
}

type thresholdsResponse struct {
	CompliantPercent   int `json:"compliant_percent"`
	PartialMeanPercent int `json:"partial_mean_percent"`
}

type ruleSetSummary struct {
	Version       string    `json:"version" example:"bekasi-2025"`
	Title         string    `json:"title"`
	EffectiveFrom string    `json:"effective_from" example:"2025-01-01"`
	Period        string    `json:"period" openapi:"enum=quarterly|monthly|semester"`
	InForce       bool      `json:"in_force" doc:"Sudah berlaku hari ini"`
	Current       bool      `json:"current" doc:"Versi yang berlaku hari ini"`
	Origin        string    `json:"origin" openapi:"enum=file|upload"`
	LoadedAt      time.Time `json:"loaded_at"`
}

type ruleSetResponse struct {
	ruleSetSummary
	ReportDueDay           int                        `json:"report_due_day"`
	ConfirmationWindowDays int                        `json:"confirmation_window_days"`
	ResponseWindowDays     int                        `json:"response_window_days"`
	Minimums               map[string]minimumResponse `json:"minimums"`
	Thresholds             thresholdsResponse         `json:"thresholds"`
	Ladder                 []string                   `json:"ladder"`
	LegalBasis             *legalBasisResponse        `json:"legal_basis" openapi:"nullable" doc:"Perbup yang dikutip surat; null pada versi lama tanpa kunci legal_basis"`
	Source                 string                     `json:"source" doc:"Berkas YAML sebagaimana dimuat pertama kali"`
}

type legalBasisResponse struct {
	Regulation string `json:"regulation" example:"Peraturan Bupati Bekasi"`
	Number     string `json:"number" example:"12"`
	Year       int    `json:"year" example:"2024"`
	Title      string `json:"title" doc:"Pokok pengaturan, sesudah kata \"tentang\"" example:"Kemitraan Usaha Besar dengan Industri Kecil dan Menengah"`
	Article    string `json:"article" example:"Pasal 15"`
}

type ruleListResponse struct {
	Items []ruleSetSummary `json:"items"`
}

type ruleInstallResponse struct {
	RuleSet  ruleSetResponse `json:"rule_set"`
	Created  bool            `json:"created"`
	Replaced bool            `json:"replaced" doc:"Versi yang belum berlaku diganti isinya"`
}

func newRuleSetSummary(r compliance.StoredRuleSet, now time.Time, current string) ruleSetSummary {
	return ruleSetSummary{Version: r.Version, Title: r.Title, EffectiveFrom: r.EffectiveFrom.String(),
		Period: string(r.Period), InForce: r.InForce(now), Current: r.Version == current, Origin: r.Origin,
		LoadedAt: r.LoadedAt.UTC()}
}

func newRuleSetResponse(r compliance.StoredRuleSet, now time.Time, current string) ruleSetResponse {
	mins := make(map[string]minimumResponse, len(r.Minimums))
	for cat, m := range r.Minimums {
		mins[cat] = minimumResponse(m)
	}
	return ruleSetResponse{ruleSetSummary: newRuleSetSummary(r, now, current), ReportDueDay: r.ReportDueDay,
		ConfirmationWindowDays: r.ConfirmationWindowDays, ResponseWindowDays: r.ResponseWindowDays,
		Minimums: mins, Thresholds: thresholdsResponse(r.Thresholds), Ladder: r.Ladder, Source: r.Source,
		LegalBasis: (*legalBasisResponse)(r.LegalBasis)}
}

// currentRuleVersion names the version in force today ("" when none).
func (s *Server) currentRuleVersion(c echo.Context) string {
	rs, err := s.compliance.RuleSetInForce(c.Request().Context())
	if err != nil {
		return ""
	}
	return rs.Version
}

func (s *Server) listRules(c echo.Context) error {
	list, err := s.compliance.RuleSets(c.Request().Context())
	if err != nil {
		return err
	}
	now, current := s.clock.Now(), s.currentRuleVersion(c)
	out := ruleListResponse{Items: make([]ruleSetSummary, len(list))}
	for i, r := range list {
		out.Items[i] = newRuleSetSummary(r, now, current)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getRule(c echo.Context) error {
	version, err := pathText(c, "version")
	if err != nil {
		return err
	}
	r, err := s.compliance.RuleSetByVersion(c.Request().Context(), version)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newRuleSetResponse(r, s.clock.Now(), s.currentRuleVersion(c)))
}

func (s *Server) uploadRule(c echo.Context) error {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	known := false
	for _, t := range yamlTypes {
		known = known || (err == nil && mt == t)
	}
	if !known {
		return newProblem(http.StatusUnsupportedMediaType, "unsupported_media_type",
			"Kirim berkas aturan sebagai application/yaml.")
	}
	src, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return decodeProblem(err)
	}
	res, err := s.compliance.InstallRuleSet(c.Request().Context(), src, compliance.OriginUpload)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	return c.JSON(status, ruleInstallResponse{
		RuleSet: newRuleSetResponse(res.RuleSet, s.clock.Now(), s.currentRuleVersion(c)),
		Created: res.Created, Replaced: res.Replaced})
}
