//! Step kind `iam-role`: the role exists and the lab's policy is attached to it.

use super::{Env, permission_gaps, sh};
use crate::aws::{Aws, AwsError, PolicyText, Role};
use crate::finding::Finding;
use crate::i18n::Text;
use crate::iam::{self, PolicyDocument};
use crate::lesson::Lesson;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub name: String,
    /// The customer managed policy that should be attached.
    pub policy: String,
}

#[derive(Debug)]
pub struct Observed {
    pub role: Option<Role>,
    pub policies: Vec<PolicyText>,
}

pub async fn observe(aws: &Aws, p: &Params, _lesson: &Lesson) -> Result<Observed, AwsError> {
    // Both calls are issued together: a missing role makes the second answer NoSuchEntity,
    // which costs less than waiting a round trip to find out.
    let (role, policies) = tokio::join!(aws.role(&p.name), aws.role_permission_policies(&p.name));
    let role = role?;
    let policies = match (&role, policies) {
        (Some(_), policies) => policies?,
        (None, _) => Vec::new(),
    };
    Ok(Observed { role, policies })
}

pub fn check(o: &Observed, p: &Params, env: &Env) -> Vec<Finding> {
    let Some(role) = &o.role else {
        return vec![
            Finding::fail("exists", Text::new("role.missing").arg("name", &p.name)).fix(
                Text::new("role.fix-create").arg("name", &p.name).arg(
                    "cli",
                    format!(
                        "aws iam create-role --role-name {} --assume-role-policy-document file://trust-policy.json",
                        sh(&p.name)
                    ),
                ),
            ),
        ];
    };
    let mut out =
        vec![Finding::pass("exists", Text::new("role.exists").arg("name", &p.name)).on(&role.arn)];

    let parsed: Vec<(&PolicyText, PolicyDocument)> = o
        .policies
        .iter()
        .filter_map(|t| {
            let doc = iam::parse_document(t.document.as_deref()?).ok()?;
            Some((t, doc))
        })
        .collect();
    let all: Vec<&PolicyDocument> = parsed.iter().map(|(_, d)| d).collect();
    let effective = permission_gaps(&all, env);
    let attached = o
        .policies
        .iter()
        .find(|t| t.source != "inline" && t.name == p.policy);
    let policy_arn = format!("arn:aws:iam::{}:policy/{}", env.account, p.policy);
    let attach_fix = Text::new("role.fix-attach")
        .arg("name", &p.name)
        .arg("policy", &p.policy)
        .arg(
            "cli",
            format!(
                "aws iam attach-role-policy --role-name {} --policy-arn {}",
                sh(&p.name),
                sh(&policy_arn)
            ),
        );

    match attached {
        Some(t) => {
            out.push(
                Finding::pass(
                    "policy-attached",
                    Text::new("role.attached")
                        .arg("name", &p.name)
                        .arg("policy", &p.policy),
                )
                .on(&t.source),
            );
            // The lab's policy may be fine on its own and still be overruled by another one.
            if !effective.denied.is_empty() {
                let deniers: Vec<&str> = parsed
                    .iter()
                    .filter(|(t, d)| {
                        t.name != p.policy && !permission_gaps(&[d], env).denied.is_empty()
                    })
                    .map(|(t, _)| t.name.as_str())
                    .collect();
                out.push(
                    Finding::fail(
                        "effective",
                        Text::new("role.denied-elsewhere")
                            .arg("name", &p.name)
                            .arg("actions", effective.denied.join(", "))
                            .arg("policies", deniers.join(", ")),
                    )
                    .fix(Text::new("role.fix-deny").arg("name", &p.name))
                    .on(&role.arn),
                );
            }
        }
        None if effective.is_complete() && !o.policies.is_empty() => {
            let names: Vec<String> = o
                .policies
                .iter()
                .map(|t| {
                    if t.source == "inline" {
                        format!("{} (inline)", t.name)
                    } else {
                        t.name.clone()
                    }
                })
                .collect();
            out.push(
                Finding::warn(
                    "policy-attached",
                    Text::new("role.permissions-elsewhere")
                        .arg("name", &p.name)
                        .arg("policy", &p.policy)
                        .arg("policies", names.join(", ")),
                )
                .fix(attach_fix)
                .on(&role.arn),
            );
        }
        None => {
            let names: Vec<&str> = o.policies.iter().map(|t| t.name.as_str()).collect();
            let message = if names.is_empty() {
                Text::new("role.nothing-attached")
                    .arg("name", &p.name)
                    .arg("policy", &p.policy)
            } else {
                Text::new("role.not-attached")
                    .arg("name", &p.name)
                    .arg("policy", &p.policy)
                    .arg("policies", names.join(", "))
            };
            out.push(
                Finding::fail("policy-attached", message)
                    .fix(attach_fix)
                    .on(&role.arn),
            );
        }
    }
    out
}
