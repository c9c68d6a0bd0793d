-- The list of an account's certificates (GET /certificates) read from one covering index,
-- in its order: no row of the table is visited (their PEM columns sit in overflow pages)
-- and no temporary sort. Whether a certificate is installed is kept beside its PEM by
-- triggers (a generated column would not let the index cover the query).
ALTER TABLE certificates ADD COLUMN has_certificate INTEGER NOT NULL DEFAULT 0;
UPDATE certificates SET has_certificate = (COALESCE(certificate_pem, '') != '');
CREATE TRIGGER certificates_has_certificate_insert AFTER INSERT ON certificates BEGIN
  UPDATE certificates SET has_certificate = (COALESCE(NEW.certificate_pem, '') != '')
  WHERE id = NEW.id;
END;
CREATE TRIGGER certificates_has_certificate_update AFTER UPDATE OF certificate_pem
  ON certificates BEGIN
  UPDATE certificates SET has_certificate = (COALESCE(NEW.certificate_pem, '') != '')
  WHERE id = NEW.id;
END;
CREATE INDEX certificates_list ON certificates(owner_id, created_at, id, zone_id, zone_name,
  domain, sans, is_wildcard, auto_renew, status, issued_at, expires_at, next_renewal_at,
  serial, has_certificate, updated_at);
