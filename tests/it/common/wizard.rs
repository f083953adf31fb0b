//! The wizard run in-process on a lab's account with scripted answers, as the wizard tests of
//! every area drive it.

use super::student::Lab;
use awslab::aws::Aws;
use awslab::lesson::{Lesson, Source};
use awslab::sandbox::SandboxInfo;
use awslab::wizard::prompt::Scripted;
use awslab::wizard::{Options, Outcome, Wizard};
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
    let aws = Aws::from_sdk(lab.account.sdk.clone());
    let mut out = Vec::new();
    let outcome = Wizard {
        lesson: &lesson,
        aws: &aws,
        sandbox,
        prompt,
        out: &mut out,
        lang: awslab::i18n::Lang::En,
        opts,
    }
    .run()
    .await
    .unwrap_or_else(|e| panic!("wizard failed: {e}"));
    (outcome, String::from_utf8_lossy(&out).into_owned())
}
