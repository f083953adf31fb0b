//! The loopback web server standing in for the lab's EC2 instance. The emulator's "public IP"
//! belongs to some real host on the internet; the lab's test request comes here instead, and
//! every connection is handed to the delivery simulator as the traffic it would log. Like the
//! instance's security group and network ACL, a gate decides first whether a connection gets
//! in at all: one turned away is reset before it is read, and logged as rejected.

use futures::future::BoxFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Whether a connection from this client gets through to the instance.
pub type Gate = Arc<dyn Fn(SocketAddr) -> BoxFuture<'static, bool> + Send + Sync>;

/// A gate that lets everything in.
pub fn open_gate() -> Gate {
    Arc::new(|_| Box::pin(async { true }))
}

/// One TCP connection, as a flow log would see it.
#[derive(Debug, Clone)]
pub struct Connection {
    pub client: SocketAddr,
    /// Let in (ACCEPT) or turned away (REJECT).
    pub admitted: bool,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub start: SystemTime,
    pub end: SystemTime,
}

const MAX_REQUEST: usize = 16 * 1024;

pub async fn bind() -> std::io::Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", 0)).await
}

/// How long the server waits after a failed `accept` (out of file descriptors, say) before the
/// next: the error usually lasts a while, and trying again at once would only spin a core.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Calls `accept` for ever, handing each connection to `handle`; after an error it waits
/// `ACCEPT_BACKOFF` first.
pub async fn accept_loop<T, A, F>(mut accept: A, mut handle: impl FnMut(T))
where
    A: FnMut() -> F,
    F: std::future::Future<Output = std::io::Result<T>>,
{
    loop {
        match accept().await {
            Ok(connection) => handle(connection),
            Err(_) => tokio::time::sleep(ACCEPT_BACKOFF).await,
        }
    }
}

/// Serves until the task is dropped; each finished connection is sent to `seen`.
pub async fn serve(
    listener: TcpListener,
    body: String,
    seen: mpsc::UnboundedSender<Connection>,
    gate: Gate,
) {
    let listener = &listener;
    accept_loop(
        || listener.accept(),
        |(socket, client)| {
            let gate = gate.clone();
            let (body, seen) = (body.clone(), seen.clone());
            tokio::spawn(async move {
                if gate(client).await {
                    respond(socket, client, body, seen).await;
                } else {
                    turn_away(socket, client, seen);
                }
            });
        },
    )
    .await;
}

/// Resets a connection the gate refused, unread, and reports it: what a client sees of a
/// security group that drops its packets, made quick (a refusal rather than a timeout).
fn turn_away(
    socket: tokio::net::TcpStream,
    client: SocketAddr,
    seen: mpsc::UnboundedSender<Connection>,
) {
    let start = SystemTime::now();
    let _ = socket.set_zero_linger();
    drop(socket);
    let _ = seen.send(Connection {
        client,
        admitted: false,
        // The client's SYN and its retries: all a dropped connection shows.
        bytes_in: 180,
        bytes_out: 0,
        start,
        end: SystemTime::now(),
    });
}

/// Answers one request with `body`, then tells `seen` about the connection.
async fn respond(
    mut socket: tokio::net::TcpStream,
    client: SocketAddr,
    body: String,
    seen: mpsc::UnboundedSender<Connection>,
) {
    let start = SystemTime::now();
    let mut request = Vec::new();
    let mut buf = [0u8; 2048];
    // A slow or silent client must not hold the task forever.
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    request.extend_from_slice(&buf[..n]);
                    if request.windows(4).any(|w| w == b"\r\n\r\n") || request.len() >= MAX_REQUEST
                    {
                        break;
                    }
                }
            }
        }
    })
    .await;
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let written = if read.is_ok() {
        socket.write_all(response.as_bytes()).await.is_ok()
    } else {
        false
    };
    let _ = socket.shutdown().await;
    let _ = seen.send(Connection {
        client,
        admitted: true,
        bytes_in: request.len() as u64 + 180, // plus the TCP/IP headers of the handshake
        bytes_out: if written {
            response.len() as u64 + 180
        } else {
            120
        },
        start,
        end: SystemTime::now(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn a_failing_accept_is_retried_after_a_pause_not_at_once() {
        let attempts = Arc::new(AtomicU32::new(0));
        let counted = attempts.clone();
        let always_failing = move || {
            counted.fetch_add(1, Ordering::SeqCst);
            // What accept says when the process is out of file descriptors.
            std::future::ready(Err::<(), _>(std::io::Error::from_raw_os_error(
                libc::EMFILE,
            )))
        };
        let window = Duration::from_millis(1000);
        let ended = tokio::time::timeout(window, accept_loop(always_failing, |_| {})).await;
        assert!(ended.is_err(), "the loop runs until it is dropped");
        let n = attempts.load(Ordering::SeqCst);
        // One attempt per ACCEPT_BACKOFF at most (plus the first); a spinning loop makes
        // millions.
        let bound = (window.as_millis() / ACCEPT_BACKOFF.as_millis()) as u32 + 2;
        assert!((2..=bound).contains(&n), "{n} attempts in {window:?}");
    }

    #[tokio::test]
    async fn the_stand_in_answers_and_reports_the_connection() {
        let listener = bind().await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let (tx, mut rx) = mpsc::unbounded_channel();
        let server = tokio::spawn(serve(listener, "hi\n".into(), tx, open_gate()));
        let mut client = tokio::net::TcpStream::connect(addr).await.expect("connect");
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("send");
        let mut answer = String::new();
        client.read_to_string(&mut answer).await.expect("read");
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert!(answer.ends_with("hi\n"), "{answer}");
        let seen = rx.recv().await.expect("the connection is reported");
        assert_eq!(seen.client, client.local_addr().expect("client address"));
        assert!(seen.admitted);
        server.abort();
    }

    #[tokio::test]
    async fn a_connection_the_gate_refuses_is_reset_unanswered_and_reported() {
        let listener = bind().await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let (tx, mut rx) = mpsc::unbounded_channel();
        let closed: Gate = Arc::new(|_| Box::pin(async { false }));
        let server = tokio::spawn(serve(listener, "hi\n".into(), tx, closed));
        let mut client = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let _ = client.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
        let mut answer = Vec::new();
        let read = client.read_to_end(&mut answer).await;
        assert!(
            read.is_err() || answer.is_empty(),
            "no answer: {:?}",
            String::from_utf8_lossy(&answer)
        );
        let seen = rx.recv().await.expect("the connection is reported");
        assert!(!seen.admitted);
        server.abort();
    }
}
