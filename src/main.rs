//! `viola`: the OpenFlow controller framework's one binary (see [`viola::cli`]).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    viola::cli::main()
}
