//! The lab's test request: `curl http://<public IP>`. In the sandbox it goes to the loopback
//! stand-in, and only there: the emulator's public IPs belong to real hosts.

use crate::sandbox::{SandboxError, SandboxInfo};
use std::time::Duration;

#[derive(Debug)]
pub enum ProbeError {
    NotLoopback(SandboxError),
    Timeout(String),
    Refused(String),
    Other(String),
}

impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProbeError::NotLoopback(e) => write!(f, "{e}"),
            ProbeError::Timeout(m) | ProbeError::Refused(m) | ProbeError::Other(m) => {
                f.write_str(m)
            }
        }
    }
}

/// The URL the request goes to, and the one the student would type.
pub fn target(
    sandbox: Option<&SandboxInfo>,
    public_ip: &str,
    port: u16,
) -> Result<(String, String), ProbeError> {
    let shown = if port == 80 {
        format!("http://{public_ip}/")
    } else {
        format!("http://{public_ip}:{port}/")
    };
    match sandbox {
        Some(info) => {
            let addr = info.probe_address().map_err(ProbeError::NotLoopback)?;
            Ok((format!("http://{addr}/"), shown))
        }
        None => Ok((shown.clone(), shown)),
    }
}

/// Sends the request; Ok(status code).
pub async fn send(url: &str) -> Result<u16, ProbeError> {
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| ProbeError::Other(e.to_string()))?;
    match client.get(url).send().await {
        Ok(resp) => Ok(resp.status().as_u16()),
        Err(e) if e.is_timeout() => Err(ProbeError::Timeout(e.to_string())),
        Err(e) if e.is_connect() => Err(ProbeError::Refused(e.to_string())),
        Err(e) => Err(ProbeError::Other(e.to_string())),
    }
}
