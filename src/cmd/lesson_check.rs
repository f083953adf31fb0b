//! `awslab lesson check`: what a lesson author runs before shipping a lesson, and CI runs on
//! every lesson. First the file itself, as the lesson loader reads it (`lesson::schema`: every
//! problem at once, texts in Korean and English, step order, assets, documents, 100 points).
//! Then, in a private sandbox, what only a live account can show: that the lesson is sound the
//! way rustlings proves its exercises. On an empty account every check fails, and applying
//! the steps in order makes each one pass (the last, the test request, included).
//!
//! Exit codes: 0 sound, 1 a check that does not prove what it should, 2 a lesson that is not
//! valid (or could not be checked at all).

use crate::aws::Aws;
use crate::cmd::cli::LessonCheckArgs;
use crate::cmd::context::Context;
use crate::engine::{self, Verdict};
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::finding::Status;
use crate::i18n::{Lang, Text};
use crate::lesson::{Lesson, LessonError, Problem, Source, schema};
use crate::sandbox;
use crate::steps::{Consent, StepSpec};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long the sandbox takes to deliver the test request's record, at most.
const RECORD_WAIT: Duration = Duration::from_secs(30);

/// A problem as the check lists it: `  ✗ file: field: message`.
fn problem_line(p: &Problem, lang: Lang) -> String {
    Text::new("lesson-check.problem")
        .arg("problem", p.render(lang))
        .render(lang)
}

/// The lessons to check: those of a directory of lessons, one lesson's own directory, or
/// (without DIR) the ones awslab would use.
fn lessons_to_check(
    ctx: &Context,
    dir: Option<&Path>,
) -> Result<(Source, Vec<String>), LessonError> {
    let source = match dir {
        Some(dir) if dir.join("lesson.toml").is_file() => {
            let id = dir
                .canonicalize()
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_default();
            let parent = dir
                .canonicalize()
                .ok()
                .and_then(|d| d.parent().map(Path::to_path_buf))
                .unwrap_or_else(|| PathBuf::from("."));
            return Ok((Source::Dir(parent), vec![id]));
        }
        Some(dir) => Source::Dir(dir.to_path_buf()),
        None => ctx.source.clone(),
    };
    let ids = source.lesson_ids()?;
    Ok((source, ids))
}

pub async fn run(ctx: &Context, args: &LessonCheckArgs) -> Result<ExitCode, AppError> {
    let (source, ids) = lessons_to_check(ctx, args.dir.as_deref())?;
    if ids.is_empty() {
        return Err(LessonError::Unknown {
            id: String::new(),
            available: Vec::new(),
        }
        .into());
    }
    let (mut invalid, mut unsound) = (0, 0);
    for id in &ids {
        let (lesson, problems) = check_file(ctx, &source, id)?;
        invalid += problems;
        let Some(lesson) = lesson.filter(|_| !args.static_only) else {
            continue;
        };
        ctx.say(Text::new("lesson-check.sandbox"))?;
        let problems = check_sound(ctx, &source, &lesson).await?;
        for p in &problems {
            ctx.print(&format!("{}\n", problem_line(p, ctx.lang)))?;
        }
        unsound += problems.len();
    }
    let total = invalid + unsound;
    ctx.say(if total == 0 {
        Text::new("lesson-check.ok").arg("count", ids.len())
    } else {
        Text::new("lesson-check.failed").arg("count", total)
    })?;
    Ok(if invalid > 0 {
        ExitCode::CouldNotCheck
    } else if unsound > 0 {
        ExitCode::Fail
    } else {
        ExitCode::Pass
    })
}

/// Reads lesson `id` as the loader does and lists its problems. The lesson comes back when it
/// has none, with the number of problems listed.
fn check_file(
    ctx: &Context,
    source: &Source,
    id: &str,
) -> Result<(Option<Lesson>, usize), AppError> {
    let (file, text) = source.lesson_file(id)?;
    ctx.say(Text::new("lesson-check.checking").arg("file", &file))?;
    let (lesson, problems) = check_static(source, id, &file, &text);
    for p in &problems {
        ctx.print(&format!("{}\n", problem_line(p, ctx.lang)))?;
    }
    if let Some(lesson) = &lesson {
        ctx.say(Text::new("lesson-check.static-ok").arg("points", lesson.possible_points()))?;
    }
    Ok((lesson, problems.len()))
}

