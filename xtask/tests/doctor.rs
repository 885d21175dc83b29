//! `cargo xtask doctor`, on this machine and on one without tmux, PostgreSQL and Chromium: each missing piece named,
//! with the command that installs it.

use std::path::PathBuf;
use std::process::Command;

/// Runs the doctor with `path` as `PATH` (or the test's own), and returns what it printed and its status.
fn doctor(path: Option<&PathBuf>, postgres_programs: Option<&str>) -> (String, i32) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.arg("doctor").env_remove("DATABASE_URL").env_remove("POSTGRES_BIN_DIR");
    if let Some(path) = path {
        command.env("PATH", path).env_remove("CHROMIUM");
    }
    if let Some(folder) = postgres_programs {
        command.env("POSTGRES_BIN_DIR", folder);
    }
    let output = command.output().expect("the runner runs");
    let printed =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (printed, output.status.code().unwrap_or(-1))
}

/// The machines that run this test (a developer's, CI's) have all the course needs: `.ci/run` installs it.
#[test]
fn this_machine_has_everything() {
    let (printed, status) = doctor(None, None);
    assert_eq!(status, 0, "{printed}");
    assert!(printed.contains("Everything the course needs is here"), "{printed}");
    for piece in ["Rust 1.", "tmux", "PostgreSQL's server programs", "Chromium", "GB free"] {
        assert!(printed.contains(piece), "{piece:?} is not in:\n{printed}");
    }
}

/// With a `PATH` that holds Rust and `df` but no tmux and no Chromium, and PostgreSQL's programs looked for
/// where there are none, each is named, with how to install it, and the status is 1.
#[test]
fn a_machine_without_tmux_or_postgresql_is_told_what_to_install() {
    let folder = std::env::temp_dir().join(format!("doctor-path-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    for program in ["rustc", "df"] {
        let found = Command::new("sh").args(["-c", &format!("command -v {program}")]).output().unwrap();
        let found = String::from_utf8_lossy(&found.stdout).trim().to_string();
        let _ = std::os::unix::fs::symlink(found, folder.join(program));
    }
    let (printed, status) = doctor(Some(&folder), Some("/nonexistent"));
    let _ = std::fs::remove_dir_all(&folder);
    assert_eq!(status, 1, "{printed}");
    assert!(printed.contains("MISS tmux") && printed.contains("apt-get install tmux"), "{printed}");
    assert!(printed.contains("MISS PostgreSQL") && printed.contains("/nonexistent"), "{printed}");
    assert!(printed.contains("ok   Rust 1."), "{printed}");
    assert!(printed.contains("MISS Chromium") && printed.contains("apt-get install chromium"), "{printed}");
    assert!(printed.contains("3 missing"), "{printed}");
}
