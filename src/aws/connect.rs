//! Ways into an account besides the standard chain: static keys (the sandbox's emulator), a
//! named profile, and a role assumed in a student's account (grading). Every SDK client awslab
//! makes is built in this module and its siblings.

use super::error::classify_ref;
use super::record::{self, CallLog};
use super::{Aws, AwsError, ErrorKind};
use aws_config::identity::IdentityCache;
use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_types::sdk_config::SharedTimeSource;
use std::sync::Mutex;

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

    /// The account behind `role_arn`, reached by assuming the role with `base`'s credentials
    /// for sessions of [`ASSUMED_ROLE_SESSION`], renewed before they end.
    pub async fn assume_role(
        base: &aws_types::SdkConfig,
        region: Option<&str>,
        role_arn: &str,
        external_id: Option<String>,
        session: &str,
    ) -> Result<Aws, AwsError> {
        Aws::assume_role_for(
            base,
            region,
            role_arn,
            external_id,
            session,
            ASSUMED_ROLE_SESSION,
        )
        .await
    }

    /// [`Aws::assume_role`] with sessions of `length`. The credentials come from the SDK's
    /// assume-role provider behind the identity cache, which asks for new ones shortly before
    /// the old ones expire: a check that outlasts one session goes on in the next. The first
    /// AssumeRole is sent now, so that a role that cannot be assumed is reported as such; it and
    /// every renewal are recorded like every other call (AWSLAB_RECORD_CALLS audits show them).
    /// STS is asked in `base`'s region; `region` is the account's, for everything else.
    pub async fn assume_role_for(
        base: &aws_types::SdkConfig,
        region: Option<&str>,
        role_arn: &str,
        external_id: Option<String>,
        session: &str,
        length: std::time::Duration,
    ) -> Result<Aws, AwsError> {
        let mut sts_conf = base.to_builder();
        // The provider reads the clock to cache; a config built by hand may have none.
        if base.time_source().is_none() {
            sts_conf.set_time_source(Some(SharedTimeSource::default()));
        }
        let mut provider = AssumeRoleProvider::builder(role_arn)
            .configure(&sts_conf.build())
            .session_name(session)
            .session_length(length)
            // The session can do no more than grading needs, whatever the role allows: the
            // session policy is intersected with the role's own.
            .policy(session_policy());
        if let Some(id) = external_id {
            provider = provider.external_id(id);
        }
        let log = CallLog::default();
        let recorded = Recorded {
            inner: provider.build().await,
            first: Mutex::new(None),
            log: log.clone(),
        };
        let first = recorded
            .fetch()
            .await
            .map_err(|e| assume_role_error(role_arn, &e))?;
        *recorded.first.lock().unwrap_or_else(|p| p.into_inner()) = Some(first);
        let mut builder = with_region(base, region);
        builder.set_credentials_provider(Some(SharedCredentialsProvider::new(recorded)));
        // One cache for every client of this account and their `fresh()` copies, so that one
        // AssumeRole serves them all until it is due for renewal.
        builder.set_identity_cache(Some(IdentityCache::lazy().build()));
        if base.time_source().is_none() {
            builder.set_time_source(Some(SharedTimeSource::default()));
        }
        Ok(Aws::with_log(builder.build(), log))
    }
}

/// The session policy of every assumed-role session: the first statement of
/// [`record::grading_policy`] (the reads `grade --print-policy` lists for the student account),
/// packed without whitespace, since AWS limits a session policy to 2048 packed characters.
pub fn session_policy() -> String {
    record::grading_policy().to_string()
}

/// How long an assumed-role session lasts (AWS's minimum): grading renews it as it goes, so a
/// long class run never meets an expired one.
pub const ASSUMED_ROLE_SESSION: std::time::Duration = std::time::Duration::from_secs(900);

/// A credentials provider that records each call it makes (`sts:AssumeRole`), and hands out
/// credentials fetched in advance once, before asking `inner` again.
#[derive(Debug)]
struct Recorded<P> {
    inner: P,
    first: Mutex<Option<Credentials>>,
    log: CallLog,
}

impl<P: ProvideCredentials> Recorded<P> {
    async fn fetch(&self) -> aws_credential_types::provider::Result {
        record::note(&self.log, "sts:AssumeRole");
        self.inner.provide_credentials().await
    }

