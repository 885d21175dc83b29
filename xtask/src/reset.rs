//! `cargo xtask reset N`: puts a lesson back as committed, after saving the learner's changes.
//!
//! Nothing a learner wrote is thrown away: every change to the lesson's crate, text and picture goes into a
//! patch file first, under `saved-changes/`: changed files, new files (staged or not, whatever their names),
//! deleted files. Only once the patch is written are the files restored, and `git apply` brings the changes
//! back. Reset needs the course as a git clone, which knows what "as committed" is.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::failure::Failure;
use crate::lessons;
use crate::workspace::{self, Workspace, print, run_git};

/// The folder, in the workspace, where reset keeps the learner's changes. Git ignores it.
pub const SAVED_CHANGES: &str = "saved-changes";

/// What a reset did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reset {
    /// The lesson was already as committed.
    NothingToSave,
    /// The changes were saved at this path, relative to the workspace, and the lesson was put back.
    Saved(PathBuf),
}

/// `cargo xtask reset N`.
pub fn run(wanted: &str) -> Result<u8, Failure> {
    let course = Workspace::course();
    let lessons = lessons::load(&course.root)?;
    let lesson = lessons::find(&lessons, wanted)?;
    if !is_a_git_clone(&course.root) {
        // Not a mistake in the command (that would be status 2): the course is not where reset can work.
        eprintln!(
            "error: reset needs the course as a git clone, to know what the lesson was; this copy has no .git. \
             Get one with `git clone`, then copy your files over. Nothing was changed."
        );
        return Ok(1);
    }
    let label = format!("lesson-{}-{}", lesson.number, lesson.crate_name);
    let paths = [lesson.crate_path(), lesson.text_path(), lesson.timeline_path()];
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    match reset(&course.root, &paths, &label)? {
        Reset::NothingToSave => print(&format!(
            "Lesson {} ({}) is already as committed: nothing to reset.\n",
            lesson.number,
            lesson.crate_path()
        )),
        Reset::Saved(patch) => print(&format!(
            "Saved your changes to {0}, then put {1} (and {2}) back as committed.\n\
             To bring your changes back: `git apply {0}`.\n",
            patch.display(),
            lesson.crate_path(),
            lesson.text_path()
        )),
    }
    Ok(0)
}

/// Whether `root` is in a git work tree (and git is there to say so).
fn is_a_git_clone(root: &Path) -> bool {
    git(root, &["rev-parse", "--is-inside-work-tree"]).is_ok_and(|answer| answer.trim_ascii() == b"true")
}

/// Saves the changes to `paths` (folders or files, relative to `root`, a git work tree) as a patch named after
/// `label`, then puts them back as committed: changed files restored, new files removed from the index and
/// the folder.
pub fn reset(root: &Path, paths: &[&str], label: &str) -> Result<Reset, String> {
    // Changed and deleted files, and new files that were staged: everything git knows, against HEAD.
    let mut patch = git(root, &[&["diff", "--binary", "HEAD", "--"][..], paths].concat())?;
    let staged_new = names(&git(
        root,
        &[&["diff", "--cached", "--name-only", "-z", "--diff-filter=A", "HEAD", "--"][..], paths].concat(),
    )?);
    let untracked = names(&git(
        root,
        &[&["ls-files", "-z", "--others", "--exclude-standard", "--"][..], paths].concat(),
    )?);
    for file in &untracked {
        // `git diff --no-index` exits with 1 when the files differ, which here they always do.
        let mut args: Vec<&OsStr> = ["diff", "--binary", "--no-index", "/dev/null"].map(OsStr::new).to_vec();
        args.push(file);
        patch.extend(git_allowing_differences(root, &args)?);
    }
    if patch.is_empty() {
        return Ok(Reset::NothingToSave);
    }

    let saved = free_patch_path(root, label);
    std::fs::create_dir_all(root.join(SAVED_CHANGES))
        .map_err(|error| format!("cannot create {SAVED_CHANGES}/: {error}"))?;
    std::fs::write(root.join(&saved), &patch)
        .map_err(|error| format!("cannot save {}: {error}", saved.display()))?;

    // Only now that the changes are safe: new files out of the index and the folder, committed files back.
    for file in &staged_new {
        let mut args: Vec<&OsStr> = ["rm", "--cached", "--quiet", "--force", "--"].map(OsStr::new).to_vec();
        args.push(file);
        git(root, &args)?;
    }
    git(root, &[&["checkout", "HEAD", "--"][..], paths].concat())?;
    for file in staged_new.iter().chain(&untracked) {
        let path = root.join(file);
        if path.exists() {
            std::fs::remove_file(&path)
                .map_err(|error| format!("cannot remove {}: {error}", Path::new(file).display()))?;
        }
    }
    Ok(Reset::Saved(saved))
}

/// The names in git's `-z` output, which keeps every name as it is, byte for byte: accents, spaces, and
/// names that are not UTF-8 at all, which a file system allows.
fn names(output: &[u8]) -> Vec<OsString> {
    output
        .split(|&byte| byte == 0)
        .filter(|name| !name.is_empty())
        .map(|name| OsStr::from_bytes(name).into())
        .collect()
}

/// `saved-changes/<label>-1.patch`, or the first number not taken yet.
fn free_patch_path(root: &Path, label: &str) -> PathBuf {
    (1..)
        .map(|number| Path::new(SAVED_CHANGES).join(format!("{label}-{number}.patch")))
        .find(|path| !root.join(path).exists())
        .expect("some number is free")
}

