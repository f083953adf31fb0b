//! The request context that conditions are judged against.
//!
//! IAM always knows every key of a real request; this tool only knows what its
//! caller can vouch for. Each key is therefore in one of three states: known to
//! be present (with its values), known to be absent, or unknown. Conditions on
//! unknown keys are undecidable rather than guessed.
//!
//! What AWS puts into a request, and when, is documented per key in the IAM
//! User Guide, "AWS global condition context keys"
//! (reference_policies_condition-keys); the constructors below set only keys
//! documented there for the kind of request they describe.

use std::collections::BTreeMap;

use super::time::format_rfc3339;

/// Condition keys and what is known about them; keys are case-insensitive
/// ("Condition key names are not case-sensitive", IAM User Guide, Condition
/// element). Every key not set or marked absent is unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// Lower-cased key → what is known of it.
    keys: BTreeMap<String, Known>,
    /// Lower-cased key prefixes (`aws:principaltag/`) whose every key is known absent.
    absent_prefixes: Vec<String>,
}

/// What is known of one key, short of its exact value when that is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Known {
    Present(Vec<String>),
    Absent,
    DateWithin(i64, i64),
    AbsentOrPublicAddress,
}

/// What a [`RequestContext`] knows about one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState<'a> {
    /// The request carries the key with these values (more than one for a
    /// multivalued key such as `aws:TagKeys`).
    Present(&'a [String]),
    /// The request is known not to carry the key.
    Absent,
    /// Nothing is known: the key may or may not be sent, with any value.
    Unknown,
    /// Present with one date, not known exactly but between these two (Unix seconds): a
    /// session's `aws:TokenIssueTime` lies between the role's creation and now.
    DateWithin(i64, i64),
    /// Absent, or present with an address on the public internet: a call an AWS service makes
    /// from its own network never comes from a private, loopback or documentation address.
    AbsentOrPublicAddress,
}

