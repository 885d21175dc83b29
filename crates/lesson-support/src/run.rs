//! Running a lesson: from the command line to the exit status, for a binary or for a test.

use std::ffi::OsString;
use std::future::Future;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser};

use crate::exit::{EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_SET_UP, EXIT_USAGE, install_panic_hook};
use crate::failures::panic_message;
use crate::harness::Harness;
use crate::lesson::Lesson;
use crate::settings::Settings;
use crate::summary::conclude;
use crate::transcript::Transcript;
use crate::watchdog::watch;

/// The variable through which the runner tells a lesson's program the command that runs it
/// (`cargo xtask lesson 1`), for the usage line of its `--help`.
pub const COMMAND_NAME: &str = "LESSON_COMMAND_NAME";

/// The end of every lesson's `--help`.
const AFTER_HELP: &str = concat!(
    "On a terminal, a simulated run plays back at the pace of its clock; piped, or with --instant, it prints ",
    "at once. The same flags and seed always print the same bytes.\n\n",
    "Exit status: 0 every job accounted for and every task shut down; 1 the run ended but something went ",
    "wrong (the watchdog stopped it, a job was lost, a task stopped without shutting down); 2 a mistake in ",
    "the flags; 130 Ctrl-C stopped a --real-time run.",
);

/// The end of the `--help` of a lesson on threads.
const AFTER_HELP_ON_THREADS: &str = concat!(
    "This lesson runs on OS threads, on the wall clock sped up 50 times (with --real-time, not sped up): which ",
    "worker takes which job, and the times, change from run to run; the jobs, what each takes, and the ",
    "accounting do not, and --sorted prints them.\n\n",
    "Exit status: 0 every job accounted for and every task shut down; 1 the run ended but something went ",
    "wrong (the watchdog stopped it, a job was lost, a task stopped without shutting down); 2 a mistake in ",
    "the flags; 130 Ctrl-C stopped the run.",
);

/// A lesson's own flags, parsed by clap, and prepared for the run once the settings are known too.
pub trait LessonOptions: Args + Clone {
    /// Whether the lesson runs its pipeline on OS threads or processes (lessons 8 and 9). Neither can run on
    /// tokio's simulated clock: such a lesson runs on the wall clock, sped up
    /// [`THREADS_SPEED_UP`](crate::settings::THREADS_SPEED_UP) times unless `--real-time`, and waits with
    /// [`TaskLog::blocked_on`](crate::TaskLog::blocked_on).
    const ON_THREADS: bool = false;

    /// The end of the lesson's `--help`, when the course's own does not fit it (lesson 9 needs a server).
    const AFTER_HELP: Option<&'static str> = None;

    /// Whether the lesson handles Ctrl-C itself (lesson 7 teaches it). If not, on the wall clock the course
    /// does: the first Ctrl-C stops the producer, the second stops the program.
    fn handles_ctrl_c(&self) -> bool {
        false
    }

    /// Whether the run's workers take their jobs from a queue that another program fills, and the run makes
    /// none (lesson 9's `--workers-only`). Its heading and summary say so: each job a worker takes is written
    /// in the ledger as it arrives ([`TaskLog::produced`](crate::TaskLog::produced)), and counted as taken.
    fn takes_jobs_from_elsewhere(&self) -> bool {
        false
    }

    /// The longest one job can take, every retry and backoff included, when the lesson retries failed jobs
    /// (lessons 5 and 9): the watchdog stops a run that goes on far longer (see
    /// [`Settings::run_time_limit`]). Zero, the default, leaves the watchdog's two minutes a job.
    fn longest_job(&self) -> Duration {
        Duration::ZERO
    }

    /// Checks what a single flag's parser cannot, a value that depends on another flag (a job number that
    /// must not be above `--jobs`), and puts the options in the form the run uses (job lists sorted for a
    /// quick look-up). A mistake is one line naming the flag and what it accepts.
    fn prepare(&mut self, _settings: &Settings) -> Result<(), String> {
        Ok(())
    }

    /// Gets what the lesson needs from outside the program (lesson 9's PostgreSQL server), once, after the
    /// flags are known and before any run's clock starts, so that the time it takes is not the run's. What
    /// it gets lives in the options, and is dropped with them at the end of the program. A failure is one
    /// line, and the program exits with [`EXIT_SET_UP`](crate::exit::EXIT_SET_UP).
    fn set_up(&mut self, _settings: &Settings) -> Result<(), String> {
        Ok(())
    }
}

/// A lesson with no flags of its own.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct NoOptions {}

impl LessonOptions for NoOptions {}

/// The whole command line of a lesson: the settings every lesson takes and the lesson's own options.
#[derive(Debug, Parser)]
struct CommandLine<O: Args> {
    #[command(flatten)]
    settings: Settings,
    #[command(flatten)]
    options: O,
}

