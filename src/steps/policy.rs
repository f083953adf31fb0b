//! Step kind `iam-policy`: a customer managed policy whose default version grants the lab's
//! permissions.

use super::Lab;
use super::{
    Change, Consent, DeniedBy, Env, Permissions, Seen, StepSpec, asset, found, iam_tags_cli,
    lesson_tag, lesson_tag_text, permission_gaps, provably_lab, sh, similar_names,
};
use crate::aws::{Aws, AwsError, MAX_POLICY_VERSIONS, ManagedPolicy, oldest_non_default};
use crate::finding::{Finding, Status};
use crate::i18n::Text;
use crate::iam::{self, Effect};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub name: String,
    /// The asset with the document the lab hands out.
    pub document: String,
    /// Suggested instead of `"Resource": "*"`.
    pub least_privilege_resource: Option<String>,
}

/// The step's parameters from its `with` table.
pub fn params(with: toml::Table) -> Result<Params, String> {
    super::params(with)
}

#[derive(Debug)]
pub struct Observed {
    pub policy: Option<ManagedPolicy>,
    /// The default version's document: the one in force.
    pub document: Option<String>,
    /// When the default version was made (Unix seconds): a new default version is the
    /// policy changed, for late work.
    pub document_created: Option<i64>,
    pub similar: Vec<String>,
    /// When the version in force does not grant the lab's permissions: an older version of
    /// the policy that does, which only needs to be made the default again.
    pub right_version: Option<String>,
}

pub async fn observe(aws: &Aws, p: &Params, lesson: &Lab) -> Result<Observed, AwsError> {
    let policies = aws.local_policies().await?;
    let policy = policies.iter().find(|x| x.name == p.name).cloned();
    let version = match &policy {
        Some(ManagedPolicy {
            arn,
            default_version: Some(v),
            ..
        }) => aws.policy_version(arn, v).await?,
        _ => None,
    };
    let (document, document_created) = version.map_or((None, None), |v| (v.document, v.created));
    // Only when the version in force falls short are the others read: a solved lab costs
    // no more calls.
    let right_version = match &policy {
        Some(policy) if !grants(document.as_deref(), p, lesson, aws).await? => {
            right_version(aws, policy, p, lesson).await?
        }
        _ => None,
    };
    Ok(Observed {
        similar: similar_names(&p.name, policies.iter().map(|x| x.name.as_str())),
        policy,
        document,
        document_created,
        right_version,
    })
}

/// Whether `document` grants every permission the lab needs, judged as `check` judges it.
async fn grants(
    document: Option<&str>,
    p: &Params,
    lesson: &Lab,
    aws: &Aws,
) -> Result<bool, AwsError> {
    let Some(Ok(document)) = document.map(iam::parse_document) else {
        return Ok(false);
    };
    let identity = aws.identity().await?;
    let env = Env::new(lesson, aws, &identity);
    let permissions = Permissions {
        identity: vec![(p.name.as_str(), &document)],
        boundary: None,
        role_created: None,
        role_tags: None,
    };
    Ok(permission_gaps(&permissions, &env, &lab_role_arn(p, &env)).is_complete())
}

/// The newest version of `policy`, not in force, that grants what the lab needs.
async fn right_version(
    aws: &Aws,
    policy: &ManagedPolicy,
    p: &Params,
    lesson: &Lab,
) -> Result<Option<String>, AwsError> {
    let mut versions = aws.policy_versions(&policy.arn).await?;
    versions.sort_by_key(|v| std::cmp::Reverse(v.created));
    for v in versions.iter().filter(|v| !v.is_default) {
        let document = aws.policy_version_document(&policy.arn, &v.id).await?;
        if grants(document.as_deref(), p, lesson, aws).await? {
            return Ok(Some(v.id.clone()));
        }
    }
    Ok(None)
}

