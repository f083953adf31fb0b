//! Step kinds. Each kind has one module with `observe` (read the live state once, through the
//! memoised AWS layer) and `check` (pure: state → findings). Looking for the check of a lab
//! step? Its kind is in lessons/<lesson>/lesson.toml; the module of the same name is here.
//!
//! Every kind but `traffic` also has `apply`: it reads the live state afresh, runs its own
//! `check` over it and makes only the writes that the failing findings call for, so the same
//! rules decide what is wrong for `verify` and what to change for the wizard and re-runs.

#[cfg(test)]
pub(crate) mod fixtures;
pub mod flow_log;
pub mod instance;
pub mod log_group;
pub mod policy;
pub mod removal;
pub mod role;
pub mod security_group_rule;
pub mod traffic;
pub mod trust;

use crate::aws::{Aws, AwsError, ErrorKind, Identity, LESSON_TAG, StandIn};
use crate::finding::{Finding, Status};
use crate::i18n::Text;
use crate::iam::{
    self, Decision, Effect, PolicyDocument, Request, RequestContext, Undecided, UndecidedReason,
};
use removal::Removal;
use std::collections::BTreeMap;
/// A step's observation judged by its kind's pure `check`, with `--region` in every fix.
macro_rules! judged {
    ($kind:ident, $aws:expr, $p:expr, $lesson:expr) => {{
        let (identity, observed) = tokio::join!($aws.identity(), $kind::observe($aws, $p, $lesson));
        match (identity, observed) {
            (Ok(identity), Ok(observed)) => {
                let env = Env::new($lesson, $aws, &identity);
                regional_fixes($kind::check(&observed, $p, &env), &$aws.region)
            }
            (Err(e), _) | (_, Err(e)) => vec![read_error(&e)],
        }
    }};
}

/// The same start for every kind's `apply`: read afresh (earlier steps may just have written),
/// judge with the kind's own check, then let the kind write what its findings ask for.
macro_rules! applied {
    ($kind:ident, $aws:expr, $p:expr, $lesson:expr, $consent:expr) => {{
        let aws = $aws.fresh();
        let (identity, observed) =
            tokio::try_join!(aws.identity(), $kind::observe(&aws, $p, $lesson))?;
        let findings = $kind::check(&observed, $p, &Env::new($lesson, &aws, &identity));
        let region = aws.region.clone();
        let seen = Seen {
            aws,
            identity,
            observed,
            findings,
        };
        let changes = $kind::apply(seen, $p, $lesson, $consent).await?;
        Ok(changes
            .into_iter()
            .map(|mut c| {
                c.cli = regional(&c.cli, &region);
                c
            })
            .collect())
    }};
}

/// The registry of step kinds: each one's variant, its module and its name in lesson files.
/// Adding a kind is its module and one line in the list below it: this builds [`StepSpec`],
/// [`KINDS`] and the dispatch of `from_kind`, `judge`, `apply` and `plan_removal` to the
/// module's `params`, `observe`, `check`, `apply` and `plan_removal`.
macro_rules! kinds {
    ($($variant:ident($kind:ident) = $name:literal,)*) => {
        #[derive(Debug, Clone)]
        pub enum StepSpec {
            $($variant($kind::Params),)*
        }

        pub const KINDS: &[&str] = &[$($name,)*];

        impl StepSpec {
            /// Builds a step from its kind and its `with` table (variables already filled in).
            pub fn from_kind(kind: &str, with: toml::Table) -> Result<StepSpec, String> {
                match kind {
                    $($name => $kind::params(with).map(StepSpec::$variant),)*
                    other => Err(format!(
                        "unknown step kind '{other}' (known kinds: {})",
                        KINDS.join(", ")
                    )),
                }
            }

            /// Observes what this step needs and judges it. Findings carry short check ids;
            /// the engine prefixes them with the step id.
            pub async fn judge(&self, aws: &Aws, lesson: &Lab) -> Vec<Finding> {
                match self {
                    $(StepSpec::$variant(p) => judged!($kind, aws, p, lesson),)*
                }
            }

            /// Creates or fixes this step's piece of the lab, idempotently: observes the live
            /// state afresh, judges it with the kind's `check`, and writes only what its
            /// failing findings ask for. Returns the changes made, none when the step was
            /// already right. See [`Change`] and [`Consent`] for destructive changes. Sending
            /// the test request is the front end's (`traffic` changes nothing but a port its
            /// expected records need open again).
            pub async fn apply(
                &self,
                aws: &Aws,
                lesson: &Lab,
                consent: &Consent,
            ) -> Result<Vec<Change>, AwsError> {
                match self {
                    $(StepSpec::$variant(p) => applied!($kind, aws, p, lesson, consent),)*
                }
            }

            /// This step's resources that still exist, in the order they must go. Reads only.
            pub async fn plan_removal(
                &self,
                aws: &Aws,
                lesson: &Lab,
                step: &str,
            ) -> Result<Vec<Removal>, AwsError> {
                match self {
                    $(StepSpec::$variant(p) => $kind::plan_removal(aws, p, lesson, step).await,)*
                }
            }
        }
    };
}

