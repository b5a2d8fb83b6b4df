-- Groups, managed and inline policies, attachments, roles.
-- Managed policies of AWS itself have account_id 'aws'.

-- +goose Up
CREATE TABLE groups (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    path       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE group_members (
    group_id   TEXT NOT NULL REFERENCES groups (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    account_id TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE policies (
    arn             TEXT PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    account_id      TEXT NOT NULL,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    path            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    default_version TEXT NOT NULL,
    next_version    INTEGER NOT NULL DEFAULT 2,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE policy_versions (
    policy_arn TEXT NOT NULL REFERENCES policies (arn),
    version_id TEXT NOT NULL,
    document   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (policy_arn, version_id)
);

-- entity_kind is 'user', 'group' or 'role'; entity_id the entity's id.
CREATE TABLE inline_policies (
    account_id  TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (entity_kind, entity_id, name)
);

CREATE TABLE policy_attachments (
    account_id  TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    policy_arn  TEXT NOT NULL REFERENCES policies (arn),
    PRIMARY KEY (entity_kind, entity_id, policy_arn)
);
CREATE INDEX policy_attachments_policy ON policy_attachments (policy_arn);

CREATE TABLE roles (
    id                   TEXT PRIMARY KEY,
    account_id           TEXT NOT NULL REFERENCES accounts (id),
    name                 TEXT NOT NULL,
    name_key             TEXT NOT NULL,
    path                 TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    trust_policy         TEXT NOT NULL,
    max_session_duration INTEGER NOT NULL DEFAULT 3600,
    created_at           BIGINT NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE role_tags (
    role_id TEXT NOT NULL REFERENCES roles (id),
    tag_key TEXT NOT NULL,
    key_lc  TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (role_id, key_lc)
);

-- +goose Down
DROP TABLE role_tags;
DROP TABLE roles;
DROP TABLE policy_attachments;
DROP TABLE inline_policies;
DROP TABLE policy_versions;
DROP TABLE policies;
DROP TABLE group_members;
DROP TABLE groups;
