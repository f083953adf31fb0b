//! The lab folder: the lesson's documents written where the printed `file://` commands read
//! them, so a command pasted into a fresh shell finds its document. A file the student already
//! has there with other contents is theirs (an edit, perhaps): it is kept, never overwritten.
//! The folder must be the student's own and closed to other users, and no file in it is read
//! or written through a link (`fsutil`): a command pointing at a document someone else can
//! change would send their document to AWS.

use crate::fsutil::{FsError, PrivateDir};
use crate::steps::Lab;
use std::path::{Path, PathBuf};

/// What writing the lab folder did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// The folder, absolute, as the commands name it.
    pub dir: PathBuf,
    /// Documents written now, or already there with the lesson's contents.
    pub current: Vec<String>,
    /// Documents already there with other contents, left as they are.
    pub kept: Vec<String>,
}

/// Writes every document of `lab` into `dir` (created, 0700, if missing; each new file 0600).
pub fn write(lab: &Lab, dir: &Path) -> Result<Written, FsError> {
    let folder = PrivateDir::open(dir)?;
    let mut written = Written {
        dir: folder.path().to_path_buf(),
        ..Written::default()
    };
    for (name, contents) in &lab.assets {
        match folder.read(name)? {
            Some(existing) if existing == contents.as_bytes() => written.current.push(name.clone()),
            Some(_) => written.kept.push(name.clone()),
            None => {
                folder.create_new(name, contents.as_bytes())?;
                written.current.push(name.clone());
            }
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn lab() -> Lab {
        Lab {
            id: "demo".into(),
            assets: BTreeMap::from([
                ("a.json".to_string(), "{\"a\": 1}\n".to_string()),
                ("b.json".to_string(), "{\"b\": 2}\n".to_string()),
            ]),
            permissions: Vec::new(),
            steps: Vec::new(),
            files: Lab::default_files("demo"),
        }
    }

    #[test]
    fn writes_the_documents_and_keeps_a_changed_one() {
        let tmp = std::env::temp_dir().join(format!("awslab-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let dir = tmp.join("nested").join("awslab-demo");
        let first = write(&lab(), &dir).expect("write");
        assert_eq!(first.current, vec!["a.json", "b.json"]);
        assert_eq!(
            std::fs::read_to_string(dir.join("a.json")).expect("a"),
            "{\"a\": 1}\n"
        );
        std::fs::write(dir.join("b.json"), "mine").expect("edit");
        let again = write(&lab(), &dir).expect("write again");
        assert_eq!(again.current, vec!["a.json"]);
        assert_eq!(again.kept, vec!["b.json"]);
        assert_eq!(
            std::fs::read_to_string(dir.join("b.json")).expect("b"),
            "mine"
        );
        assert!(again.dir.is_absolute());
        let _ = std::fs::remove_dir_all(&tmp);
    }

    #[test]
    fn file_args_name_the_folder_and_survive_spaces() {
        let mut lab = lab();
        assert_eq!(lab.file_arg("a.json"), "file://awslab-demo/a.json");
        lab.files = "/home/student/my labs/awslab-demo".into();
        assert_eq!(
            lab.file_arg("a.json"),
            "'file:///home/student/my labs/awslab-demo/a.json'"
        );
    }
}
