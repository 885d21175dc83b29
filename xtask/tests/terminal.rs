//! What a person sees in a terminal, tested in a real one: tmux runs the runner in a pseudo-terminal, and the
//! tests type into it (`send-keys`) and read its screen (`capture-pane`).
//!
//! A Ctrl-C typed in a terminal reaches every process of the foreground job, the runner and the lesson alike;
//! a signal sent to one process from a test is not the same thing. So these tests type Ctrl-C.
//!
//! tmux must be installed (`apt-get install tmux`); CI installs it. Each test has a tmux server of its own.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A tmux server of a test's own, with one window of 100 columns running a shell.
struct Terminal {
    socket: String,
}

impl Terminal {
    /// Starts a server named after the test, and in it a shell in the workspace.
    fn start(name: &str) -> Terminal {
        let terminal = Terminal { socket: format!("course-{name}-{}", std::process::id()) };
        let workspace = workspace();
        let started = terminal.tmux(&[
            "new-session",
            "-d",
            "-x",
            "100",
            "-y",
            "50",
            "-c",
            workspace.to_str().expect("a UTF-8 path"),
            "sh",
        ]);
        assert!(
            started.status.success(),
            "tmux could not start (is it installed? `apt-get install tmux`): {}",
            String::from_utf8_lossy(&started.stderr)
        );
        terminal
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux runs: install it with `apt-get install tmux`")
    }

    /// Types `keys` (tmux's names: `Enter`, `C-c`).
    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend_from_slice(keys);
        assert!(self.tmux(&args).status.success());
    }

    /// What the window shows now, with the lines that scrolled off.
    fn screen(&self) -> String {
        let captured = self.tmux(&["capture-pane", "-p", "-J", "-S", "-500", "-t", "0"]);
        String::from_utf8_lossy(&captured.stdout).into_owned()
    }

    /// Waits until the screen shows `text`, and returns the screen; fails after `limit`.
    fn wait_for(&self, text: &str, limit: Duration) -> String {
        self.wait_until(text, limit, |screen| screen.contains(text))
    }

    /// Waits until a line of the screen is `prefix` and an exit status, and returns the screen and the status.
    /// (The command typed shows `prefix` too, but followed by `$?`.)
    fn wait_for_status(&self, prefix: &str, limit: Duration) -> (String, u8) {
        let status_of = |screen: &str| {
            screen.lines().find_map(|line| line.trim_end().strip_prefix(prefix)?.trim().parse::<u8>().ok())
        };
        let screen = self.wait_until(prefix, limit, |screen| status_of(screen).is_some());
        let status = status_of(&screen).expect("the status was seen");
        (screen, status)
    }

    fn wait_until(&self, what: &str, limit: Duration, seen: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if seen(&screen) {
                return screen;
            }
            assert!(started.elapsed() < limit, "the terminal never showed {what:?}:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace").to_path_buf()
}

/// The runner, as the learner types it, with the cargo that runs the tests (so that it builds the lesson the
/// same way), and a line after it that shows its exit status.
fn runner(arguments: &str) -> String {
    with_cargo(std::path::Path::new(env!("CARGO")), arguments)
}

