//! Lesson 9, the capstone: the workers of the earlier lessons on a job queue in PostgreSQL, in processes that
//! can die without losing a job.
//!
//! Every earlier lesson kept its queue in the program's memory: when the program dies, every queued job dies
//! with it, and one machine is the limit. Here the queue is a table, and the workers are other processes
//! (`--processes`), which could run on other machines with the same connection string (`--workers-only` runs
//! them alone, for a lesson that runs elsewhere). Each earlier idea has its twin in the database:
//!
//! | in memory (lessons 1 to 5)                        | in PostgreSQL (this lesson, `queue.rs`)                        |
//! |---------------------------------------------------|----------------------------------------------------------------|
//! | `sender.send(job).await`                          | `INSERT INTO jobs`, then `pg_notify` to one sleeper            |
//! | `receiver.recv().await`                           | `UPDATE … FOR UPDATE SKIP LOCKED`: a claim with a lease        |
//! | the receipt's drop marks the job done (lesson 3)  | `UPDATE jobs SET state = 'done'`, with the result's write      |
//! | `queue.join()` (lesson 3)                         | wait until no job is queued or running                         |
//! | the sentinel, or the last sender dropped          | `UPDATE queue SET closed = true`                               |
//! | priority first (lesson 4)                         | `ORDER BY priority DESC, number`                               |
//! | a retry's timer (lesson 5)                        | `run_at = now() + backoff`                                     |
//! | the dead-letter queue (lesson 5)                  | `state = 'dead'`, and `--replay-dead-letters`                  |
//! | a bounded queue's backpressure                    | the producer waits while `--queue-size` jobs are queued        |
//! | a wake-up through a `Notify` (lesson 4)           | `LISTEN` / `NOTIFY`, one sleeper woken per job, a slow look    |
//!
//! What a shared queue adds is a worker that dies holding a job (`--kill-worker-at`): no one tells the queue,
//! so the job stays claimed until its lease runs out, then another worker takes it. Delivery is at least
//! once; the job's *effect* is made once, because writing a result is idempotent (`results` has the job as
//! its key), and shares its transaction with marking the job done. The modules:
//!
//! - `queue`: the table and its statements, the lesson's heart;
//! - `worker_process`: a worker process, which is this program started again;
//! - `events`: what a worker process reports, a line at a time;
//! - `processes`: the worker processes seen from the lesson, which starts them and kills one;
//! - `reports`: what the worker processes report, written in the transcript and the ledger (instruments);
//! - `server`: the PostgreSQL server: `DATABASE_URL`'s, or a throwaway cluster of the lesson's own;
//! - `server_programs`: where PostgreSQL's programs are, and who may run them.
//!
//! Processes cannot run on tokio's simulated clock: like lesson 8, this lesson runs on the wall clock, sped
//! up 50 times unless `--real-time`. The lesson text is `lessons/09-postgres-queue.md`.

pub mod events;
pub mod processes;
pub mod queue;
pub mod reports;
pub mod server;
pub mod server_programs;
pub mod worker_process;

use std::sync::Arc;
use std::time::Duration;

use lesson_support::settings::whole_number;
use lesson_support::{Harness, Lesson, LessonOptions, Settings, TaskLog, Watched};

use crate::processes::WorkerProcesses;
use crate::queue::Queue;
use crate::server::Server;
use crate::worker_process::WorkerProcess;

/// What `--help` says about this lesson.
pub const LESSON: Lesson = Lesson {
    name: env!("CARGO_PKG_NAME"),
    about: env!("CARGO_PKG_DESCRIPTION"),
    heading: "Producer-Consumer on PostgreSQL",
};

/// The schema that holds the queue's tables: made afresh at the start of every run.
pub const SCHEMA: &str = "postgres_queue";

/// The environment variable that names the PostgreSQL server to use, when `--database-url` does not.
pub const DATABASE_URL: &str = "DATABASE_URL";

/// The most worker processes a run may start.
pub const MAX_PROCESSES: usize = 16;

