//! What a correct producer-consumer run guarantees, checked on the facts of one run: the self-check's
//! judgement of a fix, by what the fix must achieve rather than by an exit status alone.
//!
//! 1. The run ends: nothing waits for ever (the watchdog did not have to stop it).
//! 2. Every job produced ends exactly once: processed, failed or parked; none is lost, none ends twice.
//! 3. A job made to fail (`--fail-job`, `--panic-job`, `--poison`) is shown and counted as failed, never as
//!    processed.
//! 4. Every task shuts down, and no worker stops before the producer is done: the pool does not shrink.
//! 5. `join()` returns only once every job is done.
//!
//! Each broken guarantee becomes one sentence that names the symptom, in the words a learner would use.

use std::collections::BTreeMap;

use run_report::{End, RunReport, TaskEnd};

/// The flags that make chosen jobs fail, and which lesson's flag each is.
const FAILURE_FLAGS: [&str; 3] = ["--fail-job", "--panic-job", "--poison"];

/// How many job numbers a sentence names before it says "and N more".
const NUMBERS_SHOWN: usize = 5;

/// The sentences for every guarantee that the run of `report`, made with `flags`, breaks. None when it keeps
/// them all.
pub fn broken(report: &RunReport, flags: &[String]) -> Vec<String> {
    let mut sentences = Vec::new();
    if let Some(stuck) = stuck(report) {
        sentences.push(stuck);
    }
    let made_to_fail = made_to_fail(flags);

    // How each job ended, in order.
    let mut ends: BTreeMap<usize, Vec<End>> =
        report.produced.iter().map(|(job, _)| (*job, Vec::new())).collect();
    for (job, end) in report.final_ends() {
        ends.entry(job).or_default().push(end);
    }
    let mut lost = Vec::new();
    let mut twice = Vec::new();
    for (job, job_ends) in &ends {
        // A recovery follows the parking it undoes: together they are one end.
        let count = job_ends.iter().filter(|end| **end != End::Recovered).count();
        match count {
            0 => lost.push(*job),
            1 => {}
            _ => twice.push(*job),
        }
        if let Some(flag) = made_to_fail.get(job) {
            if job_ends.contains(&End::Processed) || job_ends.contains(&End::Recovered) && *flag == "--poison"
            {
                sentences.push(format!(
                    "job {job} failed ({flag} {job}) but the transcript says it was processed: a failure \
                     reported as a success"
                ));
            } else if count == 0 && !report.too_long {
                sentences.push(format!(
                    "job {job} failed ({flag} {job}) and nothing says so: it is neither processed nor \
                     reported as failed"
                ));
            }
        }
    }
    let lost_silently: Vec<usize> =
        lost.iter().copied().filter(|job| !made_to_fail.contains_key(job)).collect();
    // A run stopped for going on too long has jobs still going, not lost: the sentence above names them.
    if !lost_silently.is_empty() && !report.too_long {
        sentences.push(lost_jobs(report, &lost_silently));
    }
    if !twice.is_empty() {
        sentences.push(format!("{} ended more than once: processed or failed twice", jobs(&twice)));
    }
    for mistake in &report.mistakes {
        sentences.push(format!("the ledger found something impossible: {mistake}"));
    }
    for error in &report.errors {
        sentences.push(format!("the run reported: {error}"));
    }

    sentences.extend(tasks_that_did_not_shut_down(report));
    sentences.extend(join_returned_early(report));
    if sentences.is_empty() && report.status != 0 {
        sentences.push(format!("the run ended with exit status {}", report.status));
    }
    sentences
}

