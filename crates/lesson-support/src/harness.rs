//! The harness: what a lesson's code holds on to while it runs, and the task logs it hands out.
//!
//! A lesson asks the harness for its settings and its jobs, and gets a [`TaskLog`] for each of its tasks (the
//! producer, every worker). Through its log a task tells the course what happens: the lines of the
//! transcript, the jobs for the ledger, and what it is waiting for. That last part is what lets the watchdog
//! say who waits on what when a run is stuck.
//!
//! Every event takes the record's lock once, and reads the clock at most once: on the simulated clock, only
//! once per wake-up of the runtime, since time moves only while the runtime is parked. With `--quiet`, nothing is formatted,
//! and once the ledger has grown to the jobs in flight, nothing is allocated: the instruments cost little
//! next to the pattern they watch (`cargo xtask bench` measures it).

use std::fmt::Display;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::activity::Activity;
use crate::clock::{Clock, WakeUps};
use crate::ledger::{End, Ledger};
use crate::report::Report;
use crate::settings::Settings;
use crate::timeline::{self, Ending, Span, Timeline};
use crate::transcript::Transcript;
use crate::workload::{Job, Workload};

/// A handle on the running lesson, cheap to clone into every task.
#[derive(Debug, Clone)]
pub struct Harness {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    settings: Settings,
    workload: Workload,
    clock: Clock,
    /// The runtime's wake-ups, on a simulated run: the clock needs reading only once per wake-up.
    wake_ups: Option<WakeUps>,
    record: Mutex<Record>,
    /// Set by Ctrl-C: the producer makes no more jobs.
    interrupted: AtomicBool,
    /// Set once a line of the transcript could not be written: [`Harness::jobs`] then hands out no more jobs.
    output_lost: AtomicBool,
    /// How many jobs [`Harness::jobs`] has handed out.
    jobs_made: AtomicUsize,
}

/// Everything a run writes down as it goes.
#[derive(Debug)]
pub(crate) struct Record {
    pub(crate) transcript: Transcript,
    pub(crate) ledger: Ledger,
    pub(crate) tasks: Vec<TaskRecord>,
    /// When anything last happened: the watchdog's measure of progress.
    pub(crate) last_event: Duration,
    /// The latest time at which a timer has promised to bring the run forward (see
    /// [`Harness::expect_progress_in`]); until then, silence is not a stall.
    pub(crate) progress_expected_at: Duration,
    /// The timeline, recorded only when `--timeline` or `--timeline-svg` asks for it.
    pub(crate) timeline: Option<Timeline>,
    /// The facts for `cargo xtask check`, gathered only when `--report` asks for them.
    pub(crate) report: Option<Report>,
    /// Set once the summary is written; what happens after it (tasks dropped with the runtime) is not news.
    pub(crate) concluded: bool,
    /// What went wrong outside the ledger, as the lesson found it ([`Harness::fail`]): the run fails.
    pub(crate) errors: Vec<String>,
    /// The last reading of a simulated clock, and the wake-up it was read after.
    time_read: Option<(u64, Duration)>,
}

/// What one task (the producer, a worker) is doing, and how long it has waited in all.
#[derive(Debug)]
pub(crate) struct TaskRecord {
    pub(crate) name: String,
    pub(crate) activity: Activity,
    /// Total time spent waiting, by what was waited for, in the order of the first wait for each.
    pub(crate) waited: Vec<(&'static str, Duration)>,
}

impl Harness {
    /// A harness for one run, for the tests of the instruments. Call it inside the runtime: it starts the
    /// run's clock.
    #[cfg(test)]
    pub(crate) fn new(settings: Settings, transcript: Transcript) -> Harness {
        Harness::counting_wake_ups(settings, transcript, None)
    }

