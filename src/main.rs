use std::process::ExitCode;

use clap::Parser;

/// Records are trees of small allocations (every key and string value), and
/// filters free most of what they receive: mimalloc frees them about three
/// times faster than glibc's allocator (see the benchmark in the README).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `arena_eager_commit`: option 4 of `mi_option_t` in v2 and in v3,
/// the version libmimalloc-sys builds by default (and so this one).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// Commit arena memory as it is used rather than whole arenas up front: with
/// eager commit (mimalloc's default on Linux) an idle ferrocol held 16 MB more
/// RSS, and the Teleport benchmark's peak was over 20 MB higher
/// (bench/README.md; likely transparent huge pages backing the committed
/// arenas, not confirmed). It must run before the first allocation reserves an
/// arena, which happens before `main`: so it is a constructor, run by the
/// loader ahead of the unprioritized ones (mimalloc's own among them), and it
/// allocates nothing. `MIMALLOC_ARENA_EAGER_COMMIT` in the environment wins.
extern "C" fn arena_commit_on_use() {
    // SAFETY: getenv of a NUL-terminated name, before any thread exists; then a
    // process-wide allocator option is set, touching no memory.
    unsafe {
        if libc::getenv(c"MIMALLOC_ARENA_EAGER_COMMIT".as_ptr()).is_null() {
            libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        }
    }
}

#[used]
#[link_section = ".init_array.00101"]
static ARENA_COMMIT_ON_USE: extern "C" fn() = arena_commit_on_use;

fn main() -> ExitCode {
    let cli = ferrocol::cli::Cli::parse();
    ferrocol::cli::main(cli)
}