kinds! {
    Policy(policy) = "iam-policy",
    Role(role) = "iam-role",
    Trust(trust) = "trust-policy",
    LogGroup(log_group) = "log-group",
    FlowLog(flow_log) = "flow-log",
    Traffic(traffic) = "traffic",
    SecurityGroupRule(security_group_rule) = "security-group-rule",
}

/// A kind's parameters from its `with` table, as serde reads them.
pub(crate) fn params<T: serde::de::DeserializeOwned>(with: toml::Table) -> Result<T, String> {
    toml::Value::Table(with)
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_string())
}

impl StepSpec {
    /// The VPC the step works in, for the kinds that work in one.
    pub fn vpc(&self) -> Option<&str> {
        match self {
            StepSpec::FlowLog(p) => Some(&p.vpc),
            StepSpec::Traffic(p) => Some(&p.vpc),
            StepSpec::SecurityGroupRule(p) => Some(&p.vpc),
            _ => None,
        }
    }

    /// Asset files the step hands out, loaded and validated with the lesson.
    pub fn assets(&self) -> Vec<&str> {
        match self {
            StepSpec::Policy(p) => vec![p.document.as_str()],
            StepSpec::Trust(p) => vec![p.document.as_str()],
            _ => Vec::new(),
        }
    }

    /// The documents a person doing this step by hand needs to see: its own assets, and for a
    /// role the trust policy it is created with (the trust step's, shown again here because the
    /// console asks for it when the role is made).
    pub fn documents<'a>(&'a self, lab: &'a Lab) -> Vec<&'a str> {
        match self {
            StepSpec::Role(p) => role::trust_document_name(p, lab).into_iter().collect(),
            _ => self.assets(),
        }
    }
}

/// One write `apply` made, said the way a student would have done it.
///
/// A `destructive` change removes or replaces something (deleting a flow log to create it
/// again), or writes to a resource that is not provably the lab's (naming a flow log someone
/// else made, a new version of a policy or a new trust policy for a role awslab did not tag,
/// attaching a policy to such a role). `apply` makes one only for the resource a person agreed to, by id, in its
/// [`Consent`]; otherwise the change comes back in the list, marked `destructive`, with that
/// resource, and nothing of it has been done. So a caller reads every destructive change in
/// the answer that its consent did not cover as a question to put to the user, and every
/// other one as done.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub description: Text,
    /// The exact AWS CLI equivalent, with the lesson's asset files as `file://` arguments.
    pub cli: String,
    pub destructive: bool,
    /// For a destructive change: the resource it touches, the one a consent must name.
    pub resource: Option<String>,
    /// For a destructive change: the question to put, when not "delete and create again?".
    pub question: Option<Text>,
}

impl Change {
    pub fn new(description: Text, cli: String) -> Change {
        Change {
            description,
            cli,
            destructive: false,
            resource: None,
            question: None,
        }
    }

