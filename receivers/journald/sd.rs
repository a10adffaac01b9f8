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
