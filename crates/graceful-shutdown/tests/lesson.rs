//! Lesson 7's behaviour, pinned down: a run that is never cancelled, a cancel that drains, one that hands the
//! queue back, a deadline that aborts, and the claims of its text, each asserted.

use lesson_support::testing::Summary;

/// Runs lesson 7 in this process with `args`, and returns all it prints and its exit status.
fn run(args: &[&str]) -> String {
    lesson_support::capture(graceful_shutdown::LESSON, graceful_shutdown::run, args)
}

// The tests every lesson has: snapshots of its --help, its sweep and its timeline, and the checks that its
// text and its picture show what it really prints.
lesson_support::common_lesson_tests!(run, "07-graceful-shutdown");

/// Each line of `output` that contains `text`, as (time in seconds, line).
fn lines_with<'a>(output: &'a str, text: &str) -> Vec<(f64, &'a str)> {
    output
        .lines()
        .filter(|line| line.contains(text))
        .map(|line| (line.trim_start().split('s').next().unwrap().parse().unwrap(), line))
        .collect()
}

/// The time of the first line of `output` that contains `text`, in seconds.
fn time_of(output: &str, text: &str) -> f64 {
    match lines_with(output, text).first() {
        Some((time, _)) => *time,
        None => panic!("no `{text}` in:\n{output}"),
    }
}

/// The numbers of the jobs named in the lines of `output` that contain `text`.
fn jobs_in_lines_with(output: &str, text: &str) -> Vec<usize> {
    lines_with(output, text)
        .iter()
        .filter_map(|(_, line)| line.split("process_item_").nth(1)?.split(' ').next()?.parse().ok())
        .collect()
}

/// The sum every run keeps, whatever stopped it: every job made ends in exactly one way.
fn assert_every_job_is_accounted_for(output: &str) {
    let summary = Summary::of(output);
    let ended = summary.processed + summary.failed + summary.returned + summary.aborted;
    assert_eq!(summary.produced, ended, "{ended} of the {} jobs made ended:\n{output}", summary.produced);
    assert!(summary.is_clean(), "the run did not end cleanly:\n{output}");
}

#[test]
fn default_run() {
    let output = run(&[]);
    let summary = Summary::of(&output);
    let every_job = summary.is_clean() && summary.processed == 20 && summary.shut_down == (6, 6);
    assert!(every_job, "a run never cancelled processes every job:\n{output}");
    assert!(!output.contains("Cancelled"), "nothing cancels the default run:\n{output}");
    insta::assert_snapshot!(output);
}

/// The text's first run: cancelled at 1.5 s, the producer stops, the jobs in hand and in the queue go on
/// until the deadline at 2.5 s, and the ones left then are aborted or handed back.
#[test]
fn a_cancel_drains_the_queue_until_the_deadline_then_aborts_the_rest() {
    let output = run(&["--cancel-at", "1.5"]);
    insta::assert_snapshot!(output);
    assert_every_job_is_accounted_for(&output);
    assert_eq!(time_of(&output, "Cancelled"), 1.5, "{output}");
    let processed_after_the_cancel =
        lines_with(&output, "Processed:").iter().filter(|(time, _)| *time > 1.5).count();
    assert!(processed_after_the_cancel > 0, "the queue is drained after the cancel:\n{output}");
    for (time, line) in lines_with(&output, "Aborted:").into_iter().chain(lines_with(&output, "Returned")) {
        assert_eq!(time, 2.5, "nothing is aborted or handed back before the deadline: {line}\n{output}");
    }
    let summary = Summary::of(&output);
    assert!(summary.aborted > 0 && summary.returned > 0 && summary.produced < 20, "all five ends:\n{output}");
    assert!(output.contains(&format!("({} never made)", 20 - summary.produced)), "{output}");
    assert_eq!(summary.elapsed, 2.5, "the run ends at the deadline:\n{output}");

    // The text's reading of this run, line by line.
    assert!(output.contains("1.500s  [Producer] Done — added 14 jobs total"), "{output}");
    let in_the_drain: Vec<usize> = lines_with(&output, "Processed:")
        .iter()
        .filter(|(time, _)| *time > 1.5)
        .filter_map(|(_, line)| line.split("process_item_").nth(1)?.split(' ').next()?.parse().ok())
        .collect();
    assert_eq!(in_the_drain, [6, 7, 5, 9], "{output}");
    assert_eq!(jobs_in_lines_with(&output, "Aborted:"), [8, 10, 11], "{output}");
    assert!(output.contains("Aborted: process_item_8 after 0.78s of its 0.82s"), "{output}");
    assert_eq!(jobs_in_lines_with(&output, "Returned unstarted"), [12, 13, 14], "{output}");
}

