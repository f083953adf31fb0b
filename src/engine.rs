//! Walks a lesson: observes every step concurrently (each AWS lookup once), judges each with
//! its kind's pure check, and turns findings into step statuses, a score and a verdict.

use crate::aws::{Aws, AwsError};
use crate::finding::{Finding, Status};
use crate::i18n::Text;
use crate::lesson::Lesson;
use crate::steps::read_error;
use futures::future::join_all;

#[derive(Debug, Clone)]
pub struct StepVerdict {
    pub id: String,
    pub status: Status,
    pub points: u32,
    pub earned: u32,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone)]
pub struct Verdict {
    pub lesson: String,
    pub account: Option<String>,
    pub region: String,
    pub status: Status,
    pub earned: u32,
    pub possible: u32,
    pub steps: Vec<StepVerdict>,
    /// Set when nothing could be read at all (no credentials, endpoint unreachable).
    pub fatal: Option<AwsError>,
}

pub async fn verify(aws: &Aws, lesson: &Lesson) -> Verdict {
    let (identity, judged) = tokio::join!(
        aws.identity(),
        join_all(lesson.steps.iter().map(|s| s.spec.judge(aws, &lesson.lab)))
    );
    let (account, fatal) = match identity {
        Ok(i) => (Some(i.account), None),
        Err(e) if e.is_fatal() => (None, Some(e)),
        Err(e) => (None, Some(e)),
    };
    let findings: Vec<Vec<Finding>> = match &fatal {
        // Every step would repeat the same failure; say it once per step, the same way.
        Some(e) => lesson.steps.iter().map(|_| vec![read_error(e)]).collect(),
        None => judged,
    };
    let steps = assemble(lesson, findings);
    Verdict {
        lesson: lesson.id.clone(),
        account,
        region: aws.region.clone(),
        status: overall(&steps),
        earned: steps.iter().map(|s| s.earned).sum(),
        possible: lesson.possible_points(),
        steps,
        fatal,
    }
}

/// Step statuses from findings, with the dependency rule: a step still waiting (pending) on a
/// step that is not done, directly or through the steps in between, is skipped, since what it
/// waits for cannot come. A flow log that is right in itself delivers nothing while the trust
/// policy behind it is wrong, so the wait names the trust step.
///
/// A step the lesson undoes on purpose later names the steps that prove it was done
/// (`proved_by`). Proof is settled before any dependency is weighed, so a step behind a proven
/// one is never told to wait for it; and a step still waiting for its own proof does not hold
/// back the step that will bring that proof.
pub fn assemble(lesson: &Lesson, findings: Vec<Vec<Finding>>) -> Vec<StepVerdict> {
    let mut own: Vec<(Status, Vec<Finding>)> = lesson
        .steps
        .iter()
        .zip(findings)
        .map(|(step, mut found)| {
            for f in &mut found {
                f.id = format!("{}.{}", step.id, f.id);
            }
            (Status::worst(found.iter().map(|f| f.status)), found)
        })
        .collect();
    prove(lesson, &mut own);
    let mut steps: Vec<StepVerdict> = Vec::new();
    for (step, (mut status, mut found)) in lesson.steps.iter().zip(own) {
        let blocked = not_done_behind(lesson, &step.depends, &steps, &step.id);
        if status == Status::Pending && !blocked.is_empty() {
            for f in &mut found {
                if f.status == Status::Pending {
                    f.status = Status::Skip;
                }
            }
            // Behind a step that is itself only waiting, nothing needs fixing: it comes next.
            let waiting = blocked.iter().all(|id| {
                steps
                    .iter()
                    .any(|s| &s.id == id && s.status == Status::Pending)
            });
            found.push(Finding::skip(
                &format!("{}.blocked", step.id),
                titled(
                    Text::new(if waiting {
                        "engine.after-pending"
                    } else {
                        "engine.blocked"
                    }),
                    lesson,
                    &blocked,
                ),
            ));
            status = Status::Skip;
        }
        let earned = if status.is_done() { step.points } else { 0 };
        steps.push(StepVerdict {
            id: step.id.clone(),
            status,
            points: step.points,
            earned,
            findings: found,
        });
    }
    steps
}

