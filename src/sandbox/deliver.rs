//! Simulated flow log delivery. For each connection the stand-in server accepted, once the
//! aggregation delay has passed, write the records AWS would write — but only if a flow log on
//! the lab's VPC would really deliver: it goes to CloudWatch Logs, its role exists, trusts the
//! flow logs service and may create streams and put events in the log group, and the log group
//! exists. The judgement uses the verification engine's own trust check and IAM evaluator, so
//! the sandbox and `verify` can never disagree about what works. A wrong setup delivers
//! nothing, as in AWS, and the traffic of that moment is lost.

use super::web::Connection;
use crate::aws::seed::Prerequisites;
use crate::aws::{Aws, AwsError, FlowLog};
use crate::finding::Status;
use crate::flow_record::LogFormat;
use crate::iam::{self, Decision, PolicyDocument, Request};
use crate::lesson::Lesson;
use crate::steps::{Env, StepSpec, flow_log, trust};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

pub struct Simulator {
    pub sdk: aws_types::SdkConfig,
    pub lesson: Lesson,
    pub pre: Prerequisites,
    pub vpc_name: String,
    /// The port the instance serves on (what the records say), not the stand-in's port.
    pub port: u16,
    pub delay: Duration,
    /// A flow log captures nothing until this long after it was created.
    pub warmup: Duration,
}

impl Simulator {
    pub async fn run(self, mut seen: mpsc::UnboundedReceiver<Connection>) {
        let mut waiting: Vec<Connection> = Vec::new();
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tokio::select! {
                c = seen.recv() => match c {
                    Some(c) => waiting.push(c),
                    None => return,
                },
                _ = tick.tick() => {
                    let now = SystemTime::now();
                    let (due, later): (Vec<_>, Vec<_>) = waiting
                        .drain(..)
                        .partition(|c| c.end + self.delay <= now);
                    waiting = later;
                    if !due.is_empty() {
                        if let Err(e) = self.deliver(&due).await {
                            eprintln!("awslab sandbox: delivery simulation failed: {e}");
                        }
                    }
                }
            }
        }
    }

    async fn deliver(&self, due: &[Connection]) -> Result<(), AwsError> {
        let aws = Aws::from_sdk(self.sdk.clone());
        for fl in self.delivering_flow_logs(&aws).await? {
            let Some(group) = fl.log_group.as_deref() else {
                continue;
            };
            let (suffix, logged): (&str, fn(&Connection) -> bool) = match fl.traffic_type.as_deref()
            {
                Some("ACCEPT") => ("accept", |c| c.admitted),
                Some("REJECT") => ("reject", |c| !c.admitted),
                _ => ("all", |_| true),
            };
            let format = fl
                .log_format
                .as_deref()
                .and_then(|f| LogFormat::parse(f).ok())
                .unwrap_or_default();
            let account = aws.identity().await?.account;
            // A new flow log captures nothing until it has warmed up, as on AWS.
            let capturing_from = fl
                .created
                .map(|s| UNIX_EPOCH + Duration::from_secs(s.max(0) as u64) + self.warmup)
                .unwrap_or(UNIX_EPOCH);
            let mut lines = Vec::new();
            let captured = |c: &&Connection| self.warmup.is_zero() || c.start >= capturing_from;
            for c in due.iter().filter(captured).filter(|c| logged(c)) {
                lines.extend(records(
                    &format,
                    c,
                    &self.pre,
                    &account,
                    &aws.region,
                    self.port,
                ));
            }
            if lines.is_empty() {
                continue;
            }
            let stream = format!("{}-{suffix}", self.pre.eni_id);
            aws.put_records(group, &stream, &lines).await?;
        }
        Ok(())
    }

    /// The flow logs on the lab's VPC that AWS would deliver through.
    async fn delivering_flow_logs(&self, aws: &Aws) -> Result<Vec<FlowLog>, AwsError> {
        let observed = flow_log::observe_vpc(aws, &self.vpc_name).await?;
        let identity = aws.identity().await?;
        let env = Env::new(&self.lesson.lab, aws, &identity);
        let trust_params = self.lesson.steps.iter().find_map(|s| match &s.spec {
            StepSpec::Trust(p) => Some(p.clone()),
            _ => None,
        });
        let mut out = Vec::new();
        for fl in observed.flow_logs {
            if !fl.to_cloudwatch_logs() {
                continue;
            }
            let (Some(role_arn), Some(group)) = (fl.role_arn.as_deref(), fl.log_group.as_deref())
            else {
                continue;
            };
            let role_name = flow_log::role_name(role_arn);
            let Some(role) = aws.role(role_name).await? else {
                continue;
            };
            let trusted = match &trust_params {
                Some(p) => {
                    let p = trust::Params {
                        role: role_name.to_string(),
                        ..p.clone()
                    };
                    let flow_log_arn = Some(format!(
                        "arn:aws:ec2:{}:{}:vpc-flow-log/{}",
                        aws.region, identity.account, fl.id
                    ));
                    let observed = trust::Observed {
                        role: Some(role.clone()),
                        flow_log_arn,
                    };
                    trust::check(&observed, &p, &env)
                        .first()
                        .is_some_and(|f| f.status == Status::Pass || f.status == Status::Warn)
                }
                None => false,
            };
            if !trusted || aws.log_group(&aws.region, group).await?.is_none() {
                continue;
            }
            let texts = aws.role_permission_policies(role_name).await?;
            let docs: Vec<PolicyDocument> = texts
                .iter()
                .filter_map(|t| iam::parse_document(t.document.as_deref()?).ok())
                .collect();
            let boundary = match role.boundary.as_deref() {
                None => None,
                Some(arn) => match aws.policy_default_document(arn).await? {
                    Some(text) => match iam::parse_document(&text) {
                        Ok(doc) => Some(doc),
                        // A boundary that cannot be read allows nothing that can be shown.
                        Err(_) => continue,
                    },
                    None => continue,
                },
            };
            if may_write(&docs, boundary.as_ref(), &env, group, &role) {
                out.push(fl);
            }
        }
        Ok(out)
    }
}

