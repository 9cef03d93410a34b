-- +goose Up
-- Every letter carries a verification code, printed with a QR code, that
-- anyone can check at /verifikasi/{code}. Letters issued before this
-- migration get a code too (it is not printed on them; an officer can give
-- it on request).
ALTER TABLE sanction_letters ADD COLUMN verification_code text;
UPDATE sanction_letters
SET verification_code = upper(substr(translate(md5(id::text || number || random()::text), '01', 'AB'), 1, 10));
ALTER TABLE sanction_letters ALTER COLUMN verification_code SET NOT NULL;
ALTER TABLE sanction_letters ADD CONSTRAINT sanction_letters_verification_code_key UNIQUE (verification_code);

-- +goose Down
ALTER TABLE sanction_letters DROP COLUMN verification_code;
