//! Files awslab writes for people: the lab folder's documents and grade's reports. They hold
//! student data and are read back by pasted commands, so they are written only into a folder of
//! the user's own that nobody else can write to, never through a symbolic link, and readable by
//! the user alone (files 0600, a folder awslab creates 0700, unless the umask asks for less).
//!
//! On Unix the folder is opened once, without following a link, its owner and mode are checked on
//! that open descriptor, and every file is opened relative to it (`openat` with `O_NOFOLLOW`), so
//! the folder checked is the folder written. Elsewhere the same rules are kept with the standard
//! library's checks.

use std::path::{Path, PathBuf};

/// Why a folder or file is not written.
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    /// The folder belongs to another user.
    #[error("{} belongs to another user", .0.display())]
    OtherOwner(PathBuf),
    /// Other users can write to the folder.
    #[error("other users can write to {}", .0.display())]
    OthersCanWrite(PathBuf),
    /// The folder or file is a symbolic link.
    #[error("{} is a symbolic link", .0.display())]
    Link(PathBuf),
    /// Something other than a folder is where the folder should be.
    #[error("{} is not a folder", .0.display())]
    NotAFolder(PathBuf),
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl FsError {
    fn io(path: &Path, source: std::io::Error) -> FsError {
        FsError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// The catalogue message for a person, with `{path}`.
    pub fn text(&self) -> crate::i18n::Text {
        use crate::i18n::Text;
        match self {
            FsError::OtherOwner(p) => Text::new("files.other-owner").arg("path", p.display()),
            FsError::OthersCanWrite(p) => {
                Text::new("files.others-can-write").arg("path", p.display())
            }
            FsError::Link(p) => Text::new("files.link").arg("path", p.display()),
            FsError::NotAFolder(p) => Text::new("files.not-a-folder").arg("dir", p.display()),
            FsError::Io { path, source } => Text::new("files.io")
                .arg("path", path.display())
                .arg("error", source),
        }
    }
}

/// A folder of the user's own, opened for writing files into.
pub struct PrivateDir {
    path: PathBuf,
    #[cfg(unix)]
    fd: std::os::fd::OwnedFd,
}

impl PrivateDir {
    /// Opens `dir`, creating it (mode 0700, its missing parents as usual) when it does not
    /// exist. Refused: a link, something that is not a folder, a folder of another user, or one
    /// that others (group or world) can write to.
    pub fn open(dir: &Path) -> Result<PrivateDir, FsError> {
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| FsError::io(parent, e))?;
        }
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        match builder.create(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(FsError::io(dir, e)),
        }
        let path = std::path::absolute(dir).map_err(|e| FsError::io(dir, e))?;
        imp::open_dir(path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The contents of the file `name` in this folder: `Ok(None)` if there is none; refused if
    /// it is a link.
    pub fn read(&self, name: &str) -> Result<Option<Vec<u8>>, FsError> {
        imp::read(self, name)
    }

    /// Creates the file `name` (0600), which must not exist yet (a link there, even a dangling
    /// one, counts as existing), with `bytes`.
    pub fn create_new(&self, name: &str, bytes: &[u8]) -> Result<(), FsError> {
        imp::create_new(self, name, bytes)
    }

    /// Replaces the file `name` with `bytes`: written to a new temporary file (0600) in this
    /// folder, then renamed over `name`. A link at `name` is replaced itself, never followed.
    pub fn replace(&self, name: &str, bytes: &[u8]) -> Result<(), FsError> {
        let temp = format!(".{name}.{}.tmp", std::process::id());
        // A leftover from an interrupted run of this process id is ours to replace.
        imp::remove(self, &temp);
        self.create_new(&temp, bytes)?;
        imp::rename(self, &temp, name).inspect_err(|_| imp::remove(self, &temp))
    }
}

/// Writes `bytes` to `path` as [`PrivateDir::replace`] does, in its folder opened as
/// [`PrivateDir::open`] does: for a report or any other file of student data.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| FsError::NotAFolder(path.to_path_buf()))?;
    PrivateDir::open(dir)?.replace(name, bytes)
}

#[cfg(unix)]
mod imp {
    use super::{FsError, PrivateDir};
    use std::ffi::CString;
    use std::io::Write;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;
    use std::path::PathBuf;