/// Whether the role's policies (within its boundary) let the service create the ENI's stream
/// and put events in it, judged in the context of the delivery calls, as `verify` judges them.
fn may_write(
    docs: &[PolicyDocument],
    boundary: Option<&PolicyDocument>,
    env: &Env,
    group: &str,
    role: &crate::aws::Role,
) -> bool {
    let refs: Vec<&PolicyDocument> = docs.iter().collect();
    let resource = env.fill(&format!(
        "arn:aws:logs:{{region}}:{{account}}:log-group:{group}:log-stream:eni-0123456789abcdef0-all"
    ));
    let context = env.delivery_context(&role.arn, role.created, Some(&role.tags));
    ["logs:CreateLogStream", "logs:PutLogEvents"]
        .iter()
        .all(|action| {
            iam::evaluate_identity(
                &refs,
                boundary,
                &Request {
                    action,
                    resource: Some(&resource),
                    principal: None,
                    context: &context,
                },
            )
            .decision
                == Decision::Allow
        })
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Whether the lab's instance lets a TCP connection from `client` in on `port`: the
/// security-group-rule step kind's own judgement of the live security groups and network ACL.
/// What cannot be read lets the connection in (and says so): the sandbox's own trouble is no
/// student's mistake.
pub async fn admits(
    sdk: &aws_types::SdkConfig,
    vpc: &str,
    port: u16,
    client: std::net::SocketAddr,
) -> bool {
    use crate::steps::security_group_rule as sg;
    let aws = Aws::from_sdk(sdk.clone());
    match sg::observe_instance(&aws, vpc).await {
        Ok(o) if o.instance.is_some() => sg::reach(
            &o,
            port,
            crate::net::Requester::Address(client.ip()),
            Some(client.port()),
        )
        .is_open(),
        Ok(_) => true,
        Err(e) => {
            eprintln!("awslab sandbox: could not read the security group, letting in: {e}");
            true
        }
    }
}

/// The records of one connection in the flow log's format: request and response when it was
/// let in, the request alone (REJECT) when it was turned away.
pub fn records(
    format: &LogFormat,
    c: &Connection,
    pre: &Prerequisites,
    account: &str,
    region: &str,
    port: u16,
) -> Vec<String> {
    let client_ip = c.client.ip().to_string();
    let client_port = c.client.port().to_string();
    let server_port = port.to_string();
    let start = secs(c.start).to_string();
    // Records cover whole aggregation windows; a request within one second still spans it.
    let end = (secs(c.end).max(secs(c.start) + 1)).to_string();
    let directions = [
        (
            client_ip.as_str(),
            client_port.as_str(),
            pre.private_ip.as_str(),
            server_port.as_str(),
            c.bytes_in,
            "ingress",
        ),
        (
            pre.private_ip.as_str(),
            server_port.as_str(),
            client_ip.as_str(),
            client_port.as_str(),
            c.bytes_out,
            "egress",
        ),
    ];
    let action = if c.admitted { "ACCEPT" } else { "REJECT" };
    let shown = if c.admitted { 2 } else { 1 };
    directions
        .iter()
        .take(shown)
        .map(|(src, sport, dst, dport, bytes, direction)| {
            let packets = (bytes / 1400 + 3).to_string();
            let bytes = bytes.to_string();
            format
                .fields()
                .iter()
                .map(|field| match field.as_str() {
                    "version" => "2",
                    "account-id" => account,
                    "interface-id" => &pre.eni_id,
                    "srcaddr" | "pkt-srcaddr" => src,
                    "dstaddr" | "pkt-dstaddr" => dst,
                    "srcport" => sport,
                    "dstport" => dport,
                    "protocol" => "6",
                    "packets" => &packets,
                    "bytes" => &bytes,
                    "start" => &start,
                    "end" => &end,
                    "action" => action,
                    "log-status" => "OK",
                    "vpc-id" => &pre.vpc_id,
                    "subnet-id" => &pre.subnet_id,
                    "instance-id" => &pre.instance_id,
                    "tcp-flags" => {
                        if c.admitted {
                            "19"
                        } else {
                            "2"
                        }
                    }
                    "type" => "IPv4",
                    "region" => region,
                    "flow-direction" => direction,
                    _ => "-",
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}
