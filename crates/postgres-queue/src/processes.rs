//! The worker processes, seen from the lesson: it starts them, reads what each reports, writes it in the
//! transcript and the ledger, and kills one on purpose when `--kill-worker-at` says so.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lesson_support::{Harness, Seconds, TaskLog};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::events::{Event, What};
use crate::worker_process::{WorkerProcess, worker_name};

/// The worker processes of a run, each with the task that reads its reports.
pub struct WorkerProcesses {
    relays: Vec<JoinHandle<()>>,
    books: Arc<Mutex<Books>>,
}

/// What the lesson knows of every job's end, across every process: a job's end is written in the ledger
/// once, whichever process reports it, and a job that comes back from the dead is told apart.
#[derive(Debug, Default)]
pub struct Books {
    /// The jobs whose end a worker of this program reported: done, or dead.
    pub ended: HashSet<usize>,
    /// The jobs that died here, and have not come back.
    pub dead: BTreeSet<usize>,
    /// With `--workers-only`, the jobs this program's workers took from the queue: each is written in the
    /// ledger as it arrives, when a worker takes it first.
    pub taken: BTreeSet<usize>,
}

impl WorkerProcesses {
    /// Starts `--processes` copies of this program as worker processes, sharing the workers out between
    /// them: with 3 workers and 2 processes, P1 runs workers 1 and 2, P2 runs worker 3. `template` holds
    /// what every process is told; `kill_at` is when to kill P1, on the lesson's clock.
    pub fn start(
        harness: &Harness,
        processes: usize,
        template: &WorkerProcess,
        kill_at: Option<Duration>,
    ) -> Result<WorkerProcesses, String> {
        let program =
            std::env::current_exe().map_err(|error| format!("cannot find this program: {error}"))?;
        let workers = harness.settings().workers;
        let books = Arc::new(Mutex::new(Books::default()));
        let mut relays = Vec::new();
        for process in 1..=processes {
            let numbers: Vec<usize> =
                (1..=workers).filter(|worker| (worker - 1) * processes / workers + 1 == process).collect();
            let tasks: BTreeMap<usize, TaskLog> = numbers
                .iter()
                .map(|&worker| {
                    (worker, harness.task_log(worker_name(&template.name_prefix, process, worker)))
                })
                .collect();
            let arguments = WorkerProcess { process, workers: numbers, ..template.clone() }.to_args();
            let child = Command::new(&program)
                .args(arguments)
                .env(crate::worker_process::CONNECT, &template.connect)
                // Its standard input stays open while this program runs: see `worker_process::main_if_asked`.
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                // A process group of its own, as the server's: Ctrl-C is for the lesson, which decides.
                .process_group(0)
                .kill_on_drop(true)
                .spawn()
                .map_err(|error| format!("cannot start worker process P{process}: {error}"))?;
            let kill_at = if process == 1 { kill_at } else { None };
            let relay = Relay {
                harness: harness.clone(),
                process,
                tasks,
                books: books.clone(),
                held: BTreeMap::new(),
                holding_still: BTreeSet::new(),
                no_work: template.no_work,
                lease: Duration::from_millis(template.lease_ms),
                waiting_for_queue: false,
            };
            relays.push(tokio::spawn(relay.run(child, kill_at)));
        }
        Ok(WorkerProcesses { relays, books })
    }

    /// Waits until every worker process has ended and every report is written down, and returns what their
    /// workers reported, for the lesson to hold against the database.
    pub async fn wait(self) -> Books {
        for relay in self.relays {
            relay.await.expect("a relay does not panic");
        }
        std::mem::take(&mut *self.books.lock().expect("no relay panics holding the books"))
    }
}

/// Reads one worker process's reports and writes them down.
struct Relay {
    harness: Harness,
    process: usize,
    /// The log of each of its workers, until the worker shuts down.
    tasks: BTreeMap<usize, TaskLog>,
    books: Arc<Mutex<Books>>,
    /// The job each worker holds, and when it took it.
    held: BTreeMap<usize, (usize, Duration)>,
    /// The workers of this process that have stopped still with a job in hand, ready for the kill.
    holding_still: BTreeSet<usize>,
    /// Whether jobs take no time (`--no-work`).
    no_work: bool,
    /// How long a claim lasts, on the lesson's clock (`--lease`).
    lease: Duration,
    /// Whether a worker has said that it waits for the queue (`--workers-only`).
    waiting_for_queue: bool,
}

/// How long the watchdog is told to expect nothing after each look of a worker that waits for the queue: far
/// more than the time between two looks (`worker_process::LOOK_FOR_THE_QUEUE_EVERY`), on the lesson's clock.
const WAIT_FOR_THE_QUEUE_AT_LEAST: Duration = Duration::from_secs(20);

