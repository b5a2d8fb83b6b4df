-- Role tags join those of users and MFA devices (00005): a JSON array in a
-- column of the row, [{"Key":…,"Value":…}], instead of rows of role_tags, so
-- every taggable entity keeps its tags one way and a role is read in one
-- query. The array is built with the SQL both engines understand
-- (string_agg with ORDER BY: SQLite 3.44 and later, PostgreSQL 9.0 and
-- later); backslashes and double quotes are escaped, and IAM's tag pattern
-- admits no other character JSON must escape. The store sorts tags by key
-- when it reads them, so the order here only needs to be a good start.

-- +goose Up
ALTER TABLE roles ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';

UPDATE roles SET tags = (
    SELECT '[' || string_agg(
        '{"Key":"' || replace(replace(t.tag_key, '\', '\\'), '"', '\"') ||
        '","Value":"' || replace(replace(t.value, '\', '\\'), '"', '\"') || '"}',
        ',' ORDER BY t.key_lc) || ']'
    FROM role_tags t WHERE t.role_id = roles.id)
WHERE EXISTS (SELECT 1 FROM role_tags t WHERE t.role_id = roles.id);

DROP TABLE role_tags;

-- +goose Down
-- Neither engine's JSON functions are the other's, so going down brings the
-- table back empty: role tags are lost.
CREATE TABLE role_tags (
    role_id TEXT NOT NULL REFERENCES roles (id),
    tag_key TEXT NOT NULL,
    key_lc  TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (role_id, key_lc)
);

ALTER TABLE roles DROP COLUMN tags;
