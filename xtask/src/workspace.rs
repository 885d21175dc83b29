//! The workspace the runner works on, and how it builds and runs the lessons there: the helpers every
//! command shares.
//!
//! Usually that is the course itself. `cargo xtask exercises --verify` also checks copies of it, each with an
//! exercise's patch applied, built in a target folder of their own so that they never overwrite the course's
//! own programs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use crate::failure::Failure;
use crate::lessons::Lesson;
use run_report::RunReport;

pub use crate::failure::{EXIT_FAILED, EXIT_USAGE};

/// The variable that points the runner at a copy of the course instead of the course it was built from: for
/// the runner's own tests, which edit a copy as a learner edits the course.
pub const COURSE_ROOT: &str = "COURSE_ROOT";

/// The variable that tells a lesson's program the command that runs it, for the usage line of its `--help`
/// (`lesson_support::run` reads it).
pub const COMMAND_NAME: &str = "LESSON_COMMAND_NAME";

/// A cargo workspace of the course: where its files are, and where cargo builds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// The folder with the workspace's `Cargo.toml`.
    pub root: PathBuf,
    /// Where cargo puts what it builds.
    pub target: PathBuf,
}

/// A lesson's program that ran to its end, as the lessons' tests capture it.
#[derive(Debug, Clone)]
pub struct Run {
    /// Standard output, then standard error, then `[exit status N]`.
    pub output: String,
    /// The exit status.
    pub status: u8,
    /// The facts the program wrote with `--report`, if it was asked to and could.
    pub report: Option<RunReport>,
}

impl Workspace {
    /// The course itself, wherever the runner is started from; or the copy of it that [`COURSE_ROOT`] names.
    pub fn course() -> Workspace {
        let root = std::env::var_os(COURSE_ROOT).map(PathBuf::from).unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("the xtask crate lives in the workspace's folder")
                .to_path_buf()
        });
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
        Workspace { root, target }
    }

    /// A path in the workspace, from one relative to its root (`lessons/list.txt`).
    pub fn file(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// A git command run in the workspace: see [`git`].
    pub fn git(&self) -> Command {
        git(&self.root)
    }

    /// A cargo command run in the workspace, with the cargo that runs this runner (`CARGO`), or `cargo`.
    pub fn cargo(&self) -> Command {
        let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        command.current_dir(&self.root).env("CARGO_TARGET_DIR", &self.target);
        command
    }

    /// Builds a lesson's program (debug profile). Its failure comes back with what the compiler said.
    ///
    /// The program is asked for by name (`--bin`), not only its package: a package whose `main.rs` is gone
    /// still builds its library, and the program of an earlier build would then run as if nothing had changed.
    pub fn build_quietly(&self, lesson: &Lesson) -> Result<(), String> {
        let output = self
            .cargo()
            .args(["build", "--quiet", "--color", "never", "--package", &lesson.crate_name])
            .args(["--bin", &lesson.crate_name])
            .stdin(Stdio::null())
            .output()
            .map_err(|error| format!("cannot start cargo: {error}"))?;
        if output.status.success() {
            return Ok(());
        }
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }

    /// Builds a lesson's program, with the compiler's messages on the terminal, and on a terminal cargo's
    /// progress too: the first build of a lesson takes a while, and a learner must see that it goes on.
    /// (Piped, only the compiler's messages: a script reads the lesson's output, not cargo's.) Returns whether
    /// it built.
    pub fn build_on_terminal(&self, lesson: &Lesson) -> Result<bool, String> {
        let mut cargo = self.cargo();
        // The program by name, as in `build_quietly`.
        cargo.args(["build", "--package", &lesson.crate_name, "--bin", &lesson.crate_name]);
        if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            cargo.arg("--quiet");
        }
        let status = cargo.status().map_err(|error| format!("cannot start cargo: {error}"))?;
        Ok(status.success())
    }

    /// The path of a lesson's program, once built.
    pub fn program(&self, lesson: &Lesson) -> PathBuf {
        self.target.join("debug").join(&lesson.crate_name)
    }

    /// Runs a lesson's program on the terminal, and returns its exit status once it has ended. The program
    /// is told the command the learner typed (`cargo xtask lesson 1`), which its `--help` shows. Ctrl-C
    /// reaches the lesson, which handles it; the runner waits for it (see `interrupt`).
    pub fn run_on_terminal(&self, lesson: &Lesson, flags: &[String]) -> Result<u8, Failure> {
        let mut child = Command::new(self.program(lesson))
            .args(flags)
            .env(COMMAND_NAME, format!("cargo xtask lesson {}", lesson.number))
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", lesson.crate_name))?;
        let status =
            child.wait().map_err(|error| format!("cannot wait for {}: {error}", lesson.crate_name))?;
        Ok(exit_status(status))
    }

    /// Runs a built lesson's program with `flags`, at once (`--instant`), and captures what it prints. With
    /// `report` set, it also asks for the facts of the run (`--report`) and reads them back. A run that has not
    /// ended after [`RUN_LIMIT`] of wall time is stopped: its status is then [`EXIT_STOPPED`].
    pub fn capture(&self, lesson: &Lesson, flags: &[String], report: bool) -> Result<Run, String> {
        self.capture_with(lesson, flags, report, None)
    }

    /// [`capture`](Workspace::capture), with `DATABASE_URL` set to `database_url` if given: lesson 9's runs then
    /// share one server instead of starting one each (see [`ThrowawayServer`]).
    pub fn capture_with(
        &self,
        lesson: &Lesson,
        flags: &[String],
        report: bool,
        database_url: Option<&str>,
    ) -> Result<Run, String> {
        let scratch = self.target.join(format!("run-{}-{}", lesson.crate_name, std::process::id()));
        let report_file = report.then(|| scratch.with_extension("report"));
        let mut command = Command::new(self.program(lesson));
        command.args(flags);
        // At once, unless on the wall clock, where a run takes its time anyway (and `--instant` is refused).
        if !flags.iter().any(|flag| flag == "--real-time") {
            command.arg("--instant");
        }
        if let Some(url) = database_url {
            command.env("DATABASE_URL", url);
        }
        if let Some(file) = &report_file {
            let _ = std::fs::remove_file(file);
            command.arg("--report").arg(file);
        }
        let ran = run_with_limit(&mut command, RUN_LIMIT, &scratch)?;
        let status = ran.status.unwrap_or(EXIT_STOPPED);
        let report = report_file.and_then(|file| {
            let text = std::fs::read_to_string(&file).ok();
            let _ = std::fs::remove_file(&file);
            text.and_then(|text| RunReport::parse(&text).ok())
        });
        Ok(Run { output: format!("{}{}[exit status {status}]\n", ran.stdout, ran.stderr), status, report })
    }
}

