//! The `priority` binary: lesson 4 on the command line. Try `cargo run -p priority -- --help`.

fn main() -> std::process::ExitCode {
    lesson_support::main(priority::LESSON, priority::run)
}
