//! The PostgreSQL server the lesson talks to: the one `DATABASE_URL` names, or a throwaway cluster of its own.
//!
//! A throwaway cluster is what many projects use for their tests: a fresh data folder (a copy of a template
//! that `initdb` makes once), and `pg_ctl start` runs a server on it that listens only on a Unix socket inside
//! that folder (no TCP port unless asked, so nothing else on the machine can reach it, and two clusters never
//! collide), and when the program ends, the server is stopped and the folder deleted. "When the program ends" includes Ctrl-C and a crash: a small
//! shell, the keeper, waits for the program to go away and then cleans up. None of this is the lesson; it is
//! what lets `cargo xtask lesson 9` run with no set-up.

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;
use tokio_postgres::{Client, Config, NoTls};

pub use crate::server_programs::clusters_folder;
use crate::server_programs::{
    find_server_programs, postgres_user, postgres_user_can_reach, running_as_root, user_id,
};

/// The name of the cluster's superuser, which the lesson connects as.
const USER: &str = "lesson";

/// A PostgreSQL server to use, and, for a throwaway cluster, what stops it.
#[derive(Debug)]
pub struct Server {
    /// How to connect, as `tokio-postgres` and the worker processes read it: a URL or `key=value` pairs.
    connection_string: String,
    /// What the transcript says the server is.
    description: String,
    /// A throwaway cluster's keeper, held for its `Drop`, which stops the cluster.
    _keeper: Option<Keeper>,
}

impl Server {
    /// The server that `url` names (`DATABASE_URL`): `postgres://user@host/database`, or `host=… dbname=…`.
    pub fn at(url: &str) -> Result<Server, String> {
        url.parse::<Config>().map_err(|error| format!("DATABASE_URL is not a connection string: {error}"))?;
        Ok(Server {
            connection_string: url.to_string(),
            description: "the server of DATABASE_URL".into(),
            _keeper: None,
        })
    }

    /// Starts a throwaway cluster in a new folder inside `parent`, and returns once it accepts connections.
    pub fn start_throwaway(parent: &Path) -> Result<Server, String> {
        Server::start_throwaway_listening(parent, None)
    }

    /// Starts a throwaway cluster as [`start_throwaway`](Server::start_throwaway) does, which also listens on
    /// TCP at `127.0.0.1:port`, where it asks for a password (SCRAM): a server as other machines reach it.
    /// Its own superuser still connects through the Unix socket, with no password.
    pub fn start_throwaway_on_tcp(parent: &Path, port: u16) -> Result<Server, String> {
        Server::start_throwaway_listening(parent, Some(port))
    }

    fn start_throwaway_listening(parent: &Path, tcp_port: Option<u16>) -> Result<Server, String> {
        let programs = find_server_programs()?;
        // PostgreSQL refuses to run as root (a server bug would then own the machine). Run by root, as in a
        // container, the lesson runs the server as the `postgres` user that the package creates.
        let owner = if running_as_root() { Some(postgres_user()?) } else { None };
        if let Some((uid, gid)) = owner {
            // Found out before a folder is made, so that a refusal leaves nothing behind.
            postgres_user_can_reach(parent, uid, gid)?;
        }
        // Mode 700: no one else may enter the folder, or plant a template in it.
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(|error| format!("cannot make {}: {error}", parent.display()))?;
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(parent, Some(uid), Some(gid))
                .map_err(|error| format!("cannot give {} to the postgres user: {error}", parent.display()))?;
        }
        // A folder someone else made first, or a link to one, is not to be trusted.
        let found = fs::symlink_metadata(parent)
            .map_err(|error| format!("cannot look at {}: {error}", parent.display()))?;
        let expected_owner = owner.map_or_else(user_id, |(uid, _)| uid);
        if !found.is_dir() || found.uid() != expected_owner || found.mode() & 0o077 != 0 {
            return Err(format!(
                "{} is not a folder of this user's own that no one else may enter (owner {}, mode {:o}): \
                 remove it, or set TMPDIR to another folder",
                parent.display(),
                found.uid(),
                found.mode() & 0o777
            ));
        }
        let folder = parent.join(format!("{CLUSTER_PREFIX}{}", std::process::id()));
        // A program of PostgreSQL's (`initdb`, `pg_ctl`), or any other (`cp`), run as the cluster's owner.
        let as_owner = |program: &str| {
            let program = if program == "cp" { PathBuf::from("cp") } else { programs.join(program) };
            let mut command = Command::new(program);
            if let Some((uid, gid)) = owner {
                command.uid(uid).gid(gid);
            }
            // A process group of its own: a Ctrl-C in the terminal reaches the lesson, which decides what to
            // do, and not the server, which would stop at once.
            command.process_group(0).stdin(Stdio::null());
            command
        };

