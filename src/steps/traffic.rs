//! Step kind `traffic`: the test request reached the instance and its access record arrived in
//! the log stream of the instance's network interface.

use super::Env;
use super::flow_log::{self, pick};
use crate::aws::{Aws, AwsError, FlowLog, Instance, LogEvent};
use crate::finding::Finding;
use crate::flow_record::{Action, FlowRecord, LogFormat};
use crate::i18n::Text;
use crate::lesson::Lesson;
use serde::Deserialize;

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

#[derive(Debug)]
pub struct Observed {
    pub vpc_found: bool,
    pub flow_log: Option<FlowLog>,
    pub instance: Option<Instance>,
    pub events: Vec<LogEvent>,
}

pub async fn observe(aws: &Aws, p: &Params, _lesson: &Lesson) -> Result<Observed, AwsError> {
    // The flow logs and the instances of the VPC are asked for together: one round trip.
    let vpcs = aws.vpcs_named(&p.vpc).await?;
    let Some(first) = vpcs.first() else {
        return Ok(Observed {
            vpc_found: false,
            flow_log: None,
            instance: None,
            events: Vec::new(),
        });
    };
    let (vpc, instances) = tokio::join!(
        flow_log::observe_vpc(aws, &p.vpc),
        aws.instances_in(&first.id)
    );
    let (vpc, instances) = (vpc?, instances?);
    let instance = lab_instance(&instances).cloned();
    let flow_log = pick(&vpc.flow_logs, &p.flow_log, &p.log_group)
        .filter(|f| f.destination_type.as_deref() == Some("cloud-watch-logs"))
        .cloned();
    let events = match (&flow_log, instance.as_ref().and_then(|i| i.primary_eni())) {
        (Some(fl), Some(eni)) => match fl.log_group.as_deref() {
            Some(group) => aws.events(group, &eni.id, None).await?,
            None => Vec::new(),
        },
        _ => Vec::new(),
    };
    Ok(Observed {
        vpc_found: true,
        flow_log,
        instance,
        events,
    })
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
}

impl Expected<'_> {
    pub fn matches(&self, r: &FlowRecord) -> bool {
        r.protocol() == Some(TCP)
            && r.dstport() == Some(self.port)
            && r.dstaddr().map(|a| a.to_string()).as_deref() == Some(self.private_ip)
    }
}

/// What the records of the ENI's streams say about the lab's request.
#[derive(Debug, Default)]
pub struct Search<'a> {
    /// The first record of the request that was let through, parsed.
    pub accepted: Option<(&'a LogEvent, FlowRecord)>,
    /// A record of the request that was dropped (security group or network ACL).
    pub rejected: Option<&'a LogEvent>,
    pub unparsable: usize,
    pub first_error: Option<String>,
}

pub fn search<'a>(events: &'a [LogEvent], format: &LogFormat, expected: &Expected) -> Search<'a> {
    let mut out = Search::default();
    for event in events {
        match FlowRecord::parse(format, &event.message) {
            Ok(record) if expected.matches(&record) => match record.action() {
                Some(Action::Accept) => {
                    out.accepted = Some((event, record));
                    return out;
                }
                Some(Action::Reject) => out.rejected = out.rejected.or(Some(event)),
                None => {}
            },
            Ok(_) => {}
            Err(e) => {
                out.unparsable += 1;
                out.first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    out
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
    let format = match format_of(fl) {
        Ok(f) => f,
        Err(e) => {
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
    };
    let private_ip = eni.private_ip.as_deref().unwrap_or("");
    let group = fl.log_group.as_deref().unwrap_or("");
    let search = search(
        &o.events,
        &format,
        &Expected {
            private_ip,
            port: p.port,
        },
    );
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
    if let Some(event) = search.rejected {
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
                    "aws ec2 authorize-security-group-ingress --group-id <security-group-id> --protocol tcp --port {} --cidr 0.0.0.0/0",
                    p.port
                ),
            ))
            .on(format!("{}/{}: {}", group, event.stream, event.message)),
        );
        return out;
    }
    if let Some(error) = search.first_error {
        out.push(Finding::warn(
            "records-readable",
            Text::new("traffic.unparsable")
                .arg("count", search.unparsable)
                .arg("error", error),
        ));
    }
    out.push(
        Finding::pending(
            "record",
            Text::new("traffic.waiting")
                .arg("stream", format!("{}-…", eni.id))
                .arg("group", group)
                .arg("port", p.port)
                .arg("ip", private_ip),
        )
        .fix(
            Text::new("traffic.fix-waiting")
                .arg("public_ip", public_ip)
                .arg("port", p.port)
                .arg("region", env.region),
        )
        .on(format!("{}/{}", group, eni.id)),
    );
    out
}
