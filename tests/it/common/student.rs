//! What a student does in the console, done with the SDK against the emulator: each lab step,
//! right or with a chosen mistake. The documents are the lesson's own assets.

use super::Account;
use aws_sdk_ec2::types::{
    FlowLogsResourceType, LogDestinationType, ResourceType, Tag, TagSpecification, TrafficType,
};
use awslab::aws::seed::{self, Prerequisites};

pub const POLICY: &str = "my-flowpolicy";
pub const ROLE: &str = "my-flowlog-role";
pub const GROUP: &str = "MyVpc22-Log";
pub const FLOW_LOG: &str = "my-flowlog";
pub const VPC: &str = "MyVpc22";

pub fn asset(name: &str) -> String {
    let path = format!("{}/assets/vpc-flow-logs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn flow_policy() -> String {
    asset("flow-policy.json")
}

pub fn trust_policy() -> String {
    asset("trust-policy.json")
}

/// A trust policy for `principal` (the console's default would be ec2.amazonaws.com).
pub fn trust_for(principal: &str) -> String {
    trust_policy().replace("vpc-flow-logs.amazonaws.com", principal)
}

pub struct Lab {
    pub account: Account,
    pub pre: Prerequisites,
    pub iam: aws_sdk_iam::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
}

pub struct FlowLogSpec<'a> {
    pub group: &'a str,
    pub role: &'a str,
    pub traffic: TrafficType,
    pub name: Option<&'a str>,
    pub format: Option<&'a str>,
}

impl Default for FlowLogSpec<'_> {
    fn default() -> Self {
        FlowLogSpec {
            group: GROUP,
            role: ROLE,
            traffic: TrafficType::All,
            name: Some(FLOW_LOG),
            format: None,
        }
    }
}

impl Lab {
    /// A new account holding only what the instructor prepared.
    pub async fn new() -> Lab {
        Lab::in_account(Account::new().await).await
    }

    /// `account` with what the instructor prepares (its VPC and instance) and nothing else.
    pub async fn in_account(account: Account) -> Lab {
        let pre = seed::prerequisites(&account.sdk, VPC, 80)
            .await
            .unwrap_or_else(|e| panic!("seeding prerequisites: {e}"));
        Lab {
            iam: aws_sdk_iam::Client::new(&account.sdk),
            ec2: aws_sdk_ec2::Client::new(&account.sdk),
            logs: aws_sdk_cloudwatchlogs::Client::new(&account.sdk),
            account,
            pre,
        }
    }

    /// The lab of an account whose prerequisites someone else seeded (a sandbox).
    pub fn from_parts(account: Account, pre: Prerequisites) -> Lab {
        Lab {
            iam: aws_sdk_iam::Client::new(&account.sdk),
            ec2: aws_sdk_ec2::Client::new(&account.sdk),
            logs: aws_sdk_cloudwatchlogs::Client::new(&account.sdk),
            account,
            pre,
        }
    }

    /// The lesson's first `count` steps as awslab does them for the student ("do it for me",
    /// `run --auto`): everything it creates carries the lesson tag.
    pub async fn apply_steps(&self, count: usize) {
        let lesson =
            awslab::lesson::Lesson::load(&awslab::lesson::Source::Embedded, "vpc-flow-logs", &[])
                .unwrap_or_else(|e| panic!("lesson: {e}"));
        let aws = awslab::aws::Aws::from_sdk(self.account.sdk.clone());
        for step in lesson.steps.iter().take(count) {
            step.spec
                .apply(&aws, &lesson.lab, &awslab::steps::Consent::none())
                .await
                .unwrap_or_else(|e| panic!("apply {}: {e}", step.id));
        }
    }

    /// Steps 1 to 5 as the course says, on an account that already has the prerequisites.
    pub async fn configure(&self) {
        self.create_policy(POLICY, &flow_policy()).await;
        self.create_role(ROLE, &trust_policy()).await;
        self.attach(ROLE, POLICY).await;
        self.create_log_group(GROUP).await;
        self.create_flow_log(FlowLogSpec::default()).await;
    }

    /// Every step done as the course says, up to and including the flow log.
    pub async fn configured() -> Lab {
        let lab = Lab::new().await;
        lab.configure().await;
        lab
    }

