//! Step kind `traffic`: the test request reached the instance and its access record arrived in
//! the log stream of the instance's network interface.

use super::Lab;
use super::flow_log::{self, pick};
use super::{Env, sh};
use crate::aws::{Aws, AwsError, FlowLog, Instance, LogEvent};
use crate::finding::Finding;
use crate::flow_record::{Action, FlowRecord, LogFormat};
use crate::i18n::Text;
use serde::Deserialize;
use std::ops::ControlFlow;

#[derive(Debug, Clone)]
pub struct Params {
    pub vpc: String,
    pub port: u16,
    /// Name tag and log group of the flow log whose records count.
    pub flow_log: String,
    pub log_group: String,
}

/// As written in the lesson: the port may come from a variable, so it arrives as text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParams {
    vpc: String,
    port: toml::Value,
    flow_log: String,
    log_group: String,
}

impl RawParams {
    pub fn validate(self) -> Result<Params, String> {
        let port = match &self.port {
            toml::Value::Integer(n) => u16::try_from(*n).ok(),
            toml::Value::String(s) => s.trim().parse::<u16>().ok(),
            _ => None,
        }
        .filter(|p| *p != 0)
        .ok_or_else(|| format!("port: '{}' is not a port number (1-65535)", self.port))?;
        Ok(Params {
            vpc: self.vpc,
            port,
            flow_log: self.flow_log,
            log_group: self.log_group,
        })
    }
}

const TCP: u8 = 6;

/// How long a flow log counts as new: AWS says capture begins minutes after creation.
const NEW_FLOW_LOG_SECS: i64 = 15 * 60;

#[derive(Debug)]
pub struct Observed {
    pub vpc_found: bool,
    pub flow_log: Option<FlowLog>,
    pub instance: Option<Instance>,
    /// What the newest-first search of the ENI's streams found.
    pub search: Search,
}

/// A flow log's records can start this long before the flow log says it was created (clocks,
/// the first aggregation window); the search reaches back that far.
const CREATION_MARGIN_MS: i64 = 60_000;

pub async fn observe(aws: &Aws, p: &Params, lesson: &Lab) -> Result<Observed, AwsError> {
    let mut o = observe_setup(aws, p, lesson).await?;
    if let (Some(fl), Some(instance)) = (&o.flow_log, &o.instance) {
        // Only records written since this flow log exists are its own.
        let not_before = fl.created.map(|s| s * 1000 - CREATION_MARGIN_MS);
        o.search = search_streams(aws, fl, instance, p.port, None, not_before).await?;
    }
    Ok(o)
}

/// The VPC, the lab's flow log and instance, without reading any records.
pub async fn observe_setup(aws: &Aws, p: &Params, lesson: &Lab) -> Result<Observed, AwsError> {
    let nothing = || Observed {
        vpc_found: false,
        flow_log: None,
        instance: None,
        search: Search::default(),
    };
    let vpcs = aws.vpcs_named(&p.vpc).await?;
    let Some(first) = vpcs.first() else {
        return Ok(nothing());
    };
    // The flow logs and the instances of the VPC are asked for together: one round trip.
    let (vpc, instances) = tokio::join!(
        flow_log::observe_vpc(aws, &p.vpc),
        aws.instances_in(&first.id)
    );
    let (vpc, instances) = (vpc?, instances?);
    Ok(Observed {
        vpc_found: true,
        flow_log: pick(&vpc.flow_logs, &p.flow_log, lesson)
            .filter(|f| f.destination_type.as_deref() == Some("cloud-watch-logs"))
            .cloned(),
        instance: lab_instance(&instances).cloned(),
        search: Search::default(),
    })
}