    /// A harness for one run. Call it inside the runtime: it starts the run's clock. On a runtime of
    /// [`crate::clock::runtime_counting_wake_ups`], it reads a simulated clock once per wake-up of the runtime.
    pub(crate) fn counting_wake_ups(
        settings: Settings,
        transcript: Transcript,
        wake_ups: Option<WakeUps>,
    ) -> Harness {
        let clock = Clock::start(settings.speed_up());
        // The wall clock moves all the time: it is read for every event.
        let wake_ups = wake_ups.filter(|_| settings.is_simulated());
        let workload = Workload::shaped(settings.seed, settings.workload);
        let record = Record {
            transcript,
            ledger: Ledger::default(),
            tasks: Vec::new(),
            last_event: Duration::ZERO,
            progress_expected_at: Duration::ZERO,
            timeline: (settings.timeline || settings.timeline_svg.is_some() || settings.record_timeline)
                .then(Timeline::default),
            report: settings.report.is_some().then(Report::default),
            concluded: false,
            errors: Vec::new(),
            time_read: None,
        };
        Harness {
            shared: Arc::new(Shared {
                settings,
                workload,
                clock,
                wake_ups,
                record: Mutex::new(record),
                interrupted: AtomicBool::new(false),
                output_lost: AtomicBool::new(false),
                jobs_made: AtomicUsize::new(0),
            }),
        }
    }

    /// The settings of this run.
    pub fn settings(&self) -> &Settings {
        &self.shared.settings
    }

    /// Job `number` (from 1) of this run's workload.
    pub fn job(&self, number: usize) -> Job {
        self.shared.workload.job(number)
    }

    /// The producer's jobs, 1 to `--jobs`, one at a time. After Ctrl-C, or once the run's output cannot be
    /// written, they stop coming, so that a producer that loops over them stops making jobs and shuts down as
    /// it would at the end.
    pub fn jobs(&self) -> impl Iterator<Item = Job> + use<> {
        let harness = self.clone();
        (1..=self.settings().jobs).map_while(move |number| {
            if harness.shared.interrupted.load(Ordering::Relaxed)
                || harness.shared.output_lost.load(Ordering::Relaxed)
            {
                return None;
            }
            harness.shared.jobs_made.fetch_add(1, Ordering::Relaxed);
            let job = harness.job(number);
            // The producer makes the job now, and may take long (`--workload pauses`): the silence until then
            // is no stall.
            harness.expect_progress_in(job.production_time);
            Some(job)
        })
    }

    /// How many jobs [`Harness::jobs`] has handed out so far.
    pub fn jobs_made(&self) -> usize {
        self.shared.jobs_made.load(Ordering::Relaxed)
    }

    /// Says that Ctrl-C stopped the run: [`Harness::jobs`] hands out no more jobs, and the summary counts the
    /// jobs never made and ends with exit status 130. The course's own Ctrl-C handler calls it; so does
    /// lesson 7, which handles Ctrl-C itself.
    pub fn interrupt(&self) {
        self.shared.interrupted.store(true, Ordering::Relaxed);
        crate::exit::note_first_ctrl_c();
    }

    /// Whether the run was interrupted.
    pub(crate) fn is_interrupted(&self) -> bool {
        self.shared.interrupted.load(Ordering::Relaxed)
    }

    /// The workload itself, for lessons that draw more from each job's random stream.
    pub fn workload(&self) -> Workload {
        self.shared.workload
    }

    /// The wall time that stands for `duration` of the run's clock: the same, but on a clock sped up for a
    /// lesson on threads (lesson 8), that many times shorter. A thread sleeps for it where a task would await
    /// `tokio::time::sleep(duration)`.
    pub fn wall_time(&self, duration: Duration) -> Duration {
        duration / self.shared.settings.speed_up()
    }

    /// How long the run has been going.
    pub fn elapsed(&self) -> Duration {
        let mut record = self.record();
        self.now(&mut record)
    }

    /// The time, from the clock or, on a simulated clock that has not moved since it was last read, from that
    /// reading.
    fn now(&self, record: &mut Record) -> Duration {
        let Some(wake_ups) = &self.shared.wake_ups else {
            return self.shared.clock.elapsed();
        };
        let wake_up = wake_ups.get();
        match record.time_read {
            Some((read_after, at)) if read_after == wake_up => at,
            _ => {
                let at = self.shared.clock.elapsed();
                record.time_read = Some((wake_up, at));
                at
            }
        }
    }

    /// Registers a task under `name` (`"Producer"`, `"Worker-1"`) and returns its log, so that its lines
    /// carry its name and the watchdog can tell what it waits for. Register tasks in a fixed order: reports
    /// list them in it.
    pub fn task_log(&self, name: impl Into<String>) -> TaskLog {
        let name = name.into();
        let mut record = self.record();
        if let Some(timeline) = &mut record.timeline {
            timeline.rows.push(timeline::Row { name: name.clone(), ..timeline::Row::default() });
        }
        record.tasks.push(TaskRecord { name, activity: Activity::Busy, waited: Vec::new() });
        TaskLog { harness: self.clone(), index: record.tasks.len() - 1, shut_down: false }
    }

