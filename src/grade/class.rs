//! The class as grades.json holds it, read back: what report.html, report.md, junit.xml and
//! grades.csv are drawn from, and what they all say of it in the same words (the facts at the
//! top, the banner of an incomplete run, the failures the class shares, a student's late steps).

use crate::finding::Status;
use crate::i18n::{Lang, Text};
use serde::Deserialize;
use std::collections::BTreeMap;

/// grades.json, as far as the reports need it.
#[derive(Debug, Deserialize)]
pub struct Class {
    pub lesson: String,
    #[serde(default)]
    pub lesson_version: Option<String>,
    #[serde(default)]
    pub graded_at: Option<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub awslab_version: Option<String>,
    #[serde(default)]
    pub roster: Option<String>,
    /// Whether these are the grades of everyone asked for (an interrupted run, or one that read
    /// no account, is not).
    #[serde(default = "yes")]
    pub complete: bool,
    /// Why not, in a sentence.
    #[serde(default)]
    pub incomplete: Option<String>,
    #[serde(default)]
    pub deadline: Option<String>,
    pub students: Vec<Student>,
    #[serde(default)]
    pub roster_errors: Vec<RosterError>,
    #[serde(default)]
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Deserialize)]
pub struct Student {
    pub student: String,
    /// The roster's key (`student_id` or `email`), when it has one.
    #[serde(default)]
    pub key: Option<String>,
    /// The roster's other columns, as written.
    #[serde(default)]
    pub columns: Vec<(String, String)>,
    pub account: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub graded_at: Option<String>,
    /// `pass`, `fail`, `pending` or `not graded` (older files: the verdict's).
    #[serde(default)]
    pub status: Option<String>,
    /// None when the account could not be read: not graded is not zero.
    pub score: Option<u32>,
    pub late: bool,
    #[serde(default)]
    pub late_steps: Vec<String>,
    #[serde(default)]
    pub late_detail: Vec<LateStep>,
    #[serde(default)]
    pub undatable: Vec<Undatable>,
    pub error: Option<String>,
    pub verify: Verify,
}

