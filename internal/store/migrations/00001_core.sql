-- Core schema: accounts, users, keys, login profiles, MFA devices, quotas.
-- Times are Unix milliseconds; 0 means "never". Secrets are sealed (AES-GCM).

-- +goose Up
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE accounts (
    id         TEXT PRIMARY KEY,
    email      TEXT NOT NULL,
    email_key  TEXT NOT NULL UNIQUE,
    alias      TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    generation BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE quotas (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    name       TEXT NOT NULL,
    value      BIGINT NOT NULL,
    PRIMARY KEY (account_id, name)
);

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts (id),
    name               TEXT NOT NULL,
    name_key           TEXT NOT NULL,
    path               TEXT NOT NULL,
    is_root            INTEGER NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL,
    password_last_used BIGINT NOT NULL DEFAULT 0,
    UNIQUE (account_id, name_key)
);

CREATE TABLE login_profiles (
    user_id        TEXT PRIMARY KEY REFERENCES users (id),
    account_id     TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    reset_required INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL
);

CREATE TABLE access_keys (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    secret     BYTEA NOT NULL,
    status     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX access_keys_user ON access_keys (user_id);

CREATE TABLE mfa_devices (
    serial        TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    kind          TEXT NOT NULL,
    path          TEXT NOT NULL,
    name          TEXT NOT NULL,
    secret        BYTEA NOT NULL,
    digits        INTEGER NOT NULL,
    period        INTEGER NOT NULL,
    created_at    BIGINT NOT NULL,
    user_id       TEXT REFERENCES users (id),
    enabled_at    BIGINT NOT NULL DEFAULT 0,
    last_step     BIGINT NOT NULL DEFAULT 0,
    drift_steps   BIGINT NOT NULL DEFAULT 0,
    failures      INTEGER NOT NULL DEFAULT 0,
    blocked_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX mfa_devices_user ON mfa_devices (account_id, user_id);

-- +goose Down
DROP TABLE mfa_devices;
DROP TABLE access_keys;
DROP TABLE login_profiles;
DROP TABLE users;
DROP TABLE quotas;
DROP TABLE accounts;
DROP TABLE meta;
