//! Lesson 3's behaviour, pinned down: the same experiments as lesson 2, now ending cleanly, and the
//! Python lesson's bonus.

use lesson_support::testing::{Summary, broken_promises, run_recorded};

/// Runs lesson 3 in this process with `args`, and returns all it prints and its exit status.
fn run(args: &[&str]) -> String {
    lesson_support::capture(fixed_join::LESSON, fixed_join::run, args)
}

// The tests every lesson has: snapshots of its --help, its sweep and its timeline, and the checks that its
// text and its picture show what it really prints.
lesson_support::common_lesson_tests!(run, "03-fixed-join");

/// Fix it 1: the queue closes when the producer's sender is dropped; every worker shuts down by itself.
#[test]
fn default_run() {
    let output = run(&[]);
    let summary = Summary::of(&output);
    assert!(summary.is_clean() && summary.shut_down == (5, 5) && summary.processed == 20, "{output}");
    insta::assert_snapshot!(output);
}

#[test]
fn a_queue_of_one_still_slows_only_the_producer() {
    let output = run(&["--queue-size", "1"]);
    let (small, default) = (Summary::of(&output), Summary::of(&run(&[])));
    let what = "room in the queue";
    assert!(small.waited("Producer", what) > 4.0 * default.waited("Producer", what), "{output}");
    assert_eq!(small.elapsed, default.elapsed, "the work takes as long:\n{output}");
    insta::assert_snapshot!(output);
}

/// Fix it 3: a failed job is reported, and the pool goes on: processed 19, failed 1, lost 0, exit 0.
#[test]
fn a_failing_job_is_reported_and_the_pool_goes_on() {
    let output = run(&["--fail-job", "7"]);
    assert_accounted(&output, 19, 1);
    insta::assert_snapshot!(output);
}

/// Fix it 3 for a panic: the panic ends only the job's task.
#[test]
fn a_panicking_job_is_reported_and_the_pool_goes_on() {
    let output = run(&["--panic-job", "7"]);
    assert!(output.contains("Failed: process_item_7 with a panic:"), "{output}");
    assert!(!output.contains("!!"), "no task may end without shutting down:\n{output}");
    assert_accounted(&output, 19, 1);
    insta::assert_snapshot!(output);
}

/// The run that blocked lesson 2's producer for ever: here every worker survives.
#[test]
fn many_failures_with_a_small_queue_do_not_block_the_producer() {
    let output = run(&["--queue-size", "1", "--fail-job", "2,3,4", "--panic-job", "5"]);
    assert_accounted(&output, 16, 4);
    insta::assert_snapshot!(output);
}

/// The Python lesson's bonus: every job queued up front, `join()`, then the workers stopped.
#[test]
fn batch_joins_then_stops_the_workers() {
    let output = run(&["--batch", "--jobs", "10"]);
    let joined = output.find("queue.join() returned").expect("join returned");
    let last_processed = output.rfind("Processed: batch_item_").expect("jobs were processed");
    assert!(last_processed < joined, "join returned before the last job was done:\n{output}");
    assert_accounted(&output, 10, 0);
    insta::assert_snapshot!(output);
}

/// The seed lesson's bug, which `TaskDone` prevents: a failure in the batch must not make `join()` wait for
/// ever.
#[test]
fn batch_join_returns_even_when_jobs_fail() {
    let output = run(&["--batch", "--jobs", "10", "--fail-job", "2", "--panic-job", "3"]);
    assert!(output.contains("queue.join() returned"), "{output}");
    assert_accounted(&output, 8, 2);
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let args = ["--fail-job", "3", "--panic-job", "4", "--queue-size", "2", "--seed", "5"];
    assert_eq!(run(&args), run(&args));
}

/// Reads what happened to each job in the run's timeline, not the words of the transcript.
#[test]
fn every_job_is_accounted_for_exactly_once() {
    let cases = [
        (20, 1, &["--workers", "1"][..]),
        (20, 10, &["--workers", "10", "--queue-size", "0"]),
        (37, 4, &["--jobs", "37", "--workers", "4", "--queue-size", "2", "--fail-job", "5,6"]),
        (0, 3, &["--jobs", "0"]),
    ];
    for (jobs, workers, args) in cases {
        let recorded = run_recorded(fixed_join::LESSON, fixed_join::run, args);
        let broken = broken_promises(&recorded, jobs, workers);
        assert!(broken.is_empty(), "{args:?} broke: {broken:#?}\n{}", recorded.output);
    }
}

/// Asserts the summary's accounting, and a clean exit.
fn assert_accounted(output: &str, processed: usize, failed: usize) {
    let summary = Summary::of(output);
    assert_eq!((summary.processed, summary.failed), (processed, failed), "{output}");
    assert!(summary.is_clean(), "{output}");
}

#[test]
fn a_job_number_above_jobs_is_refused_in_one_line() {
    assert_eq!(
        run(&["--jobs", "5", "--panic-job", "6"]),
        "error: invalid value '6' for '--panic-job <N>': expected a job number from 1 to 5 (--jobs) (see --help)\n[exit status 2]\n"
    );
}

/// The lesson text's claim about Fix it 3: processed 8, failed 2, lost 0, exit status 0.
#[test]
fn the_fix_it_3_example_processes_eight_and_fails_two() {
    let output = run(&["--fail-job", "7", "--panic-job", "9", "--jobs", "10"]);
    assert_accounted(&output, 8, 2);
}