/// The sentence for a run that the watchdog stopped: who waits on what, and, where the pattern is a known
/// one, why nothing can happen.
fn stuck(report: &RunReport) -> Option<String> {
    let (_, stopped_at) = report.stall?;
    if report.too_long {
        // Never stuck, never done: what is left unended is what keeps it going.
        let ended: std::collections::BTreeSet<usize> = report.final_ends().map(|(job, _)| job).collect();
        let going: Vec<usize> =
            report.produced.iter().map(|(job, _)| *job).filter(|job| !ended.contains(job)).collect();
        let what = match going.len() {
            0 => "something was".to_string(),
            1 => format!("{} was", jobs(&going)),
            _ => format!("{} were", jobs(&going)),
        };
        return Some(format!(
            "the run never ends, and the watchdog stopped it at {stopped_at:.3}s, long after any run of the \
             course has ended: {what} still going (a job retried for ever?)"
        ));
    }
    // Tasks that wait, grouped by what they wait for, in the order of the first.
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for (name, end) in &report.tasks {
        if let TaskEnd::Waiting { what, .. } = end {
            match groups.iter_mut().find(|(known, _)| known == what) {
                Some((_, names)) => names.push(name),
                None => groups.push((what, vec![name])),
            }
        }
    }
    let waits: Vec<String> = groups
        .iter()
        .map(|(what, names)| {
            let verb = if names.len() == 1 { "waits" } else { "wait" };
            format!("{} {verb} for {what}", listed(names))
        })
        .collect();
    let workers_wait_for_work = report.tasks.iter().any(|(name, end)| {
        is_worker(name) && matches!(end, TaskEnd::Waiting { what, .. } if what.starts_with("the next"))
    });
    let producer_done = report.shut_down_at("Producer").is_some();
    let no_worker_left = report
        .tasks
        .iter()
        .filter(|(name, _)| is_worker(name))
        .all(|(_, end)| matches!(end, TaskEnd::Stopped(_) | TaskEnd::ShutDown(_)));
    let why = if workers_wait_for_work && producer_done {
        ": the producer is done, but nothing tells the workers that no more jobs are coming"
    } else if no_worker_left && !producer_done {
        ": every worker is gone, so nobody takes a job off the queue"
    } else {
        ""
    };
    Some(format!(
        "the run never ends, and the watchdog stopped it at {stopped_at:.3}s: {}{why}",
        waits.join("; ")
    ))
}

/// The sentence for jobs that were produced and never ended.
fn lost_jobs(report: &RunReport, lost: &[usize]) -> String {
    // Workers that all shut down cleanly before the last job was made cannot have taken it.
    let workers_done = report
        .tasks
        .iter()
        .filter(|(name, _)| is_worker(name))
        .map(|(_, end)| match end {
            TaskEnd::ShutDown(at) => Some(*at),
            _ => None,
        })
        .collect::<Option<Vec<f64>>>()
        .filter(|done| !done.is_empty());
    let last_made = report.produced.iter().map(|(_, at)| *at).fold(0.0, f64::max);
    if let Some(workers_done) = workers_done {
        let last_worker = workers_done.iter().copied().fold(0.0, f64::max);
        if last_worker < last_made {
            return format!(
                "{} never processed: the workers stopped at {last_worker:.3}s, while the producer was still \
                 making jobs",
                count(lost.len(), "job was", "jobs were")
            );
        }
    }
    format!(
        "{} lost: {} made but never processed, nor reported as failed or handed back",
        count(lost.len(), "job was", "jobs were"),
        jobs(lost)
    )
}

/// The sentences for tasks that ended without shutting down, that never ended, or workers that stopped
/// while the producer was still making jobs.
fn tasks_that_did_not_shut_down(report: &RunReport) -> Vec<String> {
    // The producer's last job: a worker that shuts down after it has not left the pool short. (The producer
    // itself may shut down a moment later, after its sentinels: on threads, a worker that read one can be
    // quicker.)
    let last_made = report.produced.iter().map(|(_, at)| *at).reduce(f64::max);
    let producer_done = report.shut_down_at("Producer");
    let mut sentences = Vec::new();
    for (name, end) in &report.tasks {
        match end {
            TaskEnd::Stopped(at) => {
                let pool = if is_worker(name) { ": the pool lost a worker" } else { "" };
                sentences.push(format!(
                    "{name} ended at {at:.3}s without shutting down (an error or a panic ended its task){pool}"
                ));
            }
            TaskEnd::ShutDown(at)
                if is_worker(name)
                    && producer_done.is_some_and(|done| *at < done)
                    && last_made.is_some_and(|last| *at < last) =>
            {
                sentences.push(format!(
                    "{name} stopped taking jobs at {at:.3}s, before the producer was done at {:.3}s: the pool \
                     shrank",
                    producer_done.unwrap_or_default()
                ));
            }
            TaskEnd::Busy if report.stall.is_none() => {
                sentences.push(format!("{name} was still running when the run ended: nobody waited for it"));
            }
            TaskEnd::Waiting { what, .. } if report.stall.is_none() => {
                sentences.push(format!(
                    "{name} was still waiting for {what} when the run ended: it never shut down"
                ));
            }
            _ => {}
        }
    }
    sentences
}

