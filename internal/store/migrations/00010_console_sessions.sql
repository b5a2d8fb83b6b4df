-- Console sessions, kept in the store so that any node serves them. id is
-- the SHA-256 (hex) of the cookie's random token, so the table holds no
-- usable cookie. A session between the password and the MFA code has
-- mfa_pending = 1. No foreign keys: a session must not keep a user from
-- being deleted; the console ends a session whose user is gone.

-- +goose Up
CREATE TABLE console_sessions (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    mfa_pending INTEGER NOT NULL DEFAULT 0,
    mfa_at      BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL
);

CREATE INDEX console_sessions_user ON console_sessions (account_id, user_id);

-- +goose Down
DROP TABLE console_sessions;
