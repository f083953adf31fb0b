//! CloudWatch Logs reads: log groups (here and in other regions) and flow log events.

use super::error::{classify, not_found_as_none};
use super::{Aws, AwsError};

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

/// A stream can hold days of records; the lab's one request is among the newest, and reading
/// more than this would only make a verify slow and costly.
const MAX_EVENTS: usize = 10_000;
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

    /// Events of the streams whose names start with `stream_prefix` (the ENI id), from
    /// `start_ms` on. The prefix is applied here as well: not every endpoint honours it.
    pub async fn events(
        &self,
        group: &str,
        stream_prefix: &str,
        start_ms: Option<i64>,
    ) -> Result<Vec<LogEvent>, AwsError> {
        let key = format!("{group}/{stream_prefix}/{start_ms:?}");
        self.events
            .get(&key, || async {
                let mut request = self
                    .logs
                    .filter_log_events()
                    .log_group_name(group)
                    .log_stream_name_prefix(stream_prefix);
                if let Some(start) = start_ms {
                    request = request.start_time(start);
                }
                let mut pages = request.into_paginator().send();
                let mut out = Vec::new();
                while let Some(page) = pages.next().await {
                    let page = match not_found_as_none(
                        "logs:FilterLogEvents",
                        page,
                        &["ResourceNotFoundException"],
                    )? {
                        Some(p) => p,
                        None => return Ok(Vec::new()),
                    };
                    for e in page.events() {
                        let stream = e.log_stream_name().unwrap_or_default();
                        if !stream.starts_with(stream_prefix) {
                            continue;
                        }
                        let timestamp = e.timestamp().unwrap_or_default();
                        if start_ms.is_some_and(|s| timestamp < s) {
                            continue;
                        }
                        out.push(LogEvent {
                            stream: stream.to_string(),
                            timestamp,
                            ingested: e.ingestion_time(),
                            message: e.message().unwrap_or_default().to_string(),
                        });
                    }
                    if out.len() >= MAX_EVENTS {
                        break;
                    }
                }
                Ok(out)
            })
            .await
    }
}
