package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"kemitraan/app/report"
)

// The public site: what the regent's regulation asks of large businesses,
// who this site is for, and what the programme achieves.

func (p *Pages) publicRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/", handler: p.home},
	}
}

// startingShare is the share of registered IKM that were active when the
// programme began: about 300 of 1,400.
const startingShare = 300.0 / 1400

type homeView struct {
	Stats         report.PublicStats
	HasFigures    bool
	StartingShare float64
}

func (p *Pages) home(c echo.Context) error {
	st, ok, err := p.publicStats(c)
	if err != nil {
		return err
	}
	v := homeView{Stats: st, HasFigures: ok, StartingShare: startingShare}
	return p.render(c, http.StatusOK, "home", p.newPage(c, msg("home.title"), v))
}