/// With `--on-cancel return`, the queued jobs go back at the cancel, unstarted, and only the jobs in hand
/// end: none of the returned jobs is ever processed.
#[test]
fn a_cancel_that_returns_hands_the_queue_back_at_once() {
    let output = run(&["--cancel-at", "1", "--on-cancel", "return", "--queue-size", "3"]);
    insta::assert_snapshot!(output);
    assert_every_job_is_accounted_for(&output);
    // The text's reading: the producer hands back job 8, which it held, and Main jobs 5 to 7, at the cancel.
    let returned = jobs_in_lines_with(&output, "Returned unstarted");
    assert_eq!(returned, [8, 5, 6, 7], "{output}");
    assert!(output.contains("[Producer] Returned unstarted: process_item_8 (the run was cancelled)"));
    for (time, line) in lines_with(&output, "Returned unstarted") {
        assert_eq!(time, 1.0, "handed back at the cancel, not later: {line}\n{output}");
    }
    let processed = jobs_in_lines_with(&output, "Processed:");
    assert!(
        returned.iter().all(|job| !processed.contains(job)),
        "a job handed back was processed:\n{output}"
    );
    let summary = Summary::of(&output);
    assert_eq!(summary.aborted, 0, "the jobs in hand end before the deadline:\n{output}");
    assert_eq!(
        summary.elapsed, 1.12,
        "the run ends with the last job in hand, not at the deadline:\n{output}"
    );
}

/// A second stop during the drain (`--stop-now-at`, a second Ctrl-C's twin on the simulated clock): the jobs in
/// hand are aborted then, not at the deadline, and the queued ones handed back with them; none is lost.
#[test]
fn a_second_stop_aborts_the_jobs_in_hand_and_hands_the_queue_back_at_once() {
    let output = run(&["--cancel-at", "1.5", "--stop-now-at", "1.7", "--drain-deadline", "5"]);
    insta::assert_snapshot!(output);
    assert_every_job_is_accounted_for(&output);
    assert_eq!(time_of(&output, "[Main] Stopping now: aborting the 3 jobs still in hand"), 1.7, "{output}");
    for (time, line) in lines_with(&output, "Aborted:").into_iter().chain(lines_with(&output, "Returned")) {
        assert_eq!(time, 1.7, "everything left ends at the second stop, long before the deadline: {line}");
    }
    assert_eq!(jobs_in_lines_with(&output, "Returned unstarted"), (8..=14).collect::<Vec<_>>(), "{output}");
    assert_eq!(Summary::of(&output).elapsed, 1.7, "{output}");
    // Only after a first stop, and not before it.
    assert!(run(&["--stop-now-at", "1"]).contains("--stop-now-at needs --cancel-at"));
    assert!(run(&["--cancel-at", "2", "--stop-now-at", "1"]).contains("is before --cancel-at"));
}

