//! Lesson 8's behaviour, pinned down. Its runs are on threads, so no two print the same bytes: what is pinned
//! is what stays the same (the sorted view, the accounting, the exit status), and the rest is asserted as
//! properties of every run.

use lesson_support::sorted_view;
use lesson_support::testing::{Summary, check_lesson_text_of_threads, check_timeline_picture_of_threads};

/// Runs lesson 8 in this process with `args`, and returns all it prints and its exit status.
fn run(args: &[&str]) -> String {
    lesson_support::capture(threads::LESSON, threads::run, args)
}

/// The lesson's `--help`: every flag, and what it accepts.
#[test]
fn help_lists_every_flag() {
    insta::assert_snapshot!(run(&["--help"]));
}

/// The default run, as its sorted view: the jobs, what each took, what every task said, and the accounting.
#[test]
fn default_run() {
    let output = run(&[]);
    let summary = Summary::of(&output);
    let every_job = summary.is_clean() && summary.processed == 20 && summary.shut_down == (5, 5);
    assert!(every_job, "every job processed, every thread shut down:\n{output}");
    insta::assert_snapshot!(sorted_view(&output));
}

/// `--sorted` prints the sorted view itself: what `cargo xtask check 8` compares with the reference.
#[test]
fn sorted_prints_the_sorted_view() {
    assert_eq!(run(&["--sorted", "--jobs", "5"]), sorted_view(&run(&["--jobs", "5"])));
}

/// Every channel, and the bridge to async, does the same work: the same jobs, each processed once, and the
/// same accounting, in the sorted view. (How the workers stop is left out: an exercise changes it in one.)
#[test]
fn every_channel_and_the_bridge_give_the_same_run() {
    let body = |output: &str| -> String {
        let view = sorted_view(output);
        let lines = view.lines().skip(1).filter(|line| !line.to_lowercase().contains("shutting down"));
        lines.map(|line| format!("{line}\n")).collect()
    };
    let reference = body(&run(&["--jobs", "12"]));
    for flags in [
        &["--queue", "crossbeam"][..],
        &["--queue", "hand-written"],
        &["--bridge"],
        &["--queue-size", "0"],
        &["--queue", "crossbeam", "--queue-size", "0"],
        &["--queue", "hand-written", "--queue-size", "1"],
        &["--queue-size", "1"],
    ] {
        let args = [&["--jobs", "12"][..], flags].concat();
        assert_eq!(body(&run(&args)), reference, "{flags:?}");
    }
}

/// The times are in the same seconds as lesson 1's: a thread sleeps a job's time divided by the speed-up, and
/// the transcript multiplies the wall clock's time back. A sleep is never shorter than asked, so the run
/// takes at least what its busiest part needs: the producer's time to make every job, and the workers' time
/// to process them all, shared by three. (How much longer a busy machine makes it is a measurement, not a
/// promise: no test asserts it.)
#[test]
fn the_run_takes_at_least_the_time_its_jobs_need() {
    // In whole milliseconds, as the summary prints them.
    let elapsed = (Summary::of(&run(&[])).elapsed * 1000.0).round() as u128;
    let workload = lesson_support::Workload::new(1);
    let jobs: Vec<_> = (1..=20).map(|number| workload.job(number)).collect();
    let making: u128 = jobs.iter().map(|job| job.production_time.as_millis()).sum();
    let processing: u128 = jobs.iter().map(|job| job.processing_time.as_millis()).sum();
    assert!(elapsed >= making, "the run took {elapsed} ms, less than the {making} ms of making the jobs");
    assert!(
        3 * elapsed >= processing,
        "the run took {elapsed} ms, less than {processing} ms of work shared by 3"
    );
}

/// A panic ends the worker's thread: the job in its hands is lost, and `join()` hands the panic to `Main`,
/// which says so. (Compare with lesson 3, where each job's task contains its panic.)
#[test]
fn a_panic_ends_its_thread_and_join_gives_it_back() {
    let output = run(&["--panic-job", "4"]);
    let summary = Summary::of(&output);
    assert_eq!((summary.processed, summary.lost, summary.status), (19, 1, 1), "{output}");
    assert!(
        output.contains("[Main] !! A worker's thread panicked, and join() says so: it hit a bug on purpose"),
        "{output}"
    );
    assert!(output.contains("This task ended without shutting down (it panicked)"), "{output}");
}

/// Over the bridge, each job runs on tokio's blocking pool: its panic comes back as a `JoinError`, and the
/// worker task goes on.
#[test]
fn over_the_bridge_a_panic_is_contained_by_spawn_blocking() {
    let output = run(&["--bridge", "--fail-job", "3", "--panic-job", "5"]);
    let summary = Summary::of(&output);
    assert_eq!((summary.processed, summary.failed), (18, 2), "{output}");
    assert!(summary.is_clean(), "{output}");
    assert!(output.contains("Failed: process_item_5 with a panic: it hit a bug on purpose"), "{output}");
}

#[test]
fn the_bridge_and_another_queue_are_refused_in_one_line() {
    let output = run(&["--bridge", "--queue", "crossbeam"]);
    assert!(output.starts_with("error: the argument '--bridge' cannot be used with '--queue'"), "{output}");
    assert!(output.ends_with("[exit status 2]\n"), "{output}");
}

/// The clock the summary names, on each setting.
#[test]
fn the_clock_is_the_wall_clock_sped_up_unless_real_time() {
    assert!(run(&["--jobs", "2"]).contains("(wall clock sped up 50 times, seed 1)"));
    assert!(run(&["--jobs", "2", "--workers", "2", "--real-time"]).contains("(wall clock, seed 1)"));
}

/// The sweep runs once per worker count, on threads: a row each, every run clean. One worker does every job
/// in turn, so its run takes at least the sum of the jobs' times. (That ten workers are faster is a
/// measurement on the wall clock, which a busy machine can blur: the table shows it, no test asserts it.)
#[test]
fn sweep_over_workers() {
    let table = run(&["--sweep", "1,2,3,5,10"]);
    let elapsed: Vec<f64> = table
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            words.next()?.parse::<usize>().ok()?;
            words.next()?.strip_suffix('s')?.parse().ok()
        })
        .collect();
    assert_eq!(elapsed.len(), 5, "{table}");
    let workload = lesson_support::Workload::new(1);
    let work: u128 = (1..=20).map(|number| workload.job(number).processing_time.as_millis()).sum();
    let alone = (elapsed[0] * 1000.0).round() as u128;
    assert!(alone >= work, "one worker did {work} ms of work in {alone} ms:\n{table}");
    assert!(table.contains("wall clock sped up 50 times") && table.ends_with("[exit status 0]\n"), "{table}");
}

/// The timeline of a run on threads: a row per thread, the queue's depth, and the time.
#[test]
fn timeline_of_the_default_run() {
    let output = run(&["--timeline", "--quiet"]);
    for row in ["Producer  ", "Worker-1  ", "Worker-2  ", "Worker-3  ", "waiting   ", "time      "] {
        assert!(output.lines().any(|line| line.starts_with(row)), "no {row:?} row:\n{output}");
    }
}

/// Every block of output in the lesson text is a run of now, as its sorted view says.
#[test]
fn the_lesson_text_shows_the_real_output() {
    check_lesson_text_of_threads("lessons/08-threads.md", run);
}

/// The lesson text's picture is the timeline of a default run.
#[test]
fn the_lesson_text_shows_the_real_timeline() {
    check_timeline_picture_of_threads("lessons/timelines/08-threads.svg", run);
}
