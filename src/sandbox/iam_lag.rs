//! IAM's eventual consistency, played in front of the emulator. moto applies an IAM change the
//! instant it is made; AWS does not. With `--iam-delay SECONDS` the sandbox's front door
//! (`front`) plays AWS. For that long after a role changes (created, trust updated,
//! a policy attached), `CreateFlowLogs` naming the role is refused with AWS's own answer,
//! `InvalidParameter: Unable to assume given IAM role`. For that long after a policy is
//! created, attaching it answers `NoSuchEntity`. Everything else is forwarded as it is.
//!
//! The sandbox's front door (`front`) asks here before it relays a request, and tells here what
//! the emulator accepted.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Default)]
pub(super) struct Changes {
    /// Role name → when it last changed.
    roles: HashMap<String, Instant>,
    /// Policy name → when it was created (or got a new version).
    policies: HashMap<String, Instant>,
}

/// AWS's answer while the change a request depends on has not propagated, if it has not.
pub(super) fn refusal(
    action: &str,
    form: &str,
    delay: Duration,
    changes: &Mutex<Changes>,
) -> Option<Vec<u8>> {
    let changes = changes.lock().unwrap_or_else(|p| p.into_inner());
    let recent = |at: Option<&Instant>| at.is_some_and(|t| t.elapsed() < delay);
    match action {
        "CreateFlowLogs" => {
            let role = form_value(form, "DeliverLogsPermissionArn")?;
            recent(changes.roles.get(last_segment(&role))).then(|| {
                answer(
                    400,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InvalidParameter</Code><Message>Unable to assume given IAM role.</Message></Error></Errors><RequestID>5d1d8a2b-0000-4000-8000-000000000000</RequestID></Response>",
                )
            })
        }
        "AttachRolePolicy" => {
            let policy = form_value(form, "PolicyArn")?;
            recent(changes.policies.get(last_segment(&policy))).then(|| {
                answer(
                    404,
                    &format!(
                        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>Policy {policy} does not exist or is not attachable.</Message></Error><RequestId>5d1d8a2b-0000-4000-8000-000000000001</RequestId></ErrorResponse>"
                    ),
                )
            })
        }
        _ => None,
    }
}

/// Notes an IAM change the emulator accepted.
pub(super) fn remember(action: &str, form: &str, changes: &Mutex<Changes>) {
    let mut changes = changes.lock().unwrap_or_else(|p| p.into_inner());
    let now = Instant::now();
    match action {
        "CreateRole" | "UpdateAssumeRolePolicy" | "AttachRolePolicy" | "PutRolePolicy" => {
            if let Some(role) = form_value(form, "RoleName") {
                changes.roles.insert(role, now);
            }
        }
        "CreatePolicy" => {
            if let Some(policy) = form_value(form, "PolicyName") {
                changes.policies.insert(policy, now);
            }
        }
        "CreatePolicyVersion" => {
            if let Some(arn) = form_value(form, "PolicyArn") {
                changes.policies.insert(last_segment(&arn).to_string(), now);
            }
        }
        _ => {}
    }
}

fn last_segment(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn answer(status: u16, body: &str) -> Vec<u8> {
    let reason = if status == 404 {
        "Not Found"
    } else {
        "Bad Request"
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The query protocol's form value of `key`, decoded.
pub(super) fn form_value(form: &str, key: &str) -> Option<String> {
    form.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_log_naming_a_role_changed_moments_ago_is_refused_as_aws_does() {
        let changes = Mutex::new(Changes::default());
        remember(
            "UpdateAssumeRolePolicy",
            "Action=UpdateAssumeRolePolicy&RoleName=my-flowlog-role&PolicyDocument=%7B%7D",
            &changes,
        );
        let create = "Action=CreateFlowLogs&DeliverLogsPermissionArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fmy-flowlog-role";
        let refused = refusal("CreateFlowLogs", create, Duration::from_secs(20), &changes);
        let text = String::from_utf8(refused.unwrap_or_default()).unwrap_or_default();
        assert!(
            text.contains("InvalidParameter") && text.contains("Unable to assume"),
            "{text}"
        );
        // Once the delay has passed, or for another role, it goes through.
        assert!(refusal("CreateFlowLogs", create, Duration::ZERO, &changes).is_none());
        let other = create.replace("my-flowlog-role", "other-role");
        assert!(refusal("CreateFlowLogs", &other, Duration::from_secs(20), &changes).is_none());
    }

    #[test]
    fn attaching_a_policy_created_moments_ago_answers_no_such_entity() {
        let changes = Mutex::new(Changes::default());
        remember(
            "CreatePolicy",
            "Action=CreatePolicy&PolicyName=my-flowpolicy",
            &changes,
        );
        let attach = "Action=AttachRolePolicy&RoleName=r&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fmy-flowpolicy";
        let refused = refusal(
            "AttachRolePolicy",
            attach,
            Duration::from_secs(20),
            &changes,
        );
        let text = String::from_utf8(refused.unwrap_or_default()).unwrap_or_default();
        assert!(
            text.starts_with("HTTP/1.1 404") && text.contains("NoSuchEntity"),
            "{text}"
        );
        assert!(
            refusal(
                "GetRole",
                "Action=GetRole&RoleName=r",
                Duration::from_secs(20),
                &changes
            )
            .is_none()
        );
    }
}
