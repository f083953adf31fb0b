//! Grading a class: every account of the roster read concurrently with the verification
//! engine (the same checks and scores as `verify`), failures kept per account, late work
//! flagged against a deadline.

pub mod access;
pub mod cause;
pub mod class;
pub mod html;
pub mod organization;
pub mod report;
pub mod role;
pub mod roster;
pub mod runs;
pub mod student_page;

use crate::aws::{Aws, AwsError};
use crate::engine::{self, Verdict};
use crate::finding::Finding;
use crate::finding::Status;
use crate::i18n::{Lang, Text};
use crate::lesson::{LatePolicy, Lesson};
use crate::steps::StepSpec;
use futures::StreamExt;
use roster::{Access, Row};
use std::time::Duration;

pub struct Options {
    pub jobs: usize,
    pub role_name: String,
    /// Unix seconds.
    pub deadline: Option<i64>,
    /// How long one account may take, from its AssumeRole to its verdict.
    pub account_timeout: Duration,
    /// The language of the per-account errors awslab itself words.
    pub lang: Lang,
    /// Where a row without its own `region` is graded: `--region`, else the lesson's, else
    /// the course's default. Never the instructor's configured region.
    pub region: String,
}

/// The region a class is graded in when nothing says otherwise: the lesson's, else the course's.
pub fn course_region(lesson: &Lesson, asked: Option<&str>) -> String {
    asked
        .map(str::to_string)
        .or_else(|| lesson.region.clone())
        .unwrap_or_else(|| crate::aws::DEFAULT_REGION.to_string())
}

#[derive(Debug, Clone)]
pub struct Graded {
    pub student: String,
    /// The roster's key for this student (`student_id` or `email`), when it has one.
    pub key: Option<String>,
    /// The roster's other columns, as written, for grades.csv.
    pub columns: Vec<(String, String)>,
    pub line: usize,
    pub account: Option<String>,
    /// The region the account was read in.
    pub region: String,
    /// When this account was read (Unix seconds).
    pub graded_at: i64,
    pub verdict: Verdict,
    /// Why the account could not be read, if it could not: a sentence.
    pub error: Option<String>,
    /// Steps whose resources or record came after the deadline, with that date.
    pub late: Vec<Late>,
    /// Done steps with a change no AWS API dates (catalogue keys naming it): it may have come
    /// after the deadline without this run being able to tell.
    pub undatable: Vec<(String, &'static str)>,
}

#[derive(Debug, Clone)]
pub struct Late {
    pub step: String,
    /// Unix seconds: the newest date found on the step's resources or record.
    pub at: i64,
    /// The step lost its points (the lesson's `late = "no-credit"`).
    pub no_credit: bool,
}

impl Graded {
    pub fn late(&self) -> bool {
        !self.late.is_empty()
    }
    pub fn late_steps(&self) -> Vec<String> {
        self.late.iter().map(|l| l.step.clone()).collect()
    }
    /// The points, or none when the account could not be read: not graded is not zero.
    pub fn score(&self) -> Option<u32> {
        self.error.is_none().then_some(self.verdict.earned)
    }
    /// Whether AWS throttled this account's reads past the SDK's retries: the whole account, or
    /// a read of one of its steps.
    pub fn throttled(&self) -> bool {
        let throttling = crate::aws::ErrorKind::Throttling;
        self.verdict
            .fatal
            .as_ref()
            .is_some_and(|e| e.kind == throttling)
            || self
                .verdict
                .steps
                .iter()
                .flat_map(|s| &s.findings)
                .any(|f| f.status == Status::Error && f.message.key == "error.throttling")
    }
    /// `pass`, `fail`, `pending`, or `not graded`.
    pub fn status(&self) -> &'static str {
        if self.error.is_some() {
            NOT_GRADED
        } else {
            self.verdict.status.as_str()
        }
    }
}

/// The status of an account that could not be read.
pub const NOT_GRADED: &str = "not graded";

/// Grades every row, `jobs` at a time, as a stream of (row index, result) in the order they
/// finish: the caller may stop listening (an interrupt) and keep what came.
pub fn grading<'a>(
    base: &'a aws_types::SdkConfig,
    rows: &'a [Row],
    lesson: &'a Lesson,
    opts: &'a Options,
) -> impl futures::Stream<Item = (usize, Graded)> + 'a {
    futures::stream::iter(rows.iter().enumerate())
        .map(move |(i, row)| async move { (i, grade_one(base, row, lesson, opts).await) })
        .buffer_unordered(opts.jobs.max(1))
}

/// A sentence for an AWS error in a grade's error column: the catalogue's words with the
/// error's own text (its code and what AWS said), never a debug dump.
pub fn error_sentence(e: &AwsError, lang: Lang) -> String {
    let mut e = e.clone();
    e.detail = without_debug_tail(&e.detail).to_string();
    crate::steps::read_error(&e).message.render(lang)
}

