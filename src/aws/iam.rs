//! IAM reads: customer managed policies, roles, what is attached to them, and policy documents.

use super::error::{classify, not_found_as_none};
use super::{Aws, AwsError};
use aws_sdk_iam::types::PolicyScopeType;
use futures::future::join_all;

#[derive(Debug, Clone)]
pub struct ManagedPolicy {
    pub name: String,
    pub arn: String,
    /// IAM's unique id (`ANPA…`): unlike the ARN, never the same for a policy deleted and made
    /// again under the same name.
    pub id: String,
    pub default_version: Option<String>,
    /// Unix seconds, for late work.
    pub created: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    pub arn: String,
    /// IAM's unique id (`AROA…`): unlike the ARN, never the same for a role deleted and made
    /// again under the same name.
    pub id: String,
    /// As IAM returns it: URL-encoded JSON (the parser decodes either form).
    pub trust_document: Option<String>,
    pub created: Option<i64>,
    /// The managed policy set as the role's permissions boundary, if any.
    pub boundary: Option<String>,
    /// Its tags, as GetRole returns them: a session of the role carries them as
    /// `aws:PrincipalTag/…`.
    pub tags: Vec<(String, String)>,
}

/// One version of a managed policy.
#[derive(Debug, Clone)]
pub struct PolicyVersion {
    pub document: Option<String>,
    /// Unix seconds: when this version was made (a new default version is a change of the
    /// policy, dated here).
    pub created: Option<i64>,
}

/// One policy that gives a role permissions, with its document in force.
#[derive(Debug, Clone)]
pub struct PolicyText {
    pub name: String,
    /// The managed policy's ARN, or `inline` for a policy embedded in the role.
    pub source: String,
    pub document: Option<String>,
}

impl Aws {
    /// Customer managed policies of the account (scope Local), with their default version.
    pub async fn local_policies(&self) -> Result<Vec<ManagedPolicy>, AwsError> {
        self.local_policies
            .get("", || async {
                let mut pages = self
                    .iam
                    .list_policies()
                    .scope(PolicyScopeType::Local)
                    .into_paginator()
                    .items()
                    .send();
                let mut out = Vec::new();
                while let Some(item) = pages.next().await {
                    let p = item.map_err(|e| classify("iam:ListPolicies", e))?;
                    out.push(ManagedPolicy {
                        name: p.policy_name().unwrap_or_default().to_string(),
                        arn: p.arn().unwrap_or_default().to_string(),
                        id: p.policy_id().unwrap_or_default().to_string(),
                        default_version: p.default_version_id().map(str::to_string),
                        created: p.create_date().map(|d| d.secs()),
                    });
                }
                Ok(out)
            })
            .await
    }