pub fn check(o: &Observed, p: &Params, env: &Env) -> Vec<Finding> {
    let create = Text::new("policy.fix-create")
        .arg("name", &p.name)
        .arg("cli", create_cli(p, env.lesson));
    let Some(policy) = &o.policy else {
        let message = if o.similar.is_empty() {
            Text::new("policy.missing").arg("name", &p.name)
        } else {
            Text::new("policy.missing-similar")
                .arg("name", &p.name)
                .arg("similar", o.similar.join(", "))
        };
        return vec![Finding::fail("exists", message).fix(create)];
    };
    let mut out = vec![
        Finding::pass("exists", Text::new("policy.exists").arg("name", &p.name))
            .on(&policy.arn)
            .at(policy.created.max(o.document_created)),
    ];
    let version = policy.default_version.clone().unwrap_or_default();
    let resource = format!("{}#{}", policy.arn, version);
    let Some(text) = &o.document else {
        out.push(
            Finding::fail(
                "document",
                Text::new("policy.no-document").arg("name", &p.name),
            )
            // The policy exists: what it needs is a readable version in force, not a second
            // policy of the same name (IAM would refuse that).
            .fix(version_fix(o, p, policy, env.lesson))
            .on(resource),
        );
        return out;
    };
    let document = match iam::parse_document(text) {
        Ok(d) => d,
        Err(e) => {
            out.push(
                Finding::fail(
                    "document",
                    Text::new("policy.unparsable")
                        .arg("name", &p.name)
                        .arg("error", e),
                )
                .fix(version_fix(o, p, policy, env.lesson))
                .on(resource),
            );
            return out;
        }
    };
    let permissions = Permissions {
        identity: vec![(p.name.as_str(), &document)],
        boundary: None,
        role_created: None,
        role_tags: None,
    };
    let gaps = permission_gaps(&permissions, env, &lab_role_arn(p, env));
    if !gaps.denied.is_empty() {
        out.push(
            Finding::fail(
                "actions",
                DeniedBy::args(
                    gaps.denied_by.as_ref(),
                    Text::new("policy.denied")
                        .arg("name", &p.name)
                        .arg("version", &version)
                        .arg("actions", gaps.denied.join(", ")),
                ),
            )
            .fix(version_fix(o, p, policy, env.lesson))
            .on(resource),
        );
    } else if !gaps.missing.is_empty() {
        out.push(
            Finding::fail(
                "actions",
                Text::new("policy.missing-actions")
                    .arg("name", &p.name)
                    .arg("version", &version)
                    .arg("actions", gaps.missing.join(", ")),
            )
            .fix(version_fix(o, p, policy, env.lesson))
            .on(resource),
        );
    } else if let Some(why) = gaps.why_undecided {
        // Fail closed: a condition awslab cannot decide does not earn the step.
        out.push(
            Finding::fail("actions", why)
                .fix(version_fix(o, p, policy, env.lesson))
                .on(resource),
        );
    } else {
        out.push(
            Finding::pass(
                "actions",
                Text::new("policy.allows")
                    .arg("name", &p.name)
                    .arg("version", &version),
            )
            .on(resource.clone()),
        );
        let wildcard = document
            .statements
            .iter()
            .any(|s| s.effect == Effect::Allow && s.has_wildcard_resource());
        if let (true, Some(narrow)) = (wildcard, &p.least_privilege_resource) {
            out.push(
                Finding::tip(
                    "least-privilege",
                    Text::new("policy.wildcard-resource").arg("resource", env.fill(narrow)),
                )
                .on(resource),
            );
        }
    }
    out
}