    pub fn destructive(description: Text, cli: String, resource: &str) -> Change {
        Change {
            description,
            cli,
            destructive: true,
            resource: Some(resource.to_string()),
            question: None,
        }
    }

    /// The same change, put to the user with `question`.
    pub fn asking(mut self, question: Text) -> Change {
        self.question = Some(question);
        self
    }
}

/// The resources a person agreed to have replaced or touched, each by its id, after being
/// shown the change. `apply` observes afresh before writing; naming the resource (rather than
/// saying "yes") means a different resource found on that second look is never the one
/// changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Consent(Vec<String>);

impl Consent {
    /// Nothing destructive: what `verify`-like callers and `run --auto` without `--yes` give.
    pub fn none() -> Consent {
        Consent(Vec::new())
    }

    /// Consent to the destructive changes among `changes`, the ones just shown.
    pub fn to(changes: &[Change]) -> Consent {
        Consent(
            changes
                .iter()
                .filter(|c| c.destructive)
                .filter_map(|c| c.resource.clone())
                .collect(),
        )
    }

    pub fn covers(&self, resource: &str) -> bool {
        self.0.iter().any(|r| r == resource)
    }
}

/// Deletes one planned resource, dependents first. Something already gone counts as removed,
/// so running cleanup twice, or alongside the console, is harmless.
pub async fn remove(aws: &Aws, removal: &Removal) -> Result<(), AwsError> {
    let result = match &removal.target {
        removal::Target::FlowLog { id } => flow_log::remove(aws, id).await,
        removal::Target::LogGroup { name } => log_group::remove(aws, name).await,
        removal::Target::Role { name, detach } => role::remove(aws, name, detach).await,
        removal::Target::Policy { arn, versions } => policy::remove(aws, arn, versions).await,
        removal::Target::RestoreRules { rules, lesson } => {
            security_group_rule::restore_rules(aws, rules, lesson).await
        }
    };
    match result {
        Err(e)
            if e.code
                .as_deref()
                .is_some_and(|c| removal::GONE.contains(&c)) =>
        {
            Ok(())
        }
        other => other,
    }
}

/// Every step's removals, in the order they must go: the reverse of the lesson's order, so
/// the flow log goes before the log group and the role, and the role before its policy.
pub async fn cleanup_plan(aws: &Aws, lesson: &Lab) -> Result<Vec<Removal>, AwsError> {
    let mut out: Vec<Removal> = Vec::new();
    for step in lesson.steps.iter().rev() {
        for mut r in step.spec.plan_removal(aws, lesson, &step.id).await? {
            r.cli = r.cli.iter().map(|c| regional(c, &aws.region)).collect();
            if !out.iter().any(|o| o.key() == r.key()) {
                out.push(r);
            }
        }
    }
    Ok(out)
}

/// What a kind's `apply` starts from: the account read afresh and what the kind's own check
/// says about it.
pub struct Seen<O> {
    pub aws: Aws,
    pub identity: Identity,
    pub observed: O,
    pub findings: Vec<Finding>,
}

/// Whether the check reported `id` with one of `statuses`: what `apply` acts on.
pub(crate) fn found(findings: &[Finding], id: &str, statuses: &[Status]) -> bool {
    findings
        .iter()
        .any(|f| f.id == id && statuses.contains(&f.status))
}

/// The tag every resource awslab creates carries, for cleanup to find it by.
pub(crate) fn lesson_tag(lesson: &Lab) -> (&'static str, &str) {
    (LESSON_TAG, lesson.id.as_str())
}

/// Whether a resource found under the lab's name is provably the lab's: it carries the lesson
/// tag too, which awslab puts on what it creates. Anything else may be someone else's, and
/// every change `apply` would make to it (a new default policy version, a deleted version, a
/// replaced trust policy, an attachment) is destructive: made only with [`Consent`].
pub(crate) fn provably_lab(tags: Option<&[(String, String)]>, lesson: &Lab) -> bool {
    tags.is_some_and(|tags| removal::has_lesson_tag(tags, lesson))
}

