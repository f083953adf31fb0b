//! Writes: what `apply` needs to create or fix a lab's pieces, and what `share` needs to make
//! the grading role. Only those two call these, and they read the state again through
//! `Aws::fresh()` first, so nothing memoised here goes stale.
//!
//! Whatever awslab creates carries the tag `awslab:lesson=<lesson id>` ([`LESSON_TAG`]), so
//! that cleanup can tell its own resources from the student's.

use super::error::{classify, code_of};
use super::{Aws, AwsError, ErrorKind};
use aws_sdk_ec2::types::{
    FlowLogsResourceType, LogDestinationType, ResourceType, TagSpecification, TrafficType,
};

/// The tag key on every resource awslab creates; its value is the lesson id.
pub const LESSON_TAG: &str = "awslab:lesson";

/// IAM keeps at most this many versions of a managed policy.
pub const MAX_POLICY_VERSIONS: usize = 5;

/// What `create_policy_version` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPolicyVersion {
    /// The new default version, e.g. `v3`.
    pub version: String,
    /// The version deleted to stay within IAM's limit of five, if one had to go.
    pub deleted: Option<String>,
}

/// One version of a managed policy, as ListPolicyVersions reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersionInfo {
    pub id: String,
    pub is_default: bool,
    /// Seconds since the epoch; `None` when the service did not say.
    pub created: Option<i64>,
}

/// A flow log to create: VPC flow logs delivered to CloudWatch Logs.
#[derive(Debug, Clone)]
pub struct NewFlowLog<'a> {
    pub vpc_id: &'a str,
    pub traffic_type: &'a str,
    pub log_group: &'a str,
    pub role_arn: &'a str,
    /// 60 or 600 seconds; `None` keeps the service's default (600).
    pub max_aggregation_interval: Option<i32>,
    /// The Name tag and the lesson tag, at least.
    pub tags: &'a [(&'a str, &'a str)],
}

/// The oldest version that is not in force: the one to give up when a policy is full.
pub fn oldest_non_default(versions: &[PolicyVersionInfo]) -> Option<&PolicyVersionInfo> {
    versions
        .iter()
        .filter(|v| !v.is_default)
        // Creation dates may tie (the emulator, or versions made within one second); the
        // version number is IAM's own order of creation.
        .min_by_key(|v| (v.created.unwrap_or(i64::MIN), version_number(&v.id)))
}

fn version_number(id: &str) -> u64 {
    id.trim_start_matches(['v', 'V'])
        .parse()
        .unwrap_or(u64::MAX)
}

fn iam_tags(
    operation: &'static str,
    tags: &[(&str, &str)],
) -> Result<Vec<aws_sdk_iam::types::Tag>, AwsError> {
    tags.iter()
        .map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(*k)
                .value(*v)
                .build()
                .map_err(|e| AwsError {
                    kind: ErrorKind::Service,
                    operation,
                    code: None,
                    request_id: None,
                    detail: e.to_string(),
                })
        })
        .collect()
}

impl Aws {
    /// Creates a customer managed policy; returns its ARN.
    pub async fn create_policy(
        &self,
        name: &str,
        document: &str,
        tags: &[(&str, &str)],
    ) -> Result<String, AwsError> {
        let out = self
            .iam
            .create_policy()
            .policy_name(name)
            .policy_document(document)
            .set_tags(Some(iam_tags("iam:CreatePolicy", tags)?))
            .send()
            .await
            .map_err(|e| classify("iam:CreatePolicy", e))?;
        Ok(out
            .policy()
            .and_then(|p| p.arn())
            .unwrap_or_default()
            .to_string())
    }

