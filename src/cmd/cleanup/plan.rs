//! What cleanup decides for each planned removal before anything is done: delete it, ask about
//! it on its own, or keep it (with why).

use crate::aws::AwsError;
use crate::i18n::Text;
use crate::steps::removal::Removal;

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Delete,
    /// Not created by awslab: deleted only once confirmed for itself.
    Ask,
    Keep(Text),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Planned,
    Deleted,
    Failed(AwsError),
    Kept(Text),
}

pub struct Item {
    pub removal: Removal,
    pub decision: Decision,
    pub outcome: Outcome,
}

/// The decision for each removal of the plan: what is provably the lab's goes after the one
/// question; a look-alike made by hand only with `--include-untagged` or its own question; one
/// that carries the lesson tag under another name (renamed by someone) only with its own
/// question; what something else relies on stays.
pub fn decide(plan: Vec<Removal>, include_untagged: bool) -> Vec<Item> {
    plan.into_iter()
        .map(|removal| {
            let decision = match &removal.keep {
                Some(note) => Decision::Keep(note.clone()),
                None if removal.is_provably_the_labs() => Decision::Delete,
                None if removal.named && include_untagged => Decision::Delete,
                None => Decision::Ask,
            };
            Item {
                removal,
                decision,
                outcome: Outcome::Planned,
            }
        })
        .collect()
}
