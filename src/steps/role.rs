//! Step kind `iam-role`: the role exists and the lab's policy is attached to it.

use super::Lab;
use super::{
    Change, Consent, DeniedBy, Env, Permissions, Seen, StepSpec, asset, found, iam_tags_cli,
    lesson_tag, lesson_tag_text, permission_gaps, provably_lab, sh, similar_names,
};
use crate::aws::{Aws, AwsError, ErrorKind, FlowLog, PolicyText, Role};
use crate::finding::{Finding, Status};
use crate::i18n::Text;
use crate::iam::{self, PolicyDocument};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub name: String,
    /// The customer managed policy that should be attached.
    pub policy: String,
}

/// The step's parameters from its `with` table.
pub fn params(with: toml::Table) -> Result<Params, String> {
    super::params(with)
}

#[derive(Debug)]
pub struct Observed {
    pub role: Option<Role>,
    pub policies: Vec<PolicyText>,
    /// The permissions boundary's document in force, when the role has one.
    pub boundary: Option<PolicyText>,
    /// The ARN of the lab's policy, path included, when it exists.
    pub policy_arn: Option<String>,
    /// The lab's policy's unique id, when it exists.
    pub policy_id: Option<String>,
    /// Roles with a name close to the lab's, when it has none of that name.
    pub similar: Vec<String>,
}

pub async fn observe(aws: &Aws, p: &Params, _lesson: &Lab) -> Result<Observed, AwsError> {
    // Both calls are issued together: a missing role makes the second answer NoSuchEntity,
    // which costs less than waiting a round trip to find out.
    let (role, policies, local) = tokio::join!(
        aws.role(&p.name),
        aws.role_permission_policies(&p.name),
        aws.local_policies()
    );
    let role = role?;
    let (policy_arn, policy_id) = local?
        .into_iter()
        .find(|x| x.name == p.policy)
        .map(|x| (x.arn, x.id))
        .unzip();
    let policies = match (&role, policies) {
        (Some(_), policies) => policies?,
        (None, _) => Vec::new(),
    };
    // Only a hint: a role list that cannot be read leaves it out rather than the verdict.
    let similar = match &role {
        None => aws
            .role_names()
            .await
            .map(|names| similar_names(&p.name, names.iter().map(String::as_str)))
            .unwrap_or_default(),
        Some(_) => Vec::new(),
    };
    let boundary = match role.as_ref().and_then(|r| r.boundary.as_deref()) {
        Some(arn) => Some(PolicyText {
            name: arn.rsplit('/').next().unwrap_or(arn).to_string(),
            source: arn.to_string(),
            document: aws.policy_default_document(arn).await?,
        }),
        None => None,
    };
    Ok(Observed {
        role,
        policies,
        boundary,
        policy_arn,
        policy_id,
        similar,
    })
}

/// A policy of the role whose document could not be read or parsed: never silently dropped,
/// since what it says (a Deny, say) may be what decides.
fn unreadable(t: &PolicyText) -> Option<String> {
    match t.document.as_deref().map(iam::parse_document) {
        None => Some("no document".to_string()),
        Some(Err(e)) => Some(e.to_string()),
        Some(Ok(_)) => None,
    }
}

