//! Step kind `trust-policy`: the role's trust policy lets the service assume it, under the
//! conditions the service will really present.

use super::Lab;
use super::{
    Change, Consent, Env, Seen, StepSpec, asset, flow_log, found, lesson_tag_text, provably_lab, sh,
};
use crate::aws::{Aws, AwsError, Role};
use crate::finding::{Finding, Status};
use crate::i18n::Text;
use crate::iam::{
    self, Decision, Effect, PolicyDocument, Principal, Principals, Request, RequestContext,
};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub role: String,
    /// The service principal that must be trusted, e.g. vpc-flow-logs.amazonaws.com.
    pub service: String,
    /// The asset with the trust policy the lab hands out.
    pub document: String,
    /// What the service presents as aws:SourceArn; `*` stands for the resource id.
    pub source_arn: Option<String>,
}

/// The step's parameters from its `with` table.
pub fn params(with: toml::Table) -> Result<Params, String> {
    super::params(with)
}

#[derive(Debug)]
pub struct Observed {
    pub role: Option<Role>,
    /// The ARN of the lab's flow log that delivers through this role, when there is one: the
    /// `aws:SourceArn` the service presents when it assumes the role for that flow log.
    pub flow_log_arn: Option<String>,
}

pub async fn observe(aws: &Aws, p: &Params, lesson: &Lab) -> Result<Observed, AwsError> {
    let flow_log_step = lesson.steps.iter().find_map(|s| match &s.spec {
        StepSpec::FlowLog(f) if f.role == p.role => Some(f),
        _ => None,
    });
    let (role, flow_log) = tokio::join!(aws.role(&p.role), async {
        match flow_log_step {
            Some(f) => {
                let observed = flow_log::observe_vpc(aws, &f.vpc).await?;
                Ok(flow_log::pick(&observed.flow_logs, &f.into(), lesson)
                    .0
                    .map(|fl| fl.id.clone()))
            }
            None => Ok(None),
        }
    });
    let identity = aws.identity().await?;
    Ok(Observed {
        role: role?,
        flow_log_arn: flow_log?.map(|id| {
            format!(
                "arn:aws:ec2:{}:{}:vpc-flow-log/{id}",
                aws.region, identity.account
            )
        }),
    })
}

/// Condition keys AWS recommends against the confused-deputy problem.
const DEPUTY_KEYS: &[&str] = &["aws:sourceaccount", "aws:sourcearn"];
const ASSUME: &str = "sts:AssumeRole";

