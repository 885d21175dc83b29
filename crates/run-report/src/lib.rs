//! The report of a lesson's run, for `cargo xtask check`: what became of every job and every task, one fact a
//! line. A lesson writes it with [`Writer`] when `--report FILE` asks for it (a flag that `--help` does not
//! list); the runner reads it back with [`RunReport::parse`]. Both sides use this crate, so the format is
//! defined once, and a test writes every kind of line and reads it back.
//!
//! The transcript is written for a person, and a learner may change its words; the self-check must not
//! depend on them. So the report carries the facts the check judges: every job produced and how it ended,
//! every wait that ended and how many jobs were unfinished then, how each task ended, and the exit status.
//!
//! Each line is a word that says what it is, then fields separated by spaces; a free text (what a task waited
//! for) comes last. Times are seconds since the start of the run, with three decimals.
//!
//! ```text
//! produced 7 0.783
//! ended 7 processed Worker-2 1.915
//! waited Main 2.072 4.779 0 every job to be done (queue.join())
//! task Worker-1 shut-down 4.779
//! task Main waiting 2.072 the workers to finish
//! jobs 20 made 20
//! stalled 4.779 15.000
//! status 1
//! ```

use std::fmt::Write as _;

/// How a job ended, as the ledger counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// A worker finished it.
    Processed,
    /// It failed, and the failure was handled and reported.
    Failed,
    /// It failed every attempt it was allowed, and was parked in a dead-letter queue.
    DeadLettered,
    /// It was parked, then replayed and processed after all.
    Recovered,
    /// It was never started: a cancelled run handed it back.
    Returned,
    /// It was stopped in a worker's hands, at a shutdown's deadline.
    Aborted,
}

impl End {
    /// Every end, for the tests that go through them all.
    pub const ALL: [End; 6] =
        [End::Processed, End::Failed, End::DeadLettered, End::Recovered, End::Returned, End::Aborted];

    /// The end in words, as the report and the ledger's mistakes say it: "processed".
    pub fn describe(self) -> &'static str {
        match self {
            End::Processed => "processed",
            End::Failed => "failed",
            End::DeadLettered => "dead-lettered",
            End::Recovered => "recovered",
            End::Returned => "returned",
            End::Aborted => "aborted",
        }
    }

    /// The end that `word` describes, if it is one.
    pub fn from_word(word: &str) -> Option<End> {
        End::ALL.into_iter().find(|end| end.describe() == word)
    }
}

/// What an `ended` line says of an attempt that failed and will be retried: not an end.
const RETRYING: &str = "retrying";

/// One job's end, or an attempt's.
#[derive(Debug, Clone, PartialEq)]
pub struct Ended {
    /// The job's number.
    pub job: usize,
    /// How it ended; `None` for an attempt that failed and will be retried.
    pub end: Option<End>,
    /// The task that held it.
    pub task: String,
    /// When, in seconds since the start of the run.
    pub at: f64,
}

/// Writes a report, a line at a time, in the order of the run: the lines of the jobs and the waits while it
/// goes, then how each task ended, the jobs made, the watchdog's stop, the mistakes and errors, and last the
/// exit status, which [`finish`](Writer::finish) writes.
#[derive(Debug, Default)]
pub struct Writer {
    text: String,
}

impl Writer {
    /// Job `job` was put on the queue, at `at` seconds.
    pub fn produced(&mut self, job: usize, at: f64) {
        let _ = writeln!(self.text, "produced {job} {at:.3}");
    }

    /// Job `job` ended in `task`'s hands, or an attempt at it failed and will be retried (`end` is `None`).
    pub fn ended(&mut self, job: usize, end: Option<End>, task: &str, at: f64) {
        let end = end.map_or(RETRYING, End::describe);
        let _ = writeln!(self.text, "ended {job} {end} {task} {at:.3}");
    }

    /// `task` waited from `since` to `at` for `what`, and `unfinished` jobs were not done when the wait ended.
    pub fn waited(&mut self, task: &str, what: &str, since: f64, at: f64, unfinished: usize) {
        let _ = writeln!(self.text, "waited {task} {since:.3} {at:.3} {unfinished} {what}");
    }

    /// How task `name` was at the end of the run.
    pub fn task(&mut self, name: &str, end: &TaskEnd) {
        let _ = match end {
            TaskEnd::Busy => writeln!(self.text, "task {name} busy"),
            TaskEnd::Waiting { since, what } => writeln!(self.text, "task {name} waiting {since:.3} {what}"),
            TaskEnd::ShutDown(at) => writeln!(self.text, "task {name} shut-down {at:.3}"),
            TaskEnd::Stopped(at) => writeln!(self.text, "task {name} stopped {at:.3}"),
        };
    }

    /// `--jobs`, and how many jobs the producer was given.
    pub fn jobs(&mut self, jobs: usize, made: usize) {
        let _ = writeln!(self.text, "jobs {jobs} made {made}");
    }