impl Student {
    pub fn status(&self) -> &str {
        match (&self.status, &self.error) {
            (Some(s), _) => s,
            (None, Some(_)) => super::NOT_GRADED,
            (None, None) => self.verify.status.as_str(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct LateStep {
    pub step: String,
    pub at: String,
    #[serde(default)]
    pub no_credit: bool,
}

#[derive(Debug, Deserialize)]
pub struct Undatable {
    pub step: String,
    pub what: String,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
pub struct Verify {
    pub status: Status,
    pub score: Score,
    pub steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
pub struct Score {
    pub earned: u32,
    pub possible: u32,
}

#[derive(Debug, Deserialize)]
pub struct Step {
    pub id: String,
    pub status: Status,
    pub points: u32,
    pub earned: u32,
    pub checks: Vec<Check>,
}

#[derive(Debug, Deserialize)]
pub struct Check {
    pub id: String,
    pub status: Status,
    pub message: String,
    pub remediation: Option<String>,
    /// The check as the class summary shows it: its cause, message and fix without the
    /// student's ids (older files: none, and the message stands for the cause).
    #[serde(default)]
    pub class: Option<ClassView>,
}

#[derive(Debug, Deserialize)]
pub struct ClassView {
    pub cause: String,
    pub message: String,
    pub fix: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RosterError {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Deserialize)]
pub struct Skipped {
    pub account: String,
    pub name: String,
    pub reason: String,
}

/// The numbers the page shows at the top, the same ones as the terminal's summary line.
pub struct Summary {
    pub total: usize,
    pub graded: usize,
    pub mean: f64,
    pub passed: usize,
    pub late: usize,
    pub unreadable: usize,
}

impl Class {
    pub fn summary(&self) -> Summary {
        let readable: Vec<&Student> = self.readable().collect();
        let mean = if readable.is_empty() {
            0.0
        } else {
            readable
                .iter()
                .map(|s| f64::from(s.score.unwrap_or(0)))
                .sum::<f64>()
                / readable.len() as f64
        };
        Summary {
            total: self.students.len(),
            graded: readable.len(),
            mean,
            passed: self.readable().filter(|s| s.status() == "pass").count(),
            late: self.students.iter().filter(|s| s.late).count(),
            unreadable: self.students.len() - readable.len(),
        }
    }

    pub(super) fn readable(&self) -> impl Iterator<Item = &Student> {
        self.students
            .iter()
            .filter(|s| s.error.is_none() && s.score.is_some())
    }

    pub(super) fn possible(&self) -> u32 {
        self.students
            .iter()
            .map(|s| s.verify.score.possible)
            .max()
            .unwrap_or(0)
    }
}

/// Students failing one check for one cause.
pub struct Group<'a> {
    pub check: String,
    /// The cause: the message's key and the values that decide it, without any student's ids.
    pub cause: String,
    pub message: String,
    /// The fix with placeholders where each student's ids go.
    pub fix: Option<String>,
    pub who: Vec<&'a str>,
}

/// Checks of readable accounts that are failing or waiting (the record not there yet), grouped
/// by check and cause, most common first; every student in a group has that same cause.
pub fn common_failures(class: &Class) -> Vec<Group<'_>> {
    let mut groups: BTreeMap<(&str, String), Group> = BTreeMap::new();
    for s in class.readable() {
        for c in s.verify.steps.iter().flat_map(|v| &v.checks) {
            if !matches!(c.status, Status::Fail | Status::Pending) {
                continue;
            }
            let (cause, message, fix) = match &c.class {
                Some(v) => (v.cause.clone(), v.message.clone(), v.fix.clone()),
                None => (c.message.clone(), c.message.clone(), c.remediation.clone()),
            };
            let entry = groups
                .entry((c.id.as_str(), cause.clone()))
                .or_insert_with(|| Group {
                    check: c.id.clone(),
                    cause,
                    message,
                    fix,
                    who: Vec::new(),
                });
            if !entry.who.contains(&s.student.as_str()) {
                entry.who.push(&s.student);
            }
        }
    }
    let mut list: Vec<Group> = groups.into_values().collect();
    list.sort_by(|a, b| {
        b.who
            .len()
            .cmp(&a.who.len())
            .then_with(|| a.check.cmp(&b.check))
            .then_with(|| a.cause.cmp(&b.cause))
    });
    list
}

/// The facts every output carries, as (field, label, value).
pub fn about(class: &Class, lang: Lang) -> Vec<(&'static str, String, String)> {
    let t = |key: &'static str| Text::new(key).render(lang);
    let none = t("grade.about-none");
    let complete = match &class.incomplete {
        Some(why) if !class.complete => format!("{} ({why})", t("grade.about-incomplete")),
        _ if !class.complete => t("grade.about-incomplete"),
        _ => t("grade.about-complete"),
    };
    vec![
        (
            "graded_at",
            t("grade.about-graded-at"),
            class.graded_at.clone().unwrap_or_else(|| none.clone()),
        ),
        (
            "regions",
            t("grade.about-regions"),
            if class.regions.is_empty() {
                none.clone()
            } else {
                class.regions.join(", ")
            },
        ),
        (
            "lesson",
            t("grade.about-lesson"),
            match &class.lesson_version {
                Some(v) => format!("{} ({v})", class.lesson),
                None => class.lesson.clone(),
            },
        ),
        (
            "awslab_version",
            t("grade.about-awslab"),
            class.awslab_version.clone().unwrap_or_else(|| none.clone()),
        ),
        (
            "deadline",
            t("grade.about-deadline"),
            class.deadline.clone().unwrap_or_else(|| none.clone()),
        ),
        (
            "roster",
            t("grade.about-roster"),
            class.roster.clone().unwrap_or_else(|| none.clone()),
        ),
        ("complete", t("grade.about-state"), complete),
    ]
}

/// What the reports say at the top of an incomplete run, in `lang`: why it is incomplete.
pub fn incomplete_banner(class: &Class, lang: Lang) -> Option<String> {
    (!class.complete).then(|| {
        Text::new("grade.incomplete-banner")
            .arg("reason", class.incomplete.as_deref().unwrap_or(""))
            .render(lang)
    })
}

/// A student's late steps with their dates: `policy (2026-12-03T13:25:00Z)`.
pub fn late_text(s: &Student) -> String {
    if s.late_detail.is_empty() {
        return s.late_steps.join(", ");
    }
    s.late_detail
        .iter()
        .map(|l| format!("{} ({})", l.step, l.at))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What could not be dated in a student's done steps: `role: a policy attached to the role`.
pub fn undatable_text(s: &Student) -> String {
    s.undatable
        .iter()
        .map(|u| format!("{}: {}", u.step, u.what))
        .collect::<Vec<_>>()
        .join("; ")
}
