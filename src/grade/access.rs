//! `grade --check-access`: before the deadline, whether every account of the class can be read
//! through the grading role, and when one cannot, why, in the terms of what the instructor does
//! about it: make the role (or its trust), give their own credentials sts:AssumeRole, or add a
//! permission to the role. It reads only, like grading.

use super::roster::Row;
use super::{Options, error_sentence};
use crate::aws::record::VERIFY_ACTIONS;
use crate::aws::{Aws, AwsError, ErrorKind};
use crate::i18n::{Lang, Text};
use crate::iam::{self, Decision, PolicyDocument, Request, RequestContext};
use futures::StreamExt;

/// What one account answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Reach {
    /// The role was assumed and one read of each service answered.
    Reachable,
    /// AWS said the instructor's own policies do not allow sts:AssumeRole.
    CannotAssume,
    /// AssumeRole was refused while other accounts of the class were reached: the role is
    /// missing here, or its trust policy does not name the instructor (or the external id).
    RoleMissingOrUntrusted,
    /// AssumeRole was refused everywhere: either the instructor's credentials cannot assume
    /// roles, or no account has the role trusting them. AWS's answer does not tell which.
    AssumeRefused,
    /// The role was assumed, but it lacks these permissions.
    Lacks(Vec<String>),
    /// Anything else, as a sentence (network, throttling, a service error).
    Failed(String),
}

impl Reach {
    pub fn reachable(&self) -> bool {
        *self == Reach::Reachable
    }

    pub fn text(&self, role_name: &str) -> Text {
        match self {
            Reach::Reachable => Text::new("grade.access-ok"),
            Reach::CannotAssume => Text::new("grade.access-cannot-assume"),
            Reach::RoleMissingOrUntrusted => {
                Text::new("grade.access-role-missing").arg("role", role_name)
            }
            Reach::AssumeRefused => Text::new("grade.access-refused").arg("role", role_name),
            Reach::Lacks(actions) => {
                Text::new("grade.access-lacks").arg("actions", actions.join(", "))
            }
            Reach::Failed(sentence) => Text::new("grade.access-failed").arg("detail", sentence),
        }
    }
}

/// One account's answer.
#[derive(Debug, Clone)]
pub struct Access {
    pub student: String,
    pub account: Option<String>,
    pub reach: Reach,
}

/// Tries every row, `jobs` at a time, in the roster's order. An AssumeRole refusal is judged
/// against the whole class: where others were reached, the instructor's credentials can assume
/// roles, so the refusing account's role is at fault.
pub async fn check(base: &aws_types::SdkConfig, rows: &[Row], opts: &Options) -> Vec<Access> {
    let mut found: Vec<Access> = futures::stream::iter(rows)
        .map(|row| async move {
            let region = row.region.clone().unwrap_or_else(|| opts.region.clone());
            let reach = match super::connect(base, row, &region, &opts.role_name).await {
                Ok(aws) => reads(&aws, opts.lang).await,
                Err(e) => refused(&e, opts.lang),
            };
            Access {
                student: row.student.clone(),
                account: row.account_id().map(str::to_string),
                reach,
            }
        })
        .buffered(opts.jobs.max(1))
        .collect()
        .await;
    let any_reached = found.iter().any(|a| {
        !matches!(
            a.reach,
            Reach::AssumeRefused | Reach::CannotAssume | Reach::Failed(_)
        )
    });
    if any_reached {
        for a in &mut found {
            if a.reach == Reach::AssumeRefused {
                a.reach = Reach::RoleMissingOrUntrusted;
            }
        }
    }
    found
}

/// An AssumeRole that failed. AWS names the instructor's own policy when that is what refused
/// ("…because no identity-based policy allows the sts:AssumeRole action", an SCP, a boundary).
fn refused(e: &AwsError, lang: Lang) -> Reach {
    if e.kind != ErrorKind::AccessDenied {
        return Reach::Failed(error_sentence(e, lang));
    }
    let own = [
        "identity-based policy",
        "service control policy",
        "permissions boundary",
    ];
    if own.iter().any(|p| e.detail.contains(p)) {
        Reach::CannotAssume
    } else {
        Reach::AssumeRefused
    }
}

