//! awslab as a library, in layers (ARCHITECTURE.md draws them):
//! - `cmd`: the commands and their options, one module each;
//! - `engine`, `lesson`, `steps`: a lesson walked step by step, each step kind observed,
//!   judged and applied;
//! - `iam`, `flow_record`, `net`: the pure domain, no I/O, in crates of their own under `crates/`
//!   (re-exported here under these names); `explain` tells a record in words;
//! - `aws`, `sandbox`, `probe`, `cloudshell`: AWS access (every SDK client is built in
//!   `aws`), the local emulator, the test request, AWS CloudShell recognised;
//! - `report`, `grade`, `wizard`, `live`, `i18n`: what a person reads and answers (`live`: the
//!   pages served while `run --web`, `watch --web` and `grade --watch` run).

pub mod aws;
pub mod cloudshell;
pub mod cmd;
pub mod engine;
pub mod error;
pub mod exit;
pub mod explain;
pub mod finding;
pub mod fsutil;
pub mod grade;
pub mod i18n;
pub mod korean;
pub mod lesson;
pub mod live;
pub mod probe;
pub mod report;
pub mod sandbox;
pub mod steps;
pub mod time;
pub mod wizard;

pub use awslab_flow_record as flow_record;
pub use awslab_iam as iam;
pub use awslab_net as net;
