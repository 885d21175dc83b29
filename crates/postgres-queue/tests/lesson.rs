//! Lesson 9's behaviour, against a real PostgreSQL: one throwaway cluster for this test program, and a
//! database of its own for each test. There is no mock, and no skip: where PostgreSQL cannot run, these
//! tests fail, and say why.
//!
//! Each test runs the lesson's real program, as a learner does, because its workers are processes: the
//! program starts copies of itself.

use std::process::Command;

mod common;

use common::{as_superuser, free_port, new_database, tcp_port};
use lesson_support::sorted_view;
use lesson_support::testing::Summary;

/// Runs lesson 9's program with `args`, on a database of its own, and returns all it prints and its exit
/// status, as `lesson_support::capture` does for the other lessons.
fn run(args: &[&str]) -> String {
    run_with(args, Some(&new_database()))
}

/// Runs lesson 9's program with `args` and `DATABASE_URL` set to `database`, or unset.
fn run_with(args: &[&str], database: Option<&str>) -> String {
    run_program(args, database).0
}

/// Runs lesson 9's program as [`run_with`] does, and returns its process number too.
fn run_program(args: &[&str], database: Option<&str>) -> (String, u32) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_postgres-queue"));
    // The help's width is the terminal's, or `COLUMNS`: neither, here, so that it is the same everywhere.
    command.args(args).env_remove("DATABASE_URL").env_remove("COLUMNS").stdin(std::process::Stdio::null());
    if let Some(database) = database {
        command.env("DATABASE_URL", database);
    }
    let child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the lesson's program runs");
    let process = child.id();
    let output = child.wait_with_output().expect("the lesson's program runs");
    let status = output.status.code().unwrap_or(-1);
    let printed = format!(
        "{}{}[exit status {status}]\n",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (printed, process)
}

/// The lesson's `--help`: every flag, and what it accepts.
#[test]
fn help_lists_every_flag() {
    let help = run_with(&["--help"], None);
    insta::assert_snapshot!(help);
}

/// The default run, as its sorted view: the jobs, what each took, what every task said, and both accounts.
#[test]
fn default_run() {
    let output = run(&[]);
    let summary = Summary::of(&output);
    assert!(summary.is_clean() && summary.processed == 20 && summary.shut_down == (5, 5), "{output}");
    assert!(output.contains("[Main] The database's account: 20 jobs, 20 done, 0 dead, 20 results written"));
    insta::assert_snapshot!(sorted_view(&output));
}

/// With no `DATABASE_URL`, the lesson starts a throwaway cluster of its own, and it is gone by the time the
/// program has returned: the server stopped, and its folder deleted.
#[test]
fn with_no_database_url_a_throwaway_cluster_comes_and_goes() {
    let (output, process) = run_program(&["--jobs", "4", "--workers", "2"], None);
    assert!(Summary::of(&output).is_clean(), "{output}");
    let cluster = postgres_queue::server::clusters_folder().join(format!("cluster-{process}"));
    assert!(!cluster.exists(), "the program returned and left its cluster behind: {}", cluster.display());
}

/// A lesson stopped by SIGTERM (`kill`, `timeout`) ends at once; its worker processes end with it, without a
/// word: their connections close as the throwaway server stops, and an error from each would only hide what
/// happened. The cluster is gone soon after.
#[test]
fn a_lesson_ended_by_sigterm_leaves_no_worker_complaining() {
    use std::io::BufRead;
    let mut program = Command::new(env!("CARGO_BIN_EXE_postgres-queue"))
        .args(["--jobs", "1000"])
        .env_remove("DATABASE_URL")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the lesson's program runs");
    let mut lines = std::io::BufReader::new(program.stdout.take().expect("a pipe")).lines();
    assert!(lines.any(|line| line.is_ok_and(|line| line.contains("Processed: "))), "no job was processed");
    let terminated = Command::new("kill").args(["-TERM", &program.id().to_string()]).status().expect("kill");
    assert!(terminated.success());
    // Standard error is shared by the worker processes: it ends when the last of them has ended.
    let mut said = String::new();
    std::io::Read::read_to_string(&mut program.stderr.take().expect("a pipe"), &mut said).expect("readable");
    let _ = program.wait();
    assert_eq!(said, "", "what the lesson and its workers said on standard error");
}

