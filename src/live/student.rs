//! The student's page (`awslab run --web`, `awslab watch --web`): the lesson's steps as a
//! checklist beside the AWS console, the current step with what to do, its documents, what is
//! not right yet with each command to copy, its hints one at a time, the score, and the record
//! explained field by field once it arrives.
//!
//! The state is built here by one pure function, [`state`], from the lesson and a verdict, in
//! the student's language; the loop that makes verdicts on a schedule and publishes them is
//! `student/watch.rs`; the page's words are the catalogues' (`[live]`), its style and script
//! `student/page.css` and `student/page.js`. It reads only: the checks are `verify`'s.

pub mod watch;

use crate::engine::{StepVerdict, Verdict};
use crate::error::AppError;
use crate::explain::Explained;
use crate::finding::Status;
use crate::i18n::{Lang, Text};
use crate::lesson::{Lesson, Step};
use maud::html;
use serde::Serialize;

const STYLE: &str = concat!(include_str!("base.css"), include_str!("student/page.css"));
const SCRIPT: &str = include_str!("student/page.js");

/// Everything the page shows, as its script reads it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct State {
    pub lesson: String,
    pub steps: Vec<StepRow>,
    /// The first step not done, with what to do there; none once every step is done.
    pub current: Option<Current>,
    pub score: Score,
    /// When the account was last read, as the student's clock says it.
    pub checked: Option<String>,
    /// Why the account could not be read, as a sentence; the steps are then as last seen.
    pub error: Option<String>,
    /// The access record of the lab's request, once a traffic step has found it.
    pub record: Option<Record>,
    /// Every step is done.
    pub done: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StepRow {
    pub id: String,
    pub title: String,
    /// `pass`, `fail`, … (`unknown` before the first check): the page colours by it.
    pub status: String,
    /// The status in words.
    pub word: String,
    pub done: bool,
    pub points: u32,
    pub earned: u32,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Current {
    pub id: String,
    /// "3/6": where the step is in the lesson.
    pub position: String,
    pub title: String,
    /// What to do and why, as the lesson says it.
    pub instructions: String,
    /// Where it is done in the AWS console, in the console's own words.
    pub console: Option<String>,
    pub documents: Vec<Document>,
    pub findings: Vec<Shown>,
    /// Every hint, in order: the page reveals them one at a time.
    pub hints: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Document {
    pub name: String,
    pub text: String,
}

/// A finding that is not passing, with its fix: the prose, and each command alone.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Shown {
    pub status: String,
    pub message: String,
    pub fix: Option<String>,
    pub commands: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Score {
    pub earned: u32,
    pub possible: u32,
    pub status: String,
    pub word: String,
}

/// The lab request's access record, field by field.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Record {
    /// The step whose record it is.
    pub step: String,
    pub line: String,
    pub stream: String,
    pub fields: Vec<Explained>,
}

/// What the state is drawn for: the student's language, and whether the account is the
/// sandbox (a hint may say it differently there).
#[derive(Debug, Clone, Copy)]
pub struct View {
    pub lang: Lang,
    pub sandbox: bool,
}

/// The page's state from a verdict (None: before the first check), the record when found, and
/// when the account was read (`checked`, a clock time).
pub fn state(
    lesson: &Lesson,
    verdict: Option<&Verdict>,
    record: Option<&Record>,
    checked: Option<&str>,
    view: View,
) -> State {
    let lang = view.lang;
    let of = |step: &Step| verdict.and_then(|v| v.steps.iter().find(|s| s.id == step.id));
    let steps: Vec<StepRow> = lesson
        .steps
        .iter()
        .map(|step| {
            let status = of(step).map(|s| s.status);
            StepRow {
                id: step.id.clone(),
                title: step.title.get(lang).to_string(),
                status: status.map_or("unknown", Status::as_str).to_string(),
                word: match status {
                    Some(s) => crate::report::text::status_word(s, lang),
                    None => Text::new("live.not-checked").render(lang),
                },
                done: status.is_some_and(Status::is_done),
                points: step.points,
                earned: of(step).map_or(0, |s| s.earned),
            }
        })
        .collect();
    let error = verdict
        .and_then(|v| v.fatal.clone())
        .map(|e| AppError::from(e).explain(lang));
    let current = match (verdict, &error) {
        (Some(_), None) => lesson
            .steps
            .iter()
            .enumerate()
            .find(|(_, step)| !of(step).is_some_and(|s| s.status.is_done()))
            .map(|(i, step)| current(lesson, i, step, of(step), view)),
        _ => None,
    };
    let done = verdict.is_some() && error.is_none() && steps.iter().all(|s| s.done);
    let status = verdict.map(|v| v.status);
    State {
        lesson: lesson.title.get(lang).to_string(),
        score: Score {
            earned: verdict.map_or(0, |v| v.earned),
            possible: lesson.possible_points(),
            status: status.map_or("unknown", Status::as_str).to_string(),
            word: match status {
                Some(s) => crate::report::text::status_word(s, lang),
                None => Text::new("live.not-checked").render(lang),
            },
        },
        steps,
        current,
        checked: checked.map(str::to_string),
        error,
        record: record.cloned(),
        done,
    }
}

fn current(
    lesson: &Lesson,
    index: usize,
    step: &Step,
    verdict: Option<&StepVerdict>,
    view: View,
) -> Current {
    let lang = view.lang;
    let documents = step
        .spec
        .documents(&lesson.lab)
        .into_iter()
        .filter_map(|name| {
            lesson.lab.assets.get(name).map(|text| Document {
                name: name.to_string(),
                text: text.trim_end().to_string(),
            })
        })
        .collect();
    let findings = verdict
        .map(|sv| {
            sv.findings
                .iter()
                .filter(|f| f.status != Status::Pass && f.status != Status::Tip)
                .map(|f| {
                    // The commands stand alone, each with its copy button; the prose keeps the
                    // rest of the fix.
                    let fix = f.remediation.as_ref().map(|r| prose_of(&r.render(lang)));
                    Shown {
                        status: f.status.as_str().to_string(),
                        message: f.message.render(lang),
                        fix: fix.filter(|t| !t.is_empty()),
                        commands: f.commands(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Current {
        id: step.id.clone(),
        position: format!("{}/{}", index + 1, lesson.steps.len()),
        title: step.title.get(lang).to_string(),
        instructions: reflowed(step.instructions.get(lang)),
        console: step.console.as_ref().map(|c| c.get(lang).to_string()),
        documents,
        findings,
        hints: step
            .hints
            .iter()
            .map(|h| h.get(lang, view.sandbox).to_string())
            .collect(),
    }
}

/// A fix without its commands (each has its own copy button) nor the label line that
/// introduces them ("CLI:").
fn prose_of(fix: &str) -> String {
    let lines: Vec<&str> = fix.lines().collect();
    let command = |l: &&str| l.trim_start().starts_with("$ ");
    lines
        .iter()
        .enumerate()
        .filter(|(i, l)| {
            let label = l.trim_end().ends_with(':') && lines.get(i + 1).is_some_and(command);
            !command(l) && !label
        })
        .map(|(_, l)| *l)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// A lesson's text as the page flows it: the file's line breaks inside a paragraph (written
/// for a terminal's width) become spaces; a blank line still parts paragraphs.
fn reflowed(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The page: its fixed frame and words in the student's language, drawn from `state`.
pub fn site(lesson: &Lesson, lang: Lang, state: super::server::State) -> super::server::Site {
    let w = |key: &'static str| Text::new(key).render(lang);
    let title = format!("{} · awslab", lesson.title.get(lang));
    let body = html! {
        main id="page"
            data-copy=(w("live.copy")) data-copied=(w("live.copied"))
            data-select=(w("live.select")) data-hint=(w("live.hint"))
            data-more-hint=(w("live.more-hint")) data-no-hint=(w("live.no-hint"))
            data-points=(w("live.points")) {
            header {
                h1 id="lesson" { (lesson.title.get(lang)) }
                p class="meta" {
                    span id="score" {}
                    " · "
                    span id="checked" { (w("live.connecting")) }
                }
                p id="lost" class="lost" hidden { (w("live.lost")) }
                p id="error" class="error" hidden {}
                p id="done" class="done" hidden { (w("live.done")) }
            }
            div class="columns" {
                section class="checklist" {
                    h2 { (w("live.steps")) }
                    ol id="steps" class="steps" {}
                }
                section id="current" class="current" hidden {
                    p class="position" id="position" {}
                    h2 id="step-title" {}
                    p class="console" id="console-line" hidden {
                        span class="label" { (w("live.console")) } " "
                        span id="console" {}
                    }
                    h3 { (w("live.what")) }
                    div id="instructions" class="prose" {}
                    div id="documents-part" hidden {
                        h3 { (w("live.documents")) }
                        div id="documents" {}
                    }
                    div id="findings-part" hidden {
                        h3 { (w("live.not-yet")) }
                        ul id="findings" class="findings" {}
                    }
                    div class="hints" {
                        ol id="hints" {}
                        button type="button" id="hint-button" { (w("live.hint")) }
                    }
                }
            }
            section id="record-part" class="record" hidden {
                h2 { (w("live.record")) }
                p id="record-stream" class="meta" {}
                pre id="record-line" {}
                table {
                    thead { tr {
                        th { (w("live.field")) } th { (w("live.value")) } th { (w("live.meaning")) }
                    } }
                    tbody id="record-fields" {}
                }
            }
            footer class="meta" { (w("live.reads-only")) }
        }
    };
    super::site(lang, &title, (STYLE, SCRIPT), body, state)
}

#[cfg(test)]
mod tests;
