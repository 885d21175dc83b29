//! Lesson 2's behaviour, broken on purpose and pinned down: each snapshot records one way the pipeline
//! breaks, and the assertions below name what a learner should see in it. None of these runs can hang:
//! the watchdog ends every stuck run.

use lesson_support::testing::Summary;

/// Runs lesson 2 in this process with `args`, and returns all it prints and its exit status.
fn run(args: &[&str]) -> String {
    lesson_support::capture(broken_no_sentinel::LESSON, broken_no_sentinel::run, args)
}

// The tests every lesson has: snapshots of its --help, its sweep and its timeline, and the checks that its
// text and its picture show what it really prints.
lesson_support::common_lesson_tests!(run, "02-broken-no-sentinel");

/// The default run shows Break it 1: every job is processed, then the workers wait for ever for a message,
/// because `run` still holds a sender. The watchdog ends the run and says so.
#[test]
fn default_run() {
    let output = run(&[]);
    assert!(output.contains("The watchdog stopped the run"), "{output}");
    for worker in 1..=3 {
        assert!(
            output.contains(&format!("Worker-{worker}  waiting since")),
            "Worker-{worker} should be reported waiting:\n{output}"
        );
    }
    assert!(output.contains("Producer  shut down at"), "{output}");
    let summary = Summary::of(&output);
    assert_eq!((summary.processed, summary.lost, summary.status), (20, 0, 1), "{output}");
    insta::assert_snapshot!(output);
}

/// Break it 2: a queue of one. The producer waits for room before nearly every job, and the summary says
/// how long in all.
#[test]
fn a_queue_of_one_keeps_the_producer_waiting() {
    let output = run(&["--queue-size", "1", "--sentinels"]);
    // The lesson text says: before 9 of the 20 jobs.
    assert_eq!(output.matches("Queue is full").count(), 9, "{output}");
    let (small, default) = (Summary::of(&output), Summary::of(&run(&["--sentinels"])));
    let what = "room in the queue";
    assert!(small.waited("Producer", what) > 4.0 * default.waited("Producer", what), "{output}");
    assert!(small.is_clean(), "{output}");
    insta::assert_snapshot!(output);
}

/// Break it 3: a failing job ends its worker. The job is lost, a sentinel is left unread, and the transcript
/// says which task ended without shutting down.
#[test]
fn a_failing_job_ends_its_worker_and_is_lost() {
    let output = run(&["--sentinels", "--fail-job", "7"]);
    assert!(output.contains("!! This task ended without shutting down (it returned early"), "{output}");
    assert!(output.contains("lost          1: process_item_7\n"), "{output}");
    assert!(output.contains("1 message(s) left in the queue, unread"), "{output}");
    let summary = Summary::of(&output);
    assert_eq!((summary.processed, summary.failed, summary.lost, summary.status), (19, 0, 1, 1), "{output}");
    assert_eq!(summary.shut_down, (4, 5), "{output}");
    insta::assert_snapshot!(output);
}

/// Break it 3 with a panic: the same loss, by unwinding instead of returning.
#[test]
fn a_panicking_job_ends_its_worker_and_is_lost() {
    let output = run(&["--sentinels", "--panic-job", "7"]);
    assert!(output.contains("!! This task ended without shutting down (it panicked)"), "{output}");
    assert!(output.contains("lost          1: process_item_7\n"), "{output}");
    let summary = Summary::of(&output);
    assert_eq!((summary.processed, summary.lost, summary.status), (19, 1, 1), "{output}");
    insta::assert_snapshot!(output);
}

/// Break it 3, worst case: with a queue of one and every worker dead, the producer itself blocks for ever.
#[test]
fn enough_failures_with_a_small_queue_block_the_producer() {
    let output = run(&["--sentinels", "--queue-size", "1", "--fail-job", "2,3,4"]);
    assert!(output.contains("Producer  waiting since"), "{output}");
    assert!(output.contains("for room in the queue"), "{output}");
    let summary = Summary::of(&output);
    assert!(
        summary.produced < summary.jobs && summary.status == 1,
        "the producer never got through:\n{output}"
    );
    insta::assert_snapshot!(output);
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let args = ["--fail-job", "3", "--queue-size", "2", "--seed", "5"];
    assert_eq!(run(&args), run(&args));
}

#[test]
fn a_bad_job_number_is_refused_in_one_line() {
    assert_eq!(
        run(&["--fail-job", "0"]),
        "error: invalid value '0' for '--fail-job <N>': expected a whole number from 1 to 10000000 (see --help)\n[exit status 2]\n"
    );
}
