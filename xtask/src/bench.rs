//! `cargo xtask bench`: the figures behind the README's Performance section, measured on this machine.
//!
//! It measures, and does not judge: the figures depend on the machine, so no test asserts them. It prints a
//! table and writes the same figures as JSON to `target/bench.json`.
//!
//! The main figure is each lesson against its floor: the same pattern written in bare tokio, with none of the
//! course's instruments (`crates/benchmarks/src/bin/floor.rs`), on the same workload. Lesson 1's floor is its
//! pipeline; lessons 3 to 6 run each job in a task of its own, to contain its panic, and so does their
//! floor (lesson 6's nearest: its stream has no channel and no worker tasks); lesson 4's floor also draws each
//! job's priority; lesson 7's is a `JoinSet` capped by a semaphore. What a lesson costs above its floor is what
//! its instruments and its own machinery cost. Every lesson is also compared with lesson 1's floor, the
//! cheapest, in instructions.
//!
//! Wall time on a shared machine of two cores swings by a third from one run to the next, more than the
//! differences it is meant to show: the best of several runs is kept, a lesson's taken by turns with its
//! floor's so that both meet the same weather. The same comparison is also made in instructions, counted by
//! valgrind's callgrind, which gives the same count for the same program every time: that is the figure to
//! judge a change to the instruments by. Without valgrind, its columns say so.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::failure::Failure;
use crate::lessons::{self, Lesson};
use crate::workspace::{ThrowawayServer, Workspace, print};

/// The size of the runs compared with the floor.
const FLOOR_SIZE: [&str; 4] = ["--jobs", "100000", "--workers", "1000"];
/// The size of the runs whose instructions are counted: smaller, since callgrind runs a program some fifty
/// times slower.
const INSTRUCTIONS_SIZE: [&str; 4] = ["--jobs", "20000", "--workers", "1000"];
/// The size of the runs whose peak memory is measured.
const MEMORY_SIZE: [&str; 4] = ["--jobs", "1000000", "--workers", "1000"];
/// Runs per timed figure; the median is kept, or for the floors, the best.
const RUNS: usize = 5;
/// Runs of each lesson and of its floor, by turns; the best of each is kept.
const SIDE_BY_SIDE_RUNS: usize = 9;

/// The floors of `crates/benchmarks/src/bin/floor.rs`: each lesson's pattern in bare tokio.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Floor {
    /// Lesson 1's pipeline: workers share a bounded channel.
    #[default]
    Workers,
    /// The same, with each job in a task of its own (lessons 3 and 5; and lesson 6, whose stream of jobs has
    /// no channel and no worker tasks, but no floor is nearer).
    TaskPerJob,
    /// The same again, with each job's priority drawn from the seed (lesson 4).
    Priorities,
    /// Lesson 7's pool: a `JoinSet` of job tasks capped by a semaphore, a cancellation token watched.
    JoinSet,
}

impl Floor {
    /// Every floor, in the order of the table.
    pub const ALL: [Floor; 4] = [Floor::Workers, Floor::TaskPerJob, Floor::Priorities, Floor::JoinSet];

    /// The floor that does the same work as the lesson of `crate_name`, if it is named here: a new lesson
    /// must be, or the bench stops and says so, rather than compare it with the wrong floor.
    pub fn of(crate_name: &str) -> Option<Floor> {
        match crate_name {
            "baseline" | "broken-no-sentinel" => Some(Floor::Workers),
            "fixed-join" | "dead-letter" | "streams" => Some(Floor::TaskPerJob),
            "priority" => Some(Floor::Priorities),
            "graceful-shutdown" => Some(Floor::JoinSet),
            _ => None,
        }
    }

    /// The floor program's flags for this floor.
    fn flags(self) -> &'static [&'static str] {
        match self {
            Floor::Workers => &[],
            Floor::TaskPerJob => &["--task-per-job"],
            Floor::Priorities => &["--task-per-job", "--priorities"],
            Floor::JoinSet => &["--join-set"],
        }
    }

    /// Its letter in the table.
    pub fn letter(self) -> char {
        match self {
            Floor::Workers => 'a',
            Floor::TaskPerJob => 'b',
            Floor::Priorities => 'c',
            Floor::JoinSet => 'd',
        }
    }

    /// What it is, in the table.
    fn describe(self) -> &'static str {
        match self {
            Floor::Workers => "lesson 1's pipeline: workers share a bounded channel",
            Floor::TaskPerJob => "a, with each job in a task of its own",
            Floor::Priorities => "b, with each job's priority drawn from the seed",
            Floor::JoinSet => "a JoinSet capped by a semaphore, a token watched",
        }
    }

    /// Its name in the JSON.
    fn name(self) -> &'static str {
        match self {
            Floor::Workers => "workers",
            Floor::TaskPerJob => "task-per-job",
            Floor::Priorities => "priorities",
            Floor::JoinSet => "join-set",
        }
    }
}

/// A floor's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FloorFigures {
    /// Which floor.
    pub floor: Floor,
    /// Its whole-process time at [`FLOOR_SIZE`].
    pub time: Duration,
    /// The instructions it runs at [`INSTRUCTIONS_SIZE`], if valgrind is there to count them.
    pub instructions: Option<u64>,
}

/// A lesson's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LessonFigures {
    /// The lesson's number.
    pub number: u32,
    /// Its crate's name.
    pub name: String,
    /// The floor that does the same work.
    pub floor: Floor,
    /// Its whole-process time at [`FLOOR_SIZE`], with `--quiet`: the best of [`SIDE_BY_SIDE_RUNS`], each run
    /// beside one of its floor.
    pub time: Duration,
    /// Its floor's time, the best of the runs beside the lesson's.
    pub floor_time: Duration,
    /// Its peak memory at [`MEMORY_SIZE`], in bytes, if the system says.
    pub peak_memory: Option<u64>,
    /// The instructions it runs at [`INSTRUCTIONS_SIZE`], if valgrind is there to count them.
    pub instructions: Option<u64>,
}

