//! The loopback web server standing in for the lab's EC2 instance. The emulator's "public IP"
//! belongs to some real host on the internet; the lab's test request comes here instead, and
//! every connection accepted is handed to the delivery simulator as the traffic it would log.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// One accepted TCP connection, as a flow log would see it.
#[derive(Debug, Clone)]
pub struct Connection {
    pub client: SocketAddr,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub start: SystemTime,
    pub end: SystemTime,
}

const MAX_REQUEST: usize = 16 * 1024;

pub async fn bind() -> std::io::Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", 0)).await
}

/// Serves until the task is dropped; each finished connection is sent to `seen`.
pub async fn serve(listener: TcpListener, body: String, seen: mpsc::UnboundedSender<Connection>) {
    loop {
        let Ok((mut socket, client)) = listener.accept().await else {
            continue;
        };
        let seen = seen.clone();
        let body = body.clone();
        tokio::spawn(async move {
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
                            if request.windows(4).any(|w| w == b"\r\n\r\n")
                                || request.len() >= MAX_REQUEST
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
                bytes_in: request.len() as u64 + 180, // plus the TCP/IP headers of the handshake
                bytes_out: if written {
                    response.len() as u64 + 180
                } else {
                    120
                },
                start,
                end: SystemTime::now(),
            });
        });
    }
}
