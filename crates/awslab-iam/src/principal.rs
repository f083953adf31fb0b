//! Matching the requester against `Principal` and `NotPrincipal` in trust
//! (and other resource-based) policies.

use super::document::Principals;

/// Who makes the request, for trust (and other resource-based) policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A service principal such as `vpc-flow-logs.amazonaws.com`.
    Service(String),
    /// An IAM ARN (`arn:aws:iam::123456789012:role/x`) or a bare account id.
    Aws(String),
}

/// Whether `who` is named by `principals`.
///
/// `account_covers_members`: in `Principal`, naming an account
/// (`123456789012` or `arn:aws:iam::123456789012:root`) trusts every principal
/// in it; in `NotPrincipal` it only excludes the account root itself, which
/// is why AWS documents listing both the role and its account there.
pub(crate) fn principal_listed(
    principals: &Principals,
    who: &Principal,
    account_covers_members: bool,
) -> bool {
    let map = match principals {
        Principals::Any => return true,
        Principals::Map(map) => map,
    };
    let values_of = |kind: &'static str| {
        map.iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(kind))
            .flat_map(|(_, v)| v.iter())
    };
    // {"AWS": "*"} is IAM's other spelling of "everyone", services included.
    if values_of("AWS").any(|v| v == "*") {
        return true;
    }
    match who {
        Principal::Service(service) => {
            values_of("Service").any(|v| v.eq_ignore_ascii_case(service))
        }
        Principal::Aws(arn) => {
            values_of("AWS").any(|v| aws_principal_matches(v, arn, account_covers_members))
        }
    }
}

fn aws_principal_matches(listed: &str, who: &str, account_covers_members: bool) -> bool {
    if listed == who {
        return true;
    }
    let Some(listed_account) = account_root(listed) else {
        return false;
    };
    if account_root(who) == Some(listed_account) {
        return true;
    }
    account_covers_members && account_of(who) == Some(listed_account)
}

/// The account id if `value` names an account as a whole.
fn account_root(value: &str) -> Option<&str> {
    if is_account_id(value) {
        return Some(value);
    }
    let mut parts = value.split(':');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some("arn"), Some(_), Some("iam"), Some(""), Some(account), Some("root"), None)
            if is_account_id(account) =>
        {
            Some(account)
        }
        _ => None,
    }
}

/// The account an ARN (or bare account id) belongs to.
fn account_of(value: &str) -> Option<&str> {
    if is_account_id(value) {
        return Some(value);
    }
    if !value.starts_with("arn:") {
        return None;
    }
    value.split(':').nth(4).filter(|a| is_account_id(a))
}

fn is_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_helpers_reject_odd_input() {
        assert_eq!(
            account_root("arn:aws:iam::123456789012:root"),
            Some("123456789012")
        );
        assert_eq!(account_root("arn:aws:iam::123456789012:root:extra"), None);
        assert_eq!(account_root("arn:aws:iam::12345:root"), None);
        assert_eq!(
            account_of("arn:aws:iam::123456789012:role/x"),
            Some("123456789012")
        );
        assert_eq!(account_of("not-an-arn"), None);
    }
}