/// Every figure of a bench run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Lesson 1's default run on the simulated clock, whole process, the median of several runs.
    pub simulated: Duration,
    /// The same run on the wall clock.
    pub wall_clock: Duration,
    /// Each floor, in the order of [`Floor::ALL`].
    pub floors: Vec<FloorFigures>,
    /// Each lesson.
    pub lessons: Vec<LessonFigures>,
    /// The queues, each the best time to move the benchmark's items: a bare `tokio::sync::mpsc` channel,
    /// `async-channel`, lesson 3's joinable queue, lesson 4's priority queue.
    pub queues: [Duration; 4],
    /// From a one-line save in lesson 1 to the verdict of its runs in `cargo xtask watch`: the watcher's
    /// debounce, then the build and the runs.
    pub save_to_verdict: Duration,
    /// From the same save to the full verdict, its tests' included: the runs' verdict, then the lesson's tests
    /// built and run.
    pub save_to_tests_verdict: Duration,
    /// A cold debug build of what `cargo xtask lesson 1` needs: the runner and lesson 1.
    pub cold_build_lesson_1: Duration,
    /// A cold debug build of the whole workspace: the build above plus the rest.
    pub cold_build_workspace: Duration,
    /// `cargo xtask explore` on each reference queue (lessons 3, 4 and 5), 10,000 orderings of each scenario,
    /// as a learner builds it (debug): the three together.
    pub explore_references: Duration,
    /// `cargo xtask explore 4` with the lost wake-up of lesson 4's exercise planted: the ordering that found
    /// it, and the time to the verdict.
    pub explore_lost_wake_up: (usize, Duration),
    /// A pool of workers as OS threads and as tokio tasks (lesson 8), for each of [`POOL_SIZES`].
    pub pools: Vec<(usize, PoolFigures, PoolFigures)>,
    /// Lesson 9's queue in PostgreSQL beside its floor, for each of [`DATABASE_PROCESSES`].
    pub database: Vec<DatabaseFigures>,
}

/// Lesson 9 and its floor (`crates/benchmarks/src/bin/floor_postgres.rs`) moving [`DATABASE_JOBS`] jobs with
/// no work per job through the same server, with the same worker processes: the best of a few runs by turns.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DatabaseFigures {
    /// The worker processes, each with [`WORKERS_PER_PROCESS`] workers.
    pub processes: usize,
    /// Lesson 9's time, from its summary: from its start to its last job done, processes started included.
    pub lesson: Duration,
    /// The floor's time, from the start of its worker processes to the end of the last.
    pub floor: Duration,
}

impl DatabaseFigures {
    /// Lesson 9's jobs a second, over the floor's: 0.5 is half the speed its server allows.
    pub fn ratio(&self) -> f64 {
        self.floor.as_secs_f64() / self.lesson.as_secs_f64().max(f64::EPSILON)
    }
}

/// The worker processes of lesson 9's throughput table, each with [`WORKERS_PER_PROCESS`] workers.
const DATABASE_PROCESSES: [usize; 4] = [1, 2, 4, 8];
/// The workers in each of those processes.
const WORKERS_PER_PROCESS: usize = 4;
/// The jobs each run of lesson 9's throughput table moves.
const DATABASE_JOBS: usize = 2_000;
/// Lesson 9's crate: it runs on a real server and on the wall clock, so it has a table of its own.
const DATABASE_LESSON: &str = "postgres-queue";

/// The pool sizes of lesson 8's table: what a thread costs next to a task.
const POOL_SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

/// What a pool of workers cost (`crates/benchmarks/src/bin/pool_cost.rs`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PoolFigures {
    /// The time until every worker had started.
    pub start: Duration,
    /// The process's peak memory, in bytes.
    pub peak_memory: u64,
    /// The process's OS threads once the pool had started.
    pub os_threads: u64,
    /// From the start of the pool to its end, with 20 jobs of 10 ms in between.
    pub run: Duration,
}

/// The queues' names in the benchmark's output, in the order of [`Figures::queues`].
const QUEUES: [&str; 4] = ["bare-mpsc", "async-channel", "joinable-queue", "priority-queue"];

