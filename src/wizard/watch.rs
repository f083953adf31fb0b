//! Waiting for the access record: poll the ENI's streams (FilterLogEvents with the ENI id as
//! the stream prefix), judge what arrived with the traffic check's own matcher, until the
//! record is there, a rejection shows up, or time runs out. Polling works everywhere, the
//! emulator included; CloudWatch Logs Live Tail would save some seconds but not the minutes
//! AWS takes to deliver.

use crate::aws::{Aws, AwsError, LogEvent};
use crate::flow_record::FlowRecord;
use crate::lesson::Lesson;
use crate::steps::traffic::{self, Expected, Params};
use std::time::{Duration, Instant};

pub enum Watched {
    Found {
        event: LogEvent,
        record: FlowRecord,
    },
    Rejected {
        event: LogEvent,
    },
    TimedOut,
    /// The setup no longer has what the record needs (flow log or instance gone).
    NotConfigured,
}

pub struct Progress<'a> {
    pub tick: &'a dyn Fn(Duration),
}

pub async fn until_record(
    aws: &Aws,
    lesson: &Lesson,
    p: &Params,
    since_ms: i64,
    poll: Duration,
    wait: Duration,
    progress: Progress<'_>,
) -> Result<Watched, AwsError> {
    let started = Instant::now();
    loop {
        let fresh = aws.fresh();
        let o = traffic::observe(&fresh, p, lesson).await?;
        let (Some(fl), Some(eni)) = (
            &o.flow_log,
            o.instance.as_ref().and_then(|i| i.primary_eni()),
        ) else {
            return Ok(Watched::NotConfigured);
        };
        if let Ok(format) = traffic::format_of(fl) {
            let private_ip = eni.private_ip.clone().unwrap_or_default();
            let recent: Vec<LogEvent> = o
                .events
                .iter()
                .filter(|e| e.timestamp >= since_ms)
                .cloned()
                .collect();
            let found = traffic::search(
                &recent,
                &format,
                &Expected {
                    private_ip: &private_ip,
                    port: p.port,
                },
            );
            if let Some((event, record)) = found.accepted {
                return Ok(Watched::Found {
                    event: event.clone(),
                    record,
                });
            }
            if let Some(event) = found.rejected {
                return Ok(Watched::Rejected {
                    event: event.clone(),
                });
            }
        }
        if started.elapsed() >= wait {
            return Ok(Watched::TimedOut);
        }
        (progress.tick)(started.elapsed());
        tokio::time::sleep(poll.min(wait.saturating_sub(started.elapsed()))).await;
    }
}