/// Runs git in `root` with `args`; any failure is an error.
fn git(root: &Path, args: &[impl AsRef<OsStr>]) -> Result<Vec<u8>, String> {
    run_git(workspace::git(root).args(args), false)
}

/// Runs git in `root`, where exit status 1 means "there are differences", not a failure.
fn git_allowing_differences(root: &Path, args: &[impl AsRef<OsStr>]) -> Result<Vec<u8>, String> {
    run_git(workspace::git(root).args(args), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throwaway git repository with one committed lesson file.
    fn repository(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("xtask-reset-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("crates/lesson/src")).unwrap();
        std::fs::write(root.join("crates/lesson/src/lib.rs"), "committed\n").unwrap();
        for args in [
            &["init", "--quiet"][..],
            &["add", "."],
            &[
                "-c",
                "user.name=test",
                "-c",
                "user.email=test@example.com",
                "commit",
                "--quiet",
                "-m",
                "lesson",
            ],
        ] {
            git(&root, args).unwrap();
        }
        root
    }

    fn read(root: &Path, file: &str) -> String {
        std::fs::read_to_string(root.join(file)).unwrap()
    }

    #[test]
    fn changes_are_saved_then_undone_and_can_be_applied_again() {
        let root = repository("saved");
        std::fs::write(root.join("crates/lesson/src/lib.rs"), "my change\n").unwrap();
        std::fs::write(root.join("crates/lesson/src/mine.rs"), "my new file\n").unwrap();

        let Reset::Saved(patch) = reset(&root, &["crates/lesson"], "lesson-1").unwrap() else {
            panic!("the changes should have been saved");
        };
        assert_eq!(patch, Path::new("saved-changes/lesson-1-1.patch"));
        assert_eq!(read(&root, "crates/lesson/src/lib.rs"), "committed\n");
        assert!(!root.join("crates/lesson/src/mine.rs").exists());

        git(&root, &[OsStr::new("apply"), patch.as_os_str()]).unwrap();
        assert_eq!(read(&root, "crates/lesson/src/lib.rs"), "my change\n");
        assert_eq!(read(&root, "crates/lesson/src/mine.rs"), "my new file\n");
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// A staged new file and a name that is not ASCII: both saved, both removed, both brought back.
    #[test]
    fn staged_files_and_any_names_are_saved_and_brought_back() {
        let root = repository("names");
        std::fs::write(root.join("crates/lesson/src/staged.rs"), "staged\n").unwrap();
        git(&root, &["add", "crates/lesson/src/staged.rs"]).unwrap();
        std::fs::write(root.join("crates/lesson/src/café un.rs"), "accents\n").unwrap();

        let Reset::Saved(patch) = reset(&root, &["crates/lesson"], "lesson-1").unwrap() else {
            panic!("the changes should have been saved");
        };
        assert!(!root.join("crates/lesson/src/staged.rs").exists());
        assert!(!root.join("crates/lesson/src/café un.rs").exists());
        assert_eq!(
            git(&root, &["status", "--porcelain"]).unwrap(),
            b"?? saved-changes/\n",
            "nothing staged is left"
        );

        git(&root, &[OsStr::new("apply"), patch.as_os_str()]).unwrap();
        assert_eq!(read(&root, "crates/lesson/src/staged.rs"), "staged\n");
        assert_eq!(read(&root, "crates/lesson/src/café un.rs"), "accents\n");
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// A file whose name is not UTF-8, and whose text is not either (Latin-1): saved, removed, brought back,
    /// byte for byte.
    #[test]
    fn names_and_texts_that_are_not_utf8_are_saved_and_brought_back() {
        let root = repository("bytes");
        let name = OsStr::from_bytes(b"crates/lesson/src/caf\xe9.rs");
        std::fs::write(root.join(name), b"// caf\xe9\n").unwrap();
        std::fs::write(root.join("crates/lesson/src/lib.rs"), b"caf\xe9\n").unwrap();

        let Reset::Saved(patch) = reset(&root, &["crates/lesson"], "lesson-1").unwrap() else {
            panic!("the changes should have been saved");
        };
        assert!(!root.join(name).exists());
        assert_eq!(read(&root, "crates/lesson/src/lib.rs"), "committed\n");

        git(&root, &[OsStr::new("apply"), patch.as_os_str()]).unwrap();
        assert_eq!(std::fs::read(root.join(name)).unwrap(), b"// caf\xe9\n");
        assert_eq!(std::fs::read(root.join("crates/lesson/src/lib.rs")).unwrap(), b"caf\xe9\n");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn an_unchanged_lesson_needs_no_patch() {
        let root = repository("unchanged");
        assert_eq!(reset(&root, &["crates/lesson"], "lesson-1").unwrap(), Reset::NothingToSave);
        assert!(!root.join(SAVED_CHANGES).exists());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_second_save_does_not_overwrite_the_first() {
        let root = repository("twice");
        for change in ["first\n", "second\n"] {
            std::fs::write(root.join("crates/lesson/src/lib.rs"), change).unwrap();
            reset(&root, &["crates/lesson"], "lesson-1").unwrap();
        }
        let first = read(&root, "saved-changes/lesson-1-1.patch");
        let second = read(&root, "saved-changes/lesson-1-2.patch");
        assert!(first.contains("+first") && second.contains("+second"));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_folder_that_is_not_a_clone_is_told_apart() {
        let repository = repository("clone");
        assert!(is_a_git_clone(&repository));
        std::fs::remove_dir_all(repository.join(".git")).unwrap();
        // The temporary folder is in no repository, so git finds none above the lesson either.
        assert!(!is_a_git_clone(&repository));
        std::fs::remove_dir_all(&repository).unwrap();
    }
}
