//! The lab's test request: `curl http://<public IP>`. In the sandbox it goes to the loopback
//! stand-in, and only there: the emulator's public IPs belong to real hosts.

use crate::sandbox::{SandboxError, SandboxInfo};
use std::time::Duration;

#[derive(Debug)]
pub enum ProbeError {
    NotLoopback(SandboxError),
    Timeout(String),
    Refused(String),
    /// The server answered 3xx. It is reported, never followed: a redirect may point anywhere,
    /// the instance metadata address included.
    Redirect {
        code: u16,
        location: String,
    },
    Other(String),
}

impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProbeError::NotLoopback(e) => write!(f, "{e}"),
            ProbeError::Redirect { code, location } => write!(f, "HTTP {code} → {location}"),
            ProbeError::Timeout(m) | ProbeError::Refused(m) | ProbeError::Other(m) => {
                f.write_str(m)
            }
        }
    }
}

/// Why a `--probe-url` cannot be used; each a catalogue key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeUrlError {
    /// Not an http(s) URL with a host.
    Invalid,
    /// Not loopback, while the account is an emulator's (`--endpoint-url`).
    NotLoopback,
}

impl ProbeUrlError {
    pub fn catalogue_key(self) -> &'static str {
        match self {
            ProbeUrlError::Invalid => "wizard.probe-url-invalid",
            ProbeUrlError::NotLoopback => "wizard.probe-url-not-loopback",
        }
    }
}

/// Checks `--probe-url`: an http(s) URL with a host; with a custom endpoint (an emulator, whose
/// addresses belong to real hosts) it must also name this machine. For a real account any
/// address will do: the student's own instance is wherever they say.
pub fn check_probe_url(url: &str, custom_endpoint: bool) -> Result<String, ProbeUrlError> {
    let parsed = reqwest::Url::parse(url).map_err(|_| ProbeUrlError::Invalid)?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ProbeUrlError::Invalid);
    }
    if custom_endpoint && !crate::aws::http::is_loopback_url(parsed.as_str()) {
        return Err(ProbeUrlError::NotLoopback);
    }
    Ok(parsed.to_string())
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(10);

/// A header value fit to show on a terminal: no control characters, at most 200 characters.
fn printable(value: &str) -> String {
    let mut out: String = value
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(200)
        .collect();
    if value.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// The URL the request goes to, and the one the student would type.
pub fn target(
    sandbox: Option<&SandboxInfo>,
    public_ip: &str,
    port: u16,
) -> Result<(String, String), ProbeError> {
    let shown = crate::steps::traffic::instance_url(public_ip, port);
    match sandbox {
        Some(info) => {
            let addr = info.probe_address().map_err(ProbeError::NotLoopback)?;
            Ok((format!("http://{addr}/"), shown))
        }
        None => Ok((shown.clone(), shown)),
    }
}

/// Sends the request; Ok(status code). A loopback URL is reached directly whatever proxy the
/// environment names; a redirect is reported (`ProbeError::Redirect`), not followed.
pub async fn send(url: &str) -> Result<u16, ProbeError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TOTAL_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none());
    if crate::aws::http::is_loopback_url(url) {
        builder = builder.no_proxy();
    }
    let client = builder
        .build()
        .map_err(|e| ProbeError::Other(e.to_string()))?;
    match client.get(url).send().await {
        Ok(resp) if resp.status().is_redirection() => Err(ProbeError::Redirect {
            code: resp.status().as_u16(),
            location: resp
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|v| printable(&String::from_utf8_lossy(v.as_bytes())))
                .unwrap_or_else(|| "-".into()),
        }),
        Ok(resp) => Ok(resp.status().as_u16()),
        Err(e) if e.is_timeout() => Err(ProbeError::Timeout(e.to_string())),
        Err(e) if e.is_connect() => Err(ProbeError::Refused(e.to_string())),
        Err(e) => match reset(&e) {
            Some(why) => Err(ProbeError::Refused(why)),
            None => Err(ProbeError::Other(e.to_string())),
        },
    }
}

/// Why the connection was reset, if it was: the sandbox's stand-in turns away a request its
/// security group does not let in that way, and some firewalls answer so.
fn reset(e: &reqwest::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
            ) {
                return Some(io.to_string());
            }
        }
        source = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A loopback server answering every request with `response`; counts its connections.
    fn server(response: String) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}/", listener.local_addr().expect("address"));
        let seen = Arc::new(AtomicUsize::new(0));
        let count = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                count.fetch_add(1, Ordering::SeqCst);
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = stream.write_all(response.as_bytes());
            }
        });
        (url, seen)
    }

    fn redirect_to(location: &str) -> String {
        format!(
            "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
    }

    #[tokio::test]
    async fn a_redirect_is_reported_and_never_followed() {
        // First where following could be seen: a second loopback server that counts visits.
        let (target, visits) =
            server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".into());
        let (url, _) = server(redirect_to(&target));
        match send(&url).await {
            Err(ProbeError::Redirect { code, location }) => {
                assert_eq!(code, 302);
                assert_eq!(location, target);
            }
            other => panic!("expected a redirect error, got {other:?}"),
        }
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            visits.load(Ordering::SeqCst),
            0,
            "the redirect was followed"
        );

        // The instance metadata address: reported as what it is. Reached only once the check
        // above proved redirects are not followed, so nothing is ever sent there.
        let metadata = "http://169.254.169.254/";
        let (url, seen) = server(redirect_to(metadata));
        match send(&url).await {
            Err(ProbeError::Redirect { code, location }) => {
                assert_eq!((code, location.as_str()), (302, metadata));
            }
            other => panic!("expected a redirect error, got {other:?}"),
        }
        assert_eq!(seen.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_ordinary_answer_is_its_status() {
        let (url, _) = server(
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into(),
        );
        assert_eq!(send(&url).await.ok(), Some(404));
    }

    #[tokio::test]
    async fn a_reset_connection_is_a_refusal() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let url = format!("http://{}/", listener.local_addr().expect("address"));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                // Linger zero: closing sends a reset, not an orderly end.
                let _ = stream.set_zero_linger();
                tokio::time::sleep(Duration::from_millis(50)).await;
                drop(stream);
            }
        });
        match send(&url).await {
            Err(ProbeError::Refused(_)) => {}
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_hostile_location_is_made_printable() {
        assert_eq!(printable("a\u{1b}[2Jb\n"), "a?[2Jb?");
        assert_eq!(printable(&"x".repeat(300)).chars().count(), 201);
    }

    #[test]
    fn probe_urls_must_be_loopback_only_with_an_emulator() {
        assert!(check_probe_url("http://127.0.0.1:8080/", true).is_ok());
        assert!(check_probe_url("http://localhost/", true).is_ok());
        assert_eq!(
            check_probe_url("http://198.51.100.7/", true),
            Err(ProbeUrlError::NotLoopback)
        );
        // A real account: the student's instance is wherever they say.
        assert!(check_probe_url("http://198.51.100.7/", false).is_ok());
        for bad in [
            "",
            "127.0.0.1:80",
            "ftp://127.0.0.1/",
            "http://",
            "file:///etc/passwd",
        ] {
            assert_eq!(
                check_probe_url(bad, false),
                Err(ProbeUrlError::Invalid),
                "{bad}"
            );
        }
    }
}
