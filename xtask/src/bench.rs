//! `cargo xtask bench`: the figures behind the README's Performance section, measured on this machine.
//!
//! It measures, and does not judge: the figures depend on the machine, so no test asserts them. It prints a
//! table and writes the same figures as JSON to `target/bench.json`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::workspace::{Workspace, print};
use std::time::{Duration, Instant};

/// The scale run: a million jobs, a thousand workers.
pub const SCALE_FLAGS: [&str; 5] = ["--jobs", "1000000", "--workers", "1000", "--quiet"];
/// How many times the simulated run of lesson 1 is repeated, to average away the noise.
const SIMULATED_RUNS: u32 = 20;

/// Every figure of a bench run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Lesson 1's default run on the simulated clock, whole process, mean of several runs.
    pub simulated: Duration,
    /// The same run on the wall clock.
    pub wall_clock: Duration,
    /// The scale run's wall time.
    pub scale_time: Duration,
    /// The scale run's peak memory, in bytes, if the system says.
    pub scale_peak_memory: Option<u64>,
    /// The best time of a bare `tokio::sync::mpsc` channel moving the benchmark's items.
    pub bare_channel: Duration,
    /// The same for lesson 3's joinable queue.
    pub joinable_queue: Duration,
    /// The same for lesson 4's priority queue.
    pub priority_queue: Duration,
    /// A cold debug build of what `cargo xtask lesson 1` needs: the runner and lesson 1.
    pub cold_build_lesson_1: Duration,
    /// A cold debug build of the whole workspace: the build above plus the rest.
    pub cold_build_workspace: Duration,
}

impl Figures {
    /// The figures as a table for the terminal.
    pub fn table(&self) -> String {
        let memory = self
            .scale_peak_memory
            .map_or("unknown".to_string(), |bytes| format!("{:.1} MiB", bytes as f64 / 1048576.0));
        let ratio = |queue: Duration| queue.as_secs_f64() / self.bare_channel.as_secs_f64().max(f64::EPSILON);
        format!(
            "lesson 1, default run, simulated clock    {:>10.1} ms (whole process, mean of {SIMULATED_RUNS})\n\
             lesson 1, default run, wall clock        {:>10.2} s   ({:.0}x slower)\n\
             scale run ({})\n  \
               wall time                              {:>10.2} s\n  \
               jobs per second                        {:>10.0}\n  \
               peak memory                            {:>13}\n\
             queues, 200,000 items, 1 producer, 4 consumers, no work per item (best of 5)\n  \
               bare tokio::sync::mpsc                 {:>10.1} ms\n  \
               lesson 3's joinable queue              {:>10.1} ms ({:.2}x the bare channel)\n  \
               lesson 4's priority queue              {:>10.1} ms ({:.2}x the bare channel)\n\
             cold debug build, from an empty target folder\n  \
               what `cargo xtask lesson 1` needs      {:>10.1} s\n  \
               the whole workspace                    {:>10.1} s\n",
            self.simulated.as_secs_f64() * 1000.0,
            self.wall_clock.as_secs_f64(),
            self.wall_clock.as_secs_f64() / self.simulated.as_secs_f64().max(f64::EPSILON),
            SCALE_FLAGS.join(" "),
            self.scale_time.as_secs_f64(),
            1_000_000.0 / self.scale_time.as_secs_f64().max(f64::EPSILON),
            memory,
            self.bare_channel.as_secs_f64() * 1000.0,
            self.joinable_queue.as_secs_f64() * 1000.0,
            ratio(self.joinable_queue),
            self.priority_queue.as_secs_f64() * 1000.0,
            ratio(self.priority_queue),
            self.cold_build_lesson_1.as_secs_f64(),
            self.cold_build_workspace.as_secs_f64(),
        )
    }

    /// The figures as JSON, in seconds and bytes.
    pub fn json(&self) -> String {
        let seconds = |duration: Duration| format!("{:.6}", duration.as_secs_f64());
        let memory = self.scale_peak_memory.map_or("null".to_string(), |bytes| bytes.to_string());
        format!(
            "{{\n  \"lesson_1_simulated_seconds\": {},\n  \"lesson_1_wall_clock_seconds\": {},\n  \
             \"scale_seconds\": {},\n  \"scale_peak_memory_bytes\": {memory},\n  \
             \"bare_channel_seconds\": {},\n  \"joinable_queue_seconds\": {},\n  \"priority_queue_seconds\": {},\n  \
             \"cold_build_lesson_1_seconds\": {},\n  \"cold_build_workspace_seconds\": {}\n}}\n",
            seconds(self.simulated),
            seconds(self.wall_clock),
            seconds(self.scale_time),
            seconds(self.bare_channel),
            seconds(self.joinable_queue),
            seconds(self.priority_queue),
            seconds(self.cold_build_lesson_1),
            seconds(self.cold_build_workspace),
        )
    }
}

