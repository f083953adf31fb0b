//! Carrying out cleanup's decisions against AWS, in dependency order.

use super::plan::{Decision, Item, Outcome};
use crate::aws::AwsError;
use crate::i18n::Text;
use crate::steps::removal::Removal;
use std::collections::BTreeSet;

/// Carries out the decisions in plan order, which is dependency order. A failure does not
/// stop the rest; a removal whose prerequisite did not go (a policy still attached to a role
/// that stays) is not attempted, since IAM would only refuse it.
pub async fn execute<'a, F, Fut>(items: &'a mut [Item], remove: F)
where
    F: Fn(&'a Removal) -> Fut,
    Fut: std::future::Future<Output = Result<(), AwsError>>,
{
    let mut gone: BTreeSet<String> = BTreeSet::new();
    for item in items.iter_mut() {
        item.outcome = match &item.decision {
            Decision::Keep(note) => Outcome::Kept(note.clone()),
            Decision::Ask => Outcome::Kept(Text::new("cleanup.kept-declined")),
            Decision::Delete => {
                if let Some(blocker) = item.removal.after.iter().find(|k| !gone.contains(*k)) {
                    Outcome::Kept(Text::new("cleanup.kept-after").arg("other", blocker))
                } else {
                    match remove(&item.removal).await {
                        Ok(()) => {
                            gone.insert(item.removal.key());
                            Outcome::Deleted
                        }
                        Err(e) => Outcome::Failed(e),
                    }
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ErrorKind;
    use crate::cmd::cleanup::render::summary_text;
    use crate::i18n::Lang;
    use crate::steps::removal::Target;

    fn item(target: Target, after: &[&str]) -> Item {
        let resource = match &target {
            Target::FlowLog { id } => id.clone(),
            Target::LogGroup { name } | Target::Role { name, .. } => name.clone(),
            Target::Policy { arn, .. } => arn.clone(),
            Target::RestoreRules { lesson, .. } => lesson.clone(),
        };
        Item {
            removal: Removal {
                step: target.kind().to_string(),
                target,
                resource,
                tagged: true,
                named: true,
                reason: Text::new("cleanup.reason-role-tagged"),
                keep: None,
                cli: Vec::new(),
                after: after.iter().map(|s| s.to_string()).collect(),
            },
            decision: Decision::Delete,
            outcome: Outcome::Planned,
        }
    }

    #[tokio::test]
    async fn a_denied_deletion_does_not_stop_the_rest_and_what_needs_it_stays() {
        let mut items = vec![
            item(Target::FlowLog { id: "fl-1".into() }, &[]),
            item(
                Target::Role {
                    name: "r".into(),
                    detach: vec!["arn:p".into()],
                },
                &[],
            ),
            item(Target::LogGroup { name: "g".into() }, &[]),
            item(
                Target::Policy {
                    arn: "arn:p".into(),
                    versions: Vec::new(),
                },
                &["role:r"],
            ),
        ];
        items[2].decision = Decision::Keep(Text::new("cleanup.kept-declined"));
        let tried = std::sync::Mutex::new(Vec::new());
        execute(&mut items, |r| {
            tried
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(r.key());
            let denied = r.target.kind() == "role";
            async move {
                if denied {
                    Err(AwsError {
                        kind: ErrorKind::AccessDenied,
                        operation: "iam:DeleteRole",
                        code: Some("AccessDenied".into()),
                        request_id: None,
                        detail: "not allowed".into(),
                    })
                } else {
                    Ok(())
                }
            }
        })
        .await;
        assert_eq!(
            tried.into_inner().unwrap_or_else(|p| p.into_inner()),
            ["flow-log:fl-1", "role:r"],
            "the kept log group and the policy behind the role are not attempted"
        );
        assert_eq!(items[0].outcome, Outcome::Deleted);
        assert!(matches!(items[1].outcome, Outcome::Failed(_)));
        assert_eq!(
            items[2].outcome,
            Outcome::Kept(Text::new("cleanup.kept-declined"))
        );
        assert_eq!(
            items[3].outcome,
            Outcome::Kept(Text::new("cleanup.kept-after").arg("other", "role:r"))
        );
        let summary = summary_text(&items, Lang::En);
        assert!(summary.contains("Left (3):"), "{summary}");
        assert!(summary.contains("the deletion failed"), "{summary}");
    }
}
