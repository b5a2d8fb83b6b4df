-- Hardware OATH tokens: HOTP or TOTP, their hash and T0. For HOTP devices
-- last_step holds the last used counter value.

-- +goose Up
ALTER TABLE mfa_devices ADD COLUMN otp_type TEXT NOT NULL DEFAULT 'totp';
ALTER TABLE mfa_devices ADD COLUMN hash TEXT NOT NULL DEFAULT 'SHA1';
ALTER TABLE mfa_devices ADD COLUMN time0 BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE mfa_devices DROP COLUMN time0;
ALTER TABLE mfa_devices DROP COLUMN hash;
ALTER TABLE mfa_devices DROP COLUMN otp_type;