/// The lesson tag as a person reads it: `awslab:lesson=vpc-flow-logs`.
pub(crate) fn lesson_tag_text(lesson: &Lab) -> String {
    removal::tag_text(lesson)
}

/// `--tags` of the IAM CLI for the lesson tag.
pub(crate) fn iam_tags_cli(lesson: &Lab) -> String {
    sh(&format!("Key={LESSON_TAG},Value={}", lesson.id))
}

/// A lesson asset `apply` writes. The loader has read every asset a step names, so a missing
/// one is a bug in awslab, reported against the call it stopped.
pub(crate) fn asset<'a>(
    lesson: &'a Lab,
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
            request_id: None,
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

/// What the step kinds know of the lesson they belong to, and all they know of it: its id (the
/// tag value), the documents it hands out, the permissions its role needs, and its steps' kinds
/// (a role step looks for the trust step of its role). The lesson loader builds it; the kinds
/// never see the lesson's texts, so `lesson` depends on `steps` and not the other way round.
#[derive(Debug, Clone)]
pub struct Lab {
    pub id: String,
    /// Asset name → contents (JSON documents the lab hands out), validated at load.
    pub assets: BTreeMap<String, String>,
    pub permissions: Vec<Permission>,
    pub steps: Vec<LabStep>,
    /// The folder the printed commands read the lab's documents from (`file://…`): where the
    /// wizard wrote them, or `awslab-<id>` (what `awslab lesson files` writes) elsewhere.
    pub files: String,
}

impl Lab {
    /// The folder a lab's documents are written to unless the student names another.
    pub fn default_files(id: &str) -> String {
        format!("awslab-{id}")
    }

    /// A lab document as an AWS CLI argument that works when pasted: `file://` plus its path
    /// in the lab folder, shell-quoted.
    pub fn file_arg(&self, asset: &str) -> String {
        let dir = self.files.trim_end_matches('/');
        sh(&format!("file://{dir}/{asset}"))
    }
}

#[derive(Debug, Clone)]
pub struct LabStep {
    pub id: String,
    pub spec: StepSpec,
}

/// Actions the lab's role must be allowed, each on the resource it acts on.
#[derive(Debug, Clone, serde::Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Permission {
    pub actions: Vec<String>,
    /// May contain `{region}` and `{account}`, filled in when checking.
    pub resource: String,
}

/// A port as a lesson writes it: a number, or text (it may come from a variable).
pub fn port_number(value: &toml::Value) -> Result<u16, String> {
    match value {
        toml::Value::Integer(n) => u16::try_from(*n).ok(),
        toml::Value::String(s) => s.trim().parse::<u16>().ok(),
        _ => None,
    }
    .filter(|p| *p != 0)
    .ok_or_else(|| format!("port: '{value}' is not a port number (1-65535)"))
}

/// Placeholders filled in from the account being checked, not from the lesson's variables.
pub const RUNTIME_VARIABLES: &[&str] = &["region", "account"];

/// A lesson string with `{region}` and `{account}` of the account being checked filled in.
pub fn fill_runtime(template: &str, region: &str, account: &str) -> String {
    crate::i18n::fill(template, |name| match name {
        "region" => Some(region.to_string()),
        "account" => Some(account.to_string()),
        _ => None,
    })
}

/// What a pure check knows besides its observation.
pub struct Env<'a> {
    pub lesson: &'a Lab,
    pub region: &'a str,
    pub account: &'a str,
    /// In the sandbox: the loopback stand-in for the instance, which fixes name instead of
    /// the emulator's made-up public IP.
    pub stand_in: Option<&'a StandIn>,
    /// The moment judged (Unix seconds): date conditions are weighed against it, as AWS weighs
    /// them against the time of each request.
    pub now: i64,
}