/// The sentences for a `join()` that returned while jobs were unfinished.
fn join_returned_early(report: &RunReport) -> Vec<String> {
    report
        .waits
        .iter()
        .filter(|wait| wait.what.contains("join()"))
        .filter_map(|wait| {
            // Not done yet: produced, and not ended. Still to come: produced after `join()` returned, which
            // no `join()` can have waited for (one awaited before the producer is done).
            let to_come = report.produced.iter().filter(|(_, at)| *at > wait.at).count();
            let mut missing = Vec::new();
            if wait.unfinished > 0 {
                missing.push(format!("{} not done yet", count(wait.unfinished, "job was", "jobs were")));
            }
            if to_come > 0 {
                missing.push(format!("{} still to be made", count(to_come, "job was", "jobs were")));
            }
            (!missing.is_empty()).then(|| {
                format!(
                    "queue.join() returned at {:.3}s while {}: \"every job is done\" came too early",
                    wait.at,
                    missing.join(", and ")
                )
            })
        })
        .collect()
}

/// The jobs that `flags` make fail, each with the flag that names it.
fn made_to_fail(flags: &[String]) -> BTreeMap<usize, &'static str> {
    let mut chosen = BTreeMap::new();
    let mut words = flags.iter().peekable();
    while let Some(word) = words.next() {
        let (flag, value) = match word.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_string())),
            None => (word.as_str(), None),
        };
        let Some(known) = FAILURE_FLAGS.iter().find(|known| **known == flag) else {
            continue;
        };
        let Some(value) = value.or_else(|| words.next().cloned()) else {
            continue;
        };
        for number in value.split(',').filter_map(|number| number.trim().parse().ok()) {
            chosen.entry(number).or_insert(*known);
        }
    }
    chosen
}

fn is_worker(name: &str) -> bool {
    name.starts_with("Worker-")
}

/// "job 7" or "jobs 2, 3 and 4", the first few of them.
fn jobs(numbers: &[usize]) -> String {
    let names: Vec<String> = numbers.iter().map(usize::to_string).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    if names.len() == 1 { format!("job {}", names[0]) } else { format!("jobs {}", listed(&names)) }
}