/// The verdict's error texts (an account that could not be read, or a read that failed) without
/// a debug dump: grades are read by people and imported into gradebooks.
fn without_debug(verdict: &mut Verdict) {
    if let Some(e) = &mut verdict.fatal {
        e.detail = without_debug_tail(&e.detail).to_string();
    }
    let findings = verdict.steps.iter_mut().flat_map(|s| &mut s.findings);
    for f in findings.filter(|f| f.status == Status::Error) {
        for (name, value) in &mut f.message.args {
            if *name == "detail" {
                *value = without_debug_tail(value).to_string();
            }
        }
    }
}

/// An SDK error's text without the Rust debug form of the error that some of them end with,
/// `… (os error 111) (DispatchFailure(DispatchFailure { … }))`: a person reads the sentence
/// before it.
fn without_debug_tail(detail: &str) -> &str {
    let mut cut = detail.len();
    for (at, _) in detail.match_indices(" (") {
        let rest = &detail[at + 2..];
        let name = rest
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(rest.len());
        let opens = rest[name..].starts_with('(') || rest[name..].starts_with(" {");
        if name > 0 && rest.starts_with(|c: char| c.is_ascii_uppercase()) && opens {
            cut = at;
            break;
        }
    }
    detail[..cut].trim_end()
}

async fn grade_one(
    base: &aws_types::SdkConfig,
    row: &Row,
    lesson: &Lesson,
    opts: &Options,
) -> Graded {
    let region = row.region.clone().unwrap_or_else(|| opts.region.clone());
    let graded = tokio::time::timeout(opts.account_timeout, async {
        match connect(base, row, &region, &opts.role_name).await {
            Ok(aws) => engine::verify(&aws, lesson).await,
            Err(e) => unreadable(lesson, &region, &[crate::steps::read_error(&e)], Some(e)),
        }
    })
    .await;
    let graded_at = crate::time::now_unix();
    let mut verdict = match graded {
        Ok(mut verdict) => {
            without_debug(&mut verdict);
            verdict
        }
        // Dropping the unfinished check cancels its calls; the account is reported, not waited for.
        Err(_) => {
            let why =
                Text::new("grade.account-timeout").arg("seconds", opts.account_timeout.as_secs());
            let finding = Finding::new("timeout", Status::Error, why.clone());
            // The account id, when the roster gives it: it never answered.
            let account = row.account_id().map(str::to_string);
            return Graded {
                student: row.student.clone(),
                key: row.key.clone(),
                columns: row.extra.clone(),
                line: row.line,
                account,
                region: region.clone(),
                graded_at,
                verdict: unreadable(lesson, &region, &[finding], None),
                error: Some(why.render(opts.lang)),
                late: Vec::new(),
                undatable: Vec::new(),
            };
        }
    };
    let error = match (&verdict.fatal, verdict.status) {
        (Some(e), _) => Some(error_sentence(e, opts.lang)),
        (None, Status::Error) => verdict
            .steps
            .iter()
            .flat_map(|s| &s.findings)
            .find(|f| f.status == Status::Error)
            .map(|f| f.message.render(opts.lang)),
        _ => None,
    };
    let (late, undatable) = match opts.deadline {
        Some(deadline) if error.is_none() => apply_deadline(&mut verdict, lesson, deadline),
        _ => (Vec::new(), Vec::new()),
    };
    Graded {
        student: row.student.clone(),
        key: row.key.clone(),
        columns: row.extra.clone(),
        line: row.line,
        // The account read, else the one the roster names (an account that could not be read).
        account: verdict
            .account
            .clone()
            .or_else(|| row.account_id().map(str::to_string)),
        region: if verdict.region.is_empty() {
            region
        } else {
            verdict.region.clone()
        },
        graded_at,
        verdict,
        error,
        late,
        undatable,
    }
}

/// What no AWS API dates in a done step of this kind: a change that may have come after the
/// deadline unseen (catalogue keys).
fn undatable_changes(spec: &StepSpec) -> &'static [&'static str] {
    match spec {
        // A version made the default again keeps its old date.
        StepSpec::Policy(_) => &["grade.undatable-default-version"],
        StepSpec::Role(_) => &["grade.undatable-attachment"],
        StepSpec::Trust(_) => &["grade.undatable-trust-edit"],
        StepSpec::SecurityGroupRule(_) => &["grade.undatable-rule"],
        _ => &[],
    }
}

