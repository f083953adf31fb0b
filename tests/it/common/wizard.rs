//! The wizard run in-process on a lab's account with scripted answers, as the wizard tests of
//! every area drive it.

use super::student::Lab;
use awslab::aws::Aws;
use awslab::lesson::{Lesson, Source};
use awslab::sandbox::SandboxInfo;
use awslab::wizard::prompt::{Prompter, Scripted};
use awslab::wizard::{Options, Outcome, Wizard};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// The options the tests run with: short waits, no spinner, starting at `from`.
pub fn options(from: Option<&str>, wait: Duration) -> Options {
    Options {
        from: from.map(str::to_string),
        yes: false,
        wait: Some(wait),
        poll: Duration::from_millis(200),
        spinner: false,
        probe_url: None,
        files: None,
        next: Vec::new(),
        place: String::new(),
    }
}

/// Runs the wizard of the lab's lesson on `lab`'s account (in `sandbox` if given) with
/// `prompt`'s answers; the outcome and the transcript.
pub async fn run(
    lab: &Lab,
    sandbox: Option<&SandboxInfo>,
    prompt: &mut Scripted,
    opts: Options,
) -> (Outcome, String) {
    let lesson = Lesson::load(&Source::Embedded, "vpc-flow-logs", &[])
        .unwrap_or_else(|e| panic!("lesson: {e}"));
    let mut out = Vec::new();
    let outcome = run_lesson(
        &lesson,
        &lab.account.sdk,
        sandbox,
        prompt,
        opts,
        awslab::i18n::Lang::En,
        &mut out,
    )
    .await;
    (outcome, String::from_utf8_lossy(&out).into_owned())
}

/// The wizard of `lesson` on the account of `sdk`, in `lang`, writing to `out`.
pub async fn run_lesson(
    lesson: &Lesson,
    sdk: &aws_types::SdkConfig,
    sandbox: Option<&SandboxInfo>,
    prompt: &mut dyn Prompter,
    opts: Options,
    lang: awslab::i18n::Lang,
    out: &mut dyn std::io::Write,
) -> Outcome {
    let aws = Aws::from_sdk(sdk.clone());
    Wizard {
        lesson,
        aws: &aws,
        sandbox,
        prompt,
        out,
        lang,
        opts,
    }
    .run()
    .await
    .unwrap_or_else(|e| panic!("wizard failed: {e}"))
}

/// A transcript the test reads while the wizard still writes to it (from a prompter, say).
#[derive(Clone, Default)]
pub struct Shared(pub Rc<RefCell<Vec<u8>>>);

impl Shared {
    /// Everything written so far, without colours.
    pub fn text(&self) -> String {
        strip_ansi(&String::from_utf8_lossy(&self.0.borrow()))
    }
}

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Text without terminal colour codes (ESC [ … letter).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The commands printed in `text` for a student to paste: every line that starts with `$ `.
pub fn printed_commands(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix("$ "))
        .map(|c| c.trim_end().to_string())
        .collect()
}
