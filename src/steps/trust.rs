//! Step kind `trust-policy`: the role's trust policy lets the service assume it, under the
//! conditions the service will really present.

use super::{Change, Env, asset, found, sh};
use crate::aws::{Aws, AwsError, Role};
use crate::finding::{Finding, Status};
use crate::i18n::Text;
use crate::iam::{self, Decision, Effect, PolicyDocument, Principal, Principals, Request};
use crate::lesson::Lesson;
use serde::Deserialize;
use std::collections::BTreeMap;

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

#[derive(Debug)]
pub struct Observed {
    pub role: Option<Role>,
}

pub async fn observe(aws: &Aws, p: &Params, _lesson: &Lesson) -> Result<Observed, AwsError> {
    Ok(Observed {
        role: aws.role(&p.role).await?,
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
        .arg("cli", update_cli(p));
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
    let mut context = BTreeMap::new();
    context.insert("aws:SourceAccount".to_string(), env.account.to_string());
    if let Some(arn) = &p.source_arn {
        // A flow log's ARN ends in its id; any id stands for "a flow log of this account".
        context.insert(
            "aws:SourceArn".to_string(),
            env.fill(arn).replace('*', "fl-0123456789abcdef0"),
        );
    }
    let evaluate = |context: &BTreeMap<String, String>| {
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
        Decision::Allow => {
            let mut out = vec![
                Finding::pass(
                    "trusts-service",
                    Text::new("trust.ok")
                        .arg("role", &p.role)
                        .arg("service", &p.service),
                )
                .on(&role.arn),
            ];
            if !guards_deputy(&document, &with_context.allow_statements) {
                out.push(
                    Finding::warn(
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
            Text::new("trust.denied")
                .arg("role", &p.role)
                .arg("service", &p.service),
        ),
        Decision::Uncertain => Finding::warn(
            "trusts-service",
            Text::new("trust.uncertain").arg("service", &p.service).arg(
                "conditions",
                with_context
                    .unknown_conditions
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        ),
        Decision::ImplicitDeny => {
            // Would the service be trusted if its conditions were not checked? Then the
            // conditions name another account or resource.
            if evaluate(&BTreeMap::new()).decision == Decision::Uncertain {
                Finding::fail(
                    "trusts-service",
                    Text::new("trust.condition-mismatch")
                        .arg("role", &p.role)
                        .arg("account", env.account),
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
pub async fn apply(
    aws: &Aws,
    p: &Params,
    lesson: &Lesson,
    _confirm_destructive: bool,
) -> Result<Vec<Change>, AwsError> {
    let aws = aws.fresh();
    let (identity, observed) = tokio::try_join!(aws.identity(), observe(&aws, p, lesson))?;
    let findings = check(&observed, p, &Env::new(lesson, &aws.region, &identity));
    if observed.role.is_none() || !found(&findings, "trusts-service", &[Status::Fail]) {
        return Ok(Vec::new());
    }
    let document = asset(lesson, &p.document, "iam:UpdateAssumeRolePolicy")?;
    aws.update_assume_role_policy(&p.role, document).await?;
    Ok(vec![Change::new(
        Text::new("apply.trust-updated")
            .arg("role", &p.role)
            .arg("document", &p.document)
            .arg("service", &p.service),
        update_cli(p),
    )])
}

fn update_cli(p: &Params) -> String {
    format!(
        "aws iam update-assume-role-policy --role-name {} --policy-document file://{}",
        sh(&p.role),
        sh(&p.document)
    )
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
fn trusted_principals(document: &PolicyDocument) -> Vec<String> {
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
