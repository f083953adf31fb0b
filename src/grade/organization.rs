//! The class from AWS Organizations instead of a hand-written roster: each active member
//! account is a student, named after the account (or one of its tags) and reached through the
//! role `--role-name` in it. Accounts that cannot or should not be graded are kept, with why,
//! so that the report says who was left out. A CSV roster given as well is merged by account id.

use super::roster::{Access, Row};
use crate::aws::record::OrganizationRoster;
use crate::aws::{Aws, AwsError, OrgAccount};
use crate::i18n::{Lang, Text};
use futures::StreamExt;

/// Where the class is in the organization, and how to name it.
#[derive(Debug, Clone)]
pub struct Request {
    pub roster: OrganizationRoster,
    /// OU (or root) ids, for `OrganizationRoster::Units`.
    pub units: Vec<String>,
    pub name_tag: Option<String>,
    pub include_management: bool,
}

/// An account of the organization that is not graded.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub account: String,
    pub name: String,
    pub why: Text,
}

impl Skipped {
    pub fn to_json(&self, lang: Lang) -> serde_json::Value {
        serde_json::json!({
            "account": self.account,
            "name": self.name,
            "reason": self.why.render(lang),
        })
    }
}

/// Why the class could not be listed.
#[derive(Debug)]
pub enum ClassError {
    /// The instructor's account is in no organization.
    NotInUse,
    /// No OU or root has this id (or name).
    NoSuchUnit(String),
    /// More than one OU has this name: their ids.
    AmbiguousUnit(String, Vec<String>),
    Aws(AwsError),
}

impl From<AwsError> for ClassError {
    fn from(e: AwsError) -> ClassError {
        if e.code.as_deref() == Some("AWSOrganizationsNotInUseException") {
            ClassError::NotInUse
        } else {
            ClassError::Aws(e)
        }
    }
}

/// Whether `unit` is an OU or root id rather than an OU's name.
pub fn is_unit_id(unit: &str) -> bool {
    unit.starts_with("ou-") || unit.starts_with("r-")
}

/// The id of the OU `unit` names: itself when it is an id, else the one OU of that name.
async fn unit_id(aws: &Aws, unit: &str) -> Result<String, ClassError> {
    if is_unit_id(unit) {
        return Ok(unit.to_string());
    }
    let mut ids = aws.units_named(unit).await?;
    match ids.len() {
        0 => Err(ClassError::NoSuchUnit(unit.to_string())),
        1 => Ok(ids.remove(0)),
        _ => Err(ClassError::AmbiguousUnit(unit.to_string(), ids)),
    }
}

