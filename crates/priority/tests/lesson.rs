//! Lesson 4's behaviour, pinned down: priorities overtake, ties keep their order, starvation shows, and the
//! remedy works. The queue's own promises are tested beside it, in `src/queue.rs`.

use lesson_support::testing::Summary;

/// Runs lesson 4 in this process with `args`, and returns all it prints and its exit status.
fn run(args: &[&str]) -> String {
    lesson_support::capture(priority::LESSON, priority::run, args)
}

// The tests every lesson has: snapshots of its --help, its sweep and its timeline, and the checks that its
// text and its picture show what it really prints.
lesson_support::common_lesson_tests!(run, "04-priority");

/// Job numbers with their priorities, in the order of the transcript.
type JobsInOrder = Vec<(usize, String)>;

/// The jobs in the order the producer added them, and in the order the workers processed them, each with
/// its priority.
fn added_and_processed(output: &str) -> (JobsInOrder, JobsInOrder) {
    let parse = |marker: &str| {
        output
            .lines()
            .filter_map(|line| {
                let rest = line.split(marker).nth(1)?;
                let number = rest.strip_prefix("process_item_")?.split(' ').next()?.parse().ok()?;
                let priority = rest.split('[').nth(1)?.split(']').next()?.to_string();
                Some((number, priority))
            })
            .collect::<Vec<_>>()
    };
    (parse("Added job: "), parse("Processed: "))
}

#[test]
fn default_run() {
    let output = run(&[]);
    let (added, processed) = added_and_processed(&output);
    assert_eq!(added.len(), 20, "{output}");
    assert_eq!(processed.len(), 20, "{output}");
    // Overtaking: some high-priority job is processed before a normal one that was added before it.
    let position = |number: usize| processed.iter().position(|(done, _)| *done == number).unwrap();
    let overtakes = added.iter().enumerate().any(|(index, (high, priority))| {
        priority == "high"
            && added[..index]
                .iter()
                .any(|(normal, other)| other == "normal" && position(*high) < position(*normal))
    });
    assert!(overtakes, "no high-priority job overtook a normal one:\n{output}");
    assert!(output.contains("Time in the queue, by priority:"), "{output}");
    assert!(output.ends_with("[exit status 0]\n"), "{output}");
    insta::assert_snapshot!(output);
}

/// Ties are served in arrival order: among the jobs of one priority, the workers start them in the order
/// they were added. (They may finish out of order, since jobs take different times; the line that shows a
/// job is its end, so this looks at the order of the starts: end minus processing time.)
#[test]
fn equal_priorities_start_in_arrival_order() {
    let output = run(&["--jobs", "60", "--workers", "2"]);
    let mut starts: Vec<(f64, String, usize)> = output
        .lines()
        .filter(|line| line.contains("Processed: process_item_"))
        .map(|line| {
            let ended: f64 = line.trim_start().split('s').next().unwrap().parse().unwrap();
            let took: f64 = line.split("(took ").nth(1).unwrap().split('s').next().unwrap().parse().unwrap();
            let number: usize =
                line.split("process_item_").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
            let priority = line.split('[').nth(1).unwrap().split(']').next().unwrap().to_string();
            (ended - took, priority, number)
        })
        .collect();
    starts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
    for priority in ["high", "normal", "low"] {
        let numbers: Vec<usize> =
            starts.iter().filter(|(_, p, _)| p == priority).map(|(_, _, n)| *n).collect();
        let mut sorted = numbers.clone();
        sorted.sort();
        assert_eq!(numbers, sorted, "{priority} jobs started out of arrival order:\n{output}");
    }
}

/// The flags of a flood of high-priority jobs.
const FLOOD: [&str; 7] = ["--jobs", "60", "--high-percent", "60", "--low-percent", "20", "--quiet"];

/// The mean and the longest wait of the jobs of `priority`, in seconds, from the table at the end of a run.
fn waits(output: &str, priority: &str) -> (f64, f64) {
    let line = output
        .lines()
        .find(|line| line.trim_start().starts_with(priority))
        .unwrap_or_else(|| panic!("no {priority} line in:\n{output}"));
    let seconds: Vec<f64> =
        line.split_whitespace().filter_map(|word| word.strip_suffix('s')?.parse().ok()).collect();
    (seconds[0], seconds[1])
}

/// A flood of high-priority jobs starves the low ones: they wait, on average, many times longer.
#[test]
fn a_flood_of_high_priority_jobs_starves_the_low_ones() {
    let output = run(&FLOOD);
    let (high, low) = (waits(&output, "high"), waits(&output, "low"));
    assert!(low.0 > 10.0 * high.0, "low {low:?} against high {high:?}:\n{output}");
    insta::assert_snapshot!(output);
}

/// The remedy: every third job taken is the oldest waiting, and the low jobs' longest wait is cut by half or
/// more.
#[test]
fn taking_the_oldest_every_third_time_halves_the_low_jobs_longest_wait() {
    let output = run(&[&FLOOD[..], &["--oldest-every", "3"]].concat());
    let (before, after) = (waits(&run(&FLOOD), "low"), waits(&output, "low"));
    assert!(after.1 < before.1 / 2.0, "longest wait {} before, {} after:\n{output}", before.1, after.1);
    insta::assert_snapshot!(output);
}

#[test]
fn failures_are_contained_as_in_lesson_3() {
    let output = run(&["--fail-job", "3", "--panic-job", "4"]);
    let summary = Summary::of(&output);
    assert!(summary.failed == 2 && summary.is_clean(), "{output}");
}

#[test]
fn shares_above_a_hundred_percent_are_refused_in_one_line() {
    assert_eq!(
        run(&["--high-percent", "80", "--low-percent", "30"]),
        "error: invalid value '30' for '--low-percent <PERCENT>': with --high-percent 80, expected at most 20 (see --help)\n[exit status 2]\n"
    );
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let args = ["--jobs", "40", "--oldest-every", "2", "--queue-size", "3", "--seed", "5"];
    assert_eq!(run(&args), run(&args));
}

/// The lesson text's claim about the remedy: with every third job taken the oldest, the low jobs' longest
/// wait drops, and the high jobs pay for it with a longer mean wait.
#[test]
fn the_remedy_shortens_the_low_jobs_longest_wait_at_the_high_jobs_cost() {
    let remedy = [&FLOOD[..], &["--oldest-every", "3"]].concat();
    let (before, after) = (run(&FLOOD), run(&remedy));
    assert!(waits(&after, "low").1 < waits(&before, "low").1, "{before}\n{after}");
    assert!(waits(&after, "high").0 > waits(&before, "high").0, "{before}\n{after}");
}
