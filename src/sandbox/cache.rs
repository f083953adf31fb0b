//! Where awslab keeps its files: the cache folder, which is the user's own or none, and the
//! sandbox's folder in it (its state file, its log, its emulators' sockets).

use super::SandboxError;
use std::path::PathBuf;

/// awslab's cache directory: AWSLAB_CACHE_DIR, else $XDG_CACHE_HOME/awslab, else
/// $HOME/.cache/awslab. Without any of them there is no place that is the user's own: a shared
/// directory such as /tmp would let another user plant a state file or an emulator, so awslab
/// says so and stops.
pub fn cache_dir() -> Result<PathBuf, SandboxError> {
    cache_dir_from(|name| std::env::var_os(name))
}

fn cache_dir_from(
    var: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Result<PathBuf, SandboxError> {
    let set = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = set("AWSLAB_CACHE_DIR") {
        return Ok(dir);
    }
    if let Some(dir) = set("XDG_CACHE_HOME") {
        return Ok(dir.join("awslab"));
    }
    match set("HOME") {
        Some(home) => Ok(home.join(".cache").join("awslab")),
        None => Err(SandboxError::NoCacheDir),
    }
}

/// The sandbox's folder in the cache.
pub fn sandbox_dir() -> Result<PathBuf, SandboxError> {
    Ok(cache_dir()?.join("sandbox"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn from(vars: &[(&str, &str)]) -> Result<PathBuf, SandboxError> {
        let vars: Vec<(String, OsString)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        cache_dir_from(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn the_cache_directory_is_the_users_own_or_none() {
        let dir = |v: &[(&str, &str)]| from(v).ok();
        assert_eq!(
            dir(&[("AWSLAB_CACHE_DIR", "/c"), ("HOME", "/h")]),
            Some(PathBuf::from("/c"))
        );
        assert_eq!(
            dir(&[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")]),
            Some(PathBuf::from("/x/awslab"))
        );
        assert_eq!(
            dir(&[("HOME", "/h")]),
            Some(PathBuf::from("/h/.cache/awslab"))
        );
        // Empty counts as unset; nothing falls back to a shared directory such as /tmp.
        for vars in [
            &[][..],
            &[
                ("HOME", ""),
                ("XDG_CACHE_HOME", ""),
                ("AWSLAB_CACHE_DIR", ""),
            ][..],
        ] {
            assert!(
                matches!(from(vars), Err(SandboxError::NoCacheDir)),
                "{vars:?}"
            );
        }
    }
}
