//! `cargo xtask doctor`: what the course needs from the machine, each piece checked, and the one command that
//! installs a missing one.
//!
//! `cargo xtask lesson 1` needs only Rust. The rest is needed later, and it is better heard now than as a
//! failing test: the tests of what a terminal shows run in tmux, lesson 9 and its tests start PostgreSQL
//! servers of their own, the book's test opens its pages in Chromium, and a first `cargo test` with the exercises' verification fills a few gigabytes.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::failure::Failure;
use crate::workspace::{Workspace, print};

// Where PostgreSQL's programs are, and who may run them: lesson 9's own file, so that the doctor and the
// lesson never disagree.
#[allow(dead_code, reason = "the doctor uses some of the lesson's functions, not all")]
#[path = "../../crates/postgres-queue/src/server_programs.rs"]
mod server_programs;

/// The oldest Rust the course builds with (`rust-version` in Cargo.toml).
const RUST: (u32, u32) = (1, 95);

/// The free disk, in gigabytes, that a first `cargo test --workspace` and `cargo xtask exercises --verify`
/// need, with room to spare.
const DISK_GIGABYTES: u64 = 6;

/// One piece of the machine, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Whether the piece is there and fit.
    pub ok: bool,
    /// A sentence: what was found, or what is missing and how to install it.
    pub sentence: String,
}

/// `cargo xtask doctor`: 0 if the machine has everything the course needs, 1 if not.
pub fn run() -> Result<u8, Failure> {
    let course = Workspace::course();
    print("What the course needs on this machine:\n");
    let findings = examine(&course);
    for finding in &findings {
        print(&format!("{} {}\n", if finding.ok { "ok  " } else { "MISS" }, finding.sentence));
    }
    let missing = findings.iter().filter(|finding| !finding.ok).count();
    if missing == 0 {
        print("Everything the course needs is here: `cargo xtask lesson 1` to begin.\n");
        Ok(0)
    } else {
        print(&format!(
            "{missing} missing: install what is named above, then run `cargo xtask doctor` again.\n"
        ));
        Ok(1)
    }
}

/// Checks every piece: Rust, tmux, PostgreSQL, Chromium, free disk.
pub fn examine(course: &Workspace) -> Vec<Finding> {
    vec![rust(), tmux(), postgresql(), chromium(), disk(&course.target)]
}

/// The version a program prints with `flag`, its first line, if it runs.
fn version_of(program: &str, flag: &str) -> Option<String> {
    let output = Command::new(program).arg(flag).stdin(Stdio::null()).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    output.status.success().then(|| text.lines().next().unwrap_or_default().trim().to_string())
}

fn rust() -> Finding {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let Some(version) = version_of(&rustc, "--version") else {
        return Finding {
            ok: false,
            sentence: "Rust: rustc does not run. Install Rust with rustup (https://rustup.rs)".to_string(),
        };
    };
    // `rustc 1.95.0 (…)`
    let number = version.split_whitespace().nth(1).unwrap_or_default();
    let mut parts = number.split('.').map(|part| part.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    let needed = format!("{}.{}", RUST.0, RUST.1);
    if found >= RUST {
        Finding { ok: true, sentence: format!("Rust {number}: the course needs {needed} or newer.") }
    } else {
        Finding {
            ok: false,
            sentence: format!("Rust {number} is older than the course needs ({needed}): rustup update"),
        }
    }
}

fn tmux() -> Finding {
    match version_of("tmux", "-V") {
        Some(version) => Finding {
            ok: true,
            sentence: format!(
                "{version}: the tests of what a terminal shows (watch mode, Ctrl-C) run in it."
            ),
        },
        None => Finding {
            ok: false,
            sentence:
                "tmux: `cargo test` runs the tests of what a terminal shows (watch mode, Ctrl-C) in it, \
                       and fails without it. Install it: apt-get install tmux (Debian, Ubuntu), dnf install \
                       tmux (Fedora), brew install tmux (macOS)"
                    .to_string(),
        },
    }
}

fn chromium() -> Finding {
    let program = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".to_string());
    match version_of(&program, "--version") {
        Some(version) => Finding {
            ok: true,
            sentence: format!("{version}: the test of the book (`cargo xtask book`) opens every page in it."),
        },
        None => Finding {
            ok: false,
            sentence: format!(
                "Chromium ({program}): `cargo test` opens every page of the book in it, and fails without it. \
                 Install it: apt-get install chromium (Debian), apt-get install chromium-browser (Ubuntu), or from \
                 its own site (macOS); or set CHROMIUM to the program"
            ),
        },
    }
}

fn postgresql() -> Finding {
    let programs = match server_programs::find_server_programs() {
        Ok(programs) => programs,
        Err(problem) => {
            return Finding {
                ok: false,
                sentence: format!(
                    "PostgreSQL: lesson 9's tests start servers of their own, and fail without its programs. \
                     {problem}"
                ),
            };
        }
    };
    // Run by root, the server runs as the user postgres, which must reach the clusters' folder.
    if server_programs::running_as_root() {
        let reachable = server_programs::postgres_user().and_then(|(uid, gid)| {
            server_programs::postgres_user_can_reach(&server_programs::clusters_folder(), uid, gid)
        });
        if let Err(problem) = reachable {
            return Finding { ok: false, sentence: format!("PostgreSQL: {problem}") };
        }
    }
    let url = std::env::var("DATABASE_URL").ok().filter(|url| !url.trim().is_empty());
    let lesson = if url.is_some() { "lesson 9 uses DATABASE_URL's server" } else { "lesson 9 starts one" };
    Finding {
        ok: true,
        sentence: format!(
            "PostgreSQL's server programs, in {}: {lesson}, and its tests start their own.",
            programs.display()
        ),
    }
}

fn disk(target: &Path) -> Finding {
    // The nearest folder that exists: the target folder is made by the first build.
    let folder = target.ancestors().find(|folder| folder.is_dir()).unwrap_or(Path::new("/"));
    let free = Command::new("df")
        .args(["-Pk"])
        .arg(folder)
        .output()
        .ok()
        .and_then(|output| free_kilobytes(&String::from_utf8_lossy(&output.stdout)));
    let needed = format!(
        "a first `cargo test` and `cargo xtask exercises --verify` need about {DISK_GIGABYTES} GB in {}",
        target.display()
    );
    match free {
        Some(kilobytes) if kilobytes / 1_000_000 >= DISK_GIGABYTES => {
            Finding { ok: true, sentence: format!("{} GB free: {needed}.", kilobytes / 1_000_000) }
        }
        Some(kilobytes) => Finding {
            ok: false,
            sentence: format!("disk: {} GB free, and {needed}: make room there", kilobytes / 1_000_000),
        },
        None => Finding { ok: true, sentence: format!("free disk: `df` could not tell; {needed}.") },
    }
}

/// The free kilobytes in `df -Pk`'s output: the fourth column of its second line.
fn free_kilobytes(df: &str) -> Option<u64> {
    df.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_free_disk_is_read_from_df() {
        let df = "Filesystem     1024-blocks      Used Available Capacity Mounted on\n\
                  /dev/vda        263174212  23000000  73000000      24% /\n";
        assert_eq!(free_kilobytes(df), Some(73_000_000));
        assert_eq!(free_kilobytes("nonsense"), None);
    }

    #[test]
    fn the_readme_asks_for_the_disk_that_doctor_checks() {
        let readme = std::fs::read_to_string(Workspace::course().file("README.md")).unwrap();
        assert!(
            readme.contains(&format!("**About {DISK_GIGABYTES} GB of free disk**")),
            "README.md says another size"
        );
    }
}