    /// Prints a line of the transcript that no single task speaks, with the time.
    pub fn say(&self, text: impl Display) {
        self.event(|record, at| record.transcript.event(at, text));
    }

    /// Writes a line with no time, such as a heading or a report at the end of the run.
    pub fn note(&self, text: impl Display) {
        self.record().transcript.note(text);
    }

    /// Notes that something went wrong that the ledger cannot see (lesson 9: the database's own accounting
    /// disagrees with the transcript's): the summary names `problem`, and the run fails.
    pub fn fail(&self, problem: impl Display) {
        self.record().errors.push(problem.to_string());
    }

    /// Tells the watchdog that a timer will bring the run forward `delay` from now, so that the silence until
    /// then is not taken for a stuck run. A lesson whose timers can be longer than the watchdog's limit needs
    /// it: lesson 5's retries after a long backoff.
    pub fn expect_progress_in(&self, delay: Duration) {
        let mut record = self.record();
        let due = self.now(&mut record) + delay;
        record.progress_expected_at = record.progress_expected_at.max(due);
    }

    /// One event of the run: reads the clock once, counts the event as progress for the watchdog, and hands
    /// the record and the time to `write`.
    fn event<R>(&self, write: impl FnOnce(&mut Record, Duration) -> R) -> R {
        let mut record = self.record();
        let at = self.now(&mut record);
        record.last_event = at;
        let written = write(&mut record, at);
        // No one reads the run any more (a full disk, `| head -1`): the producer makes no more jobs, as after
        // Ctrl-C, and the run ends with the jobs already made; the summary's status says why.
        if record.transcript.failure().is_some() {
            self.shared.output_lost.store(true, Ordering::Relaxed);
        }
        written
    }

    /// How long the task named `name` waited in all, for anything, in the waits that ended.
    pub(crate) fn time_waited_by(&self, name: &str) -> Duration {
        let record = self.record();
        let tasks = record.tasks.iter().filter(|task| task.name == name);
        tasks.flat_map(|task| task.waited.iter().map(|(_, waited)| *waited)).sum()
    }

    /// Takes the timeline out of a finished run, if it was recorded, for the tests.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn take_timeline(&self) -> Option<Timeline> {
        self.record().timeline.take()
    }

    /// Takes the transcript out of a finished run, to read what it captured.
    pub(crate) fn take_transcript(&self) -> Transcript {
        std::mem::replace(&mut self.record().transcript, Transcript::captured(true))
    }

    /// The run's record. The lock is held only for a moment and never across an `.await`, so a plain
    /// `std::sync::Mutex` is the right tool.
    pub(crate) fn record(&self) -> MutexGuard<'_, Record> {
        // A panic while the lock was held cannot leave the record half-written in a way that matters here,
        // so a poisoned lock is used as it is.
        self.shared.record.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The course's log of one task of the lesson (the producer, or one worker): what it says, what it waits
/// for, and what became of the jobs in its hands.
///
/// When a `TaskLog` is dropped without [`TaskLog::shut_down`], its task ended some other way (an error, a
/// panic): its `Drop` says so in the transcript, and the summary counts it.
#[derive(Debug)]
pub struct TaskLog {
    harness: Harness,
    index: usize,
    shut_down: bool,
}

impl TaskLog {
    /// The task's name, as it appears in the transcript.
    pub fn name(&self) -> String {
        self.harness.record().tasks[self.index].name.clone()
    }

    /// Prints `[name] text` in the transcript, with the time.
    pub fn say(&self, text: impl Display) {
        self.harness.event(|record, at| {
            let Record { transcript, tasks, .. } = record;
            transcript.event(at, format_args!("[{}] {text}", tasks[self.index].name));
        });
    }