/// Searches the instance's ENI stream of `fl`, newest first, for the record of a request to
/// `port` (sent at `sent_at`, Unix seconds, when the caller knows), reading nothing older than
/// `not_before_ms`. Stops at the first accepted record; keeps only what it reports.
pub async fn search_streams(
    aws: &Aws,
    fl: &FlowLog,
    instance: &Instance,
    port: u16,
    sent_at: Option<i64>,
    not_before_ms: Option<i64>,
) -> Result<Search, AwsError> {
    let (Some(group), Some(eni), Ok(format)) = (
        fl.log_group.as_deref(),
        instance.primary_eni(),
        format_of(fl),
    ) else {
        return Ok(Search::default());
    };
    let private_ip = eni.private_ip.clone().unwrap_or_default();
    let expected = Expected {
        private_ip: &private_ip,
        port,
        sent_at,
    };
    let mut search = Search::default();
    aws.scan_newest_first(group, &eni.id, not_before_ms, |event| {
        search.visit(event, &format, &expected)
    })
    .await?;
    Ok(search)
}

/// The instance the lab's request goes to: a running one with a public IP if there is one.
pub fn lab_instance(instances: &[Instance]) -> Option<&Instance> {
    instances
        .iter()
        .filter(|i| i.state.as_deref() != Some("terminated"))
        .max_by_key(|i| {
            (i.state.as_deref() == Some("running")) as u8 * 2 + i.public_ip.is_some() as u8
        })
}

/// What the access record of the lab's request looks like.
pub struct Expected<'a> {
    pub private_ip: &'a str,
    pub port: u16,
    /// When the request was sent (Unix seconds), if the caller sent it: then only a record
    /// whose capture window covers or follows that moment is its record.
    pub sent_at: Option<i64>,
}

impl Expected<'_> {
    pub fn matches(&self, r: &FlowRecord, event: &LogEvent) -> bool {
        r.protocol() == Some(TCP)
            && r.dstport() == Some(self.port)
            && r.dstaddr().map(|a| a.to_string()).as_deref() == Some(self.private_ip)
            && self.sent_at.is_none_or(|sent| {
                // A record's window is [start, end]; a format without `end` leaves the time
                // the event was written as the best evidence.
                r.end().unwrap_or(event.timestamp / 1000) >= sent
            })
    }
}

/// What the records of the ENI's streams say about the lab's request. Owned and small: the
/// search keeps the two events it reports and counts the rest.
#[derive(Debug, Default)]
pub struct Search {
    /// The newest record of the request that was let through, parsed.
    pub accepted: Option<(LogEvent, FlowRecord)>,
    /// The newest record of the request that was dropped (security group or network ACL).
    pub rejected: Option<LogEvent>,
    /// Records read.
    pub scanned: usize,
    pub unparsable: usize,
    pub first_error: Option<String>,
}

impl Search {
    /// Takes one event (newest first); breaks once the accepted record is found.
    pub fn visit(
        &mut self,
        event: LogEvent,
        format: &LogFormat,
        expected: &Expected,
    ) -> ControlFlow<()> {
        self.scanned += 1;
        match FlowRecord::parse(format, &event.message) {
            Ok(record) if expected.matches(&record, &event) => match record.action() {
                Some(Action::Accept) => {
                    self.accepted = Some((event, record));
                    return ControlFlow::Break(());
                }
                Some(Action::Reject) if self.rejected.is_none() => self.rejected = Some(event),
                _ => {}
            },
            Ok(_) => {}
            Err(e) => {
                self.unparsable += 1;
                self.first_error.get_or_insert_with(|| e.to_string());
            }
        }
        ControlFlow::Continue(())
    }
}

/// The flow log's record format (the default when it has none).
pub fn format_of(fl: &FlowLog) -> Result<LogFormat, crate::flow_record::FormatError> {
    fl.log_format
        .as_deref()
        .map(LogFormat::parse)
        .unwrap_or_else(|| Ok(LogFormat::default_v2()))
}

