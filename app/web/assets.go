package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

//go:embed static
var staticFS embed.FS

// assets are the static files under content-hashed names (site.3f2a1b9c.css),
// so a browser may keep each for a year and still never use a stale one.
type assets struct {
	prefix string
	byName map[string]string // "site.css" → "site.3f2a1b9c.css"
	files  map[string]asset  // hashed name → content
}

type asset struct {
	body        []byte
	contentType string
}

func loadAssets() (*assets, error) {
	a := &assets{prefix: "/aset/", byName: map[string]string{}, files: map[string]asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			return fmt.Errorf("web: asset %s: unknown content type", name)
		}
		a.byName[name] = hashed
		a.files[hashed] = asset{body: body, contentType: ct}
		return nil
	})
	return a, err
}

// url is the address of the asset named name; an unknown name is an error
// when the template runs, so a typo fails the page's test.
func (a *assets) url(name string) (string, error) {
	hashed, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("web: no asset %q", name)
	}
	return a.prefix + hashed, nil
}

func (p *Pages) asset(c echo.Context) error {
	f, ok := p.assets.files[c.Param("name")]
	if !ok {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, f.contentType, f.body)
}