/// `cargo xtask bench`: builds what it measures, measures it, prints a table and writes `target/bench.json`.
pub fn run() -> Result<u8, Failure> {
    let course = Workspace::course();
    let lessons = lessons::load(&course.root)?;
    print("Building the lessons and the benchmarks in release mode...\n");
    let mut build = vec!["build", "--quiet", "--release", "--package", "benchmarks"];
    for lesson in &lessons {
        build.extend(["--package", lesson.crate_name.as_str()]);
    }
    run_cargo(&course, &build, None)?;
    let release = course.target.join("release");
    let program = |name: &str| release.join(name);
    let mut figures = Figures::default();

    print("Timing lesson 1 on the simulated clock, then on the wall clock (about 5 seconds)...\n");
    figures.simulated = median(&program("baseline"), &["--instant"])?;
    figures.wall_clock = time(&program("baseline"), &["--real-time"])?;

    print(
        "Timing the floors and every lesson, 100,000 jobs and 1,000 workers; counting their instructions; \
         then a million jobs...\n",
    );
    for floor in Floor::ALL {
        figures.floors.push(FloorFigures {
            floor,
            time: best(&program("floor"), &[&FLOOR_SIZE[..], floor.flags()].concat())?,
            instructions: instructions(&program("floor"), &[&INSTRUCTIONS_SIZE[..], floor.flags()].concat())?,
        });
    }
    for lesson in lessons.iter().filter(|lesson| compared_with_a_floor(lesson)) {
        let floor = Floor::of(&lesson.crate_name).ok_or_else(|| {
            format!(
                "lesson {} ({}) has no floor: name the floor that does its work in Floor::of, \
                 xtask/src/bench.rs",
                lesson.number, lesson.crate_name
            )
        })?;
        let flags = lesson_flags(lesson, &FLOOR_SIZE);
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let floor_flags = [&FLOOR_SIZE[..], floor.flags()].concat();
        let (floor_time, time) =
            best_side_by_side(&program("floor"), &floor_flags, &program(&lesson.crate_name), &flags)?;
        let memory_flags = lesson_flags(lesson, &MEMORY_SIZE);
        let memory_flags: Vec<&str> = memory_flags.iter().map(String::as_str).collect();
        let (_, peak_memory) = measure(&program(&lesson.crate_name), &memory_flags)?;
        let instruction_flags = lesson_flags(lesson, &INSTRUCTIONS_SIZE);
        let instruction_flags: Vec<&str> = instruction_flags.iter().map(String::as_str).collect();
        let instructions = instructions(&program(&lesson.crate_name), &instruction_flags)?;
        figures.lessons.push(LessonFigures {
            number: lesson.number,
            name: lesson.crate_name.clone(),
            floor,
            time,
            floor_time,
            peak_memory,
            instructions,
        });
    }

    print("Timing the lessons' queues against bare channels...\n");
    let queues = Command::new(program("benchmarks"))
        .output()
        .map_err(|error| format!("cannot run the queue benchmark: {error}"))?;
    figures.queues = parse_queue_figures(&String::from_utf8_lossy(&queues.stdout))?;

    figures.database = database_figures(&release)?;

    print("Starting pools of 10 to 10,000 workers, as threads and as tasks...\n");
    for workers in POOL_SIZES {
        let measure = |kind: &str| pool_cost(&program("pool_cost"), kind, workers);
        figures.pools.push((workers, measure("threads")?, measure("tasks")?));
    }

    print("Timing a save in lesson 1 to the verdict of `cargo xtask watch`, in a copy of the course...\n");
    (figures.save_to_verdict, figures.save_to_tests_verdict) = save_to_verdict(&course, &lessons[0])?;

    print(
        "Exploring the reference queues, 10,000 orderings of each scenario, then a planted lost wake-up...\n",
    );
    run_cargo(&course, &["build", "--quiet", "--package", "explorer"], None)?;
    let explorer = course.target.join("debug").join("explorer");
    let started = Instant::now();
    for lesson in crate::explore::EXPLORED {
        time(&explorer, &[&lesson.to_string(), "--iterations", "10000"])?;
    }
    figures.explore_references = started.elapsed();
    figures.explore_lost_wake_up = explore_lost_wake_up(&course)?;

    print("Building from an empty target folder: what `cargo xtask lesson 1` needs, then the rest...\n");
    let cold = course.target.join("bench-cold-build");
    let _ = std::fs::remove_dir_all(&cold);
    let started = Instant::now();
    run_cargo(&course, &["build", "--quiet", "--package", "xtask", "--package", "baseline"], Some(&cold))?;
    figures.cold_build_lesson_1 = started.elapsed();
    run_cargo(&course, &["build", "--quiet", "--workspace"], Some(&cold))?;
    figures.cold_build_workspace = started.elapsed();
    let _ = std::fs::remove_dir_all(&cold);

    print("\n");
    print(&figures.table());
    print(&figures.pools_table());
    print(&figures.database_table());
    let json = course.target.join("bench.json");
    std::fs::write(&json, figures.json())
        .map_err(|error| format!("cannot write {}: {error}", json.display()))?;
    print(&format!("\nThe same figures, as JSON: {}\n", json.display()));
    Ok(0)
}

/// Whether `lesson` is compared with a floor. Lesson 8 runs on threads, on the wall clock: a hundred thousand
/// jobs would take minutes, and what a thread costs is measured by the pool table instead. Lesson 9 runs
/// against a real server: it has a throughput table of its own.
fn compared_with_a_floor(lesson: &Lesson) -> bool {
    lesson.number != crate::explore::UNDER_LOOM && lesson.crate_name != DATABASE_LESSON
}

/// The times from a one-line save to the two verdicts of `cargo xtask watch`, in a copy of the course (built
/// in the exercises' target folder), as the watcher makes them: its debounce, then a check of the runs, then a
/// check with the lesson's tests. The medians of a few edits.
fn save_to_verdict(course: &Workspace, lesson: &Lesson) -> Result<(Duration, Duration), String> {
    let copy =
        Workspace { root: course.target.join("bench-watch"), target: course.target.join("exercises/target") };
    crate::exercises::fresh_copy(&course.root, &copy.root)?;
    let catalogue = crate::catalogue::Catalogue::load(&copy.root, lesson)?;
    let source = copy.file(&format!("{}/src/lib.rs", lesson.crate_path()));
    let pristine =
        std::fs::read_to_string(&source).map_err(|error| format!("cannot read the copy: {error}"))?;
    // A first check builds the copy; the ones measured are incremental, as after a learner's save.
    crate::check::judge(&copy, lesson, &catalogue, crate::check::Tests::None)?;
    let (mut runs, mut tests) = (Vec::new(), Vec::new());
    for edit in ["Stopping now", "Shutting down", "Stopping now"] {
        let edited = pristine.replace("\"Shutting down\"", &format!("\"{edit}\""));
        std::fs::write(&source, edited).map_err(|error| format!("cannot write the copy: {error}"))?;
        let started = Instant::now();
        crate::check::judge(&copy, lesson, &catalogue, crate::check::Tests::None)?;
        runs.push(crate::watch::DEBOUNCE + started.elapsed());
        crate::check::judge(&copy, lesson, &catalogue, crate::check::Tests::Lesson)?;
        tests.push(crate::watch::DEBOUNCE + started.elapsed());
    }
    let _ = std::fs::remove_dir_all(&copy.root);
    runs.sort();
    tests.sort();
    Ok((runs[runs.len() / 2], tests[tests.len() / 2]))
}

