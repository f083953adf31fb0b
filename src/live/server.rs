//! The HTTP server behind the live pages: hyper's HTTP/1 server on awslab's tokio runtime.
//!
//! One site is one page and its state. The page is a fixed HTML document (its style and its one
//! script inline, allowed by hash: `super::policy`); everything that changes is a JSON state the
//! page's script reads from `events` (server-sent events: the whole state again on every change,
//! so a page that reconnects is never behind) and draws with `textContent`, never as markup.
//!
//! Every path starts with the site's random token, `/<token>/`: a page on another origin, or a
//! person on the network with `--bind`, cannot guess it; a wrong or missing one is refused with
//! 403 before anything else is looked at. On loopback the `Host` header must name loopback too,
//! so a web page that rebinds its own name to 127.0.0.1 is refused even with the token. Only GET
//! and HEAD are answered: the pages read, they never change anything.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody, combinators::UnsyncBoxBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

type Body = UnsyncBoxBody<Bytes, Infallible>;

/// The state a page shows, as JSON text; a new value is sent to every open page.
pub type State = watch::Receiver<Arc<str>>;

/// A page and where its changing part comes from.
pub struct Site {
    /// The whole HTML document.
    pub html: String,
    /// Its Content-Security-Policy (`super::policy`).
    pub policy: String,
    pub state: State,
}

/// A running server. Dropping it stops accepting; open event streams end when the state's
/// sender is dropped.
pub struct Served {
    /// Where the page is, token included: what a person opens.
    pub url: String,
    pub addr: SocketAddr,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// How long a client may take to send a request's headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// A comment line on an idle event stream, so that proxies and browsers keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Connections open at once: a class on a projector and a few TAs' laptops, with room to spare;
/// more wait, so a flood cannot take every file descriptor.
const MAX_CONNECTIONS: usize = 256;

/// The loopback address on a port chosen by the system.
pub fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// Binds `addr` and serves `site` until the returned value is dropped.
pub async fn serve(addr: SocketAddr, site: Site) -> std::io::Result<Served> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let token = token()?;
    let url = format!("http://{}/{token}/", shown_host(addr));
    let inner = Arc::new(Inner {
        token,
        loopback_port: addr.ip().is_loopback().then_some(addr.port()),
        site,
    });
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let accept = tokio::spawn(async move {
        loop {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let (stream, _) = match listener.accept().await {
                Ok(accepted) => accepted,
                // Out of file descriptors, say: it usually lasts a while.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let inner = inner.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let inner = inner.clone();
                    async move { Ok::<_, Infallible>(inner.answer(&request)) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
                drop(permit);
            });
        }
    });
    Ok(Served { url, addr, accept })
}

/// An address as it goes in a URL: an IPv6 one in brackets, the unspecified one as loopback
/// (a URL to 0.0.0.0 opens nothing useful).
fn shown_host(mut addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    match addr {
        SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

/// 128 bits from the system's random source, in hex.
fn token() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

struct Inner {
    token: String,
    /// Set when bound to loopback: the port the `Host` header must name.
    loopback_port: Option<u16>,
    site: Site,
}

impl Inner {
    fn answer(&self, request: &Request<Incoming>) -> Response<Body> {
        let path = request.uri().path();
        let Some(rest) = path
            .strip_prefix('/')
            .and_then(|p| p.split_once('/'))
            .filter(|(token, _)| same(token.as_bytes(), self.token.as_bytes()))
            .map(|(_, rest)| rest)
        else {
            return plain(StatusCode::FORBIDDEN, "wrong or missing token\n");
        };
        if !self.host_allowed(request) {
            return plain(
                StatusCode::FORBIDDEN,
                "this page answers only on loopback\n",
            );
        }
        if request.method() != Method::GET && request.method() != Method::HEAD {
            let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "read only\n");
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        match rest {
            "" => self.page(),
            "state" => json(&self.site.state.borrow()),
            "events" => self.events(),
            _ => plain(StatusCode::NOT_FOUND, "not found\n"),
        }
    }

    fn host_allowed(&self, request: &Request<Incoming>) -> bool {
        let Some(port) = self.loopback_port else {
            return true;
        };
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        ["127.0.0.1", "localhost", "[::1]"]
            .iter()
            .any(|name| host == format!("{name}:{port}"))
    }

    fn page(&self) -> Response<Body> {
        let mut response = full(
            StatusCode::OK,
            "text/html; charset=utf-8",
            self.site.html.clone(),
        );
        if let Ok(policy) = HeaderValue::from_str(&self.site.policy) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, policy);
        }
        response
    }

    /// The state now, then again on every change, with a comment line while nothing changes.
    fn events(&self) -> Response<Body> {
        let stream = futures::stream::unfold((self.site.state.clone(), true), |(mut rx, first)| {
            async move {
                if !first {
                    match tokio::time::timeout(KEEP_ALIVE, rx.changed()).await {
                        Err(_) => {
                            let ping = Frame::data(Bytes::from_static(b": still here\n\n"));
                            return Some((Ok(ping), (rx, false)));
                        }
                        // The view stopped: the stream ends, and the page says so.
                        Ok(Err(_)) => return None,
                        Ok(Ok(())) => {}
                    }
                }
                let state = rx.borrow_and_update().clone();
                let event = Frame::data(Bytes::from(format!("data: {state}\n\n")));
                Some((Ok::<_, Infallible>(event), (rx, false)))
            }
        });
        let mut response = Response::new(StreamBody::new(stream).boxed_unsync());
        set_common(&mut response, "text/event-stream; charset=utf-8");
        response
    }
}

