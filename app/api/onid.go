package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
)

// onID runs act on the record named by the :id path parameter and answers
// what it returns, shaped, with 200: the whole of a body-less read or
// transition.
func onID[R, T any](c echo.Context, act func(ctx context.Context, id int64) (R, error), shape func(R) T) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := act(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, shape(r))
}

// onIDWith is onID for a call that takes a JSON body of type B.
func onIDWith[B, R, T any](c echo.Context, act func(ctx context.Context, id int64, body B) (R, error), shape func(R) T) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var body B
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	r, err := act(c.Request().Context(), id, body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, shape(r))
}