/// `cargo xtask bench --watch`: the two figures of `cargo xtask watch` alone, printed.
pub fn run_watch() -> Result<u8, Failure> {
    let course = Workspace::course();
    let lessons = lessons::load(&course.root)?;
    print("Timing saves in lesson 1 to the verdicts of `cargo xtask watch`, in a copy of the course...\n");
    let (runs, tests) = save_to_verdict(&course, &lessons[0])?;
    print(&format!(
        "`cargo xtask watch`, a one-line save in lesson 1 to the verdict of its runs {:>6.2} s (goal: 1 s)\n\
         and to the verdict of its tests too                                       {:>6.2} s (goal: 3 s)\n",
        runs.as_secs_f64(),
        tests.as_secs_f64()
    ));
    Ok(0)
}

/// A pool's figures: the run of [`RUNS`] whose `run` time is the median.
fn pool_cost(program: &Path, kind: &str, workers: usize) -> Result<PoolFigures, String> {
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        let output = Command::new(program)
            .args([kind, &workers.to_string()])
            .output()
            .map_err(|error| format!("cannot run the pool benchmark: {error}"))?;
        let printed = String::from_utf8_lossy(&output.stdout);
        let field = |name: &str| -> Result<f64, String> {
            printed
                .lines()
                .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
                .ok_or_else(|| format!("the pool benchmark printed no `{name}`:\n{printed}"))
        };
        runs.push(PoolFigures {
            start: Duration::from_secs_f64(field("start ")?),
            peak_memory: field("peak_memory ")? as u64,
            os_threads: field("os_threads ")? as u64,
            run: Duration::from_secs_f64(field("run ")?),
        });
    }
    runs.sort_by_key(|figures| figures.run);
    Ok(runs[runs.len() / 2])
}

