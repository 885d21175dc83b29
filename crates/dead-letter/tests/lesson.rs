//! Lesson 5's behaviour, pinned down: retries with growing delays, poison jobs parked, nothing lost, the
//! backoff never holding a worker, and replays that recover what a transient error had parked.

use lesson_support::testing::{Summary, broken_promises, run_recorded};

/// Runs lesson 5 in this process with `args`, and returns all it prints and its exit status.
fn run(args: &[&str]) -> String {
    lesson_support::capture(dead_letter::LESSON, dead_letter::run, args)
}

// The tests every lesson has: snapshots of its --help, its sweep and its timeline, and the checks that its
// text and its picture show what it really prints.
lesson_support::common_lesson_tests!(run, "05-dead-letter");

/// The transcript's lines that contain `text`.
fn lines_with<'a>(output: &'a str, text: &str) -> Vec<&'a str> {
    output.lines().filter(|line| line.contains(text)).collect()
}

#[test]
fn default_run() {
    insta::assert_snapshot!(run(&[]));
}

/// The lesson's promise: with transient errors and a poison job, every job is accounted for, the poison job
/// is parked after its last attempt, and the run ends cleanly.
#[test]
fn poison_is_parked_and_every_job_is_accounted_for() {
    let output = run(&["--fail-rate", "0.3", "--poison", "4"]);
    assert_eq!(lines_with(&output, "Failed: process_item_4 (attempt").len(), 2, "{output}");
    assert_eq!(lines_with(&output, "Gave up: process_item_4 after 3 attempt(s)").len(), 1, "{output}");
    assert!(output.contains("  process_item_4            3"), "the report names job 4:\n{output}");
    let summary = Summary::of(&output);
    assert_eq!(summary.processed + summary.dead_lettered, 20, "{output}");
    assert!(summary.is_clean(), "{output}");
    insta::assert_snapshot!(output);
}

/// The delays before the retries of one job are 100 ms, then 200 ms, as documented.
#[test]
fn backoff_delays_double() {
    let output = run(&["--poison", "2", "--max-attempts", "4", "--fail-rate", "0"]);
    let retries: Vec<&str> = lines_with(&output, "Failed: process_item_2 (attempt")
        .into_iter()
        .map(|line| line.rsplit("retrying in ").next().unwrap())
        .collect();
    assert_eq!(retries, ["0.100s", "0.200s", "0.400s"], "{output}");
}

/// While a job waits out its delay, its worker takes other jobs: the delay is a timer's, not the worker's.
/// With one worker and a five-second delay, job 2 is done long before the delay is over.
#[test]
fn the_backoff_does_not_hold_a_worker() {
    let output =
        run(&["--workers", "1", "--jobs", "5", "--poison", "1", "--backoff-ms", "5000", "--fail-rate", "0"]);
    let time_of = |text: &str| -> f64 {
        let line =
            lines_with(&output, text).into_iter().next().unwrap_or_else(|| panic!("no `{text}`:\n{output}"));
        line.trim_start().split('s').next().unwrap().parse().unwrap()
    };
    let failed = time_of("Failed: process_item_1 (attempt 1");
    let next_job_done = time_of("[Worker-1] Processed: process_item_2");
    assert!(next_job_done < failed + 5.0, "the worker waited out the backoff:\n{output}");
}

/// A backoff longer than the watchdog's limit is not a stuck run: the timer has promised to bring the job
/// back, and the watchdog waits for it.
#[test]
fn a_long_backoff_is_not_taken_for_a_stuck_run() {
    for backoff in ["15000", "60000"] {
        let output = run(&["--backoff-ms", backoff, "--max-attempts", "4", "--quiet"]);
        let summary = Summary::of(&output);
        assert!(!output.contains("The watchdog stopped the run"), "--backoff-ms {backoff}:\n{output}");
        assert!(summary.is_clean() && summary.processed + summary.dead_lettered == 20, "{output}");
    }
}

/// `join()` waits for jobs that wait for a retry, so the queue closes only after the last one ended.
#[test]
fn join_waits_for_pending_retries() {
    let output = run(&["--fail-rate", "0.3", "--poison", "20"]);
    let joined = output.find("queue.join() returned").expect("join returned");
    let last_end = output.rfind("Processed:").max(output.rfind("Gave up:")).unwrap();
    assert!(last_end < joined, "join returned before every job had ended:\n{output}");
}

/// A replay gives parked jobs one more attempt: transient errors may recover; poison never does.
#[test]
fn a_replay_recovers_some_and_never_the_poison() {
    let output = run(&["--jobs", "10", "--fail-rate", "0.5", "--poison", "4", "--replay-dead-letters"]);
    assert!(output.contains("Still failing: process_item_4"), "{output}");
    assert!(!output.contains("Recovered: process_item_4"), "{output}");
    assert!(Summary::of(&output).is_clean(), "{output}");
    insta::assert_snapshot!(output);
}

/// Reads what happened to each job in the run's timeline, not the words of the transcript.
#[test]
fn every_job_is_accounted_for_exactly_once() {
    for (jobs, workers, args) in [
        (20, 3, &["--fail-rate", "0.5"][..]),
        (20, 1, &["--workers", "1", "--queue-size", "1", "--fail-rate", "0.4"]),
        (0, 3, &["--jobs", "0"]),
    ] {
        let recorded = run_recorded(dead_letter::LESSON, dead_letter::run, args);
        let broken = broken_promises(&recorded, jobs, workers);
        assert!(broken.is_empty(), "{args:?} broke: {broken:#?}\n{}", recorded.output);
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let args =
        ["--fail-rate", "0.4", "--poison", "3", "--queue-size", "2", "--seed", "5", "--replay-dead-letters"];
    assert_eq!(run(&args), run(&args));
}

#[test]
fn bad_values_are_refused_in_one_line() {
    for (args, expected) in [
        (&["--fail-rate", "2"][..], "expected a probability from 0 to 1"),
        (&["--poison", "21"], "expected a job number from 1 to 20"),
        (&["--max-attempts", "0"], "'--max-attempts <N>'"),
    ] {
        let output = run(args);
        assert_eq!(output.lines().count(), 2, "{args:?}:\n{output}");
        assert!(output.contains(expected), "{args:?}:\n{output}");
        assert!(output.ends_with("[exit status 2]\n"), "{args:?}:\n{output}");
    }
}
