//! IAM is eventually consistent. A role or policy made or changed seconds ago may not be usable
//! yet: `CreateFlowLogs` answers `InvalidParameter: Unable to assume given IAM role`, and
//! attaching a policy just created can answer `NoSuchEntity`. Tools that create and then use
//! roles retry exactly these answers for about a minute; so does awslab, for the calls that
//! depend on an IAM change, and it says that it is waiting and why. Nothing else is retried
//! here: access denied, a validation error about the input, or the bound reached is reported
//! as it is.

use super::{Aws, AwsError};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long an IAM change may take to be seen by the service that uses it.
pub const PROPAGATION_LIMIT: Duration = Duration::from_secs(90);

/// Something a long write is waiting for, for the front end to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// A write that depends on an IAM change just made was refused as not propagated yet.
    IamPropagation {
        operation: &'static str,
        waited: Duration,
        limit: Duration,
    },
}

/// Where the AWS layer tells the front end what it is waiting for.
pub type Notice = Arc<dyn Fn(Waiting) + Send + Sync>;

/// `CreateFlowLogs` naming a role the flow logs service cannot assume yet.
pub fn role_not_assumable_yet(e: &AwsError) -> bool {
    e.code.as_deref() == Some("InvalidParameter")
        && e.detail.contains("Unable to assume given IAM role")
}

/// A policy (or role) created a moment ago that IAM does not find yet.
pub fn not_found_yet(e: &AwsError) -> bool {
    e.code.as_deref() == Some("NoSuchEntity")
}

impl Aws {
    /// Runs `call` until it succeeds, fails with anything but what `not_yet` recognises, or
    /// `PROPAGATION_LIMIT` would be passed; backs off from 1 s to 10 s between tries.
    pub(super) async fn once_propagated<T, F, Fut>(
        &self,
        operation: &'static str,
        not_yet: fn(&AwsError) -> bool,
        mut call: F,
    ) -> Result<T, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        let started = Instant::now();
        let mut pause = Duration::from_secs(1);
        loop {
            match call().await {
                Err(e) if not_yet(&e) && started.elapsed() + pause <= PROPAGATION_LIMIT => {
                    if let Some(notice) = &self.notice {
                        notice(Waiting::IamPropagation {
                            operation,
                            waited: started.elapsed(),
                            limit: PROPAGATION_LIMIT,
                        });
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(10));
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ErrorKind;

    fn error(code: &str, detail: &str) -> AwsError {
        AwsError {
            kind: ErrorKind::Service,
            operation: "ec2:CreateFlowLogs",
            code: Some(code.to_string()),
            request_id: None,
            detail: detail.to_string(),
        }
    }

    #[test]
    fn only_the_not_propagated_answers_are_recognised() {
        assert!(role_not_assumable_yet(&error(
            "InvalidParameter",
            "Unable to assume given IAM role."
        )));
        assert!(!role_not_assumable_yet(&error(
            "InvalidParameter",
            "Invalid Flow Log Max Aggregation Interval"
        )));
        assert!(!role_not_assumable_yet(&error(
            "UnauthorizedOperation",
            "Unable to assume given IAM role"
        )));
        assert!(not_found_yet(&error("NoSuchEntity", "Policy not found")));
        assert!(!not_found_yet(&error("AccessDenied", "no")));
    }
}
