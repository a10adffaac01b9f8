//! Measuring memory: the process's resident set (what the kernel and the OOM
//! killer count), and the total the percentages refer to — the cgroup's limit
//! (v2 `memory.max`, v1 `memory.limit_in_bytes`) when one is set, else the
//! machine's memory.

use std::path::Path;

pub use crate::metrics::rss_bytes;

/// The memory this process may use: its cgroup's limit, or all of the machine's.
pub fn total_bytes() -> Result<u64, String> {
    let machine = machine_bytes()?;
    let cgroup = std::fs::read_to_string("/proc/self/cgroup")
        .ok()
        .and_then(|text| cgroup_limit(Path::new("/sys/fs/cgroup"), &text));
    // A limit above the machine's memory (v1 writes a huge number for "none") is no limit.
    Ok(cgroup.filter(|&c| c < machine).unwrap_or(machine))
}

fn machine_bytes() -> Result<u64, String> {
    let pages = unsafe { libc::sysconf(libc::_SC_PHYS_PAGES) };
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if pages <= 0 || page <= 0 {
        return Err("sysconf(_SC_PHYS_PAGES) failed".to_string());
    }
    Ok(pages as u64 * page as u64)
}

/// The memory limit of the cgroup named in `proc_cgroup` (the text of
/// /proc/self/cgroup), under the cgroup filesystem mounted at `root`. Inside a
/// container the process's cgroup is usually the namespace root, so the file
/// directly under `root` is tried as well.
pub fn cgroup_limit(root: &Path, proc_cgroup: &str) -> Option<u64> {
    for line in proc_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let rel = path.trim_start_matches('/');
        let found = if controllers.is_empty() {
            // v2: "0::/system.slice/x.service"
            read_limit(&root.join(rel).join("memory.max")).or_else(|| read_limit(&root.join("memory.max")))
        } else if controllers.split(',').any(|c| c == "memory") {
            let base = root.join("memory");
            read_limit(&base.join(rel).join("memory.limit_in_bytes"))
                .or_else(|| read_limit(&base.join("memory.limit_in_bytes")))
        } else {
            None
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// A limit file's value; `max` (v2) and non-positive values mean no limit.
fn read_limit(path: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let v = text.trim();
    if v == "max" {
        return None;
    }
    v.parse::<i64>().ok().filter(|&n| n > 0).map(|n| n as u64)
}

/// Ask the allocator to give freed memory back to the system (ferrocol's
/// analogue of otelcol's forced GC).
pub fn collect() {
    // SAFETY: mi_collect only walks the allocator's own free lists.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