pub fn check(o: &Observed, p: &Params, env: &Env) -> Vec<Finding> {
    if !o.vpc_found {
        return vec![Finding::skip(
            "record",
            Text::new("traffic.no-vpc").arg("vpc", &p.vpc),
        )];
    }
    let Some(instance) = &o.instance else {
        return vec![
            Finding::fail(
                "instance",
                Text::new("traffic.no-instance").arg("vpc", &p.vpc),
            )
            .fix(Text::new("traffic.fix-instance").arg("vpc", &p.vpc)),
        ];
    };
    let state = instance.state.as_deref().unwrap_or("?");
    if state != "running" {
        return vec![
            Finding::fail(
                "instance",
                Text::new("traffic.not-running")
                    .arg("id", &instance.id)
                    .arg("state", state),
            )
            .fix(Text::new("traffic.fix-start").arg(
                "cli",
                format!("aws ec2 start-instances --instance-ids {}", instance.id),
            ))
            .on(&instance.id),
        ];
    }
    let Some(public_ip) = &instance.public_ip else {
        return vec![
            Finding::fail(
                "instance",
                Text::new("traffic.no-public-ip").arg("id", &instance.id),
            )
            .fix(Text::new("traffic.fix-public-ip").arg("id", &instance.id))
            .on(&instance.id),
        ];
    };
    let Some(eni) = instance.primary_eni() else {
        return vec![
            Finding::fail(
                "instance",
                Text::new("traffic.no-eni").arg("id", &instance.id),
            )
            .on(&instance.id),
        ];
    };
    let mut out = vec![
        Finding::pass(
            "instance",
            Text::new("traffic.instance-ok")
                .arg("id", &instance.id)
                .arg("ip", public_ip)
                .arg("eni", &eni.id),
        )
        .on(&instance.id),
    ];

    let Some(fl) = &o.flow_log else {
        out.push(Finding::skip(
            "record",
            Text::new("traffic.no-flow-log").arg("vpc", &p.vpc),
        ));
        return out;
    };
    if let Err(e) = format_of(fl) {
        out.push(
            Finding::new(
                "record",
                crate::finding::Status::Error,
                Text::new("traffic.bad-format").arg("error", e),
            )
            .on(&fl.id),
        );
        return out;
    }
    let private_ip = eni.private_ip.as_deref().unwrap_or("");
    let group = fl.log_group.as_deref().unwrap_or("");
    let search = &o.search;
    if let Some((event, _)) = &search.accepted {
        out.push(
            Finding::pass(
                "record",
                Text::new("traffic.found")
                    .arg("stream", &event.stream)
                    .arg("port", p.port)
                    .arg("ip", private_ip),
            )
            .on(format!("{}/{}: {}", group, event.stream, event.message))
            .at(Some(event.timestamp / 1000)),
        );
        return out;
    }
    if let Some(event) = &search.rejected {
        out.push(
            Finding::fail(
                "record",
                Text::new("traffic.rejected")
                    .arg("port", p.port)
                    .arg("stream", &event.stream),
            )
            .fix(Text::new("traffic.fix-rejected").arg("port", p.port).arg(
                "cli",
                format!(
                    "aws ec2 authorize-security-group-ingress --group-id {} --protocol tcp --port {} --cidr 0.0.0.0/0",
                    // The instance's own group: no placeholder a shell would read as a redirect.
                    sh(instance.security_groups.first().map_or("sg-unknown", String::as_str)),
                    p.port
                ),
            ))
            .on(format!("{}/{}: {}", group, event.stream, event.message)),
        );
        return out;
    }
    if let Some(error) = &search.first_error {
        out.push(Finding::warn(
            "records-readable",
            Text::new("traffic.unparsable")
                .arg("count", search.unparsable)
                .arg("error", error),
        ));
    }
    let waiting = match env.stand_in {
        Some(s) => Text::new("traffic.waiting-sandbox").arg("seconds", s.delay_seconds),
        None => Text::new("traffic.waiting"),
    };
    let (fix, url) = match (env.stand_in, fl.created.map(|c| env.now - c)) {
        // The sandbox's instance answers on loopback; the emulator's public IP is a real host's.
        (Some(s), _) => (
            Text::new("traffic.fix-waiting-sandbox").arg("seconds", s.delay_seconds),
            s.url.clone(),
        ),
        // A new flow log captures nothing for its first minutes: a request sent then left no
        // record, and waiting longer for it does not help; another request does.
        (None, Some(age)) if (0..NEW_FLOW_LOG_SECS).contains(&age) => (
            Text::new("traffic.fix-waiting-new").arg("minutes", age / 60),
            instance_url(public_ip, p.port),
        ),
        (None, _) => (
            Text::new("traffic.fix-waiting"),
            instance_url(public_ip, p.port),
        ),
    };
    out.push(
        Finding::pending(
            "record",
            waiting
                .arg("stream", format!("{}-…", eni.id))
                .arg("group", group)
                .arg("port", p.port)
                .arg("ip", private_ip),
        )
        .fix(
            fix.arg("cli", format!("curl {}", sh(&url)))
                .arg("follow", follow_cli(group, &eni.id, env.region)),
        )
        .on(format!("{}/{}", group, eni.id)),
    );
    out
}