/// Marks steps late whose judged resources or record came to be after the deadline; with the
/// lesson's no-credit policy they lose their points, and a step without points is not passed.
/// Done steps that are not late but hold a change no API dates are listed as undatable.
fn apply_deadline(
    verdict: &mut Verdict,
    lesson: &Lesson,
    deadline: i64,
) -> (Vec<Late>, Vec<(String, &'static str)>) {
    let no_credit = lesson.grading.late == LatePolicy::NoCredit;
    let mut late = Vec::new();
    let mut undatable = Vec::new();
    for (step, spec) in verdict.steps.iter_mut().zip(&lesson.steps) {
        if !step.status.is_done() {
            continue;
        }
        let after = step.findings.iter().filter_map(|f| f.created).max();
        match after {
            Some(at) if at > deadline => {
                late.push(Late {
                    step: step.id.clone(),
                    at,
                    no_credit,
                });
                if no_credit {
                    step.earned = 0;
                    step.status = Status::Fail;
                    step.findings.push(Finding::fail(
                        &format!("{}.late", step.id),
                        // The date is in the late list: the message is the same for everyone
                        // late, so the class summary shows them as one group.
                        Text::new("grade.late-no-credit")
                            .arg("deadline", crate::time::utc(deadline)),
                    ));
                }
            }
            _ => undatable.extend(
                undatable_changes(&spec.spec)
                    .iter()
                    .map(|key| (step.id.clone(), *key)),
            ),
        }
    }
    verdict.earned = verdict.steps.iter().map(|s| s.earned).sum();
    if late.iter().any(|l| l.no_credit) && verdict.status != Status::Error {
        verdict.status = Status::Fail;
    }
    (late, undatable)
}

/// A verdict for an account that could not be read at all: every step an error, with `why`.
fn unreadable(lesson: &Lesson, region: &str, why: &[Finding], fatal: Option<AwsError>) -> Verdict {
    let findings = lesson.steps.iter().map(|_| why.to_vec()).collect();
    let steps = engine::assemble(lesson, findings);
    Verdict {
        lesson: lesson.id.clone(),
        account: None,
        region: region.to_string(),
        status: Status::Error,
        earned: 0,
        possible: lesson.possible_points(),
        steps,
        fatal,
    }
}

/// Credentials for one student's account, from the instructor's.
pub(crate) async fn connect(
    base: &aws_types::SdkConfig,
    row: &Row,
    region: &str,
    role_name: &str,
) -> Result<Aws, AwsError> {
    let region = Some(region);
    let (arn, external_id) = match &row.access {
        Access::Role { arn, external_id } => (arn.clone(), external_id.clone()),
        Access::Account { id, external_id } => (
            format!("arn:aws:iam::{id}:role/{role_name}"),
            external_id.clone(),
        ),
        Access::Profile(profile) => return Aws::with_profile(base, region, profile).await,
    };
    Aws::assume_role(base, region, &arn, external_id, "awslab-grade").await
}

#[cfg(test)]
mod privacy_tests;
#[cfg(test)]
mod snapshot_tests;

#[cfg(test)]
mod tests {
    use super::without_debug_tail;

    fn graded(verdict: crate::engine::Verdict) -> super::Graded {
        super::Graded {
            student: "ana".into(),
            key: None,
            columns: Vec::new(),
            line: 2,
            account: None,
            region: "ap-northeast-2".into(),
            graded_at: 0,
            verdict,
            error: None,
            late: Vec::new(),
            undatable: Vec::new(),
        }
    }

    #[test]
    fn an_account_is_throttled_when_a_read_or_the_whole_account_was() {
        use crate::aws::{AwsError, ErrorKind};
        use crate::lesson::{Lesson, Source};
        let lesson = Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).expect("lesson");
        let error = |kind| AwsError {
            kind,
            operation: "iam:ListPolicies",
            code: Some("Throttling".into()),
            detail: "Rate exceeded".into(),
            request_id: None,
        };
        let throttled = error(ErrorKind::Throttling);
        let whole = super::unreadable(&lesson, "r", &[], Some(throttled.clone()));
        assert!(graded(whole).throttled());
        let one_read =
            super::unreadable(&lesson, "r", &[crate::steps::read_error(&throttled)], None);
        assert!(graded(one_read).throttled());
        let denied = error(ErrorKind::AccessDenied);
        let other = super::unreadable(
            &lesson,
            "r",
            &[crate::steps::read_error(&denied)],
            Some(denied),
        );
        assert!(!graded(other).throttled());
    }

    #[test]
    fn a_debug_dump_is_cut_from_an_error_sentence() {
        let detail = "cannot assume arn:aws:iam::1:role/r: dispatch failure: io error: tcp connect \
                      error: Connection refused (os error 111) (DispatchFailure(DispatchFailure { \
                      source: ConnectorError { kind: Io } }))";
        assert_eq!(
            without_debug_tail(detail),
            "cannot assume arn:aws:iam::1:role/r: dispatch failure: io error: tcp connect \
             error: Connection refused (os error 111)"
        );
        let plain = "AccessDenied: User is not authorized (for this role)";
        assert_eq!(without_debug_tail(plain), plain);
    }
}
