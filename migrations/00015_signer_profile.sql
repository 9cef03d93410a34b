-- +goose Up
-- The signer's profile, printed in the signature block of the letters a
-- reviewer issues: position (jabatan), rank (pangkat/golongan) and NIP (the
-- civil servant's 18-digit number). Optional: an account without them signs
-- with its name and a blank NIP line to fill in by hand.
ALTER TABLE users
    ADD COLUMN position text CONSTRAINT users_position_check CHECK (btrim(position) <> '' AND length(position) <= 200),
    ADD COLUMN rank text CONSTRAINT users_rank_check CHECK (btrim(rank) <> '' AND length(rank) <= 100),
    ADD COLUMN nip text CONSTRAINT users_nip_check CHECK (nip ~ '^[0-9]{18}$');

-- +goose Down
ALTER TABLE users DROP COLUMN position, DROP COLUMN rank, DROP COLUMN nip;
