//! `cargo xtask explore N`: a lesson's hand-written queue under thousands of orderings of its tasks.
//!
//! A lesson's run is deterministic: one seed, one ordering of its tasks. The `explorer` crate compiles the
//! lesson's own `queue.rs` against shuttle's tokio and runs small scenarios around it under many orderings,
//! as a multi-threaded runtime could produce them (see `crates/explorer/src/lib.rs`). This command builds it,
//! runs it, and shows its verdict; `cargo xtask check` runs it too, for the lessons it covers.
//!
//! Lesson 8's queue is for threads: `crates/threads-loom` compiles it against loom, whose tests try every
//! interleaving of their threads up to a bound. For lesson 8, this command runs those tests.

use std::process::Command;

use crate::lessons::{self, Lesson};
use crate::workspace::{EXIT_USAGE, Workspace, print, run_with_limit};

/// The lessons whose queue for tasks is written by hand, and explored with shuttle.
pub const EXPLORED: [u32; 3] = [3, 4, 5];

/// The lesson whose queue for threads is written by hand, and checked with loom.
pub const UNDER_LOOM: u32 = 8;

/// The exit status of an explorer that does not compile, as cargo's own.
const EXIT_DOES_NOT_BUILD: u8 = 101;

/// How long the check lets the explorer run, build included, before it stops it.
const CHECK_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);

/// `cargo xtask explore N FLAGS…`: builds the explorer, runs it on the lesson's queue, and returns its status.
pub fn run(wanted: &str, flags: &[String]) -> Result<u8, String> {
    let course = Workspace::course();
    let lessons = lessons::load(&course.root)?;
    let lesson = lessons::find(&lessons, wanted)?;
    if lesson.number == UNDER_LOOM {
        return under_loom(&course, flags);
    }
    if !EXPLORED.contains(&lesson.number) {
        return Err(format!(
            "lesson {} ({}) has no hand-written queue to explore: lessons 3, 4, 5 and 8 have one",
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

/// The command that runs lesson 8's queue under loom.
const LOOM_TESTS: [&str; 5] = ["test", "--package", "threads-loom", "--test", "queue"];

/// `cargo xtask explore 8`: lesson 8's queue under loom, every interleaving of its threads up to a bound.
fn under_loom(course: &Workspace, flags: &[String]) -> Result<u8, String> {
    if let Some(flag) = flags.first() {
        return Err(format!(
            "unexpected argument '{flag}': loom tries every interleaving of lesson 8's queue, and takes no flags"
        ));
    }
    print(
        "Checking lesson 8's queue (crates/threads/src/queue.rs) under loom, in every interleaving of its \
         threads with at most 3 preemptions (`cargo test -p threads-loom`)...\n",
    );
    let status =
        course.cargo().args(LOOM_TESTS).status().map_err(|error| format!("cannot start cargo: {error}"))?;
    Ok(crate::workspace::exit_status(status))
}

/// The explorer's program, once built.
fn program(workspace: &Workspace) -> std::path::PathBuf {
    workspace.target.join("debug").join("explorer")
}

/// For `cargo xtask check`: explores `lesson`'s queue with the default settings, quietly. Returns the broken
/// promise, if any, as the check shows it: the command that tells its story, and a sentence.
pub fn broken_promise(workspace: &Workspace, lesson: &Lesson) -> Result<Option<(String, String)>, String> {
    if lesson.number == UNDER_LOOM {
        return broken_under_loom(workspace);
    }
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

/// For `cargo xtask check 8`: runs lesson 8's queue under loom, quietly. Returns the broken promise, if any.
fn broken_under_loom(workspace: &Workspace) -> Result<Option<(String, String)>, String> {
    let command = "cargo xtask explore 8".to_string();
    let scratch = workspace.target.join(format!("loom-{}", std::process::id()));
    let mut loom = workspace.cargo();
    loom.args(LOOM_TESTS).args(["--quiet", "--color", "never"]).env("RUST_BACKTRACE", "0");
    let ran = run_with_limit(&mut loom, CHECK_LIMIT, &scratch)?;
    let printed = format!("{}{}", ran.stdout, ran.stderr);
    let sentence = match ran.status {
        Some(0) => return Ok(None),
        None => format!("loom did not end within {} seconds", CHECK_LIMIT.as_secs()),
        Some(_) if printed.contains("error[E") || printed.contains("error: could not compile") => {
            let first = printed.lines().find(|line| line.starts_with("error")).unwrap_or_default();
            format!("loom cannot compile the queue, to try it in every interleaving: {first}")
        }
        Some(_) => {
            // The panic names the test's thread (`thread 'every_item_is_taken_once...' (12) panicked at`), and
            // says why. (On a deadlock, loom then aborts the test program, before libtest can name it.)
            let test = printed
                .lines()
                .find_map(|line| {
                    line.strip_prefix("thread '")?.split_once('\'').map(|(name, _)| name.replace('_', " "))
                })
                .unwrap_or_else(|| "a test".to_string());
            let why = if printed.contains("deadlock") {
                "every thread left is asleep, and none can wake another: a deadlock".to_string()
            } else {
                printed
                    .lines()
                    .find(|line| line.contains("assertion"))
                    .unwrap_or("a thread panicked")
                    .trim()
                    .to_string()
            };
            format!(
                "in one interleaving of its threads, loom finds that the queue breaks a promise ({test}): {why}"
            )
        }
    };
    Ok(Some((command, sentence)))
}
