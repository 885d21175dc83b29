//! The facts of a lesson's run, read back from the file its `--report` flag writes
//! (`crates/lesson-support/src/report.rs` writes it and documents its lines).

/// How a job's turn in a worker's hands ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Processed.
    Processed,
    /// Failed, and reported as failed.
    Failed,
    /// Parked in a dead-letter queue after its last attempt.
    DeadLettered,
    /// Replayed from the dead-letter queue, and processed after all.
    Recovered,
    /// Handed back unstarted by a cancelled run.
    Returned,
    /// Aborted in a worker's hands at a shutdown's deadline.
    Aborted,
    /// An attempt failed, and the job will be retried: not an end.
    Retrying,
}

/// One job's end, or an attempt's.
#[derive(Debug, Clone, PartialEq)]
pub struct Ended {
    /// The job's number.
    pub job: usize,
    /// How it ended.
    pub end: End,
    /// The task that held it.
    pub task: String,
    /// When, in seconds since the start of the run.
    pub at: f64,
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
                        "processed" => End::Processed,
                        "failed" => End::Failed,
                        "dead-lettered" => End::DeadLettered,
                        "recovered" => End::Recovered,
                        "returned" => End::Returned,
                        "aborted" => End::Aborted,
                        "retrying" => End::Retrying,
                        _ => return Err(mistake()),
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

    /// How each job produced ended for good: processed, failed or parked (a replay's recovery counts as
    /// processed), in the order of the report. A job may appear more than once: a mistake of the lesson.
    pub fn final_ends(&self) -> impl Iterator<Item = &Ended> {
        self.ended.iter().filter(|ended| ended.end != End::Retrying)
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
        assert_eq!(report.ended[0].end, End::Processed);
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