impl<'a> Env<'a> {
    pub fn new(lesson: &'a Lab, aws: &'a Aws, identity: &'a Identity) -> Env<'a> {
        Env {
            lesson,
            region: &aws.region,
            account: &identity.account,
            stand_in: aws.stand_in(),
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
        }
    }

    pub fn fill(&self, template: &str) -> String {
        fill_runtime(template, self.region, self.account)
    }

    /// The calls the Flow Logs service makes to CloudWatch Logs with the role `role_arn`: in
    /// this region, now, over TLS, as that role (see [`RequestContext::flow_logs_delivery`]).
    pub fn delivery_context(
        &self,
        role_arn: &str,
        role_created: Option<i64>,
        role_tags: Option<&[(String, String)]>,
    ) -> RequestContext {
        RequestContext::flow_logs_delivery_as(
            self.region,
            self.account,
            role_arn,
            role_created,
            role_tags,
            self.now,
        )
    }
}

/// The policies that give a role its permissions, as the pure checks weigh them: the identity
/// policies (each with the name a person knows it by) and the permissions boundary, if any.
pub struct Permissions<'a> {
    pub identity: Vec<(&'a str, &'a PolicyDocument)>,
    pub boundary: Option<(&'a str, &'a PolicyDocument)>,
    /// When the role was made, if it exists: its sessions are no older.
    pub role_created: Option<i64>,
    /// The role's tags, if it exists: its sessions' principal tags.
    pub role_tags: Option<&'a [(String, String)]>,
}

/// How a role's policies measure up to the lesson's required permissions, each action judged
/// on the resource it is authorised on, in the context of the delivery calls.
#[derive(Debug, Default)]
pub struct Gaps {
    pub missing: Vec<String>,
    pub denied: Vec<String>,
    /// Allowed by the identity policies but not by the permissions boundary.
    pub outside_boundary: Vec<String>,
    /// Hinging on a condition awslab cannot decide: counted as not allowed (fail closed).
    pub undecided: Vec<String>,
    /// The first undecidable part found, explained for the student.
    pub why_undecided: Option<Text>,
    /// The first Deny statement that decidedly applies.
    pub denied_by: Option<DeniedBy>,
}

impl Gaps {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
            && self.denied.is_empty()
            && self.outside_boundary.is_empty()
            && self.undecided.is_empty()
    }
}

pub fn permission_gaps(permissions: &Permissions, env: &Env, role_arn: &str) -> Gaps {
    let context = env.delivery_context(role_arn, permissions.role_created, permissions.role_tags);
    let identity: Vec<&PolicyDocument> = permissions.identity.iter().map(|(_, d)| *d).collect();
    let boundary = permissions.boundary.map(|(_, d)| d);
    let names: Vec<&str> = permissions
        .identity
        .iter()
        .map(|(n, _)| *n)
        .chain(permissions.boundary.map(|(n, _)| n))
        .collect();
    let mut gaps = Gaps::default();
    for permission in &env.lesson.permissions {
        let resource = env.fill(&permission.resource);
        for action in &permission.actions {
            let request = Request {
                action,
                resource: Some(&resource),
                principal: None,
                context: &context,
            };
            let evaluation = iam::evaluate_identity(&identity, boundary, &request);
            match evaluation.decision {
                Decision::Allow => {}
                Decision::ExplicitDeny => {
                    gaps.denied.push(action.clone());
                    if gaps.denied_by.is_none() {
                        gaps.denied_by =
                            definite_deny(&evaluation).map(|r| DeniedBy::of(r, &names));
                    }
                }
                Decision::ImplicitDeny => {
                    let without_boundary = iam::evaluate(&identity, &request).decision;
                    if boundary.is_some() && without_boundary == Decision::Allow {
                        gaps.outside_boundary.push(action.clone());
                    } else {
                        gaps.missing.push(action.clone());
                    }
                }
                Decision::Uncertain => {
                    gaps.undecided.push(action.clone());
                    if gaps.why_undecided.is_none() {
                        gaps.why_undecided = evaluation
                            .undecided
                            .first()
                            .map(|u| explain_undecided(u, &names));
                    }
                }
            }
        }
    }
    gaps
}

/// A Deny statement of `evaluation` that applies whatever awslab cannot see.
pub fn definite_deny(evaluation: &iam::Evaluation) -> Option<&iam::StatementRef> {
    evaluation
        .deny_statements
        .iter()
        .find(|r| !evaluation.undecided.iter().any(|u| &u.statement == *r))
}

