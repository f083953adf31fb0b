//! The test browser itself (`common::browser`): a page served from 127.0.0.1 changes its own DOM
//! after 300 ms, and the tab sees the change without a reload; a phone-width tab lays out and
//! photographs at 390 px.

use crate::common::browser::{Browser, png_size};
use crate::common::{TempDir, read_request_head};
use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>smoke</title></head>
<body style="margin:0"><p id="state">waiting</p>
<script>setTimeout(function () { document.getElementById("state").textContent = "changed"; }, 300);</script>
</body></html>"#;

/// Serves PAGE at `/` (404 elsewhere) on a loopback port for the rest of the test binary;
/// returns its URL and how many times `/` was fetched.
fn serve() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let url = format!(
        "http://{}/",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    let pages = Arc::new(AtomicUsize::new(0));
    let counted = pages.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let request = read_request_head(&mut stream);
            let (status, body) = if request.starts_with(b"GET / ") {
                counted.fetch_add(1, Ordering::SeqCst);
                ("200 OK", PAGE)
            } else {
                ("404 Not Found", "")
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, pages)
}

#[test]
fn browser_sees_a_live_dom_change_and_photographs_at_phone_width() {
    let (url, pages) = serve();
    let browser = Browser::launch();

    let tab = browser.open(&url, 1280, 800);
    // A reload would start a new window object and lose this mark.
    tab.eval("window.smokeMark = 'kept'; true");
    let seen = tab.wait_for(
        "document.getElementById('state').textContent === 'changed' && document.getElementById('state').textContent",
        Duration::from_secs(10),
    );
    assert_eq!(seen, "changed");
    assert_eq!(tab.eval("window.smokeMark"), "kept");
    assert_eq!(
        pages.load(Ordering::SeqCst),
        1,
        "the page was fetched again"
    );
    assert_eq!(
        tab.eval("new Promise(function (done) { setTimeout(function () { done(6 * 7); }, 10); })"),
        42
    );
    let thrown = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tab.eval("throw new Error('smoke boom')")
    }));
    let message = thrown
        .err()
        .and_then(|p| p.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    assert!(
        message.contains("smoke boom"),
        "a JavaScript exception must fail the test with its text: {message:?}"
    );

    let phone = browser.open(&url, 390, 700);
    assert_eq!(phone.eval("window.innerWidth"), 390);
    // Laid out at 390, not at a wider minimum and cropped: the body fills exactly that.
    assert_eq!(
        phone.eval("document.body.getBoundingClientRect().width"),
        390
    );
    let dir = TempDir::new();
    let png = phone.screenshot(dir.0.join("phone.png"));
    let (width, height) = png_size(&png).unwrap_or_else(|| panic!("the screenshot is not a PNG"));
    assert_eq!(width, 390, "phone screenshot width");
    assert!(height >= 700, "the whole viewport at least: {height}");
    assert_eq!(
        std::fs::read(dir.0.join("phone.png")).unwrap_or_default(),
        png
    );
}
