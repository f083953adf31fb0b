//! "I'll do it myself": the wizard watches the step while the student does it in the console
//! or a shell, the way `rustlings watch` watches an exercise. It checks again by itself (every
//! 2 s in the sandbox; on AWS from 5 s, backing off to 30 s while nothing changes), moves on
//! the moment the step passes, and shows what is still wrong only when that changes, so the
//! screen does not scroll away from the fix being followed. Enter checks at once; `m` goes back
//! to the step's menu (hint, skip, quit). Only reads: the checks are `verify`'s.

use super::Wizard;
use super::prompt::Watch;
use crate::engine::StepVerdict;
use crate::error::AppError;
use crate::lesson::Step;
use colored::Colorize;
use std::time::{Duration, Instant};

/// How a watch ended.
pub enum Watched {
    Done,
    Menu,
}

/// How often a key press is looked for between checks.
const KEY_LOOK: Duration = Duration::from_millis(100);

impl Wizard<'_> {
    /// The check intervals: the sandbox answers at once, so every 2 s; AWS is asked less often
    /// the longer nothing changes (5 s doubling to 30 s), and at once again after a change.
    fn watch_intervals(&self) -> (Duration, Duration) {
        match self.sandbox {
            Some(_) => (Duration::from_secs(2), Duration::from_secs(2)),
            None => (Duration::from_secs(5), Duration::from_secs(30)),
        }
    }

    pub(super) async fn watch_step(&mut self, step: &Step) -> Result<Watched, AppError> {
        self.watch_until(step, |sv| sv.status.is_done(), true).await
    }

    /// Watches `step` until `ready` holds for its verdict (the step done, or for a last step
    /// what must be fixed before the request is sent); `verdict` shows the step's verdict then.
    pub(super) async fn watch_until(
        &mut self,
        step: &Step,
        ready: impl Fn(&StepVerdict) -> bool,
        verdict: bool,
    ) -> Result<Watched, AppError> {
        let (first, most) = self.watch_intervals();
        let mut every = first;
        let mut shown: Option<Vec<String>> = None;
        let intro = super::wrap(&self.r(self.t("wizard.watching")), super::text_columns());
        self.say(intro.dimmed().to_string());
        loop {
            let sv = self.step_verdict(step).await;
            if ready(&sv) {
                self.clear_ticker();
                if verdict {
                    self.show_step(&sv);
                }
                return Ok(Watched::Done);
            }
            let lines = self.findings_lines(&sv);
            if shown.as_ref() != Some(&lines) {
                self.clear_ticker();
                if shown.is_some() {
                    self.say(self.r(self.t("wizard.watch-changed")).bold().to_string());
                }
                if lines.is_empty() {
                    // Nothing specific to fix (a step still pending): the step's own hint.
                    if let Some(h) = step.hints.first() {
                        let hint = h.get(self.lang, self.sandbox.is_some()).to_string();
                        self.say(hint);
                    }
                }
                for line in &lines {
                    self.say(line);
                }
                shown = Some(lines);
                every = first;
            } else {
                every = (every * 2).min(most);
            }
            let checked = crate::time::clock(crate::time::now_unix());
            let deadline = Instant::now() + every;
            let mut key = None;
            while key.is_none() {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                self.ticker(&checked, left);
                key = self.prompt.watch_key()?;
                if key.is_some() {
                    self.erase_typed_line();
                }
                if key == Some(Watch::Other) {
                    // Typed or pasted here by mistake: said in one line, and the watch goes on.
                    let note = self.r(self.t("wizard.watch-other-key"));
                    self.say(note.dimmed().to_string());
                    key = None;
                }
                if key.is_none() {
                    tokio::time::sleep(KEY_LOOK.min(left)).await;
                }
            }
            if key == Some(Watch::Menu) {
                self.clear_ticker();
                return Ok(Watched::Menu);
            }
        }
    }

    /// One line, rewritten in place on a terminal: when the step was last checked, when the
    /// next check is, and the keys. Not written elsewhere (a log would fill with it).
    fn ticker(&mut self, checked: &str, left: Duration) {
        if !self.opts.spinner {
            return;
        }
        let line = self.r(self
            .t("wizard.watch-ticker")
            .arg("time", checked)
            .arg("seconds", left.as_secs() + 1));
        // One line, never wrapped: a wrapped ticker would leave a line behind at every redraw.
        let width = super::text_columns().saturating_sub(1);
        let line = console::truncate_str(&line, width, "…");
        let _ = write!(self.out, "\r\x1b[2K{}", line.dimmed());
        let _ = self.out.flush();
    }

    /// The terminal echoed what was typed and Enter moved the cursor down a line: the ticker's
    /// line, with the typing on it, is cleared.
    fn erase_typed_line(&mut self) {
        if self.opts.spinner {
            let _ = write!(self.out, "\r\x1b[2K\x1b[1A\r\x1b[2K");
        }
    }

    fn clear_ticker(&mut self) {
        if self.opts.spinner {
            let _ = write!(self.out, "\r\x1b[2K");
        }
    }
}
