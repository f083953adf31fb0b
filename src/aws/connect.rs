//! Ways into an account besides the standard chain: static keys (the sandbox's emulator), a
//! named profile, and a role assumed in a student's account (grading). Every SDK client awslab
//! makes is built in this module and its siblings.

use super::error::classify;
use super::{Aws, AwsError, ErrorKind};
use aws_credential_types::provider::SharedCredentialsProvider;

/// A configuration with fixed keys for `endpoint` (a local emulator).
pub fn static_sdk_config(
    endpoint: &str,
    region: &str,
    key: &str,
    secret: &str,
    source: &'static str,
) -> aws_types::SdkConfig {
    let creds = aws_sdk_sts::config::Credentials::new(key, secret, None, None, source);
    aws_types::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(creds))
        // A local emulator is reached directly even when the environment names a proxy.
        .http_client(super::http::client())
        .build()
}

impl Aws {
    /// `base` with only the credentials of `profile`: the default chain would prefer the
    /// caller's environment credentials and silently reach the wrong account.
    pub async fn with_profile(
        base: &aws_types::SdkConfig,
        region: Option<&str>,
        profile: &str,
    ) -> Result<Aws, AwsError> {
        let mut builder = with_region(base, region);
        let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
            .profile_name(profile)
            .build();
        builder.set_credentials_provider(Some(SharedCredentialsProvider::new(provider)));
        let aws = Aws::from_sdk(builder.build());
        aws.identity().await.map_err(|mut e| {
            e.detail = format!("profile '{profile}': {}", e.detail);
            e
        })?;
        Ok(aws)
    }

    /// The account behind `role_arn`, reached by assuming the role with `base`'s credentials.
    /// The AssumeRole is recorded like every other call, so AWSLAB_RECORD_CALLS audits show it.
    pub async fn assume_role(
        base: &aws_types::SdkConfig,
        region: Option<&str>,
        role_arn: &str,
        external_id: Option<String>,
        session: &str,
    ) -> Result<Aws, AwsError> {
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(base)
                .interceptor(super::record::Recorder {
                    log: Default::default(),
                })
                .build(),
        );
        let out = sts
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(session)
            .set_external_id(external_id)
            .duration_seconds(900)
            .send()
            .await
            .map_err(|e| {
                let mut err = classify("sts:AssumeRole", e);
                err.detail = format!("cannot assume {role_arn}: {}", err.detail);
                err
            })?;
        let Some(c) = out.credentials() else {
            return Err(AwsError {
                kind: ErrorKind::Credentials,
                operation: "sts:AssumeRole",
                code: None,
                detail: format!("no credentials returned for {role_arn}"),
            });
        };
        let creds = aws_sdk_sts::config::Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "awslab-assumed-role",
        );
        let mut builder = with_region(base, region);
        builder.set_credentials_provider(Some(SharedCredentialsProvider::new(creds)));
        Ok(Aws::from_sdk(builder.build()))
    }
}

fn with_region(
    base: &aws_types::SdkConfig,
    region: Option<&str>,
) -> aws_types::sdk_config::Builder {
    let mut builder = base.to_builder();
    if let Some(region) = region {
        builder.set_region(Some(aws_types::region::Region::new(region.to_string())));
    }
    builder
}
