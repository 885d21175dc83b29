//! `cargo xtask reset`: puts a lesson's crate back as committed, after saving the learner's changes.
//!
//! Nothing a learner wrote is thrown away: the changes go into a patch file first, under `saved-changes/`,
//! and the reset happens only once the patch is written. `git apply` brings them back.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The folder, in the workspace, where reset keeps the learner's changes. Git ignores it.
pub const SAVED_CHANGES: &str = "saved-changes";

/// What a reset did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reset {
    /// The crate was already as committed.
    NothingToSave,
    /// The changes were saved at this path, relative to the workspace, and the crate was put back.
    Saved(PathBuf),
}

/// Saves the changes to `paths` (folders or files, relative to `root`, a git work tree) as a patch named after
/// `label`, then puts them back as committed: changed files restored, new files removed.
pub fn reset(root: &Path, paths: &[&str], label: &str) -> Result<Reset, String> {
    let mut patch = git(root, &[&["diff", "--binary", "HEAD", "--"][..], paths].concat())?;
    let new_files = git(root, &[&["ls-files", "--others", "--exclude-standard", "--"][..], paths].concat())?;
    for file in new_files.lines() {
        // `git diff --no-index` exits with 1 when the files differ, which here they always do.
        patch.push_str(&git_allowing_differences(
            root,
            &["diff", "--binary", "--no-index", "/dev/null", file],
        )?);
    }
    if patch.is_empty() {
        return Ok(Reset::NothingToSave);
    }

    let saved = free_patch_path(root, label);
    std::fs::create_dir_all(root.join(SAVED_CHANGES))
        .map_err(|error| format!("cannot create {SAVED_CHANGES}/: {error}"))?;
    std::fs::write(root.join(&saved), &patch)
        .map_err(|error| format!("cannot save {}: {error}", saved.display()))?;

    // Only now that the changes are safe: restore the committed files and remove the new ones.
    git(root, &[&["checkout", "HEAD", "--"][..], paths].concat())?;
    for file in new_files.lines() {
        std::fs::remove_file(root.join(file)).map_err(|error| format!("cannot remove {file}: {error}"))?;
    }
    Ok(Reset::Saved(saved))
}

/// `saved-changes/<label>-1.patch`, or the first number not taken yet.
fn free_patch_path(root: &Path, label: &str) -> PathBuf {
    (1..)
        .map(|number| Path::new(SAVED_CHANGES).join(format!("{label}-{number}.patch")))
        .find(|path| !root.join(path).exists())
        .expect("some number is free")
}

/// Runs git in `root` and returns what it printed; any failure is an error.
fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    run_git(root, args, false)
}

/// Runs git in `root`, where exit status 1 means "there are differences", not a failure.
fn git_allowing_differences(root: &Path, args: &[&str]) -> Result<String, String> {
    run_git(root, args, true)
}

fn run_git(root: &Path, args: &[&str], one_is_success: bool) -> Result<String, String> {
    let output = Command::new("git")
        .current_dir(root)
        .args(args)
        .output()
        .map_err(|error| format!("cannot run git: {error}"))?;
    let succeeded = output.status.success() || (one_is_success && output.status.code() == Some(1));
    if !succeeded {
        let said = String::from_utf8_lossy(&output.stderr);
        return Err(format!("`git {}` failed: {}", args.join(" "), said.trim()));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| format!("`git {}` printed something that is not UTF-8", args.join(" ")))
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

    #[test]
    fn changes_are_saved_then_undone_and_can_be_applied_again() {
        let root = repository("saved");
        std::fs::write(root.join("crates/lesson/src/lib.rs"), "my change\n").unwrap();
        std::fs::write(root.join("crates/lesson/src/mine.rs"), "my new file\n").unwrap();

        let Reset::Saved(patch) = reset(&root, &["crates/lesson"], "lesson-1").unwrap() else {
            panic!("the changes should have been saved");
        };
        assert_eq!(patch, Path::new("saved-changes/lesson-1-1.patch"));
        assert_eq!(std::fs::read_to_string(root.join("crates/lesson/src/lib.rs")).unwrap(), "committed\n");
        assert!(!root.join("crates/lesson/src/mine.rs").exists());

        git(&root, &["apply", patch.to_str().unwrap()]).unwrap();
        assert_eq!(std::fs::read_to_string(root.join("crates/lesson/src/lib.rs")).unwrap(), "my change\n");
        assert_eq!(std::fs::read_to_string(root.join("crates/lesson/src/mine.rs")).unwrap(), "my new file\n");
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
        let first = std::fs::read_to_string(root.join("saved-changes/lesson-1-1.patch")).unwrap();
        let second = std::fs::read_to_string(root.join("saved-changes/lesson-1-2.patch")).unwrap();
        assert!(first.contains("+first") && second.contains("+second"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
