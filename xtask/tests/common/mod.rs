//! What the runner's tests share: every lesson, run in this process.

/// Runs a lesson with the given flags and returns all it prints and its exit status.
pub type RunLesson = fn(&[&str]) -> String;

/// Each lesson's crate name, and a way to run it in this process.
pub fn lessons() -> Vec<(&'static str, RunLesson)> {
    vec![
        ("baseline", |args| lesson_support::capture(baseline::LESSON, baseline::run, args)),
        ("broken-no-sentinel", |args| {
            lesson_support::capture(broken_no_sentinel::LESSON, broken_no_sentinel::run, args)
        }),
        ("fixed-join", |args| lesson_support::capture(fixed_join::LESSON, fixed_join::run, args)),
        ("priority", |args| lesson_support::capture(priority::LESSON, priority::run, args)),
        ("dead-letter", |args| lesson_support::capture(dead_letter::LESSON, dead_letter::run, args)),
        ("streams", |args| lesson_support::capture(streams::LESSON, streams::run, args)),
        ("graceful-shutdown", |args| {
            lesson_support::capture(graceful_shutdown::LESSON, graceful_shutdown::run, args)
        }),
        ("threads", |args| lesson_support::capture(threads::LESSON, threads::run, args)),
        // Lesson 9's runs start worker processes that are its own program: these tests run it for its flags
        // only (`--help`, and flags refused before a run), which need no server.
        ("postgres-queue", |args| lesson_support::capture(postgres_queue::LESSON, postgres_queue::run, args)),
    ]
}