/// `cargo xtask explore 4` in a copy of the course with the lost wake-up of lesson 4's exercise planted (built
/// in the exercises' target folder): the ordering that found it, and the explorer's time to its verdict.
fn explore_lost_wake_up(course: &Workspace) -> Result<(usize, Duration), String> {
    let copy = Workspace {
        root: course.target.join("bench-explore"),
        target: course.target.join("exercises/target"),
    };
    crate::exercises::fresh_copy(&course.root, &copy.root)?;
    let patch = course.file("lessons/exercises/04-priority/explore-lost-wake-up.patch");
    crate::exercises::apply_patch(&patch, &copy.root)?;
    run_cargo(&copy, &["build", "--quiet", "--package", "explorer"], Some(&copy.target))?;
    let started = Instant::now();
    let output = Command::new(copy.target.join("debug").join("explorer"))
        .arg("4")
        .output()
        .map_err(|error| format!("cannot run the explorer: {error}"))?;
    let elapsed = started.elapsed();
    let _ = std::fs::remove_dir_all(&copy.root);
    let printed = String::from_utf8_lossy(&output.stdout);
    let ordering = printed
        .split("(broken in ordering ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|number| number.replace(',', "").parse().ok())
        .ok_or_else(|| format!("the planted lost wake-up was not found:\n{printed}"))?;
    Ok((ordering, elapsed))
}

/// How many times lesson 9 and its floor each run, by turns, for each count of processes: the best is kept.
const DATABASE_ROUNDS: usize = 3;

/// `cargo xtask bench --database`: lesson 9's table alone, printed.
pub fn run_database() -> Result<u8, Failure> {
    let course = Workspace::course();
    print("Building lesson 9 and its floor in release mode...\n");
    run_cargo(
        &course,
        &["build", "--quiet", "--release", "--package", DATABASE_LESSON, "--package", "benchmarks"],
        None,
    )?;
    let figures =
        Figures { database: database_figures(&course.target.join("release"))?, ..Figures::default() };
    print("\n");
    print(&figures.database_table());
    Ok(0)
}

/// Lesson 9 beside its floor, on one throwaway server that lesson 9's program serves for them both.
fn database_figures(release: &Path) -> Result<Vec<DatabaseFigures>, String> {
    print(
        "Timing lesson 9's queue in PostgreSQL and its floor, by turns, with 1, 2, 4 and 8 worker processes, no \
         work per job...\n",
    );
    let server = ThrowawayServer::start(&release.join(DATABASE_LESSON))?;
    let url = server.url.clone();
    let mut figures = Vec::new();
    for processes in DATABASE_PROCESSES {
        let (mut lesson, mut floor) = (Duration::MAX, Duration::MAX);
        for _ in 0..DATABASE_ROUNDS {
            lesson = lesson.min(database_throughput(&release.join(DATABASE_LESSON), processes, &url)?);
            floor = floor.min(floor_throughput(&release.join("floor_postgres"), processes, &url)?);
        }
        figures.push(DatabaseFigures { processes, lesson, floor });
    }
    // Dropped, the server stops, and its folder goes.
    drop(server);
    Ok(figures)
}

/// The time the floor takes to move [`DATABASE_JOBS`] jobs with `processes` worker processes, as it reports.
fn floor_throughput(program: &Path, processes: usize, url: &str) -> Result<Duration, String> {
    let output = Command::new(program)
        .args(["--processes", &processes.to_string(), "--workers-per-process"])
        .arg(WORKERS_PER_PROCESS.to_string())
        .args(["--jobs", &DATABASE_JOBS.to_string()])
        .env("DATABASE_URL", url)
        .output()
        .map_err(|error| format!("cannot run lesson 9's floor: {error}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("elapsed ")?.strip_suffix('s')?.parse::<f64>().ok())
        .map(Duration::from_secs_f64)
        .ok_or_else(|| {
            format!("lesson 9's floor said no time: {text}{}", String::from_utf8_lossy(&output.stderr))
        })
}

/// The time lesson 9 takes to move [`DATABASE_JOBS`] jobs with no work per job through its table, with
/// `processes` worker processes, on the server of `url`, as its summary reports it: on the wall clock.
fn database_throughput(program: &Path, processes: usize, url: &str) -> Result<Duration, String> {
    let args = [
        "--real-time".to_string(),
        "--no-work".to_string(),
        "--quiet".to_string(),
        "--queue-size=0".to_string(),
        format!("--jobs={DATABASE_JOBS}"),
        format!("--processes={processes}"),
        format!("--workers={}", processes * WORKERS_PER_PROCESS),
    ];
    let output = Command::new(program)
        .args(&args)
        .env("DATABASE_URL", url)
        .output()
        .map_err(|error| format!("cannot run lesson 9: {error}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        return Err(format!("lesson 9 with {args:?} failed: {said}{text}"));
    }
    text.lines()
        .find_map(|line| line.trim().strip_prefix("elapsed")?.trim().split_once('s')?.0.parse::<f64>().ok())
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("lesson 9's summary has no elapsed time:\n{text}"))
}

/// A lesson's flags for a size: `--quiet --instant`, and for lesson 5 no failures, so that every lesson does
/// the same work as its floor (a retry is more work, not more cost).
fn lesson_flags(lesson: &Lesson, size: &[&str]) -> Vec<String> {
    let mut flags: Vec<String> = size.iter().map(|flag| flag.to_string()).collect();
    flags.extend(["--quiet".to_string(), "--instant".to_string()]);
    if lesson.crate_name == "dead-letter" {
        flags.extend(["--fail-rate".to_string(), "0".to_string()]);
    }
    flags
}

impl Figures {
    /// The figures of `floor`, once measured.
    fn floor(&self, floor: Floor) -> Option<&FloorFigures> {
        self.floors.iter().find(|figures| figures.floor == floor)
    }

    /// A lesson's ratios to the floor that does the same work: in time, in instructions (when valgrind
    /// counted them), and in instructions to lesson 1's floor, the cheapest.
    pub fn ratios(&self, lesson: &LessonFigures) -> Ratios {
        let own = self.floor(lesson.floor);
        let in_instructions = |floor: Option<&FloorFigures>| {
            Some(lesson.instructions? as f64 / floor?.instructions?.max(1) as f64)
        };
        Ratios {
            time: lesson.time.as_secs_f64() / lesson.floor_time.as_secs_f64().max(f64::EPSILON),
            instructions: in_instructions(own),
            instructions_to_lesson_1: in_instructions(self.floor(Floor::Workers)),
        }
    }

    /// The figures as a table for the terminal.
    pub fn table(&self) -> String {
        let mebibytes = |bytes: Option<u64>| {
            bytes.map_or("unknown".to_string(), |bytes| format!("{:.1} MiB", bytes as f64 / 1048576.0))
        };
        let mut text = format!(
            "lesson 1, default run, simulated clock    {:>8.1} ms (whole process, median of {RUNS})\n\
             lesson 1, default run, wall clock        {:>8.2} s   ({:.0} times longer)\n\
             the floors, each a lesson's pattern in bare tokio: time at {} (best of {RUNS}),\n\
             and instructions at {} jobs\n",
            self.simulated.as_secs_f64() * 1000.0,
            self.wall_clock.as_secs_f64(),
            self.wall_clock.as_secs_f64() / self.simulated.as_secs_f64().max(f64::EPSILON),
            FLOOR_SIZE.join(" "),
            INSTRUCTIONS_SIZE[1],
        );
        for floor in &self.floors {
            let instructions = floor.instructions.map_or(UNCOUNTED.to_string(), |count| {
                format!("{:>5.0} million instructions", count as f64 / 1e6)
            });
            text.push_str(&format!(
                "  {} {:<52} {:>6.0} ms  {instructions}\n",
                floor.floor.letter(),
                floor.floor.describe(),
                floor.time.as_secs_f64() * 1000.0,
            ));
        }
        text.push_str(&format!(
            "each lesson with --quiet, against its floor: time (the best of {SIDE_BY_SIDE_RUNS} runs, by\n\
             turns with the floor's) and instructions as multiples of the floor's, instructions as a\n\
             multiple of floor a's, and peak memory at a million jobs\n",
        ));
        for lesson in &self.lessons {
            let ratios = self.ratios(lesson);
            let instructions = match (ratios.instructions, ratios.instructions_to_lesson_1) {
                (Some(own), Some(lesson_1)) => format!("instructions {own:.2}x  (a: {lesson_1:.2}x)"),
                _ => format!("instructions {UNCOUNTED:<13}"),
            };
            text.push_str(&format!(
                "  {} {:<20} floor {} {:>4.0} ms, lesson {:>4.0} ms  {:.2}x  {instructions}  {:>8}\n",
                lesson.number,
                lesson.name,
                lesson.floor.letter(),
                lesson.floor_time.as_secs_f64() * 1000.0,
                lesson.time.as_secs_f64() * 1000.0,
                ratios.time,
                mebibytes(lesson.peak_memory),
            ));
        }
        let [bare, async_channel, joinable, priority] = self.queues;
        let ratio = |queue: Duration| queue.as_secs_f64() / bare.as_secs_f64().max(f64::EPSILON);
        text.push_str(&format!(
            "queues, 200,000 items, 1 producer, 4 consumers, no work per item (best of 5)\n  \
               bare tokio::sync::mpsc                 {:>8.1} ms\n  \
               async-channel                          {:>8.1} ms ({:.2}x the bare channel)\n  \
               lesson 3's joinable queue              {:>8.1} ms ({:.2}x the bare channel)\n  \
               lesson 4's priority queue              {:>8.1} ms ({:.2}x the bare channel)\n\
             `cargo xtask watch`, a one-line save in lesson 1 to its runs' verdict {:>5.2} s (goal 1 s), to its \
             tests' {:.2} s (goal 3 s)\n\
             `cargo xtask explore`, 10,000 orderings of each scenario\n  \
               lessons 3, 4 and 5's queues, every promise kept {:>5.1} s\n  \
               lesson 4 with a lost wake-up planted   found in ordering {}, in {:.2} s\n\
             cold debug build, from an empty target folder\n  \
               what `cargo xtask lesson 1` needs      {:>8.1} s\n  \
               the whole workspace                    {:>8.1} s\n",
            bare.as_secs_f64() * 1000.0,
            async_channel.as_secs_f64() * 1000.0,
            ratio(async_channel),
            joinable.as_secs_f64() * 1000.0,
            ratio(joinable),
            priority.as_secs_f64() * 1000.0,
            ratio(priority),
            self.save_to_verdict.as_secs_f64(),
            self.save_to_tests_verdict.as_secs_f64(),
            self.explore_references.as_secs_f64(),
            self.explore_lost_wake_up.0,
            self.explore_lost_wake_up.1.as_secs_f64(),
            self.cold_build_lesson_1.as_secs_f64(),
            self.cold_build_workspace.as_secs_f64(),
        ));
        text
    }

    /// Lesson 9's table: jobs a second through the table in PostgreSQL, by worker processes, beside its floor
    /// on the same server, and lesson 3's queue in memory.
    pub fn database_table(&self) -> String {
        let mut text = format!(
            "lesson 9's queue in PostgreSQL, {DATABASE_JOBS} jobs, no work per job, {WORKERS_PER_PROCESS} \
             workers per process, against its floor (a bare SKIP LOCKED loop) on the same server\n  \
             processes   lesson, jobs a second   floor, jobs a second   lesson / floor\n"
        );
        let rate = |time: Duration| DATABASE_JOBS as f64 / time.as_secs_f64().max(f64::EPSILON);
        for figures in &self.database {
            text.push_str(&format!(
                "  {:>9}   {:>20.0}   {:>20.0}   {:>14.2}\n",
                figures.processes,
                rate(figures.lesson),
                rate(figures.floor),
                figures.ratio()
            ));
        }
        if self.queues[2] > Duration::ZERO {
            let in_memory = 200_000.0 / self.queues[2].as_secs_f64();
            text.push_str(&format!("  lesson 3's queue, in memory: {in_memory:.0} items a second\n"));
        }
        text
    }

    /// Lesson 8's table: each pool as threads and as tasks.
    pub fn pools_table(&self) -> String {
        let mebibytes = |bytes: u64| format!("{:.1} MiB", bytes as f64 / 1048576.0);
        let mut text = String::from(
            "a pool of workers, as OS threads and as tokio tasks (start: until every worker waits; run: 20 jobs \
             of 10 ms, start to end)\n  workers   start      peak memory   OS threads   run        (threads, then \
             tasks)\n",
        );
        for (workers, threads, tasks) in &self.pools {
            for (figures, kind) in [(threads, "threads"), (tasks, "tasks")] {
                text.push_str(&format!(
                    "  {workers:>7}   {:>7.2} ms {:>12} {:>12}   {:>7.1} ms  {kind}\n",
                    figures.start.as_secs_f64() * 1000.0,
                    mebibytes(figures.peak_memory),
                    figures.os_threads,
                    figures.run.as_secs_f64() * 1000.0,
                ));
            }
        }
        text
    }

    /// The figures as JSON, in seconds and bytes; a figure not measured (no valgrind, no memory figure from
    /// the system) is `null`.
    pub fn json(&self) -> String {
        use serde_json::json;
        let seconds = |duration: Duration| duration.as_secs_f64();
        let floors: Vec<_> = self
            .floors
            .iter()
            .map(|floor| {
                json!({
                    "floor": floor.floor.name(),
                    "seconds": seconds(floor.time),
                    "instructions": floor.instructions,
                })
            })
            .collect();
        let lessons: Vec<_> = self
            .lessons
            .iter()
            .map(|lesson| {
                let ratios = self.ratios(lesson);
                json!({
                    "lesson": lesson.number,
                    "crate": lesson.name,
                    "floor": lesson.floor.name(),
                    "seconds": seconds(lesson.time),
                    "floor_seconds": seconds(lesson.floor_time),
                    "floor_ratio": ratios.time,
                    "instructions": lesson.instructions,
                    "instruction_floor_ratio": ratios.instructions,
                    "instruction_lesson_1_floor_ratio": ratios.instructions_to_lesson_1,
                    "peak_memory_bytes": lesson.peak_memory,
                })
            })
            .collect();
        let queues: serde_json::Map<String, serde_json::Value> = QUEUES
            .iter()
            .zip(self.queues)
            .map(|(name, time)| (name.to_string(), json!(seconds(time))))
            .collect();
        let pools: Vec<_> = self
            .pools
            .iter()
            .flat_map(|(workers, threads, tasks)| [(workers, "threads", threads), (workers, "tasks", tasks)])
            .map(|(workers, kind, figures)| {
                json!({
                    "workers": workers,
                    "kind": kind,
                    "start_seconds": seconds(figures.start),
                    "peak_memory_bytes": figures.peak_memory,
                    "os_threads": figures.os_threads,
                    "run_seconds": seconds(figures.run),
                })
            })
            .collect();
        let database: Vec<_> = self
            .database
            .iter()
            .map(|figures| {
                json!({
                    "processes": figures.processes,
                    "jobs": DATABASE_JOBS,
                    "seconds": seconds(figures.lesson),
                    "floor_seconds": seconds(figures.floor),
                })
            })
            .collect();
        let figures = json!({
            "lesson_1_simulated_seconds": seconds(self.simulated),
            "lesson_1_wall_clock_seconds": seconds(self.wall_clock),
            "instructions_jobs": INSTRUCTIONS_SIZE[1].parse::<u64>().expect("a number of jobs"),
            "floors": floors,
            "lessons": lessons,
            "queues_seconds": queues,
            "save_to_verdict_seconds": seconds(self.save_to_verdict),
            "save_to_tests_verdict_seconds": seconds(self.save_to_tests_verdict),
            "explore_references_seconds": seconds(self.explore_references),
            "explore_lost_wake_up_ordering": self.explore_lost_wake_up.0,
            "explore_lost_wake_up_seconds": seconds(self.explore_lost_wake_up.1),
            "cold_build_lesson_1_seconds": seconds(self.cold_build_lesson_1),
            "cold_build_workspace_seconds": seconds(self.cold_build_workspace),
            "pools": pools,
            "database": database,
        });
        let mut text = serde_json::to_string_pretty(&figures).expect("figures of plain numbers and strings");
        text.push('\n');
        text
    }
}

/// A lesson's cost as a multiple of a floor's: see [`Figures::ratios`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratios {
    /// Its time to its floor's, measured side by side.
    pub time: f64,
    /// Its instructions to its floor's.
    pub instructions: Option<f64>,
    /// Its instructions to lesson 1's floor's.
    pub instructions_to_lesson_1: Option<f64>,
}

/// What the table says of instructions that valgrind was not there to count.
const UNCOUNTED: &str = "(no valgrind)";

/// Reads the benchmark binary's lines (`name seconds`) into the queue figures.
pub fn parse_queue_figures(output: &str) -> Result<[Duration; 4], String> {
    let figure = |name: &str| {
        output
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse::<f64>().ok())
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("the queue benchmark printed no figure for {name}:\n{output}"))
    };
    Ok([figure(QUEUES[0])?, figure(QUEUES[1])?, figure(QUEUES[2])?, figure(QUEUES[3])?])
}

