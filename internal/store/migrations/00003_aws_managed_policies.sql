-- AWS managed policies: account 'aws', path '/', one version each, visible to
-- and attachable by every account, changeable by none. The documents have the
-- effect of AWS's own (iamd serves only IAM and STS).

-- +goose Up
INSERT INTO policies (arn, id, account_id, name, name_key, path, description, default_version, next_version, created_at, updated_at)
VALUES ('arn:aws:iam::aws:policy/AdministratorAccess', 'ANPAIWMBCKSKIEE64ZLYK', 'aws', 'AdministratorAccess', 'administratoraccess', '/', 'Provides full access to AWS services and resources.', 'v1', 2, 1423247986000, 1423247986000);
INSERT INTO policy_versions (policy_arn, version_id, document, created_at)
VALUES ('arn:aws:iam::aws:policy/AdministratorAccess', 'v1', '{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*"
        }
    ]
}', 1423247986000);

INSERT INTO policies (arn, id, account_id, name, name_key, path, description, default_version, next_version, created_at, updated_at)
VALUES ('arn:aws:iam::aws:policy/IAMFullAccess', 'ANPAI7XKCFMBPM3QQRRVQ', 'aws', 'IAMFullAccess', 'iamfullaccess', '/', 'Provides full access to IAM via the AWS Management Console.', 'v1', 2, 1423247986000, 1423247986000);
INSERT INTO policy_versions (policy_arn, version_id, document, created_at)
VALUES ('arn:aws:iam::aws:policy/IAMFullAccess', 'v1', '{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "iam:*",
            "Resource": "*"
        }
    ]
}', 1423247986000);

INSERT INTO policies (arn, id, account_id, name, name_key, path, description, default_version, next_version, created_at, updated_at)
VALUES ('arn:aws:iam::aws:policy/IAMReadOnlyAccess', 'ANPAJKSO7NDY4T57MWDSQ', 'aws', 'IAMReadOnlyAccess', 'iamreadonlyaccess', '/', 'Provides read only access to IAM via the AWS Management Console.', 'v1', 2, 1423247986000, 1423247986000);
INSERT INTO policy_versions (policy_arn, version_id, document, created_at)
VALUES ('arn:aws:iam::aws:policy/IAMReadOnlyAccess', 'v1', '{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "iam:Generate*",
                "iam:Get*",
                "iam:List*",
                "iam:Simulate*"
            ],
            "Resource": "*"
        }
    ]
}', 1423247986000);

INSERT INTO policies (arn, id, account_id, name, name_key, path, description, default_version, next_version, created_at, updated_at)
VALUES ('arn:aws:iam::aws:policy/IAMUserChangePassword', 'ANPAJ4L4MM2A7QIEB56MS', 'aws', 'IAMUserChangePassword', 'iamuserchangepassword', '/', 'Provides the ability for an IAM user to change their own password.', 'v1', 2, 1423247986000, 1423247986000);
INSERT INTO policy_versions (policy_arn, version_id, document, created_at)
VALUES ('arn:aws:iam::aws:policy/IAMUserChangePassword', 'v1', '{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "iam:ChangePassword"
            ],
            "Resource": [
                "arn:aws:iam::*:user/${aws:username}"
            ]
        },
        {
            "Effect": "Allow",
            "Action": [
                "iam:GetAccountPasswordPolicy"
            ],
            "Resource": "*"
        }
    ]
}', 1423247986000);

-- +goose Down
DELETE FROM policy_attachments WHERE policy_arn LIKE 'arn:aws:iam::aws:policy/%';
DELETE FROM policy_versions WHERE policy_arn LIKE 'arn:aws:iam::aws:policy/%';
DELETE FROM policies WHERE account_id = 'aws';
