-- +goose Up
-- A purchase's password-less confirmation link is derived from the purchase
-- itself: its nonce is the purchase's id (8 bytes, big-endian) and 8 random
-- bytes kept here, signed with the installation secret. A link is usable
-- while the purchase is still reported and its confirmation window runs
-- (confirm_by); any decision uses it up. So reporting a purchase writes no
-- second row (a row, four index entries and a foreign-key check per
-- purchase, which was two fifths of a 100,000-row import), and a link is
-- found by the purchase's primary key. Links issued before this migration
-- stay in confirmation_tokens and keep working until they expire.
ALTER TABLE purchases ADD COLUMN link_nonce bytea
    CONSTRAINT purchases_link_nonce_length CHECK (link_nonce IS NULL OR length(link_nonce) = 16);

-- +goose Down
ALTER TABLE purchases DROP COLUMN link_nonce;