impl Relay {
    async fn run(mut self, mut child: Child, kill_at: Option<Duration>) {
        let stdout = child.stdout.take().expect("the worker process's output is a pipe");
        let mut lines = BufReader::new(stdout).lines();
        // Held open until the process has ended: see `worker_process::main_if_asked`.
        let mut stdin = child.stdin.take().expect("the worker process's input is a pipe");
        // `--kill-worker-at` counts from the start of the run, which began before this relay.
        let kill_in =
            kill_at.unwrap_or(Duration::from_secs(3600 * 24)).saturating_sub(self.harness.elapsed());
        let kill = tokio::time::sleep(self.harness.wall_time(kill_in));
        tokio::pin!(kill);
        let (mut kill_due, mut killed) = (false, false);
        loop {
            tokio::select! {
                biased;
                () = &mut kill, if kill_at.is_some() && !kill_due => {
                    kill_due = true;
                    // At `--kill-worker-at`, the process is asked to stop still at its next claim, and killed
                    // once a worker says it has: a crash that loses nothing shows nothing, and a kill at a
                    // moment of the operating system's choosing could find every job already finished.
                    let hold = format!("{}\n", crate::worker_process::HOLD);
                    let _ = stdin.write_all(hold.as_bytes()).await;
                }
                line = lines.next_line() => match line {
                    Ok(Some(line)) => self.write_down(&line),
                    Ok(None) | Err(_) => break,
                },
            }
            // Killed once a worker holds still with a job in hand, and every other worker either holds still
            // too or holds nothing: a worker that has ended a job in the database but not yet said so would
            // take that news with it, and the lesson would count the job as held when it is done.
            let safe_to_kill = !self.holding_still.is_empty()
                && self.held.keys().all(|worker| self.holding_still.contains(worker));
            if kill_due && !killed && safe_to_kill {
                killed = true;
                self.harness.say(format_args!(
                    "[Main] Killing P{} with SIGKILL (--kill-worker-at): no goodbye, no clean-up, as in a \
                     crash",
                    self.process
                ));
                let _ = child.start_kill();
            }
        }
        if kill_due && !killed {
            self.harness.say(format_args!(
                "[Main] P{} was not killed (--kill-worker-at): it took no job from then until its workers \
                 shut down",
                self.process
            ));
        }
        let status = child.wait().await;
        drop(stdin);
        let lease = self.lease;
        for (worker, task) in std::mem::take(&mut self.tasks) {
            if killed {
                // Killed on purpose: the lesson says what the worker held, and counts it as shut down.
                match self.held.get(&worker) {
                    Some(&(job, since)) => {
                        let job = self.harness.job(job);
                        task.say(format_args!(
                            "Killed holding {}: it stays running until its lease runs out at {}, then another \
                             worker takes it",
                            job.name(),
                            Seconds(since + lease)
                        ));
                        self.harness.expect_progress_in(lease);
                    }
                    None => task.say("Killed, holding no job"),
                }
                task.shut_down();
            } else {
                // Ended without shutting down: its `TaskLog` is dropped, and the summary counts that.
                let status = status.as_ref().map_or_else(ToString::to_string, ToString::to_string);
                task.say(format_args!(
                    "!! Its process P{} ended ({status}) before the worker shut down",
                    self.process
                ));
            }
        }
    }