/// Runs cargo with `args`, in a target folder of its own if `target` is given; its failure is an error.
fn run_cargo(course: &Workspace, args: &[&str], target: Option<&Path>) -> Result<(), String> {
    let mut command = course.cargo();
    command.args(args);
    if let Some(target) = target {
        command.env("CARGO_TARGET_DIR", target);
    }
    let status = command.status().map_err(|error| format!("cannot start cargo: {error}"))?;
    if !status.success() {
        return Err(format!("`cargo {}` failed; its message is above", args.join(" ")));
    }
    Ok(())
}

/// The best wall time of [`RUNS`] runs of `program` with `args`: what the machine's other work added to the
/// others was not the program's cost.
fn best(program: &Path, args: &[&str]) -> Result<Duration, String> {
    let times = (0..RUNS).map(|_| time(program, args)).collect::<Result<Vec<_>, _>>()?;
    Ok(times.into_iter().min().expect("RUNS is not zero"))
}

/// The best wall times of `floor` and of `lesson`, each run [`SIDE_BY_SIDE_RUNS`] times, by turns: the
/// machine's other work, which comes and goes over seconds, weighs on both alike.
fn best_side_by_side(
    floor: &Path,
    floor_args: &[&str],
    lesson: &Path,
    lesson_args: &[&str],
) -> Result<(Duration, Duration), String> {
    let (mut floor_best, mut lesson_best) = (Duration::MAX, Duration::MAX);
    for _ in 0..SIDE_BY_SIDE_RUNS {
        floor_best = floor_best.min(time(floor, floor_args)?);
        lesson_best = lesson_best.min(time(lesson, lesson_args)?);
    }
    Ok((floor_best, lesson_best))
}