    /// The whole lab, including the access record of the test request.
    pub async fn solved() -> Lab {
        let lab = Lab::configured().await;
        lab.deliver_access_record("ACCEPT").await;
        lab
    }

    /// Puts this lab (the prerequisites only) into a state a class shows; the score and status
    /// verify must give it.
    pub async fn put_in_state(&self, state: &str) -> (u64, &'static str) {
        match state {
            "solved" => {
                self.configure().await;
                self.deliver_access_record("ACCEPT").await;
                (100, "pass")
            }
            "pending" => {
                self.configure().await;
                (80, "pending")
            }
            "empty" => (0, "fail"),
            "policy-missing-action" => {
                self.configure().await;
                self.new_default_version(
                    POLICY,
                    &flow_policy().replace("\"logs:PutLogEvents\",", ""),
                )
                .await;
                (65, "fail")
            }
            "trust-ec2" => {
                self.create_policy(POLICY, &flow_policy()).await;
                self.create_role(ROLE, &trust_for("ec2.amazonaws.com"))
                    .await;
                self.attach(ROLE, POLICY).await;
                self.create_log_group(GROUP).await;
                self.create_flow_log(FlowLogSpec::default()).await;
                (65, "fail")
            }
            "not-attached" => {
                self.create_policy(POLICY, &flow_policy()).await;
                self.create_role(ROLE, &trust_policy()).await;
                self.create_log_group(GROUP).await;
                self.create_flow_log(FlowLogSpec::default()).await;
                (65, "fail")
            }
            "no-log-group" => {
                self.create_policy(POLICY, &flow_policy()).await;
                self.create_role(ROLE, &trust_policy()).await;
                self.attach(ROLE, POLICY).await;
                (45, "fail")
            }
            "wrong-group" => {
                self.create_policy(POLICY, &flow_policy()).await;
                self.create_role(ROLE, &trust_policy()).await;
                self.attach(ROLE, POLICY).await;
                self.create_log_group(GROUP).await;
                self.create_log_group("Other").await;
                self.create_flow_log(FlowLogSpec {
                    group: "Other",
                    ..Default::default()
                })
                .await;
                (55, "fail")
            }
            "reject-only" => {
                self.create_policy(POLICY, &flow_policy()).await;
                self.create_role(ROLE, &trust_policy()).await;
                self.attach(ROLE, POLICY).await;
                self.create_log_group(GROUP).await;
                self.create_flow_log(FlowLogSpec {
                    traffic: TrafficType::Reject,
                    ..Default::default()
                })
                .await;
                (55, "fail")
            }
            "rejected-record" => {
                self.configure().await;
                self.deliver_access_record("REJECT").await;
                (80, "fail")
            }
            "policy-typo" => {
                self.create_policy("my-flowpolicy2", &flow_policy()).await;
                self.create_log_group(GROUP).await;
                (10, "fail")
            }
            other => panic!("unknown state {other}"),
        }
    }

    pub fn policy_arn(&self, name: &str) -> String {
        format!("arn:aws:iam::{}:policy/{name}", self.account.id)
    }

    pub fn role_arn(&self, name: &str) -> String {
        format!("arn:aws:iam::{}:role/{name}", self.account.id)
    }

    pub async fn create_policy(&self, name: &str, document: &str) {
        self.iam
            .create_policy()
            .policy_name(name)
            .policy_document(document)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create-policy {name}: {e:?}"));
    }

    pub async fn new_default_version(&self, name: &str, document: &str) {
        self.iam
            .create_policy_version()
            .policy_arn(self.policy_arn(name))
            .policy_document(document)
            .set_as_default(true)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create-policy-version {name}: {e:?}"));
    }

    pub async fn create_role(&self, name: &str, trust: &str) {
        self.iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create-role {name}: {e:?}"));
    }

    pub async fn attach(&self, role: &str, policy: &str) {
        self.iam
            .attach_role_policy()
            .role_name(role)
            .policy_arn(self.policy_arn(policy))
            .send()
            .await
            .unwrap_or_else(|e| panic!("attach-role-policy: {e:?}"));
    }

