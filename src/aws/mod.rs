//! AWS access: one SdkConfig shared by every client, thin read wrappers that turn "not found"
//! into `None`, paginate, and keep error context, each memoised for the length of one check.

mod connect;
mod delete;
mod ec2;
mod error;
pub mod http;
mod iam;
mod logs;
mod memo;
mod organizations;
mod propagation;
pub mod record;
pub mod seed;
mod write;

pub use connect::{session_policy, static_sdk_config};
pub use delete::PolicyEntities;
pub use ec2::{Eni, FlowLog, Instance, NaclEntry, RuleSource, SgRule, Vpc};
pub use error::{AwsError, ErrorKind, classify, code_of, set_verbose};
pub use iam::{ManagedPolicy, PolicyText, PolicyVersion, Role};
pub use logs::{LogEvent, LogGroup};
pub use organizations::OrgAccount;
pub use propagation::{Notice, Waiting};
pub use write::{
    LESSON_TAG, MAX_POLICY_VERSIONS, NewFlowLog, NewPolicyVersion, PolicyVersionInfo,
    oldest_non_default,
};

use aws_config::BehaviorVersion;
use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_types::region::Region;
use memo::Memo;
use std::time::Duration;

/// The course is taught in Seoul; a student with no region configured means that one.
pub const DEFAULT_REGION: &str = "ap-northeast-2";

/// The sandbox's loopback web server that stands in for the lab's instance, and how long its
/// simulated delivery takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandIn {
    pub url: String,
    pub delay_seconds: u64,
}

/// How to reach an account: the global options every command shares.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Static credentials (the sandbox's); None for the standard provider chain.
    pub credentials: Option<(String, String)>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Identity {
    pub account: String,
    pub arn: String,
}

pub struct Aws {
    pub region: String,
    calls: record::CallLog,
    /// Told what a long write waits for (IAM propagation), when a front end listens.
    notice: Option<Notice>,
    /// Set when this account is the sandbox's: where its instance really answers.
    stand_in: Option<StandIn>,
    sdk: aws_types::SdkConfig,
    iam: aws_sdk_iam::Client,
    ec2: aws_sdk_ec2::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    organizations: aws_sdk_organizations::Client,
    sts: aws_sdk_sts::Client,
    identity: Memo<Identity>,
    local_policies: Memo<Vec<ManagedPolicy>>,
    policy_text: Memo<Option<iam::PolicyVersion>>,
    role: Memo<Option<Role>>,
    role_policies: Memo<Vec<PolicyText>>,
    attached: Memo<Vec<(String, String)>>,
    log_group: Memo<Option<LogGroup>>,
    log_group_names: Memo<Vec<String>>,
    regions: Memo<Vec<String>>,
    vpcs: Memo<Vec<Vpc>>,
    vpc_names: Memo<Vec<String>>,
    flow_logs: Memo<Vec<FlowLog>>,
    instances: Memo<Vec<Instance>>,
    sg_rules: Memo<Vec<SgRule>>,
    sg_tags: Memo<Vec<(String, String)>>,
    nacl: Memo<Vec<NaclEntry>>,
    prefix_lists: Memo<Vec<String>>,
}