/// A cluster whose keeper was killed before it could clean up (its program killed too) is stopped and
/// deleted by the next run that starts a cluster in the same folder. (A temporary folder of this test's own:
/// another run that starts a cluster meanwhile would clean it up first.)
#[test]
fn a_cluster_left_by_a_killed_keeper_is_cleaned_up_by_the_next_run() {
    use std::io::BufRead;
    let temporary = std::env::temp_dir().join(format!("postgres-queue-keeper-test-{}", std::process::id()));
    std::fs::create_dir_all(&temporary).expect("a scratch folder");
    let mut program = Command::new(env!("CARGO_BIN_EXE_postgres-queue"))
        .args(["--jobs", "1000", "--workers", "1", "--processes", "1"])
        .env_remove("DATABASE_URL")
        .env("TMPDIR", &temporary)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the lesson's program runs");
    // Its first job added, its cluster is running.
    let mut lines = std::io::BufReader::new(program.stdout.take().expect("a pipe")).lines();
    assert!(lines.any(|line| line.is_ok_and(|line| line.contains("Added job"))), "no job was added");
    let number = program.id();
    let children =
        std::fs::read_to_string(format!("/proc/{number}/task/{number}/children")).unwrap_or_default();
    let keeper = children
        .split_whitespace()
        .find(|child| {
            std::fs::read(format!("/proc/{child}/cmdline")).is_ok_and(|line| line.starts_with(b"sh\0"))
        })
        .expect("the program's keeper, a shell")
        .to_string();
    for victim in [keeper.as_str(), &number.to_string()] {
        let killed = Command::new("kill").args(["-KILL", victim]).status().expect("kill runs");
        assert!(killed.success(), "kill {victim}");
    }
    let _ = program.wait();
    let user = postgres_queue::server_programs::user_id();
    let cluster = temporary.join(format!("postgres-queue-{user}/cluster-{number}"));
    assert!(cluster.join("postmaster.pid").exists(), "the abandoned cluster's server runs");

    let output = Command::new(env!("CARGO_BIN_EXE_postgres-queue"))
        .args(["--jobs", "2"])
        .env_remove("DATABASE_URL")
        .env("TMPDIR", &temporary)
        .output()
        .expect("the lesson's program runs");
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    let gone = !cluster.exists();
    let _ = std::fs::remove_dir_all(&temporary);
    assert!(output.status.success(), "{printed}{}", String::from_utf8_lossy(&output.stderr));
    assert!(gone, "the abandoned cluster is still there: {}", cluster.display());
}

/// Run by root, the lesson runs its cluster's server as the user postgres, which must reach the folder the
/// cluster lives in, in the system's temporary folder. A folder on the way that only root may enter (`TMPDIR`
/// in root's home, mode 700) is named, with the way out, and no folder is left behind. (Run by another user,
/// the server runs as that user: nothing to test.)
#[test]
fn a_folder_the_postgres_user_cannot_enter_is_named() {
    if !std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status.lines().any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(1) == Some("0"))
    }) {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let private = std::env::temp_dir().join(format!("postgres-queue-private-{}", std::process::id()));
    let temporary = private.join("tmp");
    std::fs::create_dir_all(&temporary).expect("a scratch folder");
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).expect("mode 700");
    let output = Command::new(env!("CARGO_BIN_EXE_postgres-queue"))
        .arg("--jobs=1")
        .env_remove("DATABASE_URL")
        .env("TMPDIR", &temporary)
        .output()
        .expect("it runs");
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    let user = postgres_queue::server_programs::user_id();
    let left = temporary.join(format!("postgres-queue-{user}")).exists();
    let _ = std::fs::remove_dir_all(&private);
    assert_eq!(output.status.code(), Some(3), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
    let named = format!("cannot enter {}", private.display());
    assert!(said.contains(&named) && said.contains("TMPDIR") && said.contains("DATABASE_URL"), "{said}");
    assert!(!left, "a folder was left behind");
}

