//! The wizard's last step: send the test request, wait for its access record in the ENI's
//! stream, and explain it field by field.

use super::prompt::Choice;
use super::{StepEnd, Wizard, now_ms, watch};
use crate::aws::Instance;
use crate::aws::{AwsError, FlowLog};
use crate::engine::StepVerdict;
use crate::error::AppError;
use crate::explain;
use crate::finding::Status;
use crate::flow_record::Action;
use crate::lesson::Step;
use crate::probe;
use crate::report::text::mark;
use crate::report::{text_columns, wrap};
use crate::steps::{Consent, security_group_rule, traffic};
use colored::Colorize;
use std::time::Duration;

/// How often the request goes out again while the wizard waits: on AWS often enough to be
/// captured soon after a new flow log starts, seldom enough not to flood the log.
const AWS_RESEND: Duration = Duration::from_secs(45);
const SANDBOX_RESEND: Duration = Duration::from_secs(5);
/// A new flow log's warm-up plus CloudWatch Logs' delivery, on top of the aggregation interval.
const AWS_DELIVERY_SECS: u64 = 10 * 60;
const SANDBOX_MARGIN_SECS: u64 = 30;

impl Wizard<'_> {
    pub(super) async fn traffic(
        &mut self,
        step: &Step,
        p: &traffic::Params,
    ) -> Result<StepEnd, AppError> {
        let mut hint = 0;
        let mut attempts = 0;
        let mut cursor = Choice::DoIt;
        loop {
            let question = self.r(self.t("wizard.what-now"));
            // "Send it for me" says what it changes first, if anything.
            let reopen = self.reopening(step, p).await?;
            let mut choices = self.choices(true);
            if let (Some(r), Some(send)) = (&reopen, choices.first_mut()) {
                send.1 = self.r(self
                    .t("wizard.choice-send-reopen")
                    .arg("port", p.port)
                    .arg("rules", &r.rules)
                    .arg("group", &r.group));
            }
            let choice = self.prompt.choose(&question, &choices, cursor)?;
            cursor = choice;
            // Hint, skip and quit need nothing from the account: answer them before reading it.
            match choice {
                Choice::Hint => {
                    self.hint(step, &mut hint);
                    continue;
                }
                Choice::Skip => return Ok(StepEnd::Skipped),
                Choice::Quit => return Ok(StepEnd::Quit),
                Choice::DoIt | Choice::Myself => {}
            }
            let o = traffic::observe(&self.aws.fresh(), p, &self.lesson.lab).await?;
            let Some(instance) = o.instance.clone() else {
                self.check_step(step).await;
                return Ok(StepEnd::Skipped);
            };
            let public_ip = instance.public_ip.clone().unwrap_or_default();
            let (url, shown) = probe::target(self.sandbox, &public_ip, p.port)
                .map_err(|e| AppError::Usage(e.to_string()))?;
            // Outside the sandbox, --probe-url replaces the public IP. Without it, an emulator's
            // account (a custom endpoint) leaves nowhere safe to send the request: the public IP
            // the emulator made up belongs to a real host.
            let (url, shown) = match (self.sandbox, &self.opts.probe_url) {
                (None, Some(probe_url)) => (probe_url.clone(), probe_url.clone()),
                _ => (url, shown),
            };
            let unsendable = self.sandbox.is_none()
                && self.opts.probe_url.is_none()
                && self.aws.sdk().endpoint_url().is_some();
            let request_ms = now_ms();
            if unsendable {
                self.say(self.r(self.t("wizard.probe-not-sent").arg("ip", &public_ip)));
                if self.prompt.automatic() {
                    // Nothing was sent, so no record can come: waiting would only take time.
                    return Ok(StepEnd::Skipped);
                }
                let msg = self.r(self.t("wizard.press-enter-sent"));
                self.prompt.pause(&msg)?;
            } else if choice == Choice::DoIt {
                // Opening the port again on a group awslab did not close it on is the
                // student's call.
                if let Some(r) = reopen.as_ref().filter(|r| !r.ours) {
                    let question = self.r(self
                        .t("wizard.reopen-confirm")
                        .arg("port", p.port)
                        .arg("rules", &r.rules)
                        .arg("group", &r.group));
                    if self.prompt.automatic() {
                        // Nobody to ask: what would have been asked is said.
                        self.say(wrap(&question, text_columns()));
                    }
                    if !(self.opts.yes || self.prompt.confirm(&question)?) {
                        if self.prompt.automatic() {
                            self.say(self.r(self.t("wizard.left-as-is-auto")));
                            self.check_step(step).await;
                            return Ok(StepEnd::Skipped);
                        }
                        self.say(self.r(self.t("wizard.left-as-is")));
                        continue;
                    }
                }
                // In the sandbox the command shown is the one that works: the stand-in's.
                let command = if self.sandbox.is_some() { &url } else { &shown };
                self.say(
                    format!("$ {}", traffic::request_cli(command))
                        .bold()
                        .to_string(),
                );
                if self.sandbox.is_some() {
                    self.say(
                        self.r(self.t("wizard.sandbox-probe").arg("url", &url))
                            .dimmed()
                            .to_string(),
                    );
                }
                // A step whose records need the port open again opens it first.
                let changes = match reopen {
                    Some(_) => {
                        step.spec
                            .apply(&self.aws.fresh(), &self.lesson.lab, &Consent::none())
                            .await?
                    }
                    None => Vec::new(),
                };
                for change in changes {
                    self.say(format!("{} {}", "✓".green(), self.r(change.description)));
                    self.say(format!("   $ {}", change.cli).dimmed().to_string());
                }
                let blocked_expected = p.expect.last() == Some(&Action::Reject);
                match probe::send(&url).await {
                    Ok(code) if blocked_expected => {
                        // It got through, so no REJECT can come: the port is still open.
                        self.say(self.r(self.t("wizard.probe-got-through").arg("code", code)));
                        self.check_step(step).await;
                        attempts += 1;
                        if self.prompt.automatic() && attempts >= 2 {
                            return Ok(StepEnd::Skipped);
                        }
                        continue;
                    }
                    Err(e @ (probe::ProbeError::Timeout(_) | probe::ProbeError::Refused(_)))
                        if blocked_expected =>
                    {
                        self.say(
                            self.r(self
                                .t("wizard.probe-blocked-expected")
                                .arg("url", command)
                                .arg("port", p.port)
                                .arg("detail", e.to_string())),
                        );
                    }
                    Ok(code) => self.say(self.r(self.t("wizard.probe-ok").arg("code", code))),
                    Err(e) => {
                        let text = match &e {
                            probe::ProbeError::Redirect { code, location } => self
                                .t("wizard.probe-redirect")
                                .arg("code", code)
                                .arg("location", location),
                            probe::ProbeError::Timeout(_) => self.t("wizard.probe-timeout"),
                            probe::ProbeError::Refused(_) => self.t("wizard.probe-refused"),
                            _ => self.t("wizard.probe-failed"),
                        };
                        self.say(self.r(text.arg("url", &shown).arg("detail", e.to_string())));
                        attempts += 1;
                        if self.prompt.automatic() && attempts >= 2 {
                            return Ok(StepEnd::Skipped);
                        }
                        continue;
                    }
                }
            } else {
                // What must be fixed before a request can tell anything (a port still closed,
                // say): shown and watched first, like any step done by hand.
                let blocked = |sv: &StepVerdict| {
                    sv.findings
                        .iter()
                        .any(|f| f.status == Status::Fail && !f.id.ends_with(".record"))
                };
                if blocked(&self.step_verdict(step).await) {
                    match self.watch_until(step, |sv| !blocked(sv), false).await? {
                        super::myself::Watched::Done => {}
                        super::myself::Watched::Menu => continue,
                    }
                }
                let target = if self.sandbox.is_some() {
                    url.clone()
                } else {
                    shown.clone()
                };
                // What to do and what to expect, then the command.
                let request = if p.expect.last() == Some(&Action::Reject) {
                    "wizard.request-blocked"
                } else {
                    "wizard.request"
                };
                self.say(self.r(self.t(request).arg("port", p.port)));
                self.say(
                    format!("$ {}", traffic::request_cli(&target))
                        .bold()
                        .to_string(),
                );
                if let Some(follow) = follow_cli(o.flow_log.as_ref(), &instance, &self.aws.region) {
                    self.say(self.r(self.t("wizard.follow")));
                    self.say_follow(follow);
                }
                let msg = self.r(self.t("wizard.press-enter-sent"));
                self.prompt.pause(&msg)?;
                // The stand-in knows whether the request reached it: with none, no record can
                // come, and waiting for one would end in wrong advice.
                if let Some(info) = self.sandbox {
                    if reached_since(info, request_ms).await == Some(false) {
                        let said = self.r(self.t("wizard.no-request").arg("url", &url));
                        self.say(wrap(&said, text_columns()));
                        self.say(
                            format!("$ {}", traffic::request_cli(&url))
                                .bold()
                                .to_string(),
                        );
                        continue;
                    }
                }
            }
            let wait = self.record_wait(o.flow_log.as_ref());
            let resend = (!unsendable
                && choice == Choice::DoIt
                && std::env::var_os("AWSLAB_NO_RESEND").is_none())
            .then_some(url.as_str());
            match self.wait_for_record(p, request_ms, wait, resend).await? {
                watch::Watched::Found { matched } => {
                    let Some((event, record)) = matched.last() else {
                        continue;
                    };
                    // For scripts/bench-latency.sh: from stored in the stream to seen here.
                    if std::env::var_os("AWSLAB_REPORT_LATENCY").is_some() {
                        if let Some(ingested) = event.ingested {
                            eprintln!(
                                "awslab: record detected {} ms after it was stored",
                                now_ms() - ingested
                            );
                        }
                    }
                    let found = match p.expect.as_slice() {
                        [Action::Accept] => self.t("wizard.record-found"),
                        [Action::Reject] => self.t("wizard.reject-found"),
                        _ => self
                            .t("wizard.sequence-found")
                            .arg("sequence", p.sequence()),
                    };
                    self.say(format!(
                        "\n{} {}",
                        mark(Status::Pass),
                        self.r(found.arg("stream", &event.stream))
                    ));
                    for (e, _) in &matched {
                        self.say(format!("  {}", e.message.bold()));
                    }
                    let known = explain::Known::lab(&instance, self.sandbox.is_some());
                    let rows = explain::explain(record, &known, self.lang);
                    self.say(explain::table(&rows, self.lang, text_columns()));
                    if record.action() == Some(Action::Reject) {
                        let why = self.r(self.t("wizard.reject-why").arg("port", p.port));
                        self.say(wrap(&why, text_columns()));
                    }
                    // Where the student finds it again without awslab: the console, a shell.
                    let group = o.flow_log.as_ref().and_then(|f| f.log_group.clone());
                    let look = self.r(self
                        .t("wizard.where-to-look")
                        .arg("region", &self.aws.region)
                        .arg("group", group.unwrap_or_default())
                        .arg("stream", &event.stream));
                    self.say(wrap(&look, text_columns()));
                    if let Some(follow) =
                        follow_cli(o.flow_log.as_ref(), &instance, &self.aws.region)
                    {
                        self.say_follow(follow);
                    }
                    return Ok(StepEnd::Done);
                }
                watch::Watched::Rejected { event } => {
                    self.say(format!("  {}", event.message));
                    self.check_step(step).await;
                }
                watch::Watched::NotConfigured => {
                    self.check_step(step).await;
                    return Ok(StepEnd::Skipped);
                }
                watch::Watched::TimedOut => {
                    self.say(
                        self.r(self
                            .t("wizard.record-timeout")
                            .arg("minutes", wait.as_secs().div_ceil(60))
                            .arg("command", self.resume_command(&step.id))),
                    );
                    self.check_step(step).await;
                    return Ok(StepEnd::Skipped);
                }
            }
            attempts += 1;
            if self.prompt.automatic() && attempts >= 2 {
                return Ok(StepEnd::Skipped);
            }
        }
    }

    /// How long the record may take: `--wait`, or what the flow log and the place imply. On
    /// AWS, the flow log's aggregation interval, plus the minutes a new flow log takes to start
    /// capturing and CloudWatch Logs takes to deliver; in the sandbox, its own delays.
    fn record_wait(&self, flow_log: Option<&FlowLog>) -> Duration {
        if let Some(wait) = self.opts.wait {
            return wait;
        }
        match self.sandbox {
            Some(info) => {
                Duration::from_secs(info.delay_seconds + info.warmup_seconds + SANDBOX_MARGIN_SECS)
            }
            None => {
                let interval = flow_log
                    .and_then(|f| f.max_aggregation_interval)
                    .unwrap_or(600)
                    .max(60) as u64;
                Duration::from_secs(interval + AWS_DELIVERY_SECS)
            }
        }
    }

    async fn wait_for_record(
        &mut self,
        p: &traffic::Params,
        request_ms: i64,
        wait: Duration,
        resend_to: Option<&str>,
    ) -> Result<watch::Watched, AwsError> {
        let expected = match (self.sandbox.is_some(), p.expect == [Action::Accept]) {
            (true, true) => self.t("wizard.waiting-sandbox"),
            (false, true) => self.t("wizard.waiting-aws"),
            (true, false) => self.t("wizard.waiting-expect-sandbox"),
            (false, false) => self.t("wizard.waiting-expect-aws"),
        };
        let message = self.r(expected.arg("port", p.port).arg("sequence", p.sequence()));
        self.say(message.clone());
        let every = if self.sandbox.is_some() {
            SANDBOX_RESEND
        } else {
            AWS_RESEND
        };
        if resend_to.is_some() && p.expect == [Action::Accept] {
            self.say(
                // A new flow log's quiet first minutes are AWS's; a sandbox has them only when
                // started with a warm-up.
                self.r(self
                    .t(if self.sandbox.is_some_and(|s| s.warmup_seconds == 0) {
                        "wizard.resending-sandbox"
                    } else {
                        "wizard.resending"
                    })
                    .arg("seconds", every.as_secs()))
                    .dimmed()
                    .to_string(),
            );
        }
        let spinner = self.opts.spinner.then(|| {
            let s = indicatif::ProgressBar::new_spinner();
            s.enable_steady_tick(Duration::from_millis(120));
            s
        });
        let tick = |elapsed: Duration| {
            if let Some(s) = &spinner {
                s.set_message(format!(
                    "{} {}:{:02}",
                    message,
                    elapsed.as_secs() / 60,
                    elapsed.as_secs() % 60
                ));
            }
        };
        let result = watch::until_record(
            self.aws,
            self.lesson,
            p,
            request_ms,
            watch::Timing {
                poll: self.opts.poll,
                wait,
            },
            watch::Progress { tick: &tick },
            resend_to.map(|url| watch::Resend {
                url,
                every,
                sent: &|_| {},
            }),
        )
        .await;
        if let Some(s) = spinner {
            s.finish_and_clear();
        }
        result
    }
}

