//! What the step kinds observe, made by hand for the tables of their checks and for the report
//! snapshots: the first lesson's lab, one account, one region, one moment, and small
//! constructors for the resources a check sees. Test code only.

use super::{Env, Lab, LabStep, Permission, StepSpec};
use super::{flow_log, log_group, policy, role, traffic, trust};
use crate::aws::{Eni, FlowLog, Instance, LogEvent, LogGroup, ManagedPolicy, Role, Vpc};
use crate::finding::{Finding, Status};
use crate::flow_record::{Action, FlowRecord, LogFormat};
use std::collections::BTreeMap;

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "ap-northeast-2";
/// 2026-01-01T00:00:00Z: the moment judged.
pub const NOW: i64 = 1_767_225_600;
/// When the resources were made: a day before.
pub const CREATED: i64 = NOW - 86_400;

pub const POLICY: &str = "my-flowpolicy";
pub const ROLE: &str = "my-flowlog-role";
pub const GROUP: &str = "MyVpc22-Log";
pub const FLOW_LOG: &str = "my-flowlog";
pub const VPC: &str = "MyVpc22";
pub const VPC_ID: &str = "vpc-0a1b2c3d4e5f60718";
pub const FLOW_LOG_ID: &str = "fl-0123456789abcdef0";
pub const INSTANCE_ID: &str = "i-0123456789abcdef0";
pub const ENI_ID: &str = "eni-0123456789abcdef0";
pub const PRIVATE_IP: &str = "10.0.1.4";
/// A documentation address (RFC 5737): never a real host.
pub const PUBLIC_IP: &str = "203.0.113.10";

pub const FLOW_POLICY: &str = include_str!("../../assets/vpc-flow-logs/flow-policy.json");
pub const TRUST_POLICY: &str = include_str!("../../assets/vpc-flow-logs/trust-policy.json");

/// The first lesson's lab (`vpc-flow-logs`) with its default variables, as the loader builds it.
pub fn lab() -> Lab {
    let permission = |actions: &[&str], resource: &str| Permission {
        actions: actions.iter().map(|a| a.to_string()).collect(),
        resource: resource.to_string(),
    };
    let step = |id: &str, spec: StepSpec| LabStep {
        id: id.to_string(),
        spec,
    };
    Lab {
        id: "vpc-flow-logs".to_string(),
        assets: BTreeMap::from([
            ("flow-policy.json".to_string(), FLOW_POLICY.to_string()),
            ("trust-policy.json".to_string(), TRUST_POLICY.to_string()),
        ]),
        permissions: vec![
            permission(
                &["logs:CreateLogGroup", "logs:DescribeLogStreams"],
                "arn:aws:logs:{region}:{account}:log-group:MyVpc22-Log:log-stream:",
            ),
            permission(
                &["logs:DescribeLogGroups"],
                "arn:aws:logs:{region}:{account}:log-group::log-stream:",
            ),
            permission(
                &["logs:CreateLogStream", "logs:PutLogEvents"],
                "arn:aws:logs:{region}:{account}:log-group:MyVpc22-Log:log-stream:eni-0123456789abcdef0-all",
            ),
        ],
        steps: vec![
            step("policy", StepSpec::Policy(policy_params())),
            step("role", StepSpec::Role(role_params())),
            step("trust", StepSpec::Trust(trust_params())),
            step("log-group", StepSpec::LogGroup(log_group_params())),
            step("flow-log", StepSpec::FlowLog(flow_log_params())),
            step(
                "traffic",
                StepSpec::Traffic(traffic_params(&[Action::Accept])),
            ),
        ],
        files: Lab::default_files("vpc-flow-logs"),
    }
}

/// What a check knows besides its observation, for `lab` in the fixed account, region and time.
pub fn env(lab: &Lab) -> Env<'_> {
    Env {
        lesson: lab,
        region: REGION,
        account: ACCOUNT,
        stand_in: None,
        now: NOW,
    }
}

/// A finding as a table row expects it: its id, status and message key.
pub type Expected<'a> = (&'a str, Status, &'static str);

/// Each finding as a table row expects it, in order.
pub fn summary(findings: &[Finding]) -> Vec<Expected<'_>> {
    findings
        .iter()
        .map(|f| (f.id.as_str(), f.status, f.message.key))
        .collect()
}

/// The finding with check id `id`.
pub fn finding<'a>(findings: &'a [Finding], id: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no finding {id} in {:?}", summary(findings)))
}

/// A message argument of the finding `id`.
pub fn arg<'a>(findings: &'a [Finding], id: &str, name: &str) -> &'a str {
    let f = finding(findings, id);
    f.message
        .args
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{id}: no argument {name} in {:?}", f.message.args))
}