    /// The watchdog stopped the run at `stopped_at`, the last event having been at `last_event`; `too_long`
    /// if it stopped a run that went on far longer than any run of the course, rather than a stuck one.
    pub fn stalled(&mut self, last_event: f64, stopped_at: f64, too_long: bool) {
        let too_long = if too_long { " too-long" } else { "" };
        let _ = writeln!(self.text, "stalled {last_event:.3} {stopped_at:.3}{too_long}");
    }

    /// Something the ledger found impossible, such as a job that ended twice.
    pub fn mistake(&mut self, mistake: &str) {
        let _ = writeln!(self.text, "mistake {mistake}");
    }

    /// Something the lesson found wrong beyond the ledger, on one line: the report is read a line at a time.
    pub fn error(&mut self, error: &str) {
        let _ = writeln!(self.text, "error {}", error.replace('\n', " "));
    }

    /// Writes the exit status, the last line, and returns the whole report.
    pub fn finish(mut self, status: u8) -> String {
        let _ = writeln!(self.text, "status {status}");
        self.text
    }
}

/// A wait that ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Waited {
    /// The task that waited.
    pub task: String,
    /// What it waited for, in the lesson's words: "the next job from the queue".
    pub what: String,
    /// When the wait started and ended, in seconds.
    pub since: f64,
    /// When it ended.
    pub at: f64,
    /// How many jobs produced were not done yet when it ended.
    pub unfinished: usize,
}

/// How a task was at the end of the run.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskEnd {
    /// It shut down cleanly, at this time.
    ShutDown(f64),
    /// An error or a panic ended it, at this time.
    Stopped(f64),
    /// It was still waiting for something, since this time.
    Waiting {
        /// Since when.
        since: f64,
        /// For what.
        what: String,
    },
    /// It was still running, or sleeping.
    Busy,
}

/// Everything a report says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunReport {
    /// `--jobs`.
    pub jobs: usize,
    /// How many jobs the producer was given (fewer after Ctrl-C).
    pub jobs_made: usize,
    /// Each job put on the queue, and when.
    pub produced: Vec<(usize, f64)>,
    /// Each end of a job, or of an attempt, in order.
    pub ended: Vec<Ended>,
    /// Each wait that ended, in order.
    pub waits: Vec<Waited>,
    /// Each task and how it was at the end, in the order they were registered.
    pub tasks: Vec<(String, TaskEnd)>,
    /// When the last event happened and when the watchdog stopped the run, if it did.
    pub stall: Option<(f64, f64)>,
    /// Whether the watchdog stopped the run for going on far longer than any run of the course, rather than
    /// for being stuck.
    pub too_long: bool,
    /// What the ledger found impossible (a job that ended twice).
    pub mistakes: Vec<String>,
    /// What the lesson itself found wrong, beyond the ledger (lesson 9's database against its transcript).
    pub errors: Vec<String>,
    /// The exit status.
    pub status: u8,
}

impl RunReport {
    /// Reads a report's text. A line it does not know is a mistake: the two sides of the format must agree. A
    /// report without its last line, the exit status, is not a report: the run ended before it could write
    /// one (a panic that escaped the lesson leaves the file empty).
    pub fn parse(text: &str) -> Result<RunReport, String> {
        if !text.lines().any(|line| line.starts_with("status ")) {
            return Err("the report has no exit status: the run ended before it was written".to_string());
        }
        let mut report = RunReport::default();
        for line in text.lines() {
            let mistake = || format!("a report line that cannot be read: {line:?}");
            let mut words = line.split(' ');
            let kind = words.next().unwrap_or_default();
            let mut field = || words.next().ok_or_else(mistake);
            let number = |text: &str| text.parse::<f64>().map_err(|_| mistake());
            let whole = |text: &str| text.parse::<usize>().map_err(|_| mistake());
            match kind {
                "produced" => {
                    let job = whole(field()?)?;
                    report.produced.push((job, number(field()?)?));
                }
                "ended" => {
                    let job = whole(field()?)?;
                    let end = match field()? {
                        RETRYING => None,
                        word => Some(End::from_word(word).ok_or_else(mistake)?),
                    };
                    let task = field()?.to_string();
                    let at = number(field()?)?;
                    report.ended.push(Ended { job, end, task, at });
                }
                "waited" => {
                    let task = field()?.to_string();
                    let since = number(field()?)?;
                    let at = number(field()?)?;
                    let unfinished = whole(field()?)?;
                    let what = words.collect::<Vec<_>>().join(" ");
                    report.waits.push(Waited { task, what, since, at, unfinished });
                }
                "task" => {
                    let name = field()?.to_string();
                    let end = match field()? {
                        "shut-down" => TaskEnd::ShutDown(number(field()?)?),
                        "stopped" => TaskEnd::Stopped(number(field()?)?),
                        "busy" => TaskEnd::Busy,
                        "waiting" => {
                            let since = number(field()?)?;
                            TaskEnd::Waiting { since, what: words.collect::<Vec<_>>().join(" ") }
                        }
                        _ => return Err(mistake()),
                    };
                    report.tasks.push((name, end));
                }
                "jobs" => {
                    report.jobs = whole(field()?)?;
                    if field()? != "made" {
                        return Err(mistake());
                    }
                    report.jobs_made = whole(field()?)?;
                }
                "stalled" => {
                    let last_event = number(field()?)?;
                    report.stall = Some((last_event, number(field()?)?));
                    report.too_long = words.next() == Some("too-long");
                }
                "mistake" => report.mistakes.push(words.collect::<Vec<_>>().join(" ")),
                "error" => report.errors.push(words.collect::<Vec<_>>().join(" ")),
                "status" => report.status = field()?.parse().map_err(|_| mistake())?,
                _ => return Err(mistake()),
            }
        }
        Ok(report)
    }