/// The file's problems, every one, as the loader finds them; the lesson when there are none.
fn check_static(
    source: &Source,
    id: &str,
    file: &str,
    text: &str,
) -> (Option<Lesson>, Vec<Problem>) {
    match schema::read(source, id, file, text, &[]) {
        Ok(lesson) => (Some(lesson), Vec::new()),
        Err(LessonError::Invalid(problems)) => (None, problems),
        Err(other) => {
            let said = Text::new("lesson-file.unreadable").arg("detail", other.to_string());
            (None, vec![Problem::new(file, "(lesson)", said)])
        }
    }
}

fn step_status(v: &Verdict, id: &str) -> Status {
    v.steps
        .iter()
        .find(|s| s.id == id)
        .map(|s| s.status)
        .unwrap_or(Status::Error)
}

fn not_done(v: &Verdict, id: &str, lang: Lang) -> String {
    v.steps
        .iter()
        .find(|s| s.id == id)
        .map(|s| {
            s.findings
                .iter()
                .filter(|f| !f.status.is_done())
                .map(|f| format!("{} {}: {}", f.id, f.status.as_str(), f.message.render(lang)))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default()
}

/// Does one step in the sandbox the way a student with "do it for me" would: applies it,
/// agreeing to what it names as destructive (the sandbox is this check's own), and for a
/// `traffic` step sends the test request to the stand-in. Whether the request was let through
/// is the step's business: a refused one was still sent.
async fn do_step(
    aws: &Aws,
    info: &sandbox::SandboxInfo,
    lab: &crate::steps::Lab,
    spec: &StepSpec,
) -> Result<bool, String> {
    let changes = spec
        .apply(aws, lab, &Consent::none())
        .await
        .map_err(|e| e.to_string())?;
    if changes.iter().any(|c| c.destructive) {
        spec.apply(aws, lab, &Consent::to(&changes))
            .await
            .map_err(|e| e.to_string())?;
    }
    if !matches!(spec, StepSpec::Traffic(_)) {
        return Ok(true);
    }
    // The test request, to the sandbox's loopback stand-in only.
    let sent = match info.probe_address() {
        Ok(addr) => !matches!(
            crate::probe::send(&format!("http://{addr}/")).await,
            Err(crate::probe::ProbeError::NotLoopback(_) | crate::probe::ProbeError::Other(_))
        ),
        Err(_) => false,
    };
    Ok(sent)
}

/// Verifies until step `id` is done, the record wait included (at most [`RECORD_WAIT`]).
async fn until_done(aws: &Aws, lesson: &Lesson, id: &str, wait: bool) -> (Status, Verdict) {
    let deadline = Instant::now() + RECORD_WAIT;
    loop {
        let v = engine::verify(&aws.fresh(), lesson).await;
        let status = step_status(&v, id);
        if status.is_done() || !wait || Instant::now() > deadline {
            return (status, v);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// What the proof in the sandbox works with, and the problems it found.
struct Proof<'a> {
    ctx: &'a Context,
    aws: Aws,
    info: sandbox::SandboxInfo,
    lesson: &'a Lesson,
    problems: Vec<Problem>,
}

/// Rustlings' proof for a lesson, in a private sandbox: nothing passes on an empty account,
/// and each step passes once applied, in order. A lesson that starts where others end
/// (`depends_on`) starts from an account where those are done, each of their steps applied.
async fn check_sound(
    ctx: &Context,
    source: &Source,
    lesson: &Lesson,
) -> Result<Vec<Problem>, AppError> {
    let realism = sandbox::Realism {
        delay: Duration::from_secs(1),
        ..sandbox::Realism::default()
    };
    let before = lesson.prerequisites(source)?;
    let running = sandbox::start(
        lesson,
        &before,
        &ctx.region_hint(),
        realism,
        std::io::stderr().is_terminal(),
    )
    .await?;
    let mut proof = Proof {
        ctx,
        aws: Aws::connect(&running.info.target()).await,
        info: running.info.clone(),
        lesson,
        problems: Vec::new(),
    };
    if proof.prerequisites_done(&before).await? {
        proof.fails_when_empty(&before).await?;
        proof.passes_once_applied().await?;
    }
    drop(running);
    Ok(proof.problems)
}

impl Proof<'_> {
    fn say(&mut self, field: impl Into<String>, text: Text) {
        self.problems
            .push(Problem::new(&self.lesson.file, field, text));
    }

    fn at(&self, i: usize) -> String {
        format!("steps[{i}] ({})", self.lesson.steps[i].id)
    }

    /// Does the lessons of `depends_on`, step by step. False when one could not be done.
    async fn prerequisites_done(&mut self, before: &[Lesson]) -> Result<bool, AppError> {
        let lang = self.ctx.lang;
        for earlier in before {
            for step in &earlier.steps {
                let said = match do_step(&self.aws, &self.info, &earlier.lab, &step.spec).await {
                    Err(e) => Some(Text::new("lesson-check.prerequisite-failed").arg("detail", e)),
                    Ok(sent) => {
                        let (status, v) = until_done(&self.aws, earlier, &step.id, sent).await;
                        (!status.is_done()).then(|| {
                            Text::new("lesson-check.prerequisite-not-done")
                                .arg("status", status.as_str())
                                .arg("detail", not_done(&v, &step.id, lang))
                        })
                    }
                };
                if let Some(said) = said {
                    let said = said.arg("lesson", &earlier.id).arg("step", &step.id);
                    self.say("depends_on", said);
                    return Ok(false);
                }
            }
            self.ctx
                .say(Text::new("lesson-check.prerequisite-done").arg("lesson", &earlier.id))?;
        }
        Ok(true)
    }

    /// Where the lesson starts, every step but the requests fails or is skipped.
    async fn fails_when_empty(&mut self, before: &[Lesson]) -> Result<(), AppError> {
        let empty = engine::verify(&self.aws.fresh(), self.lesson).await;
        if let Some(e) = empty.fatal {
            return Err(e.into());
        }
        let found = self.problems.len();
        for (i, step) in self.lesson.steps.iter().enumerate() {
            if matches!(step.spec, StepSpec::Traffic(_)) {
                continue;
            }
            let status = step_status(&empty, &step.id);
            if !matches!(status, Status::Fail | Status::Skip) {
                let said =
                    Text::new("lesson-check.passes-when-empty").arg("status", status.as_str());
                self.say(self.at(i), said);
            }
        }
        if self.problems.len() == found {
            self.ctx.say(if before.is_empty() {
                Text::new("lesson-check.empty-ok")
            } else {
                let ids: Vec<&str> = before.iter().map(|l| l.id.as_str()).collect();
                Text::new("lesson-check.start-ok").arg("lessons", ids.join(", "))
            })?;
        }
        Ok(())
    }

    /// Each step, applied in order, passes, and leaves every earlier one done.
    async fn passes_once_applied(&mut self) -> Result<(), AppError> {
        for i in 0..self.lesson.steps.len() {
            self.apply_step(i).await?;
        }
        Ok(())
    }

    async fn apply_step(&mut self, i: usize) -> Result<(), AppError> {
        let (lesson, lang) = (self.lesson, self.ctx.lang);
        let step = &lesson.steps[i];
        let traffic = matches!(step.spec, StepSpec::Traffic(_));
        let sent = match do_step(&self.aws, &self.info, &lesson.lab, &step.spec).await {
            Ok(sent) => sent,
            Err(e) => {
                self.say(
                    self.at(i),
                    Text::new("lesson-check.apply-failed").arg("detail", e),
                );
                return Ok(());
            }
        };
        let (status, v) = until_done(&self.aws, lesson, &step.id, traffic && sent).await;
        // Every step so far still counts as done: a later one undid none unproved.
        let undone: Vec<&str> = lesson.steps[..i]
            .iter()
            .filter(|s| !step_status(&v, &s.id).is_done())
            .map(|s| s.id.as_str())
            .collect();
        if !undone.is_empty() {
            let said = Text::new("lesson-check.undid").arg("steps", undone.join(", "));
            self.say(self.at(i), said);
        }
        let not_done = || not_done(&v, &step.id, lang);
        match status {
            s if s.is_done() => self.ctx.say(
                Text::new(if traffic {
                    "lesson-check.traffic-ok"
                } else {
                    "lesson-check.step-ok"
                })
                .arg("step", &step.id),
            )?,
            Status::Pending if traffic && !sent => self
                .ctx
                .say(Text::new("lesson-check.traffic-pending").arg("step", &step.id))?,
            s if traffic => {
                let said = Text::new("lesson-check.traffic-not-done")
                    .arg("status", s.as_str())
                    .arg("wait", RECORD_WAIT.as_secs())
                    .arg("detail", not_done());
                self.say(self.at(i), said);
            }
            s => {
                let said = Text::new("lesson-check.not-done")
                    .arg("status", s.as_str())
                    .arg("detail", not_done());
                self.say(self.at(i), said);
            }
        }
        Ok(())
    }
}
