package web

// Catalogue is the message catalogue of lang, for the tests that check a
// page holds no text of the other language.
func Catalogue(lang string) map[string]string { return catalogues[lang] }