/// The end of this lesson's `--help`.
const AFTER_HELP: &str = concat!(
    "With no DATABASE_URL, the lesson starts a throwaway PostgreSQL cluster of its own (initdb and pg_ctl, in ",
    "the system's temporary folder, on a Unix socket, no TCP port) and deletes it when the program ends, even ",
    "on Ctrl-C. With ",
    "DATABASE_URL, it uses that server, in a schema of its own (postgres_queue), whose tables each run makes ",
    "afresh; it drops nothing it did not make, and refuses (status 3) where something else is in the way.\n\n",
    "The workers are processes, on the wall clock sped up 50 times (with --real-time, not sped up): which worker ",
    "takes which job, and the times, change from run to run; the jobs and the accounting do not, and --sorted ",
    "prints them. With --kill-worker-at, or a --lease shorter than a job, which jobs are delivered again ",
    "changes too, and --sorted shows it as it was; with --workers-only, which jobs this program's workers take.\n\n",
    "Exit status: 0 every job accounted for, in the transcript and in the database; 1 something went wrong ",
    "(a job lost, an effect written twice, a process that ended without shutting down); 2 a mistake in the flags; ",
    "3 no PostgreSQL (the programs are not installed, or DATABASE_URL cannot be reached); 130 Ctrl-C.",
);

/// The flags of this lesson's experiments.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "This lesson's experiments")]
pub struct Options {
    /// How many worker processes share the workers (`--workers` is the workers of all of them).
    #[arg(long, value_name = "N", default_value_t = 2, allow_hyphen_values = true,
          value_parser = whole_number(1usize, MAX_PROCESSES))]
    pub processes: usize,

    /// Kill worker process P1 with SIGKILL this many seconds into the run, as a crash would, as soon as one
    /// of its workers has taken a job after that (not at all if none takes one until the end): the jobs it
    /// held are taken by other workers once their leases run out.
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true, value_parser = lesson_support::settings::seconds)]
    pub kill_worker_at: Option<Duration>,

    /// The first worker to take job N stalls with it in hand, as a long pause or a lost network would, until
    /// its lease has run out and another worker has taken the job over and ended it; then it goes on, and
    /// its write of the result does nothing. A lease running out, made certain instead of left to the clock.
    #[arg(long, value_name = "N", allow_hyphen_values = true,
          value_parser = whole_number(1usize, lesson_support::settings::MAX_JOBS))]
    pub stall: Option<usize>,

    /// How long a worker's claim on a job lasts, in seconds. A job whose lease runs out is taken again by
    /// another worker: make it shorter than a job takes, and see a job processed twice and written once.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0, allow_hyphen_values = true, value_parser = lease)]
    pub lease: f64,

    /// Make job N urgent: it jumps the queue (`ORDER BY priority DESC`). Repeat, or separate with commas.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_delimiter = ',',
          value_parser = whole_number(1usize, lesson_support::settings::MAX_JOBS))]
    pub urgent: Vec<usize>,

    /// The chance that an attempt fails for a transient reason, from 0 to 1, drawn from the seed as in
    /// lesson 5.
    #[arg(long, value_name = "P", default_value_t = 0.0, allow_hyphen_values = true, value_parser = lesson_support::settings::probability)]
    pub fail_rate: f64,

    /// Make job N fail on every attempt: a poison job. Repeat, or separate with commas.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_delimiter = ',',
          value_parser = whole_number(1usize, lesson_support::settings::MAX_JOBS))]
    pub poison: Vec<usize>,

    /// How many attempts a job gets before its state becomes dead.
    #[arg(long, value_name = "N", default_value_t = 3, allow_hyphen_values = true,
          value_parser = whole_number(1u32, 10))]
    pub max_attempts: u32,

    /// The delay before a job's first retry, in milliseconds; it doubles before each retry after that.
    #[arg(long, value_name = "MS", default_value_t = 100, allow_hyphen_values = true,
          value_parser = whole_number(0u64, 60_000))]
    pub backoff_ms: u64,

    /// Once every job is done or dead, put the dead ones back in the queue for one more attempt.
    #[arg(long)]
    pub replay_dead_letters: bool,

    /// Jobs take no time to make or to process, so that a run measures the queue itself: what `cargo xtask
    /// bench` times, with 1 to 8 processes.
    #[arg(long)]
    pub no_work: bool,

    /// The PostgreSQL server to use, as a URL (postgres://user@host/database) or key=value pairs; without
    /// it, DATABASE_URL's, if that is set and not empty. Without either, the lesson starts a throwaway
    /// cluster of its own.
    // Not clap's `env`: an empty DATABASE_URL (`export DATABASE_URL=`) means "not set", as it does for
    // PostgreSQL's own programs, and a bad one is named as DATABASE_URL, not as a flag no one typed. See
    // `prepare`.
    #[arg(long, value_name = "URL", allow_hyphen_values = true, value_parser = connection_string)]
    pub database_url: Option<String>,

    /// Run worker processes only, for the queue of a lesson that runs elsewhere (another terminal, another
    /// machine) on the same server (--database-url, or DATABASE_URL): they wait for its queue to open, take
    /// jobs from it beside the lesson's own workers, and stop once it is closed. That lesson keeps the account.
    /// Give them the lesson's --jobs, --seed, --workload, --fail-rate, --poison, --max-attempts, --backoff-ms
    /// and --lease: they process jobs as those say.
    #[arg(long)]
    pub workers_only: bool,

    /// The server, once `set_up` has found or started it. The runs of a sweep share it: a throwaway cluster
    /// stops when the last of them drops it, before the program returns (see `server.rs`).
    #[arg(skip)]
    pub server: Option<Arc<Server>>,
}