/// The median wall time of [`RUNS`] runs of `program` with `args`.
fn median(program: &Path, args: &[&str]) -> Result<Duration, String> {
    let mut times = (0..RUNS).map(|_| time(program, args)).collect::<Result<Vec<_>, _>>()?;
    times.sort();
    Ok(times[RUNS / 2])
}

/// Runs `program` with `args` to its end, quietly, and returns its wall time: the whole process, from its
/// start to its exit. A lesson that ends with status 1 (lesson 2, stopped by its watchdog) is still timed.
pub fn time(program: &Path, args: &[&str]) -> Result<Duration, String> {
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|error| format!("cannot run {}: {error}", program.display()))?;
    if status.code().is_none_or(|code| code > 1) {
        return Err(format!("{} {} failed: {status}", program.display(), args.join(" ")));
    }
    Ok(started.elapsed())
}

/// Runs `program` with `args` under valgrind's callgrind and returns the instructions it ran, or `None`
/// when valgrind is not installed. The count is the same for the same program and arguments on every run.
pub fn instructions(program: &Path, args: &[&str]) -> Result<Option<u64>, String> {
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(program)
        .args(args)
        .stdout(Stdio::null())
        .output();
    let output = match output {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(format!("cannot run valgrind: {error}")),
    };
    let said = String::from_utf8_lossy(&output.stderr);
    // As in `time`: status 1 is a run that ended and found something wrong (lesson 2, stuck on purpose).
    if output.status.code().is_none_or(|code| code > 1) {
        return Err(format!("{} {} failed under valgrind:\n{said}", program.display(), args.join(" ")));
    }
    match collected_instructions(&said) {
        Some(count) => Ok(Some(count)),
        None => Err(format!(
            "valgrind counted no instructions of {} {}:\n{said}",
            program.display(),
            args.join(" ")
        )),
    }
}

/// The count on callgrind's `==123== Collected : 292951548` line.
fn collected_instructions(said: &str) -> Option<u64> {
    said.lines().find_map(|line| line.split_once("Collected :")?.1.trim().parse().ok())
}