/// Creates the policy from the lesson's document when it is missing; when the version in force
/// does not grant the lab's permissions (or cannot be read), makes the lesson's document the new
/// default version, giving up the oldest version not in force if IAM's limit of five is
/// reached. A policy that is right but only warned about (conditions, `"Resource": "*"`) is
/// left as it is.
///
/// A policy that is not provably the lab's (no lesson tag) may be someone else's, attached to
/// their users and roles: changing its version in force, or deleting one of its versions, is
/// destructive and made only when `consent` names it (by its unique id). Without that, nothing
/// is written and the answer holds the one change still to be agreed to, naming the policy,
/// where it is attached, and what would change.
pub async fn apply(
    seen: Seen<Observed>,
    p: &Params,
    lesson: &Lab,
    consent: &Consent,
) -> Result<Vec<Change>, AwsError> {
    let Seen {
        aws,
        identity: _,
        observed,
        findings,
    } = seen;
    let failed = |id| found(&findings, id, &[Status::Fail]);
    let mut changes = Vec::new();
    let Some(policy) = &observed.policy else {
        if failed("exists") {
            let document = asset(lesson, &p.document, "iam:CreatePolicy")?;
            aws.create_policy(&p.name, document, &[lesson_tag(lesson)])
                .await?;
            changes.push(Change::new(
                Text::new("apply.policy-created")
                    .arg("name", &p.name)
                    .arg("document", &p.document),
                create_cli(p, lesson),
            ));
        }
        return Ok(changes);
    };
    let set_default = failed("actions")
        .then(|| observed.right_version.clone())
        .flatten();
    if set_default.is_none() && !failed("document") && !failed("actions") {
        return Ok(changes);
    }
    let ours = provably_lab(aws.policy_tags(&policy.arn).await?.as_deref(), lesson);
    // A change to a policy that may be someone else's: marked destructive, with the policy's
    // unique id as the resource a consent must name.
    let change = |description: Text, cli: String| {
        if ours {
            Change::new(description, cli)
        } else {
            Change::destructive(description, cli, &policy.id)
        }
    };
    if !ours && !consent.covers(&policy.id) {
        let attached = aws.policy_entities(&policy.arn).await?.describe();
        let attached = if attached.is_empty() {
            "—".to_string()
        } else {
            attached
        };
        let question = |key: &'static str| {
            Text::new(key)
                .arg("name", &p.name)
                .arg("tag", lesson_tag_text(lesson))
                .arg("attached", &attached)
        };
        let proposal = match &set_default {
            Some(version) => Change::destructive(
                question("apply.policy-default-ask").arg("version", version),
                set_default_cli(policy, version),
                &policy.id,
            ),
            None => {
                let versions = aws.policy_versions(&policy.arn).await?;
                let doomed = (versions.len() >= MAX_POLICY_VERSIONS)
                    .then(|| oldest_non_default(&versions))
                    .flatten();
                let (description, cli) = match doomed {
                    Some(old) => (
                        question("apply.policy-version-ask-delete")
                            .arg("document", &p.document)
                            .arg("version", &old.id)
                            .arg("max", MAX_POLICY_VERSIONS),
                        format!(
                            "{} && {}",
                            delete_version_cli(policy, &old.id),
                            new_version_cli(p, policy, lesson)
                        ),
                    ),
                    None => (
                        question("apply.policy-version-ask").arg("document", &p.document),
                        new_version_cli(p, policy, lesson),
                    ),
                };
                Change::destructive(description, cli, &policy.id)
            }
        };
        return Ok(vec![proposal.asking(Text::new("apply.not-lab-confirm"))]);
    }
    match set_default {
        Some(version) => {
            aws.set_default_policy_version(&policy.arn, &version)
                .await?;
            changes.push(change(
                Text::new("apply.policy-default-set")
                    .arg("name", &p.name)
                    .arg("version", &version),
                set_default_cli(policy, &version),
            ));
        }
        None => {
            let document = asset(lesson, &p.document, "iam:CreatePolicyVersion")?;
            let made = aws.create_policy_version(&policy.arn, document).await?;
            if let Some(old) = &made.deleted {
                // For the lab's own policy not destructive: the deleted version was not in
                // force, so nothing the lab relies on changes; IAM refuses a sixth version
                // otherwise.
                changes.push(change(
                    Text::new("apply.policy-version-deleted")
                        .arg("name", &p.name)
                        .arg("version", old)
                        .arg("max", MAX_POLICY_VERSIONS),
                    delete_version_cli(policy, old),
                ));
            }
            changes.push(change(
                Text::new("apply.policy-version-created")
                    .arg("name", &p.name)
                    .arg("version", &made.version)
                    .arg("document", &p.document),
                new_version_cli(p, policy, lesson),
            ));
        }
    }
    Ok(changes)
}

fn delete_version_cli(policy: &ManagedPolicy, version: &str) -> String {
    format!(
        "aws iam delete-policy-version --policy-arn {} --version-id {}",
        sh(&policy.arn),
        sh(version)
    )
}

/// The role the lab attaches this policy to (the one the delivery calls are made as), from the
/// lesson's role step; a stand-in name when the lesson has none.
fn lab_role_arn(p: &Params, env: &Env) -> String {
    let role = env
        .lesson
        .steps
        .iter()
        .find_map(|s| match &s.spec {
            StepSpec::Role(r) if r.policy == p.name => Some(r.name.as_str()),
            _ => None,
        })
        .unwrap_or("flow-logs-role");
    format!("arn:aws:iam::{}:role/{role}", env.account)
}

/// With the lesson tag, so that cleanup knows a policy made by hand with it as the lab's.
fn create_cli(p: &Params, lab: &Lab) -> String {
    format!(
        "aws iam create-policy --policy-name {} --policy-document {} --tags {}",
        sh(&p.name),
        lab.file_arg(&p.document),
        iam_tags_cli(lab)
    )
}

fn new_version_cli(p: &Params, policy: &ManagedPolicy, lab: &Lab) -> String {
    format!(
        "aws iam create-policy-version --policy-arn {} --policy-document {} --set-as-default",
        sh(&policy.arn),
        lab.file_arg(&p.document)
    )
}

fn new_version_fix(p: &Params, policy: &ManagedPolicy, lab: &Lab) -> Text {
    Text::new("policy.fix-version")
        .arg("name", &p.name)
        .arg("cli", new_version_cli(p, policy, lab))
}

