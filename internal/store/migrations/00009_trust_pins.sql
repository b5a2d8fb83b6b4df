-- Trust policies name users and roles by ARN, but AWS trusts the principal
-- the ARN named when the policy was written: a user deleted and created
-- again under the same name is not trusted again. trust_pins holds, per
-- role, the unique id each user or role ARN of its trust policy had then, as
-- a JSON array [{"ARN":…,"ID":…}]. Roles written before this migration have
-- none and are pinned at their next UpdateAssumeRolePolicy.

-- +goose Up
ALTER TABLE roles ADD COLUMN trust_pins TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE roles DROP COLUMN trust_pins;