    /// The credentials fetched in advance, unless they have expired meanwhile.
    fn take_first(&self) -> Option<Credentials> {
        let first = self
            .first
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()?;
        match first.expiry() {
            Some(expiry) if expiry <= std::time::SystemTime::now() => None,
            _ => Some(first),
        }
    }
}

impl<P: ProvideCredentials> ProvideCredentials for Recorded<P> {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        match self.take_first() {
            Some(first) => future::ProvideCredentials::ready(Ok(first)),
            None => future::ProvideCredentials::new(self.fetch()),
        }
    }
}

/// What stopped the role from being assumed, classified like any failed call.
fn assume_role_error(role_arn: &str, e: &CredentialsError) -> AwsError {
    let sdk = std::error::Error::source(e).and_then(|s| {
        s.downcast_ref::<aws_sdk_sts::error::SdkError<AssumeRoleError, HttpResponse>>()
    });
    let mut err = match sdk {
        Some(sdk) => classify_ref("sts:AssumeRole", sdk),
        None => AwsError {
            kind: match e {
                CredentialsError::ProviderTimedOut(_) => ErrorKind::Timeout,
                _ => ErrorKind::Credentials,
            },
            operation: "sts:AssumeRole",
            code: None,
            detail: super::error::plain_cause(
                e,
                &aws_sdk_sts::error::DisplayErrorContext(e).to_string(),
            ),
            request_id: None,
        },
    };
    err.detail = format!("cannot assume {role_arn}: {}", err.detail);
    err
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::{Duration, SystemTime};

    /// Stands in for STS: each call a new key, valid for `valid`.
    #[derive(Debug)]
    struct Sts {
        calls: AtomicU32,
        valid: Duration,
    }

    impl ProvideCredentials for Sts {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            future::ProvideCredentials::ready(Ok(Credentials::new(
                format!("ASIA{n}"),
                "secret",
                Some("token".into()),
                Some(SystemTime::now() + self.valid),
                "test",
            )))
        }
    }

    fn recorded(valid: Duration) -> Recorded<Sts> {
        Recorded {
            inner: Sts {
                calls: AtomicU32::new(0),
                valid,
            },
            first: Mutex::new(None),
            log: CallLog::default(),
        }
    }

    #[tokio::test]
    async fn the_first_credentials_serve_once_then_every_renewal_is_sent_and_recorded() {
        let r = recorded(Duration::from_secs(900));
        let first = r.fetch().await.expect("first");
        *r.first.lock().unwrap_or_else(|p| p.into_inner()) = Some(first);
        let a = r.provide_credentials().await.expect("a");
        assert_eq!(
            a.access_key_id(),
            "ASIA1",
            "the credentials fetched in advance"
        );
        let b = r.provide_credentials().await.expect("b");
        assert_eq!(b.access_key_id(), "ASIA2", "a renewal asks STS again");
        assert_eq!(r.inner.calls.load(Ordering::SeqCst), 2);
        let log = r.log.lock().unwrap_or_else(|p| p.into_inner()).clone();
        assert_eq!(log, ["sts:AssumeRole", "sts:AssumeRole"]);
    }

    #[tokio::test]
    async fn expired_first_credentials_are_not_handed_out() {
        let r = recorded(Duration::ZERO);
        let first = r.fetch().await.expect("first");
        *r.first.lock().unwrap_or_else(|p| p.into_inner()) = Some(first);
        std::thread::sleep(Duration::from_millis(5));
        let c = r.provide_credentials().await.expect("renewed");
        assert_eq!(c.access_key_id(), "ASIA2");
    }

    #[test]
    fn the_session_policy_is_the_grading_policy_packed_within_the_limit() {
        let policy = session_policy();
        assert!(policy.len() <= 2048, "{} characters", policy.len());
        assert!(!policy.chars().any(char::is_whitespace), "{policy}");
        let parsed: serde_json::Value = serde_json::from_str(&policy).expect("JSON");
        assert_eq!(parsed, record::grading_policy());
        let actions = parsed["Statement"][0]["Action"]
            .as_array()
            .expect("actions")
            .iter()
            .filter_map(|a| a.as_str())
            .collect::<Vec<_>>();
        assert_eq!(actions, record::VERIFY_ACTIONS);
        assert_eq!(parsed["Statement"].as_array().map(Vec::len), Some(1));
    }
}
