//! Lesson 9's promise, on drawn runs that mix failures, poison jobs and a killed worker process: every job is
//! done or dead, in the transcript and in the database alike, and every result is written once.

use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use lesson_support::testing::Summary;
use postgres_queue::server::Server;
use proptest::prelude::*;

/// The cluster of this test program, and a new database on it for each run.
fn new_database() -> String {
    static CLUSTER: OnceLock<Server> = OnceLock::new();
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    let cluster = CLUSTER.get_or_init(|| {
        let folder = std::env::temp_dir().join("postgres-queue-tests");
        Server::start_throwaway(&folder)
            .unwrap_or_else(|problem| panic!("lesson 9's tests need PostgreSQL: {problem}"))
    });
    let name = format!("property_{}", NEXT.fetch_add(1, Ordering::SeqCst));
    lesson_support::clock::runtime(true).block_on(async {
        let (client, _) = cluster.connect().await.expect("the cluster accepts connections");
        client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("a new database");
    });
    cluster.connection_string_for(&name)
}

proptest! {
    // Each case is a real run of a few processes against a real server: a few cases, chosen to differ.
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn every_job_is_done_or_dead_and_every_result_written_once(
        jobs in 4usize..14,
        workers in 2usize..5,
        fail_rate in 0.0f64..0.4,
        poison in proptest::option::of(1usize..4),
        kill_at in proptest::option::of(0.5f64..2.5),
        seed in 0u64..1000,
    ) {
        let mut args: Vec<String> = vec![
            format!("--jobs={jobs}"), format!("--workers={workers}"), "--processes=2".into(),
            format!("--fail-rate={fail_rate}"), format!("--seed={seed}"), "--lease=1".into(), "--quiet".into(),
        ];
        if let Some(job) = poison { args.push(format!("--poison={job}")); }
        if let Some(at) = kill_at { args.push(format!("--kill-worker-at={at}")); }
        let output = Command::new(env!("CARGO_BIN_EXE_postgres-queue"))
            .args(&args)
            .env("DATABASE_URL", new_database())
            .output()
            .expect("the lesson's program runs");
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        let summary = Summary::of(&format!("{text}[exit status {}]\n", output.status.code().unwrap_or(-1)));
        prop_assert!(summary.is_clean(), "{args:?}\n{text}");
        let dead = usize::from(poison.is_some());
        prop_assert_eq!(summary.processed + summary.dead_lettered, jobs, "{:?}\n{}", args, text);
        prop_assert!(summary.dead_lettered >= dead, "{args:?}\n{text}");
    }
}