    /// Names of the account's roles, for near-miss suggestions.
    pub async fn role_names(&self) -> Result<Vec<String>, AwsError> {
        let mut pages = self.iam.list_roles().into_paginator().items().send();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            let role = item.map_err(|e| classify("iam:ListRoles", e))?;
            out.push(role.role_name().to_string());
        }
        Ok(out)
    }

    /// The document of one version of a managed policy; `None` if the version is gone.
    pub async fn policy_version_document(
        &self,
        arn: &str,
        version: &str,
    ) -> Result<Option<String>, AwsError> {
        Ok(self
            .policy_version(arn, version)
            .await?
            .and_then(|v| v.document))
    }

    /// One version of a managed policy, its document and when it was made (the same call as
    /// its document); `None` if the version is gone.
    pub async fn policy_version(
        &self,
        arn: &str,
        version: &str,
    ) -> Result<Option<PolicyVersion>, AwsError> {
        self.policy_text
            .get(&format!("{arn}#{version}"), || async {
                let out = not_found_as_none(
                    "iam:GetPolicyVersion",
                    self.iam
                        .get_policy_version()
                        .policy_arn(arn)
                        .version_id(version)
                        .send()
                        .await,
                    &["NoSuchEntity"],
                )?;
                Ok(out.and_then(|o| {
                    o.policy_version().map(|v| PolicyVersion {
                        document: v.document().map(str::to_string),
                        created: v.create_date().map(|d| d.secs()),
                    })
                }))
            })
            .await
    }

    /// The default version's document of any managed policy (AWS managed ones included).
    pub async fn policy_default_document(&self, arn: &str) -> Result<Option<String>, AwsError> {
        let local = self.local_policies().await?;
        let version = match local.iter().find(|p| p.arn == arn) {
            Some(p) => p.default_version.clone(),
            None => not_found_as_none(
                "iam:GetPolicy",
                self.iam.get_policy().policy_arn(arn).send().await,
                &["NoSuchEntity"],
            )?
            .and_then(|o| {
                o.policy()
                    .and_then(|p| p.default_version_id())
                    .map(str::to_string)
            }),
        };
        match version {
            Some(v) => self.policy_version_document(arn, &v).await,
            None => Ok(None),
        }
    }

    pub async fn role(&self, name: &str) -> Result<Option<Role>, AwsError> {
        self.role
            .get(name, || async {
                let out = not_found_as_none(
                    "iam:GetRole",
                    self.iam.get_role().role_name(name).send().await,
                    &["NoSuchEntity"],
                )?;
                Ok(out.and_then(|o| {
                    o.role().map(|r| Role {
                        name: r.role_name().to_string(),
                        arn: r.arn().to_string(),
                        id: r.role_id().to_string(),
                        trust_document: r.assume_role_policy_document().map(str::to_string),
                        created: Some(r.create_date().secs()),
                        boundary: r
                            .permissions_boundary()
                            .and_then(|b| b.permissions_boundary_arn())
                            .map(str::to_string),
                        tags: r
                            .tags()
                            .iter()
                            .map(|t| (t.key().to_string(), t.value().to_string()))
                            .collect(),
                    })
                }))
            })
            .await
    }

    /// (name, ARN) of the managed policies attached to a role.
    pub async fn attached_role_policies(
        &self,
        role: &str,
    ) -> Result<Vec<(String, String)>, AwsError> {
        self.attached
            .get(role, || async {
                let mut pages = self
                    .iam
                    .list_attached_role_policies()
                    .role_name(role)
                    .into_paginator()
                    .items()
                    .send();
                let mut out = Vec::new();
                while let Some(item) = pages.next().await {
                    let p = item.map_err(|e| classify("iam:ListAttachedRolePolicies", e))?;
                    out.push((
                        p.policy_name().unwrap_or_default().to_string(),
                        p.policy_arn().unwrap_or_default().to_string(),
                    ));
                }
                Ok(out)
            })
            .await
    }

    /// Every policy that gives the role permissions, with the document in force: the default
    /// version of each attached managed policy and each inline policy.
    pub async fn role_permission_policies(&self, role: &str) -> Result<Vec<PolicyText>, AwsError> {
        self.role_policies
            .get(role, || async {
                let (attached, inline) = tokio::try_join!(
                    self.attached_role_policies(role),
                    self.role_inline_policy_names(role)
                )?;
                let managed = join_all(attached.iter().map(|(name, arn)| async move {
                    Ok::<_, AwsError>(PolicyText {
                        name: name.clone(),
                        source: arn.clone(),
                        document: self.policy_default_document(arn).await?,
                    })
                }));
                let inline = join_all(inline.iter().map(|name| async move {
                    let out = not_found_as_none(
                        "iam:GetRolePolicy",
                        self.iam
                            .get_role_policy()
                            .role_name(role)
                            .policy_name(name)
                            .send()
                            .await,
                        &["NoSuchEntity"],
                    )?;
                    Ok::<_, AwsError>(PolicyText {
                        name: name.clone(),
                        source: "inline".to_string(),
                        document: out.map(|o| o.policy_document().to_string()),
                    })
                }));
                let (managed, inline) = tokio::join!(managed, inline);
                let mut out = managed.into_iter().collect::<Result<Vec<_>, _>>()?;
                out.extend(inline.into_iter().collect::<Result<Vec<_>, _>>()?);
                Ok(out)
            })
            .await
    }

    /// Names of the inline policies embedded in a role.
    pub async fn role_inline_policy_names(&self, role: &str) -> Result<Vec<String>, AwsError> {
        let mut pages = self
            .iam
            .list_role_policies()
            .role_name(role)
            .into_paginator()
            .items()
            .send();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            out.push(item.map_err(|e| classify("iam:ListRolePolicies", e))?);
        }
        Ok(out)
    }
}
