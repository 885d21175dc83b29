//! Lesson 9's promise, on drawn runs that mix failures, poison jobs and a killed worker process: every job is
//! done or dead, in the transcript and in the database alike, and every result is written once.

use std::process::Command;

mod common;

use common::new_database;
use lesson_support::testing::Summary;
use proptest::prelude::*;

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
