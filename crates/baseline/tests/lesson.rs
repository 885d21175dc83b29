//! Lesson 1's behaviour, pinned down: its output for the runs the lesson text talks about, and the
//! promises behind it (every job processed exactly once, the same seed gives the same bytes). Each test whose
//! name makes a claim asserts it, on the summary read back (`Summary`), not only on a snapshot.
//!
//! The snapshots live in `tests/snapshots/`. Each one is a whole transcript, summary and exit status
//! included; read them as a learner would.

use lesson_support::Workload;
use lesson_support::sweep::LowerBound;
use lesson_support::testing::{Summary, broken_promises, run_recorded, settings_args};

/// Runs lesson 1 in this process with `args`, and returns all it prints and its exit status.
fn run(args: &[&str]) -> String {
    lesson_support::capture(baseline::LESSON, baseline::run, args)
}

// The tests every lesson has: snapshots of its --help, its sweep and its timeline, and the checks that its
// text and its picture show what it really prints.
lesson_support::common_lesson_tests!(run, "01-baseline");

#[test]
fn default_run() {
    insta::assert_snapshot!(run(&[]));
}

#[test]
fn one_worker_takes_about_three_times_as_long() {
    let output = run(&["--workers", "1"]);
    let ratio = Summary::of(&output).elapsed / Summary::of(&run(&[])).elapsed;
    assert!((2.5..3.0).contains(&ratio), "one worker took {ratio:.2} times as long as three:\n{output}");
    insta::assert_snapshot!(output);
}

#[test]
fn ten_workers_wait_for_the_producer() {
    let output = run(&["--workers", "10"]);
    let summary = Summary::of(&output);
    // No schedule of ten workers can beat the producer's pace, and this one meets it: the producer sets it.
    let bound = LowerBound::of(&Workload::new(1), 20, 10);
    assert_eq!(bound.binding(), "the producer");
    assert!((summary.elapsed - bound.value().as_secs_f64()).abs() < 0.001, "{output}");
    let waiting = summary.waited("Workers", "the next message from the queue");
    assert!(waiting / (10.0 * summary.elapsed) > 0.3, "each waits a third of the run or more:\n{output}");
    insta::assert_snapshot!(output);
}

#[test]
fn a_queue_of_one_makes_the_producer_wait() {
    let output = run(&["--queue-size", "1"]);
    let (small, default) = (Summary::of(&output), Summary::of(&run(&[])));
    let what = "room in the queue";
    assert!(small.waited("Producer", what) > 4.0 * default.waited("Producer", what), "{output}");
    assert_eq!(small.elapsed, default.elapsed, "the work takes as long:\n{output}");
    insta::assert_snapshot!(output);
}

#[test]
fn an_unbounded_queue_never_makes_the_producer_wait() {
    let output = run(&["--queue-size", "0"]);
    let summary = Summary::of(&output);
    assert!(!output.contains("Queue is full"), "{output}");
    assert_eq!(summary.waited("Producer", "room in the queue"), 0.0, "{output}");
    assert!(summary.is_clean(), "{output}");
}

#[test]
fn no_jobs_still_shuts_down_cleanly() {
    let output = run(&["--jobs", "0"]);
    let summary = Summary::of(&output);
    assert!(summary.is_clean() && summary.shut_down == (5, 5) && summary.processed == 0, "{output}");
    insta::assert_snapshot!(output);
}

#[test]
fn another_seed_is_another_run() {
    let other = run(&["--seed", "7"]);
    assert_ne!(other, run(&[]));
    insta::assert_snapshot!(other);
}

#[test]
fn bad_values_are_refused_in_one_line() {
    for args in [&["--workers", "0"][..], &["--jobs", "abc"], &["--queue-size", "-1"], &["--seed", "x"]] {
        let output = run(args);
        let lines: Vec<&str> = output.lines().collect();
        assert_eq!(lines.len(), 2, "{args:?} gave:\n{output}");
        assert!(lines[0].starts_with("error: invalid value"), "{args:?} gave:\n{output}");
        assert!(lines[0].contains("expected a whole number from"), "{args:?} gave:\n{output}");
        assert_eq!(lines[1], "[exit status 2]");
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    for args in [&[][..], &["--workers", "7", "--queue-size", "2", "--seed", "99"]] {
        assert_eq!(run(args), run(args), "two runs with {args:?} differ");
    }
}

/// Reads what happened to each job in the run's timeline, not the summary, so that it fails even if the
/// ledger were wrong too; and not the words of the transcript, which a learner may change.
#[test]
fn every_job_is_processed_exactly_once() {
    for (jobs, workers, queue_size, seed) in [(20, 3, 10, 1), (50, 1, 1, 2), (50, 10, 0, 3), (37, 4, 2, 4)] {
        let args = settings_args(jobs, workers, queue_size, seed);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let recorded = run_recorded(baseline::LESSON, baseline::run, &args);
        let broken = broken_promises(&recorded, jobs, workers);
        assert!(broken.is_empty(), "{args:?} broke: {broken:#?}\n{}", recorded.output);
    }
}

/// The lesson text's claim about backpressure: the queue's size changes how long the producer waits for room,
/// not how long the work takes, with one worker (the Mastery check) or three ("Alter it" 2).
#[test]
fn backpressure_slows_the_producer_not_the_work() {
    for workers in ["1", "3"] {
        let elapsed_and_wait = |queue_size: &str| {
            let summary = Summary::of(&run(&["--quiet", "--workers", workers, "--queue-size", queue_size]));
            (summary.elapsed, summary.waited("Producer", "room in the queue"))
        };
        let (elapsed_1, wait_1) = elapsed_and_wait("1");
        let (elapsed_10, wait_10) = elapsed_and_wait("10");
        let (elapsed_unbounded, wait_unbounded) = elapsed_and_wait("0");
        assert_eq!(elapsed_1, elapsed_10, "{workers} workers");
        assert_eq!(elapsed_10, elapsed_unbounded, "{workers} workers");
        assert!(wait_1 > wait_10, "{workers} workers: {wait_1} / {wait_10}");
        assert_eq!(wait_unbounded, 0.0);
    }
}

/// The sweep of "Alter it 2": one table for several queue sizes on the same workload.
#[test]
fn sweep_over_queue_sizes() {
    insta::assert_snapshot!(run(&["--sweep-queue-sizes", "0,1,2,5,10"]));
}

/// A sweep is over workers or over queue sizes, not both at once.
#[test]
fn two_sweeps_at_once_are_refused_in_one_line() {
    let output = run(&["--sweep", "1,2", "--sweep-queue-sizes", "0,1"]);
    assert_eq!(output.lines().count(), 2, "{output}");
    assert!(
        output.contains("'--sweep-queue-sizes <LIST>'") && output.ends_with("[exit status 2]\n"),
        "{output}"
    );
}

/// Each row of a sweep is the same run as `--workers N` on its own.
#[test]
fn a_sweep_agrees_with_separate_runs() {
    let table = run(&["--sweep", "1,2,3,5,10"]);
    for workers in ["1", "2", "3", "5", "10"] {
        let alone = run(&["--quiet", "--workers", workers]);
        let elapsed = format!("{:.3}s", Summary::of(&alone).elapsed);
        let row = table
            .lines()
            .find(|line| line.split_whitespace().next() == Some(workers))
            .unwrap_or_else(|| panic!("no row for {workers} workers in:\n{table}"));
        assert_eq!(
            row.split_whitespace().nth(1),
            Some(elapsed.as_str()),
            "{workers} workers:\n{table}\n{alone}"
        );
    }
}