/// "a", "a and b", "a, b and c", or the first few and "and N more".
fn listed(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        _ if names.len() > NUMBERS_SHOWN => {
            format!("{} and {} more", names[..NUMBERS_SHOWN].join(", "), names.len() - NUMBERS_SHOWN)
        }
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// "1 job was" or "3 jobs were".
fn count(number: usize, one: &str, many: &str) -> String {
    if number == 1 { format!("1 {one}") } else { format!("{number} {many}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(text: &str) -> RunReport {
        RunReport::parse(text).unwrap()
    }

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    const CLEAN: &str = "produced 1 0.1\nproduced 2 0.2\nended 1 processed Worker-1 0.5\n\
                         ended 2 processed Worker-2 0.7\ntask Main shut-down 0.7\ntask Producer shut-down 0.2\n\
                         task Worker-1 shut-down 0.7\ntask Worker-2 shut-down 0.7\njobs 2 made 2\nstatus 0\n";

    #[test]
    fn a_clean_run_keeps_every_guarantee() {
        assert_eq!(broken(&report(CLEAN), &[]), Vec::<String>::new());
    }

    #[test]
    fn what_the_lesson_itself_found_wrong_is_named() {
        let text = CLEAN.replace("status 0", "error two workers at one job\nstatus 1");
        assert_eq!(broken(&report(&text), &[]), ["the run reported: two workers at one job"]);
    }

    #[test]
    fn a_failed_job_shown_as_processed_is_named() {
        let sentences = broken(&report(CLEAN), &strings(&["--fail-job", "2"]));
        assert_eq!(
            sentences,
            [
                "job 2 failed (--fail-job 2) but the transcript says it was processed: a failure reported as a success"
            ]
        );
    }

    #[test]
    fn a_failed_job_that_vanished_is_named() {
        let text = CLEAN.replace("ended 2 processed Worker-2 0.7\n", "");
        let sentences = broken(&report(&text), &strings(&["--panic-job=2"]));
        assert_eq!(sentences.len(), 1, "{sentences:?}");
        assert!(
            sentences[0].starts_with("job 2 failed (--panic-job 2) and nothing says so"),
            "{sentences:?}"
        );
    }

    #[test]
    fn workers_that_stop_before_the_producer_lose_the_rest() {
        let text = "produced 1 0.1\nproduced 2 0.2\nproduced 3 0.3\nended 1 processed Worker-1 0.15\n\
                    task Producer shut-down 0.3\ntask Worker-1 shut-down 0.15\njobs 3 made 3\nstatus 1\n";
        let sentences = broken(&report(text), &[]);
        assert_eq!(
            sentences[0],
            "2 jobs were never processed: the workers stopped at 0.150s, while the producer was still making jobs"
        );
        assert!(sentences[1].contains("Worker-1 stopped taking jobs at 0.150s"), "{sentences:?}");
    }

    #[test]
    fn a_stuck_run_says_who_waits_on_what_and_why() {
        let text = "produced 1 0.1\nended 1 processed Worker-1 0.5\ntask Main waiting 0.2 the workers to finish\n\
                    task Producer shut-down 0.1\ntask Worker-1 waiting 0.5 the next message from the queue\n\
                    task Worker-2 waiting 0.1 the next message from the queue\njobs 1 made 1\n\
                    stalled 0.5 10.5\nstatus 1\n";
        assert_eq!(
            broken(&report(text), &[]),
            [
                "the run never ends, and the watchdog stopped it at 10.500s: Main waits for the workers to finish; \
              Worker-1 and Worker-2 wait for the next message from the queue: the producer is done, but nothing \
              tells the workers that no more jobs are coming"
            ]
        );
    }

    /// A job retried for ever keeps a run going, never stuck: the watchdog stops it at the run's time limit,
    /// and the sentence names the job still going, once, without also calling it lost or silent.
    #[test]
    fn a_run_that_never_ends_names_the_job_still_going() {
        let text = "produced 1 0.1\nproduced 4 0.2\nended 1 processed Worker-1 0.5\n\
                    task Main waiting 0.2 every job to be done\ntask Producer shut-down 0.2\n\
                    task Worker-1 waiting 0.5 the next job\njobs 2 made 2\nstalled 6000.1 6000.5 too-long\n\
                    status 1\n";
        assert_eq!(
            broken(&report(text), &["--poison".to_string(), "4".to_string()]),
            [
                "the run never ends, and the watchdog stopped it at 6000.500s, long after any run of the course has \
                 ended: job 4 was still going (a job retried for ever?)"
            ]
        );
    }

    #[test]
    fn a_join_that_returns_early_is_named() {
        let text = format!("{CLEAN}waited Main 0.0 0.3 2 every job to be done (queue.join())\n");
        assert_eq!(
            broken(&report(&text), &[]),
            [
                "queue.join() returned at 0.300s while 2 jobs were not done yet: \"every job is done\" came too early"
            ]
        );
    }

    /// A `join()` awaited before the producer is done returns while jobs are still to be made: no job was
    /// unfinished when it returned, and yet every job was not done.
    #[test]
    fn a_join_before_the_jobs_are_made_is_named() {
        let text = CLEAN.replace("produced 2 0.2", "produced 2 0.4");
        let text = format!("{text}waited Main 0.0 0.3 0 every job to be done (queue.join())\n");
        assert_eq!(
            broken(&report(&text), &[]),
            [
                "queue.join() returned at 0.300s while 1 job was still to be made: \"every job is done\" came too \
                 early"
            ]
        );
    }

    #[test]
    fn a_stopped_worker_shrinks_the_pool() {
        let text = CLEAN.replace("task Worker-2 shut-down 0.7", "task Worker-2 stopped 0.7");
        assert_eq!(
            broken(&report(&text), &[]),
            [
                "Worker-2 ended at 0.700s without shutting down (an error or a panic ended its task): the pool lost a worker"
            ]
        );
    }

    #[test]
    fn lists_are_cut_short() {
        assert_eq!(jobs(&[7]), "job 7");
        assert_eq!(jobs(&[2, 3, 4]), "jobs 2, 3 and 4");
        assert_eq!(jobs(&[1, 2, 3, 4, 5, 6, 7]), "jobs 1, 2, 3, 4, 5 and 2 more");
    }
}