/// Runs `program` with `args` to its end, quietly, and returns its wall time and peak memory.
///
/// The peak memory is the kernel's high-water mark (`VmHWM` in `/proc/<pid>/status`, on Linux), read every few
/// milliseconds while the program runs; the last reading before it ends is its peak, give or take the growth of
/// those last milliseconds. Elsewhere it is not measured.
pub fn measure(program: &Path, args: &[&str]) -> Result<(Duration, Option<u64>), String> {
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot run {}: {error}", program.display()))?;
    let status_file = std::path::PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut peak_memory = None;
    loop {
        if let Some(status) =
            child.try_wait().map_err(|error| format!("cannot wait for the benchmark: {error}"))?
        {
            if status.code().is_none_or(|code| code > 1) {
                return Err(format!("{} {} failed: {status}", program.display(), args.join(" ")));
            }
            return Ok((started.elapsed(), peak_memory));
        }
        if let Some(bytes) = std::fs::read_to_string(&status_file).ok().as_deref().and_then(high_water_mark) {
            peak_memory = Some(bytes);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The `VmHWM` line of a `/proc/<pid>/status` file, in bytes.
fn high_water_mark(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kibibytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kibibytes * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_figures_are_read_from_the_benchmarks_lines() {
        let figures = parse_queue_figures(
            "bare-mpsc 0.025\nasync-channel 0.01\njoinable-queue 0.050\npriority-queue 0.060\n",
        )
        .unwrap();
        assert_eq!(figures[0], Duration::from_millis(25));
        assert_eq!(figures[3], Duration::from_millis(60));
        assert!(parse_queue_figures("bare-mpsc 0.025\n").is_err());
    }

    #[test]
    fn the_high_water_mark_is_read_in_bytes() {
        assert_eq!(
            high_water_mark("Name:\tbaseline\nVmHWM:\t    3616 kB\nVmRSS:\t 100 kB\n"),
            Some(3616 * 1024)
        );
        assert_eq!(high_water_mark("Name:\tbaseline\n"), None);
    }

    #[test]
    fn ratios_compare_with_the_floor_that_does_the_same_work() {
        let floor = |floor, milliseconds, instructions| FloorFigures {
            floor,
            time: Duration::from_millis(milliseconds),
            instructions,
        };
        let figures = Figures {
            floors: vec![floor(Floor::Workers, 100, Some(200)), floor(Floor::TaskPerJob, 125, Some(250))],
            ..Figures::default()
        };
        let lesson = |name: &str, instructions| LessonFigures {
            name: name.to_string(),
            floor: Floor::of(name).unwrap_or_default(),
            time: Duration::from_millis(150),
            floor_time: Duration::from_millis(120),
            instructions,
            ..LessonFigures::default()
        };
        let close =
            |ratio: Option<f64>, expected: f64| ratio.is_some_and(|ratio| (ratio - expected).abs() < 1e-9);
        // Time is compared with the floor's runs beside the lesson's, not with the floor's own row.
        let baseline = figures.ratios(&lesson("baseline", Some(300)));
        assert!(close(Some(baseline.time), 1.25) && close(baseline.instructions, 1.5), "{baseline:?}");
        let fixed_join = figures.ratios(&lesson("fixed-join", Some(300)));
        assert!(close(fixed_join.instructions, 1.2), "{fixed_join:?}");
        assert!(close(fixed_join.instructions_to_lesson_1, 1.5), "{fixed_join:?}");
        // Without valgrind, or without the lesson's own floor, there is no ratio rather than a wrong one.
        assert_eq!(figures.ratios(&lesson("baseline", None)).instructions, None);
        assert_eq!(figures.ratios(&lesson("graceful-shutdown", Some(300))).instructions, None);
    }

    #[test]
    fn every_lesson_compared_with_a_floor_has_the_floor_of_its_pattern() {
        let course = Workspace::course();
        let lessons = lessons::load(&course.root).unwrap();
        for lesson in lessons.iter().filter(|lesson| compared_with_a_floor(lesson)) {
            assert!(Floor::of(&lesson.crate_name).is_some(), "lesson {} has no floor", lesson.number);
        }
        assert_eq!(Floor::of("priority"), Some(Floor::Priorities));
        assert_eq!(Floor::of("graceful-shutdown"), Some(Floor::JoinSet));
        assert_eq!(Floor::of("threads"), None, "lesson 8 is not compared with a floor");
        let letters: std::collections::BTreeSet<char> =
            Floor::ALL.iter().map(|floor| floor.letter()).collect();
        assert_eq!(letters.len(), Floor::ALL.len(), "each floor has a letter of its own");
        let figures = Figures {
            floors: Floor::ALL
                .iter()
                .map(|&floor| FloorFigures { floor, ..FloorFigures::default() })
                .collect(),
            ..Figures::default()
        };
        assert!(figures.table().contains(UNCOUNTED), "{}", figures.table());
    }

    #[test]
    fn instructions_are_read_from_callgrinds_summary() {
        let said = "==77== Events    : Ir\n==77== Collected : 292951548\n==77==\n\
                    ==77== I   refs:      292,951,548\n";
        assert_eq!(collected_instructions(said), Some(292_951_548));
        assert_eq!(collected_instructions("==77== Events    : Ir\n"), None);
    }

    #[test]
    fn the_json_has_every_figure() {
        let figures = Figures {
            lessons: vec![LessonFigures { number: 1, name: "baseline".into(), ..LessonFigures::default() }],
            ..Figures::default()
        };
        let json = figures.json();
        for key in [
            "lesson_1_simulated_seconds",
            "floors",
            "instructions_jobs",
            "instruction_floor_ratio",
            "instruction_lesson_1_floor_ratio",
            "peak_memory_bytes",
            "async-channel",
        ] {
            assert!(json.contains(&format!("\"{key}\"")), "{json}");
        }
        assert!(json.contains("\"peak_memory_bytes\": null"), "{json}");
        let read: serde_json::Value = serde_json::from_str(&json).expect("JSON that reads back");
        assert_eq!(read["lessons"][0]["crate"], "baseline", "{json}");
    }
}
