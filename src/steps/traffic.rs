//! Step kind `traffic`: the test request reached the instance and its access record arrived in
//! the log stream of the instance's network interface.

use super::Lab;
use super::flow_log::{self, Wanted, pick};
use super::instance::lab_instance;
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
    /// The actions of the records to find, oldest first: `[ACCEPT]` (the default) for a
    /// request let through, `[REJECT]` for one dropped, `[REJECT, ACCEPT]` for a request
    /// dropped and a later one let through.
    pub expect: Vec<Action>,
}

impl Params {
    /// Whether the records tell of a port closed, then open again: the last request must get
    /// through after one was dropped.
    pub fn expects_reopening(&self) -> bool {
        self.expect.last() == Some(&Action::Accept) && self.expect.contains(&Action::Reject)
    }

    /// The expected actions as a person reads them: `REJECT → ACCEPT`.
    pub fn sequence(&self) -> String {
        self.expect
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(" → ")
    }
}

/// As written in the lesson: the port may come from a variable, so it arrives as text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParams {
    vpc: String,
    port: toml::Value,
    flow_log: String,
    log_group: String,
    #[serde(default)]
    expect: Option<Vec<String>>,
}

impl RawParams {
    pub fn validate(self) -> Result<Params, String> {
        let expect = match &self.expect {
            None => vec![Action::Accept],
            Some(list) if list.is_empty() || list.len() > MAX_SEQUENCE => {
                return Err(format!(
                    "expect: name 1 to {MAX_SEQUENCE} actions (ACCEPT, REJECT), oldest first"
                ));
            }
            Some(list) => list
                .iter()
                .map(|a| match a.as_str() {
                    "ACCEPT" => Ok(Action::Accept),
                    "REJECT" => Ok(Action::Reject),
                    other => Err(format!("expect: '{other}' is neither ACCEPT nor REJECT")),
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(Params {
            vpc: self.vpc,
            port: super::port_number(&self.port)?,
            flow_log: self.flow_log,
            log_group: self.log_group,
            expect,
        })
    }
}

/// The step's parameters from its `with` table (the port may come from a variable).
pub fn params(with: toml::Table) -> Result<Params, String> {
    super::params::<RawParams>(with)?.validate()
}

/// The longest sequence of records a step may expect.
const MAX_SEQUENCE: usize = 4;

const TCP: u8 = 6;

/// How long a flow log counts as new: AWS says capture begins minutes after creation.
const NEW_FLOW_LOG_SECS: i64 = 15 * 60;

#[derive(Debug)]
pub struct Observed {
    pub vpc_found: bool,
    pub flow_log: Option<FlowLog>,
    /// Every flow log on the VPC that delivers to the lab flow log's log group (it among
    /// them): their streams of the ENI are one timeline.
    pub feeds: Vec<FlowLog>,
    /// The VPC's flow logs, whatever they are: said when none is the lab's.
    pub on_vpc: Vec<FlowLog>,
    pub instance: Option<Instance>,
    /// What the newest-first search of the ENI's streams found.
    pub search: Search,
    /// What decides whether the request gets through, when the records expected tell of a
    /// blocked port.
    pub reach: Option<super::security_group_rule::Observed>,
}

/// A flow log's records can start this long before the flow log says it was created (clocks,
/// the first aggregation window); the search reaches back that far.
const CREATION_MARGIN_MS: i64 = 60_000;

pub async fn observe(aws: &Aws, p: &Params, lesson: &Lab) -> Result<Observed, AwsError> {
    let mut o = observe_setup(aws, p, lesson).await?;
    if let (Some(fl), Some(instance)) = (&o.flow_log, &o.instance) {
        // Only records written since this flow log exists are its own.
        let not_before = fl.created.map(|s| s * 1000 - CREATION_MARGIN_MS);
        o.search = search_streams(aws, fl, &o.feeds, instance, p, None, not_before).await?;
    }
    if p.expect.contains(&Action::Reject) {
        o.reach = Some(super::security_group_rule::observe_instance(aws, &p.vpc).await?);
    }
    Ok(o)
}

/// The lab's instance and the records of its request as the step's check finds them (oldest
/// first; the last is the request's), once they are all there: what the student's page explains.
pub async fn lab_record(
    aws: &Aws,
    p: &Params,
    lab: &Lab,
) -> Result<Option<(Instance, Vec<(LogEvent, FlowRecord)>)>, AwsError> {
    let o = observe(aws, p, lab).await?;
    let (Some(instance), Some(found)) = (o.instance.clone(), o.search.matched()) else {
        return Ok(None);
    };
    Ok(Some((instance, found.into_iter().cloned().collect())))
}

/// The VPC, the lab's flow log and instance, without reading any records.
pub async fn observe_setup(aws: &Aws, p: &Params, lesson: &Lab) -> Result<Observed, AwsError> {
    let nothing = || Observed {
        vpc_found: false,
        flow_log: None,
        feeds: Vec::new(),
        on_vpc: Vec::new(),
        instance: None,
        search: Search::default(),
        reach: None,
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
    let wanted = Wanted {
        name: &p.flow_log,
        log_group: &p.log_group,
        role: None,
        traffic_type: None,
    };
    let flow_log = pick(&vpc.flow_logs, &wanted, lesson)
        .0
        .filter(|f| f.to_cloudwatch_logs())
        .cloned();
    let feeds = flow_log
        .as_ref()
        .map(|fl| {
            vpc.flow_logs
                .iter()
                .filter(|f| f.to_cloudwatch_logs() && f.log_group == fl.log_group)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    Ok(Observed {
        vpc_found: true,
        flow_log,
        feeds,
        on_vpc: vpc.flow_logs,
        instance: lab_instance(&instances).cloned(),
        search: Search::default(),
        reach: None,
    })
}

/// Searches the instance's ENI streams in the log group of `fl`, newest first across all of
/// them (one timeline, whichever of the `feeds` wrote each), for the records `p` expects of
/// requests to its port (the last sent at `sent_at`, Unix seconds, when the caller knows),
/// reading nothing older than `not_before_ms`. Stops once they are all found; keeps only what
/// it reports.
pub async fn search_streams(
    aws: &Aws,
    fl: &FlowLog,
    feeds: &[FlowLog],
    instance: &Instance,
    p: &Params,
    sent_at: Option<i64>,
    not_before_ms: Option<i64>,
) -> Result<Search, AwsError> {
    let (Some(group), Some(eni), Ok(default_format)) = (
        fl.log_group.as_deref(),
        instance.primary_eni(),
        format_of(fl),
    ) else {
        return Ok(Search::default());
    };
    let account = aws.identity().await?.account;
    let private_ip = eni.private_ip.clone().unwrap_or_default();
    let expected = Expected {
        private_ip: &private_ip,
        port: p.port,
        sent_at,
        actions: &p.expect,
        account: &account,
        eni: &eni.id,
    };
    // A stream is named after the ENI and the filter of the flow log that writes it
    // (`eni-…-all`, `eni-…-reject`): its records are in that flow log's format.
    let mut formats: std::collections::HashMap<String, LogFormat> = Default::default();
    let mut search = Search::default();
    aws.scan_newest_first(group, &eni.id, not_before_ms, |event| {
        let format = formats.entry(event.stream.clone()).or_insert_with(|| {
            feed_of(&event.stream, feeds)
                .and_then(|f| format_of(f).ok())
                .unwrap_or_else(|| default_format.clone())
        });
        search.visit(event, format, &expected)
    })
    .await?;
    Ok(search)
}

/// The flow log among `feeds` that writes `stream`, by the filter its name ends with.
fn feed_of<'a>(stream: &str, feeds: &'a [FlowLog]) -> Option<&'a FlowLog> {
    let filter = stream.rsplit('-').next()?.to_ascii_uppercase();
    feeds
        .iter()
        .find(|f| f.traffic_type.as_deref() == Some(filter.as_str()))
}

/// Whether the flow logs whose records are read capture records of `action` at all.
pub fn captured(feeds: &[FlowLog], action: Action) -> bool {
    feeds.iter().any(|f| match f.traffic_type.as_deref() {
        Some("ALL") => true,
        Some(t) => t == action.as_str(),
        None => false,
    })
}

/// What the records of the lab's requests look like.
pub struct Expected<'a> {
    pub private_ip: &'a str,
    pub port: u16,
    /// When the last request was sent (Unix seconds), if the caller sent it: then only a
    /// record whose capture window covers or follows that moment is its record.
    pub sent_at: Option<i64>,
    /// The actions wanted, oldest first; the last one is the record of the request sent.
    pub actions: &'a [Action],
    /// The account and the ENI judged: a record whose format names others is not this lab's,
    /// however well the rest matches (one PutLogEvents can write anything into a stream).
    pub account: &'a str,
    pub eni: &'a str,
}

impl Expected<'_> {
    /// A record of a request to the lab's port, at any time.
    pub fn matches(&self, r: &FlowRecord) -> bool {
        let names = |field: &str, wanted: &str| {
            !r.fields().any(|(name, _)| name == field) || r.get(field) == Some(wanted)
        };
        r.protocol() == Some(TCP)
            && self.to_port(r)
            && names("account-id", self.account)
            && names("interface-id", self.eni)
    }

    /// A record of traffic to the instance's address and the lab's port, whatever protocol.
    pub fn to_port(&self, r: &FlowRecord) -> bool {
        r.dstport() == Some(self.port)
            && r.dstaddr().map(|a| a.to_string()).as_deref() == Some(self.private_ip)
    }

    /// Whether a record's window covers or follows the request sent.
    pub fn after_request(&self, r: &FlowRecord, event: &LogEvent) -> bool {
        self.sent_at.is_none_or(|sent| {
            // A record's window is [start, end]; a format without `end` leaves the time the
            // event was written as the best evidence.
            r.end().unwrap_or(event.timestamp / 1000) >= sent
        })
    }
}

/// What the records of the ENI's streams say about the lab's requests. Owned and small: the
/// search keeps the events it reports and counts the rest.
#[derive(Debug, Default)]
pub struct Search {
    /// The expected records found so far, newest first. Matched greedily from the newest, so
    /// a sequence is found whenever the stream holds one, in order.
    pub found: Vec<(LogEvent, FlowRecord)>,
    /// Every expected record was found.
    pub complete: bool,
    /// The newest record of the request that was dropped (security group or network ACL),
    /// when a REJECT was not what came last.
    pub rejected: Option<LogEvent>,
    /// Records read.
    pub scanned: usize,
    /// Records of requests to the lab's address and port over another protocol than TCP (UDP,
    /// say), and the newest one's protocol number: why a class waits, told apart.
    pub other_protocol: Option<u8>,
    pub unparsable: usize,
    pub first_error: Option<String>,
}

impl Search {
    /// The expected records, oldest first, once all were found.
    pub fn matched(&self) -> Option<Vec<&(LogEvent, FlowRecord)>> {
        self.complete.then(|| self.found.iter().rev().collect())
    }

    /// Takes one event (newest first); breaks once every expected record is found.
    pub fn visit(
        &mut self,
        event: LogEvent,
        format: &LogFormat,
        expected: &Expected,
    ) -> ControlFlow<()> {
        self.scanned += 1;
        match FlowRecord::parse(format, &event.message) {
            Ok(record) if expected.matches(&record) => {
                let wanted = expected
                    .actions
                    .len()
                    .checked_sub(self.found.len() + 1)
                    .and_then(|i| expected.actions.get(i));
                // Only the last record must be the request just sent; those before it are
                // older by definition.
                let timely = !self.found.is_empty() || expected.after_request(&record, &event);
                let action = record.action();
                if timely && wanted.is_some() && action == wanted.copied() {
                    self.found.push((event, record));
                    if self.found.len() == expected.actions.len() {
                        self.complete = true;
                        return ControlFlow::Break(());
                    }
                } else if timely
                    && self.found.is_empty()
                    && action == Some(Action::Reject)
                    && self.rejected.is_none()
                {
                    self.rejected = Some(event);
                }
            }
            Ok(record) => {
                if expected.to_port(&record) && self.other_protocol.is_none() {
                    self.other_protocol = record.protocol();
                }
            }
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
            if o.on_vpc.is_empty() {
                Text::new("traffic.no-flow-log").arg("vpc", &p.vpc)
            } else {
                // Say what is there: "no flow log" next to the student's unnamed one reads as
                // if awslab did not see it.
                let list: Vec<String> = o.on_vpc.iter().map(flow_log::describe).collect();
                Text::new("traffic.no-lab-flow-log")
                    .arg("vpc", &p.vpc)
                    .arg("name", &p.flow_log)
                    .arg("group", &p.log_group)
                    .arg("others", list.join("; "))
            },
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
    // The records hold while the rule is back: a port closed again after the ACCEPT does
    // not keep the step (README: "the rule is back and an ACCEPT record follows the REJECT").
    let closed_now = o
        .reach
        .as_ref()
        .filter(|_| p.expects_reopening())
        .filter(|reach| {
            use super::security_group_rule as sg;
            !sg::reach(reach, p.port, sg::requester(env), None).is_open()
        });
    if let Some(matched) = search.matched().filter(|_| closed_now.is_none()) {
        let (event, _) = matched[matched.len() - 1];
        let key = match p.expect.as_slice() {
            [Action::Accept] => "traffic.found",
            [Action::Reject] => "traffic.reject-found",
            _ => "traffic.sequence-found",
        };
        out.push(
            Finding::pass(
                "record",
                Text::new(key)
                    .arg("stream", &event.stream)
                    .arg("port", p.port)
                    .arg("ip", private_ip)
                    .arg("sequence", p.sequence()),
            )
            .on(matched
                .iter()
                .map(|(e, _)| format!("{}/{}: {}", group, e.stream, e.message))
                .collect::<Vec<_>>()
                .join("\n"))
            .at(Some(event.timestamp / 1000)),
        );
        return out;
    }
    // A filter that leaves out an expected action: no such record can ever arrive.
    if let Some(missing) = p.expect.iter().find(|a| !captured(&o.feeds, **a)) {
        out.push(
            Finding::fail(
                "filter",
                Text::new("traffic.filter-excludes")
                    .arg("id", &fl.id)
                    .arg("filter", fl.traffic_type.as_deref().unwrap_or("?"))
                    .arg("action", missing.as_str()),
            )
            .fix(
                Text::new("traffic.fix-filter")
                    .arg("id", &fl.id)
                    .arg("vpc", &p.vpc)
                    .arg("name", &p.flow_log)
                    .arg(
                        "cli",
                        flow_log::recreate_all_cli(fl, &p.flow_log, env.lesson),
                    ),
            )
            .on(&fl.id),
        );
        return out;
    }
    // The records wanted end with a request let through after one dropped. Once the drop is
    // on record, a port still closed is what keeps the rest away; before that, the closed port
    // is what the earlier step wants, and advice to open it would undo it.
    if let Some(reach) = closed_now {
        if search.rejected.is_some() || search.complete {
            use super::security_group_rule as sg;
            let rules = sg::to_restore(reach, p.port);
            let cli: Vec<String> = rules.iter().map(sg::authorize_cli).collect();
            let key = if search.complete {
                "traffic.closed-again"
            } else {
                "traffic.still-closed"
            };
            out.push(
                Finding::fail(
                    "port",
                    Text::new(key)
                        .arg("port", p.port)
                        .arg("instance", &instance.id),
                )
                .fix(Text::new("traffic.fix-still-closed").arg("cli", cli.join(" && ")))
                .on(instance.security_groups.join(", ")),
            );
            return out;
        }
    }
    if let Some(event) = search
        .rejected
        .as_ref()
        .filter(|_| p.expect == [Action::Accept])
    {
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
    if p.expect != [Action::Accept] {
        let target = match env.stand_in {
            Some(s) => s.url.clone(),
            None => instance_url(public_ip, p.port),
        };
        let fix = if p.expect.last() == Some(&Action::Reject) {
            "traffic.fix-waiting-reject"
        } else {
            "traffic.fix-waiting-again"
        };
        out.push(
            Finding::pending(
                "record",
                Text::new("traffic.waiting-expect")
                    .arg("sequence", p.sequence())
                    .arg("stream", format!("{}-…", eni.id))
                    .arg("group", group)
                    .arg("port", p.port)
                    .arg("ip", private_ip),
            )
            .fix(
                Text::new(fix)
                    .arg("port", p.port)
                    .arg("cli", request_cli(&target))
                    .arg("follow", follow_cli(group, &eni.id, env.region))
                    .arg("follow_v1", read_cli(group, &eni.id, env.region)),
            )
            .on(format!("{}/{}", group, eni.id)),
        );
        return out;
    }
    // Why there is no record yet, as far as the stream tells: nothing at all has arrived,
    // records came but none of a request to the port, or requests to the port came over
    // another protocol. A class waiting for its records is grouped by it.
    let waiting = match (env.stand_in, search.other_protocol) {
        (Some(s), _) => Text::new("traffic.waiting-sandbox").arg("seconds", s.delay_seconds),
        (None, Some(protocol)) => Text::new("traffic.waiting-protocol").arg("protocol", protocol),
        (None, None) if search.scanned > search.unparsable => {
            Text::new("traffic.waiting-other-traffic")
        }
        (None, None) => Text::new("traffic.waiting"),
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
            fix.arg("cli", request_cli(&url))
                .arg("follow", follow_cli(group, &eni.id, env.region))
                .arg("follow_v1", read_cli(group, &eni.id, env.region)),
        )
        .on(format!("{}/{}", group, eni.id)),
    );
    out
}

/// The instance's web server as the test request addresses it (and as it is shown).
pub fn instance_url(public_ip: &str, port: u16) -> String {
    if port == 80 {
        format!("http://{public_ip}/")
    } else {
        format!("http://{public_ip}:{port}/")
    }
}

/// The test request as a student sends it: it gives up after 10 seconds, so a blocked port
/// ends in a timeout rather than minutes of waiting.
pub fn request_cli(url: &str) -> String {
    format!("curl --max-time 10 {}", sh(url))
}

/// What [`follow_cli`] shows, read once, for the AWS CLI v1, which has no `logs tail`.
pub fn read_cli(group: &str, eni: &str, region: &str) -> String {
    format!(
        "aws logs filter-log-events --log-group-name {} --log-stream-name-prefix {} --region {}",
        sh(group),
        sh(eni),
        sh(region)
    )
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

/// Opens the port again when the records expected need it open and the check says it is
/// still closed: puts back what the security-group-rule step removed (see
/// [`security_group_rule::restore`](super::security_group_rule::restore)). Sending the request
/// is the front end's.
pub async fn apply(
    seen: super::Seen<Observed>,
    p: &Params,
    lesson: &Lab,
    _consent: &super::Consent,
) -> Result<Vec<super::Change>, AwsError> {
    use crate::finding::Status;
    match &seen.observed.reach {
        Some(reach) if super::found(&seen.findings, "port", &[Status::Fail]) => {
            super::security_group_rule::restore(&seen.aws, reach, p.port, lesson).await
        }
        _ => Ok(Vec::new()),
    }
}

/// The request leaves nothing behind to clean up.
pub async fn plan_removal(
    _aws: &Aws,
    _p: &Params,
    _lesson: &Lab,
    _step: &str,
) -> Result<Vec<super::removal::Removal>, AwsError> {
    Ok(Vec::new())
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
        search_for(events, sent_at, &[Action::Accept])
    }

    fn search_for(events: Vec<LogEvent>, sent_at: Option<i64>, actions: &[Action]) -> Search {
        let expected = Expected {
            private_ip: "10.0.1.4",
            port: 80,
            sent_at,
            actions,
            account: "123456789012",
            eni: "eni-1",
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
            assert_eq!(found.complete, ours, "{start}..{end}");
        }
        // verify knows no request time: any record of the flow log counts.
        let found = search(
            vec![event(&record(1_700_000_000, 1_700_000_060, "ACCEPT"), 0)],
            None,
        );
        assert!(found.complete);
    }

    #[test]
    fn requests_to_the_port_over_another_protocol_are_told_apart() {
        let udp = "2 123456789012 eni-1 198.51.100.7 10.0.1.4 51234 80 17 1 60 10 20 ACCEPT OK";
        let ssh = "2 123456789012 eni-1 198.51.100.7 10.0.1.4 51234 22 6 1 60 10 20 ACCEPT OK";
        let found = search(vec![event(ssh, 20_000), event(udp, 10_000)], None);
        assert!(!found.complete);
        assert_eq!(found.other_protocol, Some(17));
        let found = search(vec![event(ssh, 20_000)], None);
        assert_eq!((found.other_protocol, found.scanned), (None, 1));
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
        assert!(found.complete);
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
        assert!(!found.complete);
        assert_eq!(
            found.rejected.map(|e| e.timestamp),
            Some(2),
            "the newest one"
        );
        assert_eq!(found.unparsable, 1);
        assert_eq!(found.scanned, 3);
    }

    /// `records` (action, window end) oldest first, as they happened; searched newest first,
    /// as awslab reads them.
    fn history(records: &[(&str, i64)]) -> Vec<LogEvent> {
        records
            .iter()
            .rev()
            .map(|(action, end)| event(&record(end - 10, *end, action), end * 1000))
            .collect()
    }

    const REOPENED: &[Action] = &[Action::Reject, Action::Accept];

    #[test]
    fn an_accept_counts_only_when_it_follows_a_reject() {
        // (records oldest first, the sequence is there)
        let cases: &[(&[(&str, i64)], bool)] = &[
            (&[("ACCEPT", 100), ("REJECT", 200), ("ACCEPT", 300)], true),
            (&[("REJECT", 200), ("ACCEPT", 300), ("ACCEPT", 400)], true),
            (&[("ACCEPT", 100), ("REJECT", 200)], false),
            (&[("ACCEPT", 100)], false),
            (&[("REJECT", 100), ("REJECT", 200)], false),
        ];
        for (records, expected) in cases {
            let found = search_for(history(records), None, REOPENED);
            assert_eq!(found.complete, *expected, "{records:?}");
        }
        let records = [("ACCEPT", 100), ("REJECT", 200), ("ACCEPT", 300)];
        let found = search_for(history(&records), None, REOPENED);
        let actions: Vec<_> = found
            .matched()
            .unwrap_or_default()
            .iter()
            .map(|(_, r)| r.action())
            .collect();
        assert_eq!(
            actions,
            [Some(Action::Reject), Some(Action::Accept)],
            "oldest first"
        );
    }

    #[test]
    fn only_the_last_record_must_follow_the_request() {
        let records = [("ACCEPT", 100), ("REJECT", 200), ("ACCEPT", 300)];
        assert!(search_for(history(&records), Some(250), REOPENED).complete);
        assert!(!search_for(history(&records), Some(350), REOPENED).complete);
        // The request after reopening was dropped again: the port is still closed.
        let again = search_for(
            history(&[("REJECT", 200), ("REJECT", 400)]),
            Some(350),
            REOPENED,
        );
        assert!(!again.complete);
        assert_eq!(again.rejected.map(|e| e.timestamp), Some(400_000));
    }

    #[test]
    fn a_reject_is_found_even_after_the_port_opened_again() {
        let reject = &[Action::Reject];
        let records = [("REJECT", 200), ("ACCEPT", 300)];
        assert!(search_for(history(&records), None, reject).complete);
        assert!(!search_for(history(&[("ACCEPT", 300)]), None, reject).complete);
    }

    #[test]
    fn expectations_are_read_from_the_lesson() {
        let raw = |expect: &str| -> Result<Params, String> {
            let text =
                format!("vpc = \"v\"\nport = 80\nflow_log = \"f\"\nlog_group = \"g\"\n{expect}");
            let raw: RawParams = toml::from_str(&text).map_err(|e| e.to_string())?;
            raw.validate()
        };
        assert_eq!(raw("").map(|p| p.expect), Ok(vec![Action::Accept]));
        assert_eq!(
            raw("expect = [\"REJECT\", \"ACCEPT\"]").map(|p| p.sequence()),
            Ok("REJECT → ACCEPT".to_string())
        );
        assert!(raw("expect = []").is_err());
        assert!(raw("expect = [\"DROP\"]").is_err());
    }
}

#[cfg(test)]
mod check_tests;
