-- Failure counters that belong to a caller rather than a device: enabling
-- an unassigned device charges failed codes to the caller, so nobody can
-- keep another identity's new device blocked.

-- +goose Up
CREATE TABLE throttles (
    account_id    TEXT NOT NULL,
    subject       TEXT NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    blocked_until BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, subject)
);

-- +goose Down
DROP TABLE throttles;
