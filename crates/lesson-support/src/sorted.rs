//! The sorted view of a run: what stays the same from run to run of a lesson on threads or processes
//! (lessons 8 and 9).
//!
//! On tokio's simulated clock every run with the same seed prints the same bytes. Threads run on the wall
//! clock, and the operating system decides which one runs when: which worker takes which job, and the times
//! to the millisecond, change from run to run. What does not change is what the lesson is about: the jobs, what
//! each took, what every task said, and the summary's accounting. The sorted view keeps exactly that, so that
//! it can be a reference (`--sorted`, and the lesson's snapshot), and two runs can be compared:
//!
//! - the heading, as it is;
//! - every event without its time, `Worker-2` (and lesson 9's `P1/Worker-2`) written `Worker`, in the task's
//!   name and in what it says (`the lease of P1/Worker-2 ran out`), the lines sorted;
//! - the summary without the elapsed time and the waits, whose lengths vary, and with the workers it names
//!   (one that did not shut down) written `Worker` too.

/// The sorted view of `output`, a run's transcript and summary.
pub fn sorted_view(output: &str) -> String {
    let (transcript, summary) = output.split_once("--- Summary ---\n").unwrap_or((output, ""));
    let mut view = String::new();
    let mut events = Vec::new();
    for line in transcript.lines() {
        match event(line) {
            Some(event) => events.push(event),
            None if line.trim().is_empty() => {}
            None => {
                view.push_str(line);
                view.push('\n');
            }
        }
    }
    // Sorted as a person would, numbers by their value: `process_item_2` before `process_item_10`.
    events.sort_by_cached_key(|event| natural_key(event));
    for event in events {
        view.push_str(&event);
        view.push('\n');
    }
    if !summary.is_empty() {
        view.push_str("\n--- Summary ---\n");
    }
    for line in summary.lines() {
        if line.contains(" waited ") {
            continue;
        }
        if let Some((label, rest)) = line.split_once("elapsed ").filter(|_| !line.contains("(varies)")) {
            // `  elapsed       4.864s (wall clock sped up 50 times, seed 1)`: the time varies, the rest does not.
            let clock = rest.split_once(" (").map_or("", |(_, clock)| clock);
            view.push_str(&format!("{label}elapsed       (varies) ({clock}\n"));
            continue;
        }
        // `not shut down: Worker-2`: which worker's thread panicked varies.
        let line = &without_worker_numbers(line);
        // `Processed 20 jobs in 4.9 seconds with 3 workers`: the same, without the time.
        match (line.split_once(" in "), line.contains(" seconds ")) {
            (Some((before, after)), true) => {
                let after = after.split_once(" seconds ").map_or(after, |(_, after)| after);
                view.push_str(&format!("{before} {after}\n"));
            }
            _ => {
                view.push_str(line);
                view.push('\n');
            }
        }
    }
    view
}

/// The key that sorts `text` with the numbers in it by their value: its runs of digits and of other characters.
fn natural_key(text: &str) -> Vec<(String, u64)> {
    let mut key = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits > 0 {
            key.push((String::new(), rest[..digits].parse().unwrap_or(u64::MAX)));
            rest = &rest[digits..];
        } else {
            let other = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
            key.push((rest[..other].to_string(), 0));
            rest = &rest[other..];
        }
    }
    key
}

/// An event line (`   0.136s  [Worker-2] Processed: ...`) without its time, the worker's number dropped.
fn event(line: &str) -> Option<String> {
    let rest = line.trim_start();
    let (time, rest) = rest.split_once("s  [")?;
    time.parse::<f64>().ok()?;
    let (task, text) = rest.split_once("] ")?;
    // Lesson 9 names a worker with its process: `P1/Worker-2`. Which process a job goes to varies too.
    let digits = |text: &str| !text.is_empty() && text.chars().all(|c| c.is_ascii_digit());
    let worker = match task.strip_prefix('P').and_then(|rest| rest.split_once('/')) {
        Some((process, worker)) if digits(process) => worker,
        _ => task,
    };
    let task = match worker.strip_prefix("Worker-") {
        Some(number) if number.chars().all(|c| c.is_ascii_digit()) => "Worker",
        _ => task,
    };
    // Which worker a line names in its text (whose lease ran out) varies as much as which worker says it.
    let text = if text.contains("Worker-") { without_worker_numbers(text) } else { text.to_string() };
    Some(format!("[{task}] {text}"))
}

