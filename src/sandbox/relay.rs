//! One HTTP/1.1 request relayed to a loopback upstream, for the proxies that stand between a
//! client and the emulator (the sandbox's IAM delay here, the fault proxy of the tests): the
//! request is read whole (head and Content-Length body), forwarded with `Connection: close`,
//! and the answer relayed the same way, so every client connection carries one request.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// Requests larger than this are not the lab's; the connection is closed.
const MAX_REQUEST: usize = 1 << 20;
/// A client gets this long to send its whole request; a slow or silent one is dropped.
const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Forwards `head` and `body` to `upstream` (`127.0.0.1:PORT`) and relays its answer to
/// `client`; returns the answer's status line, for callers that act on success.
pub async fn forward(
    client: &mut TcpStream,
    upstream: &str,
    head: &str,
    body: &[u8],
) -> std::io::Result<String> {
    let server = TcpStream::connect(upstream).await?;
    relay(client, server, head, body).await
}

/// [`forward`] to a server on a Unix socket (the sandbox's emulator).
pub async fn forward_unix(
    client: &mut TcpStream,
    upstream: &std::path::Path,
    head: &str,
    body: &[u8],
) -> std::io::Result<String> {
    let server = tokio::net::UnixStream::connect(upstream).await?;
    relay(client, server, head, body).await
}

async fn relay(
    client: &mut TcpStream,
    mut server: impl AsyncRead + AsyncWrite + Unpin,
    head: &str,
    body: &[u8],
) -> std::io::Result<String> {
    let mut request = with_connection_close(head);
    request.extend_from_slice(body);
    server.write_all(&request).await?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).await?;
    let status =
        String::from_utf8_lossy(answer.split(|b| *b == b'\r').next().unwrap_or(&[])).into_owned();
    let relayed = match answer.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(end) => {
            let mut out = with_connection_close(&String::from_utf8_lossy(&answer[..end]));
            out.extend_from_slice(&answer[end + 4..]);
            out
        }
        None => answer,
    };
    client.write_all(&relayed).await?;
    client.shutdown().await?;
    Ok(status)
}

/// The request head and body, read whole; None for a request too large, cut short, or not
/// sent within [`READ_TIMEOUT`].
pub async fn read_request(client: &mut TcpStream) -> std::io::Result<Option<(String, Vec<u8>)>> {
    match tokio::time::timeout(READ_TIMEOUT, read_whole(client)).await {
        Ok(read) => read,
        Err(_) => Ok(None),
    }
}

async fn read_whole(client: &mut TcpStream) -> std::io::Result<Option<(String, Vec<u8>)>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = client.read(&mut chunk).await?;
        if n == 0 || buf.len() > MAX_REQUEST {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .skip(1)
        .find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    if length > MAX_REQUEST {
        return Ok(None);
    }
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Ok(Some((head, body)))
}

/// A message head with its connection headers replaced by `Connection: close`, and the blank
/// line that ends it.
pub fn with_connection_close(head: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(head.len() + 24);
    for (i, line) in head.split("\r\n").enumerate() {
        let name = line.split(':').next().unwrap_or("").trim();
        if i > 0
            && (name.eq_ignore_ascii_case("connection") || name.eq_ignore_ascii_case("keep-alive"))
        {
            continue;
        }
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out
}
