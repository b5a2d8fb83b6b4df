-- Account governance: the password policy and users' password history,
-- user and MFA device tags (JSON arrays of {"Key","Value"} sorted by key),
-- access keys' last use, credential reports, unique account aliases.

-- +goose Up
ALTER TABLE users ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE mfa_devices ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';

-- 0: the password is the one the login profile was created with.
ALTER TABLE login_profiles ADD COLUMN password_changed_at BIGINT NOT NULL DEFAULT 0;

ALTER TABLE access_keys ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE access_keys ADD COLUMN last_used_service TEXT NOT NULL DEFAULT '';
ALTER TABLE access_keys ADD COLUMN last_used_region TEXT NOT NULL DEFAULT '';

CREATE TABLE password_policies (
    account_id                 TEXT PRIMARY KEY REFERENCES accounts (id),
    minimum_length             INTEGER NOT NULL,
    require_symbols            INTEGER NOT NULL,
    require_numbers            INTEGER NOT NULL,
    require_uppercase          INTEGER NOT NULL,
    require_lowercase          INTEGER NOT NULL,
    allow_users_to_change      INTEGER NOT NULL,
    max_age_days               INTEGER NOT NULL,
    reuse_prevention           INTEGER NOT NULL,
    hard_expiry                INTEGER NOT NULL
);

-- A user's previous password hashes (argon2id), seq increasing; only as
-- many as the policy's reuse prevention needs are kept.
CREATE TABLE password_history (
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq           BIGINT NOT NULL,
    account_id    TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    retired_at    BIGINT NOT NULL,
    PRIMARY KEY (user_id, seq)
);

CREATE TABLE credential_reports (
    account_id   TEXT PRIMARY KEY REFERENCES accounts (id),
    generated_at BIGINT NOT NULL,
    content      BYTEA NOT NULL
);

CREATE UNIQUE INDEX accounts_alias ON accounts (alias) WHERE alias <> '';

-- +goose Down
DROP INDEX accounts_alias;
DROP TABLE credential_reports;
DROP TABLE password_history;
DROP TABLE password_policies;
ALTER TABLE access_keys DROP COLUMN last_used_region;
ALTER TABLE access_keys DROP COLUMN last_used_service;
ALTER TABLE access_keys DROP COLUMN last_used_at;
ALTER TABLE login_profiles DROP COLUMN password_changed_at;
ALTER TABLE mfa_devices DROP COLUMN tags;
ALTER TABLE users DROP COLUMN tags;