impl LessonOptions for Options {
    const ON_THREADS: bool = true;
    const AFTER_HELP: Option<&'static str> = Some(AFTER_HELP);

    fn takes_jobs_from_elsewhere(&self) -> bool {
        self.workers_only
    }

    /// A job's every attempt (each takes a second at most) and every backoff between them, lesson 5's, and a
    /// replay's, and a lease that runs out: the watchdog stops a run that goes on far longer.
    fn longest_job(&self) -> Duration {
        let backoffs: Duration = (0..self.max_attempts.saturating_sub(1))
            .map(|retry| Duration::from_millis(self.backoff_ms) * 2u32.pow(retry))
            .sum();
        Duration::from_secs(u64::from(self.max_attempts) + 1) + backoffs + Duration::from_secs_f64(self.lease)
    }

    fn prepare(&mut self, settings: &Settings) -> Result<(), String> {
        if self.database_url.is_none() {
            match std::env::var(DATABASE_URL) {
                Ok(url) if !url.trim().is_empty() => {
                    // Its value is not repeated: it may hold a password.
                    let url = connection_string(&url).map_err(|_| {
                        "DATABASE_URL is set, but not to a connection string the lesson can read: unset it, or set \
                         it to one such as postgres://me@localhost/mine"
                            .to_string()
                    })?;
                    self.database_url = Some(url);
                }
                Ok(_) => {}
                Err(std::env::VarError::NotPresent) => {}
                Err(std::env::VarError::NotUnicode(_)) => {
                    return Err(
                        "DATABASE_URL is set, but not to text (UTF-8): unset it, or set it to a connection \
                                string such as postgres://me@localhost/mine"
                            .to_string(),
                    );
                }
            }
        }
        if self.workers_only {
            if self.database_url.is_none() {
                return Err("--workers-only needs the server of the lesson whose queue they work for: give \
                            --database-url, or set DATABASE_URL, as for that lesson"
                    .to_string());
            }
            let the_lesson_s = [
                (self.kill_worker_at.is_some(), "--kill-worker-at"),
                (!self.urgent.is_empty(), "--urgent"),
                (self.replay_dead_letters, "--replay-dead-letters"),
            ];
            if let Some((_, flag)) = the_lesson_s.iter().find(|(given, _)| *given) {
                return Err(format!(
                    "{flag} is for the lesson that makes the jobs, not for --workers-only: give it to that lesson"
                ));
            }
        }
        if self.processes > settings.workers {
            return Err(format!(
                "--processes {} is more than --workers {}: each process runs at least one worker",
                self.processes, settings.workers
            ));
        }
        if self.kill_worker_at.is_some() && self.processes < 2 {
            return Err(
                "--kill-worker-at needs --processes 2 or more: with one, no worker is left to take the jobs of the \
                 one killed"
                    .to_string(),
            );
        }
        if self.stall.is_some() && settings.workers < 2 {
            return Err(
                "--stall needs --workers 2 or more: with one, no worker is left to take over the job it stalls with"
                    .to_string(),
            );
        }
        if let Some(job) = self.stall {
            lesson_support::failures::prepare_job_numbers("--stall", &mut vec![job], settings)?;
        }
        lesson_support::failures::prepare_job_numbers("--poison", &mut self.poison, settings)?;
        lesson_support::failures::prepare_job_numbers("--urgent", &mut self.urgent, settings)
    }