    pub async fn put_inline(&self, role: &str, name: &str, document: &str) {
        self.iam
            .put_role_policy()
            .role_name(role)
            .policy_name(name)
            .policy_document(document)
            .send()
            .await
            .unwrap_or_else(|e| panic!("put-role-policy: {e:?}"));
    }

    pub async fn create_log_group(&self, name: &str) {
        self.logs
            .create_log_group()
            .log_group_name(name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create-log-group {name}: {e:?}"));
    }

    pub async fn create_log_group_in(&self, region: &str, name: &str) {
        let config = aws_sdk_cloudwatchlogs::config::Builder::from(&self.account.sdk)
            .region(aws_types::region::Region::new(region.to_string()))
            .build();
        aws_sdk_cloudwatchlogs::Client::from_conf(config)
            .create_log_group()
            .log_group_name(name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create-log-group {name} in {region}: {e:?}"));
    }

    pub async fn create_flow_log(&self, spec: FlowLogSpec<'_>) -> String {
        let mut req = self
            .ec2
            .create_flow_logs()
            .resource_type(FlowLogsResourceType::Vpc)
            .resource_ids(&self.pre.vpc_id)
            .traffic_type(spec.traffic)
            .log_destination_type(LogDestinationType::CloudWatchLogs)
            .log_group_name(spec.group)
            .deliver_logs_permission_arn(self.role_arn(spec.role))
            .max_aggregation_interval(60);
        if let Some(name) = spec.name {
            req = req.tag_specifications(
                TagSpecification::builder()
                    .resource_type(ResourceType::VpcFlowLog)
                    .tags(Tag::builder().key("Name").value(name).build())
                    .build(),
            );
        }
        if let Some(format) = spec.format {
            req = req.log_format(format);
        }
        let out = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("create-flow-logs: {e:?}"));
        out.flow_log_ids().first().cloned().unwrap_or_default()
    }

    /// A flow log on the lab's subnet rather than its VPC: someone else's, delivering to `group`
    /// through `role` (AWS refuses two flow logs of one resource to one destination).
    pub async fn create_subnet_flow_log(&self, group: &str, role: &str) -> String {
        let out = self
            .ec2
            .create_flow_logs()
            .resource_type(FlowLogsResourceType::Subnet)
            .resource_ids(&self.pre.subnet_id)
            .traffic_type(TrafficType::Reject)
            .log_destination_type(LogDestinationType::CloudWatchLogs)
            .log_group_name(group)
            .deliver_logs_permission_arn(self.role_arn(role))
            .send()
            .await
            .unwrap_or_else(|e| panic!("create-flow-logs (subnet): {e:?}"));
        out.flow_log_ids().first().cloned().unwrap_or_default()
    }

    /// Tags of a flow log, as (key, value) pairs.
    pub async fn flow_log_tags(&self, id: &str) -> Vec<(String, String)> {
        let out = self
            .ec2
            .describe_flow_logs()
            .flow_log_ids(id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("describe-flow-logs: {e:?}"));
        out.flow_logs()
            .iter()
            .flat_map(|f| f.tags())
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// Ids of every flow log in the account's region.
    pub async fn flow_log_ids(&self) -> Vec<String> {
        let out = self
            .ec2
            .describe_flow_logs()
            .send()
            .await
            .unwrap_or_else(|e| panic!("describe-flow-logs: {e:?}"));
        let mut ids: Vec<String> = out
            .flow_logs()
            .iter()
            .filter_map(|f| f.flow_log_id().map(str::to_string))
            .collect();
        ids.sort();
        ids
    }

    /// moto checks that the bucket of an S3 flow log exists. This suite has no S3 SDK, and one
    /// unsigned-but-attributed request is all moto needs (it reads the account from the key id).
    pub fn create_bucket(&self, name: &str) {
        use std::io::{Read, Write};
        let addr = super::moto()
            .endpoint
            .trim_start_matches("http://")
            .to_string();
        let body = format!(
            "<CreateBucketConfiguration><LocationConstraint>{}</LocationConstraint></CreateBucketConfiguration>",
            super::REGION
        );
        let request = format!(
            "PUT /{name} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: AWS4-HMAC-SHA256 Credential={key}/20260101/{region}/s3/aws4_request, SignedHeaders=host, Signature=0\r\nx-amz-security-token: {token}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{body}",
            key = self.account.creds.access_key_id(),
            region = super::REGION,
            token = self.account.creds.session_token().unwrap_or_default(),
            len = body.len(),
        );
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect to moto");
        stream.write_all(request.as_bytes()).expect("send");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "create bucket: {answer}"
        );
    }

    pub async fn create_s3_flow_log(&self) {
        self.create_s3_flow_log_named(Some(FLOW_LOG)).await;
    }

    /// An S3 flow log on the lab's VPC, with `name` as its Name tag (or none).
    pub async fn create_s3_flow_log_named(&self, name: Option<&str>) {
        // Bucket names are global, across the emulator's accounts too.
        let bucket = format!("my-flow-bucket-{}", self.account.id);
        self.create_bucket(&bucket);
        let tags = name.map(|n| {
            vec![
                TagSpecification::builder()
                    .resource_type(ResourceType::VpcFlowLog)
                    .tags(Tag::builder().key("Name").value(n).build())
                    .build(),
            ]
        });
        self.ec2
            .create_flow_logs()
            .resource_type(FlowLogsResourceType::Vpc)
            .resource_ids(&self.pre.vpc_id)
            .traffic_type(TrafficType::All)
            .log_destination_type(LogDestinationType::S3)
            .log_destination(format!("arn:aws:s3:::{bucket}"))
            .set_tag_specifications(tags)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create-flow-logs (s3): {e:?}"));
    }

    /// What AWS delivers after `curl http://<public ip>`: a default-format record in the ENI's
    /// stream, to the ENI's private address on port 80.
    pub async fn deliver_access_record(&self, action: &str) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let line = format!(
            "2 {} {} 127.0.0.1 {} 51234 80 6 5 420 {} {} {action} OK",
            self.account.id,
            self.pre.eni_id,
            self.pre.private_ip,
            now - 30,
            now
        );
        self.put_record(GROUP, &line).await;
    }

