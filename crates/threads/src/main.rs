//! The `threads` binary: lesson 8 on the command line. Try `cargo run -p threads -- --help`.

fn main() -> std::process::ExitCode {
    lesson_support::main(threads::LESSON, threads::run)
}
