//! The `graceful-shutdown` binary: lesson 7 on the command line.
//! Try `cargo run -p graceful-shutdown -- --help`.

fn main() -> std::process::ExitCode {
    lesson_support::main(graceful_shutdown::LESSON, graceful_shutdown::run)
}