/// One read of each service grading uses, then the role's own policies against every action
/// grading sends.
async fn reads(aws: &Aws, lang: Lang) -> Reach {
    let mut lacks = Vec::new();
    let mut note = |e: AwsError| -> Option<Reach> {
        if e.kind == ErrorKind::AccessDenied {
            lacks.push(e.operation.to_string());
            None
        } else {
            Some(Reach::Failed(error_sentence(&e, lang)))
        }
    };
    let identity = match aws.identity().await {
        Ok(i) => i,
        Err(e) => return note(e).unwrap_or(Reach::Lacks(vec!["sts:GetCallerIdentity".into()])),
    };
    if let Err(e) = aws.regions().await {
        if let Some(failed) = note(e) {
            return failed;
        }
    }
    if let Err(e) = aws.log_group(&aws.region, "awslab-check-access").await {
        if let Some(failed) = note(e) {
            return failed;
        }
    }
    // The session's role, from `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`.
    let role_name = identity
        .arn
        .split(":assumed-role/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .map(str::to_string);
    if let Some(name) = role_name {
        match aws.role(&name).await {
            Ok(None) => return Reach::RoleMissingOrUntrusted,
            Ok(Some(role)) => match policy_gaps(aws, &name, role.boundary.as_deref()).await {
                Ok(missing) => lacks.extend(missing),
                Err(e) => {
                    if let Some(failed) = note(e) {
                        return failed;
                    }
                }
            },
            Err(e) => {
                if let Some(failed) = note(e) {
                    return failed;
                }
            }
        }
    }
    lacks.sort();
    lacks.dedup();
    if lacks.is_empty() {
        Reach::Reachable
    } else {
        Reach::Lacks(lacks)
    }
}

/// The grading actions the role's policies (and boundary) do not allow. A condition awslab
/// cannot decide, or a document it cannot read, counts as allowing here: this check warns only
/// of what is surely missing.
async fn policy_gaps(
    aws: &Aws,
    role: &str,
    boundary: Option<&str>,
) -> Result<Vec<String>, AwsError> {
    let texts = aws.role_permission_policies(role).await?;
    let Ok(documents) = texts
        .iter()
        .filter_map(|t| t.document.as_deref())
        .map(iam::parse_document)
        .collect::<Result<Vec<PolicyDocument>, _>>()
    else {
        return Ok(Vec::new());
    };
    let boundary = match boundary {
        Some(arn) => match aws.policy_default_document(arn).await? {
            Some(d) => match iam::parse_document(&d) {
                Ok(d) => Some(d),
                Err(_) => return Ok(Vec::new()),
            },
            None => None,
        },
        None => None,
    };
    let identity: Vec<&PolicyDocument> = documents.iter().collect();
    let context = RequestContext::new();
    Ok(VERIFY_ACTIONS
        .iter()
        .filter(|action| {
            let request = Request {
                action,
                resource: Some("*"),
                principal: None,
                context: &context,
            };
            matches!(
                iam::evaluate_identity(&identity, boundary.as_ref(), &request).decision,
                Decision::ImplicitDeny | Decision::ExplicitDeny
            )
        })
        .map(|a| a.to_string())
        .collect())
}

/// The table `--check-access` prints: who is reachable, and why not.
pub fn table(found: &[Access], role_name: &str, lang: Lang) -> String {
    use crate::report::{pad, width};
    let head = |key: &'static str| Text::new(key).render(lang);
    let (student, account, state) = (
        head("grade.head-student"),
        head("grade.head-account"),
        head("grade.access-head"),
    );
    let name_w = found
        .iter()
        .map(|a| width(&a.student))
        .chain([width(&student)])
        .max()
        .unwrap_or(7);
    let account_w = width(&account).max(12);
    let mut out = format!(
        "{}  {}  {state}\n",
        pad(&student, name_w),
        pad(&account, account_w)
    );
    for a in found {
        let mark = if a.reach.reachable() { "✓" } else { "✗" };
        out.push_str(&format!(
            "{}  {}  {mark} {}\n",
            pad(&a.student, name_w),
            pad(a.account.as_deref().unwrap_or("-"), account_w),
            a.reach.text(role_name).render(lang)
        ));
    }
    let reached = found.iter().filter(|a| a.reach.reachable()).count();
    out.push_str(
        &Text::new("grade.access-summary")
            .arg("reached", reached)
            .arg("total", found.len())
            .render(lang),
    );
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn denied(detail: &str) -> AwsError {
        AwsError {
            kind: ErrorKind::AccessDenied,
            operation: "sts:AssumeRole",
            code: Some("AccessDenied".into()),
            detail: detail.into(),
            request_id: None,
        }
    }

    #[test]
    fn an_assume_role_refusal_is_told_apart_by_what_aws_names() {
        let own = denied(
            "User: arn:aws:iam::111122223333:user/t is not authorized to perform: \
             sts:AssumeRole on resource: arn:aws:iam::444455556666:role/AwslabGrader because \
             no identity-based policy allows the sts:AssumeRole action",
        );
        assert_eq!(refused(&own, Lang::En), Reach::CannotAssume);
        let theirs = denied(
            "User: arn:aws:iam::111122223333:user/t is not authorized to perform: \
             sts:AssumeRole on resource: arn:aws:iam::444455556666:role/AwslabGrader",
        );
        assert_eq!(refused(&theirs, Lang::En), Reach::AssumeRefused);
    }

    #[test]
    fn the_table_says_why_in_the_users_language() {
        let found = vec![
            Access {
                student: "김민수".into(),
                account: Some("111122223333".into()),
                reach: Reach::Reachable,
            },
            Access {
                student: "lee".into(),
                account: None,
                reach: Reach::Lacks(vec!["logs:GetLogEvents".into()]),
            },
        ];
        let en = table(&found, "AwslabGrader", Lang::En);
        assert!(en.contains("logs:GetLogEvents"), "{en}");
        assert!(en.contains("1 of 2"), "{en}");
        let ko = table(&found, "AwslabGrader", Lang::Ko);
        assert!(ko.contains("2개 계정 가운데 1개"), "{ko}");
    }
}
