//! `cargo xtask explore N`: a lesson's hand-written queue under thousands of orderings of its tasks.
//!
//! A lesson's run is deterministic: one seed, one ordering of its tasks. The `explorer` crate compiles the
//! lesson's own `queue.rs` against shuttle's tokio and runs small scenarios around it under many orderings,
//! as a multi-threaded runtime could produce them (see `crates/explorer/src/lib.rs`). This command builds it,
//! runs it, and shows its verdict; `cargo xtask check` runs it too, for the lessons it covers.

use std::process::Command;

use crate::lessons::{self, Lesson};
use crate::workspace::{EXIT_USAGE, Workspace, print, run_with_limit};

/// The lessons whose queue is written by hand, and explored.
pub const EXPLORED: [u32; 3] = [3, 4, 5];

/// The exit status of an explorer that does not compile, as cargo's own.
const EXIT_DOES_NOT_BUILD: u8 = 101;

/// How long the check lets the explorer run, build included, before it stops it.
const CHECK_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);

/// `cargo xtask explore N FLAGS…`: builds the explorer, runs it on the lesson's queue, and returns its status.
pub fn run(wanted: &str, flags: &[String]) -> Result<u8, String> {
    let course = Workspace::course();
    let lessons = lessons::load(&course.root)?;
    let lesson = lessons::find(&lessons, wanted)?;
    if !EXPLORED.contains(&lesson.number) {
        return Err(format!(
            "lesson {} ({}) has no hand-written queue to explore: lessons 3, 4 and 5 have one",
            lesson.number, lesson.crate_name
        ));
    }
    let built = course
        .cargo()
        .args(["build", "--quiet", "--package", "explorer"])
        .status()
        .map_err(|error| format!("cannot start cargo: {error}"))?;
    if !built.success() {
        print(&format!(
            "The explorer compiles lesson {}'s queue against shuttle's tokio, and it did not compile: the \
             compiler says why, above.\n",
            lesson.number
        ));
        return Ok(EXIT_DOES_NOT_BUILD);
    }
    // Shuttle writes to standard error about every failing ordering it meets; the explorer tells the story
    // itself, on standard output. Standard error is shown only when it is the explorer's own word: a mistake
    // in the flags, or a crash.
    let output = Command::new(program(&course))
        .arg(lesson.number.to_string())
        .args(flags)
        .stdin(std::process::Stdio::inherit())
        .stdout(std::process::Stdio::inherit())
        .output()
        .map_err(|error| format!("cannot start the explorer: {error}"))?;
    let status = crate::workspace::exit_status(output.status);
    match status {
        0 | 1 | 130 => {}
        EXIT_USAGE => eprint!("{}", String::from_utf8_lossy(&output.stderr)),
        _ => {
            eprint!("{}", String::from_utf8_lossy(&output.stderr));
            eprintln!("error: the explorer itself ended with exit status {status}");
        }
    }
    Ok(status)
}

/// The explorer's program, once built.
fn program(workspace: &Workspace) -> std::path::PathBuf {
    workspace.target.join("debug").join("explorer")
}

/// For `cargo xtask check`: explores `lesson`'s queue with the default settings, quietly. Returns the broken
/// promise, if any, as the check shows it: the command that tells its story, and a sentence.
pub fn broken_promise(workspace: &Workspace, lesson: &Lesson) -> Result<Option<(String, String)>, String> {
    if !EXPLORED.contains(&lesson.number) {
        return Ok(None);
    }
    let command = format!("cargo xtask explore {}", lesson.number);
    let built = workspace
        .cargo()
        .args(["build", "--quiet", "--color", "never", "--package", "explorer"])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|error| format!("cannot start cargo: {error}"))?;
    if !built.status.success() {
        let compiler = String::from_utf8_lossy(&built.stderr);
        let first = compiler.lines().find(|line| line.starts_with("error")).unwrap_or("it does not compile");
        return Ok(Some((
            command,
            format!(
                "the explorer cannot compile the queue against shuttle's tokio, to try it in other orderings: {first}"
            ),
        )));
    }
    let scratch = workspace.target.join(format!("explore-{}-{}", lesson.number, std::process::id()));
    let mut explorer = Command::new(program(workspace));
    explorer.args([&lesson.number.to_string(), "--brief"]);
    let ran = run_with_limit(&mut explorer, CHECK_LIMIT, &scratch)?;
    let sentence = match ran.status {
        Some(0) => return Ok(None),
        Some(1) => {
            let line = |prefix: &str| {
                ran.stdout.lines().find_map(|line| line.strip_prefix(prefix)).unwrap_or_default().to_string()
            };
            format!(
                "in one ordering of its tasks, as a multi-threaded runtime could run them, the queue breaks a \
                 promise ({}): {}",
                line("broken: "),
                line("because: ")
            )
        }
        None => format!("the explorer did not end within {} seconds", CHECK_LIMIT.as_secs()),
        Some(status) => format!(
            "the explorer ended with exit status {status}: {}",
            ran.stderr.lines().last().unwrap_or_default()
        ),
    };
    Ok(Some((command, sentence)))
}
