//! The end of every run: the watchdog's report if it stopped the run, then the accounting summary and the
//! exit status.
//!
//! What each exit status means is in `exit`.

use std::time::Duration;

use crate::activity::Activity;
use crate::clock::Seconds;
use crate::exit::{EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_SUCCESS};
use crate::harness::{Harness, Record};
use crate::report::RunEnd;
use crate::settings::Settings;
use crate::watchdog::Stall;

/// How many names a list in the summary shows before it says "and N more".
const NAMES_SHOWN: usize = 6;

/// Writes the watchdog's report (if it stopped the run) and the summary to the transcript, and returns the
/// exit status. Each part is a function of its own, below, in the order the summary shows them.
pub fn conclude(harness: &Harness, stall: Option<&Stall>) -> u8 {
    let settings = harness.settings().clone();
    let elapsed = match stall {
        Some(stall) => stall.stopped_at,
        None => harness.elapsed(),
    };
    let mut record = harness.record();
    // What went wrong outside the accounting: a file that could not be written, a panic nobody caught.
    let mut errors = Vec::new();
    if let Some(panic) = crate::exit::take_unexpected_panic() {
        errors.push(format!("a task panicked: {panic}"));
    }
    errors.append(&mut record.errors);

    let mut lines = Vec::new();
    if let Some(stall) = stall {
        lines.extend(watchdog_lines(stall, &record, settings.jobs));
    }
    lines.extend(timeline_lines(&record, &settings, elapsed, &mut errors));
    let accounting = accounting(&record, &settings, stall, elapsed);
    lines.extend(accounting.lines);
    lines.extend(waiting_lines(&record, elapsed));
    let problems = problems(&record, stall, accounting.lost, &errors);
    let (exit_line, status) =
        exit_line(harness.is_interrupted(), accounting.never_made, settings.jobs, problems);
    lines.push(exit_line);

    for line in lines {
        record.transcript.note(&line);
    }
    record.concluded = true;
    // The summary's status line may not have reached anyone: standard error says why, and the status is not 0.
    if let Some(failure) = record.transcript.failure() {
        let never_made = settings.jobs.saturating_sub(harness.jobs_made());
        errors.push(match never_made {
            0 => failure.to_string(),
            _ => format!(
                "{failure}; the run stopped making jobs then ({never_made} of {} never made)",
                settings.jobs
            ),
        });
    }
    let status = if errors.is_empty() { status } else { status.max(EXIT_FAILURE) };

    if let (Some(report), Some(path)) = (record.report.take(), &settings.report) {
        let end = RunEnd {
            tasks: record.tasks.iter().map(|task| (task.name.as_str(), task.activity)).collect(),
            jobs: settings.jobs,
            jobs_made: harness.jobs_made(),
            stall: stall.map(|stall| (stall.last_event, stall.stopped_at, stall.too_long)),
            mistakes: record.ledger.mistakes(),
            errors: &errors,
            status,
        };
        if let Err(error) = std::fs::write(path, report.conclude(&end)) {
            errors.push(format!("cannot write the report to {}: {error}", path.display()));
        }
    }
    // Said on standard error as well, where a script looks for errors, and in one line each.
    for error in &errors {
        eprintln!("error: {error}");
    }
    if errors.is_empty() { status } else { status.max(EXIT_FAILURE) }
}

/// The watchdog's report, for a run it stopped: why, and who waits on what.
fn watchdog_lines(stall: &Stall, record: &Record, jobs: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    lines.push(match stall.too_long {
        false => format!(
            "The watchdog stopped the run at {}: nothing had happened since {}, and nothing could.",
            Seconds(stall.stopped_at),
            Seconds(stall.last_event),
        ),
        true => format!(
            "The watchdog stopped the run at {}: a run of {} would have ended long before, and this one \
             was still going (a job retried for ever?).",
            Seconds(stall.stopped_at),
            count(jobs, "job", "jobs"),
        ),
    });
    lines.push("Who waits on what:".to_string());
    let width = record.tasks.iter().map(|task| task.name.len()).max().unwrap_or(0);
    for task in &record.tasks {
        lines.push(format!("  {:<width$}  {}", task.name, task.activity.describe()));
    }
    lines
}