        // Clusters whose program is gone were left by a keeper that was killed before it could clean up (a
        // folder with this program's number among them: that number was an earlier program's too).
        remove_abandoned_clusters(parent, &as_owner);

        // The keeper, started first so that it cleans up after a failure too: it waits until its standard
        // input ends, which happens when this program drops the pipe or ends in any way at all, then stops the
        // server and deletes the folder.
        let mut shell = Command::new("sh");
        if let Some((uid, gid)) = owner {
            shell.uid(uid).gid(gid);
        }
        let keeper = shell
            .args([
                "-c",
                r#"read -r _; "$0/pg_ctl" stop --pgdata "$1" --mode immediate --silent; rm -rf "$1""#,
            ])
            .arg(&programs)
            .arg(&folder)
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| format!("cannot start the shell that stops the server: {error}"))?;
        let keeper = Keeper(Some(keeper));

        // A copy of a template made once by initdb, which takes a second or more: a copy takes a tenth.
        let template = template(parent, &programs, &as_owner)?;
        let copied = as_owner("cp")
            .arg("-a")
            .arg(&template)
            .arg(&folder)
            .output()
            .map_err(|error| format!("cannot run cp: {error}"))?;
        if !copied.status.success() {
            let said = String::from_utf8_lossy(&copied.stderr);
            return Err(format!("cannot copy the cluster's template: {}", said.trim()));
        }
        let log = folder.join("server.log");
        // No TCP unless asked: then only on the loopback address, never on a network.
        let (listen, port) = match tcp_port {
            Some(port) => ("127.0.0.1", port),
            None => ("", 5432),
        };
        let server_options = format!(
            "-k {} -c listen_addresses={listen} -c port={port} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off",
            quoted_for_shell(&folder)
        );
        let started = as_owner("pg_ctl")
            .args(["start", "--wait", "--silent", "--pgdata"])
            .arg(&folder)
            .arg("--log")
            .arg(&log)
            .args(["-o", &server_options])
            .stdout(Stdio::null())
            .status()
            .map_err(|error| format!("cannot run pg_ctl: {error}"))?;
        if !started.success() {
            let said = fs::read_to_string(&log).unwrap_or_default();
            let last = said.lines().last().unwrap_or("no message").to_string();
            return Err(format!(
                "the throwaway PostgreSQL server did not start: {last} (its log: {})",
                log.display()
            ));
        }

        let version = fs::read_to_string(folder.join("PG_VERSION")).unwrap_or_default();
        Ok(Server {
            // The port names the socket's file in the folder, even with no TCP.
            connection_string: format!(
                "host={} port={port} user={USER} dbname=postgres",
                quoted_for_libpq(&folder)
            ),
            description: format!("a throwaway PostgreSQL {} cluster in {}", version.trim(), folder.display()),
            _keeper: Some(keeper),
        })
    }

    /// How to connect: a URL or `key=value` pairs, as `DATABASE_URL` takes them.
    pub fn connection_string(&self) -> &str {
        &self.connection_string
    }

    /// The same, for database `name` on a throwaway cluster (whose connection string is `key=value` pairs,
    /// where a later key wins): what the tests give each test.
    pub fn connection_string_for(&self, name: &str) -> String {
        format!("{} dbname={name}", self.connection_string)
    }

    /// What the server is, in a few words: "a throwaway PostgreSQL 15 cluster in /tmp/postgres-queue/…".
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// Connects to the server. See [`connect`].
    pub async fn connect(&self) -> Result<(Client, Arc<Bells>), String> {
        connect(&self.connection_string).await
    }
}

