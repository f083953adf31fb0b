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
pub fn assemble(lesson: &Lesson, findings: Vec<Vec<Finding>>) -> Vec<StepVerdict> {
    let mut steps: Vec<StepVerdict> = Vec::new();
    for (step, mut found) in lesson.steps.iter().zip(findings) {
        for f in &mut found {
            f.id = format!("{}.{}", step.id, f.id);
        }
        let mut status = Status::worst(found.iter().map(|f| f.status));
        let blocked = not_done_behind(lesson, &step.depends, &steps);
        if status == Status::Pending && !blocked.is_empty() {
            for f in &mut found {
                if f.status == Status::Pending {
                    f.status = Status::Skip;
                }
            }
            found.push(Finding::skip(
                &format!("{}.blocked", step.id),
                Text::new("engine.blocked").arg("steps", blocked.join(", ")),
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
    prove(lesson, &mut steps);
    steps
}

/// A step that is not done now but that a later step proves was done (its `proved_by`) counts
/// as done: the lesson undid it on purpose. What its own check says stays, as skipped.
fn prove(lesson: &Lesson, steps: &mut [StepVerdict]) {
    for (i, step) in lesson.steps.iter().enumerate() {
        if step.proved_by.is_empty() || steps[i].status.is_done() {
            continue;
        }
        let proofs: Vec<String> = steps
            .iter()
            .filter(|s| step.proved_by.contains(&s.id) && s.status.is_done())
            .map(|s| s.id.clone())
            .collect();
        if proofs.is_empty() {
            continue;
        }
        let verdict = &mut steps[i];
        for f in &mut verdict.findings {
            if !f.status.is_done() {
                f.status = Status::Skip;
            }
        }
        verdict.findings.push(Finding::pass(
            &format!("{}.proved", step.id),
            Text::new("engine.proved").arg("steps", proofs.join(", ")),
        ));
        verdict.status = Status::Pass;
        verdict.earned = step.points;
    }
}

/// The steps among `depends` and everything they depend on in turn that are judged and not
/// done, in the lesson's order. Dependencies are on earlier steps only (the loader sees to it),
/// so every one of them is already in `judged`.
fn not_done_behind(lesson: &Lesson, depends: &[String], judged: &[StepVerdict]) -> Vec<String> {
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
    judged
        .iter()
        .filter(|s| seen.contains(&s.id.as_str()) && !s.status.is_done())
        .map(|s| s.id.clone())
        .collect()
}

/// The lesson's status: error if anything could not be read; pass when
/// every step is done; pending when all that is missing is the record still on its way.
pub fn overall(steps: &[StepVerdict]) -> Status {
    if steps.iter().any(|s| s.status == Status::Error) {
        Status::Error
    } else if steps.iter().all(|s| s.status.is_done()) {
        Status::Pass
    } else if steps
        .iter()
        .all(|s| s.status.is_done() || s.status == Status::Pending)
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

    #[test]
    fn finding_ids_are_prefixed_with_the_step() {
        let l = lesson();
        let f: Vec<_> = (0..6).map(|_| one(Status::Pass)).collect();
        let steps = assemble(&l, f);
        assert_eq!(steps[2].findings[0].id, "trust.x");
    }
}