/// The timeline, if it was recorded: drawn in the transcript with `--timeline`, and written as a picture with
/// `--timeline-svg` (a file that cannot be written is one of `errors`).
fn timeline_lines(
    record: &Record,
    settings: &Settings,
    elapsed: Duration,
    errors: &mut Vec<String>,
) -> Vec<String> {
    let Some(timeline) = &record.timeline else {
        return Vec::new();
    };
    // A wait that has not ended (the run was stuck) lasts, for the chart, until the end of the run.
    let mut timeline = timeline.clone();
    for (row, task) in timeline.rows.iter_mut().zip(&record.tasks) {
        if let Activity::Waiting { since, .. } = task.activity {
            row.waits.push((since, elapsed));
        }
    }
    let mut lines = Vec::new();
    if settings.timeline {
        lines.push(String::new());
        lines.extend(
            timeline.render_text(elapsed, record.transcript.is_terminal()).lines().map(str::to_string),
        );
    }
    if let Some(path) = &settings.timeline_svg {
        let title = format!(
            "Timeline: jobs {}, workers {}, queue size {}, seed {}",
            settings.jobs, settings.workers, settings.queue_size, settings.seed
        );
        if let Err(error) = std::fs::write(path, timeline.render_svg(elapsed, &title)) {
            errors.push(format!("cannot write the timeline to {}: {error}", path.display()));
        }
    }
    lines
}

/// The summary's accounting, and the two counts the exit status needs.
struct Accounting {
    /// The heading, the first line, and the table: produced, processed, failed, lost, the sum, the time.
    lines: Vec<String>,
    /// How many jobs were made and never ended.
    lost: usize,
    /// How many jobs were never made (the run was stopped, or the producer was stuck).
    never_made: usize,
}

/// The summary's heading and its table: every job produced, and how it ended; the sum that must hold.
fn accounting(record: &Record, settings: &Settings, stall: Option<&Stall>, elapsed: Duration) -> Accounting {
    let mut lines = Vec::new();
    let ledger = &record.ledger;
    lines.push(String::new());
    lines.push("--- Summary ---".to_string());
    let headline = if stall.is_some() { "Stopped after" } else { "Processed" };
    lines.push(match stall {
        None => format!(
            "{headline} {} in {:.1} seconds with {}",
            count(ledger.processed, "job", "jobs"),
            elapsed.as_secs_f64(),
            count(settings.workers, "worker", "workers"),
        ),
        Some(_) => format!(
            "{headline} {:.1} seconds with {}, {} processed",
            elapsed.as_secs_f64(),
            count(settings.workers, "worker", "workers"),
            count(ledger.processed, "job", "jobs"),
        ),
    });
    let lost: Vec<String> = ledger.unfinished().iter().map(ToString::to_string).collect();
    let lost: Vec<&str> = lost.iter().map(String::as_str).collect();
    let (shut_down, not_shut_down): (Vec<_>, Vec<_>) =
        record.tasks.iter().partition(|task| matches!(task.activity, Activity::ShutDown { .. }));
    let not_shut_down: Vec<&str> = not_shut_down.iter().map(|task| task.name.as_str()).collect();
    // A job that was never made (the run was stopped, or the producer was stuck) is not lost: it is named.
    let never_made = settings.jobs.saturating_sub(ledger.produced);
    let never_made_note = if never_made > 0 { format!(" ({never_made} never made)") } else { String::new() };
    // A run of workers only makes no job: it counts those its workers took from the queue another program fills.
    let (came, produced) = match settings.jobs_from_elsewhere {
        false => ("produced", format!("{} of {}{never_made_note}", ledger.produced, settings.jobs)),
        true => ("taken", format!("{} from the queue of the program that makes them", ledger.produced)),
    };
    let mut table = vec![
        (came, produced),
        ("processed", ledger.processed.to_string()),
        ("failed", ledger.failed.to_string()),
    ];
    // The ends that only some lessons have are shown only when a job had one.
    let rare_ends =
        [("dead-lettered", ledger.dead_lettered), ("returned", ledger.returned), ("aborted", ledger.aborted)];
    for (end, count) in rare_ends {
        if count > 0 {
            table.push((end, count.to_string()));
        }
    }
    table.push(("lost", format!("{}{}", lost.len(), listed(": ", &lost))));
    // The sum that must always hold: every job produced ended one way or another, or is counted as lost.
    let rare: String = rare_ends
        .iter()
        .filter(|(_, count)| *count > 0)
        .map(|(end, count)| format!(" + {count} {end}"))
        .collect();
    table.push((
        "accounted",
        format!(
            "{} {came} = {} processed + {} failed{rare} + {} lost",
            ledger.produced,
            ledger.processed,
            ledger.failed,
            lost.len()
        ),
    ));
    table.push((
        "elapsed",
        format!("{} ({}, seed {})", Seconds(elapsed), settings.clock_name(), settings.seed),
    ));
    table.push((
        "shut down",
        format!(
            "{} of {} tasks{}",
            shut_down.len(),
            record.tasks.len(),
            listed("; not shut down: ", &not_shut_down)
        ),
    ));
    for (label, value) in table {
        lines.push(format!("  {label:<14}{value}"));
    }
    Accounting { lines, lost: lost.len(), never_made }
}

