//! awslab as a library: the engine, its step kinds and the AWS layer, shared by the binary,
//! the integration tests and (later) the sandbox.

pub mod app;
pub mod aws;
pub mod cleanup_cmd;
pub mod cli;
pub mod engine;
pub mod error;
pub mod exit;
pub mod explain;
pub mod explain_cmd;
pub mod finding;
pub mod flow_record;
pub mod grade;
pub mod grade_cmd;
pub mod i18n;
pub mod iam;
pub mod lesson;
pub mod lesson_check;
pub mod lessons_cmd;
pub mod report;
pub mod run_cmd;
pub mod sandbox;
pub mod sandbox_cmd;
pub mod seed;
pub mod steps;
pub mod time;
pub mod verify;
pub mod wizard;
