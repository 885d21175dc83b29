//! `cargo xtask stress`: the tests of the wall-clock lessons (8 and 9), many times, with every core busy.
//!
//! Lessons 1 to 7 run on a simulated clock, and a busy machine cannot change what they print. Lessons 8 and 9
//! run threads, processes and a real database on the wall clock: a test of theirs that leans on a margin of
//! milliseconds passes on an idle machine and fails on a learner's laptop in the middle of a build or a video
//! call. This gate is how the course finds out before a learner does. It builds the tests once, keeps every
//! core busy with a loop of its own, runs the two lessons' tests `--runs` times, and reports how many runs
//! failed, and which tests. `RUST_BACKTRACE=1` is set, as in many learners' shells: a panic's backtrace is
//! slow to print, and a test must not depend on it being quick.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::failure::Failure;
use crate::workspace::{Workspace, print, run_with_limit};

/// The lessons on the wall clock, whose tests the gate runs: their crates.
pub const WALL_CLOCK_LESSONS: [&str; 2] = ["threads", "postgres-queue"];

/// How long one run of the tests may take before it counts as a failure (a hang).
const RUN_LIMIT: Duration = Duration::from_secs(600);

/// `cargo xtask stress [--runs N]`: returns 0 if every run passed, 1 otherwise.
pub fn run(runs: usize) -> Result<u8, Failure> {
    let course = Workspace::course();
    let packages: Vec<&str> = WALL_CLOCK_LESSONS.iter().flat_map(|name| ["--package", name]).collect();
    print("Building the tests of lessons 8 and 9...\n");
    let built = course
        .cargo()
        .args(["test", "--no-run", "--locked", "--quiet"])
        .args(&packages)
        .status()
        .map_err(|error| format!("cannot start cargo: {error}"))?;
    if !built.success() {
        print("The tests do not build: cargo says why, above.\n");
        return Ok(1);
    }

    let cores = std::thread::available_parallelism().map_or(2, |cores| cores.get());
    let load = BusyLoops::start(cores);
    print(&format!(
        "Running them {runs} times, with {cores} busy loops beside them (one per core) and RUST_BACKTRACE=1.\n"
    ));
    let folder = course.target.join("stress");
    std::fs::create_dir_all(&folder).map_err(|error| format!("cannot make {}: {error}", folder.display()))?;
    let mut failed_runs = 0;
    let mut failures_by_test: BTreeMap<String, usize> = BTreeMap::new();
    for number in 1..=runs {
        if crate::interrupt::pressed() {
            drop(load);
            return Err(Failure::Interrupted(format!(
                "Stopped by Ctrl-C after {} of {runs} runs.",
                number - 1
            )));
        }
        let started = Instant::now();
        let mut command = course.cargo();
        command
            .args(["test", "--locked", "--no-fail-fast", "--color", "never"])
            .args(&packages)
            .env("RUST_BACKTRACE", "1");
        let scratch = folder.join(format!("run-{number}"));
        let ran = run_with_limit(&mut command, RUN_LIMIT, &scratch)?;
        let seconds = started.elapsed().as_secs_f64();
        let output = format!("{}{}", ran.stdout, ran.stderr);
        let failed = failed_tests(&output);
        if ran.status == Some(0) {
            print(&format!("run {number} of {runs}: ok ({seconds:.1} s)\n"));
            continue;
        }
        failed_runs += 1;
        let kept = scratch.with_extension("txt");
        std::fs::write(&kept, &output)
            .map_err(|error| format!("cannot write {}: {error}", kept.display()))?;
        let what = match (ran.status, failed.is_empty()) {
            (None, _) => format!("stopped after {} s, still running", RUN_LIMIT.as_secs()),
            (Some(_), true) => "failed before any test failed (the output says why)".to_string(),
            (Some(_), false) => format!("failed: {}", failed.join(", ")),
        };
        print(&format!("run {number} of {runs}: {what} ({seconds:.1} s; its output: {})\n", kept.display()));
        for test in failed {
            *failures_by_test.entry(test).or_default() += 1;
        }
    }
    drop(load);

    print(&format!(
        "\n{failed_runs} of {runs} runs failed under load ({:.0} %).\n",
        100.0 * failed_runs as f64 / runs.max(1) as f64
    ));
    for (test, count) in &failures_by_test {
        print(&format!("  {test}: failed in {count} run(s)\n"));
    }
    Ok(if failed_runs == 0 { 0 } else { 1 })
}

/// The tests that cargo's output says failed: its lines `test NAME ... FAILED`.
fn failed_tests(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|line| line.strip_prefix("test ")?.strip_suffix(" ... FAILED"))
        .map(str::to_string)
        .collect()
}

/// Loops that keep the cores busy until they are dropped.
struct BusyLoops {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl BusyLoops {
    /// Starts `count` threads that spin until the loops are dropped.
    fn start(count: usize) -> BusyLoops {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..count)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                })
            })
            .collect();
        BusyLoops { stop, threads }
    }
}

impl Drop for BusyLoops {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_failed_tests_are_read_from_cargos_output() {
        let output = "running 3 tests\ntest default_run ... ok\ntest a_panic_ends_its_thread ... FAILED\n\
                      test sweep ... FAILED\ntest result: FAILED. 1 passed; 2 failed\n";
        assert_eq!(failed_tests(output), ["a_panic_ends_its_thread", "sweep"]);
        assert!(failed_tests("test result: ok. 13 passed; 0 failed\n").is_empty());
    }
}
