//! `awslab run`: the interactive lab. Each step: why it exists, the exact documents and names,
//! then do it for me / I'll do it myself / hint / skip / quit, and a verification of the live
//! state with the engine's own checks after every attempt. The last step sends the test
//! request, waits for its access record and explains it field by field. Progress lives in the
//! account itself, so quitting loses nothing: the next run resumes at the first step not done.

mod last_step;
mod myself;
pub mod prompt;
pub mod watch;

use crate::aws::Aws;
use crate::engine::{self, StepVerdict, Verdict};
use crate::error::AppError;
use crate::finding::Status;
use crate::i18n::{Lang, Text};
use crate::lesson::{Lesson, Step};
use crate::report::text::{mark, status_word};
use crate::report::{fit_terminal, text_columns, wrap};
use crate::sandbox::SandboxInfo;
use crate::steps::{Change, Consent, StepSpec};
use colored::Colorize;
use prompt::{Choice, Prompter};
use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub struct Options {
    pub from: Option<String>,
    /// Answer yes to destructive changes (deleting and recreating a flow log).
    pub yes: bool,
    /// How long to wait for the access record; `None` adapts it to the flow log (its
    /// aggregation interval, AWS's delivery time, the sandbox's delays).
    pub wait: Option<Duration>,
    pub poll: Duration,
    /// Show a spinner while waiting (only on a terminal).
    pub spinner: bool,
    /// Where "do it for me" sends the test request outside the sandbox, instead of the
    /// instance's public IP (`run --probe-url`, already checked).
    pub probe_url: Option<String>,
    /// Where the lab's documents were written, as the student is told (None: not written).
    pub files: Option<String>,
    /// The lessons that start where this one ends (id, title): offered at its end.
    pub next: Vec<(String, String)>,
    /// The options before `run` that bring the student back to the same account in the
    /// commands the wizard prints (`--sandbox` when it was asked for), else empty.
    pub place: String,
}

pub enum Outcome {
    /// Every step done: the verdict at the end.
    Finished(Verdict),
    /// The user quit; progress is in the account.
    Quit(Verdict),
}

impl Outcome {
    pub fn verdict(&self) -> &Verdict {
        match self {
            Outcome::Finished(v) | Outcome::Quit(v) => v,
        }
    }
}

enum StepEnd {
    Done,
    Skipped,
    Quit,
}

pub struct Wizard<'a> {
    pub lesson: &'a Lesson,
    pub aws: &'a Aws,
    pub sandbox: Option<&'a SandboxInfo>,
    pub prompt: &'a mut dyn Prompter,
    pub out: &'a mut dyn Write,
    pub lang: Lang,
    pub opts: Options,
}