/// `cargo xtask bench`: builds what it measures, measures it, prints a table and writes `target/bench.json`.
pub fn run() -> Result<u8, String> {
    let course = Workspace::course();
    let target = course.target.clone();
    print("Building lesson 1 and the queue benchmark in release mode...\n");
    run_cargo(
        &course,
        &["build", "--quiet", "--release", "--package", "baseline", "--package", "benchmarks"],
        None,
    )?;
    let release = target.join("release");
    let lesson_1 = release.join("baseline");
    let mut figures = Figures::default();

    print("Timing lesson 1 on the simulated clock, then on the wall clock (about 5 seconds)...\n");
    let mut simulated = Duration::ZERO;
    for _ in 0..20 {
        simulated += time(&lesson_1, &["--instant"])?;
    }
    figures.simulated = simulated / 20;
    figures.wall_clock = time(&lesson_1, &["--real-time"])?;

    print("Running a million jobs with a thousand workers...\n");
    (figures.scale_time, figures.scale_peak_memory) = measure(&lesson_1, &SCALE_FLAGS)?;

    print("Timing the lessons' queues against a bare channel...\n");
    let queues = Command::new(release.join("benchmarks"))
        .output()
        .map_err(|error| format!("cannot run the queue benchmark: {error}"))?;
    (figures.bare_channel, figures.joinable_queue, figures.priority_queue) =
        parse_queue_figures(&String::from_utf8_lossy(&queues.stdout))?;

    print("Building from an empty target folder: what `cargo xtask lesson 1` needs, then the rest...\n");
    let cold = target.join("bench-cold-build");
    let _ = std::fs::remove_dir_all(&cold);
    let started = Instant::now();
    run_cargo(&course, &["build", "--quiet", "--package", "xtask", "--package", "baseline"], Some(&cold))?;
    figures.cold_build_lesson_1 = started.elapsed();
    run_cargo(&course, &["build", "--quiet", "--workspace"], Some(&cold))?;
    figures.cold_build_workspace = started.elapsed();
    let _ = std::fs::remove_dir_all(&cold);

    print("\n");
    print(&figures.table());
    let json = target.join("bench.json");
    std::fs::write(&json, figures.json())
        .map_err(|error| format!("cannot write {}: {error}", json.display()))?;
    print(&format!("\nThe same figures, as JSON: {}\n", json.display()));
    Ok(0)
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

/// Reads the benchmark binary's lines (`name seconds`) into the three queue figures.
pub fn parse_queue_figures(output: &str) -> Result<(Duration, Duration, Duration), String> {
    let figure = |name: &str| {
        output
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse::<f64>().ok())
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("the queue benchmark printed no figure for {name}:\n{output}"))
    };
    Ok((figure("bare-mpsc")?, figure("joinable-queue")?, figure("priority-queue")?))
}

/// Runs `program` with `args` to its end, quietly, and returns its wall time: the whole process, from its
/// start to its exit.
pub fn time(program: &Path, args: &[&str]) -> Result<Duration, String> {
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|error| format!("cannot run {}: {error}", program.display()))?;
    if !status.success() {
        return Err(format!("{} {} failed: {status}", program.display(), args.join(" ")));
    }
    Ok(started.elapsed())
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
    let status_file = PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut peak_memory = None;
    loop {
        if let Some(status) =
            child.try_wait().map_err(|error| format!("cannot wait for the benchmark: {error}"))?
        {
            if !status.success() {
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
        let figures =
            parse_queue_figures("bare-mpsc 0.025\njoinable-queue 0.050\npriority-queue 0.060\n").unwrap();
        assert_eq!(figures.0, Duration::from_millis(25));
        assert_eq!(figures.2, Duration::from_millis(60));
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
    fn the_json_has_every_figure() {
        let json = Figures::default().json();
        for key in ["lesson_1_simulated_seconds", "scale_peak_memory_bytes", "cold_build_workspace_seconds"] {
            assert!(json.contains(&format!("\"{key}\"")), "{json}");
        }
        assert!(json.contains("\"scale_peak_memory_bytes\": null"), "{json}");
    }
}
