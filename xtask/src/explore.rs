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

use crate::failure::Failure;
use crate::lessons::{self, Lesson};
use crate::workspace::{EXIT_USAGE, Workspace, print, run_with_limit};

/// The lessons whose queue for tasks is written by hand, and explored with shuttle.
pub const EXPLORED: [u32; 3] = [3, 4, 5];

/// The lesson whose queue for threads is written by hand, and checked with loom.
pub const UNDER_LOOM: u32 = 8;

/// The exit status of an explorer that does not compile: a run that failed (the compiler has said why).
const EXIT_DOES_NOT_BUILD: u8 = crate::failure::EXIT_FAILED;

/// How long the check lets the explorer run, build included, before it stops it.
const CHECK_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);

/// `cargo xtask explore N FLAGS…`: builds the explorer, runs it on the lesson's queue, and returns its status.
pub fn run(wanted: &str, flags: &[String]) -> Result<u8, Failure> {
    let course = Workspace::course();
    let lessons = lessons::load(&course.root)?;
    let lesson = lessons::find(&lessons, wanted)?;
    if lesson.number == UNDER_LOOM {
        return under_loom(&course, flags);
    }
    if !EXPLORED.contains(&lesson.number) {
        return Err(Failure::Usage(format!(
            "lesson {} ({}) has no hand-written queue to explore: lessons 3, 4, 5 and 8 have one",
            lesson.number, lesson.crate_name
        )));
    }
    let built = course
        .cargo()
        .args(["build", "--quiet", "--package", "explorer"])
        .status()
        .map_err(|error| format!("cannot start cargo: {error}"))?;
    if !built.success() {
        // Ctrl-C while the explorer builds stops cargo: not a queue that does not compile (`main` says so).
        if crate::interrupt::pressed() {
            return Ok(EXIT_DOES_NOT_BUILD);
        }
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

/// The command that runs lesson 8's queue under loom: the tests of `crates/threads-loom`, built with
/// `--cfg loom` in a target folder of their own (loom is compiled nowhere else, and the course's own build
/// is left alone), one test at a time so that what each says stays together. `LOOM_LOCATION` makes loom say
/// where each thread sleeps.
fn loom_tests(course: &Workspace) -> Command {
    let flags = match std::env::var("RUSTFLAGS") {
        Ok(flags) if !flags.trim().is_empty() => format!("{flags} --cfg loom"),
        _ => "--cfg loom".to_string(),
    };
    let mut command = course.cargo();
    command
        .args(["test", "--quiet", "--color", "never", "--package", "threads-loom", "--test", "queue"])
        .args(["--", "--test-threads", "1", "--nocapture"])
        .env("RUSTFLAGS", flags)
        .env("CARGO_TARGET_DIR", course.target.join("loom"))
        .env("RUST_BACKTRACE", "0")
        .env("LOOM_LOCATION", "1");
    command
}

/// How long loom may take, its build included, before it is stopped.
const LOOM_LIMIT: std::time::Duration = std::time::Duration::from_secs(600);

/// What loom said of lesson 8's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoomVerdict {
    /// Every interleaving it tried keeps every promise.
    Kept,
    /// The queue does not compile against loom: the compiler's first error.
    DoesNotBuild(String),
    /// Loom did not end within its limit.
    Stopped,
    /// An interleaving breaks a promise.
    Broken {
        /// The test, in words.
        test: String,
        /// Why, in a sentence.
        why: String,
        /// What each thread was doing when it broke, if loom said (a deadlock).
        threads: Vec<String>,
    },
}

/// Reads what the loom tests printed and how they ended.
pub fn loom_verdict(printed: &str, status: Option<u8>) -> LoomVerdict {
    match status {
        Some(0) => return LoomVerdict::Kept,
        None => return LoomVerdict::Stopped,
        Some(_) => {}
    }
    if printed.contains("error[E") || printed.contains("error: could not compile") {
        let first = printed.lines().find(|line| line.starts_with("error")).unwrap_or_default();
        return LoomVerdict::DoesNotBuild(first.to_string());
    }
    // The panic names the test's thread (`thread 'every_item_is_taken_once...' (12) panicked at`), and the
    // line after it says why. Each test says first who its threads are (`loom threads: a; b; c`).
    let lines: Vec<&str> = printed.lines().collect();
    let panicked = lines.iter().position(|line| line.starts_with("thread '") && line.contains("panicked at"));
    let test = panicked
        .and_then(|at| {
            lines[at].strip_prefix("thread '")?.split_once('\'').map(|(name, _)| name.replace('_', " "))
        })
        .unwrap_or_else(|| "a test".to_string());
    let said = panicked.and_then(|at| lines.get(at + 1)).map_or("", |line| line.trim());
    let roles: Vec<&str> = panicked
        .and_then(|at| lines[..at].iter().rev().find_map(|line| line.split("loom threads: ").nth(1)))
        .map(|roles| roles.split("; ").collect())
        .unwrap_or_default();
    match said.strip_prefix("deadlock; threads = ") {
        Some(states) => LoomVerdict::Broken {
            test,
            why: "every thread left is asleep, and none can wake another: a deadlock".to_string(),
            threads: thread_states(states, &roles),
        },
        None => LoomVerdict::Broken {
            test,
            why: if said.is_empty() { "a thread panicked".to_string() } else { said.to_string() },
            threads: Vec::new(),
        },
    }
}

/// Loom's `[(Id(0), Blocked(Location(Some(Location { file: "…", line: 48, … })))), (Id(1), Terminated)]`,
/// as one line per thread: who it is, and what it was doing.
fn thread_states(states: &str, roles: &[&str]) -> Vec<String> {
    states
        .split("(Id(")
        .skip(1)
        .filter_map(|entry| {
            let (number, state) = entry.split_once("), ")?;
            let number: usize = number.parse().ok()?;
            let role = roles.get(number).copied().unwrap_or("a thread");
            let doing = if state.starts_with("Terminated") {
                "had ended".to_string()
            } else if state.starts_with("Blocked") {
                let file = state.split("file: \"").nth(1).and_then(|rest| rest.split('"').next());
                let line = state.split("line: ").nth(1).and_then(|rest| rest.split(',').next());
                match (file, line) {
                    // `crates/threads-loom/src/../../threads/src/queue.rs` is lesson 8's own file.
                    (Some(file), Some(line)) => {
                        let file = file.replace("crates/threads-loom/src/../../", "crates/");
                        format!("was asleep, at {file}:{line}")
                    }
                    _ => "was asleep".to_string(),
                }
            } else {
                "could still run".to_string()
            };
            Some(format!("thread {number}, {role}: {doing}"))
        })
        .collect()
}

/// `cargo xtask explore 8`: lesson 8's queue under loom, every interleaving of its threads up to a bound.
fn under_loom(course: &Workspace, flags: &[String]) -> Result<u8, Failure> {
    if let Some(flag) = flags.first() {
        return Err(Failure::Usage(format!(
            "unexpected argument '{flag}': loom tries every interleaving of lesson 8's queue, and takes no flags"
        )));
    }
    print(
        "Checking lesson 8's queue (crates/threads/src/queue.rs) under loom, in every interleaving of its \
         threads with at most 2 preemptions (the first time, loom is built, in target/loom)...\n",
    );
    let scratch = course.target.join(format!("loom-{}", std::process::id()));
    let ran = run_with_limit(&mut loom_tests(course), LOOM_LIMIT, &scratch)?;
    let printed = format!("{}{}", ran.stdout, ran.stderr);
    match loom_verdict(&printed, ran.status) {
        LoomVerdict::Kept => {
            print("ok   In every interleaving loom tried, every item is taken once and every thread ends.\n");
            Ok(0)
        }
        LoomVerdict::DoesNotBuild(_) => {
            eprint!("{printed}");
            print("Loom compiles lesson 8's queue, and it did not compile: the compiler says why, above.\n");
            Ok(EXIT_DOES_NOT_BUILD)
        }
        LoomVerdict::Stopped => {
            print(&format!("Loom did not end within {} seconds, and was stopped.\n", LOOM_LIMIT.as_secs()));
            Ok(1)
        }
        LoomVerdict::Broken { test, why, threads } => {
            let mut story = format!(
                "FAIL In one interleaving of its threads, loom finds that lesson 8's queue breaks a promise, in \
                 the test `{test}`:\n     {why}.\n"
            );
            if !threads.is_empty() {
                story.push_str("     What each thread was doing then:\n");
                for thread in threads {
                    story.push_str(&format!("       {thread}\n"));
                }
            }
            story.push_str(
                "     Loom tries the interleavings in the same order every time: `cargo xtask explore 8` finds \
                 this one again.\n",
            );
            print(&story);
            Ok(1)
        }
    }
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
    let ran = run_with_limit(&mut loom_tests(workspace), LOOM_LIMIT, &scratch)?;
    let sentence = match loom_verdict(&format!("{}{}", ran.stdout, ran.stderr), ran.status) {
        LoomVerdict::Kept => return Ok(None),
        LoomVerdict::Stopped => format!("loom did not end within {} seconds", LOOM_LIMIT.as_secs()),
        LoomVerdict::DoesNotBuild(first) => {
            format!("loom cannot compile the queue, to try it in every interleaving: {first}")
        }
        LoomVerdict::Broken { test, why, .. } => {
            format!(
                "in one interleaving of its threads, loom finds that the queue breaks a promise ({test}): {why}"
            )
        }
    };
    Ok(Some((command, sentence)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadlock_under_loom_is_told_thread_by_thread() {
        let printed = "loom threads: the test's own; a producer\n\
            thread 'a_send_that_sleeps' (7) panicked at /loom/src/rt/execution.rs:215:13:\n\
            deadlock; threads = [(Id(0), Blocked(Location(Some(Location { file: \"crates/threads-loom/src/../../threads/src/queue.rs\", line: 113, column: 43 })))), (Id(1), Terminated)]\n";
        let verdict = loom_verdict(printed, Some(101));
        assert_eq!(
            verdict,
            LoomVerdict::Broken {
                test: "a send that sleeps".to_string(),
                why: "every thread left is asleep, and none can wake another: a deadlock".to_string(),
                threads: vec![
                    "thread 0, the test's own: was asleep, at crates/threads/src/queue.rs:113".to_string(),
                    "thread 1, a producer: had ended".to_string(),
                ],
            }
        );
        assert_eq!(loom_verdict("", Some(0)), LoomVerdict::Kept);
        assert_eq!(loom_verdict("", None), LoomVerdict::Stopped);
    }
}
