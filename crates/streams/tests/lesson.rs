//! Lesson 6's behaviour, pinned down: the stream's run, its order with `--ordered`, its failures contained,
//! and the claims of its text, each asserted.

use lesson_support::testing::{OUTPUT_ENDS, Summary, ensure_file_contents, refresh_blocks, workspace_file};

/// Runs lesson 6 in this process with `args`, and returns all it prints and its exit status.
fn run(args: &[&str]) -> String {
    lesson_support::capture(streams::LESSON, streams::run, args)
}

// The tests every lesson has: snapshots of its --help, its sweep and its timeline, and the checks that its
// text and its picture show what it really prints.
lesson_support::common_lesson_tests!(run, "06-streams");

/// The time of the first line of `output` that contains `text`, in seconds.
fn time_of(output: &str, text: &str) -> f64 {
    let line = output
        .lines()
        .find(|line| line.contains(text))
        .unwrap_or_else(|| panic!("no `{text}` in:\n{output}"));
    line.trim_start().split('s').next().unwrap().parse().unwrap()
}

#[test]
fn default_run() {
    let output = run(&[]);
    let summary = Summary::of(&output);
    assert!(summary.is_clean() && summary.processed == 20 && summary.shut_down == (5, 5), "{output}");
    insta::assert_snapshot!(output);
}

/// The text's claim: a job is made only when the pool has room. Job 5 is made after job 2 has ended, where
/// lesson 1's producer made it long before.
#[test]
fn a_job_is_made_only_when_the_pool_has_room() {
    let output = run(&["--jobs", "8"]);
    let (ended, made) =
        (time_of(&output, "Processed: process_item_2 "), time_of(&output, "Added job: process_item_5"));
    assert!(made > ended, "job 5 was made at {made}s, before job 2 ended at {ended}s:\n{output}");
    let queued = lesson_support::capture(baseline::LESSON, baseline::run, &["--jobs", "8"]);
    assert!(
        time_of(&queued, "Added job: process_item_5") < ended,
        "lesson 1's producer runs ahead:\n{queued}"
    );
}

/// With `--ordered`, the results are collected in the jobs' order, and a job that ends early waits for the
/// ones before it (job 4, in the text).
#[test]
fn ordered_results_come_in_the_jobs_order_and_wait_for_each_other() {
    let output = run(&["--jobs", "8", "--ordered"]);
    let collected: Vec<usize> = output
        .lines()
        .filter_map(|line| line.split("Collected: process_item_").nth(1)?.parse().ok())
        .collect();
    assert_eq!(collected, (1..=8).collect::<Vec<_>>(), "{output}");
    assert!(
        time_of(&output, "Processed: process_item_4 ") < time_of(&output, "Collected: process_item_4"),
        "{output}"
    );
    let (ordered, unordered) = (Summary::of(&output), Summary::of(&run(&["--jobs", "8"])));
    assert!(ordered.elapsed >= unordered.elapsed, "order is not free:\n{output}");
}

/// A job's error and a job's panic are reported, and the stream goes on: each job runs in a task of its own.
#[test]
fn a_failing_and_a_panicking_job_are_reported_and_the_stream_goes_on() {
    let output = run(&["--fail-job", "3", "--panic-job", "7"]);
    let summary = Summary::of(&output);
    assert_eq!((summary.processed, summary.failed), (18, 2), "{output}");
    assert!(summary.is_clean(), "{output}");
    assert!(output.contains("Failed: process_item_7 with a panic: it hit a bug on purpose"), "{output}");
}

/// `--queue-size` means nothing here, and the lesson says so rather than ignore it in silence.
#[test]
fn a_queue_size_is_said_to_have_no_meaning() {
    let output = run(&["--queue-size", "1", "--jobs", "2"]);
    assert!(output.contains("--queue-size has no meaning here"), "{output}");
    assert!(!run(&["--jobs", "2"]).contains("no meaning"));
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let args = ["--jobs", "30", "--workers", "4", "--seed", "5", "--fail-job", "3", "--ordered"];
    assert_eq!(run(&args), run(&args));
}

/// The opening line of the text's table that compares this lesson with lesson 1.
const COMPARISON_BEGINS: &str = "<!-- comparison of lessons 1 and 6";

/// The table of the text: lesson 1's queue against this lesson's stream, on the same workload.
fn comparison() -> String {
    let elapsed = |output: String| Summary::of(&output).elapsed;
    let mut table = String::from("workers   lesson 1 (a queue of 10)   lesson 6 (a stream)\n");
    for workers in ["1", "2", "3", "5", "10"] {
        let args = ["--workers", workers, "--quiet"];
        let queue = elapsed(lesson_support::capture(baseline::LESSON, baseline::run, &args));
        let stream = elapsed(run(&args));
        table.push_str(&format!(
            "{workers:>7}   {:>22}   {:>19}\n",
            format!("{queue:.3}s"),
            format!("{stream:.3}s")
        ));
    }
    table
}

/// The text's table is what the two lessons print, and it says what the text says of it: as fast with ten
/// workers, slower with fewer, one worker included.
#[test]
fn the_lesson_text_compares_the_queue_and_the_stream_truly() {
    let table = comparison();
    let rows: Vec<Vec<f64>> = table
        .lines()
        .skip(1)
        .map(|row| {
            row.split_whitespace().skip(1).map(|time| time.trim_end_matches('s').parse().unwrap()).collect()
        })
        .collect();
    let (one, ten, three) = (&rows[0], &rows[4], &rows[2]);
    assert!(ten[0] == ten[1], "ten workers: both bound by the producer:\n{table}");
    assert!(three[1] > three[0], "three workers: the stream is slower:\n{table}");
    assert!(one[1] > one[0], "one worker: the stream does not overlap making and processing:\n{table}");
    let path = "lessons/06-streams.md";
    let text = std::fs::read_to_string(workspace_file(path)).unwrap();
    let fresh = refresh_blocks(&text, COMPARISON_BEGINS, |_| table.clone()).unwrap();
    assert!(fresh.contains(OUTPUT_ENDS));
    ensure_file_contents(path, &fresh);
}