/// Compares in time independent of where the two differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn json(state: &str) -> Response<Body> {
    full(
        StatusCode::OK,
        "application/json; charset=utf-8",
        state.to_string(),
    )
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    full(status, "text/plain; charset=utf-8", text.to_string())
}

fn full(status: StatusCode, content_type: &'static str, body: String) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)).boxed_unsync());
    *response.status_mut() = status;
    set_common(&mut response, content_type);
    response
}

/// What every answer carries: nothing cached (the state changes; the token is in the URL), no
/// URL sent on as a referrer, no guessing of types, no framing by another page.
fn set_common(response: &mut Response<Body>, content_type: &'static str) {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site whose state the test changes, served on loopback.
    async fn started() -> (Served, super::super::Publisher, reqwest::Client) {
        let (publisher, state) = super::super::Publisher::new(&serde_json::json!({"n": 1}));
        let site = Site {
            html: "<p>page</p>".into(),
            policy: "default-src 'none'".into(),
            state,
        };
        let served = serve(loopback(), site).await.expect("bind loopback");
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        (served, publisher, client)
    }

    #[tokio::test]
    async fn the_page_needs_its_token() {
        let (served, _publisher, client) = started().await;
        let page = client.get(&served.url).send().await.expect("answer");
        assert_eq!(page.status(), 200);
        let policy = page.headers().get("content-security-policy").cloned();
        assert_eq!(policy.expect("a policy header"), "default-src 'none'");
        assert_eq!(page.text().await.expect("body"), "<p>page</p>");
        let root = format!("http://{}/", served.addr);
        for wrong in [
            root.clone(),
            format!("{root}state"),
            format!("{root}0123456789abcdef0123456789abcdef/"),
            format!("{}x/state", served.url.trim_end_matches('/')),
        ] {
            let answer = client.get(&wrong).send().await.expect("answer");
            assert_eq!(answer.status(), 403, "{wrong}");
        }
    }

    #[tokio::test]
    async fn it_only_reads_and_only_answers_to_loopback_names() {
        let (served, _publisher, client) = started().await;
        let post = client.post(&served.url).send().await.expect("answer");
        assert_eq!(post.status(), 405);
        let rebound = client
            .get(&served.url)
            .header("host", format!("attacker.example:{}", served.addr.port()))
            .send()
            .await
            .expect("answer");
        assert_eq!(rebound.status(), 403);
    }

    #[tokio::test]
    async fn events_bring_the_state_then_each_change() {
        let (served, publisher, client) = started().await;
        let mut events = client
            .get(format!("{}events", served.url))
            .send()
            .await
            .expect("answer");
        assert_eq!(
            events.headers()["content-type"],
            "text/event-stream; charset=utf-8"
        );
        let first = events.chunk().await.expect("read").expect("a first event");
        assert_eq!(&first[..], b"data: {\"n\":1}\n\n");
        publisher.publish(&serde_json::json!({"n": 2}));
        let next = events.chunk().await.expect("read").expect("a second event");
        assert_eq!(&next[..], b"data: {\"n\":2}\n\n");
        let state = client.get(format!("{}state", served.url)).send().await;
        let state = state.expect("answer").text().await.expect("body");
        assert_eq!(state, r#"{"n":2}"#);
        // The view ends: so does the stream, and the page can say so.
        drop(publisher);
        assert!(events.chunk().await.expect("read").is_none());
    }

    #[test]
    fn tokens_differ_and_are_long() {
        let (a, b) = (token().expect("random"), token().expect("random"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn comparison_needs_every_byte() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
        assert!(!same(b"", b"a"));
    }

    #[test]
    fn a_url_names_ipv6_in_brackets() {
        assert_eq!(
            shown_host("[::1]:8080".parse().expect("addr")),
            "[::1]:8080"
        );
        assert_eq!(
            shown_host("127.0.0.1:80".parse().expect("addr")),
            "127.0.0.1:80"
        );
        assert_eq!(
            shown_host("0.0.0.0:80".parse().expect("addr")),
            "127.0.0.1:80"
        );
    }
}
