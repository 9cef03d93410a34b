package api

import (
	"net/http"
	"slices"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/compliance"
	"kemitraan/app/partnership"
	"kemitraan/app/platform/actor"
	"kemitraan/app/procurement"
	"kemitraan/app/registry"
	"kemitraan/app/sanction"
)

// The OpenAPI document is generated from the route table (package openapi)
// when the server starts. The test harness validates every response of the
// test suite against it.

// errorText explains each error status in the document.
var errorText = map[int]string{
	http.StatusBadRequest:            "JSON rusak, kosong atau berisi data tambahan, atau parameter tidak dapat diurai.",
	http.StatusUnauthorized:          "Token tidak ada, tidak berlaku, kedaluwarsa atau sudah dicabut.",
	http.StatusForbidden:             "Peran pemanggil tidak memiliki izin untuk tindakan ini.",
	http.StatusNotFound:              "Catatan tidak ada, atau berada di luar cakupan pemanggil (milik perusahaan atau IKM lain).",
	http.StatusConflict:              "Keadaan data menolak tindakan ini (nilai unik sudah dipakai, atau status tidak sesuai); `errors` atau anggota tambahan menjelaskan.",
	http.StatusGone:                  "Sumber ini sudah tidak dapat dipakai (misalnya tautan yang kedaluwarsa).",
	http.StatusRequestEntityTooLarge: "Badan permintaan atau berkas melebihi batas ukuran.",
	http.StatusUnsupportedMediaType:  "Jenis media badan permintaan atau berkas tidak didukung.",
	http.StatusUnprocessableEntity:   "`errors` menyebut setiap kolom dan alasannya (`line` untuk baris berkas unggahan). Tidak ada yang disimpan.",
	http.StatusTooManyRequests:       "Coba lagi setelah `Retry-After` detik.",
	http.StatusInternalServerError:   "Sampaikan `request_id` kepada petugas bila berulang.",
	http.StatusServiceUnavailable: "Layanan tidak dapat menjawab sekarang; coba lagi setelah `Retry-After` detik. `code`: " +
		"`database_unavailable` (basis data tidak terjangkau), `database_busy` (semua koneksi sedang dipakai), " +
		"`request_timeout` (permintaan melewati batas waktunya), `shutting_down` (layanan sedang dimulai ulang); " +
		"untuk `/readyz`: `database_unreachable`, `schema_behind` dan `schema_unknown`.",
}

const apiDescription = `API Sistem Informasi Kemitraan Dinas Perindustrian Kabupaten Bekasi.

**Masuk.** Rute bertanda gembok memerlukan ` + "`Authorization: Bearer <token>`" + `: token sesi dari
` + "`POST /api/v1/auth/login`" + `, atau token API ERP sebuah perusahaan (hanya untuk melaporkan
dan membaca pembelian serta ruang gerai usahanya sendiri). Setiap operasi menyebut izin
yang diperlukan (` + "`x-permission`" + `) dan peran yang memilikinya (` + "`x-roles`" + `). Pengguna perusahaan
atau IKM yang meminta catatan milik pihak lain mendapat 404.

**Kesalahan.** Setiap kesalahan berupa ` + "`application/problem+json`" + ` (RFC 9457) dengan ` + "`code`" + ` yang
tetap untuk program, ` + "`detail`" + ` dalam Bahasa Indonesia, ` + "`request_id`" + `, dan untuk validasi daftar
` + "`errors`" + ` yang menyebut kolom dan alasannya.

**Nilai.** Uang dalam rupiah sebagai bilangan bulat. Waktu dalam UTC (RFC 3339);
periode dan tenggat dihitung menurut Asia/Jakarta (WIB).`

// vocabularies are the domain's closed lists, named for openapi:"vocab=…"
// tags, so the document's enums are the lists the domain checks against.
var vocabularies = map[string][]string{
	"category":          registry.Categories,
	"business_status":   registry.BusinessStatuses,
	"sector":            registry.Sectors,
	"ikm_status":        registry.IKMStatuses,
	"purchase_status":   texts(procurement.Statuses),
	"payment_answer":    procurement.PaymentAnswers,
	"payment_state":     append(slices.Clone(procurement.PaymentAnswers), procurement.PaymentDisputed),
	"outlet_status":     texts(partnership.OutletStatuses),
	"agreement_status":  texts(partnership.AgreementStatuses),
	"agreement_form":    partnership.Forms,
	"report_status":     texts(partnership.ReportStatuses),
	"compliance_status": compliance.Statuses,
	"stage":             texts(sanction.Stages),
	"decision":          texts(sanction.Decisions),
	"role":              texts(actor.Roles),
}

func texts[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// problemSchema is Problem without its MarshalJSON, so the document
// describes its members.
type problemSchema Problem

// describe builds the OpenAPI document of routes; bodyLimit is the limit
// of routes that set none.
func describe(routes []route, bodyLimit int64) (*openapi.Document, error) {
	ops := make([]openapi.Operation, len(routes))
	for i, r := range routes {
		limit := r.limit
		if limit == 0 {
			limit = bodyLimit
		}
		ops[i] = openapi.Operation{Method: r.method, Path: r.path, Handler: r.handler, BodyLimit: limit, Doc: r.doc}
		if r.perm != "" {
			ops[i].Permission = string(r.perm)
			ops[i].Roles, ops[i].ERPToken = whoMay(r.perm)
		}
	}
	errs := make(map[int]string, len(errorText))
	for status, text := range errorText {
		errs[status] = statusTitle(status) + ". " + text
	}
	return openapi.Build(ops, openapi.Options{
		Title: "Kemitraan API", Version: "1", Description: apiDescription,
		SecurityDescription: "Token sesi (POST /api/v1/auth/login) atau token API ERP.",
		Problem:             problemSchema{},
		ProblemDescription:  "Kesalahan menurut RFC 9457. Anggota tambahan (misalnya keadaan catatan saat ini pada 409) dapat menyertai.",
		Errors:              errs,
		Vocabularies:        vocabularies,
	})
}

// whoMay lists the roles holding p, and whether an ERP token does.
func whoMay(p auth.Permission) (roles []string, token bool) {
	for _, r := range actor.Roles {
		if auth.Allowed(actor.Actor{UserID: 1, Role: r}, p) {
			roles = append(roles, string(r))
		}
	}
	return roles, auth.Allowed(actor.Actor{TokenID: 1, BusinessID: 1}, p)
}

func statusTitle(status int) string {
	if t := titles[status]; t != "" {
		return t
	}
	return http.StatusText(status)
}
