//! awslab as a library, in layers (ARCHITECTURE.md draws them):
//! - `cmd`: the commands and their options, one module each;
//! - `engine`, `lesson`, `steps`: a lesson walked step by step, each step kind observed,
//!   judged and applied;
//! - `iam`, `flow_record`, `explain`: pure domain logic, no I/O;
//! - `aws`, `sandbox`, `seed`, `probe`, `cloudshell`: AWS access (every SDK client is built in
//!   `aws`), the local emulator, the test request, AWS CloudShell recognised;
//! - `report`, `grade`, `wizard`, `i18n`: what a person reads and answers.

pub mod aws;
pub mod cloudshell;
pub mod cmd;
pub mod engine;
pub mod error;
pub mod exit;
pub mod explain;
pub mod finding;
pub mod flow_record;
pub mod fsutil;
pub mod grade;
pub mod i18n;
pub mod iam;
pub mod korean;
pub mod lesson;
pub mod net;
pub mod probe;
pub mod report;
pub mod sandbox;
pub mod steps;
pub mod time;
pub mod wizard;