/// The fault test: a worker process is killed with SIGKILL while it holds jobs. Every job is still done, its
/// effect written once, and the redelivery is reported.
#[test]
fn a_killed_worker_process_loses_no_job() {
    let output = run(&["--kill-worker-at", "2", "--lease", "1"]);
    let summary = Summary::of(&output);
    assert!(summary.is_clean() && summary.processed == 20, "{output}");
    assert!(output.contains("[Main] Killing P1 with SIGKILL"), "{output}");
    // The lesson asks P1 to stop still after its next claim, and kills it then: it always holds a job.
    assert!(output.contains("Killed holding process_item_"), "P1 held no job when it was killed:\n{output}");
    assert!(output.contains("Took over process_item_"), "no job was taken over:\n{output}");
    // Twice at least: a lease of 1 s, on a clock sped up 50 times, can run out again on a busy machine.
    assert!(output.contains(" times for 1 attempt(s)"), "no job was delivered again:\n{output}");
    assert!(output.contains("[Main] The database's account: 20 jobs, 20 done, 0 dead, 20 results written"));
}

/// A lease that runs out while its worker still holds the job: another worker takes the job over and writes
/// its result, and the first worker's write, when it goes on, does nothing. Made certain, not raced: the
/// stalled worker (`--stall`) holds the job until it has ended, however slow the machine. The sorted view is
/// the snapshot: the same from run to run, whichever workers stall and take over.
#[test]
fn a_stalled_worker_loses_its_lease_and_its_late_write_does_nothing() {
    let output = run(&["--stall", "3"]);
    let summary = Summary::of(&output);
    assert!(summary.is_clean() && summary.processed == 20, "{output}");
    let at = |text: &str| output.find(text).unwrap_or_else(|| panic!("no {text:?} in:\n{output}"));
    let stalled = at("Stalls with process_item_3 in hand");
    let taken_over = at("Took over process_item_3 (delivery 2)");
    let late = at("Processed: process_item_3 again; its result was already written");
    // The result written by the second delivery is reported too, but maybe after the late write: the two
    // reports can come from two processes, through two pipes.
    at("Processed: process_item_3 (took");
    assert!(stalled < taken_over && taken_over < late, "out of order:\n{output}");
    assert!(output.contains("[Main] The database's account: 20 jobs, 20 done, 0 dead, 20 results written"));
    insta::assert_snapshot!(sorted_view(&output));
}

/// `--stall` needs a second worker to take the job over, and a job of the run to stall with.
#[test]
fn a_stall_that_cannot_happen_is_refused_in_one_line() {
    let output = run_with(&["--stall", "3", "--workers", "1", "--processes", "1"], None);
    assert_eq!(
        output,
        "error: --stall needs --workers 2 or more: with one, no worker is left to take over the job it stalls with \
         (see --help)\n[exit status 2]\n"
    );
    let output = run_with(&["--stall", "30"], None);
    assert_eq!(
        output,
        "error: invalid value '30' for '--stall <N>': expected a job number from 1 to 20 (--jobs) (see --help)\n\
         [exit status 2]\n"
    );
}