/// The producer makes no job after the cancel: the one it was holding when the queue was full is handed
/// back, and it says how many it added.
#[test]
fn the_producer_stops_at_the_cancel() {
    let output = run(&["--cancel-at", "1", "--queue-size", "3"]);
    assert_every_job_is_accounted_for(&output);
    let added_after = lines_with(&output, "Added job:").into_iter().filter(|(time, _)| *time > 1.0).count();
    assert_eq!(added_after, 0, "jobs were added after the cancel:\n{output}");
    assert!(
        output.contains("[Producer] Returned unstarted: process_item_8 (the run was cancelled)"),
        "{output}"
    );
    assert_eq!(time_of(&output, "[Producer] Done"), 1.0, "the producer ends at the cancel:\n{output}");
}

/// A deadline of zero is a hard stop: every job in hand is aborted at the cancel. A long one lets every
/// job made end, and aborts none.
#[test]
fn the_deadline_decides_between_a_hard_stop_and_a_full_drain() {
    let hard = run(&["--cancel-at", "1.5", "--drain-deadline", "0"]);
    assert_every_job_is_accounted_for(&hard);
    let summary = Summary::of(&hard);
    assert_eq!(summary.aborted, 3, "one job in each of the three places:\n{hard}");
    assert_eq!(summary.elapsed, 1.5, "a deadline of zero ends the run at the cancel:\n{hard}");

    let patient = run(&["--cancel-at", "1.5", "--drain-deadline", "60"]);
    assert_every_job_is_accounted_for(&patient);
    let summary = Summary::of(&patient);
    assert_eq!((summary.aborted, summary.returned), (0, 0), "a long deadline aborts nothing:\n{patient}");
    assert_eq!(summary.processed, summary.produced, "a long deadline lets every job made end:\n{patient}");
    assert!(summary.produced < 20, "the producer still stopped at the cancel:\n{patient}");
}

/// A cancel after the last job has ended changes nothing: the run is the default run.
#[test]
fn a_cancel_after_the_end_changes_nothing() {
    let late = run(&["--cancel-at", "100"]);
    let default = run(&[]);
    assert_eq!(late, default);
}

/// A job's error and a job's panic are reported as failures, before and after a cancel alike.
#[test]
fn failures_are_reported_before_and_after_the_cancel() {
    let output = run(&["--cancel-at", "1", "--fail-job", "2", "--panic-job", "4"]);
    assert_every_job_is_accounted_for(&output);
    assert!(output.contains("Failed: process_item_2 with an error"), "{output}");
    assert!(output.contains("Failed: process_item_4 with a panic: it hit a bug on purpose"), "{output}");
    assert!(time_of(&output, "Failed: process_item_2") > 1.0, "job 2 fails in the drain:\n{output}");
    assert_eq!(Summary::of(&output).failed, 2, "both failures are counted:\n{output}");
}

/// No more jobs run at once than `--workers`: the permit is taken before a job is spawned.
#[test]
fn no_more_jobs_run_at_once_than_there_are_workers() {
    for workers in ["1", "2", "5"] {
        let output =
            run(&["--workers", workers, "--jobs", "12", "--cancel-at", "2", "--drain-deadline", "0.5"]);
        assert_every_job_is_accounted_for(&output);
        let places: std::collections::BTreeSet<&str> =
            output.lines().filter_map(|line| line.split("[Worker-").nth(1)?.split(']').next()).collect();
        let cap: usize = workers.parse().unwrap();
        assert!(places.len() <= cap, "jobs ran in {places:?}, more than {cap} at once:\n{output}");
    }
}

#[test]
fn bad_seconds_are_refused_with_the_accepted_range() {
    for flag in ["--cancel-at", "--drain-deadline", "--stop-now-at"] {
        for bad in ["-1", "soon", "4000"] {
            let output = run(&[flag, bad]);
            assert!(output.contains("expected seconds from 0 to 3600"), "{flag} {bad}:\n{output}");
            assert!(output.ends_with("[exit status 2]\n"), "{output}");
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let args = ["--jobs", "30", "--workers", "4", "--seed", "5", "--fail-job", "3", "--cancel-at", "3.2"];
    assert_eq!(run(&args), run(&args));
}
