package api

// The Idempotency-Key of the API's creating requests: the key and the hash
// of what was asked, and the one answer both sent and kept for replays.

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/labstack/echo/v4"

	"kemitraan/app/procurement"
)

// idempotent reads the Idempotency-Key header and the whole (limited) body,
// and hashes method, path and the body's meaning (canonicalJSON) so a
// reused key with another request is recognised, and a retry that writes
// the same JSON otherwise is not taken for one. The body is put back for
// binding. Without a key there is nothing to hash.
func idempotent(c echo.Context) (key string, hash []byte, err error) {
	key = c.Request().Header.Get("Idempotency-Key")
	if err := procurement.CheckIdempotencyKey(key); err != nil {
		return "", nil, err
	}
	if key == "" {
		return "", nil, nil
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return "", nil, decodeProblem(err)
	}
	c.Request().Body = io.NopCloser(bytes.NewReader(body))
	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n", c.Request().Method, c.Path())
	for _, name := range c.ParamNames() {
		fmt.Fprintf(h, "%s=%s\n", name, c.Param(name))
	}
	h.Write(canonicalJSON(body))
	return key, h.Sum(nil), nil
}

// canonicalJSON writes one JSON value in a single form: object keys sorted,
// no spacing, strings re-escaped alike, numbers as their text was (so
// 1500000 and 1.5e6 stay different, as binding reads them differently).
// Anything but one JSON value is returned as it is: binding refuses it
// before the key is looked at.
func canonicalJSON(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || !errors.Is(dec.Decode(new(any)), io.EOF) {
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

// answerOnce renders an answer as the bytes both sent now and stored for
// replays, so a replay is byte for byte the first answer.
type answerOnce struct {
	status int
	body   []byte
}

func (a *answerOnce) render(status int, v any) (int, []byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return 0, nil, err
	}
	a.status, a.body = status, b
	return status, b, nil
}

// send answers a replay with the stored first answer, a request whose answer
// was rendered for storing with those bytes, and any other (no key, or a dry
// run that stores nothing) with v.
func (a *answerOnce) send(c echo.Context, replay *procurement.Replay, status int, v any) error {
	switch {
	case replay != nil:
		c.Response().Header().Set("Idempotent-Replayed", "true")
		return c.Blob(replay.Status, echo.MIMEApplicationJSON, replay.Body)
	case a.body != nil:
		return c.Blob(a.status, echo.MIMEApplicationJSON, a.body)
	}
	return c.JSON(status, v)
}