    /// Each end of a job, in the order of the report, without the attempts that will be retried. A job may
    /// appear more than once: a replay's recovery after its parking, or a mistake of the lesson.
    pub fn final_ends(&self) -> impl Iterator<Item = (usize, End)> {
        self.ended.iter().filter_map(|ended| Some((ended.job, ended.end?)))
    }

    /// When the task named `name` shut down, if it did.
    pub fn shut_down_at(&self, name: &str) -> Option<f64> {
        self.tasks.iter().find_map(|(task, end)| match end {
            TaskEnd::ShutDown(at) if task == name => Some(*at),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_line_is_read() {
        let text = "produced 7 0.783\nended 7 processed Worker-2 1.915\n\
                    waited Main 2.072 4.779 0 every job to be done (queue.join())\n\
                    task Worker-1 shut-down 4.779\ntask Main waiting 2.072 the workers to finish\n\
                    task Worker-2 stopped 1.020\njobs 20 made 20\nstalled 4.779 15.000\n\
                    mistake process_item_3 was processed twice\n\
                    error the database has 3 results for 2 jobs done\nstatus 1\n";
        let report = RunReport::parse(text).unwrap();
        assert_eq!(report.produced, [(7, 0.783)]);
        assert_eq!(report.ended[0].end, Some(End::Processed));
        assert_eq!(report.waits[0].what, "every job to be done (queue.join())");
        assert_eq!(
            report.tasks[1].1,
            TaskEnd::Waiting { since: 2.072, what: "the workers to finish".into() }
        );
        assert_eq!(report.shut_down_at("Worker-1"), Some(4.779));
        assert_eq!((report.jobs, report.jobs_made, report.status), (20, 20, 1));
        assert_eq!(report.stall, Some((4.779, 15.0)));
        assert_eq!(report.mistakes, ["process_item_3 was processed twice"]);
        assert_eq!(report.errors, ["the database has 3 results for 2 jobs done"]);
    }

    #[test]
    fn what_the_writer_writes_the_reader_reads() {
        let mut writer = Writer::default();
        writer.produced(7, 0.783);
        for (number, end) in End::ALL.into_iter().map(Some).chain([None]).enumerate() {
            writer.ended(number, end, "Worker-2", 1.915);
        }
        writer.waited("Main", "every job to be done (queue.join())", 2.072, 4.779, 0);
        let tasks = [
            ("Worker-1", TaskEnd::ShutDown(4.779)),
            ("Worker-2", TaskEnd::Stopped(1.02)),
            ("Worker-3", TaskEnd::Busy),
            ("Main", TaskEnd::Waiting { since: 2.072, what: "the workers to finish".into() }),
        ];
        for (name, end) in &tasks {
            writer.task(name, end);
        }
        writer.jobs(20, 19);
        writer.stalled(4.779, 15.0, true);
        writer.mistake("process_item_3 was processed twice");
        writer.error("the database has\n3 results");
        let report = RunReport::parse(&writer.finish(1)).unwrap();
        assert_eq!(report.produced, [(7, 0.783)]);
        let ends: Vec<Option<End>> = report.ended.iter().map(|ended| ended.end).collect();
        assert_eq!(ends, End::ALL.into_iter().map(Some).chain([None]).collect::<Vec<_>>());
        assert_eq!(report.final_ends().count(), End::ALL.len(), "an attempt retried is not an end");
        assert_eq!(report.waits[0].what, "every job to be done (queue.join())");
        let read: Vec<(&str, &TaskEnd)> =
            report.tasks.iter().map(|(name, end)| (name.as_str(), end)).collect();
        let written: Vec<(&str, &TaskEnd)> = tasks.iter().map(|(name, end)| (*name, end)).collect();
        assert_eq!(read, written);
        assert_eq!((report.jobs, report.jobs_made, report.status), (20, 19, 1));
        assert_eq!((report.stall, report.too_long), (Some((4.779, 15.0)), true));
        assert_eq!(report.mistakes, ["process_item_3 was processed twice"]);
        assert_eq!(report.errors, ["the database has 3 results"]);
    }

    #[test]
    fn an_unknown_line_is_a_mistake() {
        assert!(RunReport::parse("produced seven 1.0\nstatus 0\n").is_err());
        assert!(RunReport::parse("frobnicated 1\nstatus 0\n").is_err());
    }

    #[test]
    fn a_report_without_its_status_is_no_report() {
        assert!(RunReport::parse("").is_err(), "the file a panicking run leaves empty");
        assert!(RunReport::parse("produced 1 0.1\n").is_err());
    }
}