/// The key of the fix of the finding `id`, if it has one.
pub fn fix_key(findings: &[Finding], id: &str) -> Option<&'static str> {
    finding(findings, id).remediation.as_ref().map(|r| r.key)
}

// --- params -----------------------------------------------------------------------------------

pub fn policy_params() -> policy::Params {
    policy::Params {
        name: POLICY.to_string(),
        document: "flow-policy.json".to_string(),
        least_privilege_resource: Some("arn:aws:logs:*:*:log-group:MyVpc22-Log:*".to_string()),
    }
}

pub fn role_params() -> role::Params {
    role::Params {
        name: ROLE.to_string(),
        policy: POLICY.to_string(),
    }
}

pub fn trust_params() -> trust::Params {
    trust::Params {
        role: ROLE.to_string(),
        service: "vpc-flow-logs.amazonaws.com".to_string(),
        document: "trust-policy.json".to_string(),
        source_arn: Some("arn:aws:ec2:{region}:{account}:vpc-flow-log/*".to_string()),
    }
}

pub fn log_group_params() -> log_group::Params {
    log_group::Params {
        name: GROUP.to_string(),
    }
}

pub fn flow_log_params() -> flow_log::Params {
    flow_log::Params {
        vpc: VPC.to_string(),
        name: FLOW_LOG.to_string(),
        log_group: GROUP.to_string(),
        role: ROLE.to_string(),
        traffic_type: "ALL".to_string(),
        max_aggregation_interval: Some(60),
    }
}

pub fn traffic_params(expect: &[Action]) -> traffic::Params {
    traffic::Params {
        vpc: VPC.to_string(),
        port: 80,
        flow_log: FLOW_LOG.to_string(),
        log_group: GROUP.to_string(),
        expect: expect.to_vec(),
    }
}

// --- resources ----------------------------------------------------------------------------------

pub fn policy_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/{POLICY}")
}

pub fn role_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{ROLE}")
}

pub fn managed_policy() -> ManagedPolicy {
    ManagedPolicy {
        name: POLICY.to_string(),
        arn: policy_arn(),
        id: "ANPA0000000000EXAMPLE".to_string(),
        default_version: Some("v1".to_string()),
        created: Some(CREATED),
    }
}

/// The lab's policy with `document` as its version in force.
pub fn policy_observed(document: Option<&str>) -> policy::Observed {
    policy::Observed {
        policy: Some(managed_policy()),
        document: document.map(str::to_string),
        document_created: Some(CREATED),
        similar: Vec::new(),
        right_version: None,
    }
}

pub fn role_with_trust(trust: Option<&str>) -> Role {
    Role {
        name: ROLE.to_string(),
        arn: role_arn(),
        id: "AROA0000000000EXAMPLE".to_string(),
        trust_document: trust.map(str::to_string),
        created: Some(CREATED),
        boundary: None,
        tags: Vec::new(),
    }
}

/// A managed policy attached to the role.
pub fn attached(name: &str, document: &str) -> crate::aws::PolicyText {
    crate::aws::PolicyText {
        name: name.to_string(),
        source: format!("arn:aws:iam::{ACCOUNT}:policy/{name}"),
        document: Some(document.to_string()),
    }
}

/// An inline policy of the role.
pub fn inline(name: &str, document: &str) -> crate::aws::PolicyText {
    crate::aws::PolicyText {
        name: name.to_string(),
        source: "inline".to_string(),
        document: Some(document.to_string()),
    }
}

/// The role with `policies` on it, the lab's policy existing.
pub fn role_observed(policies: Vec<crate::aws::PolicyText>) -> role::Observed {
    role::Observed {
        role: Some(role_with_trust(Some(TRUST_POLICY))),
        policies,
        boundary: None,
        policy_arn: Some(policy_arn()),
        policy_id: Some("ANPA0000000000EXAMPLE".to_string()),
        similar: Vec::new(),
    }
}

pub fn trust_observed(trust: Option<&str>) -> trust::Observed {
    trust::Observed {
        role: Some(role_with_trust(trust)),
        flow_log_arn: Some(format!(
            "arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-flow-log/{FLOW_LOG_ID}"
        )),
    }
}

pub fn log_group_observed(here: bool) -> log_group::Observed {
    log_group::Observed {
        here: here.then(|| LogGroup {
            name: GROUP.to_string(),
            arn: Some(format!(
                "arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}:*"
            )),
            region: REGION.to_string(),
            created: Some(CREATED),
        }),
        elsewhere: Vec::new(),
        similar: Vec::new(),
    }
}