/// The instance's web server as the test request addresses it.
fn instance_url(public_ip: &str, port: u16) -> String {
    if port == 80 {
        format!("http://{public_ip}/")
    } else {
        format!("http://{public_ip}:{port}/")
    }
}

/// The command that shows the instance's stream as records arrive (AWS CLI v2): what the
/// console's log stream page shows, without leaving the terminal.
pub fn follow_cli(group: &str, eni: &str, region: &str) -> String {
    format!(
        "aws logs tail {} --log-stream-name-prefix {} --since 15m --follow --region {}",
        sh(group),
        sh(eni),
        sh(region)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(line: &str, timestamp_ms: i64) -> LogEvent {
        LogEvent {
            stream: "eni-1-all".to_string(),
            timestamp: timestamp_ms,
            ingested: None,
            message: line.to_string(),
        }
    }

    fn record(start: i64, end: i64, action: &str) -> String {
        format!(
            "2 123456789012 eni-1 198.51.100.7 10.0.1.4 51234 80 6 5 420 {start} {end} {action} OK"
        )
    }

    fn search(events: Vec<LogEvent>, sent_at: Option<i64>) -> Search {
        let expected = Expected {
            private_ip: "10.0.1.4",
            port: 80,
            sent_at,
        };
        let mut out = Search::default();
        for e in events {
            if out.visit(e, &LogFormat::default_v2(), &expected).is_break() {
                break;
            }
        }
        out
    }

    #[test]
    fn only_a_record_whose_window_covers_or_follows_the_request_is_its_record() {
        let sent = 1_700_000_100;
        // (window start, end, is the request's record)
        for (start, end, ours) in [
            (1_700_000_000, 1_700_000_060, false), // over before the request
            (1_700_000_060, 1_700_000_120, true),  // covers it
            (1_700_000_110, 1_700_000_170, true),  // follows it
        ] {
            let found = search(
                vec![event(&record(start, end, "ACCEPT"), end * 1000)],
                Some(sent),
            );
            assert_eq!(found.accepted.is_some(), ours, "{start}..{end}");
        }
        // verify knows no request time: any record of the flow log counts.
        let found = search(
            vec![event(&record(1_700_000_000, 1_700_000_060, "ACCEPT"), 0)],
            None,
        );
        assert!(found.accepted.is_some());
    }

    #[test]
    fn the_search_stops_at_the_newest_accepted_record_and_keeps_little() {
        let mut events: Vec<LogEvent> = (0..5)
            .map(|i| event(&format!("not a record {i}"), i))
            .collect();
        events.insert(0, event(&record(10, 20, "REJECT"), 30));
        events.insert(0, event(&record(40, 50, "ACCEPT"), 60));
        let found = search(events, None);
        assert_eq!(
            found.scanned, 1,
            "newest first: the accepted record ends it"
        );
        assert!(found.accepted.is_some());
        assert!(found.rejected.is_none());
        assert_eq!(found.unparsable, 0);
    }

    #[test]
    fn rejections_and_unreadable_lines_are_counted_when_nothing_was_accepted() {
        let found = search(
            vec![
                event("garbage", 3),
                event(&record(10, 20, "REJECT"), 2),
                event(&record(5, 9, "REJECT"), 1),
            ],
            None,
        );
        assert!(found.accepted.is_none());
        assert_eq!(
            found.rejected.map(|e| e.timestamp),
            Some(2),
            "the newest one"
        );
        assert_eq!(found.unparsable, 1);
        assert_eq!(found.scanned, 3);
    }
}
