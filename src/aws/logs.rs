//! CloudWatch Logs reads: log groups (here and in other regions) and flow log events.

use super::error::{classify, not_found_as_none};
use super::{Aws, AwsError};
use std::ops::ControlFlow;

#[derive(Debug, Clone)]
pub struct LogGroup {
    pub name: String,
    pub arn: Option<String>,
    pub region: String,
    pub created: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct LogEvent {
    pub stream: String,
    pub timestamp: i64,
    /// When CloudWatch Logs stored it (ms): where detection latency is measured from.
    pub ingested: Option<i64>,
    pub message: String,
}

/// Near-miss names are a courtesy; an account with thousands of groups does not need all read.
const MAX_GROUP_NAMES: usize = 2_000;

impl Aws {
    fn logs_in(&self, region: &str) -> aws_sdk_cloudwatchlogs::Client {
        if region == self.region {
            return self.logs.clone();
        }
        let config = aws_sdk_cloudwatchlogs::config::Builder::from(&self.sdk)
            .region(aws_types::region::Region::new(region.to_string()))
            .interceptor(super::record::Recorder {
                log: self.calls.clone(),
            })
            .build();
        aws_sdk_cloudwatchlogs::Client::from_conf(config)
    }

    /// The log group with exactly this name in `region`.
    pub async fn log_group(&self, region: &str, name: &str) -> Result<Option<LogGroup>, AwsError> {
        self.log_group
            .get(&format!("{region}/{name}"), || async {
                let client = self.logs_in(region);
                let mut pages = client
                    .describe_log_groups()
                    .log_group_name_prefix(name)
                    .into_paginator()
                    .items()
                    .send();
                while let Some(item) = pages.next().await {
                    let g = item.map_err(|e| classify("logs:DescribeLogGroups", e))?;
                    if g.log_group_name() == Some(name) {
                        return Ok(Some(LogGroup {
                            name: name.to_string(),
                            arn: g.arn().map(str::to_string),
                            region: region.to_string(),
                            created: g.creation_time().map(|ms| ms / 1000),
                        }));
                    }
                }
                Ok(None)
            })
            .await
    }

    /// Names of the log groups in this region, for near-miss suggestions.
    pub async fn log_group_names(&self) -> Result<Vec<String>, AwsError> {
        self.log_group_names
            .get("", || async {
                let mut pages = self
                    .logs
                    .describe_log_groups()
                    .into_paginator()
                    .items()
                    .send();
                let mut out = Vec::new();
                while let Some(item) = pages.next().await {
                    let g = item.map_err(|e| classify("logs:DescribeLogGroups", e))?;
                    out.push(g.log_group_name().unwrap_or_default().to_string());
                    if out.len() >= MAX_GROUP_NAMES {
                        break;
                    }
                }
                Ok(out)
            })
            .await
    }

    /// Reads the events of the streams whose names start with `stream_prefix` (the ENI id),
    /// newest first across all of them, handing each to `visit` until it breaks or the events
    /// get older than `not_before_ms`.
    ///
    /// Newest first because a public instance's stream is busy: internet scanners leave
    /// thousands of records a day, and the student's request is among the last. One timeline
    /// because an ENI may have several streams (`eni-…-all` and `eni-…-reject` from two flow
    /// logs): "a REJECT, then an ACCEPT" is about time, not about which stream was read first.
    /// Each stream holds one page at a time, so memory stays the same however long the streams
    /// are; the time bound (the flow log's creation, or the request) ends the search rather
    /// than an event count that could cut off the recent end.
    pub async fn scan_newest_first(
        &self,
        group: &str,
        stream_prefix: &str,
        not_before_ms: Option<i64>,
        mut visit: impl FnMut(LogEvent) -> ControlFlow<()>,
    ) -> Result<(), AwsError> {
        let mut cursors: Vec<Cursor> = self
            .streams(group, stream_prefix)
            .await?
            .into_iter()
            .map(Cursor::new)
            .collect();
        loop {
            for cursor in &mut cursors {
                if cursor.page.is_empty() && !cursor.done {
                    self.next_page(group, cursor, not_before_ms).await?;
                }
            }
            // The stream whose next event is the newest goes first.
            let Some(cursor) = cursors
                .iter_mut()
                .filter(|c| !c.page.is_empty())
                .max_by_key(|c| c.page.front().map(|e| e.timestamp))
            else {
                return Ok(());
            };
            let Some(event) = cursor.page.pop_front() else {
                return Ok(());
            };
            if visit(event).is_break() {
                return Ok(());
            }
        }
    }

    /// Reads the page of `cursor`'s stream that comes before what it has read, newest event
    /// first; marks the stream done once nothing older is left.
    async fn next_page(
        &self,
        group: &str,
        cursor: &mut Cursor,
        not_before_ms: Option<i64>,
    ) -> Result<(), AwsError> {
        while cursor.page.is_empty() && !cursor.done {
            let mut request = self
                .logs
                .get_log_events()
                .log_group_name(group)
                .log_stream_name(&cursor.stream)
                .start_from_head(false)
                .set_next_token(cursor.token.clone());
            if let Some(start) = not_before_ms {
                request = request.start_time(start);
            }
            let Some(page) = not_found_as_none(
                "logs:GetLogEvents",
                request.send().await,
                &["ResourceNotFoundException"],
            )?
            else {
                cursor.done = true;
                break;
            };
            // A page holds its events oldest first; the pages go back in time.
            for e in page.events().iter().rev() {
                let timestamp = e.timestamp().unwrap_or_default();
                if not_before_ms.is_some_and(|s| timestamp < s) {
                    continue;
                }
                cursor.page.push_back(LogEvent {
                    stream: cursor.stream.clone(),
                    timestamp,
                    ingested: e.ingestion_time(),
                    message: e.message().unwrap_or_default().to_string(),
                });
            }
            let next = page.next_backward_token().map(str::to_string);
            // CloudWatch Logs answers the token it was given once there is nothing older.
            if page.events().is_empty() || next.is_none() || next == cursor.token {
                cursor.done = true;
            }
            cursor.token = next;
        }
        Ok(())
    }

    /// Names of the streams of `group` starting with `prefix`, the most recently written first.
    async fn streams(&self, group: &str, prefix: &str) -> Result<Vec<String>, AwsError> {
        let mut pages = self
            .logs
            .describe_log_streams()
            .log_group_name(group)
            .log_stream_name_prefix(prefix)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let Some(page) = not_found_as_none(
                "logs:DescribeLogStreams",
                page,
                &["ResourceNotFoundException"],
            )?
            else {
                return Ok(Vec::new());
            };
            for s in page.log_streams() {
                let name = s.log_stream_name().unwrap_or_default();
                // Not every endpoint honours the prefix.
                if name.starts_with(prefix) {
                    out.push((
                        s.last_event_timestamp().unwrap_or_default(),
                        name.to_string(),
                    ));
                }
            }
        }
        out.sort_by_key(|s| std::cmp::Reverse(s.0));
        Ok(out.into_iter().map(|(_, name)| name).collect())
    }
}

/// Where the merged read of one stream stands: the page being handed out, newest first, and
/// the token of the page before it.
struct Cursor {
    stream: String,
    page: std::collections::VecDeque<LogEvent>,
    token: Option<String>,
    done: bool,
}

impl Cursor {
    fn new(stream: String) -> Cursor {
        Cursor {
            stream,
            page: std::collections::VecDeque::new(),
            token: None,
            done: false,
        }
    }
}
