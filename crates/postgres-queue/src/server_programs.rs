//! Where PostgreSQL's server programs are, who may run them, and where a throwaway cluster lives: what a
//! throwaway cluster needs from the machine. Only the standard library, so that `cargo xtask doctor` can use
//! this very file (it includes it by its path) to say what is missing before a lesson needs it.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where the lesson's throwaway clusters live: a folder of this user's own in the system's temporary folder
/// (`TMPDIR`, or `/tmp`), which every user may enter, as the server's user must (run by root, the server
/// runs as `postgres`), and which is often a file system in memory, where the thousand files of a cluster are
/// made and deleted quickly. Its own, and no one else may enter it (see `server.rs`): a template planted in a
/// folder others can write to would run their configuration as this user.
pub fn clusters_folder() -> PathBuf {
    std::env::temp_dir().join(format!("postgres-queue-{}", user_id()))
}

/// This program's user's number. (The owner of `/proc/self` is the process's user: no `libc` needed.)
pub fn user_id() -> u32 {
    fs::metadata("/proc/self").map(|process| process.uid()).unwrap_or(u32::MAX)
}

/// The folder of PostgreSQL's server programs (`initdb`, `pg_ctl`): `POSTGRES_BIN_DIR` if set, then where
/// Debian and Ubuntu put them (`/usr/lib/postgresql/<version>/bin`, not on `PATH`), newest first, then `PATH`.
pub fn find_server_programs() -> Result<PathBuf, String> {
    let has_them = |folder: &Path| folder.join("initdb").is_file() && folder.join("pg_ctl").is_file();
    // An empty value is a variable set by mistake, or cleared: not a folder.
    if let Some(folder) = std::env::var_os("POSTGRES_BIN_DIR").filter(|folder| !folder.is_empty()) {
        let folder = PathBuf::from(folder);
        return if has_them(&folder) {
            Ok(folder)
        } else {
            Err(format!("POSTGRES_BIN_DIR is {}, which holds no initdb and pg_ctl", folder.display()))
        };
    }
    let mut debian: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| Some((entry.file_name().to_str()?.parse().ok()?, entry.path().join("bin"))))
        .collect();
    debian.sort();
    let on_path = std::env::var_os("PATH").map(|path| std::env::split_paths(&path).collect::<Vec<_>>());
    debian
        .into_iter()
        .rev()
        .map(|(_, folder)| folder)
        .chain(on_path.into_iter().flatten())
        .find(|folder| has_them(folder))
        .ok_or_else(|| {
            "PostgreSQL's server programs (initdb, pg_ctl) were not found: install PostgreSQL (Debian and \
             Ubuntu: apt-get install postgresql; Fedora: dnf install postgresql-server; macOS: brew install \
             postgresql), or set POSTGRES_BIN_DIR to their folder, or give a running server in DATABASE_URL"
                .to_string()
        })
}

/// Whether this program runs as root.
pub fn running_as_root() -> bool {
    user_id() == 0
}

/// The user and group numbers of the `postgres` user, from `/etc/passwd`.
pub fn postgres_user() -> Result<(u32, u32), String> {
    let users = fs::read_to_string("/etc/passwd").unwrap_or_default();
    users
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            match fields[..] {
                ["postgres", _, uid, gid, ..] => Some((uid.parse().ok()?, gid.parse().ok()?)),
                _ => None,
            }
        })
        .ok_or_else(|| {
            "run as root, the lesson runs PostgreSQL as the user postgres, and there is none: install the \
             postgresql package, or run the lesson as another user"
                .to_string()
        })
}

/// Fails with a sentence if the `postgres` user (`uid`, `gid`), which runs the server when the lesson runs as
/// root, cannot reach `folder`: a folder on the way that only its owner may enter, as root's home is.
pub fn postgres_user_can_reach(folder: &Path, uid: u32, gid: u32) -> Result<(), String> {
    // The nearest folder that exists: the rest will be made, and given to the postgres user.
    let existing = folder.ancestors().find(|ancestor| ancestor.is_dir()).unwrap_or(Path::new("/"));
    let entered = Command::new("sh")
        .args(["-c", r#"cd "$1""#, "sh"])
        .arg(existing)
        .uid(uid)
        .gid(gid)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|error| format!("cannot start sh to check the postgres user's access: {error}"))?;
    if entered.success() {
        return Ok(());
    }
    let blocked = existing
        .ancestors()
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .find(|ancestor| fs::metadata(ancestor).is_ok_and(|metadata| metadata.mode() & 0o001 == 0))
        .unwrap_or(existing);
    Err(format!(
        "the throwaway cluster's server runs as the user postgres (the lesson runs as root, and PostgreSQL \
         refuses root), and that user cannot enter {}, where the cluster would live: set TMPDIR to a folder \
         every user may enter, run the lesson as another user, or give a running server in DATABASE_URL",
        blocked.display()
    ))
}
