//! Presentation of a verdict: text for people, JSON for tools, JUnit XML for CI dashboards.

pub mod json;
pub mod junit;
pub mod text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Junit,
}