pub fn check(o: &Observed, p: &Params, env: &Env) -> Vec<Finding> {
    let Some(role) = &o.role else {
        return vec![Finding::skip(
            "trusts-service",
            Text::new("trust.no-role").arg("role", &p.role),
        )];
    };
    let fix = Text::new("trust.fix")
        .arg("role", &p.role)
        .arg("cli", update_cli(p, env.lesson));
    let document = match role.trust_document.as_deref().map(iam::parse_document) {
        Some(Ok(d)) => d,
        Some(Err(e)) => {
            return vec![
                Finding::fail(
                    "trusts-service",
                    Text::new("trust.unparsable")
                        .arg("role", &p.role)
                        .arg("error", e),
                )
                .fix(fix)
                .on(&role.arn),
            ];
        }
        None => {
            return vec![
                Finding::fail(
                    "trusts-service",
                    Text::new("trust.empty").arg("role", &p.role),
                )
                .fix(fix)
                .on(&role.arn),
            ];
        }
    };

    let principal = Principal::Service(p.service.clone());
    // The flow log's own ARN when there is one; before it exists, any id stands for "a flow
    // log of this account".
    let source_arn = o.flow_log_arn.clone().unwrap_or_else(|| {
        p.source_arn
            .as_deref()
            .map(|a| env.fill(a).replace('*', "fl-0123456789abcdef0"))
            .unwrap_or_default()
    });
    let context = RequestContext::service_assume_role(
        &p.service,
        env.region,
        env.account,
        &source_arn,
        env.now,
    );
    let evaluate = |context: &RequestContext| {
        iam::evaluate(
            &[&document],
            &Request {
                action: ASSUME,
                resource: None,
                principal: Some(&principal),
                context,
            },
        )
    };
    let with_context = evaluate(&context);
    let finding = match with_context.decision {
        // A policy that lets the service in may let everyone in: a principal of any account,
        // asking with nothing known of the request, is admitted for sure.
        Decision::Allow if open_to_anyone(&document) => Finding::fail(
            "trusts-service",
            Text::new("trust.open-to-anyone")
                .arg("role", &p.role)
                .arg("service", &p.service),
        )
        .fix(fix.clone()),
        Decision::Allow => {
            let mut out = vec![
                Finding::pass(
                    "trusts-service",
                    Text::new("trust.ok")
                        .arg("role", &p.role)
                        .arg("service", &p.service),
                )
                .on(&role.arn)
                // The trust policy is at least as new as its role; an edit of it has no date.
                .at(role.created),
            ];
            if !guards_deputy(&document, &with_context.allow_statements) {
                out.push(
                    Finding::tip(
                        "confused-deputy",
                        Text::new("trust.no-condition").arg("service", &p.service),
                    )
                    .fix(
                        Text::new("trust.fix-condition")
                            .arg("account", env.account)
                            .arg(
                                "arn",
                                p.source_arn
                                    .as_deref()
                                    .map(|a| env.fill(a))
                                    .unwrap_or_default(),
                            ),
                    )
                    .on(&role.arn),
                );
            }
            return out;
        }
        Decision::ExplicitDeny => Finding::fail(
            "trusts-service",
            super::DeniedBy::args(
                super::definite_deny(&with_context)
                    .map(|r| super::DeniedBy::of(r, &[&trust_name(p)]))
                    .as_ref(),
                Text::new("trust.denied")
                    .arg("role", &p.role)
                    .arg("service", &p.service),
            ),
        ),
        // Fail closed: a condition awslab cannot decide does not let the service in.
        Decision::Uncertain => match with_context.undecided.first() {
            Some(u) => Finding::fail(
                "trusts-service",
                super::explain_undecided(u, &[&trust_name(p)]),
            ),
            None => Finding::fail(
                "trusts-service",
                super::DeniedBy::args(
                    None,
                    Text::new("trust.denied")
                        .arg("role", &p.role)
                        .arg("service", &p.service),
                ),
            ),
        },
        Decision::ImplicitDeny => {
            // Would the service be trusted if its conditions were not checked? Then the
            // conditions name another account or resource.
            if evaluate(&RequestContext::new()).decision == Decision::Uncertain {
                Finding::fail(
                    "trusts-service",
                    Text::new("trust.condition-mismatch")
                        .arg("role", &p.role)
                        .arg("account", env.account)
                        .arg("service", &p.service),
                )
            } else {
                let trusted = trusted_principals(&document);
                if trusted.iter().any(|t| t == "ec2.amazonaws.com") {
                    Finding::fail(
                        "trusts-service",
                        Text::new("trust.ec2-principal")
                            .arg("role", &p.role)
                            .arg("service", &p.service),
                    )
                } else if trusted.is_empty() {
                    Finding::fail(
                        "trusts-service",
                        Text::new("trust.nobody")
                            .arg("role", &p.role)
                            .arg("service", &p.service),
                    )
                } else {
                    Finding::fail(
                        "trusts-service",
                        Text::new("trust.wrong-principal")
                            .arg("role", &p.role)
                            .arg("service", &p.service)
                            .arg("trusted", trusted.join(", ")),
                    )
                }
            }
        }
    };
    vec![finding.fix(fix).on(&role.arn)]
}