    pub async fn policy_versions(&self, arn: &str) -> Result<Vec<PolicyVersionInfo>, AwsError> {
        let mut pages = self
            .iam
            .list_policy_versions()
            .policy_arn(arn)
            .into_paginator()
            .items()
            .send();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            let v = item.map_err(|e| classify("iam:ListPolicyVersions", e))?;
            out.push(PolicyVersionInfo {
                id: v.version_id().unwrap_or_default().to_string(),
                is_default: v.is_default_version(),
                created: v.create_date().map(|d| d.secs()),
            });
        }
        Ok(out)
    }

    /// Makes an existing version the one in force.
    pub async fn set_default_policy_version(
        &self,
        arn: &str,
        version: &str,
    ) -> Result<(), AwsError> {
        self.iam
            .set_default_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| classify("iam:SetDefaultPolicyVersion", e))?;
        Ok(())
    }

    pub async fn delete_policy_version(&self, arn: &str, version: &str) -> Result<(), AwsError> {
        self.iam
            .delete_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| classify("iam:DeletePolicyVersion", e))?;
        Ok(())
    }

    /// Makes `document` the default version of the policy. A policy that already has five
    /// versions first loses its oldest version that is not in force, as the console asks the
    /// user to do by hand.
    pub async fn create_policy_version(
        &self,
        arn: &str,
        document: &str,
    ) -> Result<NewPolicyVersion, AwsError> {
        let versions = self.policy_versions(arn).await?;
        let mut deleted = None;
        if versions.len() >= MAX_POLICY_VERSIONS {
            if let Some(old) = oldest_non_default(&versions) {
                self.delete_policy_version(arn, &old.id).await?;
                deleted = Some(old.id.clone());
            }
        }
        let out = self
            .iam
            .create_policy_version()
            .policy_arn(arn)
            .policy_document(document)
            .set_as_default(true)
            .send()
            .await
            .map_err(|e| classify("iam:CreatePolicyVersion", e))?;
        Ok(NewPolicyVersion {
            version: out
                .policy_version()
                .and_then(|v| v.version_id())
                .unwrap_or_default()
                .to_string(),
            deleted,
        })
    }

    /// Creates a role with its trust policy; returns its unique id (`AROA…`).
    pub async fn create_role(
        &self,
        name: &str,
        trust_document: &str,
        tags: &[(&str, &str)],
    ) -> Result<String, AwsError> {
        let out = self
            .iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust_document)
            .set_tags(Some(iam_tags("iam:CreateRole", tags)?))
            .send()
            .await
            .map_err(|e| classify("iam:CreateRole", e))?;
        Ok(out
            .role()
            .map(|r| r.role_id().to_string())
            .unwrap_or_default())
    }

    /// Embeds (or replaces) the inline policy `name` in a role.
    pub async fn put_role_policy(
        &self,
        role: &str,
        name: &str,
        document: &str,
    ) -> Result<(), AwsError> {
        self.iam
            .put_role_policy()
            .role_name(role)
            .policy_name(name)
            .policy_document(document)
            .send()
            .await
            .map_err(|e| classify("iam:PutRolePolicy", e))?;
        Ok(())
    }

    pub async fn update_assume_role_policy(
        &self,
        role: &str,
        document: &str,
    ) -> Result<(), AwsError> {
        self.iam
            .update_assume_role_policy()
            .role_name(role)
            .policy_document(document)
            .send()
            .await
            .map_err(|e| classify("iam:UpdateAssumeRolePolicy", e))?;
        Ok(())
    }

    /// Attaches a policy that exists (the caller has seen it): a `NoSuchEntity` answer means
    /// IAM has not propagated a policy just created, and is waited out.
    pub async fn attach_role_policy(&self, role: &str, policy_arn: &str) -> Result<(), AwsError> {
        self.once_propagated(
            "iam:AttachRolePolicy",
            super::propagation::not_found_yet,
            || async {
                self.iam
                    .attach_role_policy()
                    .role_name(role)
                    .policy_arn(policy_arn)
                    .send()
                    .await
                    .map_err(|e| classify("iam:AttachRolePolicy", e))
            },
        )
        .await?;
        Ok(())
    }

    /// Creates a log group in `self.region`, where the flow log will look for it.
    pub async fn create_log_group(
        &self,
        name: &str,
        tags: &[(&str, &str)],
    ) -> Result<(), AwsError> {
        let mut request = self.logs.create_log_group().log_group_name(name);
        for (k, v) in tags {
            request = request.tags(*k, *v);
        }
        request
            .send()
            .await
            .map_err(|e| classify("logs:CreateLogGroup", e))?;
        Ok(())
    }

    /// Creates a VPC flow log to CloudWatch Logs; returns its id. A role the service cannot
    /// assume yet (made or changed moments ago) is waited out.
    pub async fn create_flow_log(&self, spec: &NewFlowLog<'_>) -> Result<String, AwsError> {
        self.once_propagated(
            "ec2:CreateFlowLogs",
            super::propagation::role_not_assumable_yet,
            || self.create_flow_log_once(spec),
        )
        .await
    }

    /// CreateFlowLogs reports a refused resource in its answer rather than as an error, so that
    /// becomes an error here.
    async fn create_flow_log_once(&self, spec: &NewFlowLog<'_>) -> Result<String, AwsError> {
        let mut tagging = TagSpecification::builder().resource_type(ResourceType::VpcFlowLog);
        for (k, v) in spec.tags {
            tagging = tagging.tags(aws_sdk_ec2::types::Tag::builder().key(*k).value(*v).build());
        }
        let out = self
            .ec2
            .create_flow_logs()
            .resource_type(FlowLogsResourceType::Vpc)
            .resource_ids(spec.vpc_id)
            .traffic_type(TrafficType::from(spec.traffic_type))
            .log_destination_type(LogDestinationType::CloudWatchLogs)
            .log_group_name(spec.log_group)
            .deliver_logs_permission_arn(spec.role_arn)
            .set_max_aggregation_interval(spec.max_aggregation_interval)
            .tag_specifications(tagging.build())
            .send()
            .await
            .map_err(|e| classify("ec2:CreateFlowLogs", e))?;
        if let Some(refused) = out.unsuccessful().first() {
            let error = refused.error();
            return Err(AwsError {
                kind: ErrorKind::Service,
                operation: "ec2:CreateFlowLogs",
                code: error.and_then(|e| e.code()).map(str::to_string),
                request_id: None,
                detail: format!(
                    "{}: {}",
                    refused.resource_id().unwrap_or(spec.vpc_id),
                    error.and_then(|e| e.message()).unwrap_or("refused")
                ),
            });
        }
        match out.flow_log_ids().first() {
            Some(id) => Ok(id.clone()),
            None => Err(AwsError {
                kind: ErrorKind::Service,
                operation: "ec2:CreateFlowLogs",
                code: None,
                request_id: None,
                detail: "the answer names no flow log".to_string(),
            }),
        }
    }

    /// Deletes flow logs. Like CreateFlowLogs, a refusal comes back in the answer.
    pub async fn delete_flow_logs(&self, ids: &[&str]) -> Result<(), AwsError> {
        let out = self
            .ec2
            .delete_flow_logs()
            .set_flow_log_ids(Some(ids.iter().map(|s| s.to_string()).collect()))
            .send()
            .await
            .map_err(|e| classify("ec2:DeleteFlowLogs", e))?;
        if let Some(refused) = out.unsuccessful().first() {
            let error = refused.error();
            return Err(AwsError {
                kind: ErrorKind::Service,
                operation: "ec2:DeleteFlowLogs",
                code: error.and_then(|e| e.code()).map(str::to_string),
                request_id: None,
                detail: format!(
                    "{}: {}",
                    refused.resource_id().unwrap_or_default(),
                    error.and_then(|e| e.message()).unwrap_or("refused")
                ),
            });
        }
        Ok(())
    }

    /// Adds or overwrites tags on EC2 resources (a flow log's Name, for one).
    pub async fn create_tags(
        &self,
        resource_id: &str,
        tags: &[(&str, &str)],
    ) -> Result<(), AwsError> {
        self.ec2
            .create_tags()
            .resources(resource_id)
            .set_tags(Some(
                tags.iter()
                    .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(*k).value(*v).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(|e| classify("ec2:CreateTags", e))?;
        Ok(())
    }
}

impl Aws {
    /// Removes inbound rules from a security group, by rule id.
    pub async fn revoke_ingress_rules(
        &self,
        group_id: &str,
        rule_ids: &[&str],
    ) -> Result<(), AwsError> {
        self.ec2
            .revoke_security_group_ingress()
            .group_id(group_id)
            .set_security_group_rule_ids(Some(rule_ids.iter().map(|s| s.to_string()).collect()))
            .send()
            .await
            .map_err(|e| classify("ec2:RevokeSecurityGroupIngress", e))?;
        Ok(())
    }

    /// Adds an inbound rule to `rule.group_id` with the rule's protocol, ports, source and
    /// description, tagged with `tags`. A rule that is already there counts as added.
    pub async fn authorize_ingress(
        &self,
        rule: &super::SgRule,
        tags: &[(&str, &str)],
    ) -> Result<(), AwsError> {
        use super::RuleSource;
        use aws_sdk_ec2::types::{
            IpPermission, IpRange, Ipv6Range, PrefixListId, Tag, UserIdGroupPair,
        };
        let mut permission = IpPermission::builder()
            .ip_protocol(&rule.protocol)
            .set_from_port(rule.from_port)
            .set_to_port(rule.to_port);
        let description = rule.description.clone();
        permission = match &rule.source {
            RuleSource::Cidr(c) if c.contains(':') => permission.ipv6_ranges(
                Ipv6Range::builder()
                    .cidr_ipv6(c)
                    .set_description(description)
                    .build(),
            ),
            RuleSource::Cidr(c) => permission.ip_ranges(
                IpRange::builder()
                    .cidr_ip(c)
                    .set_description(description)
                    .build(),
            ),
            RuleSource::PrefixList(p) => permission.prefix_list_ids(
                PrefixListId::builder()
                    .prefix_list_id(p)
                    .set_description(description)
                    .build(),
            ),
            RuleSource::Group(g) => permission.user_id_group_pairs(
                UserIdGroupPair::builder()
                    .group_id(g)
                    .set_description(description)
                    .build(),
            ),
        };
        let mut tagging =
            TagSpecification::builder().resource_type(ResourceType::SecurityGroupRule);
        for (k, v) in tags {
            tagging = tagging.tags(Tag::builder().key(*k).value(*v).build());
        }
        match self
            .ec2
            .authorize_security_group_ingress()
            .group_id(&rule.group_id)
            .ip_permissions(permission.build())
            .tag_specifications(tagging.build())
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if code_of(&e) == Some("InvalidPermission.Duplicate") => Ok(()),
            Err(e) => Err(classify("ec2:AuthorizeSecurityGroupIngress", e)),
        }
    }

    /// Removes tags (by key) from an EC2 resource.
    pub async fn delete_tags(&self, resource_id: &str, keys: &[&str]) -> Result<(), AwsError> {
        self.ec2
            .delete_tags()
            .resources(resource_id)
            .set_tags(Some(
                keys.iter()
                    .map(|k| aws_sdk_ec2::types::Tag::builder().key(*k).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(|e| classify("ec2:DeleteTags", e))?;
        Ok(())
    }
}

impl Aws {
    /// What the flow logs service does with the role, for the sandbox's simulated delivery:
    /// make the ENI's stream (if new), then put the records, stamped now.
    pub async fn put_records(
        &self,
        group: &str,
        stream: &str,
        lines: &[String],
    ) -> Result<(), AwsError> {
        use aws_sdk_cloudwatchlogs::types::InputLogEvent;
        match self
            .logs
            .create_log_stream()
            .log_group_name(group)
            .log_stream_name(stream)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if code_of(&e) == Some("ResourceAlreadyExistsException") => {}
            Err(e) => return Err(classify("logs:CreateLogStream", e)),
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let events = lines
            .iter()
            .filter_map(|l| {
                InputLogEvent::builder()
                    .timestamp(now)
                    .message(l)
                    .build()
                    .ok()
            })
            .collect::<Vec<_>>();
        self.logs
            .put_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .set_log_events(Some(events))
            .send()
            .await
            .map_err(|e| classify("logs:PutLogEvents", e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(id: &str, is_default: bool, created: Option<i64>) -> PolicyVersionInfo {
        PolicyVersionInfo {
            id: id.to_string(),
            is_default,
            created,
        }
    }

    #[test]
    fn the_oldest_version_not_in_force_goes() {
        let versions = [
            v("v1", true, Some(10)),
            v("v2", false, Some(20)),
            v("v3", false, Some(30)),
        ];
        assert_eq!(
            oldest_non_default(&versions).map(|v| v.id.as_str()),
            Some("v2")
        );
    }

    #[test]
    fn equal_dates_fall_back_to_the_version_number() {
        let versions = [
            v("v10", false, Some(5)),
            v("v9", false, Some(5)),
            v("v11", true, Some(5)),
        ];
        assert_eq!(
            oldest_non_default(&versions).map(|v| v.id.as_str()),
            Some("v9")
        );
    }

    #[test]
    fn only_the_default_left_means_nothing_to_delete() {
        assert_eq!(oldest_non_default(&[v("v1", true, None)]), None);
    }
}