/// `text` with every worker's name (`Worker-2`, lesson 9's `P1/Worker-2`) written `Worker`.
fn without_worker_numbers(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let name = word.trim_end_matches([',', ';', '.']);
            match event(&format!("0.000s  [{name}] ")) {
                Some(task) if task == "[Worker] " => word.replacen(name, "Worker", 1),
                _ => word.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &str = "--- Producer-Consumer on OS threads (jobs 2, workers 2, queue size 10, seed 1) ---
   0.178s  [Producer] Added job: process_item_1
   0.324s  [Producer] Added job: process_item_2
   0.425s  [Worker-1] Processed: process_item_1 (took 0.24s)
   1.075s  [Worker-2] Processed: process_item_2 (took 0.75s)

--- Summary ---
Processed 2 jobs in 1.1 seconds with 2 workers
  produced      2 of 2
  elapsed       1.076s (wall clock sped up 50 times, seed 1)
  Main waited 1.000s in all for the workers to finish
Exit status 0: every job is accounted for and every task shut down.
[exit status 0]
";

    #[test]
    fn keeps_what_does_not_vary_and_sorts_the_events() {
        assert_eq!(
            sorted_view(RUN),
            "--- Producer-Consumer on OS threads (jobs 2, workers 2, queue size 10, seed 1) ---
[Producer] Added job: process_item_1
[Producer] Added job: process_item_2
[Worker] Processed: process_item_1 (took 0.24s)
[Worker] Processed: process_item_2 (took 0.75s)

--- Summary ---
Processed 2 jobs with 2 workers
  produced      2 of 2
  elapsed       (varies) (wall clock sped up 50 times, seed 1)
Exit status 0: every job is accounted for and every task shut down.
[exit status 0]
"
        );
    }

    #[test]
    fn two_runs_that_differ_only_in_times_and_workers_have_the_same_view() {
        let other = RUN
            .replace("0.425s  [Worker-1]", "0.431s  [Worker-2]")
            .replace("1.075s  [Worker-2]", "1.081s  [Worker-1]")
            .replace("1.076s", "1.090s")
            .replace("1.1 seconds", "1.2 seconds");
        assert_eq!(sorted_view(&other), sorted_view(RUN));
        // Lesson 9's workers carry their process's name, and which process takes a job varies as well.
        let in_processes = RUN.replace("[Worker-1]", "[P2/Worker-1]").replace("[Worker-2]", "[P1/Worker-2]");
        assert_eq!(sorted_view(&in_processes), sorted_view(RUN));
        assert_ne!(sorted_view(&RUN.replace("[Worker-1]", "[Px/Worker-1]")), sorted_view(RUN));
        assert_eq!(sorted_view(&sorted_view(RUN)), sorted_view(RUN), "a sorted view is its own sorted view");
        // The summary names a worker whose thread panicked: which one varies.
        let stopped = |name: &str| {
            RUN.replace(
                "Exit status 0",
                &format!("  shut down     4 of 5 tasks; not shut down: {name}\nExit status 0"),
            )
        };
        assert_eq!(sorted_view(&stopped("Worker-1")), sorted_view(&stopped("P2/Worker-3")));
        assert_ne!(sorted_view(&stopped("Worker-1")), sorted_view(&stopped("Producer")));
        // A line names another worker (lesson 9: whose lease ran out): which one varies too.
        let took_over = |from: &str| {
            RUN.replace(
                "[Worker-2] Processed",
                &format!("[Worker-2] Took over process_item_2: the lease of {from} ran out\n   1.075s  [Worker-2] Processed"),
            )
        };
        assert_eq!(sorted_view(&took_over("P1/Worker-1")), sorted_view(&took_over("P2/Worker-3")));
        assert_ne!(sorted_view(&took_over("P1/Worker-1")), sorted_view(&took_over("the Producer")));
        assert_ne!(
            sorted_view(&RUN.replace("process_item_2 (took", "process_item_3 (took")),
            sorted_view(RUN)
        );
    }
}
