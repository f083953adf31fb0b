//! Step kinds. Each kind has one module with `observe` (read the live state once, through the
//! memoised AWS layer) and `check` (pure: state → findings). Looking for the check of a lab
//! step? Its kind is in lessons/<lesson>/lesson.toml; the module of the same name is here.
//!
//! Every kind but `traffic` also has `apply`: it reads the live state afresh, runs its own
//! `check` over it and makes only the writes that the failing findings call for, so the same
//! rules decide what is wrong for `verify` and what to change for the wizard and re-runs.

pub mod flow_log;
pub mod log_group;
pub mod policy;
pub mod removal;
pub mod role;
pub mod traffic;
pub mod trust;

use crate::aws::{Aws, AwsError, ErrorKind, Identity, LESSON_TAG};
use crate::finding::{Finding, Status};
use crate::i18n::Text;
use crate::iam::{self, Decision, PolicyDocument, Request};
use crate::lesson::{Lesson, fill_runtime};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub enum StepSpec {
    Policy(policy::Params),
    Role(role::Params),
    Trust(trust::Params),
    LogGroup(log_group::Params),
    FlowLog(flow_log::Params),
    Traffic(traffic::Params),
}

pub const KINDS: &[&str] = &[
    "iam-policy",
    "iam-role",
    "trust-policy",
    "log-group",
    "flow-log",
    "traffic",
];

impl StepSpec {
    /// Builds a step from its kind and its `with` table (variables already filled in).
    pub fn from_kind(kind: &str, with: toml::Table) -> Result<StepSpec, String> {
        fn params<T: serde::de::DeserializeOwned>(with: toml::Table) -> Result<T, String> {
            toml::Value::Table(with)
                .try_into()
                .map_err(|e: toml::de::Error| e.message().to_string())
        }
        Ok(match kind {
            "iam-policy" => StepSpec::Policy(params(with)?),
            "iam-role" => StepSpec::Role(params(with)?),
            "trust-policy" => StepSpec::Trust(params(with)?),
            "log-group" => StepSpec::LogGroup(params(with)?),
            "flow-log" => StepSpec::FlowLog(params(with)?),
            "traffic" => StepSpec::Traffic(params::<traffic::RawParams>(with)?.validate()?),
            other => {
                return Err(format!(
                    "unknown step kind '{other}' (known kinds: {})",
                    KINDS.join(", ")
                ));
            }
        })
    }

    /// Asset files the step hands out, loaded and validated with the lesson.
    pub fn assets(&self) -> Vec<&str> {
        match self {
            StepSpec::Policy(p) => vec![p.document.as_str()],
            StepSpec::Trust(p) => vec![p.document.as_str()],
            _ => Vec::new(),
        }
    }

    /// Observes what this step needs and judges it. Findings carry short check ids; the engine
    /// prefixes them with the step id.
    pub async fn judge(&self, aws: &Aws, lesson: &Lesson) -> Vec<Finding> {
        macro_rules! run {
            ($kind:ident, $p:expr) => {{
                let (identity, observed) =
                    tokio::join!(aws.identity(), $kind::observe(aws, $p, lesson));
                match (identity, observed) {
                    (Ok(identity), Ok(observed)) => {
                        let env = Env::new(lesson, &aws.region, &identity);
                        $kind::check(&observed, $p, &env)
                    }
                    (Err(e), _) | (_, Err(e)) => vec![read_error(&e)],
                }
            }};
        }
        match self {
            StepSpec::Policy(p) => run!(policy, p),
            StepSpec::Role(p) => run!(role, p),
            StepSpec::Trust(p) => run!(trust, p),
            StepSpec::LogGroup(p) => run!(log_group, p),
            StepSpec::FlowLog(p) => run!(flow_log, p),
            StepSpec::Traffic(p) => run!(traffic, p),
        }
    }
}

/// One write `apply` made, said the way a student would have done it.
///
/// A `destructive` change removes or replaces something the lab uses (deleting a flow log to
/// create it again). `apply` makes those only when called with `confirm_destructive`; without
/// it, the destructive change it *would* make comes back in the list, marked `destructive`,
/// and nothing of it has been done. So a caller that passed `false` reads every destructive
/// change in the answer as a question to put to the user, and every other one as done.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub description: Text,
    /// The exact AWS CLI equivalent, with the lesson's asset files as `file://` arguments.
    pub cli: String,
    pub destructive: bool,
}

impl Change {
    pub fn new(description: Text, cli: String) -> Change {
        Change {
            description,
            cli,
            destructive: false,
        }
    }

    pub fn destructive(description: Text, cli: String) -> Change {
        Change {
            description,
            cli,
            destructive: true,
        }
    }
}

