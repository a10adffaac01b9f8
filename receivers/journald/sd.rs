//! The sd_journal calls the `systemd` crate does not wrap, over libsystemd-sys.
//!
//! Safety: every function takes the crate's `&mut JournalRef`, so the journal is
//! alive and used by one thread for the duration of the call; slices returned by
//! libsystemd are copied before the next call that could invalidate them.

use std::ffi::CStr;
use std::io;
use std::os::raw::c_void;

use foreign_types::ForeignTypeRef;
use libsystemd_sys::journal as ffi;
use systemd::journal::JournalRef;

fn check(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::from_raw_os_error(-r))
    } else {
        Ok(r)
    }
}

/// Every distinct value of `field` in the journal files (without the `FIELD=`
/// prefix): `sd_journal_query_unique` + `sd_journal_enumerate_unique`. Matches
/// do not apply to it.
pub fn unique_values(j: &mut JournalRef, field: &CStr) -> io::Result<Vec<Vec<u8>>> {
    let ptr = j.as_ptr();
    let mut out = Vec::new();
    // SAFETY: `ptr` is a live journal (see the module doc); `field` is NUL-terminated.
    unsafe {
        check(ffi::sd_journal_query_unique(ptr, field.as_ptr()))?;
        ffi::sd_journal_restart_unique(ptr);
        loop {
            let mut data: *const c_void = std::ptr::null();
            let mut len: libc::size_t = 0;
            let r = ffi::sd_journal_enumerate_unique(ptr, &mut data, &mut len);
            // A corrupt data object ends the list instead of failing the open.
            if r == -libc::EBADMSG {
                break;
            }
            if check(r)? == 0 {
                break;
            }
            // Valid until the next enumerate call: copied now.
            let item = std::slice::from_raw_parts(data as *const u8, len);
            let value = match memchr::memchr(b'=', item) {
                Some(eq) => &item[eq + 1..],
                None => item,
            };
            out.push(value.to_vec());
        }
    }
    Ok(out)
}

/// Drop this process's page-table references to the journal files libsystemd
/// has mapped, so that scanning a large journal does not grow the resident set
/// by every page it touched (libsystemd keeps up to 64 windows of 8 MiB mapped).
///
/// Only shared, read-only mappings of `*.journal` / `*.journal~` files are
/// touched. `MADV_DONTNEED` on such a mapping keeps it mapped and valid: the
/// pages stay in the page cache and the next access faults them back in with
/// the same contents, so pointers libsystemd keeps into it remain good.
/// Returns the bytes released from the mappings.
pub fn release_journal_mappings() -> usize {
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else { return 0 };
    let mut released = 0;
    for line in maps.lines() {
        // start-end perms offset dev inode path
        let mut cols = line.split_whitespace();
        let (Some(range), Some(perms)) = (cols.next(), cols.next()) else { continue };
        let path = line.splitn(6, char::is_whitespace).nth(5).unwrap_or("").trim();
        let path = path.strip_suffix(" (deleted)").unwrap_or(path);
        if perms != "r--s" || !(path.ends_with(".journal") || path.ends_with(".journal~")) {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else { continue };
        let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else {
            continue;
        };
        // SAFETY: a shared read-only file mapping of this process (see above);
        // MADV_DONTNEED neither unmaps it nor changes what reading it returns.
        if unsafe { libc::madvise(start as *mut c_void, end - start, libc::MADV_DONTNEED) } == 0 {
            released += end - start;
        }
    }
    released
}

/// Append the current entry's cursor to `buf` (`sd_journal_get_cursor`),
/// without the intermediate strings of the crate's `cursor()`.
pub fn append_cursor(j: &JournalRef, buf: &mut Vec<u8>) -> io::Result<()> {
    let mut cursor: *mut libc::c_char = std::ptr::null_mut();
    // SAFETY: a live journal; on success `cursor` is a malloc'd NUL-terminated
    // string that we own, copied and then freed.
    unsafe {
        check(ffi::sd_journal_get_cursor(
            j.as_ptr(),
            &mut cursor as *mut *mut libc::c_char as *mut *const libc::c_char,
        ))?;
        buf.extend_from_slice(CStr::from_ptr(cursor).to_bytes());
        libc::free(cursor as *mut c_void);
    }
    Ok(())
}
