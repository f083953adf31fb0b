//! AWS Organizations, read with the instructor's own credentials (the management account or a
//! delegated administrator): the member accounts of a class, so that `grade` needs no
//! hand-written roster. Only reads; every list is read to its last page.

use super::{Aws, AwsError, classify};
use std::collections::BTreeSet;

/// One member account as the organization lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    pub email: String,
    /// `ACTIVE`, `SUSPENDED` or `PENDING_CLOSURE`.
    pub status: String,
    /// Where it was found under an OU that `--ou` named: the names of the OUs from that one
    /// down, joined by `/` (its id when it is the named unit itself). Empty otherwise.
    pub ou: String,
}

impl OrgAccount {
    /// Whether a role in it can be assumed: a closed or closing account cannot be graded.
    pub fn is_active(&self) -> bool {
        self.status == "ACTIVE"
    }
}

/// The page size asked of the list calls. AWS's own maximum unless a test asks for less, to
/// prove that every page is read (AWSLAB_ORGANIZATIONS_PAGE_SIZE).
fn page_size() -> i32 {
    std::env::var("AWSLAB_ORGANIZATIONS_PAGE_SIZE")
        .ok()
        .and_then(|v| v.parse::<i32>().ok())
        .filter(|n| (1..=20).contains(n))
        .unwrap_or(20)
}

fn account(a: &aws_sdk_organizations::types::Account) -> OrgAccount {
    OrgAccount {
        id: a.id().unwrap_or_default().to_string(),
        name: a.name().unwrap_or_default().to_string(),
        email: a.email().unwrap_or_default().to_string(),
        status: a
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        ou: String::new(),
    }
}

impl Aws {
    /// The id of the organization's management account.
    pub async fn organization_management_account(&self) -> Result<String, AwsError> {
        let out = self
            .organizations
            .describe_organization()
            .send()
            .await
            .map_err(|e| classify("organizations:DescribeOrganization", e))?;
        Ok(out
            .organization()
            .and_then(|o| o.master_account_id())
            .unwrap_or_default()
            .to_string())
    }

    /// Every account of the organization, whatever its status.
    pub async fn organization_accounts(&self) -> Result<Vec<OrgAccount>, AwsError> {
        let mut pages = self
            .organizations
            .list_accounts()
            .max_results(page_size())
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify("organizations:ListAccounts", e))?;
            out.extend(page.accounts().iter().map(account));
        }
        Ok(out)
    }

    /// The accounts directly under `parent` (an OU or the root), and with `recursive` those
    /// under its OUs at any depth. An account is listed once.
    pub async fn accounts_under(
        &self,
        parent: &str,
        recursive: bool,
    ) -> Result<Vec<OrgAccount>, AwsError> {
        let mut out = Vec::new();
        // Each unit with its path of names from `parent` (named by its id: the instructor's word).
        let mut queue = vec![(parent.to_string(), parent.to_string())];
        let mut seen = BTreeSet::new();
        while let Some((parent, path)) = queue.pop() {
            if !seen.insert(parent.clone()) {
                continue;
            }
            let mut pages = self
                .organizations
                .list_accounts_for_parent()
                .parent_id(&parent)
                .max_results(page_size())
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| classify("organizations:ListAccountsForParent", e))?;
                out.extend(page.accounts().iter().map(|a| OrgAccount {
                    ou: path.clone(),
                    ..account(a)
                }));
            }
            if recursive {
                let mut pages = self
                    .organizations
                    .list_organizational_units_for_parent()
                    .parent_id(&parent)
                    .max_results(page_size())
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| {
                        classify("organizations:ListOrganizationalUnitsForParent", e)
                    })?;
                    queue.extend(page.organizational_units().iter().filter_map(|u| {
                        let name = u.name().or(u.id())?;
                        Some((u.id()?.to_string(), format!("{path}/{name}")))
                    }));
                }
            }
        }
        let mut ids = BTreeSet::new();
        out.retain(|a| ids.insert(a.id.clone()));
        Ok(out)
    }

    /// The ids of the OUs named `name`, anywhere under the organization's roots.
    pub async fn units_named(&self, name: &str) -> Result<Vec<String>, AwsError> {
        let mut pages = self.organizations.list_roots().into_paginator().send();
        let mut queue = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify("organizations:ListRoots", e))?;
            queue.extend(
                page.roots()
                    .iter()
                    .filter_map(|r| r.id())
                    .map(str::to_string),
            );
        }
        let mut found = Vec::new();
        while let Some(parent) = queue.pop() {
            let mut pages = self
                .organizations
                .list_organizational_units_for_parent()
                .parent_id(&parent)
                .max_results(page_size())
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page
                    .map_err(|e| classify("organizations:ListOrganizationalUnitsForParent", e))?;
                for unit in page.organizational_units() {
                    let Some(id) = unit.id() else { continue };
                    if unit.name() == Some(name) {
                        found.push(id.to_string());
                    }
                    queue.push(id.to_string());
                }
            }
        }
        found.sort();
        Ok(found)
    }

    /// The value of the tag `key` on the member account `id`, if it has one.
    pub async fn account_tag(&self, id: &str, key: &str) -> Result<Option<String>, AwsError> {
        let mut items = self
            .organizations
            .list_tags_for_resource()
            .resource_id(id)
            .into_paginator()
            .items()
            .send();
        while let Some(tag) = items.next().await {
            let tag = tag.map_err(|e| classify("organizations:ListTagsForResource", e))?;
            if tag.key() == key {
                return Ok(Some(tag.value().to_string()));
            }
        }
        Ok(None)
    }
}