/// A cargo that never ends a build: a script named after `what`, which runs `first` (to say that it has
/// started), then waits, as a long first build would. Ctrl-C ends it.
fn slow_cargo(what: &str, first: &str) -> PathBuf {
    let script = std::env::temp_dir().join(format!("slow-cargo-{what}-{}", std::process::id()));
    std::fs::write(&script, format!("#!/bin/sh\n{first}\nsleep 600\n")).expect("the script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("mode");
    script
}

/// The runner with `arguments`, as the learner types it, with `cargo` as its cargo, and a line after it that
/// shows its exit status.
fn with_cargo(cargo: &std::path::Path, arguments: &str) -> String {
    format!(
        "CARGO='{}' '{}' {arguments}; echo \"runner exit status\" $?",
        cargo.display(),
        env!("CARGO_BIN_EXE_xtask")
    )
}

/// One Ctrl-C: the lesson stops its producer, the workers finish what was made, the summary is printed, and
/// only then does the runner end, with the lesson's status 130. The prompt does not come back before.
#[test]
fn the_first_ctrl_c_through_the_runner_gives_the_summary_and_status_130() {
    let terminal = Terminal::start("first-ctrl-c");
    terminal.send(&[&runner("lesson 1 --real-time"), "Enter"]);
    terminal.wait_for("process_item_3", Duration::from_secs(120));
    terminal.send(&["C-c"]);
    let (screen, code) = terminal.wait_for_status("runner exit status", Duration::from_secs(30));
    assert_eq!(code, 130, "{screen}");
    assert!(screen.contains("[Ctrl-C] Stopping"), "{screen}");
    let summary = screen.find("--- Summary ---").unwrap_or_else(|| panic!("no summary:\n{screen}"));
    let status = screen.find("runner exit status 130").unwrap_or_else(|| panic!("not status 130:\n{screen}"));
    assert!(summary < status, "the runner ended before the lesson's summary:\n{screen}");
    assert!(screen.contains("Exit status 130: interrupted by Ctrl-C"), "{screen}");
    let after = &screen[status..];
    assert!(!after.contains("[Worker-"), "the lesson went on writing after the runner ended:\n{screen}");
}

/// Ctrl-C while the lesson is still building: the runner says so in one line and ends with status 130, and
/// nothing runs. The build is made certain to be going on: `CARGO` is a script that says it builds, then
/// waits, as a long first build would.
#[test]
fn ctrl_c_while_the_lesson_builds_stops_with_status_130_and_one_line() {
    let terminal = Terminal::start("ctrl-c-building");
    let slow_cargo = slow_cargo("lesson", "echo 'slow cargo: building'");
    terminal.send(&[&with_cargo(&slow_cargo, "lesson 1"), "Enter"]);
    terminal.wait_for("slow cargo: building", Duration::from_secs(30));
    terminal.send(&["C-c"]);
    let (screen, code) = terminal.wait_for_status("runner exit status", Duration::from_secs(30));
    let _ = std::fs::remove_file(&slow_cargo);
    assert_eq!(code, 130, "{screen}");
    assert!(screen.contains("Stopped by Ctrl-C before lesson 1 ran."), "{screen}");
    assert!(!screen.contains("--- Producer-Consumer"), "the lesson ran:\n{screen}");
}

/// Ctrl-C while `check` works (here, while it builds: `CARGO` is a script that waits, as a long build would):
/// one line that says what was stopped, status 130, and no verdict.
#[test]
fn ctrl_c_while_checking_stops_with_status_130_and_one_line() {
    let terminal = Terminal::start("ctrl-c-checking");
    // `check` keeps cargo's output to itself: the script leaves a file to say that it has started.
    let started = std::env::temp_dir().join(format!("slow-cargo-check-{}.started", std::process::id()));
    let slow_cargo = slow_cargo("check", &format!("touch '{}'", started.display()));
    terminal.send(&[&with_cargo(&slow_cargo, "check 3"), "Enter"]);
    let waiting_since = Instant::now();
    while !started.exists() {
        assert!(
            waiting_since.elapsed() < Duration::from_secs(30),
            "check never ran cargo:\n{}",
            terminal.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    terminal.send(&["C-c"]);
    let (screen, code) = terminal.wait_for_status("runner exit status", Duration::from_secs(30));
    let _ = std::fs::remove_file(&slow_cargo);
    let _ = std::fs::remove_file(&started);
    assert_eq!(code, 130, "{screen}");
    let after_the_build: Vec<&str> = screen
        .lines()
        .skip_while(|line| !line.contains("Checking lesson 3"))
        .skip(1)
        // The terminal echoes Ctrl-C as `^C`, before the runner's line.
        .map(|line| line.trim_start_matches("^C"))
        .filter(|line| !line.trim().is_empty())
        .take_while(|line| !line.starts_with("runner exit status"))
        .collect();
    assert_eq!(after_the_build.len(), 1, "one line, not {after_the_build:?}:\n{screen}");
    assert!(after_the_build[0].starts_with("Stopped by Ctrl-C"), "{screen}");
    assert!(!screen.contains("error:") && !screen.contains("FAIL"), "{screen}");
}

/// A second Ctrl-C stops the lesson at once, and the runner with it.
#[test]
fn a_second_ctrl_c_through_the_runner_stops_at_once() {
    let terminal = Terminal::start("second-ctrl-c");
    terminal.send(&[&runner("lesson 1 --real-time"), "Enter"]);
    terminal.wait_for("process_item_3", Duration::from_secs(120));
    terminal.send(&["C-c"]);
    terminal.wait_for("[Ctrl-C] Stopping", Duration::from_secs(10));
    terminal.send(&["C-c"]);
    let (screen, code) = terminal.wait_for_status("runner exit status", Duration::from_secs(10));
    assert!(screen.contains("[Ctrl-C] Stopped at once"), "{screen}");
    assert_eq!(code, 130, "{screen}");
    assert!(!screen.contains("--- Summary ---"), "{screen}");
}

/// Lesson 7 handles Ctrl-C in its own code: the first cancels the run and starts the drain, the second aborts
/// the jobs in hand at once, and the summary still accounts for every job, with status 130.
#[test]
fn lesson_7_drains_at_the_first_ctrl_c_and_aborts_at_the_second() {
    let terminal = Terminal::start("lesson-7");
    terminal.send(&[&runner("lesson 7 --real-time --drain-deadline 60"), "Enter"]);
    terminal.wait_for("process_item_3", Duration::from_secs(120));
    terminal.send(&["C-c"]);
    terminal
        .wait_for("[Main] Cancelled: the jobs in hand and in the queue have until", Duration::from_secs(10));
    terminal.send(&["C-c"]);
    let (screen, code) = terminal.wait_for_status("runner exit status", Duration::from_secs(20));
    assert_eq!(code, 130, "{screen}");
    assert!(screen.contains("[Watch] Stopping (Ctrl-C)"), "{screen}");
    assert!(screen.contains("[Main] Stopping now: aborting the"), "{screen}");
    assert!(screen.contains("  lost          0\n"), "{screen}");
    assert!(screen.contains("Exit status 130: interrupted by Ctrl-C"), "{screen}");
    assert!(!screen.contains("[Ctrl-C]"), "the course's own handler stayed out of it:\n{screen}");
}

/// A sweep on the wall clock stops at the first Ctrl-C, with the interrupted run marked as such, and status 130.
#[test]
fn ctrl_c_stops_a_wall_clock_sweep() {
    let terminal = Terminal::start("sweep");
    let lesson = workspace().join("target/debug/baseline");
    let command =
        format!("'{}' --real-time --sweep 1,2 --jobs 6; echo \"sweep exit status $?\"", lesson.display());
    // The lesson's program is built by the tests of its crate; build it here too, in case this test runs alone.
    let built = Command::new(env!("CARGO"))
        .current_dir(workspace())
        .args(["build", "--quiet", "--package", "baseline"])
        .status()
        .expect("cargo runs");
    assert!(built.success());
    let started = Instant::now();
    terminal.send(&[&command, "Enter"]);
    std::thread::sleep(Duration::from_millis(1_500));
    terminal.send(&["C-c"]);
    let (screen, code) = terminal.wait_for_status("sweep exit status", Duration::from_secs(20));
    assert_eq!(code, 130, "{screen}");
    assert!(screen.contains("interrupted by Ctrl-C"), "the interrupted run is marked:\n{screen}");
    assert!(!screen.contains("\n      2 "), "the sweep went on to the next run:\n{screen}");
    assert!(started.elapsed() < Duration::from_secs(12), "the sweep did not stop at the first Ctrl-C");
}

/// The learner's loop, in a copy of the course: `cargo xtask watch 1` checks the lesson on every save, gives a
/// hint on `h`, recognizes each exercise from its verdict, and marks the lesson done, which `cargo xtask list`
/// then shows.
#[test]
fn watch_checks_on_every_save_and_marks_the_lesson_done() {
    let copy = std::env::temp_dir().join(format!("course-watch-{}", std::process::id()));
    xtask::exercises::fresh_copy(&workspace(), &copy).unwrap();
    // Alter it 5 blocks the runtime on purpose, and its check takes real time: it counts as done already.
    std::fs::write(copy.join(xtask::progress::FILE), "done 1 alter-it-5\n").unwrap();
    // The copy builds in the target folder of the exercises' verification, never in the course's own.
    let target = workspace().join("target/exercises/target");
    let environment = format!(
        "COURSE_ROOT='{}' CARGO_TARGET_DIR='{}' CARGO='{}'",
        copy.display(),
        target.display(),
        env!("CARGO")
    );
    let terminal = Terminal::start("watch");
    terminal.send(&[&format!("{environment} '{}' watch 1", env!("CARGO_BIN_EXE_xtask")), "Enter"]);
    // The first check builds the copy, its tests included: it may take minutes the first time.
    let passes = "keeps every promise and prints what its reference says, and its";
    terminal.wait_for(passes, Duration::from_secs(600));

    terminal.send(&["h"]);
    terminal.wait_for("hint 1 of 3:", Duration::from_secs(10));

    let lib = copy.join("crates/baseline/src/lib.rs");
    let pristine = std::fs::read_to_string(&lib).unwrap();
    for (patch, exercise) in
        [("alter-it-4", "alter-it-4"), ("mastery-one-sentinel-fewer", "mastery-one-sentinel-fewer")]
    {
        let patch = workspace().join(format!("lessons/exercises/01-baseline/{patch}.patch"));
        xtask::exercises::apply_patch(&patch, &copy).unwrap();
        terminal.wait_for(&format!("That is the exercise `{exercise}`"), Duration::from_secs(300));
        std::fs::write(&lib, &pristine).unwrap();
        terminal.wait_for(passes, Duration::from_secs(300));
    }
    terminal.wait_for("Lesson 1 is done", Duration::from_secs(10));
    terminal.send(&["q"]);

    let list =
        Command::new(env!("CARGO_BIN_EXE_xtask")).arg("list").env("COURSE_ROOT", &copy).output().unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(list.contains("✓ 1  baseline"), "{list}");
    assert!(list.contains("▸ 2  broken-no-sentinel"), "{list}");
    let _ = std::fs::remove_dir_all(&copy);
}

/// Lesson 9 in a terminal: the first Ctrl-C stops the producer and the worker processes finish the jobs made,
/// with both accounts and status 130; the second stops at once. Either way, no worker process and no
/// throwaway cluster is left behind: only the lesson's program hears the terminal's Ctrl-C, and the rest end
/// because it ended.
#[test]
fn lesson_9_stops_at_ctrl_c_and_leaves_no_process_or_cluster_behind() {
    let built = Command::new(env!("CARGO"))
        .current_dir(workspace())
        .args(["build", "--quiet", "--package", "postgres-queue"])
        .status()
        .expect("cargo runs");
    assert!(built.success());
    let lesson = workspace().join("target/debug/postgres-queue");
    let clusters = postgres_queue::server::clusters_folder();
    let leftovers = || -> Vec<String> {
        let clusters = std::fs::read_dir(&clusters).into_iter().flatten().flatten();
        // The template every cluster is a copy of stays, and so do the clusters of programs still running
        // (another test's); a cluster whose program has ended does not.
        let clusters = clusters
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| {
                name.strip_prefix("cluster-")
                    .is_some_and(|number| !std::path::Path::new("/proc").join(number).exists())
            })
            .map(|name| format!("cluster {name}"));
        // This program's worker processes, not another copy's (a stress run of the tests beside this one).
        let pattern = format!("{} worker-process", lesson.display());
        let processes = Command::new("pgrep").args(["-f", &pattern]).output();
        let processes =
            processes.map(|out| String::from_utf8_lossy(&out.stdout).into_owned()).unwrap_or_default();
        clusters.chain(processes.lines().map(|pid| format!("worker process {pid}"))).collect()
    };
    for presses in [1, 2] {
        let terminal = Terminal::start(&format!("lesson-9-{presses}"));
        let command = format!("'{}' --real-time --jobs 30; echo \"lesson exit status $?\"", lesson.display());
        terminal.send(&[&command, "Enter"]);
        terminal.wait_for("process_item_3", Duration::from_secs(60));
        for _ in 0..presses {
            terminal.send(&["C-c"]);
            std::thread::sleep(Duration::from_millis(300));
        }
        let (screen, code) = terminal.wait_for_status("lesson exit status", Duration::from_secs(30));
        assert_eq!(code, 130, "{screen}");
        if presses == 1 {
            assert!(screen.contains("Exit status 130: interrupted by Ctrl-C"), "{screen}");
            assert!(screen.contains("[Main] The database's account:"), "{screen}");
        } else {
            assert!(screen.contains("[Ctrl-C] Stopped at once: no summary."), "{screen}");
        }
        // The keeper and the worker processes end once the lesson has: give them a moment.
        let mut left = leftovers();
        for _ in 0..50 {
            if left.is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
            left = leftovers();
        }
        assert!(left.is_empty(), "left behind after {presses} Ctrl-C: {left:?}\n{screen}");
    }
}