/// A command line that does not start a run.
enum Usage {
    /// `--help`: print it and exit with success.
    Help(String),
    /// A mistake, in one line.
    Mistake(String),
}

/// The `main` of every lesson binary: parses the command line, runs `lesson` with the watchdog beside it,
/// prints the summary and returns the exit status of the course's command-line contract.
pub fn main<O, F, Fut>(about: Lesson, lesson: F) -> ExitCode
where
    O: LessonOptions,
    F: Fn(Harness, O) -> Fut,
    Fut: Future<Output = ()>,
{
    // Run by `cargo xtask lesson 1`, the usage line of `--help` names that command, not the bare binary.
    let command_name = std::env::var(COMMAND_NAME).unwrap_or_else(|_| about.name.to_string());
    match parse::<O>(about, &command_name, std::env::args_os(), None) {
        Ok((settings, mut options)) => {
            if let Err(problem) = options.set_up(&settings) {
                eprintln!("error: {problem}");
                return ExitCode::from(EXIT_SET_UP);
            }
            // Some lessons make jobs panic on purpose (`--panic-job`), inside tasks where tokio catches the
            // panic and the lesson reports it in the transcript. The default hook would also print it, with a
            // note about backtraces, in the middle of the transcript; this one keeps quiet about those, and
            // keeps any other panic for the summary, which reports it and fails the run. A panic that escapes
            // the lesson is caught below and reported in one line instead.
            install_panic_hook();
            let run = AssertUnwindSafe(|| {
                // A table or a sorted view that cannot be written is said on standard error, and fails the run.
                let written = |status: u8, result: Result<(), String>| match result {
                    Ok(()) => status,
                    Err(problem) => {
                        eprintln!("error: {problem}");
                        status.max(EXIT_FAILURE)
                    }
                };
                if settings.is_sweep() {
                    let (table, status) = sweep(about, &settings, &options, &lesson);
                    return written(status, crate::transcript::write_to_stdout(&table));
                }
                if settings.sorted {
                    let transcript = Transcript::captured(settings.quiet);
                    let outcome = execute(about, settings, options, transcript, &lesson);
                    let view = crate::sorted::sorted_view(&outcome.transcript.into_captured());
                    return written(outcome.status, crate::transcript::write_to_stdout(&view));
                }
                let transcript =
                    Transcript::stdout(settings.is_simulated(), settings.quiet, settings.instant);
                execute(about, settings, options, transcript, &lesson).status
            });
            match std::panic::catch_unwind(run) {
                Ok(status) => ExitCode::from(status),
                Err(payload) => {
                    eprintln!("error: the lesson itself panicked: {}", panic_message(payload));
                    ExitCode::from(EXIT_FAILURE)
                }
            }
        }
        Err(Usage::Help(help)) => {
            // A reader that went away (`--help | head`) is not worth a panic.
            let _ = std::io::stdout().write_all(help.as_bytes());
            ExitCode::SUCCESS
        }
        Err(Usage::Mistake(line)) => {
            eprintln!("{line}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Runs `lesson` with the arguments `args` (without the program's name) and returns everything it would
/// print, standard output and standard error alike, followed by `[exit status N]`. For tests.
pub fn capture<O, F, Fut>(about: Lesson, lesson: F, args: &[&str]) -> String
where
    O: LessonOptions,
    F: Fn(Harness, O) -> Fut,
    Fut: Future<Output = ()>,
{
    let args = std::iter::once(about.name).chain(args.iter().copied()).map(OsString::from);
    let (text, status) = match parse::<O>(about, about.name, args, Some(100)) {
        Ok((settings, mut options)) => match options.set_up(&settings) {
            Err(problem) => (format!("error: {problem}\n"), EXIT_SET_UP),
            Ok(()) if settings.is_sweep() => sweep(about, &settings, &options, &lesson),
            Ok(()) => {
                let (transcript, sorted) = (Transcript::captured(settings.quiet), settings.sorted);
                let outcome = execute(about, settings, options, transcript, &lesson);
                let text = outcome.transcript.into_captured();
                (if sorted { crate::sorted::sorted_view(&text) } else { text }, outcome.status)
            }
        },
        Err(Usage::Help(help)) => (help, 0),
        Err(Usage::Mistake(line)) => (format!("{line}\n"), EXIT_USAGE),
    };
    format!("{text}[exit status {status}]\n")
}

/// How a run ended.
pub(crate) struct Outcome {
    /// The exit status of the command-line contract.
    pub(crate) status: u8,
    /// What the run printed, if it was captured.
    pub(crate) transcript: Transcript,
    /// How long the run took on its clock, up to the watchdog's stop if it had to stop it.
    pub(crate) elapsed: Duration,
    /// Whether the watchdog stopped the run.
    pub(crate) stalled: bool,
    /// The timeline, if it was recorded: what the tests read (`testing::run_recorded`).
    #[cfg(any(test, feature = "testing"))]
    pub(crate) timeline: Option<crate::timeline::Timeline>,
    /// How long the producer waited in all, for room in the queue.
    pub(crate) producer_waited: Duration,
}

/// Runs the lesson to its end, or until the watchdog stops it, and writes the summary.
pub(crate) fn execute<O, F, Fut>(
    about: Lesson,
    settings: Settings,
    options: O,
    transcript: Transcript,
    lesson: &F,
) -> Outcome
where
    O: LessonOptions,
    F: Fn(Harness, O) -> Fut,
    Fut: Future<Output = ()>,
{
    let (runtime, wake_ups) = crate::clock::runtime_counting_wake_ups(!settings.is_simulated());
    let limit = settings.watchdog_limit();
    let heading = heading(about, &settings);
    let quiet = settings.quiet;
    let handles_ctrl_c = options.handles_ctrl_c();
    let (status, elapsed, stalled, harness) = runtime.block_on(async {
        let real_time = !settings.is_simulated();
        let harness = Harness::counting_wake_ups(settings, transcript, Some(wake_ups));
        // With `--quiet`, the summary alone: the settings it was made with are in its own lines.
        if !quiet {
            harness.note(&heading);
        }
        if real_time && !handles_ctrl_c {
            tokio::spawn(stop_on_ctrl_c(harness.clone()));
        }
        let lesson = lesson(harness.clone(), options);
        // Pinned here rather than inside `select!`, so that a stuck lesson is still alive, and its tasks
        // still report what they wait for, while the summary is written.
        tokio::pin!(lesson);
        let stall = tokio::select! {
            // `biased` makes the lesson go first when both are ready, so that every run is the same run.
            biased;
            () = &mut lesson => None,
            stall = watch(&harness, limit) => Some(stall),
        };
        let elapsed = stall.as_ref().map_or_else(|| harness.elapsed(), |stall| stall.stopped_at);
        (conclude(&harness, stall.as_ref()), elapsed, stall.is_some(), harness)
    });
    // Dropping the runtime ends the tasks that a stuck run left behind.
    drop(runtime);
    Outcome {
        status,
        transcript: harness.take_transcript(),
        elapsed,
        stalled,
        #[cfg(any(test, feature = "testing"))]
        timeline: harness.take_timeline(),
        producer_waited: harness.time_waited_by("Producer"),
    }
}

/// On the wall clock, the first Ctrl-C stops the producer and lets the workers finish what was made; the
/// second stops the program at once. (A simulated run takes milliseconds, and needs neither.)
async fn stop_on_ctrl_c(harness: Harness) {
    while tokio::signal::ctrl_c().await.is_ok() {
        if crate::exit::count_a_ctrl_c() > 0 {
            eprintln!("[Ctrl-C] Stopped at once: no summary.");
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
        harness.interrupt();
        harness.say(
            "[Ctrl-C] Stopping: the job in hand is still added, then no more are made; the workers finish the \
             jobs made. Ctrl-C again stops at once.",
        );
    }
}

/// Runs the lesson once per worker count of `--sweep`, or once per queue size of `--sweep-queue-sizes`,
/// quietly, and returns the table and the worst exit status.
fn sweep<O, F, Fut>(about: Lesson, settings: &Settings, options: &O, lesson: &F) -> (String, u8)
where
    O: LessonOptions,
    F: Fn(Harness, O) -> Fut,
    Fut: Future<Output = ()>,
{
    let over_workers = !settings.sweep.is_empty();
    let values = if over_workers { &settings.sweep } else { &settings.sweep_queue_sizes };
    let rows: Vec<crate::sweep::Row> = values
        .iter()
        // After a Ctrl-C, no run starts: the sweep ends with the one it interrupted.
        .take_while(|_| !crate::exit::ctrl_c_was_pressed())
        .map(|&value| {
            let mut settings = settings.clone();
            if over_workers {
                settings.workers = value;
            } else {
                settings.queue_size = value;
            }
            settings.sweep.clear();
            settings.sweep_queue_sizes.clear();
            let outcome =
                execute(about, settings.clone(), options.clone(), Transcript::captured(true), lesson);
            crate::sweep::Row {
                workers: settings.workers,
                queue_size: settings.queue_size,
                elapsed: outcome.elapsed,
                producer_waited: outcome.producer_waited,
                stalled: outcome.stalled,
                interrupted: outcome.status == EXIT_INTERRUPTED,
                status: outcome.status,
            }
        })
        .collect();
    let status = rows.iter().map(|row| row.status).max().unwrap_or(0);
    let table = if over_workers {
        crate::sweep::render(about, settings, &rows)
    } else {
        crate::sweep::render_queue_sizes(about, settings, &rows)
    };
    (table, status)
}

/// The first line of a run: the lesson's heading and the settings that shape the run.
fn heading(about: Lesson, settings: &Settings) -> String {
    if settings.jobs_from_elsewhere {
        // The jobs and the queue's size are the program's that makes the jobs.
        return format!(
            "--- {}: workers only (workers {}, seed {}) ---",
            about.heading, settings.workers, settings.seed
        );
    }
    let queue = match settings.queue_size {
        0 => "no limit".to_string(),
        size => size.to_string(),
    };
    format!(
        "--- {} (jobs {}, workers {}, queue size {}, seed {}) ---",
        about.heading, settings.jobs, settings.workers, queue, settings.seed
    )
}

/// Parses a lesson's command line given as `args` (without the program's name), for tests.
#[cfg(any(test, feature = "testing"))]
pub(crate) fn parse_for_test<O: LessonOptions>(
    about: Lesson,
    args: &[&str],
) -> Result<(Settings, O), String> {
    let args = std::iter::once(about.name).chain(args.iter().copied()).map(OsString::from);
    parse::<O>(about, about.name, args, Some(100)).map_err(|usage| match usage {
        Usage::Help(text) | Usage::Mistake(text) => text,
    })
}

/// Parses a lesson's command line. Mistakes come back as one line that names the flag and what it accepts.
///
/// `--help` is wrapped to the terminal, at most 100 columns; `fixed_width` fixes its width instead, so that
/// a test sees the same help whatever terminal runs it.
fn parse<O: LessonOptions>(
    about: Lesson,
    command_name: &str,
    args: impl IntoIterator<Item = OsString>,
    fixed_width: Option<usize>,
) -> Result<(Settings, O), Usage> {
    let mut command = CommandLine::<O>::command()
        .name(about.name)
        .bin_name(command_name.to_string())
        .about(about.about)
        .after_help(O::AFTER_HELP.unwrap_or(if O::ON_THREADS { AFTER_HELP_ON_THREADS } else { AFTER_HELP }))
        .max_term_width(100);
    if let Some(width) = fixed_width {
        command = command.term_width(width);
    }
    if O::ON_THREADS {
        command = command.mut_arg("sorted", |sorted| sorted.hide(false)).mut_arg("watchdog", |watchdog| {
            watchdog.help(
                "Stop a run in which nothing has happened for this many seconds of real time (not sped up: a \
                 busy machine must not stop a healthy run), and report who waits on what",
            )
        });
    }
    let parsed = command.try_get_matches_from(args).and_then(|mut matches| {
        let queue_size_given =
            matches.value_source("queue_size") == Some(clap::parser::ValueSource::CommandLine);
        let mut command_line = CommandLine::<O>::from_arg_matches_mut(&mut matches)?;
        command_line.settings.queue_size_given = queue_size_given;
        command_line.settings.on_threads = O::ON_THREADS;
        Ok(command_line)
    });
    match parsed {
        Ok(mut command_line) => match command_line
            .settings
            .check()
            .and_then(|()| command_line.options.prepare(&command_line.settings))
        {
            Ok(()) => {
                command_line.settings.jobs_from_elsewhere = command_line.options.takes_jobs_from_elsewhere();
                command_line.settings.longest_job = command_line.options.longest_job();
                Ok((command_line.settings, command_line.options))
            }
            Err(mistake) => Err(Usage::Mistake(format!("error: {mistake} (see --help)"))),
        },
        Err(error) => match error.kind() {
            clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                Err(Usage::Help(error.to_string()))
            }
            _ => Err(Usage::Mistake(one_line_mistake(&error))),
        },
    }
}

/// A mistake on the command line, as clap found it, in the one line the course gives every mistake: clap's
/// first line, the accepted values of a choice on it too, and where to look.
pub fn one_line_mistake(error: &clap::Error) -> String {
    let rendered = error.to_string();
    let first_line = rendered.lines().next().unwrap_or("error: bad command line");
    // clap lists a choice's accepted values on a line of their own: they go on the one line. (A value left
    // empty is an invalid value too, with no list: `--timeline-svg ''`.)
    let accepted = match error.get(clap::error::ContextKind::ValidValue) {
        Some(clap::error::ContextValue::Strings(values))
            if error.kind() == clap::error::ErrorKind::InvalidValue && !values.is_empty() =>
        {
            format!(": expected one of {}", values.join(", "))
        }
        _ => String::new(),
    };
    format!("{first_line}{accepted} (see --help)")
}
