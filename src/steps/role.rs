//! Step kind `iam-role`: the role exists and the lab's policy is attached to it.

use super::{Change, Env, StepSpec, asset, found, iam_tags_cli, lesson_tag, permission_gaps, sh};
use crate::aws::{Aws, AwsError, PolicyText, Role};
use crate::finding::{Finding, Status};
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
    let mut out = vec![
        Finding::pass("exists", Text::new("role.exists").arg("name", &p.name))
            .on(&role.arn)
            .at(role.created),
    ];

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

/// The service a role is for when the lesson has no trust step naming it: the flow logs
/// service, the one role kind the shipped step kinds serve.
const DEFAULT_SERVICE: &str = "vpc-flow-logs.amazonaws.com";

/// The trust policy a new role starts with: the one the lesson's trust step hands out for this
/// role, so that creating the role also gets the trust step right.
enum Trust<'a> {
    Asset { name: &'a str, text: &'a str },
    Service(String),
}

fn trust_for<'a>(p: &Params, lesson: &'a Lesson) -> Result<Trust<'a>, AwsError> {
    let step = lesson.steps.iter().find_map(|s| match &s.spec {
        StepSpec::Trust(t) if t.role == p.name => Some(t),
        _ => None,
    });
    Ok(match step {
        Some(t) => Trust::Asset {
            name: &t.document,
            text: asset(lesson, &t.document, "iam:CreateRole")?,
        },
        None => Trust::Service(DEFAULT_SERVICE.to_string()),
    })
}

fn service_trust_document(service: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole"
        }]
    })
    .to_string()
}

/// Creates the role when it is missing, with the trust policy of the lesson's trust step for
/// it, and attaches the lab's policy when it is not attached (also when other policies already
/// grant the permissions: the lab asks for this one). A policy that denies elsewhere is the
/// student's to remove; apply does not detach anything.
pub async fn apply(
    aws: &Aws,
    p: &Params,
    lesson: &Lesson,
    _confirm_destructive: bool,
) -> Result<Vec<Change>, AwsError> {
    let aws = aws.fresh();
    let (identity, observed) = tokio::try_join!(aws.identity(), observe(&aws, p, lesson))?;
    let findings = check(&observed, p, &Env::new(lesson, &aws.region, &identity));
    let mut changes = Vec::new();
    let created = observed.role.is_none() && found(&findings, "exists", &[Status::Fail]);
    if created {
        let (document, description, cli_document) = match trust_for(p, lesson)? {
            Trust::Asset { name, text } => (
                text.to_string(),
                Text::new("apply.role-created")
                    .arg("name", &p.name)
                    .arg("document", name),
                format!("file://{}", sh(name)),
            ),
            Trust::Service(service) => {
                let document = service_trust_document(&service);
                let cli = sh(&document);
                (
                    document,
                    Text::new("apply.role-created-for")
                        .arg("name", &p.name)
                        .arg("service", service),
                    cli,
                )
            }
        };
        aws.create_role(&p.name, &document, &[lesson_tag(lesson)])
            .await?;
        changes.push(Change::new(
            description,
            format!(
                "aws iam create-role --role-name {} --assume-role-policy-document {cli_document} --tags {}",
                sh(&p.name),
                iam_tags_cli(lesson)
            ),
        ));
    }
    // A role just created has nothing attached; the check saw it missing, not unattached.
    if created || found(&findings, "policy-attached", &[Status::Fail, Status::Warn]) {
        let policy_arn = format!("arn:aws:iam::{}:policy/{}", identity.account, p.policy);
        aws.attach_role_policy(&p.name, &policy_arn).await?;
        changes.push(Change::new(
            Text::new("apply.policy-attached")
                .arg("role", &p.name)
                .arg("policy", &p.policy),
            format!(
                "aws iam attach-role-policy --role-name {} --policy-arn {}",
                sh(&p.name),
                sh(&policy_arn)
            ),
        ));
    }
    Ok(changes)
}

// ---------------------------------------------------------------------------------------------
// cleanup

/// The role of that name, with the lab's policy to detach and its inline policies to delete
/// first (IAM refuses to delete a role that still has them). A role something else relies on
/// (another managed policy attached, or an instance profile holding it) is left alone with a
/// note: deleting it could break what it serves.
pub async fn plan_removal(
    aws: &Aws,
    p: &Params,
    lesson: &Lesson,
    step: &str,
) -> Result<Vec<super::removal::Removal>, AwsError> {
    use super::removal::{Removal, Target, has_lesson_tag, tag_text};
    let Some(role) = aws.role(&p.name).await? else {
        return Ok(Vec::new());
    };
    let (tags, attached, inline, profiles) = tokio::try_join!(
        aws.role_tags(&p.name),
        aws.attached_role_policies(&p.name),
        aws.role_inline_policy_names(&p.name),
        aws.instance_profiles_for_role(&p.name),
    )?;
    let tagged = has_lesson_tag(&tags.unwrap_or_default(), lesson);
    let (lab, others): (Vec<_>, Vec<_>) = attached.into_iter().partition(|(n, _)| *n == p.policy);
    let keep = if !others.is_empty() {
        let names: Vec<&str> = others.iter().map(|(n, _)| n.as_str()).collect();
        Some(
            Text::new("cleanup.keep-role-policies")
                .arg("role", &p.name)
                .arg("policies", names.join(", ")),
        )
    } else if !profiles.is_empty() {
        Some(
            Text::new("cleanup.keep-role-profiles")
                .arg("role", &p.name)
                .arg("profiles", profiles.join(", ")),
        )
    } else {
        None
    };
    let reason = if tagged {
        Text::new("cleanup.reason-role-tagged").arg("tag", tag_text(lesson))
    } else {
        Text::new("cleanup.reason-role-named")
    }
    .arg("name", &p.name)
    .arg("policy", &p.policy);
    let detach: Vec<String> = lab.into_iter().map(|(_, arn)| arn).collect();
    let mut cli: Vec<String> = detach
        .iter()
        .map(|arn| {
            format!(
                "aws iam detach-role-policy --role-name {} --policy-arn {}",
                sh(&p.name),
                sh(arn)
            )
        })
        .collect();
    cli.extend(inline.iter().map(|name| {
        format!(
            "aws iam delete-role-policy --role-name {} --policy-name {}",
            sh(&p.name),
            sh(name)
        )
    }));
    cli.push(format!("aws iam delete-role --role-name {}", sh(&p.name)));
    Ok(vec![Removal {
        step: step.to_string(),
        target: Target::Role {
            name: p.name.clone(),
            detach,
            inline,
        },
        resource: role.name,
        tagged,
        reason,
        keep,
        cli,
        after: Vec::new(),
    }])
}

pub async fn remove(
    aws: &Aws,
    name: &str,
    detach: &[String],
    inline: &[String],
) -> Result<(), AwsError> {
    for arn in detach {
        aws.detach_role_policy(name, arn).await?;
    }
    for policy in inline {
        aws.delete_role_policy(name, policy).await?;
    }
    aws.delete_role(name).await
}
