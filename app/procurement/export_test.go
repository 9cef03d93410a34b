package procurement

// LegacyLink makes a link as links were made before purchases kept their
// own: a random nonce, signed with secret; the test stores its nonce and
// hash in confirmation_tokens.
func LegacyLink(secret, nonce []byte) (value string, hash []byte) {
	tok := tokenFor(secret, nonce)
	return tok.value, tok.hash
}