impl StepSpec {
    /// Creates or fixes this step's piece of the lab, idempotently: observes the live state
    /// afresh, judges it with the kind's `check`, and writes only what its failing findings
    /// ask for. Returns the changes made, none when the step was already right. See [`Change`]
    /// for destructive changes. The `traffic` step is the student's to do: it changes nothing.
    pub async fn apply(
        &self,
        aws: &Aws,
        lesson: &Lesson,
        confirm_destructive: bool,
    ) -> Result<Vec<Change>, AwsError> {
        match self {
            StepSpec::Policy(p) => policy::apply(aws, p, lesson, confirm_destructive).await,
            StepSpec::Role(p) => role::apply(aws, p, lesson, confirm_destructive).await,
            StepSpec::Trust(p) => trust::apply(aws, p, lesson, confirm_destructive).await,
            StepSpec::LogGroup(p) => log_group::apply(aws, p, lesson, confirm_destructive).await,
            StepSpec::FlowLog(p) => flow_log::apply(aws, p, lesson, confirm_destructive).await,
            StepSpec::Traffic(_) => Ok(Vec::new()),
        }
    }
}

/// Whether the check reported `id` with one of `statuses`: what `apply` acts on.
pub(crate) fn found(findings: &[Finding], id: &str, statuses: &[Status]) -> bool {
    findings
        .iter()
        .any(|f| f.id == id && statuses.contains(&f.status))
}

/// The tag every resource awslab creates carries, for cleanup to find it by.
pub(crate) fn lesson_tag(lesson: &Lesson) -> (&'static str, &str) {
    (LESSON_TAG, lesson.id.as_str())
}

/// `--tags` of the IAM CLI for the lesson tag.
pub(crate) fn iam_tags_cli(lesson: &Lesson) -> String {
    sh(&format!("Key={LESSON_TAG},Value={}", lesson.id))
}

/// A lesson asset `apply` writes. The loader has read every asset a step names, so a missing
/// one is a bug in awslab, reported against the call it stopped.
pub(crate) fn asset<'a>(
    lesson: &'a Lesson,
    name: &str,
    operation: &'static str,
) -> Result<&'a str, AwsError> {
    lesson
        .assets
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| AwsError {
            kind: ErrorKind::Service,
            operation,
            code: None,
            detail: format!("the lesson's asset {name} was not loaded"),
        })
}

/// The finding for a step whose state could not be read.
pub fn read_error(e: &AwsError) -> Finding {
    Finding::new(
        "read",
        crate::finding::Status::Error,
        Text::new(e.catalogue_key())
            .arg("operation", e.operation)
            .arg("detail", e.to_string()),
    )
}

/// What a pure check knows besides its observation.
pub struct Env<'a> {
    pub lesson: &'a Lesson,
    pub region: &'a str,
    pub account: &'a str,
}

impl<'a> Env<'a> {
    pub fn new(lesson: &'a Lesson, region: &'a str, identity: &'a Identity) -> Env<'a> {
        Env {
            lesson,
            region,
            account: &identity.account,
        }
    }

    pub fn fill(&self, template: &str) -> String {
        fill_runtime(template, self.region, self.account)
    }
}

/// How a set of policy documents measures up to the lesson's required permissions.
#[derive(Debug, Default)]
pub struct Gaps {
    pub missing: Vec<String>,
    pub denied: Vec<String>,
    pub uncertain: Vec<String>,
}

impl Gaps {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.denied.is_empty() && self.uncertain.is_empty()
    }
}

pub fn permission_gaps(documents: &[&PolicyDocument], env: &Env) -> Gaps {
    let context = BTreeMap::new();
    let mut gaps = Gaps::default();
    for permission in &env.lesson.permissions {
        let resource = env.fill(&permission.resource);
        for action in &permission.actions {
            let evaluation = iam::evaluate(
                documents,
                &Request {
                    action,
                    resource: Some(&resource),
                    principal: None,
                    context: &context,
                },
            );
            match evaluation.decision {
                Decision::Allow => {}
                Decision::ExplicitDeny => gaps.denied.push(action.clone()),
                Decision::ImplicitDeny => gaps.missing.push(action.clone()),
                Decision::Uncertain => gaps.uncertain.push(action.clone()),
            }
        }
    }
    gaps
}

/// Names close to `wanted`, for "did you mean": same name in other case, or a small typo.
pub fn similar_names<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let lower = wanted.to_lowercase();
    let mut out: Vec<String> = names
        .into_iter()
        .filter(|n| *n != wanted)
        .filter(|n| {
            let l = n.to_lowercase();
            l == lower || strsim::levenshtein(&l, &lower) <= 2
        })
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out.truncate(5);
    out
}

/// Shell-quotes a value for the AWS CLI commands shown as fixes.
pub fn sh(value: &str) -> String {
    if !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+".contains(c))
    {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_names_finds_typos_and_case() {
        let names = ["MyVpc22-Logs", "myvpc22-log", "Other", "MyVpc22-Log"];
        assert_eq!(
            similar_names("MyVpc22-Log", names),
            vec!["MyVpc22-Logs".to_string(), "myvpc22-log".to_string()]
        );
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(sh("MyVpc22-Log"), "MyVpc22-Log");
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("it's"), r"'it'\''s'");
    }
}