/// Retries, a poison job, and a replay: lesson 5's story, told by the table.
#[test]
fn a_poison_job_dies_and_its_replay_fails_again() {
    let output = run(&["--fail-rate", "0.3", "--poison", "4", "--replay-dead-letters"]);
    let summary = Summary::of(&output);
    assert_eq!((summary.processed, summary.lost, summary.status), (19, 0, 0), "{output}");
    assert!(output.contains("Gave up: process_item_4 after 3 attempt(s)"), "{output}");
    assert!(output.contains("[Main] Replaying 1 dead job(s)"), "{output}");
    assert!(output.contains("Still failing: process_item_4 on attempt 4"), "{output}");
    assert!(output.contains("[Main] The database's account: 20 jobs, 19 done, 1 dead, 19 results written"));
}

/// Backpressure, which a table does not have by itself: with a queue of 1, the producer waits.
#[test]
fn the_producer_waits_while_the_queue_is_full() {
    let output = run(&["--jobs", "10", "--queue-size", "1", "--workers", "1", "--processes", "1"]);
    assert!(Summary::of(&output).is_clean(), "{output}");
    let waited = output.lines().find(|line| line.contains("Producer waited")).unwrap_or_default();
    assert!(waited.contains("for room in the queue") && !waited.contains(" 0.000s"), "{output}");
}

/// An urgent job jumps the queue: with one worker busy, it is taken before the jobs that came first.
#[test]
fn an_urgent_job_jumps_the_queue() {
    let output = run(&["--jobs", "8", "--workers", "1", "--processes", "1", "--urgent", "8"]);
    let processed: Vec<&str> = output.lines().filter(|line| line.contains("Processed:")).collect();
    let eighth = processed.iter().position(|line| line.contains("process_item_8 ")).expect("job 8 processed");
    assert!(eighth < 7, "the urgent job was not taken before the others:\n{output}");
}

/// An empty `DATABASE_URL` (`export DATABASE_URL=`) is not set, as for PostgreSQL's own programs: the lesson
/// starts its throwaway cluster. One that is not a connection string is named as `DATABASE_URL`, the
/// variable the learner set, not as the flag, and its value is not repeated: it may hold a password.
#[test]
fn an_empty_database_url_is_not_set_and_a_bad_one_is_named() {
    let output = run_with(&["--jobs", "2", "--workers", "1", "--processes", "1"], Some(""));
    assert!(Summary::of(&output).is_clean(), "{output}");
    let output = run_with(&["--jobs", "2"], Some("secret nonsense"));
    assert_eq!(
        output,
        "error: DATABASE_URL is set, but not to a connection string the lesson can read: unset it, or set it to \
         one such as postgres://me@localhost/mine (see --help)\n[exit status 2]\n"
    );
}

#[test]
fn more_processes_than_workers_are_refused_in_one_line() {
    let output = run_with(&["--processes", "4", "--workers", "3"], None);
    assert_eq!(
        output,
        "error: --processes 4 is more than --workers 3: each process runs at least one worker (see --help)\n[exit status 2]\n"
    );
}

/// A lease of no time is refused by its flag, in one line that says what is accepted.
#[test]
fn a_lease_of_no_time_is_refused_in_one_line() {
    let output = run_with(&["--lease", "0"], None);
    assert_eq!(
        output,
        "error: invalid value '0' for '--lease <SECONDS>': expected seconds more than 0 and at most 3600, such as \
         2.5 (see --help)\n[exit status 2]\n"
    );
}

/// Without PostgreSQL's programs, one line says what to install, and the status is 3, not a usage error.
#[test]
fn without_postgresql_one_line_says_what_to_install() {
    let output = Command::new(env!("CARGO_BIN_EXE_postgres-queue"))
        .env_remove("DATABASE_URL")
        .env("POSTGRES_BIN_DIR", "/nonexistent")
        .output()
        .expect("the lesson's program runs");
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(
        said.starts_with("error: POSTGRES_BIN_DIR is /nonexistent, which holds no initdb and pg_ctl"),
        "{said}"
    );
}

#[test]
fn a_database_url_that_cannot_be_reached_is_one_line_and_status_3() {
    let output = run_with(&["--jobs", "2"], Some("host=/nonexistent user=nobody dbname=nothing"));
    assert!(output.starts_with("error: cannot connect to PostgreSQL"), "{output}");
    assert_eq!(output.lines().count(), 2, "{output}");
    assert!(output.ends_with("[exit status 3]\n"), "{output}");
}

