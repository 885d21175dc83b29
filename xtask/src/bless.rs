//! `cargo xtask bless [N]`: makes what the lessons print now their new reference, on request.
//!
//! The references are the snapshots of each lesson's output (`crates/<lesson>/tests/snapshots/`), and the
//! texts and pictures generated from the code (the blocks of output in `lessons/*.md`, the timelines, the
//! README's map of lessons). A plain `cargo test` only compares them and fails with the difference; it never
//! rewrites them. Blessing runs the tests once more with leave to rewrite (`INSTA_UPDATE=always` for insta,
//! `COURSE_BLESS=1` for the texts), then says which files changed. Accepting a change means: this is what the
//! lesson should print from now on, and `cargo xtask check` will hold the lesson to it. So read `git diff`
//! first.

use std::process::Stdio;

use crate::failure::Failure;
use crate::lessons;
use crate::workspace::{Workspace, print, run_git};

/// The variable that lets the tests rewrite the generated texts and pictures (see
/// `lesson_support::testing::ensure_file_contents`).
pub const BLESS: &str = "COURSE_BLESS";

/// `cargo xtask bless [N]`.
pub fn run(wanted: Option<&str>) -> Result<u8, Failure> {
    let course = Workspace::course();
    let lessons = lessons::load(&course.root)?;
    let mut command = course.cargo();
    command.args(["test", "--quiet", "--no-fail-fast"]);
    match wanted {
        Some(wanted) => {
            let lesson = lessons::find(&lessons, wanted)?;
            command.args(["--package", &lesson.crate_name]);
        }
        None => {
            command.arg("--workspace");
        }
    }
    print("Running the tests with leave to rewrite the references...\n");
    let output = command
        .env(BLESS, "1")
        .env("INSTA_UPDATE", "always")
        .env_remove("CI")
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot start cargo: {error}"))?;
    // The first run rewrites; a second would pass. What still fails is not about the references.
    let rerun_passes = output.status.success();
    let changed = changed_files(&course)?;
    if changed.is_empty() {
        print("Nothing changed: every reference already is what the lessons print.\n");
    } else {
        print("These references changed; read them with `git diff` before you keep them:\n");
        for file in &changed {
            print(&format!("  {file}\n"));
        }
        print("To keep them: commit them. To throw them away: `git checkout -- <file>`.\n");
    }
    if !rerun_passes {
        print("Some tests fail for another reason than a reference; `cargo xtask check` says which.\n");
        return Ok(1);
    }
    Ok(0)
}

/// The files under `crates/`, `lessons/` and the README that differ from what git has.
fn changed_files(course: &Workspace) -> Result<Vec<String>, String> {
    let mut status = course.git();
    status.args([
        "status",
        "--porcelain",
        "--untracked-files=all",
        "--",
        "crates",
        "lessons",
        "README.md",
        "xtask",
    ]);
    let Ok(output) = run_git(&mut status, false) else {
        return Ok(vec!["(without git, the runner cannot tell which files changed)".to_string()]);
    };
    Ok(String::from_utf8_lossy(&output)
        .lines()
        .filter_map(|line| line.get(3..))
        .filter(|file| file.ends_with(".snap") || file.ends_with(".md") || file.ends_with(".svg"))
        .map(str::to_string)
        .collect())
}
