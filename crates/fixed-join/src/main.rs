//! The `fixed-join` binary: lesson 3 on the command line. Try `cargo run -p fixed-join -- --help`.

fn main() -> std::process::ExitCode {
    lesson_support::main(fixed_join::LESSON, fixed_join::run)
}