pub fn check(o: &Observed, p: &Params, env: &Env) -> Vec<Finding> {
    let Some(role) = &o.role else {
        return vec![
            Finding::fail(
                "exists",
                if o.similar.is_empty() {
                    Text::new("role.missing").arg("name", &p.name)
                } else {
                    Text::new("role.missing-similar")
                        .arg("name", &p.name)
                        .arg("similar", o.similar.join(", "))
                },
            )
            .fix({
                // The whole step: the role with its trust policy, then the lab's policy on it.
                let document = trust_document_name(p, env.lesson).unwrap_or("trust-policy.json");
                let policy_arn = o
                    .policy_arn
                    .clone()
                    .unwrap_or_else(|| format!("arn:aws:iam::{}:policy/{}", env.account, p.policy));
                Text::new("role.fix-create")
                    .arg("name", &p.name)
                    .arg("policy", &p.policy)
                    .arg("document", document)
                    .arg(
                        "cli",
                        format!(
                            "aws iam create-role --role-name {name} --assume-role-policy-document {doc} --tags {tags} && aws iam attach-role-policy --role-name {name} --policy-arn {arn}",
                            name = sh(&p.name),
                            doc = env.lesson.file_arg(document),
                            tags = iam_tags_cli(env.lesson),
                            arn = sh(&policy_arn),
                        ),
                    )
            }),
        ];
    };
    let mut out = vec![
        Finding::pass("exists", Text::new("role.exists").arg("name", &p.name))
            .on(&role.arn)
            .at(role.created),
    ];

    for t in o.policies.iter().chain(&o.boundary) {
        if let Some(error) = unreadable(t) {
            out.push(
                Finding::fail(
                    "policies-readable",
                    Text::new("role.unreadable-policy")
                        .arg("name", &p.name)
                        .arg("policy", &t.name)
                        .arg("error", error),
                )
                .on(&t.source),
            );
        }
    }
    let parsed: Vec<(&PolicyText, PolicyDocument)> = o
        .policies
        .iter()
        .filter_map(|t| {
            let doc = iam::parse_document(t.document.as_deref()?).ok()?;
            Some((t, doc))
        })
        .collect();
    let boundary: Option<(&str, PolicyDocument)> = o.boundary.as_ref().and_then(|t| {
        let doc = iam::parse_document(t.document.as_deref()?).ok()?;
        Some((t.name.as_str(), doc))
    });
    let permissions = Permissions {
        identity: parsed.iter().map(|(t, d)| (t.name.as_str(), d)).collect(),
        boundary: boundary.as_ref().map(|(n, d)| (*n, d)),
        role_created: role.created,
        role_tags: Some(&role.tags),
    };
    let effective = permission_gaps(&permissions, env, &role.arn);
    let attached = o
        .policies
        .iter()
        .find(|t| t.source != "inline" && t.name == p.policy);
    let policy_arn = o
        .policy_arn
        .clone()
        .unwrap_or_else(|| format!("arn:aws:iam::{}:policy/{}", env.account, p.policy));
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
            // The lab's policy may be fine on its own and still be overruled by another one,
            // held back by the boundary, or hang on a condition that cannot be decided.
            if !effective.denied.is_empty() {
                let denies_alone = |d: &PolicyDocument| {
                    let alone = Permissions {
                        identity: vec![("", d)],
                        boundary: None,
                        role_created: role.created,
                        role_tags: Some(&role.tags),
                    };
                    !permission_gaps(&alone, env, &role.arn).denied.is_empty()
                };
                let deniers: Vec<&str> = parsed
                    .iter()
                    .filter(|(t, d)| t.name != p.policy && denies_alone(d))
                    .map(|(t, _)| t.name.as_str())
                    .chain(
                        boundary
                            .iter()
                            .filter(|(_, d)| denies_alone(d))
                            .map(|(n, _)| *n),
                    )
                    .collect();
                out.push(
                    Finding::fail(
                        "effective",
                        DeniedBy::args(
                            effective.denied_by.as_ref(),
                            Text::new("role.denied-elsewhere")
                                .arg("name", &p.name)
                                .arg("actions", effective.denied.join(", "))
                                .arg("policies", deniers.join(", ")),
                        ),
                    )
                    .fix(Text::new("role.fix-deny").arg("name", &p.name))
                    .on(&role.arn),
                );
            } else if !effective.outside_boundary.is_empty() {
                out.push(
                    Finding::fail(
                        "effective",
                        Text::new("role.outside-boundary")
                            .arg("name", &p.name)
                            .arg(
                                "boundary",
                                boundary.as_ref().map(|(n, _)| *n).unwrap_or("?"),
                            )
                            .arg("actions", effective.outside_boundary.join(", ")),
                    )
                    .fix(Text::new("role.fix-boundary").arg("name", &p.name).arg(
                        "cli",
                        format!(
                            "aws iam delete-role-permissions-boundary --role-name {}",
                            sh(&p.name)
                        ),
                    ))
                    .on(&role.arn),
                );
            } else if let Some(why) = effective.why_undecided.clone() {
                out.push(Finding::fail("effective", why).on(&role.arn));
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

/// The asset of the lesson's trust step for this role, if it has one.
pub fn trust_document_name<'a>(p: &Params, lesson: &'a Lab) -> Option<&'a str> {
    trust_step(p, lesson).map(|t| t.document.as_str())
}