impl Aws {
    pub async fn connect(target: &Target) -> Aws {
        let region = match &target.region {
            Some(r) => RegionProviderChain::first_try(Region::new(r.clone())),
            None => RegionProviderChain::default_provider().or_else(Region::new(DEFAULT_REGION)),
        };
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(region)
            // Proxies from the environment for AWS, never for a loopback endpoint.
            .http_client(http::client())
            // The SDK's defaults wait forever on a dead endpoint; a classroom cannot.
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(3))
                    .read_timeout(Duration::from_secs(10))
                    .operation_attempt_timeout(Duration::from_secs(15))
                    .operation_timeout(Duration::from_secs(30))
                    .build(),
            )
            // Throttling and transient 5xx are retried with jittered exponential backoff.
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(5)
                    .with_initial_backoff(Duration::from_millis(300))
                    .with_max_backoff(Duration::from_secs(5)),
            );
        if let Some(profile) = &target.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &target.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some((key, secret)) = &target.credentials {
            loader = loader.credentials_provider(aws_sdk_sts::config::Credentials::new(
                key, secret, None, None, "awslab",
            ));
        }
        let sdk = loader.load().await;
        Aws::from_sdk(sdk)
    }

    pub fn from_sdk(sdk: aws_types::SdkConfig) -> Aws {
        Aws::with_log(sdk, record::CallLog::default())
    }

    /// Clients that record every call into `log`.
    fn with_log(sdk: aws_types::SdkConfig, log: record::CallLog) -> Aws {
        let recorder = record::Recorder { log: log.clone() };
        Aws {
            calls: log,
            notice: None,
            stand_in: None,
            region: sdk
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| DEFAULT_REGION.to_string()),
            iam: aws_sdk_iam::Client::from_conf(
                aws_sdk_iam::config::Builder::from(&sdk)
                    .interceptor(recorder.clone())
                    .build(),
            ),
            ec2: aws_sdk_ec2::Client::from_conf(
                aws_sdk_ec2::config::Builder::from(&sdk)
                    .interceptor(recorder.clone())
                    .build(),
            ),
            logs: aws_sdk_cloudwatchlogs::Client::from_conf(
                aws_sdk_cloudwatchlogs::config::Builder::from(&sdk)
                    .interceptor(recorder.clone())
                    .build(),
            ),
            organizations: aws_sdk_organizations::Client::from_conf(
                aws_sdk_organizations::config::Builder::from(&sdk)
                    .interceptor(recorder.clone())
                    .build(),
            ),
            sts: aws_sdk_sts::Client::from_conf(
                aws_sdk_sts::config::Builder::from(&sdk)
                    .interceptor(recorder)
                    .build(),
            ),
            sdk,
            identity: Memo::default(),
            local_policies: Memo::default(),
            policy_text: Memo::default(),
            role: Memo::default(),
            role_policies: Memo::default(),
            attached: Memo::default(),
            log_group: Memo::default(),
            log_group_names: Memo::default(),
            regions: Memo::default(),
            vpcs: Memo::default(),
            vpc_names: Memo::default(),
            flow_logs: Memo::default(),
            instances: Memo::default(),
            sg_rules: Memo::default(),
            sg_tags: Memo::default(),
            nacl: Memo::default(),
            prefix_lists: Memo::default(),
        }
    }

    /// The same account and settings with nothing remembered: what to read after writing.
    pub fn fresh(&self) -> Aws {
        let mut aws = Aws::with_log(self.sdk.clone(), self.calls.clone());
        aws.notice = self.notice.clone();
        aws.stand_in = self.stand_in.clone();
        aws
    }

    /// Marks this account as the sandbox's, whose instance is `stand_in` on loopback: what
    /// the checks tell the student to curl, and how soon records arrive, follow it.
    pub fn with_stand_in(mut self, stand_in: StandIn) -> Aws {
        self.stand_in = Some(stand_in);
        self
    }

    pub fn stand_in(&self) -> Option<&StandIn> {
        self.stand_in.as_ref()
    }

    /// Tells `notice` what long writes wait for, from now on and in every `fresh()` copy.
    pub fn with_notice(mut self, notice: Notice) -> Aws {
        self.notice = Some(notice);
        self
    }

    /// Every operation sent through this connection (and its `fresh()` copies), in order.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn sdk(&self) -> &aws_types::SdkConfig {
        &self.sdk
    }

    /// Whether the credential chain yields credentials, without sending a request (whether
    /// AWS accepts them is `identity`'s question). Credentials that fail to load count as none,
    /// as they did when this was asked of STS: on a machine that is no EC2 instance the chain
    /// ends at the instance metadata service, which behind some networks answers with an error
    /// rather than "nothing here", and a newcomer must still land in the sandbox. Where the
    /// account is named (`--profile`, an endpoint) or is AWS CloudShell's, callers do not ask.
    pub async fn has_credentials(&self) -> bool {
        use aws_credential_types::provider::ProvideCredentials;
        match self.sdk.credentials_provider() {
            Some(provider) => provider.provide_credentials().await.is_ok(),
            None => false,
        }
    }

    pub async fn identity(&self) -> Result<Identity, AwsError> {
        self.identity
            .get("", || async {
                let out = self
                    .sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| classify("sts:GetCallerIdentity", e))?;
                Ok(Identity {
                    account: out.account().unwrap_or_default().to_string(),
                    arn: out.arn().unwrap_or_default().to_string(),
                })
            })
            .await
    }
}
