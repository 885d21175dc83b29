//! Lesson 1's behaviour, pinned down: its output for the runs the lesson text talks about, and the
//! promises behind it (every job processed exactly once, the same seed gives the same bytes).
//!
//! The snapshots live in `tests/snapshots/`. Each one is a whole transcript, summary and exit status
//! included; read them as a learner would.

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
fn one_worker_takes_three_times_as_long() {
    insta::assert_snapshot!(run(&["--workers", "1"]));
}

#[test]
fn ten_workers_wait_for_the_producer() {
    insta::assert_snapshot!(run(&["--workers", "10"]));
}

#[test]
fn a_queue_of_one_makes_the_producer_wait() {
    insta::assert_snapshot!(run(&["--queue-size", "1"]));
}

#[test]
fn an_unbounded_queue_never_makes_the_producer_wait() {
    let output = run(&["--queue-size", "0"]);
    assert!(!output.contains("Queue is full"), "{output}");
    assert!(output.contains("Producer waited 0.000s in all for room in the queue"), "{output}");
    assert!(output.ends_with("[exit status 0]\n"), "{output}");
}

#[test]
fn no_jobs_still_shuts_down_cleanly() {
    insta::assert_snapshot!(run(&["--jobs", "0"]));
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

/// Reads the transcript itself, not the summary, so that it fails even if the ledger were wrong too.
#[test]
fn every_job_is_processed_exactly_once() {
    for (jobs, workers, queue_size, seed) in [(20, 3, 10, 1), (50, 1, 1, 2), (50, 10, 0, 3), (37, 4, 2, 4)] {
        let args = [
            "--jobs".to_string(),
            jobs.to_string(),
            "--workers".to_string(),
            workers.to_string(),
            "--queue-size".to_string(),
            queue_size.to_string(),
            "--seed".to_string(),
            seed.to_string(),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&args);
        for number in 1..=jobs {
            let added = format!("[Producer] Added job: process_item_{number}\n");
            let processed = format!("] Processed: process_item_{number} (");
            assert_eq!(output.matches(&added).count(), 1, "job {number} added once with {args:?}:\n{output}");
            assert_eq!(
                output.matches(&processed).count(),
                1,
                "job {number} processed once with {args:?}:\n{output}"
            );
        }
        assert_eq!(output.matches("Shutting down").count(), workers, "{output}");
        assert!(output.contains("  lost          0\n"), "{output}");
        assert!(output.ends_with("[exit status 0]\n"), "{output}");
    }
}

/// The lesson text's claim about backpressure: the queue's size changes how long the producer waits for room,
/// not how long the work takes, with one worker (the Mastery check) or three ("Alter it" 2).
#[test]
fn backpressure_slows_the_producer_not_the_work() {
    for workers in ["1", "3"] {
        let elapsed_and_wait = |queue_size: &str| {
            let output = run(&["--quiet", "--workers", workers, "--queue-size", queue_size]);
            let line = |start: &str| {
                let found = output.lines().find(|line| line.trim_start().starts_with(start));
                found.unwrap_or_else(|| panic!("no `{start}` line in:\n{output}")).to_string()
            };
            (line("elapsed"), line("Producer waited"))
        };
        let (elapsed_1, wait_1) = elapsed_and_wait("1");
        let (elapsed_10, wait_10) = elapsed_and_wait("10");
        let (elapsed_unbounded, wait_unbounded) = elapsed_and_wait("0");
        assert_eq!(elapsed_1, elapsed_10, "{workers} workers");
        assert_eq!(elapsed_10, elapsed_unbounded, "{workers} workers");
        assert!(wait_1 != wait_10, "{workers} workers: {wait_1} / {wait_10}");
        assert_eq!(wait_unbounded, "  Producer waited 0.000s in all for room in the queue");
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
        let elapsed = alone
            .lines()
            .find_map(|line| line.trim_start().strip_prefix("elapsed"))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no elapsed line in:\n{alone}"));
        let row = table
            .lines()
            .find(|line| line.split_whitespace().next() == Some(workers))
            .unwrap_or_else(|| panic!("no row for {workers} workers in:\n{table}"));
        assert_eq!(row.split_whitespace().nth(1), Some(elapsed), "{workers} workers:\n{table}\n{alone}");
    }
}
