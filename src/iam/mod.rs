//! IAM policy documents: parsing and request evaluation.
//!
//! Used to check AWS lab setups offline: given the identity policies attached
//! to a role and the role's trust policy (as returned by IAM, possibly
//! percent-encoded), decide whether a service may assume the role and whether
//! the role may perform the actions a lab needs.
//!
//! - [`parse_document`] turns JSON (raw or percent-encoded) into a
//!   [`PolicyDocument`], rejecting anything IAM itself would reject in shape.
//! - [`evaluate`] applies IAM's evaluation logic (explicit Deny, then Allow,
//!   else implicit Deny) to a [`Request`]. Condition keys the caller cannot
//!   know make the answer [`Decision::Uncertain`] rather than a guess.
//! - [`actions_not_allowed`] answers "which of these required actions are
//!   missing?" in one call.
//!
//! Not modelled: policy variables (`${aws:username}`), numeric/date/IP
//! condition operators (reported as unknown), permission boundaries, SCPs and
//! session policies.

mod document;
mod eval;
mod glob;

pub use document::{
    ActionSpec, Condition, DocumentError, Effect, PolicyDocument, Principals, ResourceSpec,
    Statement, parse_document,
};
pub use eval::{
    Decision, Evaluation, Principal, Request, StatementRef, actions_not_allowed, evaluate,
};
pub use glob::glob_match;
