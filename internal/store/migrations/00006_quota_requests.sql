-- Quota increase requests (the Service Quotas API and "iamd quota"). A
-- request is open while PENDING or CASE_OPENED; an account has at most one
-- open request per quota. quota_name is the GetAccountSummary key
-- ("UsersQuota"); times are Unix milliseconds.

-- +goose Up
CREATE TABLE quota_requests (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    quota_name    TEXT NOT NULL,
    desired_value BIGINT NOT NULL,
    status        TEXT NOT NULL,
    requester     TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX quota_requests_account ON quota_requests (account_id, created_at);
CREATE UNIQUE INDEX quota_requests_open ON quota_requests (account_id, quota_name)
    WHERE status IN ('PENDING', 'CASE_OPENED');

-- +goose Down
DROP INDEX quota_requests_open;
DROP INDEX quota_requests_account;
DROP TABLE quota_requests;