/// The folder of the template that every throwaway cluster in `parent` is a copy of, made by `initdb` the
/// first time: one per folder of PostgreSQL's programs, so that another version of PostgreSQL gets its own.
/// Made under another name and renamed once complete, so that a program that comes at the same time never
/// copies half a template. `as_owner` runs a program as the clusters' owner.
fn template(parent: &Path, programs: &Path, as_owner: &dyn Fn(&str) -> Command) -> Result<PathBuf, String> {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    programs.hash(&mut hasher);
    // The version too: PostgreSQL upgraded in the same folder cannot start an older version's cluster.
    let version = Command::new(programs.join("pg_ctl")).arg("--version").output();
    version.map(|version| version.stdout).unwrap_or_default().hash(&mut hasher);
    // The recipe's own version too: a template made by an older lesson, with other options, is not reused.
    TEMPLATE_RECIPE.hash(&mut hasher);
    let template = parent.join(format!("template-{:016x}", hasher.finish()));
    if template.join("PG_VERSION").is_file() {
        return Ok(template);
    }
    let making = parent.join(format!("making-template-{}", std::process::id()));
    let _ = fs::remove_dir_all(&making);
    // `--no-sync`, and `fsync=off` when it runs: a throwaway cluster need not survive a power cut, and starts
    // in a fraction of a second instead of seconds. WAL files of 1 MB instead of 16: a smaller copy.
    let made = as_owner("initdb")
        .arg("--pgdata")
        .arg(&making)
        .args(["--username", USER, "--auth-local", "trust", "--auth-host", "scram-sha-256", "--no-sync"])
        .arg("--wal-segsize=1")
        .args(["--encoding", "UTF8", "--locale", "C"])
        .output()
        .map_err(|error| format!("cannot run initdb: {error}"))?;
    if !made.status.success() {
        let _ = fs::remove_dir_all(&making);
        let said = String::from_utf8_lossy(&made.stderr);
        return Err(format!("initdb failed: {}", said.lines().last().unwrap_or("no message")));
    }
    // Another program may have finished its own template first: then this one is not needed.
    if fs::rename(&making, &template).is_err() {
        let _ = fs::remove_dir_all(&making);
    }
    Ok(template)
}

/// The version of the way [`template`] makes a template: change it with `initdb`'s options.
const TEMPLATE_RECIPE: u32 = 2;

/// The start of a throwaway cluster's folder name; the number of the program that made it follows.
const CLUSTER_PREFIX: &str = "cluster-";

/// Stops the server of every cluster in `parent` whose program has ended, and deletes its folder. A keeper
/// cleans up when its program ends, however it ends; but a keeper can be killed too, and then nothing else
/// would. `as_owner` runs a server program as the clusters' owner.
fn remove_abandoned_clusters(parent: &Path, as_owner: &dyn Fn(&str) -> Command) {
    let entries = fs::read_dir(parent).into_iter().flatten().flatten();
    for entry in entries {
        let name = entry.file_name();
        let Some(number) = name.to_str().and_then(|name| name.strip_prefix(CLUSTER_PREFIX)) else { continue };
        let Ok(number) = number.parse::<u32>() else { continue };
        // `kill -0` sends no signal: it only says whether the process is there.
        let alive = number != std::process::id()
            && Command::new("kill")
                .args(["-0", &number.to_string()])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success());
        if alive {
            continue;
        }
        let folder = entry.path();
        let _ = as_owner("pg_ctl")
            .args(["stop", "--mode", "immediate", "--silent", "--pgdata"])
            .arg(&folder)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = fs::remove_dir_all(&folder);
    }
}

/// The first argument that makes this program serve a throwaway cluster instead of running the lesson: what
/// `cargo xtask bench` runs, so that the lesson and its floor meet the same server.
pub const SERVE_THROWAWAY: &str = "serve-throwaway-cluster";

/// Serves a throwaway cluster, if this program was started to (see [`SERVE_THROWAWAY`]): starts it, prints
/// its connection string on a line of its own, and stops it once standard input closes. `None` if this
/// program was not started to.
pub fn serve_throwaway_if_asked() -> Option<std::process::ExitCode> {
    if std::env::args().nth(1).as_deref() != Some(SERVE_THROWAWAY) {
        return None;
    }
    let server = match Server::start_throwaway(&clusters_folder()) {
        Ok(server) => server,
        Err(problem) => {
            eprintln!("error: {problem}");
            return Some(std::process::ExitCode::from(3));
        }
    };
    println!("{}", server.connection_string());
    let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
    drop(server);
    Some(std::process::ExitCode::SUCCESS)
}

/// The shell that stops a throwaway cluster and deletes its folder, once its standard input closes.
#[derive(Debug)]
struct Keeper(Option<Child>);