impl RequestContext {
    /// A context in which every key is unknown.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks `key` present with the single `value`.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.set_all(key, vec![value.into()])
    }

    /// Marks `key` present with all of `values` (a multivalued key).
    pub fn set_all(&mut self, key: &str, values: Vec<String>) -> &mut Self {
        self.keys.insert(key.to_lowercase(), Known::Present(values));
        self
    }

    /// Marks `key` as known not to be sent with the request.
    pub fn absent(&mut self, key: &str) -> &mut Self {
        self.keys.insert(key.to_lowercase(), Known::Absent);
        self
    }

    /// Marks every key starting with `prefix` (`aws:PrincipalTag/`) as known absent, unless
    /// set on its own.
    pub fn absent_prefix(&mut self, prefix: &str) -> &mut Self {
        self.absent_prefixes.push(prefix.to_lowercase());
        self
    }

    /// Marks `key` present with one date between `from` and `to` (Unix seconds).
    pub fn date_within(&mut self, key: &str, from: i64, to: i64) -> &mut Self {
        self.keys
            .insert(key.to_lowercase(), Known::DateWithin(from, to.max(from)));
        self
    }

    /// Marks `key` absent or present with a public address.
    pub fn absent_or_public_address(&mut self, key: &str) -> &mut Self {
        self.keys
            .insert(key.to_lowercase(), Known::AbsentOrPublicAddress);
        self
    }

    pub fn state(&self, key: &str) -> KeyState<'_> {
        let key = key.to_lowercase();
        match self.keys.get(&key) {
            Some(Known::Present(values)) => KeyState::Present(values),
            Some(Known::Absent) => KeyState::Absent,
            Some(Known::DateWithin(from, to)) => KeyState::DateWithin(*from, *to),
            Some(Known::AbsentOrPublicAddress) => KeyState::AbsentOrPublicAddress,
            None if self.absent_prefixes.iter().any(|p| key.starts_with(p)) => KeyState::Absent,
            None => KeyState::Unknown,
        }
    }

    /// The CloudWatch Logs calls the VPC Flow Logs service makes when
    /// delivering, with the role's temporary credentials, in `region`, now,
    /// over TLS. `role_arn` is the role's ARN, path included.
    ///
    /// `role_created` (Unix seconds), when the role is known: no session of the role is older,
    /// so `aws:TokenIssueTime` lies between it and now.
    pub fn flow_logs_delivery(
        region: &str,
        account: &str,
        role_arn: &str,
        role_created: Option<i64>,
        now_epoch_secs: i64,
    ) -> Self {
        Self::flow_logs_delivery_as(
            region,
            account,
            role_arn,
            role_created,
            None,
            now_epoch_secs,
        )
    }

    /// [`flow_logs_delivery`](Self::flow_logs_delivery) by a role whose tags are known: its
    /// sessions carry exactly those as `aws:PrincipalTag/…` (the service passes no session
    /// tags), and no other principal tag.
    pub fn flow_logs_delivery_as(
        region: &str,
        account: &str,
        role_arn: &str,
        role_created: Option<i64>,
        role_tags: Option<&[(String, String)]>,
        now_epoch_secs: i64,
    ) -> Self {
        let mut c = Self::new();
        if let Some(tags) = role_tags {
            for (key, value) in tags {
                c.set(&format!("aws:PrincipalTag/{key}"), value.clone());
            }
            c.absent_prefix("aws:PrincipalTag/");
        }
        c.request_basics(now_epoch_secs);
        c.service_network();
        // "included in the request context only when the principal uses temporary
        // credentials": the service delivers with a session of the role. Sessions are issued
        // after the role exists and before they are used.
        c.date_within(
            "aws:TokenIssueTime",
            role_created.unwrap_or(i64::MIN),
            now_epoch_secs,
        );
        // Temporary credentials carry it; the service's session was not authenticated with
        // MFA.
        c.set("aws:MultiFactorAuthPresent", "false");
        c.absent("aws:MultiFactorAuthAge");
        // The service sets no source identity and passes no session tags; the log group and
        // streams it creates carry no tags.
        c.absent("aws:SourceIdentity");
        c.absent_prefix("aws:RequestTag/");
        c.absent("aws:TagKeys");
        // "This key is always included in the request context"; the service
        // writes to the log group in the flow log's own Region.
        c.set("aws:RequestedRegion", region);
        // "included in the request context for all requests"; the role's account.
        c.set("aws:PrincipalAccount", account);
        // "For IAM roles, the request context returns the ARN of the role, not
        // the ARN of the user that assumed the role."
        c.set("aws:PrincipalArn", role_arn);
        // Principal key values table (reference_policies_variables): an
        // assumed role has aws:PrincipalType `AssumedRole`.
        c.set("aws:PrincipalType", "AssumedRole");
        // "set to false if the service uses a service role ... to make a call
        // on the principal's behalf"; present in all signed requests.
        c.set("aws:PrincipalIsAWSService", "false");
        // "always included"; true only for forward access sessions, which a
        // call with the service role's own credentials is not.
        c.set("aws:ViaAWSService", "false");
        // "always included for most service actions" (CloudWatch Logs is not
        // among the exceptions); the log group is in the role's account.
        c.set("aws:ResourceAccount", account);
        // Principal key values table: `(not present)` for an assumed role.
        c.absent("aws:username");
        // "not present ... If the service uses a service role".
        c.absent("aws:PrincipalServiceName");
        c.absent("aws:PrincipalServiceNamesList");
        c.absent("aws:CalledVia");
        c.absent("aws:CalledViaFirst");
        c.absent("aws:CalledViaLast");
        // "only when the call to your resource is being made directly by an AWS
        // service principal": these calls are made by the role, not the service.
        c.absent("aws:SourceAccount");
        c.absent("aws:SourceArn");
        c.absent("aws:SourceOrgID");
        c.absent("aws:SourceOrgPaths");
        // "not included for programmatic requests".
        c.absent("aws:referer");
        // Only for sessions from AssumeRoot, and from an OIDC provider
        // (AssumeRoleWithWebIdentity); the service uses sts:AssumeRole.
        c.absent("aws:AssumedRoot");
        c.absent("aws:FederatedProvider");
        c
    }

    /// The sts:AssumeRole call made by service principal `service` (e.g.
    /// vpc-flow-logs.amazonaws.com) on behalf of a flow log whose ARN is
    /// `source_arn`, in `account`.
    ///
    /// `region` is accepted for symmetry but not used: aws:RequestedRegion is
    /// always present, but which STS endpoint the service calls is not
    /// documented, so the key stays unknown.
    pub fn service_assume_role(
        service: &str,
        region: &str,
        account: &str,
        source_arn: &str,
        now_epoch_secs: i64,
    ) -> Self {
        let _ = region;
        let mut c = Self::new();
        c.request_basics(now_epoch_secs);
        c.service_network();
        // A service principal is no IAM principal: it belongs to no organization, carries no
        // tags, and uses no credentials of an account's (so no MFA, no session).
        c.absent("aws:PrincipalOrgID");
        c.absent("aws:PrincipalOrgPaths");
        c.absent_prefix("aws:PrincipalTag/");
        c.absent("aws:MultiFactorAuthPresent");
        c.absent("aws:MultiFactorAuthAge");
        c.absent("aws:TokenIssueTime");
        c.absent("aws:SourceIdentity");
        c.absent("aws:username");
        // The service asks for no session tags.
        c.absent_prefix("aws:RequestTag/");
        c.absent("aws:TagKeys");
        // "The calling service passes the account ID [and the ARN] of the
        // original resource"; the VPC Flow Logs guide uses both keys in its
        // trust policy against the confused deputy.
        c.set("aws:SourceAccount", account);
        c.set("aws:SourceArn", source_arn);
        // "When a service principal makes a direct request to your resource,
        // the aws:PrincipalServiceName key contains the name of the service
        // principal."
        c.set("aws:PrincipalServiceName", service);
        // "set to true when a service uses a service principal to perform a
        // direct action on your resources".
        c.set("aws:PrincipalIsAWSService", "true");
        // "always included"; the service calls STS directly, not through a
        // forward access session.
        c.set("aws:ViaAWSService", "false");
        // The role being assumed is in `account`.
        c.set("aws:ResourceAccount", account);
        // "not present when the principal makes the call directly".
        c.absent("aws:CalledVia");
        c.absent("aws:CalledViaFirst");
        c.absent("aws:CalledViaLast");
        // "not included for programmatic requests".
        c.absent("aws:referer");
        // Only for AssumeRoot credentials, and for AssumeRoleWithWebIdentity.
        c.absent("aws:AssumedRoot");
        c.absent("aws:FederatedProvider");
        c
    }

    /// Keys of a call made by an AWS service from its own network, not through one of the
    /// account's VPC endpoints.
    fn service_network(&mut self) {
        // The address is the service's, on AWS's public network: never private, loopback or
        // reserved for documentation.
        self.absent_or_public_address("aws:SourceIp");
        // "only if the request is made through a VPC endpoint": a service's own call is not.
        self.absent("aws:SourceVpc");
        self.absent("aws:SourceVpce");
        self.absent("aws:VpcSourceIp");
    }

    /// Keys every request carries whatever its kind.
    fn request_basics(&mut self, now_epoch_secs: i64) {
        // aws:CurrentTime and aws:EpochTime: "always included in the request
        // context".
        self.set("aws:CurrentTime", format_rfc3339(now_epoch_secs));
        self.set("aws:EpochTime", now_epoch_secs.to_string());
        // "always included"; AWS services call each other's endpoints over TLS.
        self.set("aws:SecureTransport", "true");
    }
}
