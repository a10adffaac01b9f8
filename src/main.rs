use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    tune_malloc();
    let cli = ferrocol::cli::Cli::parse();
    ferrocol::cli::main(cli)
}

/// Records are allocated by a receiver's thread and freed by an exporter's:
/// with glibc's defaults those frees fill per-arena fast bins that the
/// allocating thread must then lock and consolidate, which cost a third of the
/// CPU of the Teleport benchmark. One arena without fast bins halves that (the
/// per-thread caches still serve most allocations), and keeping up to 32 MiB
/// of freed heap instead of returning it at once saves most of the system
/// time. `GLIBC_TUNABLES` or `MALLOC_ARENA_MAX` in the environment take
/// precedence.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_malloc() {
    if std::env::var_os("GLIBC_TUNABLES").is_some() || std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    // SAFETY: called first thing in main, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MXFAST, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TOP_PAD, 4 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc() {}
