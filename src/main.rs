use std::process::ExitCode;

use clap::Parser;

/// Records are trees of small allocations (every key and string value), and
/// filters free most of what they receive: mimalloc frees them about three
/// times faster than glibc's allocator (see the benchmark in the README).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = ferrocol::cli::Cli::parse();
    ferrocol::cli::main(cli)
}