    fn set_up(&mut self, _settings: &Settings) -> Result<(), String> {
        let server = match &self.database_url {
            Some(url) => Server::at(url)?,
            None => Server::start_throwaway(&server::clusters_folder())?,
        };
        // Connect once now, and find out whether the queue can be made: a server that cannot be reached, or a
        // schema that holds what the lesson did not make, is a set-up problem, said in one line before any
        // run. In a transaction rolled back: the run makes its own queue, and workers elsewhere
        // (`--workers-only`) must never see one open before it. (Workers only make nothing: the queue is the
        // other lesson's.)
        let workers_only = self.workers_only;
        lesson_support::clock::runtime(true)
            .block_on(async {
                let (client, _) = server.connect().await?;
                if workers_only {
                    return Ok(());
                }
                let database =
                    |error: tokio_postgres::Error| format!("the database: {}", server::reason(&error));
                client.batch_execute("BEGIN").await.map_err(database)?;
                let made = queue::create(&client, SCHEMA).await;
                client.batch_execute("ROLLBACK").await.map_err(database)?;
                made.map_err(|error| queue::refusal(SCHEMA, &error))
            })
            .map_err(|problem| format!("{problem} ({})", server.describe()))?;
        self.server = Some(Arc::new(server));
        Ok(())
    }
}

/// `--lease`'s parser: seconds, more than 0 (a lease of nothing is no lease) and at most an hour.
fn lease(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if value > 0.0 && value <= 3600.0 => Ok(value),
        _ => Err("expected seconds more than 0 and at most 3600, such as 2.5".to_string()),
    }
}

/// `--database-url`'s parser: a connection string that `tokio-postgres` can read.
fn connection_string(text: &str) -> Result<String, String> {
    match text.parse::<tokio_postgres::Config>() {
        // An empty string is a valid one, of defaults only: not what a learner who typed nothing meant.
        Ok(_) if !text.trim().is_empty() => Ok(text.to_string()),
        _ => Err("expected a PostgreSQL connection string, such as postgres://me@localhost/mine".to_string()),
    }
}

/// A safety net under the notifications: whoever waits looks again at least this often (on the lesson's
/// clock), even if no notification came.
const LOOK_AGAIN_EVERY: Duration = Duration::from_secs(2);

/// Runs the lesson: a fresh queue in the database, the worker processes, the producer; then waits for every
/// job, closes the queue, and holds the database's account against the transcript's.
pub async fn run(harness: Harness, options: Options) {
    let main = harness.task_log("Main");
    let ran = match options.workers_only {
        false => coordinate(&harness, &main, &options).await,
        true => work_for_a_queue_elsewhere(&harness, &main, &options).await,
    };
    if let Err(problem) = ran {
        main.say(format_args!("!! {problem}"));
        harness.fail(problem);
    }
    main.shut_down();
}

/// What `run` does, with every database error handed back.
async fn coordinate(harness: &Harness, main: &TaskLog, options: &Options) -> Result<(), String> {
    let server = options.server.as_ref().expect("set_up found the server");
    let database = |error: tokio_postgres::Error| format!("the database: {}", server::reason(&error));
    let look_again = harness.wall_time(LOOK_AGAIN_EVERY);

    let (client, bells) = server.connect().await?;
    queue::create(&client, SCHEMA).await.map_err(|error| queue::refusal(SCHEMA, &error))?;
    let queue = Queue::new(client, SCHEMA).await.map_err(database)?;
    let bell = bells.bell(queue::JOB_ENDED);
    queue.listen(queue::JOB_ENDED).await.map_err(database)?;
    // Which server it is (DATABASE_URL's, or a throwaway cluster) is left out, so that every run says the same.
    main.say(format_args!("The queue is a table in PostgreSQL, in a schema of its own: {SCHEMA}"));

    let template = worker_process_template(harness, options);
    let kill_at = options.kill_worker_at;
    let processes = WorkerProcesses::start(harness, options.processes, &template, kill_at)?;
    main.say(format_args!(
        "Started {} worker processes; each is this program again, and could run on another machine",
        options.processes
    ));

    let producer = tokio::spawn(produce(harness.clone(), harness.task_log("Producer"), options.clone()));
    producer
        .watched(main, "the producer to finish")
        .await
        .map_err(|crash| format!("the producer: {crash}"))??;

    // The twin of lesson 3's `queue.join()`: every job done or dead, retries included.
    queue.join(&bell, look_again).watched(main, "every job to be done or dead").await.map_err(database)?;
    if options.replay_dead_letters {
        let replayed = queue.replay_dead_letters().await.map_err(database)?;
        main.say(format_args!("Replaying {} dead job(s): their state is queued again", replayed.len()));
        queue
            .join(&bell, look_again)
            .watched(main, "every job to be done or dead")
            .await
            .map_err(database)?;
    }
    // The twin of the sentinel: the workers see it, and stop once nothing is left.
    main.say("Every job is done or dead: closing the queue");
    queue.close().await.map_err(database)?;
    let books = processes.wait().watched(main, "the worker processes to finish").await;

    check_the_database(harness, main, &queue, &books).await.map_err(database)
}

