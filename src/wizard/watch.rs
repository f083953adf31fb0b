//! Waiting for the access record: poll the ENI's streams (FilterLogEvents with the ENI id as
//! the stream prefix), judge what arrived with the traffic check's own matcher, until the
//! record is there, a rejection shows up, or time runs out. Polling works everywhere, the
//! emulator included; CloudWatch Logs Live Tail would save some seconds but not the minutes
//! AWS takes to deliver.

use crate::aws::{Aws, AwsError, LogEvent};
use crate::flow_record::FlowRecord;
use crate::lesson::Lesson;
use crate::steps::traffic::{self, Params};
use std::time::{Duration, Instant};

pub enum Watched {
    /// The records the step expects, oldest first; the last is the request's.
    Found {
        matched: Vec<(LogEvent, FlowRecord)>,
    },
    /// The request was dropped where it should have got through.
    Rejected {
        event: LogEvent,
    },
    TimedOut,
    /// The setup no longer has what the record needs (flow log or instance gone).
    NotConfigured,
}

/// How often to look, and for how long in all.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub poll: Duration,
    pub wait: Duration,
}

pub struct Progress<'a> {
    pub tick: &'a dyn Fn(Duration),
}

/// Sending the test request again while waiting. A new flow log captures nothing for its
/// first minutes, so the first request may leave no record at all; any request sent after
/// the first one has a record whose window follows it, which the search accepts.
pub struct Resend<'a> {
    pub url: &'a str,
    pub every: Duration,
    /// Told each time the request went out again.
    pub sent: &'a dyn Fn(Result<u16, String>),
}

/// Records carry the start of their capture window, which can precede the request by up to
/// the longest aggregation interval (10 minutes): the search reaches back that far and lets
/// [`Expected`](crate::steps::traffic::Expected) judge each record's window against the request.
const LONGEST_WINDOW_MS: i64 = 10 * 60 * 1000;

pub async fn until_record(
    aws: &Aws,
    lesson: &Lesson,
    p: &Params,
    sent_at_ms: i64,
    timing: Timing,
    progress: Progress<'_>,
    resend: Option<Resend<'_>>,
) -> Result<Watched, AwsError> {
    let Timing { poll, wait } = timing;
    let started = Instant::now();
    let mut last_sent = Instant::now();
    loop {
        let fresh = aws.fresh();
        let o = traffic::observe_setup(&fresh, p, &lesson.lab).await?;
        let (Some(fl), Some(instance)) = (&o.flow_log, &o.instance) else {
            return Ok(Watched::NotConfigured);
        };
        if instance.primary_eni().is_none() {
            return Ok(Watched::NotConfigured);
        }
        let found = traffic::search_streams(
            &fresh,
            fl,
            &o.feeds,
            instance,
            p,
            Some(sent_at_ms / 1000),
            // The records before the request's may be older than its window: a sequence is
            // searched from the flow log's creation.
            if p.expect.len() > 1 {
                fl.created.map(|s| s * 1000 - LONGEST_WINDOW_MS)
            } else {
                Some(sent_at_ms - LONGEST_WINDOW_MS)
            },
        )
        .await?;
        if found.complete {
            let mut matched = found.found;
            matched.reverse();
            return Ok(Watched::Found { matched });
        }
        // A REJECT says the request was dropped only when one request is expected: before a
        // sequence's last record, a REJECT whose window still covers the request may be the
        // one the sequence starts with.
        if let Some(event) = found.rejected.filter(|_| p.expect.len() == 1) {
            return Ok(Watched::Rejected { event });
        }
        if started.elapsed() >= wait {
            return Ok(Watched::TimedOut);
        }
        if let Some(r) = &resend {
            if last_sent.elapsed() >= r.every {
                last_sent = Instant::now();
                (r.sent)(crate::probe::send(r.url).await.map_err(|e| e.to_string()));
            }
        }
        (progress.tick)(started.elapsed());
        tokio::time::sleep(poll.min(wait.saturating_sub(started.elapsed()))).await;
    }
}
