-- The audit trail: one CloudTrail record per security-relevant request.
-- The record is kept whole as JSON; the columns beside it are what
-- LookupEvents filters on. seq orders the events of one second in the order
-- the recorder saw them. Events of requests that never authenticated
-- have account_id '' and show only in an export.

-- +goose Up
CREATE TABLE audit_events (
    event_id      TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL,
    event_time    BIGINT NOT NULL,
    seq           BIGINT NOT NULL,
    event_name    TEXT NOT NULL,
    event_source  TEXT NOT NULL,
    username      TEXT NOT NULL,
    access_key_id TEXT NOT NULL,
    read_only     INTEGER NOT NULL,
    record        TEXT NOT NULL
);
CREATE INDEX audit_events_account_time ON audit_events (account_id, event_time, seq);
CREATE INDEX audit_events_time ON audit_events (event_time);

CREATE TABLE audit_event_resources (
    event_id      TEXT NOT NULL REFERENCES audit_events (event_id) ON DELETE CASCADE,
    account_id    TEXT NOT NULL,
    resource_name TEXT NOT NULL
);
CREATE INDEX audit_event_resources_name ON audit_event_resources (account_id, resource_name);
CREATE INDEX audit_event_resources_event ON audit_event_resources (event_id);

-- +goose Down
DROP TABLE audit_event_resources;
DROP TABLE audit_events;