/// What every worker process is told, but its number and its workers'.
fn worker_process_template(harness: &Harness, options: &Options) -> WorkerProcess {
    let settings = harness.settings();
    let server = options.server.as_ref().expect("set_up found the server");
    WorkerProcess {
        process: 0,
        name_prefix: String::new(),
        wait_for_queue: false,
        workers: Vec::new(),
        connect: server.connection_string().to_string(),
        schema: SCHEMA.to_string(),
        seed: settings.seed,
        workload: settings.workload,
        speed_up: settings.speed_up(),
        fail_rate: options.fail_rate,
        poison: options.poison.clone(),
        max_attempts: options.max_attempts,
        backoff_ms: options.backoff_ms,
        lease_ms: (options.lease * 1000.0) as u64,
        stall: options.stall,
        no_work: options.no_work,
        bounded: settings.queue_size > 0,
    }
}

/// `--workers-only`: worker processes for the queue of a lesson that runs elsewhere, and nothing else. They
/// wait for its queue to open, take jobs beside its own workers, and stop once it is closed and every job is
/// done or dead. What this program's ledger holds is the jobs its workers took, each ended here or given back.
async fn work_for_a_queue_elsewhere(
    harness: &Harness,
    main: &TaskLog,
    options: &Options,
) -> Result<(), String> {
    main.say(format_args!(
        "Workers only (--workers-only): the queue in {SCHEMA} is made, filled and closed by the lesson that runs \
         elsewhere on this server; its workers and these share it"
    ));
    let template = WorkerProcess {
        name_prefix: format!("{}:", this_program()),
        wait_for_queue: true,
        ..worker_process_template(harness, options)
    };
    let processes = WorkerProcesses::start(harness, options.processes, &template, None)?;
    main.say(format_args!(
        "Started {} worker processes; each waits for the queue to open, then takes jobs from it",
        options.processes
    ));
    let books = processes.wait().watched(main, "the worker processes to finish").await;
    // The jobs taken here whose end no worker here reported: the database says who ended them. A worker of
    // the other program, once the job went back to the queue (a retry, a lease that ran out): this program's
    // part of it is over, and it is handed back. Or a worker here, whose report never came.
    let server = options.server.as_ref().expect("set_up found the server");
    let database = |error: tokio_postgres::Error| format!("the database: {}", server::reason(&error));
    let (client, _) = server.connect().await?;
    let queue = Queue::new(client, SCHEMA).await.map_err(database)?;
    let ended_in_the_database = queue.ended_jobs().await.map_err(database)?;
    for &number in books.taken.iter().filter(|number| !books.ended.contains(number)) {
        let Some(ended) = ended_in_the_database.iter().find(|ended| ended.number == number) else {
            continue; // Not ended at all: the summary counts it as lost.
        };
        let (job, by) = (harness.job(number), &ended.by);
        if by.starts_with(&template.name_prefix) {
            main.processed(
                &job,
                format_args!("{} was done by {by}, which did not live to say so", job.name()),
            );
        } else {
            main.returned(&job, format_args!("{} went back to the queue, and {by} ended it", job.name()));
        }
    }
    main.say(format_args!(
        "These workers took {} job(s) from the queue and ended {}; the lesson that made the jobs keeps their \
         account",
        books.taken.len(),
        books.ended.len()
    ));
    Ok(())
}

/// What names this program among every program whose workers share a queue: the machine, and the program's
/// process number on it (`laptop.4242`).
fn this_program() -> String {
    let machine = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "here".to_string());
    format!("{machine}.{}", std::process::id())
}