/// A throwaway PostgreSQL server that lesson 9's program serves (`serve-throwaway-cluster`) for several runs,
/// which find it through `DATABASE_URL`: the runs of `check 9`, and the bench's runs of lesson 9 and its
/// floor, which then meet the same server. It stops, and its folder goes, when it is dropped.
pub struct ThrowawayServer {
    server: std::process::Child,
    /// How to reach it, for `DATABASE_URL`.
    pub url: String,
}

impl ThrowawayServer {
    /// Starts the server with lesson 9's built program, and returns once it accepts connections.
    pub fn start(program: &Path) -> Result<ThrowawayServer, String> {
        let mut server = Command::new(program)
            .arg("serve-throwaway-cluster")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start lesson 9's server: {error}"))?;
        let mut url = String::new();
        let stdout = server.stdout.take().expect("a pipe");
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut url)
            .map_err(|error| format!("cannot read the server's address: {error}"))?;
        let url = url.trim().to_string();
        let server = ThrowawayServer { server, url };
        if server.url.is_empty() {
            return Err(
                "lesson 9's throwaway server did not start (`cargo xtask doctor` says why)".to_string()
            );
        }
        Ok(server)
    }
}

impl Drop for ThrowawayServer {
    /// Closes the server's standard input, which stops it, and waits until it is gone.
    fn drop(&mut self) {
        drop(self.server.stdin.take());
        let _ = self.server.wait();
    }
}

/// A git command run in `folder`. Every git the runner runs is made here and run by [`run_git`]: `reset`
/// saves and restores a learner's files with it, `bless` asks which files changed, and `exercises` applies
/// patches to a copy of the course.
pub fn git(folder: &Path) -> Command {
    let mut command = Command::new("git");
    command.current_dir(folder);
    command
}