/// What went wrong, each in a few words, for the last line: the watchdog's stop, jobs lost, tasks that did not
/// shut down, the ledger's mistakes, and `errors`.
fn problems(record: &Record, stall: Option<&Stall>, lost: usize, errors: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(stall) = stall {
        problems.push(match stall.too_long {
            false => "the watchdog had to stop a run that could not finish".to_string(),
            true => "the watchdog had to stop a run that would not end".to_string(),
        });
    }
    if lost > 0 {
        problems.push(format!("{} lost", count(lost, "job was", "jobs were")));
    }
    let stopped =
        record.tasks.iter().filter(|task| matches!(task.activity, Activity::Stopped { .. })).count();
    if stopped > 0 {
        problems.push(format!("{} without shutting down", count(stopped, "task stopped", "tasks stopped")));
    }
    problems.extend(record.ledger.mistakes().iter().map(|mistake| format!("ledger mistake: {mistake}")));
    problems.extend(errors.iter().cloned());
    problems
}

/// The last line, `Exit status N: why.`, and the status.
fn exit_line(interrupted: bool, never_made: usize, jobs: usize, mut problems: Vec<String>) -> (String, u8) {
    if interrupted {
        problems.insert(0, format!("interrupted by Ctrl-C: {never_made} of {jobs} jobs were never made"));
        (format!("Exit status {EXIT_INTERRUPTED}: {}.", problems.join("; ")), EXIT_INTERRUPTED)
    } else if problems.is_empty() {
        (
            format!("Exit status {EXIT_SUCCESS}: every job is accounted for and every task shut down."),
            EXIT_SUCCESS,
        )
    } else {
        (format!("Exit status {EXIT_FAILURE}: {}.", problems.join("; ")), EXIT_FAILURE)
    }
}

/// The summary's lines on waiting: for each kind of task (the part of its name before a `-`, so `Worker`
/// for `Worker-1`), how long it waited in all for each thing it waited for, up to `elapsed`. A wait that never
/// ended (the run was stuck) counts up to the end of the run. Kinds come in the order their first task
/// registered, and within a kind, waits in the order they first happened.
fn waiting_lines(record: &Record, elapsed: Duration) -> Vec<String> {
    struct Total<'a> {
        kind: &'a str,
        what: &'a str,
        waited: Duration,
        tasks: u32,
    }
    let mut totals: Vec<Total> = Vec::new();
    for task in &record.tasks {
        let kind = kind_of(&task.name);
        let mut waits: Vec<(&str, Duration)> = task.waited.clone();
        if let Activity::Waiting { what, since } = &task.activity {
            let waited = elapsed.saturating_sub(*since);
            match waits.iter_mut().find(|(known, _)| known == what) {
                Some((_, total)) => *total += waited,
                None => waits.push((what, waited)),
            }
        }
        for (what, waited) in waits {
            match totals.iter_mut().find(|total| total.kind == kind && total.what == what) {
                Some(total) => {
                    total.waited += waited;
                    total.tasks += 1;
                }
                None => totals.push(Total { kind, what, waited, tasks: 1 }),
            }
        }
    }
    // A stable sort keeps the order of first waits within each kind.
    totals.sort_by_key(|total| record.tasks.iter().position(|task| kind_of(&task.name) == total.kind));
    totals
        .into_iter()
        .map(|Total { kind, what, waited, tasks }| {
            if tasks == 1 {
                format!("  {kind} waited {} in all for {what}", Seconds(waited))
            } else {
                format!(
                    "  {kind}s waited {} in all for {what} ({tasks} of them, {} each on average)",
                    Seconds(waited),
                    Seconds(waited / tasks)
                )
            }
        })
        .collect()
}

/// The kind of a task: the part of its name before a `-`, so `Worker` for `Worker-1`.
fn kind_of(name: &str) -> &str {
    name.split('-').next().unwrap_or(name)
}

/// `prefix` and the names, the first few of them, or nothing when there are none.
fn listed(prefix: &str, names: &[&str]) -> String {
    if names.is_empty() {
        return String::new();
    }
    let shown = names[..names.len().min(NAMES_SHOWN)].join(", ");
    let more = names.len().saturating_sub(NAMES_SHOWN);
    if more > 0 { format!("{prefix}{shown} and {more} more") } else { format!("{prefix}{shown}") }
}

/// "1 job was" or "3 jobs were".
fn count(number: usize, one: &str, many: &str) -> String {
    if number == 1 { format!("1 {one}") } else { format!("{number} {many}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_are_cut_short() {
        assert_eq!(listed(": ", &[]), "");
        assert_eq!(listed(": ", &["a", "b"]), ": a, b");
        let many = ["1", "2", "3", "4", "5", "6", "7", "8"];
        assert_eq!(listed(": ", &many), ": 1, 2, 3, 4, 5, 6 and 2 more");
    }
}