/// The producer: makes `--jobs` jobs and puts each in the table, waiting while `--queue-size` are queued.
async fn produce(harness: Harness, task: TaskLog, options: Options) -> Result<(), String> {
    let server = options.server.as_ref().expect("set_up found the server");
    let database = |error: tokio_postgres::Error| format!("the database: {}", server::reason(&error));
    // A connection of its own, which listens for workers taking jobs: that is when there may be room.
    let (client, bells) = server.connect().await?;
    let queue = Queue::new(client, SCHEMA).await.map_err(database)?;
    let bell = bells.bell(queue::JOB_TAKEN);
    queue.listen(queue::JOB_TAKEN).await.map_err(database)?;
    let capacity = harness.settings().queue_capacity();
    let bounded = harness.settings().queue_size > 0;
    let look_again = harness.wall_time(LOOK_AGAIN_EVERY);
    for job in harness.jobs() {
        if !options.no_work {
            tokio::time::sleep(harness.wall_time(job.production_time)).await;
        }
        // A table has no size limit: backpressure is the producer's own doing, here. It looks before every
        // put, because it is not the only one to make jobs wait: a retry, or a job whose lease ran out, waits
        // again too. (With no `--queue-size`, there is nothing to look for.)
        if bounded {
            queue
                .room(&bell, capacity, look_again)
                .watched(&task, "room in the queue")
                .await
                .map_err(database)?;
        }
        task.produced(&job);
        let priority = i32::from(options.urgent.binary_search(&job.number).is_ok());
        queue.put(job.number, priority).await.map_err(database)?;
        let urgent = if priority > 0 { " (urgent)" } else { "" };
        task.say(format_args!("Added job: {}{urgent}", job.name()));
    }
    task.say(format_args!("Done — added {} jobs total", harness.jobs_made()));
    task.shut_down();
    Ok(())
}

/// Holds the database's account of the run against the transcript's: every job done or dead, one result
/// per job done, and the jobs delivered more than once, named.
async fn check_the_database(
    harness: &Harness,
    main: &TaskLog,
    queue: &Queue,
    books: &reports::Books,
) -> Result<(), tokio_postgres::Error> {
    // Jobs that no worker of this program reported ended: workers of another program ended them
    // (`--workers-only`, whose names carry their program's: `laptop.4242:P1/Worker-1`), or one of these
    // workers did and its process was killed before it could say so. The database says who.
    for ended in queue.ended_jobs().await?.iter().filter(|ended| !books.ended.contains(&ended.number)) {
        let job = harness.job(ended.number);
        let (name, by) = (job.name(), &ended.by);
        let whose =
            if by.contains(':') { "elsewhere, by" } else { "by a worker that did not live to say so," };
        match ended.done {
            true => main.processed(&job, format_args!("{name} was done {whose} {by}")),
            false => main.dead_lettered(&job, format_args!("{name} died {whose} {by}")),
        }
    }
    // Jobs that died here, were replayed (`--replay-dead-letters`), and were done by a worker whose report
    // never came here: the ledger still has them dead.
    let done = queue.ended_jobs().await?.into_iter().filter(|ended| ended.done);
    for ended in done.filter(|ended| books.dead.contains(&ended.number)) {
        let job = harness.job(ended.number);
        main.recovered(&job, format_args!("{} was replayed and done, by {}", job.name(), ended.by));
    }
    let account = queue.account().await?;
    main.say(format_args!(
        "The database's account: {} jobs, {} done, {} dead, {} results written",
        account.jobs, account.done, account.dead, account.results
    ));
    // Every delivery ends in a failed attempt, the job done, or a lease that ran out: one that ended in none of
    // them was taken from a worker that still held the job.
    let (unexplained, explained): (Vec<_>, Vec<_>) =
        account.delivered_again.iter().partition(|again| again.unexplained() > 0);
    for again in explained {
        main.say(format_args!(
            "{} was delivered {} times for {} attempt(s): a delivery was cut short (its process died, or its \
             lease ran out), and its result was written once",
            harness.job(again.number).name(),
            again.deliveries,
            again.attempts + 1
        ));
    }
    if let Some(first) = unexplained.first() {
        let others = match unexplained.len() - 1 {
            0 => String::new(),
            more => format!(" (and {more} more job(s) the same way)"),
        };
        harness.fail(format!(
            "{} was delivered {} times, but its failed attempts ({}), its completion ({}) and the leases that ran out \
             on it ({}) explain only {}: a worker took it while another still held it, its lease not run \
             out{others}. Two workers at one job: a claim must take only a job that waits",
            harness.job(first.number).name(),
            first.deliveries,
            first.attempts,
            u32::from(first.done),
            first.leases_ran_out,
            first.deliveries - first.unexplained(),
        ));
    }
    if account.results != account.done {
        harness.fail(format!(
            "the database has {} results for {} jobs done: an effect was made twice, or not at all",
            account.results, account.done
        ));
    }
    if account.unfinished > 0 {
        harness.fail(format!("{} jobs are still queued or running in the database", account.unfinished));
    }
    Ok(())
}
