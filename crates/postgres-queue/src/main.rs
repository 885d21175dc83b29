//! The `postgres-queue` binary: lesson 9 on the command line. Try `cargo run -p postgres-queue -- --help`.

fn main() -> std::process::ExitCode {
    // The lesson starts its worker processes as this same program, with `worker-process` as the first
    // argument: such a process runs workers, not the lesson.
    if let Some(status) = postgres_queue::worker_process::main_if_asked() {
        return status;
    }
    // `cargo xtask bench` starts it once as a server for its runs, which it names by `DATABASE_URL`.
    if let Some(status) = postgres_queue::server::serve_throwaway_if_asked() {
        return status;
    }
    lesson_support::main(postgres_queue::LESSON, postgres_queue::run)
}