/// Runs a git command and returns what it printed, as bytes: a patch holds a learner's files as they are, in
/// whatever encoding, and their names too. With `one_is_success`, exit status 1 means "there are
/// differences" (`git diff --no-index`), not a failure. A failure is an error that names the command and
/// gives git's first line about it.
pub fn run_git(command: &mut Command, one_is_success: bool) -> Result<Vec<u8>, String> {
    let words: Vec<String> = command.get_args().map(|arg| arg.to_string_lossy().into_owned()).collect();
    let output = command.output().map_err(|error| format!("cannot run git: {error}"))?;
    let succeeded = output.status.success() || (one_is_success && output.status.code() == Some(1));
    if !succeeded {
        let said = String::from_utf8_lossy(&output.stderr);
        let first = said.lines().next().unwrap_or_default();
        return Err(format!("`git {}` failed: {first}", words.join(" ")));
    }
    Ok(output.stdout)
}

/// How long a lesson's run may take on the wall clock before the runner stops it. A simulated run takes
/// milliseconds; one that takes a minute waits on something that never comes, or blocks its thread.
pub const RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// The status of a run that the runner stopped at [`RUN_LIMIT`], as a shell reports a program killed by
/// SIGKILL.
pub const EXIT_STOPPED: u8 = 137;

/// What a program printed and how it ended, when run with a time limit.
#[derive(Debug, Clone)]
pub struct Limited {
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
    /// Its exit status, or `None` if it ran past the limit and was stopped.
    pub status: Option<u8>,
}

/// Runs `command` to its end, or stops it, and every process it started, once it has run for `limit`: a
/// learner's change may make a program, or a test, wait for ever. What it prints goes to files, not pipes,
/// so that a program that prints a lot cannot block on a full pipe.
pub fn run_with_limit(
    command: &mut Command,
    limit: std::time::Duration,
    scratch: &Path,
) -> Result<Limited, String> {
    let (out_path, err_path) = (scratch.with_extension("out"), scratch.with_extension("err"));
    let file = |path: &Path| {
        std::fs::File::create(path).map_err(|error| format!("cannot write {}: {error}", path.display()))
    };
    command.stdin(Stdio::null()).stdout(file(&out_path)?).stderr(file(&err_path)?);
    // A group of its own, so that it and its children (cargo and the tests it runs) can be stopped together.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(command, 0);
    let mut child =
        command.spawn().map_err(|error| format!("cannot start {:?}: {error}", command.get_program()))?;
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|error| format!("cannot wait: {error}"))? {
            break Some(exit_status(status));
        }
        if started.elapsed() > limit {
            // `kill -KILL -<group>` stops the whole group; the standard library can only kill the child.
            let _ = Command::new("kill").args(["-KILL", &format!("-{}", child.id())]).status();
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let read = |path: &Path| {
        let text =
            std::fs::read(path).map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default();
        let _ = std::fs::remove_file(path);
        text
    };
    Ok(Limited { stdout: read(&out_path), stderr: read(&err_path), status })
}

/// A process's exit status as a shell reports it: its code, or 128 plus the signal that ended it.
pub fn exit_status(status: ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return code.clamp(0, 255) as u8;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return (128 + signal).clamp(0, 255) as u8;
        }
    }
    1
}

/// Prints `text` on standard output. A reader that went away (`cargo xtask list | head -3`) is not an error
/// worth a panic, so a failed write is ignored.
pub fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
}

/// `text` in lines of at most `width` characters, broken between words.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_wrapped_between_words() {
        assert_eq!(wrap("one two three four", 9), ["one two", "three", "four"]);
        assert_eq!(wrap("", 9), Vec::<String>::new());
    }

    /// A lesson whose `main.rs` is gone still has its library, which builds: the build must fail all the same,
    /// or the program of an earlier build would run as the lesson. `lesson-support` is such a package: a
    /// library and no program.
    #[test]
    fn a_package_without_its_program_does_not_build() {
        let course = Workspace::course();
        let no_program = Lesson { number: 1, crate_name: "lesson-support".into(), ..Lesson::default() };
        let said = course.build_quietly(&no_program).expect_err("no program, no build");
        assert!(said.contains("no bin target named `lesson-support`"), "{said}");
    }

    #[cfg(unix)]
    #[test]
    fn a_signal_becomes_128_plus_its_number() {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(exit_status(ExitStatus::from_raw(2)), 130, "SIGINT");
        assert_eq!(exit_status(ExitStatus::from_raw(3 << 8)), 3);
    }
}