/// What "send the request for me" opens first: the port a step's records need open, when it
/// is closed.
pub(super) struct Reopen {
    group: String,
    /// The rules put back, as cleanup names them (`tcp 80 from 0.0.0.0/0`).
    rules: String,
    /// Provably the lab's: awslab closed the port itself (it remembered the rules), or the
    /// group is the one it made for the sandbox.
    ours: bool,
}

impl Wizard<'_> {
    async fn reopening(
        &self,
        step: &Step,
        p: &traffic::Params,
    ) -> Result<Option<Reopen>, AppError> {
        if p.expect.last() != Some(&Action::Accept) {
            return Ok(None);
        }
        let o = traffic::observe(&self.aws.fresh(), p, &self.lesson.lab).await?;
        let Some(reach) = o.reach else {
            return Ok(None);
        };
        let sv = self.step_verdict(step).await;
        let closed = sv
            .findings
            .iter()
            .any(|f| f.id.ends_with(".port") && f.status == Status::Fail);
        if !closed {
            return Ok(None);
        }
        let rules = security_group_rule::to_restore(&reach, p.port);
        let Some(first) = rules.first() else {
            return Ok(None);
        };
        Ok(Some(Reopen {
            group: first.group_id.clone(),
            rules: rules
                .iter()
                .map(security_group_rule::describe)
                .collect::<Vec<_>>()
                .join(", "),
            ours: !reach.removed.is_empty() || reach.seeded.contains(&first.group_id),
        }))
    }
}