/// The lab's flow log as the lesson wants it: named, to the log group, through the role,
/// recording all traffic every minute, delivering.
pub fn lab_flow_log() -> FlowLog {
    FlowLog {
        id: FLOW_LOG_ID.to_string(),
        resource_id: Some(VPC_ID.to_string()),
        destination_type: Some("cloud-watch-logs".to_string()),
        log_group: Some(GROUP.to_string()),
        destination: Some(format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}")),
        role_arn: Some(role_arn()),
        traffic_type: Some("ALL".to_string()),
        deliver_status: Some("SUCCESS".to_string()),
        deliver_error: None,
        log_format: None,
        max_aggregation_interval: Some(60),
        tags: vec![("Name".to_string(), FLOW_LOG.to_string())],
        created: Some(CREATED),
    }
}

pub fn flow_log_observed(flow_logs: Vec<FlowLog>) -> flow_log::Observed {
    flow_log::Observed {
        vpcs: vec![Vpc {
            id: VPC_ID.to_string(),
            cidr: Some("10.0.0.0/16".to_string()),
        }],
        flow_logs,
        role_arn: Some(role_arn()),
        similar_vpcs: Vec::new(),
    }
}

pub fn instance() -> Instance {
    Instance {
        id: INSTANCE_ID.to_string(),
        name: Some("MyVpc22-Web".to_string()),
        state: Some("running".to_string()),
        public_ip: Some(PUBLIC_IP.to_string()),
        enis: vec![Eni {
            id: ENI_ID.to_string(),
            private_ip: Some(PRIVATE_IP.to_string()),
            device_index: Some(0),
        }],
        security_groups: vec!["sg-0123456789abcdef0".to_string()],
        subnet_id: Some("subnet-0123456789abcdef0".to_string()),
    }
}

/// A default-format record of a request to the instance's port 80, its window ending at `end`.
pub fn record_line(action: &str, end: i64) -> String {
    format!(
        "2 {ACCOUNT} {ENI_ID} 198.51.100.7 {PRIVATE_IP} 51234 80 6 5 420 {} {end} {action} OK",
        end - 60
    )
}

/// The event of `record_line` in the ENI's stream.
pub fn record_event(action: &str, end: i64) -> (LogEvent, FlowRecord) {
    let message = record_line(action, end);
    let record = FlowRecord::parse(&LogFormat::default_v2(), &message).expect("a v2 record");
    let event = LogEvent {
        stream: format!("{ENI_ID}-all"),
        timestamp: end * 1000,
        ingested: None,
        message,
    };
    (event, record)
}

/// The lab set up for the traffic step, and what the search of its stream found: `found`
/// newest first.
pub fn traffic_observed(found: Vec<(LogEvent, FlowRecord)>, complete: bool) -> traffic::Observed {
    let scanned = found.len();
    traffic::Observed {
        vpc_found: true,
        flow_log: Some(lab_flow_log()),
        feeds: vec![lab_flow_log()],
        on_vpc: vec![lab_flow_log()],
        instance: Some(instance()),
        search: traffic::Search {
            found,
            complete,
            scanned,
            ..traffic::Search::default()
        },
        reach: None,
    }
}

/// What every step of the first lesson observed, in the lesson's order.
pub struct Observations {
    pub policy: policy::Observed,
    pub role: role::Observed,
    pub trust: trust::Observed,
    pub log_group: log_group::Observed,
    pub flow_log: flow_log::Observed,
    pub traffic: traffic::Observed,
}

impl Observations {
    /// The lab done, the access record arrived.
    pub fn solved() -> Observations {
        Observations {
            policy: policy_observed(Some(FLOW_POLICY)),
            role: role_observed(vec![attached(POLICY, FLOW_POLICY)]),
            trust: trust_observed(Some(TRUST_POLICY)),
            log_group: log_group_observed(true),
            flow_log: flow_log_observed(vec![lab_flow_log()]),
            traffic: traffic_observed(vec![record_event("ACCEPT", NOW - 120)], true),
        }
    }

    /// Each step's findings as `StepSpec::judge` gives them for `lab`: its kind's check, with
    /// `--region` in every command.
    pub fn judged(&self, lab: &Lab) -> Vec<Vec<Finding>> {
        let env = env(lab);
        [
            policy::check(&self.policy, &policy_params(), &env),
            role::check(&self.role, &role_params(), &env),
            trust::check(&self.trust, &trust_params(), &env),
            log_group::check(&self.log_group, &log_group_params(), &env),
            flow_log::check(&self.flow_log, &flow_log_params(), &env),
            traffic::check(&self.traffic, &traffic_params(&[Action::Accept]), &env),
        ]
        .into_iter()
        .map(|findings| super::regional_fixes(findings, REGION))
        .collect()
    }
}
