package registry

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// Kecamatan is one district of the regency, keyed by its BPS code.
type Kecamatan struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// ListKecamatan returns every kecamatan, by name.
func (s *Service) ListKecamatan(ctx context.Context) ([]Kecamatan, error) {
	var out []Kecamatan
	if err := s.db.WithContext(ctx).Table("kecamatan").Select("code, name").Order("name").Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("registry: list kecamatan: %w", err)
	}
	return out, nil
}

// kecamatanIndex resolves a kecamatan given by code or by name. The list is
// a few dozen rows, so it is read whole, once per operation.
type kecamatanIndex struct {
	byCode map[string]string // code -> name
	byName map[string]string // folded name -> code
}

func (s *Service) kecamatan(ctx context.Context, tx *gorm.DB) (kecamatanIndex, error) {
	var rows []Kecamatan
	if err := tx.WithContext(ctx).Table("kecamatan").Select("code, name").Scan(&rows).Error; err != nil {
		return kecamatanIndex{}, fmt.Errorf("registry: read kecamatan: %w", err)
	}
	idx := kecamatanIndex{byCode: map[string]string{}, byName: map[string]string{}}
	for _, k := range rows {
		idx.byCode[k.Code] = k.Name
		idx.byName[foldName(k.Name)] = k.Code
	}
	return idx, nil
}

// resolve returns the code of a kecamatan written as its code or, when
// byName is set, as its name in any case ("cikarang utara", "Kec. Setu").
func (k kecamatanIndex) resolve(v string, byName bool) (string, bool) {
	v = strings.TrimSpace(v)
	if _, ok := k.byCode[v]; ok {
		return v, true
	}
	if !byName {
		return "", false
	}
	code, ok := k.byName[foldName(v)]
	return code, ok
}

// foldName lowers a kecamatan name and drops a "Kecamatan"/"Kec." prefix and
// repeated spaces, the ways spreadsheets write it.
func foldName(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	for _, prefix := range []string{"kecamatan ", "kec. ", "kec.", "kec "} {
		if strings.HasPrefix(s, prefix) {
			s = strings.TrimSpace(s[len(prefix):])
			break
		}
	}
	return s
}
