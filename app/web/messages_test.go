package web

import (
	"maps"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var verbs = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// TestCataloguesAgree: every message exists in every language, with the
// same placeholders in the same order, so a page renders in either.
func TestCataloguesAgree(t *testing.T) {
	t.Parallel()
	for lang, cat := range catalogues {
		for key, id := range messages {
			other, ok := cat[key]
			if !ok {
				t.Errorf("%s: no %q", lang, key)
				continue
			}
			if diff := cmp.Diff(verbs.FindAllString(id, -1), verbs.FindAllString(other, -1)); diff != "" {
				t.Errorf("%s %q: placeholders differ (-id +%s):\n%s", lang, key, lang, diff)
			}
		}
		for key := range cat {
			if _, ok := messages[key]; !ok {
				t.Errorf("%s: %q is not in the Indonesian catalogue", lang, key)
			}
		}
	}
	if langs := slices.Sorted(maps.Keys(catalogues)); !slices.Equal(langs, []string{langEN, langID}) {
		t.Errorf("languages %v", langs)
	}
}
