//! IAM policy documents: parsing and request evaluation.
//!
//! Used to check AWS lab setups offline: given the identity policies attached
//! to a role (and its permissions boundary, if any) and the role's trust
//! policy (as returned by IAM, possibly percent-encoded), decide whether a
//! service may assume the role and whether the role may perform the actions a
//! lab needs.
//!
//! - [`parse_document`] turns JSON (raw or percent-encoded) into a
//!   [`PolicyDocument`], rejecting anything IAM itself would reject in shape.
//! - [`RequestContext`] says which condition keys a request carries, which it
//!   does not, and leaves the rest unknown; [`RequestContext::flow_logs_delivery`]
//!   and [`RequestContext::service_assume_role`] describe the two requests of
//!   VPC Flow Logs delivery to CloudWatch Logs.
//! - [`evaluate`] applies IAM's evaluation logic (explicit Deny, then Allow,
//!   else implicit Deny) to a [`Request`] against a union of documents (trust
//!   policies); [`evaluate_identity`] adds a permissions boundary.
//! - Every condition operator family of the IAM reference is implemented,
//!   with `...IfExists`, `ForAnyValue:`/`ForAllValues:` and policy variables
//!   (in `Resource` and in string and ARN conditions, under Version
//!   2012-10-17). What cannot be decided (an unknown key, a value of the
//!   wrong type, an unknown operator) is never taken as satisfied: the
//!   decision becomes [`Decision::Uncertain`] and [`Evaluation::undecided`]
//!   says what and why.
//!
//! Not modelled: service control policies, resource control policies,
//! session policies, and resource-based policies on the target resource.

mod context;
mod document;
mod eval;
mod glob;
mod operators;
mod principal;
mod time;
mod undecided;
mod values;
mod variables;

pub use context::{KeyState, RequestContext};
pub use document::{
    ActionSpec, Condition, DocumentError, Effect, PolicyDocument, Principals, ResourceSpec,
    Statement, parse_document,
};
pub use eval::{
    Decision, Evaluation, Request, StatementRef, Undecided, evaluate, evaluate_identity,
};
pub use glob::glob_match;
pub use principal::Principal;
pub use undecided::UndecidedReason;