/// The lesson's trust step for this role, if it has one.
fn trust_step<'a>(p: &Params, lesson: &'a Lab) -> Option<&'a super::trust::Params> {
    lesson.steps.iter().find_map(|s| match &s.spec {
        StepSpec::Trust(t) if t.role == p.name => Some(t),
        _ => None,
    })
}

fn trust_for<'a>(p: &Params, lesson: &'a Lab) -> Result<Trust<'a>, AwsError> {
    Ok(match trust_step(p, lesson) {
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
///
/// Attaching changes the role (it gains what the policy grants) and the policy (it reaches one
/// more role): unless both are provably the lab's (the lesson tag, or the role made just now),
/// either may be someone else's, and the attachment is destructive, made only when `consent`
/// names that pair (by their unique ids). Without that, the answer holds the attachment still
/// to be agreed to, after anything not destructive (a new role) has been done.
pub async fn apply(
    seen: Seen<Observed>,
    p: &Params,
    lesson: &Lab,
    consent: &Consent,
) -> Result<Vec<Change>, AwsError> {
    let Seen {
        aws,
        identity,
        observed,
        findings,
    } = seen;
    let needs_attaching = found(&findings, "exists", &[Status::Fail])
        || found(&findings, "policy-attached", &[Status::Fail, Status::Warn]);
    if needs_attaching && observed.policy_arn.is_none() {
        // Nothing to attach yet: no half-made role, and no wait for a policy that is not
        // coming (IAM answers NoSuchEntity both for "not yet propagated" and "not there").
        return Err(AwsError {
            kind: ErrorKind::Service,
            operation: "iam:AttachRolePolicy",
            code: Some("NoSuchEntity".to_string()),
            request_id: None,
            detail: format!(
                "the policy {} does not exist yet: do its step first",
                p.policy
            ),
        });
    }
    let mut changes = Vec::new();
    let created = observed.role.is_none() && found(&findings, "exists", &[Status::Fail]);
    let mut role_id = observed.role.as_ref().map(|r| r.id.clone());
    if created {
        let (document, description, cli_document) = match trust_for(p, lesson)? {
            Trust::Asset { name, text } => (
                text.to_string(),
                Text::new("apply.role-created")
                    .arg("name", &p.name)
                    .arg("document", name),
                lesson.file_arg(name),
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
        role_id = Some(
            aws.create_role(&p.name, &document, &[lesson_tag(lesson)])
                .await?,
        );
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
        // The policy's own ARN: a policy made with a path (/course/) has it in its ARN.
        let policy_arn = observed
            .policy_arn
            .clone()
            .unwrap_or_else(|| format!("arn:aws:iam::{}:policy/{}", identity.account, p.policy));
        let (role_tags, policy_tags) = tokio::try_join!(
            async {
                match created {
                    true => Ok(None),
                    false => aws.role_tags(&p.name).await,
                }
            },
            aws.policy_tags(&policy_arn),
        )?;
        let role_ours = created || provably_lab(role_tags.as_deref(), lesson);
        let both_ours = role_ours && provably_lab(policy_tags.as_deref(), lesson);
        let resource = format!(
            "{}+{}",
            role_id.unwrap_or_default(),
            observed.policy_id.clone().unwrap_or_default()
        );
        let cli = format!(
            "aws iam attach-role-policy --role-name {} --policy-arn {}",
            sh(&p.name),
            sh(&policy_arn)
        );
        if !both_ours && !consent.covers(&resource) {
            let policy_ours = provably_lab(policy_tags.as_deref(), lesson);
            let key = match (role_ours, policy_ours) {
                (false, false) => "apply.attach-ask-both",
                (false, true) => "apply.attach-ask-role",
                _ => "apply.attach-ask-policy",
            };
            changes.push(
                Change::destructive(
                    Text::new(key)
                        .arg("role", &p.name)
                        .arg("policy", &p.policy)
                        .arg("tag", lesson_tag_text(lesson)),
                    cli,
                    &resource,
                )
                .asking(Text::new("apply.not-lab-confirm")),
            );
            return Ok(changes);
        }
        aws.attach_role_policy(&p.name, &policy_arn).await?;
        let description = Text::new("apply.policy-attached")
            .arg("role", &p.name)
            .arg("policy", &p.policy);
        changes.push(if both_ours {
            Change::new(description, cli)
        } else {
            Change::destructive(description, cli, &resource)
        });
    }
    Ok(changes)
}

// ---------------------------------------------------------------------------------------------
// cleanup

/// The role of that name, with the lab's policy to detach first (IAM refuses to delete a role
/// that still has policies). A role something else relies on is left alone with a note, since
/// deleting it could break what it serves: another managed policy attached, an inline policy
/// (the lab has none), an instance profile holding it, a trust policy that lets in more than
/// the lab's service, or a flow log that is not the lab's delivering through it. The lab's own
/// flow logs that use it must go first.
pub async fn plan_removal(
    aws: &Aws,
    p: &Params,
    lesson: &Lab,
    step: &str,
) -> Result<Vec<super::removal::Removal>, AwsError> {
    use super::flow_log::flow_logs_split;
    use super::removal::{Removal, Target, has_lesson_tag, key, tag_text};
    let Some(role) = aws.role(&p.name).await? else {
        return Ok(Vec::new());
    };
    let (tags, attached, inline, profiles, (lab_flow_logs, other_flow_logs)) = tokio::try_join!(
        aws.role_tags(&p.name),
        aws.attached_role_policies(&p.name),
        aws.role_inline_policy_names(&p.name),
        aws.instance_profiles_for_role(&p.name),
        flow_logs_split(aws, lesson),
    )?;
    let tagged = has_lesson_tag(&tags.unwrap_or_default(), lesson);
    let (lab, others): (Vec<_>, Vec<_>) = attached.into_iter().partition(|(n, _)| *n == p.policy);
    let through_role = |f: &&FlowLog| f.role_arn.as_deref() == Some(role.arn.as_str());
    let users: Vec<&str> = other_flow_logs
        .iter()
        .filter(through_role)
        .map(|f| f.id.as_str())
        .collect();
    let strangers = foreign_principals(&role, p, lesson);
    let keep = if !others.is_empty() {
        let names: Vec<&str> = others.iter().map(|(n, _)| n.as_str()).collect();
        Some(
            Text::new("cleanup.keep-role-policies")
                .arg("role", &p.name)
                .arg("policies", names.join(", ")),
        )
    } else if !inline.is_empty() {
        Some(
            Text::new("cleanup.keep-role-inline")
                .arg("role", &p.name)
                .arg("policies", inline.join(", ")),
        )
    } else if !profiles.is_empty() {
        Some(
            Text::new("cleanup.keep-role-profiles")
                .arg("role", &p.name)
                .arg("profiles", profiles.join(", ")),
        )
    } else if !users.is_empty() {
        Some(
            Text::new("cleanup.keep-role-flow-logs")
                .arg("role", &p.name)
                .arg("flow_logs", users.join(", ")),
        )
    } else if !strangers.is_empty() {
        Some(
            Text::new("cleanup.keep-role-trust")
                .arg("role", &p.name)
                .arg("principals", strangers.join(", ")),
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
    cli.push(format!("aws iam delete-role --role-name {}", sh(&p.name)));
    Ok(vec![Removal {
        step: step.to_string(),
        target: Target::Role {
            name: p.name.clone(),
            detach,
        },
        resource: role.name,
        tagged,
        named: true,
        reason,
        keep,
        cli,
        after: lab_flow_logs
            .iter()
            .filter(through_role)
            .map(|f| key("flow-log", &f.id))
            .collect(),
    }])
}

/// Who the role's trust policy lets in besides the service the lesson's trust step names for
/// it (or, without one, the flow logs service).
fn foreign_principals(role: &Role, p: &Params, lesson: &Lab) -> Vec<String> {
    let service = trust_step(p, lesson).map_or(DEFAULT_SERVICE, |t| t.service.as_str());
    let Some(Ok(document)) = role.trust_document.as_deref().map(iam::parse_document) else {
        // An unreadable trust policy cannot show anyone else in; the role is judged by the rest.
        return Vec::new();
    };
    super::trust::trusted_principals(&document)
        .into_iter()
        .filter(|t| !t.eq_ignore_ascii_case(service))
        .collect()
}

pub async fn remove(aws: &Aws, name: &str, detach: &[String]) -> Result<(), AwsError> {
    for arn in detach {
        aws.detach_role_policy(name, arn).await?;
    }
    aws.delete_role(name).await
}

#[cfg(test)]
mod check_tests;