    /// Awaits `future`, noting meanwhile that this task waits for `what` ("room in the queue"). Lessons
    /// call it through [`Watched::watched`](crate::Watched::watched).
    ///
    /// A future that is ready at once (room in the queue, a message already there) was not waited for: it
    /// costs no event, only a zero in the summary's total for `what`. A future dropped before it is ready
    /// (a `select!` took another branch, or the task was aborted) ends its wait all the same.
    pub(crate) async fn wait_for<F: Future>(&self, what: &'static str, future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut wait = Wait { task: self, what, since: None };
        std::future::poll_fn(|context| {
            let poll = future.as_mut().poll(context);
            if poll.is_pending() && wait.since.is_none() {
                wait.since = Some(self.harness.event(|record, at| {
                    record.tasks[self.index].activity = Activity::Waiting { what, since: at };
                    at
                }));
            }
            poll
        })
        .await
    }

    /// Runs `wait`, a call that blocks this thread until another thread acts (a `recv`, a `send` on a full
    /// queue, a `join`), noting meanwhile that this task waits for `what`: the twin of
    /// [`Watched::watched`](crate::Watched::watched) for a lesson on threads (lesson 8).
    pub fn blocked_on<R>(&self, what: &'static str, wait: impl FnOnce() -> R) -> R {
        let since = self.harness.event(|record, at| {
            record.tasks[self.index].activity = Activity::Waiting { what, since: at };
            at
        });
        let _wait = Wait { task: self, what, since: Some(since) };
        wait()
    }

    /// Ends a wait that began at `since`, or counts a wait that never began as a zero.
    fn end_wait(&self, what: &'static str, since: Option<Duration>) {
        match since {
            None => {
                let at = self.harness.elapsed();
                let mut guard = self.harness.record();
                let record = &mut *guard;
                self.add_to_waited(record, what, Duration::ZERO);
                // Not an event, but a fact for the check all the same: a `join()` ready at once, before any
                // job was made, returned too early. (Only `join()`: other waits ready at once are many, and
                // the check does not read them.)
                if let Some(report) = record.report.as_mut().filter(|_| what.contains("join()")) {
                    let unfinished = record.ledger.unfinished_count();
                    report.waited(&record.tasks[self.index].name, what, at, at, unfinished);
                }
            }
            Some(since) => self.harness.event(|record, at| {
                record.tasks[self.index].activity = Activity::Busy;
                self.add_to_waited(record, what, at - since);
                if let Some(timeline) = &mut record.timeline {
                    timeline.rows[self.index].waits.push((since, at));
                }
                if let Some(report) = &mut record.report {
                    let unfinished = record.ledger.unfinished_count();
                    report.waited(&record.tasks[self.index].name, what, since, at, unfinished);
                }
            }),
        }
    }

    /// Adds `waited` to this task's total for `what`.
    fn add_to_waited(&self, record: &mut Record, what: &'static str, waited: Duration) {
        let totals = &mut record.tasks[self.index].waited;
        // The same text is almost always the same `&'static str`: comparing the addresses first saves
        // comparing the letters.
        match totals.iter_mut().find(|(known, _)| std::ptr::eq(*known, what) || *known == what) {
            Some((_, total)) => *total += waited,
            None => totals.push((what, waited)),
        }
    }

    /// Writes in the ledger that this task put `job` on the queue. It prints nothing: the line that says so
    /// comes once the job is really on the queue.
    pub fn produced(&self, job: &Job) {
        self.harness.event(|record, at| {
            record.ledger.produced(job);
            if let Some(timeline) = &mut record.timeline {
                timeline.queued.push((job.number, at));
            }
            if let Some(report) = &mut record.report {
                report.produced(job.number, at);
            }
        });
    }

    /// Prints `line` and writes in the ledger that this task processed `job`, which ends now.
    pub fn processed(&self, job: &Job, line: impl Display) {
        self.ended_job(job, Some(End::Processed), Ending::Processed, line);
    }

    /// Prints `line` and writes in the ledger that `job` failed in this task's hands, and that the failure
    /// was handled.
    pub fn failed(&self, job: &Job, line: impl Display) {
        self.ended_job(job, Some(End::Failed), Ending::Failed, line);
    }

    /// Prints `line` and notes that an attempt at `job` failed in this task's hands and will be retried: the
    /// job goes on, and the ledger waits for its end.
    pub fn retrying(&self, job: &Job, line: impl Display) {
        self.ended_job(job, None, Ending::Retrying, line);
    }

    /// Prints `line` and writes in the ledger that `job` failed its last attempt in this task's hands and
    /// was parked in a dead-letter queue.
    pub fn dead_lettered(&self, job: &Job, line: impl Display) {
        self.ended_job(job, Some(End::DeadLettered), Ending::Failed, line);
    }