impl Drop for Keeper {
    /// Closes the keeper's standard input, which tells it to stop the server, and waits for it: the server
    /// is gone when this returns.
    fn drop(&mut self) {
        if let Some(mut keeper) = self.0.take() {
            drop(keeper.stdin.take());
            let _ = keeper.wait();
        }
    }
}

/// Connects to the server that `connection_string` names, and returns the client and the connection's
/// [`Bells`]: one per channel this connection `LISTEN`s to, rung by each notification (`NOTIFY`) on it.
///
/// `tokio-postgres` splits a connection in two: the `Client`, which sends queries, and the `Connection`, which
/// does the talking on the socket and must be polled by a task of its own. That task is also where
/// notifications arrive, so it is the one that rings the bells.
pub async fn connect(connection_string: &str) -> Result<(Client, Arc<Bells>), String> {
    use futures::StreamExt;
    let config: Config =
        connection_string.parse().map_err(|error| format!("not a connection string: {error}"))?;
    let (client, mut connection) = config.connect(NoTls).await.map_err(|error| {
        format!("cannot connect to PostgreSQL at {}: {}", address(&config), reason(&error))
    })?;
    let bells = Arc::new(Bells::default());
    let ringer = bells.clone();
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |context| connection.poll_message(context));
        while let Some(Ok(message)) = messages.next().await {
            if let tokio_postgres::AsyncMessage::Notification(notification) = message {
                ringer.ring(notification.channel());
            }
        }
    });
    Ok((client, bells))
}

/// The bells of one connection: a `Notify` per channel, which a notification on that channel rings.
///
/// A bell made with [`bell`](Bells::bell) wakes one waiter (`notify_one`), and keeps the news for the next one
/// if no one waits: a channel for one worker, or for one task (the producer, `join`). A bell made with
/// [`everyone`](Bells::everyone) wakes every waiter (`notify_waiters`): news for every worker of a process, as
/// the queue closing. Every `Notified` made before the ring hears it, as lesson 4 teaches: a waiter makes its
/// `Notified` before it looks at the queue, so that news between the look and the wait is not lost.
#[derive(Debug, Default)]
pub struct Bells {
    by_channel: Mutex<HashMap<String, (Arc<Notify>, bool)>>,
}

impl Bells {
    /// The bell of `channel`, which wakes one waiter.
    pub fn bell(&self, channel: &str) -> Arc<Notify> {
        self.bell_for(channel, false)
    }

    /// The bell of `channel`, which wakes every waiter.
    pub fn everyone(&self, channel: &str) -> Arc<Notify> {
        self.bell_for(channel, true)
    }

    fn bell_for(&self, channel: &str, everyone: bool) -> Arc<Notify> {
        let mut bells = self.by_channel.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (bell, _) = bells.entry(channel.to_string()).or_insert_with(|| (Arc::default(), everyone));
        bell.clone()
    }

    /// Rings the bell of `channel`, if it has one.
    fn ring(&self, channel: &str) {
        let bells = self.by_channel.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match bells.get(channel) {
            Some((bell, true)) => bell.notify_waiters(),
            Some((bell, false)) => bell.notify_one(),
            None => {}
        }
    }
}

/// Where `config` connects, as a person would say it: `localhost:5432`, or `the socket in /run/postgresql`.
fn address(config: &Config) -> String {
    let port = config.get_ports().first().copied().unwrap_or(5432);
    match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => format!("{host}:{port}"),
        Some(tokio_postgres::config::Host::Unix(folder)) => {
            format!("the Unix socket in {} (port {port})", folder.display())
        }
        None => format!("localhost:{port} (no host given)"),
    }
}

/// Why a statement or a connection failed, in the server's words when it said any (`duplicate key value
/// violates unique constraint "results_pkey"`, `password authentication failed for user "me"`), or else the
/// cause underneath (`Connection refused`, `password missing`). `tokio-postgres`'s own message for each is
/// only "db error", "error connecting to server" or "invalid configuration".
pub fn reason(error: &tokio_postgres::Error) -> String {
    if let Some(said) = error.as_db_error() {
        return said.message().to_string();
    }
    match std::error::Error::source(error) {
        Some(cause) => format!("{error}: {cause}"),
        None => error.to_string(),
    }
}

/// `path` in single quotes, for the shell that `pg_ctl` hands the server's options to.
fn quoted_for_shell(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// `path` in single quotes, for a `key=value` connection string.
fn quoted_for_libpq(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\\', r"\\").replace('\'', r"\'"))
}