    /// Writes down one report.
    fn write_down(&mut self, line: &str) {
        let event: Event = match line.parse() {
            Ok(event) => event,
            Err(problem) => return self.harness.fail(problem),
        };
        let Some(task) = self.tasks.get(&event.worker) else {
            return self
                .harness
                .fail(format!("P{} reported for a worker it does not run: {line:?}", self.process));
        };
        let mut books = self.books.lock().expect("no relay panics holding the books");
        match event.what {
            What::Took { job, delivery, from } => {
                self.held.insert(event.worker, (job, self.harness.elapsed()));
                // `--workers-only`: this program made no job; one arrives when a worker here takes it first.
                if self.harness.settings().jobs_from_elsewhere && books.taken.insert(job) {
                    task.produced(&self.harness.job(job));
                }
                if let Some(from) = from {
                    let name = self.harness.job(job).name();
                    task.say(format_args!(
                        "Took over {name} (delivery {delivery}): the lease of {from} ran out"
                    ));
                }
            }
            What::Holding { .. } => {
                self.holding_still.insert(event.worker);
            }
            What::WaitingForQueue => {
                // Said once; the looks after it only tell the watchdog that the wait is meant: the lesson
                // that makes the queue may start long after.
                if !self.waiting_for_queue {
                    self.waiting_for_queue = true;
                    task.say("Waits for the queue to be made and opened, by the lesson that runs elsewhere");
                }
                self.harness.expect_progress_in(WAIT_FOR_THE_QUEUE_AT_LEAST);
            }
            What::Stalling { job: number } => {
                task.say(format_args!(
                    "Stalls with {} in hand (--stall), as a paused process would: nothing tells the queue, so \
                     its lease runs out and another worker takes the job over",
                    self.harness.job(number).name()
                ));
                self.harness.expect_progress_in(self.lease);
            }
            What::Processed { job: number, attempt } => {
                self.held.remove(&event.worker);
                let job = self.harness.job(number);
                let took = Seconds(if self.no_work { Duration::ZERO } else { job.processing_time });
                let attempt_number =
                    if attempt == 1 { String::new() } else { format!(", attempt {attempt}") };
                let line = format!("Processed: {} (took {took:.2}{attempt_number})", job.name());
                if books.dead.remove(&number) {
                    task.recovered(&job, format_args!("Recovered: {} on attempt {attempt}", job.name()));
                } else if books.ended.insert(number) {
                    task.processed(&job, line);
                } else {
                    // Another delivery of this job reported first that the result was already written: this
                    // delivery's write came first, but the reports of two processes race through two pipes.
                    // The job has ended once, in the ledger, already.
                    task.say(line);
                }
            }
            What::AlreadyWritten { job: number } => {
                self.held.remove(&event.worker);
                let job = self.harness.job(number);
                // Not an end: the delivery that wrote the result ends the job, when its report comes (through
                // another pipe, maybe later). If it never comes (its process was killed, or it is a worker of
                // another program), the lesson asks the database who wrote it, at the end.
                task.say(format_args!(
                    "Processed: {} again; its result was already written by another delivery, so the write did \
                     nothing",
                    job.name()
                ));
            }
            What::LostLease { job: number } => {
                self.held.remove(&event.worker);
                task.say(format_args!(
                    "Failed {} after its lease ran out: another worker holds the job now, and this one leaves it",
                    self.harness.job(number).name()
                ));
            }
            What::Retrying { job: number, attempt, delay_ms, error } => {
                self.held.remove(&event.worker);
                let job = self.harness.job(number);
                let delay = Duration::from_millis(delay_ms);
                task.retrying(
                    &job,
                    format_args!(
                        "Failed: {} (attempt {attempt}): {error}; due again in {}",
                        job.name(),
                        Seconds(delay)
                    ),
                );
                self.harness.expect_progress_in(delay);
            }
            What::Dead { job: number, attempts, error } => {
                self.held.remove(&event.worker);
                let job = self.harness.job(number);
                if books.dead.contains(&number) || books.ended.contains(&number) {
                    task.say(format_args!("Still failing: {} on attempt {attempts}: {error}", job.name()));
                } else {
                    books.dead.insert(number);
                    books.ended.insert(number);
                    task.dead_lettered(
                        &job,
                        format_args!(
                            "Gave up: {} after {attempts} attempt(s): {error}; its state is now dead",
                            job.name()
                        ),
                    );
                }
            }
            What::ShutDown => {
                drop(books);
                let task = self.tasks.remove(&event.worker).expect("looked up above");
                task.say("The queue is closed and every job is done or dead: shutting down");
                task.shut_down();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use lesson_support::testing::{Summary, run_recorded};
    use lesson_support::{Harness, NoOptions};

    use super::*;

    /// Two deliveries of one job, in one process here for the test: the delivery whose write counted
    /// reports after the one whose write did nothing, as two processes' reports can, through two pipes. The
    /// job ends once in the ledger, whichever report comes first.
    #[test]
    fn a_job_whose_reports_come_out_of_order_ends_once() {
        let lesson = |harness: Harness, _: NoOptions| async move {
            let producer = harness.task_log("Producer");
            producer.produced(&harness.job(1));
            producer.shut_down();
            let tasks =
                [1, 2].into_iter().map(|worker| (worker, harness.task_log(worker_name("", 1, worker))));
            let mut relay = Relay {
                harness: harness.clone(),
                process: 1,
                tasks: tasks.collect(),
                books: Arc::default(),
                held: BTreeMap::new(),
                holding_still: BTreeSet::new(),
                no_work: false,
                lease: Duration::from_secs(5),
                waiting_for_queue: false,
            };
            for line in ["1 took 1 1", "2 took 1 2 P1/Worker-1", "2 already-written 1", "1 processed 1 1"] {
                relay.write_down(line);
            }
            relay.write_down("1 shut-down");
            relay.write_down("2 shut-down");
        };
        let recorded = run_recorded(crate::LESSON, lesson, &["--jobs", "1", "--workers", "2"]);
        let summary = Summary::of(&recorded.output);
        assert!(summary.is_clean() && summary.processed == 1, "{}", recorded.output);
    }
}
