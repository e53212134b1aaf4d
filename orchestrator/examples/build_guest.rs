//! Builds the tiny guest and prints the kernel and initramfs paths:
//! `cargo run -p viola-orchestrator --example build_guest -- [BUILD_DIR]`.
use viola_orchestrator::guest::{build, GuestSpec};

fn main() -> std::process::ExitCode {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/viola-guest".into());
    match build(&GuestSpec::debian(dir)) {
        Ok(g) => {
            println!(
                "kernel {}\ninitrd {}",
                g.kernel.display(),
                g.initrd.display()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("build_guest: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