    fn c_string(path: &std::path::Path, bytes: &[u8]) -> Result<CString, FsError> {
        CString::new(bytes).map_err(|_| {
            FsError::io(
                path,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "NUL in a file name"),
            )
        })
    }

    pub fn open_dir(path: PathBuf) -> Result<PrivateDir, FsError> {
        let c = c_string(&path, path.as_os_str().as_bytes())?;
        // SAFETY: `c` is a valid NUL-terminated path; the descriptor returned is owned below.
        let fd = unsafe {
            libc::open(
                c.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            let e = std::io::Error::last_os_error();
            return Err(match e.raw_os_error() {
                Some(libc::ELOOP) => FsError::Link(path),
                Some(libc::ENOTDIR) => match std::fs::symlink_metadata(&path) {
                    Ok(m) if m.file_type().is_symlink() => FsError::Link(path),
                    _ => FsError::NotAFolder(path),
                },
                _ => FsError::io(&path, e),
            });
        }
        // SAFETY: `fd` is a descriptor just opened and owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let file = std::fs::File::from(fd);
        let meta = file.metadata().map_err(|e| FsError::io(&path, e))?;
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid cannot fail.
        if meta.uid() != unsafe { libc::geteuid() } {
            return Err(FsError::OtherOwner(path));
        }
        // Group-writable is fine for the user's own group (a user private group), not for
        // a group shared with others.
        // SAFETY: getegid cannot fail.
        let own_group = meta.gid() == unsafe { libc::getegid() };
        if meta.mode() & 0o002 != 0 || (meta.mode() & 0o020 != 0 && !own_group) {
            return Err(FsError::OthersCanWrite(path));
        }
        Ok(PrivateDir {
            path,
            fd: OwnedFd::from(file),
        })
    }

    fn open_at(dir: &PrivateDir, name: &str, flags: i32) -> Result<std::fs::File, FsError> {
        let path = dir.path.join(name);
        let c = c_string(&path, name.as_bytes())?;
        // SAFETY: a valid directory descriptor and NUL-terminated name; the result is owned
        // below.
        let fd = unsafe {
            libc::openat(
                dir.fd.as_raw_fd(),
                c.as_ptr(),
                flags | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                0o600 as libc::c_uint,
            )
        };
        if fd < 0 {
            let e = std::io::Error::last_os_error();
            return Err(match e.raw_os_error() {
                Some(libc::ELOOP) => FsError::Link(path),
                _ => FsError::io(&path, e),
            });
        }
        // SAFETY: `fd` was just opened and is owned by nobody else.
        Ok(std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    pub fn read(dir: &PrivateDir, name: &str) -> Result<Option<Vec<u8>>, FsError> {
        use std::io::Read;
        let mut file = match open_at(dir, name, libc::O_RDONLY | libc::O_NONBLOCK) {
            Ok(f) => f,
            Err(FsError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let path = dir.path.join(name);
        let meta = file.metadata().map_err(|e| FsError::io(&path, e))?;
        if !meta.is_file() {
            return Err(FsError::io(
                &path,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"),
            ));
        }
        let mut out = Vec::new();
        file.read_to_end(&mut out)
            .map_err(|e| FsError::io(&path, e))?;
        Ok(Some(out))
    }

    pub fn create_new(dir: &PrivateDir, name: &str, bytes: &[u8]) -> Result<(), FsError> {
        let mut file = open_at(dir, name, libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL)?;
        file.write_all(bytes)
            .and_then(|()| file.flush())
            .map_err(|e| FsError::io(&dir.path.join(name), e))
    }

    pub fn rename(dir: &PrivateDir, from: &str, to: &str) -> Result<(), FsError> {
        let path = dir.path.join(to);
        let (from, to) = (
            c_string(&path, from.as_bytes())?,
            c_string(&path, to.as_bytes())?,
        );
        let fd = dir.fd.as_raw_fd();
        // SAFETY: valid descriptor and NUL-terminated names.
        if unsafe { libc::renameat(fd, from.as_ptr(), fd, to.as_ptr()) } != 0 {
            return Err(FsError::io(&path, std::io::Error::last_os_error()));
        }
        Ok(())
    }

    pub fn remove(dir: &PrivateDir, name: &str) {
        if let Ok(c) = CString::new(name.as_bytes()) {
            // SAFETY: valid descriptor and NUL-terminated name; failure (nothing there) is fine.
            unsafe { libc::unlinkat(dir.fd.as_raw_fd(), c.as_ptr(), 0) };
        }
    }
}

/// Without `openat`: the same rules through the standard library (a link is refused by a look
/// before each open; a new file is created with `create_new`, which does not follow a link).
#[cfg(not(unix))]
mod imp {
    use super::{FsError, PrivateDir};
    use std::io::Write;
    use std::path::PathBuf;

    pub fn open_dir(path: PathBuf) -> Result<PrivateDir, FsError> {
        let meta = std::fs::symlink_metadata(&path).map_err(|e| FsError::io(&path, e))?;
        if meta.file_type().is_symlink() {
            return Err(FsError::Link(path));
        }
        if !meta.is_dir() {
            return Err(FsError::NotAFolder(path));
        }
        Ok(PrivateDir { path })
    }

    fn not_a_link(dir: &PrivateDir, name: &str) -> Result<PathBuf, FsError> {
        let path = dir.path.join(name);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => Err(FsError::Link(path)),
            _ => Ok(path),
        }
    }

    pub fn read(dir: &PrivateDir, name: &str) -> Result<Option<Vec<u8>>, FsError> {
        let path = not_a_link(dir, name)?;
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(FsError::io(&path, e)),
        }
    }

    pub fn create_new(dir: &PrivateDir, name: &str, bytes: &[u8]) -> Result<(), FsError> {
        let path = not_a_link(dir, name)?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| FsError::io(&path, e))?;
        file.write_all(bytes).map_err(|e| FsError::io(&path, e))
    }

    pub fn rename(dir: &PrivateDir, from: &str, to: &str) -> Result<(), FsError> {
        let to = dir.path.join(to);
        std::fs::rename(dir.path.join(from), &to).map_err(|e| FsError::io(&to, e))
    }

    pub fn remove(dir: &PrivateDir, name: &str) {
        let _ = std::fs::remove_file(dir.path.join(name));
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("awslab-fsutil-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("mode");
        dir
    }

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn a_new_folder_is_0700_and_its_files_0600() {
        let base = temp("new");
        let dir = base.join("a").join("reports");
        let d = PrivateDir::open(&dir).expect("open");
        d.create_new("x.txt", b"x").expect("create");
        d.replace("y.txt", b"1").expect("replace");
        d.replace("y.txt", b"2").expect("replace again");
        assert_eq!(mode(&dir) & !0o700, 0, "{:o}", mode(&dir));
        assert_eq!(mode(&dir.join("x.txt")) & 0o077, 0);
        assert_eq!(mode(&dir.join("y.txt")) & 0o077, 0);
        assert_eq!(std::fs::read(dir.join("y.txt")).expect("y"), b"2");
        assert!(matches!(
            d.create_new("x.txt", b"again"),
            Err(FsError::Io { .. })
        ));
        assert_eq!(d.read("x.txt").expect("read"), Some(b"x".to_vec()));
        assert_eq!(d.read("none").expect("read"), None);
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn links_are_never_followed() {
        let base = temp("links");
        let target = base.join("target.txt");
        std::fs::write(&target, "secret").expect("target");
        let dir = base.join("lab");
        let d = PrivateDir::open(&dir).expect("open");
        std::os::unix::fs::symlink(&target, dir.join("live.json")).expect("link");
        std::os::unix::fs::symlink(base.join("nothing"), dir.join("dangling.json")).expect("link");
        assert!(matches!(d.read("live.json"), Err(FsError::Link(_))));
        assert!(d.create_new("dangling.json", b"x").is_err());
        assert!(
            !base.join("nothing").exists(),
            "written through a dangling link"
        );
        // A report replaces a planted link itself, not what it points to.
        d.replace("live.json", b"report").expect("replace");
        assert_eq!(std::fs::read_to_string(&target).expect("target"), "secret");
        assert!(
            !std::fs::symlink_metadata(dir.join("live.json"))
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        // A folder that is a link is refused.
        std::os::unix::fs::symlink(&dir, base.join("via-link")).expect("link");
        assert!(matches!(
            PrivateDir::open(&base.join("via-link")),
            Err(FsError::Link(_))
        ));
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn a_folder_of_another_user_is_refused() {
        // As root, a folder given to nobody; as anyone else, the root folder (root's own).
        let base = temp("owner");
        let theirs = if unsafe { libc::geteuid() } == 0 {
            let dir = base.join("theirs");
            std::fs::create_dir(&dir).expect("dir");
            std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).expect("chown");
            dir
        } else {
            PathBuf::from("/")
        };
        assert!(
            matches!(PrivateDir::open(&theirs), Err(FsError::OtherOwner(_))),
            "{}",
            theirs.display()
        );
        let said = FsError::OtherOwner(theirs)
            .text()
            .render(crate::i18n::Lang::En);
        assert!(said.contains("belongs to another user"), "{said}");
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn a_folder_others_can_write_to_is_refused() {
        let base = temp("shared");
        let dir = base.join("shared");
        std::fs::create_dir(&dir).expect("dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("mode");
        assert!(matches!(
            PrivateDir::open(&dir),
            Err(FsError::OthersCanWrite(_))
        ));
        assert!(write_private(&dir.join("report.md"), b"x").is_err());
        assert!(!dir.join("report.md").exists());
        let _ = std::fs::remove_dir_all(&base);
    }
}
