-- The 23 kecamatan of Kabupaten Bekasi, keyed by their BPS code: reference
-- data every registry row points to, so it comes with the schema rather
-- than with a seed a fresh installation might forget to run.

-- +goose Up
INSERT INTO kecamatan (code, name) VALUES
    ('3216010', 'Setu'),
    ('3216021', 'Serang Baru'),
    ('3216022', 'Cikarang Pusat'),
    ('3216023', 'Cikarang Selatan'),
    ('3216030', 'Cibarusah'),
    ('3216031', 'Bojongmangu'),
    ('3216040', 'Cikarang Timur'),
    ('3216050', 'Kedungwaringin'),
    ('3216060', 'Cikarang Utara'),
    ('3216061', 'Karangbahagia'),
    ('3216070', 'Cibitung'),
    ('3216071', 'Cikarang Barat'),
    ('3216080', 'Tambun Selatan'),
    ('3216081', 'Tambun Utara'),
    ('3216090', 'Babelan'),
    ('3216100', 'Tarumajaya'),
    ('3216110', 'Tambelang'),
    ('3216111', 'Sukawangi'),
    ('3216120', 'Sukatani'),
    ('3216121', 'Sukakarya'),
    ('3216130', 'Pebayuran'),
    ('3216140', 'Cabangbungin'),
    ('3216150', 'Muaragembong')
ON CONFLICT (code) DO NOTHING;

-- +goose Down
-- The rows stay: businesses and IKM refer to them, and an installation
-- that had loaded them by the earlier seed command kept them too.
SELECT 1;
