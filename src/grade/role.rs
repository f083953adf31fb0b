//! The grading role as an instructor sets it up: its permissions (`grade --print-policy`), the
//! instructor's own permission to assume it (`--print-policy instructor`), its trust, and the
//! whole role as a CloudFormation template (`--print-role-template`, in `role/`) to deploy to
//! one account or, as a StackSet, to every account of some OUs.

use crate::aws::record::{VERIFY_ACTIONS, grading_policy, organization_statement};
use serde_json::{Value, json};

/// AWS Organizations' own role in the accounts it creates: an administrator role, and absent
/// from accounts that were invited. The template suggests a read-only role of its own instead.
pub const ORGANIZATIONS_ROLE: &str = "OrganizationAccountAccessRole";
pub const SUGGESTED_ROLE: &str = "AwslabGrader";

/// The tag on the grading role `awslab share` makes: what `share --revoke` requires before
/// deleting it, and what `cleanup` recognises it by.
pub const GRADING_TAG: (&str, &str) = ("awslab:purpose", "grading");

/// Whether a role with these tags is the grading role `awslab share` made.
pub fn is_grading_role(tags: &[(String, String)]) -> bool {
    tags.iter()
        .any(|(k, v)| k == GRADING_TAG.0 && v == GRADING_TAG.1)
}

/// The role name a template or `share` makes: `--role-name`, unless that is still the
/// Organizations default.
pub fn role_to_make(role_name: &str) -> &str {
    if role_name == ORGANIZATIONS_ROLE {
        SUGGESTED_ROLE
    } else {
        role_name
    }
}

/// The grading role's permissions policy, for each student account.
pub fn permissions() -> Value {
    grading_policy()
}

/// What the instructor's own credentials need: to assume the grading role in any account, and
/// with `organization` (the Organizations calls the class options send), to list the class.
pub fn instructor(role_name: &str, organization: &[&str]) -> Value {
    let mut statements = vec![json!({
        "Sid": "AwslabGradeAssumeRole",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": format!("arn:aws:iam::*:role/{role_name}")
    })];
    if !organization.is_empty() {
        statements.push(organization_statement(organization));
    }
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// The grading role's trust policy: `principal` (an account id or a role or user ARN) may
/// assume it, with `external_id` when one is given.
pub fn trust(principal: &str, external_id: Option<&str>) -> Value {
    let mut statement = json!({
        "Effect": "Allow",
        "Principal": { "AWS": principal },
        "Action": "sts:AssumeRole"
    });
    if let Some(id) = external_id {
        statement["Condition"] = json!({ "StringEquals": { "sts:ExternalId": id } });
    }
    json!({ "Version": "2012-10-17", "Statement": [statement] })
}

/// The CloudFormation template of the grading role, named `role_name` unless the stack says
/// otherwise.
pub fn template(role_name: &str) -> String {
    let actions: String = VERIFY_ACTIONS
        .iter()
        .map(|a| format!("                  - {a}\n"))
        .collect();
    include_str!("role/grading-role.yaml")
        .replace("{{role_name}}", role_name)
        .replace("{{actions}}\n", &actions)
}

/// Whether `principal` is what the trust policy can name: an account id or an IAM role or user
/// ARN (the template's AllowedPattern).
pub fn valid_principal(principal: &str) -> bool {
    let account = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    if account(principal) {
        return true;
    }
    let parts: Vec<&str> = principal.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam", "", id, resource]
        if partition.starts_with("aws") && account(id)
            && (resource.strip_prefix("role/").or(resource.strip_prefix("user/")))
                .is_some_and(|n| !n.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_grants_exactly_what_grade_reads_and_names_the_role() {
        let t = template("AwslabGrader");
        assert!(t.contains("Default: \"AwslabGrader\""), "{t}");
        assert!(!t.contains("{{"), "{t}");
        let listed: Vec<&str> = t
            .lines()
            .filter_map(|l| l.trim().strip_prefix("- "))
            .filter(|a| a.contains(':') && !a.ends_with(':') && !a.contains(' '))
            .collect();
        assert_eq!(listed, VERIFY_ACTIONS);
        assert!(t.contains("sts:ExternalId: !Ref ExternalId"));
    }

    #[test]
    fn the_instructor_policy_assumes_the_role_and_lists_the_class_only_when_asked() {
        let alone = instructor("AwslabGrader", &[]);
        assert_eq!(alone["Statement"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            alone["Statement"][0]["Resource"],
            "arn:aws:iam::*:role/AwslabGrader"
        );
        let org = instructor("R", &["organizations:ListAccounts"]);
        assert_eq!(
            org["Statement"][1]["Action"][0],
            "organizations:ListAccounts"
        );
    }

    #[test]
    fn a_trust_asks_for_the_external_id_only_when_given() {
        assert!(trust("111122223333", None)["Statement"][0]["Condition"].is_null());
        assert_eq!(
            trust("111122223333", Some("s3cret"))["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
            "s3cret"
        );
        assert_eq!(role_to_make(ORGANIZATIONS_ROLE), SUGGESTED_ROLE);
        assert_eq!(role_to_make("Mine"), "Mine");
    }

    #[test]
    fn principals_are_accounts_or_role_and_user_arns() {
        for good in [
            "111122223333",
            "arn:aws:iam::111122223333:role/Teacher",
            "arn:aws:iam::111122223333:user/kim",
        ] {
            assert!(valid_principal(good), "{good}");
        }
        for bad in ["1111", "arn:aws:iam::1:role/x", "arn:aws:s3:::b", "*", ""] {
            assert!(!valid_principal(bad), "{bad}");
        }
    }
}