    /// `count` records of internet scanners probing other ports, each rejected, written to the
    /// ENI's stream in batches as AWS would deliver them, oldest first and all in the past few
    /// seconds: what a public instance's stream looks like.
    pub async fn put_scanner_records(&self, count: usize) {
        let stream = format!("{}-all", self.pre.eni_id);
        let _ = self
            .logs
            .create_log_stream()
            .log_group_name(GROUP)
            .log_stream_name(&stream)
            .send()
            .await;
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let start_ms = now_ms - count as i64 - 1_000;
        let events: Vec<_> = (0..count)
            .map(|i| {
                let t = (start_ms + i as i64) / 1000;
                let line = format!(
                    "2 {} {} 198.51.{}.{} {} {} {} 6 1 44 {t} {t} REJECT OK",
                    self.account.id,
                    self.pre.eni_id,
                    i / 250 % 250,
                    i % 250 + 1,
                    self.pre.private_ip,
                    40_000 + i % 20_000,
                    [22, 23, 3389, 445, 8080][i % 5],
                );
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp(start_ms + i as i64)
                    .message(line)
                    .build()
                    .unwrap_or_else(|e| panic!("log event: {e}"))
            })
            .collect();
        for batch in events.chunks(5_000) {
            self.logs
                .put_log_events()
                .log_group_name(GROUP)
                .log_stream_name(&stream)
                .set_log_events(Some(batch.to_vec()))
                .send()
                .await
                .unwrap_or_else(|e| panic!("put-log-events: {e:?}"));
        }
    }

    pub async fn put_record(&self, group: &str, line: &str) {
        let stream = format!("{}-all", self.pre.eni_id);
        let _ = self
            .logs
            .create_log_stream()
            .log_group_name(group)
            .log_stream_name(&stream)
            .send()
            .await;
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        self.logs
            .put_log_events()
            .log_group_name(group)
            .log_stream_name(&stream)
            .log_events(
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp(now_ms)
                    .message(line)
                    .build()
                    .unwrap_or_else(|e| panic!("log event: {e}")),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("put-log-events: {e:?}"));
    }
}
