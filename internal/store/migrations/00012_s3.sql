-- S3: buckets, their versions and delete markers, and (PostgreSQL only)
-- object bytes.
--
-- Object keys are kept as BYTEA, not TEXT: S3 lists keys in UTF-8 byte
-- order, and a BYTEA (a blob to SQLite) compares byte by byte on both
-- engines, whatever collation a PostgreSQL database was created with (the
-- default en_US.UTF-8 is not byte order). COLLATE "C" would do on
-- PostgreSQL but SQLite has no collation of that name, and one SQL serves
-- both engines. The store always binds keys as []byte: SQLite orders every
-- TEXT value before every BLOB, so a key bound as a string would compare
-- wrongly.
--
-- s3_buckets.seq is the last version sequence number handed out in the
-- bucket. PutVersion bumps it with an UPDATE … RETURNING, which both
-- assigns a key's next, strictly higher seq and locks the bucket row until
-- the transaction ends (PostgreSQL; SQLite holds the write lock from
-- BEGIN), so the writers of one bucket never interleave. Seqs are never
-- reused, even after the newest version of a key is deleted.
--
-- s3_versions.latest marks each key's version with the highest seq. It is
-- derived from seq and kept by the store under the bucket lock, so that
-- listing the latest versions is one index range scan (the partial index
-- s3_versions_current) instead of a greatest-per-group query over every
-- version.

-- +goose Up
CREATE TABLE s3_buckets (
    name       TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    region     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    versioning TEXT NOT NULL,
    mfa_delete TEXT NOT NULL,
    seq        BIGINT NOT NULL
);
CREATE INDEX s3_buckets_account ON s3_buckets (account_id);

CREATE TABLE s3_versions (
    bucket             TEXT NOT NULL REFERENCES s3_buckets (name),
    object_key         BYTEA NOT NULL,
    version_id         TEXT NOT NULL,
    seq                BIGINT NOT NULL,
    latest             INTEGER NOT NULL,
    delete_marker      INTEGER NOT NULL,
    last_modified      BIGINT NOT NULL,
    size               BIGINT NOT NULL,
    etag               TEXT NOT NULL,
    content_type       TEXT NOT NULL,
    metadata           TEXT NOT NULL,
    checksum_algorithm TEXT NOT NULL,
    checksum           TEXT NOT NULL,
    blob_id            TEXT NOT NULL,
    owner              TEXT NOT NULL,
    PRIMARY KEY (bucket, object_key, version_id)
);
-- Versions in key order, newest first: ListVersions, and a key's latest.
CREATE UNIQUE INDEX s3_versions_order ON s3_versions (bucket, object_key, seq DESC);
-- Each key's latest version unless it is a delete marker: ListLatest.
CREATE INDEX s3_versions_current ON s3_versions (bucket, object_key) WHERE latest = 1 AND delete_marker = 0;

-- Object bytes on PostgreSQL, where every node must reach them (SQLite
-- keeps them in files under the data dir and leaves these tables empty).
-- A blob is its s3_blobs row plus parts 0 … parts-1 of up to 1 MiB each.
CREATE TABLE s3_blobs (
    blob_id    TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    parts      INTEGER NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE s3_blob_parts (
    blob_id TEXT NOT NULL REFERENCES s3_blobs (blob_id) ON DELETE CASCADE,
    part    INTEGER NOT NULL,
    data    BYTEA NOT NULL,
    PRIMARY KEY (blob_id, part)
);

-- +goose Down
DROP TABLE s3_blob_parts;
DROP TABLE s3_blobs;
DROP TABLE s3_versions;
DROP TABLE s3_buckets;