/// Reads the class from the organization with the instructor's credentials `aws`.
pub async fn class(aws: &Aws, request: &Request) -> Result<(Vec<Row>, Vec<Skipped>), ClassError> {
    let management = aws.organization_management_account().await?;
    let accounts = match request.roster {
        OrganizationRoster::Whole => aws.organization_accounts().await?,
        OrganizationRoster::Units { recursive, .. } => {
            let mut all = Vec::new();
            for unit in &request.units {
                let unit = &unit_id(aws, unit).await?;
                match aws.accounts_under(unit, recursive).await {
                    Ok(accounts) => all.extend(accounts),
                    Err(e) if e.code.as_deref() == Some("ParentNotFoundException") => {
                        return Err(ClassError::NoSuchUnit(unit.clone()));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            all
        }
    };
    let tags: Vec<Option<String>> = match &request.name_tag {
        // Tags only of accounts that will be graded: the others are named by the account.
        Some(key) => futures::stream::iter(&accounts)
            .map(|a| async move {
                if a.is_active() {
                    aws.account_tag(&a.id, key).await
                } else {
                    Ok(None)
                }
            })
            .buffered(8)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?,
        None => vec![None; accounts.len()],
    };
    Ok(rows(
        accounts.into_iter().zip(tags).collect(),
        &management,
        request.include_management,
    ))
}

/// What grades.csv says of an account besides its grade, for an LMS to match it by: its email,
/// and the OU path when the class was listed by OU.
fn org_columns(account: &OrgAccount) -> Vec<(String, String)> {
    let mut columns = vec![("email".to_string(), account.email.clone())];
    if !account.ou.is_empty() {
        columns.push(("ou".to_string(), account.ou.clone()));
    }
    columns
}

/// Rows for the accounts that can be graded, sorted by student name, and the others with why.
/// Each account once, whichever OUs listed it.
pub fn rows(
    accounts: Vec<(OrgAccount, Option<String>)>,
    management: &str,
    include_management: bool,
) -> (Vec<Row>, Vec<Skipped>) {
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (account, tag) in accounts {
        if !seen.insert(account.id.clone()) {
            continue;
        }
        let name = student_name(&account, tag.as_deref());
        let why = if !account.is_active() {
            Some(Text::new("grade.org-inactive").arg("status", &account.status))
        } else if account.id == management && !include_management {
            Some(Text::new("grade.org-management"))
        } else {
            None
        };
        match why {
            Some(why) => skipped.push(Skipped {
                account: account.id,
                name,
                why,
            }),
            None => rows.push(Row {
                line: 0,
                student: name,
                key: None,
                extra: org_columns(&account),
                access: Access::Account {
                    id: account.id,
                    external_id: None,
                },
                region: None,
            }),
        }
    }
    rows.sort_by(|a, b| {
        a.student
            .cmp(&b.student)
            .then_with(|| a.account_id().cmp(&b.account_id()))
    });
    (rows, skipped)
}

/// The tag's value when it has one, else the account's name, else its id; cut to the length
/// and characters a roster allows.
fn student_name(account: &OrgAccount, tag: Option<&str>) -> String {
    let raw = [tag.map(str::trim), Some(account.name.trim())]
        .into_iter()
        .flatten()
        .find(|n| !n.is_empty())
        .unwrap_or(&account.id);
    // Control characters replaced, bidirectional and zero-width ones shown by their code point.
    crate::i18n::neutralised(raw)
        .replace('\n', "\u{fffd}")
        .chars()
        .take(200)
        .collect()
}

/// The roster's rows, then the organization's accounts it does not list: an account in both is
/// graded once, as the roster says (its student name and its way in).
pub fn merge(roster: Vec<Row>, organization: Vec<Row>) -> Vec<Row> {
    let listed: std::collections::BTreeSet<String> = roster
        .iter()
        .filter_map(|r| r.account_id().map(str::to_string))
        .collect();
    let mut rows = roster;
    rows.extend(
        organization
            .into_iter()
            .filter(|r| r.account_id().is_none_or(|id| !listed.contains(id))),
    );
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: &str, status: &str) -> (OrgAccount, Option<String>) {
        (
            OrgAccount {
                id: id.into(),
                name: name.into(),
                email: format!("{name}@example.com"),
                status: status.into(),
                ou: String::new(),
            },
            None,
        )
    }

    #[test]
    fn active_members_are_students_and_the_rest_are_skipped_with_why() {
        let (rows, skipped) = rows(
            vec![
                account("111111111111", "master", "ACTIVE"),
                account("222222222222", "Park", "ACTIVE"),
                account("333333333333", "Kim", "SUSPENDED"),
                account("444444444444", "Lee", "PENDING_CLOSURE"),
                account("555555555555", "Choi\u{1b}[31m", "ACTIVE"),
                account("222222222222", "Park", "ACTIVE"),
                (
                    OrgAccount {
                        id: "666666666666".into(),
                        name: "acct-6".into(),
                        email: "six@example.com".into(),
                        status: "ACTIVE".into(),
                        ou: "ou-ab12-cdef3456/Section A".into(),
                    },
                    Some(" 한지민 ".into()),
                ),
            ],
            "111111111111",
            false,
        );
        let names: Vec<&str> = rows.iter().map(|r| r.student.as_str()).collect();
        assert_eq!(names, ["Choi\u{fffd}[31m", "Park", "한지민"]);
        assert_eq!(rows[1].account_id(), Some("222222222222"));
        let why: Vec<(&str, &str)> = skipped
            .iter()
            .map(|s| (s.account.as_str(), s.why.key))
            .collect();
        assert_eq!(
            why,
            [
                ("111111111111", "grade.org-management"),
                ("333333333333", "grade.org-inactive"),
                ("444444444444", "grade.org-inactive")
            ]
        );
        assert!(
            skipped[1].why.render(Lang::En).contains("SUSPENDED"),
            "{}",
            skipped[1].why.render(Lang::En)
        );
        let (with, _) = super::rows(
            vec![account("111111111111", "master", "ACTIVE")],
            "111111111111",
            true,
        );
        assert_eq!(with.len(), 1, "--include-management grades it");
    }

    #[test]
    fn the_roster_wins_for_an_account_it_lists() {
        let roster = vec![
            Row {
                line: 2,
                student: "김민수".into(),
                access: Access::Account {
                    id: "222222222222".into(),
                    external_id: None,
                },
                region: None,
                key: None,
                extra: Vec::new(),
            },
            Row {
                line: 3,
                student: "이서연".into(),
                access: Access::Role {
                    arn: "arn:aws:iam::333333333333:role/Grader".into(),
                    external_id: None,
                },
                region: None,
                key: None,
                extra: Vec::new(),
            },
        ];
        let (org, _) = rows(
            vec![
                account("222222222222", "acct-2", "ACTIVE"),
                account("333333333333", "acct-3", "ACTIVE"),
                account("444444444444", "acct-4", "ACTIVE"),
            ],
            "999999999999",
            false,
        );
        let merged = merge(roster, org);
        let names: Vec<&str> = merged.iter().map(|r| r.student.as_str()).collect();
        assert_eq!(names, ["김민수", "이서연", "acct-4"]);
        assert!(matches!(merged[1].access, Access::Role { .. }));
    }
}
