//! AWS CloudShell, the browser shell beside the console, recognised from its environment.
//!
//! CloudShell runs Amazon Linux 2023 with the AWS CLI v2 and sets, for every session:
//! `AWS_EXECUTION_ENV=CloudShell`; `AWS_REGION` and `AWS_DEFAULT_REGION` (the console's region);
//! and the container credentials variables, `AWS_CONTAINER_CREDENTIALS_FULL_URI` (a loopback
//! endpoint) with `AWS_CONTAINER_AUTHORIZATION_TOKEN` (renewed each session). The SDK's default
//! chain reads all of these by itself (its container credential provider, through the HTTP
//! client of `aws::http`, which reaches loopback directly whatever proxy is set): nothing here
//! touches credentials. What awslab adapts is what a student reads and where files go: the
//! console is "the other browser tab", and the lab folder goes in the home folder, the only one
//! CloudShell keeps between sessions.

use std::path::PathBuf;

/// The value of `AWS_EXECUTION_ENV` in CloudShell.
const EXECUTION_ENV: &str = "CloudShell";

/// Whether this process runs in AWS CloudShell.
pub fn detected() -> bool {
    is_cloudshell(std::env::var("AWS_EXECUTION_ENV").ok().as_deref())
}

fn is_cloudshell(execution_env: Option<&str>) -> bool {
    execution_env.is_some_and(|v| v.trim().eq_ignore_ascii_case(EXECUTION_ENV))
}

/// Where the lab folder goes by default: in CloudShell the home folder (it persists; a folder
/// elsewhere is gone with the session), else `None`, the current folder.
pub fn lab_parent() -> Option<PathBuf> {
    if !detected() {
        return None;
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .filter(|h| h.is_absolute())
}

#[cfg(test)]
mod tests {
    use super::is_cloudshell;

    #[test]
    fn cloudshell_is_told_by_its_execution_environment() {
        assert!(is_cloudshell(Some("CloudShell")));
        assert!(is_cloudshell(Some("cloudshell ")));
        for other in [None, Some(""), Some("AWS_ECS_FARGATE"), Some("CloudShellX")] {
            assert!(!is_cloudshell(other), "{other:?}");
        }
    }
}
