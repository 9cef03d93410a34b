package registry_test

import (
	"time"

	"github.com/google/go-cmp/cmp"
)

// asDate compares times by their calendar date, as the registry stores
// registration dates.
var asDate = cmp.Transformer("date", func(t time.Time) string { return t.Format(time.DateOnly) })