/// Replaces the trust policy with the lesson's document when the check finds that the service
/// cannot assume the role. A role that does not exist is the `iam-role` step's to create; a
/// trust policy the check only warns about (no confused-deputy condition, a condition it cannot
/// judge) is the student's choice and stays.
///
/// A role that is not provably the lab's (no lesson tag) may be someone else's, and replacing
/// its trust policy drops whoever it lets in now: destructive, made only when `consent` names
/// the role (by its unique id). Without that, nothing is written and the answer holds the
/// change still to be agreed to, naming the role and who it trusts now.
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
    let Some(role) = &observed.role else {
        return Ok(Vec::new());
    };
    if !found(&findings, "trusts-service", &[Status::Fail]) {
        return Ok(Vec::new());
    }
    let ours = provably_lab(aws.role_tags(&p.role).await?.as_deref(), lesson);
    if !ours && !consent.covers(&role.id) {
        let trusted = match role.trust_document.as_deref().map(iam::parse_document) {
            Some(Ok(document)) => trusted_principals(&document).join(", "),
            _ => String::new(),
        };
        let trusted = if trusted.is_empty() {
            "—".to_string()
        } else {
            trusted
        };
        return Ok(vec![
            Change::destructive(
                Text::new("apply.trust-ask")
                    .arg("role", &p.role)
                    .arg("tag", lesson_tag_text(lesson))
                    .arg("trusted", trusted)
                    .arg("document", &p.document)
                    .arg("service", &p.service),
                update_cli(p, lesson),
                &role.id,
            )
            .asking(Text::new("apply.not-lab-confirm")),
        ]);
    }
    let document = asset(lesson, &p.document, "iam:UpdateAssumeRolePolicy")?;
    aws.update_assume_role_policy(&p.role, document).await?;
    let description = Text::new("apply.trust-updated")
        .arg("role", &p.role)
        .arg("document", &p.document)
        .arg("service", &p.service);
    Ok(vec![if ours {
        Change::new(description, update_cli(p, lesson))
    } else {
        Change::destructive(description, update_cli(p, lesson), &role.id)
    }])
}

/// How the trust policy is named in messages: "trust policy of my-flowlog-role".
fn trust_name(p: &Params) -> String {
    format!("{} (trust policy)", p.role)
}

fn update_cli(p: &Params, lab: &Lab) -> String {
    format!(
        "aws iam update-assume-role-policy --role-name {} --policy-document {}",
        sh(&p.role),
        lab.file_arg(&p.document)
    )
}

/// Whether the trust policy admits a principal of an account that is not the student's, with
/// nothing known of the request (`Principal: "*"` or `{"AWS": "*"}` without a condition).
fn open_to_anyone(document: &iam::PolicyDocument) -> bool {
    let outsider = Principal::Aws("arn:aws:iam::000000000000:user/anyone".to_string());
    iam::evaluate(
        &[document],
        &Request {
            action: ASSUME,
            resource: None,
            principal: Some(&outsider),
            context: &RequestContext::new(),
        },
    )
    .decision
        == Decision::Allow
}

/// Whether every statement that lets the service in is limited by a source condition.
fn guards_deputy(document: &PolicyDocument, allowing: &[iam::StatementRef]) -> bool {
    !allowing.is_empty()
        && allowing.iter().all(|r| {
            document.statements.get(r.statement).is_some_and(|s| {
                s.conditions
                    .iter()
                    .any(|c| DEPUTY_KEYS.contains(&c.key.to_ascii_lowercase().as_str()))
            })
        })
}

/// Every principal an Allow statement for sts:AssumeRole names, to say who is trusted instead.
pub(crate) fn trusted_principals(document: &PolicyDocument) -> Vec<String> {
    let mut out = Vec::new();
    for s in &document.statements {
        if s.effect != Effect::Allow {
            continue;
        }
        match &s.principal {
            Some(Principals::Any) => out.push("*".to_string()),
            Some(Principals::Map(map)) => {
                for values in map.values() {
                    out.extend(values.iter().cloned());
                }
            }
            None => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The trust policy goes with its role: nothing of its own to clean up.
pub async fn plan_removal(
    _aws: &Aws,
    _p: &Params,
    _lesson: &Lab,
    _step: &str,
) -> Result<Vec<super::removal::Removal>, AwsError> {
    Ok(Vec::new())
}

#[cfg(test)]
mod check_tests;