/// A Deny statement as a person finds it: the policy, the statement's number and its Sid.
#[derive(Debug, Clone, Default)]
pub struct DeniedBy {
    pub policy: String,
    pub statement: usize,
    pub sid: String,
}

impl DeniedBy {
    pub fn of(r: &iam::StatementRef, names: &[&str]) -> DeniedBy {
        DeniedBy {
            policy: names.get(r.document).copied().unwrap_or("?").to_string(),
            statement: r.statement + 1,
            sid: r
                .sid
                .as_deref()
                .map(|s| format!(" (Sid {s})"))
                .unwrap_or_default(),
        }
    }

    /// `text` with the statement as its `by_policy`, `by_statement` and `by_sid`.
    pub fn args(by: Option<&DeniedBy>, text: Text) -> Text {
        let by = by.cloned().unwrap_or_default();
        text.arg("by_policy", by.policy)
            .arg("by_statement", by.statement)
            .arg("by_sid", by.sid)
    }
}

/// Why a statement could not be decided, naming the policy, the statement, the condition and
/// what was unknown, so an instructor can overrule it. What cannot be decided never counts in
/// the student's favour: an Allow as not allowing, a Deny as denying.
pub fn explain_undecided(u: &Undecided, names: &[&str]) -> Text {
    let (key, detail) = match &u.reason {
        UndecidedReason::UnknownKey(k) => ("iam.undecided-key", k.clone()),
        UndecidedReason::UnsupportedOperator(o) => ("iam.undecided-operator", o.clone()),
        UndecidedReason::BadValue(v) => ("iam.undecided-value", v.clone()),
        UndecidedReason::UnresolvedVariable(v) => ("iam.undecided-variable", v.clone()),
    };
    let sid = u
        .statement
        .sid
        .as_deref()
        .map(|s| format!(" (Sid {s})"))
        .unwrap_or_default();
    let condition = match &u.condition {
        Some(c) => c.to_string(),
        None => "Resource".to_string(),
    };
    Text::new(key)
        .arg(
            "policy",
            names.get(u.statement.document).copied().unwrap_or("?"),
        )
        .arg("statement", u.statement.statement + 1)
        .arg("sid", sid)
        .arg(
            "effect",
            if u.effect == Effect::Allow {
                "Allow"
            } else {
                "Deny"
            },
        )
        .arg("condition", condition)
        .arg("detail", detail)
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

/// Every `aws …` command in `cli` (several may be joined with `&&`) with `--region` added
/// where it has none: a command pasted into a fresh shell must not depend on the student's
/// configured default region.
pub fn regional(cli: &str, region: &str) -> String {
    cli.split(" && ")
        .map(|command| {
            if command.trim_start().starts_with("aws ") && !command.contains("--region") {
                format!("{command} --region {}", sh(region))
            } else {
                command.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" && ")
}

/// The findings with `--region` in every CLI command their fixes show.
fn regional_fixes(findings: Vec<Finding>, region: &str) -> Vec<Finding> {
    findings
        .into_iter()
        .map(|mut f| {
            if let Some(fix) = &mut f.remediation {
                for (name, value) in &mut fix.args {
                    if crate::finding::COMMAND_ARGS.contains(name) {
                        *value = regional(value, region);
                    }
                }
            }
            f
        })
        .collect()
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
    fn every_command_gets_the_region_once() {
        assert_eq!(
            regional(
                "aws ec2 delete-flow-logs --flow-log-ids fl-1 && aws ec2 create-flow-logs --x y",
                "ap-northeast-2"
            ),
            "aws ec2 delete-flow-logs --flow-log-ids fl-1 --region ap-northeast-2 && aws ec2 create-flow-logs --x y --region ap-northeast-2"
        );
        let has = "aws logs create-log-group --log-group-name g --region us-east-1";
        assert_eq!(regional(has, "ap-northeast-2"), has);
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(sh("MyVpc22-Log"), "MyVpc22-Log");
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("it's"), r"'it'\''s'");
    }
}
