//! Every AWS operation awslab sends, recorded by an SDK interceptor (once per operation, before
//! serialization: the operation's metadata is not in the config bag earlier), as `service:Operation`
//! (IAM action spelling). It backs the read-only guarantees: tests assert on it, `grade
//! --print-policy` is checked against it, and AWSLAB_RECORD_CALLS=FILE writes it at exit.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::sync::{Arc, Mutex};

pub type CallLog = Arc<Mutex<Vec<String>>>;

/// All calls of this process, for AWSLAB_RECORD_CALLS; kept only when it is set, so that a
/// long `grade --watch` does not grow by every call of every round.
static PROCESS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn recording() -> bool {
    static ASKED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ASKED.get_or_init(|| std::env::var_os("AWSLAB_RECORD_CALLS").is_some_and(|p| !p.is_empty()))
}

fn keep(call: String) {
    if recording() {
        PROCESS.lock().unwrap_or_else(|p| p.into_inner()).push(call);
    }
}

#[derive(Debug, Clone)]
pub struct Recorder {
    pub log: CallLog,
}

/// The IAM action prefix of an SDK service name.
fn prefix(service: &str) -> &str {
    match service.to_ascii_lowercase().as_str() {
        "cloudwatchlogs" | "cloudwatch logs" | "logs" => "logs",
        "ec2" => "ec2",
        "iam" => "iam",
        "organizations" => "organizations",
        "sts" => "sts",
        _ => service,
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "awslab-call-recorder"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(m) = cfg.load::<Metadata>() {
            let call = format!("{}:{}", prefix(m.service()), m.name());
            self.log
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(call.clone());
            keep(call);
        }
        Ok(())
    }
}

/// Records `call` as sent, for a call made by a client awslab does not build and so cannot
/// intercept (the SDK's assume-role credentials provider has its own STS client).
pub fn note(log: &CallLog, call: &str) {
    log.lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(call.to_string());
    keep(call.to_string());
}

pub fn process_calls() -> Vec<String> {
    PROCESS.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// Writes the process's calls, one per line, where AWSLAB_RECORD_CALLS says (for tests and
/// audits of the real binary).
pub fn write_if_asked() {
    if let Some(path) = std::env::var_os("AWSLAB_RECORD_CALLS").filter(|p| !p.is_empty()) {
        let mut text = process_calls().join("\n");
        text.push('\n');
        let _ = std::fs::write(path, text);
    }
}

/// Whether an operation only reads.
pub fn is_read(call: &str) -> bool {
    let op = call.split(':').nth(1).unwrap_or(call);
    ["Get", "List", "Describe", "Filter"]
        .iter()
        .any(|p| op.starts_with(p))
        || op == "AssumeRole"
}

/// Every operation `verify` (and so `grade`) may send to a student's account. It is the one
/// list behind `grade --print-policy`, and tests check that verify never calls outside it.
pub const VERIFY_ACTIONS: &[&str] = &[
    "ec2:DescribeFlowLogs",
    "ec2:DescribeInstances",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeRegions",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeVpcs",
    "ec2:GetManagedPrefixListEntries",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListPolicies",
    "iam:ListPolicyVersions",
    "iam:ListRolePolicies",
    "iam:ListRoles",
    "logs:DescribeLogGroups",
    "logs:DescribeLogStreams",
    "logs:GetLogEvents",
    "sts:GetCallerIdentity",
];

/// How `grade` finds the class in AWS Organizations, which decides what it reads there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationRoster {
    /// Every member account (`--organization`).
    Whole,
    /// The accounts under some organizational units (`--ou`), with `recursive` their nested ones;
    /// `by_name` when an OU is given by its name, found by walking down from the root.
    Units { recursive: bool, by_name: bool },
}

/// Every Organizations operation `grade` may send for `roster` (`name_tag`: names from a tag),
/// with the instructor's own credentials.
pub fn organization_actions(roster: OrganizationRoster, name_tag: bool) -> Vec<&'static str> {
    let mut actions = vec!["organizations:DescribeOrganization"];
    match roster {
        OrganizationRoster::Whole => actions.push("organizations:ListAccounts"),
        OrganizationRoster::Units { recursive, by_name } => {
            if by_name {
                actions.push("organizations:ListRoots");
            }
            actions.push("organizations:ListAccountsForParent");
            if recursive || by_name {
                actions.push("organizations:ListOrganizationalUnitsForParent");
            }
        }
    }
    if name_tag {
        actions.push("organizations:ListTagsForResource");
    }
    actions
}

/// The least IAM policy the grading role needs in each student account: `grade --print-policy`,
/// and the session policy of every grading session.
pub fn grading_policy() -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AwslabGradeReadOnly",
            "Effect": "Allow",
            "Action": VERIFY_ACTIONS,
            "Resource": "*"
        }]
    })
}

/// The statement the instructor's own credentials need to list the class in AWS Organizations
/// (`organization_actions`).
pub fn organization_statement(actions: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "Sid": "AwslabGradeListOrganization",
        "Effect": "Allow",
        "Action": actions,
        "Resource": "*"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_are_told_apart() {
        for read in [
            "iam:GetRole",
            "logs:FilterLogEvents",
            "ec2:DescribeVpcs",
            "sts:GetCallerIdentity",
        ] {
            assert!(is_read(read), "{read}");
        }
        for write in [
            "iam:CreatePolicy",
            "ec2:DeleteFlowLogs",
            "logs:PutLogEvents",
            "iam:AttachRolePolicy",
        ] {
            assert!(!is_read(write), "{write}");
        }
        assert_eq!(prefix("CloudWatchLogs"), "logs");
    }

    #[test]
    fn the_organization_statement_lists_only_what_the_options_read() {
        assert_eq!(
            grading_policy()["Statement"].as_array().map(Vec::len),
            Some(1)
        );
        let units = organization_actions(
            OrganizationRoster::Units {
                recursive: false,
                by_name: false,
            },
            false,
        );
        assert_eq!(
            units,
            [
                "organizations:DescribeOrganization",
                "organizations:ListAccountsForParent"
            ]
        );
        let nested = organization_actions(
            OrganizationRoster::Units {
                recursive: true,
                by_name: false,
            },
            true,
        );
        let named = organization_actions(
            OrganizationRoster::Units {
                recursive: false,
                by_name: true,
            },
            false,
        );
        assert!(named.contains(&"organizations:ListRoots"));
        assert!(named.contains(&"organizations:ListOrganizationalUnitsForParent"));
        assert!(nested.contains(&"organizations:ListOrganizationalUnitsForParent"));
        assert!(nested.contains(&"organizations:ListTagsForResource"));
        let whole = organization_actions(OrganizationRoster::Whole, false);
        assert!(whole.contains(&"organizations:ListAccounts"));
        assert!(whole.iter().all(|a| is_read(a)), "{whole:?}");
        assert_eq!(
            organization_statement(&whole)["Action"][1],
            "organizations:ListAccounts"
        );
    }
}