/// `text` naming the steps `ids`: by id (`steps`, for tools) and by title (`titles`, for
/// people: a sentence reads "「IAM 역할 만들기」 단계", not "role 단계").
fn titled(text: Text, lesson: &Lesson, ids: &[String]) -> Text {
    let titles = |lang: crate::i18n::Lang, open: &str, close: &str| -> String {
        ids.iter()
            .map(|id| {
                let title = lesson
                    .steps
                    .iter()
                    .find(|s| &s.id == id)
                    .map_or(id.as_str(), |s| s.title.get(lang));
                format!("{open}{title}{close}")
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    text.arg("steps", ids.join(", ")).arg_localized(
        "titles",
        titles(crate::i18n::Lang::Ko, "「", "」"),
        titles(crate::i18n::Lang::En, "\u{201c}", "\u{201d}"),
    )
}

/// A step that is not done now but that a later step proves was done (its `proved_by`) counts
/// as done: the lesson undid it on purpose. What its own check says stays, as skipped. Judged on
/// the steps' own findings, before the dependency rule.
fn prove(lesson: &Lesson, own: &mut [(Status, Vec<Finding>)]) {
    for (i, step) in lesson.steps.iter().enumerate() {
        if step.proved_by.is_empty() || own[i].0.is_done() {
            continue;
        }
        let proofs: Vec<String> = lesson
            .steps
            .iter()
            .zip(own.iter())
            .filter(|(s, (status, _))| step.proved_by.contains(&s.id) && status.is_done())
            .map(|(s, _)| s.id.clone())
            .collect();
        if proofs.is_empty() {
            continue;
        }
        let (status, found) = &mut own[i];
        for f in found.iter_mut() {
            if !f.status.is_done() {
                f.status = Status::Skip;
            }
        }
        found.push(Finding::pass(
            &format!("{}.proved", step.id),
            titled(Text::new("engine.proved"), lesson, &proofs),
        ));
        *status = Status::Pass;
    }
}

/// The steps among `depends` and everything they depend on in turn that are judged and not
/// done, in the lesson's order. Dependencies are on earlier steps only (the loader sees to it),
/// so every one of them is already in `judged`. A step waiting for its proof from `current`
/// (pending, with `current` in its `proved_by`) is not in the way: `current` is that proof.
fn not_done_behind(
    lesson: &Lesson,
    depends: &[String],
    judged: &[StepVerdict],
    current: &str,
) -> Vec<String> {
    let mut seen: Vec<&str> = Vec::new();
    let mut queue: Vec<&str> = depends.iter().map(String::as_str).collect();
    while let Some(id) = queue.pop() {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        if let Some(step) = lesson.step(id) {
            queue.extend(step.depends.iter().map(String::as_str));
        }
    }
    let awaits_current = |s: &StepVerdict| {
        s.status == Status::Pending
            && lesson
                .step(&s.id)
                .is_some_and(|step| step.proved_by.iter().any(|p| p == current))
    };
    judged
        .iter()
        .filter(|s| seen.contains(&s.id.as_str()) && !s.status.is_done() && !awaits_current(s))
        .map(|s| s.id.clone())
        .collect()
}

/// The lesson's status: error if anything could not be read; pass when
/// every step is done; pending when all that is missing is the record still on its way (a step
/// skipped is then one waiting behind it).
pub fn overall(steps: &[StepVerdict]) -> Status {
    if steps.iter().any(|s| s.status == Status::Error) {
        Status::Error
    } else if steps.iter().all(|s| s.status.is_done()) {
        Status::Pass
    } else if steps.iter().any(|s| s.status == Status::Pending)
        && steps
            .iter()
            .all(|s| s.status.is_done() || matches!(s.status, Status::Pending | Status::Skip))
    {
        Status::Pending
    } else {
        Status::Fail
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::Source;

    fn lesson() -> Lesson {
        Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).expect("lesson loads")
    }

    fn one(status: Status) -> Vec<Finding> {
        vec![Finding::new("x", status, Text::new("k"))]
    }

    #[test]
    fn pending_behind_a_failed_dependency_is_skipped() {
        let l = lesson();
        let mut f: Vec<_> = (0..6).map(|_| one(Status::Pass)).collect();
        f[4] = one(Status::Fail);
        f[5] = one(Status::Pending);
        let steps = assemble(&l, f);
        assert_eq!(steps[5].status, Status::Skip);
        assert_eq!(overall(&steps), Status::Fail);
        assert_eq!(steps.iter().map(|s| s.earned).sum::<u32>(), 55);
    }

    #[test]
    fn pending_behind_a_failed_step_further_back_is_skipped_and_names_it() {
        // The flow log itself is right, but the trust policy it delivers through is not.
        let l = lesson();
        let mut f: Vec<_> = (0..6).map(|_| one(Status::Pass)).collect();
        f[2] = one(Status::Fail);
        f[5] = one(Status::Pending);
        let steps = assemble(&l, f);
        assert_eq!(steps[4].status, Status::Pass);
        assert_eq!(steps[5].status, Status::Skip);
        let blocked = steps[5]
            .findings
            .iter()
            .find(|f| f.id == "traffic.blocked")
            .expect("a blocked finding");
        let named = blocked.message.args.iter().find(|(k, _)| *k == "steps");
        assert_eq!(named.map(|(_, v)| v.as_str()), Some("trust"));
    }

    #[test]
    fn only_the_record_missing_is_pending() {
        let l = lesson();
        let mut f: Vec<_> = (0..6).map(|_| one(Status::Pass)).collect();
        f[1] = one(Status::Warn);
        f[5] = one(Status::Pending);
        let steps = assemble(&l, f);
        assert_eq!(steps[5].status, Status::Pending);
        assert_eq!(overall(&steps), Status::Pending);
        assert_eq!(steps[1].earned, 15, "a warning still earns the points");
    }

    #[test]
    fn an_error_anywhere_is_an_error() {
        let l = lesson();
        let mut f: Vec<_> = (0..6).map(|_| one(Status::Pass)).collect();
        f[3] = one(Status::Error);
        assert_eq!(overall(&assemble(&l, f)), Status::Error);
    }

    #[test]
    fn a_step_the_lesson_undid_counts_as_done_once_a_later_step_proves_it() {
        let l = Lesson::load(&Source::Embedded, "flow-logs-troubleshooting", &[])
            .expect("lesson loads");
        // The port is open again (close-port fails on its own), the REJECT record is there.
        let steps = assemble(
            &l,
            vec![one(Status::Fail), one(Status::Pass), one(Status::Pass)],
        );
        assert_eq!(steps[0].status, Status::Pass);
        assert_eq!(steps[0].earned, 30);
        assert!(
            steps[0]
                .findings
                .iter()
                .any(|f| f.id == "close-port.proved")
        );
        assert_eq!(overall(&steps), Status::Pass);
        // Without the proof it stays failed.
        let steps = assemble(
            &l,
            vec![
                one(Status::Fail),
                one(Status::Pending),
                one(Status::Pending),
            ],
        );
        assert_eq!(steps[0].status, Status::Fail);
        assert_eq!(steps[1].status, Status::Skip);
    }

    fn troubleshooting() -> Lesson {
        Lesson::load(&Source::Embedded, "flow-logs-troubleshooting", &[]).expect("lesson loads")
    }

    fn statuses(steps: &[StepVerdict]) -> Vec<Status> {
        steps.iter().map(|s| s.status).collect()
    }

    #[test]
    fn a_proven_step_holds_back_nothing_behind_it() {
        // The port was put back before the ACCEPT arrived: the REJECT proves close-port, and
        // reopened waits for its record.
        let l = troubleshooting();
        let steps = assemble(
            &l,
            vec![one(Status::Fail), one(Status::Pass), one(Status::Pending)],
        );
        assert_eq!(
            statuses(&steps),
            [Status::Pass, Status::Pass, Status::Pending]
        );
        assert_eq!(overall(&steps), Status::Pending);
        assert_eq!(steps.iter().map(|s| s.earned).sum::<u32>(), 65);
    }

    #[test]
    fn a_step_waiting_for_its_proof_does_not_block_the_proof() {
        // Closed, reopened early, the REJECT still on its way: close-port waits (its own check
        // says pending), rejected waits for the record, reopened comes after it.
        let l = troubleshooting();
        let steps = assemble(
            &l,
            vec![
                one(Status::Pending),
                one(Status::Pending),
                one(Status::Pending),
            ],
        );
        assert_eq!(
            statuses(&steps),
            [Status::Pending, Status::Pending, Status::Skip]
        );
        let after = steps[2]
            .findings
            .iter()
            .find(|f| f.id == "reopened.blocked")
            .expect("says what it waits for");
        assert_eq!(after.message.key, "engine.after-pending");
        assert_eq!(overall(&steps), Status::Pending);
        // Behind a failed step, the wait names it as something to fix.
        let steps = assemble(
            &l,
            vec![
                one(Status::Fail),
                one(Status::Pending),
                one(Status::Pending),
            ],
        );
        assert_eq!(
            steps[1]
                .findings
                .iter()
                .find(|f| f.id == "rejected.blocked")
                .map(|f| f.message.key),
            Some("engine.blocked")
        );
        assert_eq!(overall(&steps), Status::Fail);
    }

    #[test]
    fn finding_ids_are_prefixed_with_the_step() {
        let l = lesson();
        let f: Vec<_> = (0..6).map(|_| one(Status::Pass)).collect();
        let steps = assemble(&l, f);
        assert_eq!(steps[2].findings[0].id, "trust.x");
    }
}