fn set_default_cli(policy: &ManagedPolicy, version: &str) -> String {
    format!(
        "aws iam set-default-policy-version --policy-arn {} --version-id {}",
        sh(&policy.arn),
        sh(version)
    )
}

/// The fix for a version in force that falls short: make the right older version the default
/// again when there is one, else a new version with the lab's document.
fn version_fix(o: &Observed, p: &Params, policy: &ManagedPolicy, lab: &Lab) -> Text {
    match &o.right_version {
        Some(v) => Text::new("policy.fix-set-default")
            .arg("name", &p.name)
            .arg("version", v)
            .arg("cli", set_default_cli(policy, v)),
        None => new_version_fix(p, policy, lab),
    }
}

// ---------------------------------------------------------------------------------------------
// cleanup

/// The customer managed policy of that name, with its versions not in force (IAM deletes a
/// policy only once they are gone). Attached to anything but the lab's role, it is left alone
/// with a note; attached to the lab's role, it can go once that role has gone.
pub async fn plan_removal(
    aws: &Aws,
    p: &Params,
    lesson: &Lab,
    step: &str,
) -> Result<Vec<super::removal::Removal>, AwsError> {
    use super::removal::{Removal, Target, has_lesson_tag, key, tag_text};
    let policies = aws.local_policies().await?;
    let Some(policy) = policies.iter().find(|x| x.name == p.name) else {
        return Ok(Vec::new());
    };
    let (tags, versions, entities) = tokio::try_join!(
        aws.policy_tags(&policy.arn),
        aws.policy_versions(&policy.arn),
        aws.policy_entities(&policy.arn),
    )?;
    let tagged = has_lesson_tag(&tags.unwrap_or_default(), lesson);
    let lab_roles: Vec<&str> = lesson
        .steps
        .iter()
        .filter_map(|s| match &s.spec {
            StepSpec::Role(r) if r.policy == p.name => Some(r.name.as_str()),
            _ => None,
        })
        .collect();
    let mut elsewhere: Vec<String> = entities
        .roles
        .iter()
        .filter(|r| !lab_roles.contains(&r.as_str()))
        .map(|r| format!("role {r}"))
        .collect();
    elsewhere.extend(entities.users.iter().map(|u| format!("user {u}")));
    elsewhere.extend(entities.groups.iter().map(|g| format!("group {g}")));
    let keep = (!elsewhere.is_empty()).then(|| {
        Text::new("cleanup.keep-policy-attached")
            .arg("policy", &p.name)
            .arg("entities", elsewhere.join(", "))
    });
    let after = entities
        .roles
        .iter()
        .filter(|r| lab_roles.contains(&r.as_str()))
        .map(|r| key("role", r))
        .collect();
    let old: Vec<String> = versions
        .into_iter()
        .filter(|v| !v.is_default)
        .map(|v| v.id)
        .collect();
    let mut cli: Vec<String> = old
        .iter()
        .map(|v| {
            format!(
                "aws iam delete-policy-version --policy-arn {} --version-id {}",
                sh(&policy.arn),
                sh(v)
            )
        })
        .collect();
    cli.push(format!(
        "aws iam delete-policy --policy-arn {}",
        sh(&policy.arn)
    ));
    let reason = if tagged {
        Text::new("cleanup.reason-policy-tagged").arg("tag", tag_text(lesson))
    } else {
        Text::new("cleanup.reason-policy-named")
    }
    .arg("name", &p.name)
    .arg("versions", old.len());
    Ok(vec![Removal {
        step: step.to_string(),
        target: Target::Policy {
            arn: policy.arn.clone(),
            versions: old,
        },
        resource: policy.arn.clone(),
        tagged,
        named: true,
        reason,
        keep,
        cli,
        after,
    }])
}

/// Deletes the policy's old versions, then the policy. What it is attached to is asked again
/// first, right before anything goes: something attached since the plan was made (or a role
/// that did not go) would make IAM refuse the deletion after the history was already gone.
pub async fn remove(aws: &Aws, arn: &str, versions: &[String]) -> Result<(), AwsError> {
    let entities = aws.fresh().policy_entities(arn).await?;
    if !entities.is_empty() {
        return Err(AwsError {
            kind: crate::aws::ErrorKind::Service,
            operation: "iam:DeletePolicy",
            code: Some("DeleteConflict".to_string()),
            request_id: None,
            detail: format!("the policy is still attached to {}", entities.describe()),
        });
    }
    for v in versions {
        aws.delete_policy_version(arn, v).await?;
    }
    aws.delete_policy(arn).await
}

#[cfg(test)]
mod check_tests;
