//! The worker processes, seen from the lesson: it starts them, relays what each reports to `reports`, which
//! writes it down, and kills one on purpose when `--kill-worker-at` says so.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lesson_support::{Harness, Seconds, TaskLog};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::reports::Books;
use crate::worker_process::{WorkerProcess, worker_name};

/// The worker processes of a run, each with the task that reads its reports.
pub struct WorkerProcesses {
    relays: Vec<JoinHandle<()>>,
    books: Arc<Mutex<Books>>,
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

/// Reads one worker process's reports, and has them written down (`reports`).
pub(crate) struct Relay {
    pub(crate) harness: Harness,
    pub(crate) process: usize,
    /// The log of each of its workers, until the worker shuts down.
    pub(crate) tasks: BTreeMap<usize, TaskLog>,
    pub(crate) books: Arc<Mutex<Books>>,
    /// The job each worker holds, and when it took it.
    pub(crate) held: BTreeMap<usize, (usize, Duration)>,
    /// The workers of this process that have stopped still with a job in hand, ready for the kill.
    pub(crate) holding_still: BTreeSet<usize>,
    /// Whether jobs take no time (`--no-work`).
    pub(crate) no_work: bool,
    /// How long a claim lasts, on the lesson's clock (`--lease`).
    pub(crate) lease: Duration,
    /// Whether a worker has said that it waits for the queue (`--workers-only`).
    pub(crate) waiting_for_queue: bool,
}

/// How long the watchdog is told to expect nothing after each look of a worker that waits for the queue: far
/// more than the time between two looks (`worker_process::LOOK_FOR_THE_QUEUE_EVERY`), on the lesson's clock.
pub(crate) const WAIT_FOR_THE_QUEUE_AT_LEAST: Duration = Duration::from_secs(20);

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
}
