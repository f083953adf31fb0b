//! The loop behind the student's page and `awslab watch`: verifies the lesson on a schedule
//! (the sandbox every second; AWS from every 5 s, less often while nothing changes and when
//! throttled, at most every 30 s), publishes the page's state, and once a traffic step passes
//! reads its record and explains it field by field. Only reads: the checks are `verify`'s.

use super::{Record, View, state};
use crate::aws::{Aws, ErrorKind};
use crate::engine::{self, Verdict};
use crate::explain;
use crate::finding::Status;
use crate::lesson::Lesson;
use crate::live::Publisher;
use crate::steps::{StepSpec, traffic};
use std::ops::ControlFlow;
use std::time::Duration;

/// How often the lesson is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// After a change, and at first.
    pub first: Duration,
    /// The longest wait while nothing changes.
    pub most: Duration,
}

/// The longest wait whatever happens: a throttled account is asked again within this.
const CEILING: Duration = Duration::from_secs(30);

impl Schedule {
    /// The sandbox answers at once: every second, so a step shows done within a few.
    pub const SANDBOX: Schedule = Schedule {
        first: Duration::from_secs(1),
        most: Duration::from_secs(1),
    };
    /// AWS: from 5 s, doubling while nothing changes, to 30 s.
    pub const AWS: Schedule = Schedule {
        first: Duration::from_secs(5),
        most: CEILING,
    };

    /// The sandbox's schedule, or AWS's.
    pub fn for_place(sandbox: bool) -> Schedule {
        match sandbox {
            true => Schedule::SANDBOX,
            false => Schedule::AWS,
        }
    }

    /// The wait after a check that waited `last` before it: back to `first` when something
    /// changed, doubled (up to `most`) while nothing does, and doubled up to the ceiling when
    /// AWS throttled the reads, whatever changed.
    pub fn next(&self, last: Duration, changed: bool, throttled: bool) -> Duration {
        let doubled = (last * 2).max(self.first);
        if throttled {
            doubled.min(CEILING.max(self.most))
        } else if changed {
            self.first
        } else {
            doubled.min(self.most)
        }
    }
}

/// One lesson watched in one account.
pub struct Watcher<'a> {
    pub aws: &'a Aws,
    pub lesson: &'a Lesson,
    pub view: View,
    pub schedule: Schedule,
}

impl Watcher<'_> {
    /// Verifies, publishes and tells `seen` each verdict (with the one before it) until `seen`
    /// breaks; returns the last verdict.
    pub async fn run(
        &self,
        publisher: Option<&Publisher>,
        mut seen: impl FnMut(&Verdict, Option<&Verdict>) -> ControlFlow<()>,
    ) -> Verdict {
        let mut before: Option<Verdict> = None;
        let mut record: Option<Record> = None;
        let mut wait = self.schedule.first;
        loop {
            let verdict = engine::verify(&self.aws.fresh(), self.lesson).await;
            record = self.record(&verdict, record).await;
            if let Some(publisher) = publisher {
                let checked = crate::time::clock(crate::time::now_unix());
                let shown = state(
                    self.lesson,
                    Some(&verdict),
                    record.as_ref(),
                    Some(&checked),
                    self.view,
                );
                // A state of strings and numbers always serialises.
                if let Ok(value) = serde_json::to_value(&shown) {
                    publisher.publish(&value);
                }
            }
            let flow = seen(&verdict, before.as_ref());
            let changed = before
                .as_ref()
                .is_none_or(|b| statuses(b) != statuses(&verdict));
            if flow.is_break() {
                return verdict;
            }
            wait = self.schedule.next(wait, changed, throttled(&verdict));
            before = Some(verdict);
            tokio::time::sleep(wait).await;
        }
    }

    /// The record of the last traffic step done: kept while that step stays done, read once
    /// when it comes to be.
    async fn record(&self, verdict: &Verdict, kept: Option<Record>) -> Option<Record> {
        let (step, p) = self
            .lesson
            .steps
            .iter()
            .zip(&verdict.steps)
            .rev()
            .filter(|(_, sv)| sv.status.is_done())
            .find_map(|(step, _)| match &step.spec {
                StepSpec::Traffic(p) => Some((step, p)),
                _ => None,
            })?;
        if let Some(kept) = kept.filter(|r| r.step == step.id) {
            return Some(kept);
        }
        let (instance, found) = traffic::lab_record(&self.aws.fresh(), p, &self.lesson.lab)
            .await
            .ok()??;
        let (event, record) = found.last()?;
        let known = explain::Known::lab(&instance, self.view.sandbox);
        Some(Record {
            step: step.id.clone(),
            line: event.message.clone(),
            stream: event.stream.clone(),
            fields: explain::explain(record, &known, self.view.lang),
        })
    }
}

fn statuses(v: &Verdict) -> Vec<Status> {
    v.steps.iter().map(|s| s.status).collect()
}

/// Whether AWS throttled any read of this check.
fn throttled(v: &Verdict) -> bool {
    v.fatal
        .as_ref()
        .is_some_and(|e| e.kind == ErrorKind::Throttling)
        || v.steps
            .iter()
            .flat_map(|s| &s.findings)
            .any(|f| f.message.key == "error.throttling")
}

/// The steps whose status changed between two verdicts: (index, status now).
pub fn changes(before: Option<&Verdict>, now: &Verdict) -> Vec<(usize, Status)> {
    now.steps
        .iter()
        .enumerate()
        .filter(|(i, s)| before.and_then(|b| b.steps.get(*i)).map(|b| b.status) != Some(s.status))
        .map(|(i, s)| (i, s.status))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn the_sandbox_is_asked_every_second() {
        let s = Schedule::SANDBOX;
        assert_eq!(s.next(S(1), false, false), S(1));
        assert_eq!(s.next(S(1), true, false), S(1));
    }

    #[test]
    fn aws_is_asked_less_often_while_nothing_changes_and_at_once_after_a_change() {
        let s = Schedule::AWS;
        let mut wait = s.first;
        let mut seen = Vec::new();
        for _ in 0..5 {
            wait = s.next(wait, false, false);
            seen.push(wait.as_secs());
        }
        assert_eq!(seen, [10, 20, 30, 30, 30]);
        assert_eq!(s.next(S(30), true, false), S(5));
    }

    #[test]
    fn throttling_backs_off_even_after_a_change_and_never_past_30_s() {
        assert_eq!(Schedule::AWS.next(S(5), true, true), S(10));
        assert_eq!(Schedule::AWS.next(S(20), true, true), S(30));
        assert_eq!(Schedule::SANDBOX.next(S(1), false, true), S(2));
        assert_eq!(Schedule::SANDBOX.next(S(30), false, true), S(30));
    }
}
