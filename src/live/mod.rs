//! The live pages (ARCHITECTURE.md, "The live pages"): a student's checklist beside the AWS
//! console (`run --web`, `watch --web`) and the instructor's class board (`grade --watch`),
//! served on this machine while the command runs.
//!
//! What they share is here: the server (`server`), the page's frame with its
//! Content-Security-Policy, and the state every page is drawn from, a JSON value published
//! whole on every change. The same guarantees as report.html hold: the frame is written with
//! maud, which escapes every value; the one style and the one script are allowed by hash and
//! nothing else loads; the state is read by the script and put in the page as text, never as
//! markup, and every string in it has its control characters replaced and its invisible ones
//! shown by code point (`<U+202E>`) before it leaves the process.

pub mod board;
pub mod open;
pub mod server;
pub mod student;

use crate::i18n::Lang;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::Value;
use sha2::Digest;
use std::sync::Arc;
use tokio::sync::watch;

/// The Content-Security-Policy of a live page: its style and its script by their hashes, its
/// event stream from its own origin, and nothing else.
pub fn policy(style: &str, script: &str) -> String {
    format!(
        "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        sha256_base64(style),
        sha256_base64(script)
    )
}

fn sha256_base64(text: &str) -> String {
    aws_smithy_types::base64::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// A site: the whole page, `body` between the style and the script, both allowed by `policy`
/// (in the page and as a header), and the state its script draws.
pub fn site(
    lang: Lang,
    title: &str,
    (style, script): (&str, &str),
    body: Markup,
    state: server::State,
) -> server::Site {
    let policy = policy(style, script);
    let html = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="Content-Security-Policy" content=(policy);
                meta name="referrer" content="no-referrer";
                title { (title) }
                style { (PreEscaped(style)) }
            }
            body {
                (body)
                script { (PreEscaped(script)) }
            }
        }
    };
    server::Site {
        html: crate::i18n::unhide(&html.into_string()),
        policy,
        state,
    }
}

/// Publishes a page's state: every open page gets each new value, once, whole.
pub struct Publisher {
    sender: watch::Sender<Arc<str>>,
}

impl Publisher {
    /// A publisher and the receiver a `server::Site` takes, starting from `first`.
    pub fn new(first: &Value) -> (Publisher, server::State) {
        let (sender, receiver) = watch::channel(shown(first));
        (Publisher { sender }, receiver)
    }

    /// Sends `state` to every open page, unless it is what they already have.
    pub fn publish(&self, state: &Value) {
        let text = shown(state);
        self.sender.send_if_modified(|current| {
            if **current == *text {
                return false;
            }
            *current = text;
            true
        });
    }
}

/// The JSON text of `state` with every string made safe to show (`visible`).
fn shown(state: &Value) -> Arc<str> {
    let mut state = state.clone();
    visible(&mut state);
    Arc::from(state.to_string())
}

/// Replaces control characters in every string of `value` (keys too) and shows invisible ones
/// by their code point, as the terminal does with a message's arguments.
pub fn visible(value: &mut Value) {
    match value {
        Value::String(s) => *s = crate::i18n::neutralised(s),
        Value::Array(items) => items.iter_mut().for_each(visible),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut item) in entries {
                visible(&mut item);
                map.insert(crate::i18n::neutralised(&key), item);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_from_accounts_lose_controls_and_show_invisibles() {
        let mut v = json!({"name": "evil\u{202E}gnp.exe", "list": ["a\u{1b}[31m"], "k\u{200B}": 1});
        visible(&mut v);
        assert_eq!(v["name"], "evil<U+202E>gnp.exe");
        assert_eq!(v["list"][0], "a\u{FFFD}[31m");
        assert_eq!(v["k<U+200B>"], 1);
    }

    #[test]
    fn the_policy_names_the_hashes_and_nothing_else_loads() {
        let p = policy("body{}", "1");
        assert!(p.starts_with("default-src 'none';"), "{p}");
        assert!(p.contains(&format!("'sha256-{}'", sha256_base64("body{}"))));
        assert!(p.contains(&format!("script-src 'sha256-{}'", sha256_base64("1"))));
        assert!(!p.contains("unsafe"), "{p}");
    }

    #[test]
    fn a_publisher_sends_only_changes() {
        let (publisher, mut rx) = Publisher::new(&json!({"n": 1}));
        publisher.publish(&json!({"n": 1}));
        assert!(!rx.has_changed().expect("open"));
        publisher.publish(&json!({"n": 2}));
        assert!(rx.has_changed().expect("open"));
        assert_eq!(&**rx.borrow_and_update(), r#"{"n":2}"#);
    }
}
