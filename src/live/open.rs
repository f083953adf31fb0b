//! Opening a live page in the person's browser, when there is one to open it in: never when
//! standard output is not a terminal (a script, a test, a pipe), and on Linux only with a
//! display (`DISPLAY` or `WAYLAND_DISPLAY`; over SSH there is none, and the address printed is
//! what the person opens).

use std::io::IsTerminal;
use std::process::{Command, Stdio};

/// Whether a browser may be opened here: asked for (`no_browser` false), standard output a
/// terminal, and a desktop to open it on.
pub fn wanted(no_browser: bool) -> bool {
    !no_browser && std::io::stdout().is_terminal() && desktop(|k| std::env::var_os(k))
}

fn desktop(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    if cfg!(any(target_os = "macos", windows)) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|k| var(k).is_some_and(|v| !v.is_empty()))
}

/// Asks the desktop to open `url`; whether the opener started. Its output is not shown: the
/// address is printed either way.
pub fn browser(url: &str) -> bool {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    Command::new(opener)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(all(unix, not(target_os = "macos")))]
    fn linux_opens_a_browser_only_with_a_display() {
        assert!(!desktop(|_| None));
        assert!(!desktop(|_| Some("".into())));
        assert!(desktop(
            |k| (k == "WAYLAND_DISPLAY").then(|| "wayland-0".into())
        ));
        assert!(desktop(|k| (k == "DISPLAY").then(|| ":0".into())));
    }
}
