//! What `cleanup` needs: the reads that tell the lab's resources from everyone else's (tags,
//! what else a role or policy is tied to) and the deletions. Like the writes, these are read
//! through `Aws::fresh()` by their callers, so nothing memoised here goes stale.

use super::error::{classify, not_found_as_none};
use super::{Aws, AwsError};

/// Who a managed policy is attached to, as ListEntitiesForPolicy reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyEntities {
    pub roles: Vec<String>,
    pub users: Vec<String>,
    pub groups: Vec<String>,
}

impl PolicyEntities {
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty() && self.users.is_empty() && self.groups.is_empty()
    }

    /// `role a, user b`, for messages.
    pub fn describe(&self) -> String {
        let mut out: Vec<String> = self.roles.iter().map(|r| format!("role {r}")).collect();
        out.extend(self.users.iter().map(|u| format!("user {u}")));
        out.extend(self.groups.iter().map(|g| format!("group {g}")));
        out.join(", ")
    }
}

fn iam_tag_pairs(tags: &[aws_sdk_iam::types::Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

impl Aws {
    /// Tags of a role; `None` when the role does not exist.
    pub async fn role_tags(&self, role: &str) -> Result<Option<Vec<(String, String)>>, AwsError> {
        let mut pages = self
            .iam
            .list_role_tags()
            .role_name(role)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            match not_found_as_none("iam:ListRoleTags", page, &["NoSuchEntity"])? {
                Some(page) => out.extend(iam_tag_pairs(page.tags())),
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }

    /// Tags of a managed policy; `None` when the policy does not exist.
    pub async fn policy_tags(&self, arn: &str) -> Result<Option<Vec<(String, String)>>, AwsError> {
        let mut pages = self
            .iam
            .list_policy_tags()
            .policy_arn(arn)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            match not_found_as_none("iam:ListPolicyTags", page, &["NoSuchEntity"])? {
                Some(page) => out.extend(iam_tag_pairs(page.tags())),
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }

    /// Tags of a log group in this region. DescribeLogGroups reports the ARN with a trailing
    /// `:*` that ListTagsForResource does not accept; without an ARN the older by-name call
    /// does the same job.
    pub async fn log_group_tags(
        &self,
        name: &str,
        arn: Option<&str>,
    ) -> Result<Vec<(String, String)>, AwsError> {
        let tags = match arn {
            Some(arn) => not_found_as_none(
                "logs:ListTagsForResource",
                self.logs
                    .list_tags_for_resource()
                    .resource_arn(arn.trim_end_matches(":*"))
                    .send()
                    .await,
                &["ResourceNotFoundException"],
            )?
            .and_then(|o| o.tags().cloned()),
            None => not_found_as_none(
                "logs:ListTagsLogGroup",
                #[allow(deprecated)]
                self.logs
                    .list_tags_log_group()
                    .log_group_name(name)
                    .send()
                    .await,
                &["ResourceNotFoundException"],
            )?
            .and_then(|o| o.tags().cloned()),
        };
        let mut out: Vec<(String, String)> = tags.unwrap_or_default().into_iter().collect();
        out.sort();
        Ok(out)
    }

    /// Names of the instance profiles holding a role: EC2 instances may be using it.
    pub async fn instance_profiles_for_role(&self, role: &str) -> Result<Vec<String>, AwsError> {
        let mut pages = self
            .iam
            .list_instance_profiles_for_role()
            .role_name(role)
            .into_paginator()
            .items()
            .send();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            let p = item.map_err(|e| classify("iam:ListInstanceProfilesForRole", e))?;
            out.push(p.instance_profile_name().to_string());
        }
        Ok(out)
    }

    pub async fn policy_entities(&self, arn: &str) -> Result<PolicyEntities, AwsError> {
        let mut pages = self
            .iam
            .list_entities_for_policy()
            .policy_arn(arn)
            .into_paginator()
            .send();
        let mut out = PolicyEntities::default();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify("iam:ListEntitiesForPolicy", e))?;
            out.roles.extend(
                page.policy_roles()
                    .iter()
                    .filter_map(|r| r.role_name().map(str::to_string)),
            );
            out.users.extend(
                page.policy_users()
                    .iter()
                    .filter_map(|u| u.user_name().map(str::to_string)),
            );
            out.groups.extend(
                page.policy_groups()
                    .iter()
                    .filter_map(|g| g.group_name().map(str::to_string)),
            );
        }
        Ok(out)
    }

    pub async fn detach_role_policy(&self, role: &str, policy_arn: &str) -> Result<(), AwsError> {
        self.iam
            .detach_role_policy()
            .role_name(role)
            .policy_arn(policy_arn)
            .send()
            .await
            .map_err(|e| classify("iam:DetachRolePolicy", e))?;
        Ok(())
    }

    pub async fn delete_role_policy(&self, role: &str, name: &str) -> Result<(), AwsError> {
        self.iam
            .delete_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .map_err(|e| classify("iam:DeleteRolePolicy", e))?;
        Ok(())
    }

    pub async fn delete_role(&self, role: &str) -> Result<(), AwsError> {
        self.iam
            .delete_role()
            .role_name(role)
            .send()
            .await
            .map_err(|e| classify("iam:DeleteRole", e))?;
        Ok(())
    }

    pub async fn delete_policy(&self, arn: &str) -> Result<(), AwsError> {
        self.iam
            .delete_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| classify("iam:DeletePolicy", e))?;
        Ok(())
    }

    pub async fn delete_log_group(&self, name: &str) -> Result<(), AwsError> {
        self.logs
            .delete_log_group()
            .log_group_name(name)
            .send()
            .await
            .map_err(|e| classify("logs:DeleteLogGroup", e))?;
        Ok(())
    }
}