/// A user with a password, and a database of their own, reached over TCP on 127.0.0.1: a server as it is
/// on another machine. Returns the URL without its password, to which the test adds one, or none.
fn database_of_a_user_with_a_password(user: &str) -> String {
    // Two statements: CREATE DATABASE cannot run in the transaction that a batch of statements shares.
    as_superuser(&format!("CREATE ROLE {user} LOGIN PASSWORD 'right-password'"));
    as_superuser(&format!("CREATE DATABASE {user} OWNER {user}"));
    format!("127.0.0.1:{}/{user}", tcp_port())
}

/// A server that asks for a password (SCRAM) runs the lesson end to end, its worker processes included.
#[test]
fn a_server_with_password_login_runs_the_lesson() {
    let at = database_of_a_user_with_a_password("learner_with_password");
    let url = format!("postgres://learner_with_password:right-password@{at}");
    let output = run_with(&["--jobs", "6"], Some(&url));
    assert!(Summary::of(&output).is_clean(), "{output}");
    assert!(output.contains("The database's account: 6 jobs, 6 done, 0 dead, 6 results written"), "{output}");
}

/// Workers on a second machine: `--workers-only`, started first against the lesson's server over TCP, waits
/// for the queue to open, and its workers take jobs beside the lesson's one. Each program accounts for every
/// job it has to: the lesson for all it made, naming those done elsewhere, and the workers for all they took.
///
/// The workers are connected and looking before the lesson opens its queue, and the lesson's one worker
/// needs about a second of wall time for its hundred jobs alone: the second program has that long to take one.
/// They wait longer than their watchdog's limit (`--watchdog 1`) before the lesson starts: a wait for the
/// queue is meant, and the watchdog does not stop it.
#[test]
fn workers_only_share_the_lesson_s_queue_over_tcp() {
    use std::io::BufRead;
    let at = database_of_a_user_with_a_password("learner_on_two_machines");
    let url = format!("postgres://learner_on_two_machines:right-password@{at}");
    let mut workers = Command::new(env!("CARGO_BIN_EXE_postgres-queue"))
        .args(["--workers-only", "--workers", "2", "--processes", "1", "--watchdog", "1"])
        .env("DATABASE_URL", &url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the lesson's program runs");
    let mut lines = std::io::BufReader::new(workers.stdout.take().expect("a pipe")).lines();
    let mut elsewhere = String::new();
    for line in lines.by_ref() {
        let line = line.expect("a line");
        elsewhere.push_str(&line);
        elsewhere.push('\n');
        if line.contains("Waits for the queue to be made and opened") {
            break;
        }
    }
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let lesson = run_with(&["--jobs", "100", "--workers", "1", "--processes", "1"], Some(&url));
    for line in lines {
        elsewhere.push_str(&line.expect("a line"));
        elsewhere.push('\n');
    }
    let status = workers.wait().expect("it ends");
    assert!(status.success(), "{elsewhere}");

    let summary = Summary::of(&lesson);
    assert!(summary.is_clean() && summary.processed == 100, "{lesson}");
    assert!(
        lesson.contains("The database's account: 100 jobs, 100 done, 0 dead, 100 results written"),
        "{lesson}"
    );
    let done_elsewhere = lesson.matches(" was done elsewhere, by ").count();
    let taken = elsewhere.matches("] Processed: process_item_").count();
    assert!(taken >= 1, "the workers elsewhere took no job:\n{elsewhere}\n{lesson}");
    assert_eq!(done_elsewhere, taken, "the lesson names every job done elsewhere:\n{elsewhere}\n{lesson}");
    assert!(elsewhere.contains("workers only (workers 2, seed 1)"), "{elsewhere}");
    assert!(elsewhere.contains(&format!("  accounted     {taken} taken = {taken} processed")), "{elsewhere}");
    assert!(elsewhere.contains("Exit status 0"), "{elsewhere}");
}

/// `--workers-only` needs a server to find the queue on, and leaves the lesson's flags to the lesson.
#[test]
fn workers_only_without_a_server_or_with_the_lesson_s_flags_is_refused() {
    assert_eq!(
        run_with(&["--workers-only"], None),
        "error: --workers-only needs the server of the lesson whose queue they work for: give --database-url, \
         or set DATABASE_URL, as for that lesson (see --help)\n[exit status 2]\n"
    );
    assert_eq!(
        run_with(&["--workers-only", "--urgent", "3", "--database-url", "host=/nowhere"], None),
        "error: --urgent is for the lesson that makes the jobs, not for --workers-only: give it to that lesson \
         (see --help)\n[exit status 2]\n"
    );
}

/// A connection that fails says where it went and the reason underneath, in one line, with status 3:
/// tokio-postgres's own words are only "db error", "error connecting to server" or "invalid configuration".
#[test]
fn a_connection_that_fails_says_where_and_why() {
    let at = database_of_a_user_with_a_password("learner_who_mistypes");
    let closed = free_port();
    for (url, why) in [
        (
            format!("postgres://learner_who_mistypes:wrong-password@{at}"),
            format!(
                "at {}: password authentication failed for user \"learner_who_mistypes\"",
                at.split('/').next().unwrap()
            ),
        ),
        (
            format!("postgres://learner_who_mistypes@{at}"),
            "invalid configuration: password missing".to_string(),
        ),
        (
            format!("postgres://learner_who_mistypes:right-password@127.0.0.1:{closed}/learner_who_mistypes"),
            format!("at 127.0.0.1:{closed}: error connecting to server: Connection refused"),
        ),
    ] {
        let output = run_with(&["--jobs", "2"], Some(&url));
        assert!(output.starts_with("error: cannot connect to PostgreSQL at "), "{output}");
        assert!(output.contains(&why), "{why:?} is not in:\n{output}");
        assert_eq!(output.lines().count(), 2, "{output}");
        assert!(output.ends_with("[exit status 3]\n"), "{output}");
    }
}

/// On a user's own server, the lesson drops only the tables it made. A view of the user's that reads them,
/// or a table of the user's in the lesson's schema, is named, the run refused with status 3, and both are
/// still there afterwards.
#[test]
fn what_the_lesson_did_not_make_is_never_dropped() {
    let database = new_database();
    let made = run_with(&["--jobs", "2"], Some(&database));
    assert!(Summary::of(&made).is_clean(), "{made}");
    let client = |statements: &str| {
        let statements = statements.to_string();
        let database = database.clone();
        lesson_support::clock::runtime(true).block_on(async move {
            let (client, _) = postgres_queue::server::connect(&database).await.expect("a connection");
            client.batch_execute(&statements).await.expect("the statements run");
        });
    };
    for (mine, named, removed) in [
        (
            "CREATE VIEW public.my_report AS SELECT number FROM postgres_queue.jobs",
            "view my_report depends on table postgres_queue.jobs",
            "DROP VIEW public.my_report",
        ),
        (
            "CREATE TABLE postgres_queue.my_notes (note text)",
            "table postgres_queue.my_notes depends on schema postgres_queue",
            "DROP TABLE postgres_queue.my_notes",
        ),
    ] {
        client(mine);
        let refused = run_with(&["--jobs", "2"], Some(&database));
        assert!(refused.ends_with("[exit status 3]\n") && refused.lines().count() == 2, "{refused}");
        assert!(refused.contains(named) && refused.contains("never what someone else made"), "{refused}");
        // Still there: dropping it works.
        client(removed);
    }
    let again = run_with(&["--jobs", "2"], Some(&database));
    assert!(Summary::of(&again).is_clean(), "{again}");
}

/// Every block of output in the lesson text is a run of now, as its sorted view says.
#[test]
fn the_lesson_text_shows_the_real_output() {
    lesson_support::testing::check_lesson_text_of_threads("lessons/09-postgres-queue.md", run);
}

/// The lesson text's picture is the timeline of a run.
#[test]
fn the_lesson_text_shows_the_real_timeline() {
    lesson_support::testing::check_timeline_picture_of_threads(
        "lessons/timelines/09-postgres-queue.svg",
        run,
    );
}

/// The claim that the lesson text shows is the one `queue.rs` prepares, word for word.
#[test]
fn the_text_shows_the_claim_that_the_queue_prepares() {
    use lesson_support::testing::workspace_file;
    let words = |sql: &str| sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let code = std::fs::read_to_string(workspace_file("crates/postgres-queue/src/queue.rs")).unwrap();
    let claim = &code[code.find("let claim = client").expect("the claim is prepared")..];
    let claim = &claim[claim.find('"').unwrap() + 1..];
    let claim = claim[..claim.find("\"\n").unwrap()].replace("{JOB_TAKEN}", postgres_queue::queue::JOB_TAKEN);
    let text = std::fs::read_to_string(workspace_file("lessons/09-postgres-queue.md")).unwrap();
    let shown = &text[text.find("`Queue::claim` is one statement").expect("the text shows the claim")..];
    let shown = &shown[shown.find("```sql\n").unwrap() + 7..];
    let shown = &shown[..shown.find("```").unwrap()];
    // "is stale", as for the texts generated from the code: `cargo xtask check` counts it as a text that
    // differs from the code, not as a broken promise.
    assert_eq!(
        words(shown),
        words(&claim),
        "lessons/09-postgres-queue.md is stale: its claim is not queue.rs's"
    );
}

/// The list of sleepers, on the queue itself: a worker that goes on it and then finds nothing in its last look
/// stays on it, and the next put wakes it; a claim that takes a job takes it off.
#[test]
fn a_put_wakes_a_worker_that_sleeps_and_a_claim_takes_it_off_the_list() {
    use postgres_queue::queue::{self, Queue};
    use postgres_queue::server::connect;
    let database = new_database();
    lesson_support::clock::runtime(true).block_on(async {
        let (client, _) = connect(&database).await.expect("a connection");
        queue::create(&client, postgres_queue::SCHEMA).await.expect("the tables");
        let producer = Queue::new(client, postgres_queue::SCHEMA).await.expect("the statements");
        let (client, bells) = connect(&database).await.expect("a connection");
        let worker = Queue::new(client, postgres_queue::SCHEMA).await.expect("the statements");
        let (channel, lease) = ("wake_test_1", std::time::Duration::from_secs(60));
        worker.listen(channel).await.expect("listening");
        let bell = bells.bell(channel);
        let mut woken = std::pin::pin!(bell.notified());
        woken.as_mut().enable();

        worker.sleep(channel).await.expect("on the list");
        let last_look = worker.claim("P1/Worker-1", lease, false, channel).await.expect("a claim");
        assert_eq!(last_look, None, "the queue is empty");
        producer.put(1, 0).await.expect("a job");
        // A bound for a failure, not a margin for success: the notification comes in milliseconds.
        let rung = tokio::time::timeout(std::time::Duration::from_secs(30), woken).await;
        assert!(rung.is_ok(), "the put did not wake the worker on the list");

        worker.sleep(channel).await.expect("on the list again");
        let claimed = worker.claim("P1/Worker-1", lease, false, channel).await.expect("a claim");
        assert_eq!(claimed.map(|claim| claim.number), Some(1));
        let sleepers: i64 =
            worker.client().query_one("SELECT count(*) FROM sleepers", &[]).await.expect("the list").get(0);
        assert_eq!(sleepers, 0, "a worker that took a job is still on the list of sleepers");
    });
}