    /// Prints `line` and writes in the ledger that `job` was handed back: a cancelled run will not process it,
    /// and says so; or (lesson 9's `--workers-only`) it went back to a queue it came from, and a worker of
    /// another program ended it.
    pub fn returned(&self, job: &Job, line: impl Display) {
        self.harness.event(|record, at| {
            let Record { transcript, ledger, tasks, timeline, report, .. } = record;
            let name = &tasks[self.index].name;
            transcript.event(at, format_args!("[{name}] {line}"));
            ledger.ended(job, End::Returned);
            if let Some(timeline) = timeline {
                timeline.returned.push((job.number, at));
            }
            if let Some(report) = report {
                report.ended(job.number, Some(End::Returned), name, at);
            }
        });
    }

    /// Prints `line` and writes in the ledger that `job` was aborted in a worker's hands, at a shutdown's
    /// deadline, after it had run for `ran_for`. The timeline shows the part of its processing that was done.
    pub fn aborted(&self, job: &Job, ran_for: Duration, line: impl Display) {
        self.harness.event(|record, at| {
            let started = at.saturating_sub(ran_for);
            let Record { transcript, ledger, tasks, timeline, report, .. } = record;
            let name = &tasks[self.index].name;
            transcript.event(at, format_args!("[{name}] {line}"));
            ledger.ended(job, End::Aborted);
            if let Some(timeline) = timeline {
                let span = Span { job: job.number, start: started, end: at, ending: Ending::Failed };
                timeline.rows[self.index].spans.push(span);
            }
            if let Some(report) = report {
                report.ended(job.number, Some(End::Aborted), name, at);
            }
        });
    }

    /// Prints `line` and writes in the ledger that `job`, parked in a dead-letter queue, was replayed by this
    /// task and processed after all.
    pub fn recovered(&self, job: &Job, line: impl Display) {
        self.ended_job(job, Some(End::Recovered), Ending::Processed, line);
    }

    /// Prints `line`, writes a job's end in the ledger, and in the timeline the time this task held it: the
    /// job's processing time, up to now. Every lesson processes a job by waiting its processing time, then
    /// reporting how it ended.
    fn ended_job(&self, job: &Job, end: Option<End>, ending: Ending, line: impl Display) {
        self.harness.event(|record, at| {
            let Record { transcript, ledger, tasks, timeline, report, .. } = record;
            let name = &tasks[self.index].name;
            transcript.event(at, format_args!("[{name}] {line}"));
            if let Some(end) = end {
                ledger.ended(job, end);
            }
            if let Some(report) = report {
                report.ended(job.number, end, name, at);
            }
            if let Some(timeline) = timeline {
                timeline.rows[self.index].spans.push(Span {
                    job: job.number,
                    start: at.saturating_sub(job.processing_time),
                    end: at,
                    ending,
                });
            }
        });
    }

    /// Notes that this task ended cleanly.
    pub fn shut_down(mut self) {
        self.shut_down = true;
        self.set_end(|at| Activity::ShutDown { at });
    }

    /// Notes how this task ended, as its activity and in the timeline.
    fn set_end(&self, activity: impl FnOnce(Duration) -> Activity) {
        self.harness.event(|record, at| {
            let activity = activity(at);
            if let Some(timeline) = &mut record.timeline {
                let clean = matches!(activity, Activity::ShutDown { .. });
                timeline.rows[self.index].ended = Some((at, clean));
            }
            record.tasks[self.index].activity = activity;
        });
    }
}

impl Drop for TaskLog {
    /// A task that ends without [`TaskLog::shut_down`] was ended by an error or a panic. Nobody may be
    /// looking at its `JoinHandle` yet, so the course says it in the transcript: a failure is never silent.
    fn drop(&mut self) {
        if self.shut_down || self.harness.record().concluded {
            return;
        }
        self.set_end(|at| Activity::Stopped { at });
        let how = if std::thread::panicking() { "it panicked" } else { "it returned early: an error?" };
        self.say(format_args!("!! This task ended without shutting down ({how})"));
    }
}

/// A wait in progress: its drop ends it, whether the future it waited on was ready or was dropped unfinished.
struct Wait<'a> {
    task: &'a TaskLog,
    what: &'static str,
    since: Option<Duration>,
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        self.task.end_wait(self.what, self.since);
    }
}