impl Wizard<'_> {
    /// Every line the wizard prints goes through here: fitted to the terminal's width (commands
    /// never broken), after the watch's ticker line is cleared, so nothing lands on it.
    fn say(&mut self, text: impl AsRef<str>) {
        if self.opts.spinner {
            let _ = write!(self.out, "\r\x1b[2K");
        }
        let _ = writeln!(self.out, "{}", fit_terminal(text.as_ref()));
    }

    /// What quitting says: in a private sandbox (started for this run, gone when it ends)
    /// progress is not kept, and the student is told how to keep a sandbox.
    fn quit_key(&self, key: &'static str) -> &'static str {
        match (self.sandbox.is_some_and(|s| s.is_private()), key) {
            (true, "wizard.quit") => "wizard.quit-private",
            (true, "wizard.choice-quit") => "wizard.choice-quit-private",
            _ => key,
        }
    }

    fn t(&self, key: &'static str) -> Text {
        Text::new(key)
    }

    fn r(&self, text: Text) -> String {
        text.render(self.lang)
    }

    async fn verify(&self) -> Verdict {
        engine::verify(&self.aws.fresh(), self.lesson).await
    }

    pub async fn run(&mut self) -> Result<Outcome, AppError> {
        let started = Instant::now();
        // What Ctrl-C from here on tells the student to run to come back.
        crate::error::set_resume(self.run_command());
        self.intro().await?;
        let verdict = self.verify().await;
        if let Some(e) = verdict.fatal.clone() {
            return Err(e.into());
        }
        self.overview(&verdict);

        let steps = &self.lesson.steps;
        let start = match &self.opts.from {
            Some(id) => steps
                .iter()
                .position(|s| &s.id == id)
                .ok_or_else(|| bad_from(self.lesson, id, self.lang))?,
            None => verdict
                .steps
                .iter()
                .position(|s| !s.status.is_done())
                .unwrap_or(steps.len()),
        };
        if start > 0 && start < steps.len() {
            let title = steps[start].title.get(self.lang).to_string();
            self.say(
                self.r(self.t("wizard.resume").arg("step", title))
                    .bold()
                    .to_string(),
            );
        }
        for (i, step) in steps.iter().enumerate().skip(start) {
            let done_before = verdict.steps.get(i).is_some_and(|s| s.status.is_done());
            if done_before && self.opts.from.as_deref() != Some(step.id.as_str()) {
                let line = self.r(self
                    .t("wizard.already-done")
                    .arg("step", step.title.get(self.lang)));
                self.say(format!("{} {line}", mark(Status::Pass)));
                continue;
            }
            match self.step(i, step).await? {
                StepEnd::Done | StepEnd::Skipped => {}
                StepEnd::Quit => {
                    let v = self.verify().await;
                    let quit = self
                        .t(self.quit_key("wizard.quit"))
                        .arg("step", step.title.get(self.lang))
                        .arg("command", self.run_command());
                    self.say(self.r(quit));
                    return Ok(Outcome::Quit(v));
                }
            }
        }
        let v = self.verify().await;
        self.summary(&v, started.elapsed());
        Ok(Outcome::Finished(v))
    }

    async fn intro(&mut self) -> Result<(), AppError> {
        let identity = self.aws.fresh().identity().await?;
        self.say(format!("\n{}", self.lesson.title.get(self.lang).bold()));
        self.say(wrap(self.lesson.summary.get(self.lang), text_columns()));
        self.say("");
        let mode = match self.sandbox {
            Some(info) => self
                .t("wizard.mode-sandbox")
                .arg("endpoint", &info.endpoint),
            None => self.t("wizard.mode-real"),
        };
        self.say(
            self.r(self
                .t("wizard.identity")
                .arg("account", &identity.account)
                .arg("region", &self.aws.region)
                .arg("arn", &identity.arn))
                .dimmed()
                .to_string(),
        );
        self.say(self.r(mode));
        if self.sandbox.is_none() && crate::cloudshell::detected() {
            self.say(wrap(&self.r(self.t("wizard.cloudshell")), text_columns()));
        }
        if let Some(files) = self.opts.files.clone() {
            self.say(wrap(&files, text_columns()));
        }
        if let Some(info) = self.sandbox {
            // Said once, so that "I'll do it myself" with the AWS CLI reaches the sandbox.
            self.say(self.r(self.t("wizard.sandbox-cli")));
            self.say(info.export_lines().trim_end().dimmed().to_string());
        }
        Ok(())
    }

    fn overview(&mut self, v: &Verdict) {
        self.say("");
        for (step, sv) in self.lesson.steps.iter().zip(&v.steps) {
            self.say(format!(
                " {} {}",
                mark(sv.status),
                step.title.get(self.lang)
            ));
        }
        self.say("");
    }

    fn header(&mut self, i: usize, step: &Step) {
        let n = self.lesson.steps.len();
        self.say(format!(
            "\n{} {}",
            format!("[{}/{}]", i + 1, n).cyan().bold(),
            step.title.get(self.lang).bold()
        ));
        self.say(wrap(step.instructions.get(self.lang), text_columns()));
        // Where the step is done in the console: the same words as the student's page.
        if let Some(console) = &step.console {
            let line = self.r(self.t("wizard.console").arg("path", console.get(self.lang)));
            self.say(wrap(&line, text_columns()).dimmed().to_string());
        }
        for asset in step.spec.documents(&self.lesson.lab) {
            if let Some(doc) = self.lesson.lab.assets.get(asset) {
                self.say(format!(
                    "\n{} ({asset}):",
                    self.r(self.t("wizard.document"))
                ));
                // JSON carries no raw control characters, but may carry invisible ones.
                self.say(crate::i18n::unhide(doc.trim_end()).dimmed().to_string());
            }
        }
        self.say("");
    }

    fn choices(&self, traffic: bool) -> Vec<(Choice, String)> {
        let doit = if traffic {
            "wizard.choice-send"
        } else {
            "wizard.choice-doit"
        };
        vec![
            (Choice::DoIt, self.r(self.t(doit))),
            (Choice::Myself, self.r(self.t("wizard.choice-myself"))),
            (Choice::Hint, self.r(self.t("wizard.choice-hint"))),
            (Choice::Skip, self.r(self.t("wizard.choice-skip"))),
            (
                Choice::Quit,
                self.r(self.t(self.quit_key("wizard.choice-quit"))),
            ),
        ]
    }

    async fn step(&mut self, i: usize, step: &Step) -> Result<StepEnd, AppError> {
        self.header(i, step);
        if let StepSpec::Traffic(p) = &step.spec {
            return self.traffic(step, p).await;
        }
        let mut hint = 0;
        let mut attempts = 0;
        // The menu comes back with the cursor where the student left it (after a hint, on
        // the hint).
        let mut cursor = Choice::DoIt;
        loop {
            let question = self.r(self.t("wizard.what-now"));
            let choice = self
                .prompt
                .choose(&question, &self.choices(false), cursor)?;
            cursor = choice;
            match choice {
                Choice::DoIt => {
                    // A step whose prerequisites are not done cannot be done for the student:
                    // say which to do first and go back to the question, with nothing written.
                    let missing = self.undone_dependencies(step).await;
                    if !missing.is_empty() {
                        self.say(
                            self.r(self
                                .t("wizard.do-first")
                                .arg("titles", missing.join(", "))
                                .arg("command", self.run_command())),
                        );
                        attempts += 1;
                        if self.prompt.automatic() && attempts >= 2 {
                            return Ok(StepEnd::Skipped);
                        }
                        continue;
                    }
                    self.do_it(step).await?
                }
                Choice::Myself => match self.watch_step(step).await? {
                    myself::Watched::Done => return Ok(StepEnd::Done),
                    myself::Watched::Menu => {
                        attempts += 1;
                        continue;
                    }
                },
                Choice::Hint => {
                    self.hint(step, &mut hint);
                    continue;
                }
                Choice::Skip => return Ok(StepEnd::Skipped),
                Choice::Quit => return Ok(StepEnd::Quit),
            }
            let sv = self.check_step(step).await;
            if sv.status.is_done() {
                return Ok(StepEnd::Done);
            }
            attempts += 1;
            if self.prompt.automatic() && attempts >= 2 {
                // Nobody to ask: leave it as the findings describe rather than loop.
                return Ok(StepEnd::Skipped);
            }
        }
    }

    /// The steps `step` depends on that are not done now, in the lesson's order.
    async fn undone_dependencies(&self, step: &Step) -> Vec<String> {
        if step.depends.is_empty() {
            return Vec::new();
        }
        let v = self.verify().await;
        // Named by title, as a sentence reads: "「IAM 역할 만들기」 단계".
        let (open, close) = match self.lang {
            Lang::Ko => ("「", "」"),
            Lang::En => ("\u{201c}", "\u{201d}"),
        };
        self.lesson
            .steps
            .iter()
            .zip(&v.steps)
            .filter(|(_, s)| step.depends.contains(&s.id) && !s.status.is_done())
            .map(|(s, _)| format!("{open}{}{close}", s.title.get(self.lang)))
            .collect()
    }

    fn hint(&mut self, step: &Step, next: &mut usize) {
        match step.hints.get(*next % step.hints.len().max(1)) {
            Some(h) => {
                let text = wrap(
                    h.get(self.lang, self.sandbox.is_some()),
                    text_columns().saturating_sub(3),
                );
                self.say(format!("{} {text}", "💡".yellow()));
            }
            None => self.say(self.r(self.t("wizard.no-hints"))),
        }
        *next += 1;
    }

    async fn do_it(&mut self, step: &Step) -> Result<(), AppError> {
        let changes = step
            .spec
            .apply(&self.aws.fresh(), &self.lesson.lab, &Consent::none())
            .await?;
        if changes.is_empty() {
            self.say(self.r(self.t("wizard.nothing-to-do")));
        }
        // Each destructive change is asked about with the resource it names; only those agreed
        // to are made, on exactly that resource.
        let mut agreed: Vec<Change> = Vec::new();
        for change in &changes {
            if change.destructive {
                let question = change
                    .question
                    .clone()
                    .unwrap_or_else(|| self.t("wizard.confirm-destructive"));
                let q = format!(
                    "{} {}",
                    self.r(change.description.clone()),
                    self.r(question)
                );
                self.say(format!("   $ {}", change.cli).dimmed().to_string());
                if self.opts.yes || self.prompt.confirm(&q)? {
                    agreed.push(change.clone());
                } else if self.prompt.automatic() {
                    // Nobody was asked: what would have changed, and why not, is said instead.
                    self.say(self.r(change.description.clone()));
                    self.say(self.r(self.t("wizard.left-as-is-auto")));
                } else {
                    self.say(self.r(self.t("wizard.left-as-is")));
                }
            } else {
                self.say(format!(
                    "{} {}",
                    "✓".green(),
                    self.r(change.description.clone())
                ));
                self.say(format!("   $ {}", change.cli).dimmed().to_string());
            }
        }
        if !agreed.is_empty() {
            for change in step
                .spec
                .apply(&self.aws.fresh(), &self.lesson.lab, &Consent::to(&agreed))
                .await?
            {
                if change.destructive
                    && change
                        .resource
                        .as_ref()
                        .is_some_and(|r| !agreed.iter().any(|a| a.resource.as_ref() == Some(r)))
                {
                    // A second look found something else to replace: that is a new question,
                    // left for the next round rather than answered by the first yes.
                    continue;
                }
                self.say(format!(
                    "{} {}",
                    "✓".green(),
                    self.r(change.description.clone())
                ));
                self.say(format!("   $ {}", change.cli).dimmed().to_string());
            }
        }
        Ok(())
    }

    /// The live verdict of one step.
    async fn step_verdict(&self, step: &Step) -> StepVerdict {
        let v = self.verify().await;
        v.steps
            .iter()
            .find(|s| s.id == step.id)
            .cloned()
            .unwrap_or(StepVerdict {
                id: step.id.clone(),
                status: Status::Error,
                points: step.points,
                earned: 0,
                findings: Vec::new(),
            })
    }

    /// What is not right in a step, each with its fix while the step is not done: the lines
    /// the check and the watch show.
    fn findings_lines(&self, sv: &StepVerdict) -> Vec<String> {
        // Prose wraps to the terminal; a command stays one line, to be pasted whole.
        let prose = |text: &str, indent: usize| -> Vec<String> {
            let width = text_columns().saturating_sub(indent).max(20);
            wrap(text, width).lines().map(str::to_string).collect()
        };
        let mut lines = Vec::new();
        for f in sv.findings.iter().filter(|f| f.status != Status::Pass) {
            let message = prose(&f.message.render(self.lang), 4);
            for (i, line) in message.iter().enumerate() {
                match i {
                    0 => lines.push(format!("  {} {line}", mark(f.status))),
                    _ => lines.push(format!("    {line}")),
                }
            }
            if !sv.status.is_done() {
                if let Some(fix) = &f.remediation {
                    for line in fix.render(self.lang).lines() {
                        let wrapped = match line.starts_with("$ ") {
                            true => vec![line.to_string()],
                            false => prose(line, 6),
                        };
                        for line in wrapped {
                            lines.push(format!("      {line}").cyan().to_string());
                        }
                    }
                }
            }
        }
        lines
    }

    /// Verifies the live state and shows this step's verdict.
    async fn check_step(&mut self, step: &Step) -> StepVerdict {
        let sv = self.step_verdict(step).await;
        self.show_step(&sv);
        sv
    }

    fn show_step(&mut self, sv: &StepVerdict) {
        for line in self.findings_lines(sv) {
            self.say(line);
        }
        let verdict = status_word(sv.status, self.lang);
        self.say(format!(
            "{} {}",
            mark(sv.status),
            self.r(self.t("wizard.step-verdict").arg("status", verdict))
        ));
    }

    fn summary(&mut self, v: &Verdict, took: Duration) {
        self.say("");
        // The scores in one column, whatever the titles' widths (Hangul counts two).
        let widest = self
            .lesson
            .steps
            .iter()
            .map(|s| crate::report::width(s.title.get(self.lang)))
            .max()
            .unwrap_or(0);
        for (step, sv) in self.lesson.steps.iter().zip(&v.steps) {
            self.say(format!(
                " {} {}  {}",
                mark(sv.status),
                crate::report::pad(step.title.get(self.lang), widest),
                format!("{:>3}/{}", sv.earned, sv.points).dimmed()
            ));
        }
        self.say(
            self.r(self
                .t("wizard.summary")
                .arg("earned", v.earned)
                .arg("possible", v.possible)
                .arg("status", status_word(v.status, self.lang))
                .arg("minutes", took.as_secs() / 60)
                .arg("seconds", took.as_secs() % 60))
                .bold()
                .to_string(),
        );
        let cleanup = match self.sandbox {
            Some(info) if info.is_private() => self.t("wizard.cleanup-private"),
            Some(info) => match crate::sandbox::state::memory_mb(info) {
                Some(mb) => self
                    .t("wizard.cleanup-sandbox")
                    .arg("processes", info.pids.len())
                    .arg("memory", mb),
                None => self
                    .t("wizard.cleanup-sandbox-unmeasured")
                    .arg("processes", info.pids.len()),
            },
            None => self.t("wizard.cleanup-real"),
        };
        let cleanup = self.r(cleanup);
        self.say(wrap(&cleanup, text_columns()));
        if v.status == Status::Pass {
            for (id, title) in self.opts.next.clone() {
                let next = self.r(self
                    .t("wizard.next")
                    .arg("lesson", title)
                    .arg("command", format!("awslab{} run {id}", self.opts.place)));
                self.say(format!("\n{}", next.bold()));
            }
        }
    }
}

/// `--from` naming no step of the lesson: a usage error listing the steps.
pub fn bad_from(lesson: &Lesson, id: &str, lang: Lang) -> AppError {
    let steps: Vec<&str> = lesson.steps.iter().map(|s| s.id.as_str()).collect();
    AppError::Usage(
        Text::new("wizard.bad-from")
            .arg("step", id)
            .arg("steps", steps.join(", "))
            .render(lang),
    )
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