/// Whether a request reached the sandbox's stand-in at or after `since_ms` (None: the sandbox
/// does not say); a request that has just been sent is given a moment to be noted.
async fn reached_since(info: &crate::sandbox::SandboxInfo, since_ms: i64) -> Option<bool> {
    for _ in 0..10 {
        match info.request_since(since_ms) {
            Some(false) => tokio::time::sleep(Duration::from_millis(100)).await,
            other => return other,
        }
    }
    Some(false)
}

/// The command that follows the instance's stream, when the flow log and the ENI are known.
/// The commands that show the instance's stream: followed (AWS CLI v2), and read once (v1).
fn follow_cli(
    flow_log: Option<&FlowLog>,
    instance: &Instance,
    region: &str,
) -> Option<(String, String)> {
    let group = flow_log?.log_group.as_deref()?;
    let eni = instance.primary_eni()?;
    Some((
        traffic::follow_cli(group, &eni.id, region),
        traffic::read_cli(group, &eni.id, region),
    ))
}

impl Wizard<'_> {
    /// Where to watch the stream from a shell: v2's command, then v1's.
    fn say_follow(&mut self, (follow, read): (String, String)) {
        self.say(format!("$ {follow}"));
        self.say(self.r(self.t("wizard.follow-v1")));
        self.say(format!("$ {read}"));
    }
}

impl Wizard<'_> {
    /// The command that comes back to `step` of this lesson, in the same place.
    fn resume_command(&self, step: &str) -> String {
        format!("{} --from {step}", self.run_command())
    }

    /// The command that comes back to this lesson, in the same place, at its first step not
    /// done.
    pub(super) fn run_command(&self) -> String {
        format!("awslab{} run {}", self.opts.place, self.lesson.id)
    }
}
