//! Grading a class: every account of the roster read concurrently with the verification
//! engine (the same checks and scores as `verify`), failures kept per account, late work
//! flagged against a deadline.

pub mod html;
pub mod organization;
pub mod report;
pub mod roster;

use crate::aws::{Aws, AwsError};
use crate::engine::{self, Verdict};
use crate::finding::Finding;
use crate::finding::Status;
use crate::i18n::{Lang, Text};
use crate::lesson::{LatePolicy, Lesson};
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
}

#[derive(Debug, Clone)]
pub struct Graded {
    pub student: String,
    pub line: usize,
    pub account: Option<String>,
    pub verdict: Verdict,
    /// Why the account could not be read, if it could not.
    pub error: Option<String>,
    /// Steps whose resources or record came after the deadline.
    pub late_steps: Vec<String>,
}

impl Graded {
    pub fn late(&self) -> bool {
        !self.late_steps.is_empty()
    }
    pub fn score(&self) -> u32 {
        self.verdict.earned
    }
}

/// Grades every row, `jobs` at a time; `done` is called after each account.
pub async fn grade(
    base: &aws_types::SdkConfig,
    rows: &[Row],
    lesson: &Lesson,
    opts: &Options,
    done: &(dyn Fn() + Sync),
) -> Vec<Graded> {
    let mut graded: Vec<(usize, Graded)> = futures::stream::iter(rows.iter().enumerate())
        .map(|(i, row)| async move {
            let g = grade_one(base, row, lesson, opts).await;
            done();
            (i, g)
        })
        .buffer_unordered(opts.jobs.max(1))
        .collect()
        .await;
    // In the order of `rows`: roster lines first, then the organization's accounts by name.
    graded.sort_by_key(|(i, _)| *i);
    graded.into_iter().map(|(_, g)| g).collect()
}

async fn grade_one(
    base: &aws_types::SdkConfig,
    row: &Row,
    lesson: &Lesson,
    opts: &Options,
) -> Graded {
    let graded = tokio::time::timeout(opts.account_timeout, async {
        match connect(base, row, &opts.role_name).await {
            Ok(aws) => engine::verify(&aws, lesson).await,
            Err(e) => unreadable(lesson, base, &[crate::steps::read_error(&e)], Some(e)),
        }
    })
    .await;
    let mut verdict = match graded {
        Ok(verdict) => verdict,
        // Dropping the unfinished check cancels its calls; the account is reported, not waited for.
        Err(_) => {
            let why =
                Text::new("grade.account-timeout").arg("seconds", opts.account_timeout.as_secs());
            let finding = Finding::new("timeout", Status::Error, why.clone());
            // The account id, when the roster gives it: it never answered.
            let account = row.account_id().map(str::to_string);
            return Graded {
                student: row.student.clone(),
                line: row.line,
                account,
                verdict: unreadable(lesson, base, &[finding], None),
                error: Some(why.render(opts.lang)),
                late_steps: Vec::new(),
            };
        }
    };
    let error = match (&verdict.fatal, verdict.status) {
        (Some(e), _) => Some(e.to_string()),
        (None, Status::Error) => verdict
            .steps
            .iter()
            .flat_map(|s| &s.findings)
            .find(|f| f.status == Status::Error)
            .map(|f| f.message.render(crate::i18n::Lang::En)),
        _ => None,
    };
    let late_steps = match opts.deadline {
        Some(deadline) => apply_deadline(&mut verdict, lesson, deadline),
        None => Vec::new(),
    };
    Graded {
        student: row.student.clone(),
        line: row.line,
        account: verdict.account.clone(),
        verdict,
        error,
        late_steps,
    }
}

/// Marks steps late whose judged resources came to be after the deadline; with the lesson's
/// no-credit policy they lose their points.
fn apply_deadline(verdict: &mut Verdict, lesson: &Lesson, deadline: i64) -> Vec<String> {
    let mut late = Vec::new();
    for step in &mut verdict.steps {
        if !step.status.is_done() {
            continue;
        }
        let after = step.findings.iter().filter_map(|f| f.created).max();
        if after.is_some_and(|t| t > deadline) {
            late.push(step.id.clone());
            if lesson.grading.late == LatePolicy::NoCredit {
                step.earned = 0;
            }
        }
    }
    verdict.earned = verdict.steps.iter().map(|s| s.earned).sum();
    late
}

/// A verdict for an account that could not be read at all: every step an error, with `why`.
fn unreadable(
    lesson: &Lesson,
    base: &aws_types::SdkConfig,
    why: &[Finding],
    fatal: Option<AwsError>,
) -> Verdict {
    let findings = lesson.steps.iter().map(|_| why.to_vec()).collect();
    let steps = engine::assemble(lesson, findings);
    Verdict {
        lesson: lesson.id.clone(),
        account: None,
        region: base.region().map(|r| r.to_string()).unwrap_or_default(),
        status: Status::Error,
        earned: 0,
        possible: lesson.possible_points(),
        steps,
        fatal,
    }
}

/// Credentials for one student's account, from the instructor's.
async fn connect(base: &aws_types::SdkConfig, row: &Row, role_name: &str) -> Result<Aws, AwsError> {
    let region = row.region.as_deref();
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
